-- migration 15: frozen; a change to the schema is a new migration, never an edit of this file
-- for a readable file that was not taken as a report (status not_report): why, the signs of a report it
-- lacks (a form naming its project or unit; a report narrative's title, figures and headings)
ALTER TABLE documents ADD COLUMN not_report_reason VARCHAR;
