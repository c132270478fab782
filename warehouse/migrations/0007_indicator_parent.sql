-- migration 7: frozen; a change to the schema is a new migration, never an edit of this file
-- a 三级指标 divided into numbered sub-items: the group row names it, each sub-item points to it
ALTER TABLE indicator_groups ADD COLUMN name VARCHAR;
ALTER TABLE indicators ADD COLUMN parent VARCHAR;
