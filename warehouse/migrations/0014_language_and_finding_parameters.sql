-- migration 14: frozen; a change to the schema is a new migration, never an edit of this file
-- findings as data: each keeps its parameters (JSON, with its message template's key, rules/messages.csv),
-- so the desk, exports and notebooks show it in their reader's language; `message` stays, rendered in the
-- warehouse's language, which reviews name their findings by
ALTER TABLE findings ADD COLUMN parameters VARCHAR;
-- the warehouse's own settings; 'language': the language its messages are written in. A warehouse with
-- findings from before keeps English, the language they were written in (its reviews name them so);
-- a new one takes the language of its first writer
CREATE TABLE settings (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
INSERT INTO settings SELECT 'language', 'en' WHERE EXISTS (SELECT 1 FROM findings);
