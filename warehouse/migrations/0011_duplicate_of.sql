-- migration 11: frozen; a change to the schema is a new migration, never an edit of this file
-- a report that repeats an earlier one from another file (same project, year and figures) points at it;
-- set at linking, so raw sums can leave copies out: WHERE duplicate_of IS NULL
ALTER TABLE reports ADD COLUMN duplicate_of VARCHAR;
INSERT INTO pending SELECT 'link' WHERE EXISTS (SELECT 1 FROM reports) ON CONFLICT DO NOTHING;
