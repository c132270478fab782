-- migration 17: frozen; a change to the schema is a new migration, never an edit of this file
-- what linking last saw of each report (warehouse/projects.py), so that an ingest links only what
-- changed: the values it links and groups copies by, as read, with its document and that document's
-- stamp; the names compared, canonical; the mapping file's key; the first report of its linked
-- group, and the key that report gives
CREATE TABLE link_index (report_id VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, stamp TIMESTAMP, fiscal_year INTEGER,
    region VARCHAR, scope VARCHAR, project_name VARCHAR, unit VARCHAR, project_code VARCHAR, name VARCHAR, unit_name VARCHAR,
    mapped VARCHAR, head VARCHAR, plain_key VARCHAR);
-- the documents stored (or stored again) since the last linking, marked in the transaction that stores them
CREATE TABLE link_pending (doc_id VARCHAR NOT NULL);
-- the mapping file and linking code the index was made with: another one links everything again
CREATE TABLE link_state (settings VARCHAR NOT NULL);
INSERT INTO pending SELECT 'link' WHERE EXISTS (SELECT 1 FROM reports) ON CONFLICT DO NOTHING;
