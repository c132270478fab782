-- migration 10: frozen; a change to the schema is a new migration, never an edit of this file
-- why a file failed, as a word a rerun acts on (timeout, crash, memory are retried), and the
-- exception behind the user's sentence, kept apart from it
ALTER TABLE documents ADD COLUMN error_kind VARCHAR;
ALTER TABLE documents ADD COLUMN error_detail VARCHAR;
