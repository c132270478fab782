-- migration 2: frozen; a change to the schema is a new migration, never an edit of this file
CREATE TABLE indicator_groups (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, level INTEGER NOT NULL,
    level1 VARCHAR, level2 VARCHAR, weight DECIMAL(9,2), score DECIMAL(9,2));
