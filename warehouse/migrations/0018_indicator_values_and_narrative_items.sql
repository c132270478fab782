-- migration 18: frozen; a change to the schema is a new migration, never an edit of this file
-- indicators' targets and actuals as comparable values beside the text as written, their kind, and whether the
-- target was met with the rule that decided it (normalize/targets.py, normalize/kinds.py). Rows stored before
-- keep NULL here until their files are read again (jixiao ingest --reread)
ALTER TABLE indicators ADD COLUMN kind VARCHAR;
ALTER TABLE indicators ADD COLUMN target_op VARCHAR;
ALTER TABLE indicators ADD COLUMN target_value DECIMAL(18,4);
ALTER TABLE indicators ADD COLUMN target_value_high DECIMAL(18,4);
ALTER TABLE indicators ADD COLUMN target_unit VARCHAR;
ALTER TABLE indicators ADD COLUMN target_grade VARCHAR;
ALTER TABLE indicators ADD COLUMN actual_op VARCHAR;
ALTER TABLE indicators ADD COLUMN actual_value DECIMAL(18,4);
ALTER TABLE indicators ADD COLUMN actual_value_high DECIMAL(18,4);
ALTER TABLE indicators ADD COLUMN actual_unit VARCHAR;
ALTER TABLE indicators ADD COLUMN actual_grade VARCHAR;
ALTER TABLE indicators ADD COLUMN met BOOLEAN;
ALTER TABLE indicators ADD COLUMN met_rule VARCHAR;
-- the narrative's numbered items, one row each, with the kind of section they belong to (目标完成情况 → achievement,
-- 存在的问题 → problem, 原因分析 → cause, 改进措施/下一步 → improvement, 结果应用 → results_use): what `jixiao search` finds;
-- a problem's topic (资金拨付滞后 → funds_late …) lets v_problems follow it across a project's years
CREATE TABLE narrative_items (
    report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, kind VARCHAR, heading VARCHAR, number VARCHAR, text VARCHAR NOT NULL,
    section_seq INTEGER, topic VARCHAR);
