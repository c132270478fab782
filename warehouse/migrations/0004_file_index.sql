-- migration 4: frozen; a change to the schema is a new migration, never an edit of this file
-- where each file was last seen and what its bytes were: an unchanged archive is recognised by
-- size and mtime without reading a byte
CREATE TABLE file_index (path VARCHAR PRIMARY KEY, size_bytes BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, doc_id VARCHAR NOT NULL);
-- a file whose bytes changed is a new document; the old one stays, pointing at its successor
ALTER TABLE documents ADD COLUMN replaced_by VARCHAR;
