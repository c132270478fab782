-- migration 3: frozen; a change to the schema is a new migration, never an edit of this file
ALTER TABLE funding ADD COLUMN breakdown VARCHAR;
