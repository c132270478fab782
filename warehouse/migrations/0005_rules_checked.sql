-- migration 5: frozen; a change to the schema is a new migration, never an edit of this file
-- rules run over many documents at once; a document stays unchecked until its findings are written
ALTER TABLE documents ADD COLUMN rules_checked BOOLEAN DEFAULT FALSE;
UPDATE documents SET rules_checked = TRUE;
