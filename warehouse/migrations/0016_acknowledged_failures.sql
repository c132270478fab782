-- migration 16: frozen; a change to the schema is a new migration, never an edit of this file
-- a failure someone has looked at and accepted (jixiao ignore): by the bytes that failed, so a changed file is
-- new again; the failure is still listed, and no longer makes an ingest exit 1
CREATE TABLE acknowledged (
    doc_id VARCHAR PRIMARY KEY,
    reason VARCHAR NOT NULL,
    acknowledged_by VARCHAR,
    acknowledged_at TIMESTAMP DEFAULT current_timestamp
);
