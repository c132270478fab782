-- migration 8: frozen; a change to the schema is a new migration, never an edit of this file
-- coverage: the share of a document's non-empty cells and figure-bearing sentences that were understood,
-- and each one that was not, with its place, so users see where the reader is weak on their archive
ALTER TABLE documents ADD COLUMN coverage_pct DECIMAL(5,2);
CREATE TABLE unread (doc_id VARCHAR NOT NULL, place VARCHAR NOT NULL, page INTEGER, text VARCHAR);
