-- migration 9: frozen; a change to the schema is a new migration, never an edit of this file
-- work owed after storing, marked in the transaction that stores: 'link' (projects across years).
-- Any command that writes the warehouse finishes it first, so a run killed after its last store
-- and before linking is completed by the next one.
CREATE TABLE pending (task VARCHAR PRIMARY KEY);
INSERT INTO pending SELECT 'link' WHERE EXISTS (SELECT 1 FROM reports);
