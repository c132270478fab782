-- The analysts' views as they are now. Unlike a migration, this file is edited in place: migrate()
-- re-applies it after every upgrade, so fresh and upgraded warehouses read the same views.
-- v_reports names each column of schema.CORRECTABLE (a test checks it): a correctable column is added here too.

CREATE OR REPLACE VIEW v_reports AS
WITH latest AS (
    SELECT report_id, column_name, new_value,
           row_number() OVER (PARTITION BY report_id, column_name ORDER BY correction_id DESC) AS n
    FROM corrections
),
c AS (
    SELECT report_id, list(column_name ORDER BY column_name) AS corrected_columns,
           bool_or(column_name = 'fiscal_year') AS has_fiscal_year, max(new_value) FILTER (WHERE column_name = 'fiscal_year') AS new_fiscal_year,
           bool_or(column_name = 'region') AS has_region, max(new_value) FILTER (WHERE column_name = 'region') AS new_region,
           bool_or(column_name = 'project_name') AS has_project_name, max(new_value) FILTER (WHERE column_name = 'project_name') AS new_project_name,
           bool_or(column_name = 'department') AS has_department, max(new_value) FILTER (WHERE column_name = 'department') AS new_department,
           bool_or(column_name = 'implementing_unit') AS has_implementing_unit, max(new_value) FILTER (WHERE column_name = 'implementing_unit') AS new_implementing_unit,
           bool_or(column_name = 'budget_initial_yuan') AS has_budget_initial_yuan, max(new_value) FILTER (WHERE column_name = 'budget_initial_yuan') AS new_budget_initial_yuan,
           bool_or(column_name = 'budget_adjusted_yuan') AS has_budget_adjusted_yuan, max(new_value) FILTER (WHERE column_name = 'budget_adjusted_yuan') AS new_budget_adjusted_yuan,
           bool_or(column_name = 'received_yuan') AS has_received_yuan, max(new_value) FILTER (WHERE column_name = 'received_yuan') AS new_received_yuan,
           bool_or(column_name = 'spent_yuan') AS has_spent_yuan, max(new_value) FILTER (WHERE column_name = 'spent_yuan') AS new_spent_yuan,
           bool_or(column_name = 'execution_rate_pct') AS has_execution_rate_pct, max(new_value) FILTER (WHERE column_name = 'execution_rate_pct') AS new_execution_rate_pct,
           bool_or(column_name = 'score_total') AS has_score_total, max(new_value) FILTER (WHERE column_name = 'score_total') AS new_score_total,
           bool_or(column_name = 'score_max') AS has_score_max, max(new_value) FILTER (WHERE column_name = 'score_max') AS new_score_max,
           bool_or(column_name = 'grade') AS has_grade, max(new_value) FILTER (WHERE column_name = 'grade') AS new_grade,
           bool_or(column_name = 'execution_score') AS has_execution_score, max(new_value) FILTER (WHERE column_name = 'execution_score') AS new_execution_score,
           bool_or(column_name = 'execution_score_max') AS has_execution_score_max, max(new_value) FILTER (WHERE column_name = 'execution_score_max') AS new_execution_score_max
    FROM latest WHERE n = 1 GROUP BY report_id
)
SELECT r.* REPLACE (
    CASE WHEN c.has_fiscal_year THEN CAST(c.new_fiscal_year AS INTEGER) ELSE r.fiscal_year END AS fiscal_year,
    CASE WHEN c.has_region THEN CAST(c.new_region AS VARCHAR) ELSE r.region END AS region,
    CASE WHEN c.has_project_name THEN CAST(c.new_project_name AS VARCHAR) ELSE r.project_name END AS project_name,
    CASE WHEN c.has_department THEN CAST(c.new_department AS VARCHAR) ELSE r.department END AS department,
    CASE WHEN c.has_implementing_unit THEN CAST(c.new_implementing_unit AS VARCHAR) ELSE r.implementing_unit END AS implementing_unit,
    CASE WHEN c.has_budget_initial_yuan THEN CAST(c.new_budget_initial_yuan AS DECIMAL(18,2)) ELSE r.budget_initial_yuan END AS budget_initial_yuan,
    CASE WHEN c.has_budget_adjusted_yuan THEN CAST(c.new_budget_adjusted_yuan AS DECIMAL(18,2)) ELSE r.budget_adjusted_yuan END AS budget_adjusted_yuan,
    CASE WHEN c.has_received_yuan THEN CAST(c.new_received_yuan AS DECIMAL(18,2)) ELSE r.received_yuan END AS received_yuan,
    CASE WHEN c.has_spent_yuan THEN CAST(c.new_spent_yuan AS DECIMAL(18,2)) ELSE r.spent_yuan END AS spent_yuan,
    CASE WHEN c.has_execution_rate_pct THEN CAST(c.new_execution_rate_pct AS DECIMAL(9,2)) ELSE r.execution_rate_pct END AS execution_rate_pct,
    CASE WHEN c.has_score_total THEN CAST(c.new_score_total AS DECIMAL(9,2)) ELSE r.score_total END AS score_total,
    CASE WHEN c.has_score_max THEN CAST(c.new_score_max AS DECIMAL(9,2)) ELSE r.score_max END AS score_max,
    CASE WHEN c.has_grade THEN CAST(c.new_grade AS VARCHAR) ELSE r.grade END AS grade,
    CASE WHEN c.has_execution_score THEN CAST(c.new_execution_score AS DECIMAL(9,2)) ELSE r.execution_score END AS execution_score,
    CASE WHEN c.has_execution_score_max THEN CAST(c.new_execution_score_max AS DECIMAL(9,2)) ELSE r.execution_score_max END AS execution_score_max),
    coalesce(c.corrected_columns, []) AS corrected_columns
FROM reports r LEFT JOIN c USING (report_id);

CREATE OR REPLACE VIEW v_spending AS
-- a report not linked (yet, or linking failed) counts as a project of its own, so the view never depends on linking
WITH keyed AS (
    SELECT r.* REPLACE (coalesce(r.project_key, r.report_id) AS project_key), d.replaced_by, d.ingested_at
    FROM v_reports r JOIN documents d USING (doc_id)
    WHERE r.fiscal_year IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY project_key, fiscal_year
                                 ORDER BY (replaced_by IS NULL) DESC, (duplicate_of IS NULL) DESC, ingested_at DESC, report_id) AS pick,
           count(*) OVER (PARTITION BY project_key, fiscal_year) AS n_reports
    FROM keyed
),
yearly AS (
    SELECT project_key, fiscal_year, project_name, scope,
           CASE WHEN scope = 'department' THEN project_name ELSE coalesce(implementing_unit, department) END AS unit,
           region, template, coalesce(budget_adjusted_yuan, budget_initial_yuan) AS budget_yuan, spent_yuan,
           coalesce(execution_rate_pct, CAST(round(100 * spent_yuan / nullif(coalesce(budget_adjusted_yuan, budget_initial_yuan), 0), 2) AS DECIMAL(9,2)))
               AS execution_rate_pct,
           execution_rate_pct IS NULL AND spent_yuan IS NOT NULL AS rate_computed,
           score_total, n_reports, report_id
    FROM ranked WHERE pick = 1
)
SELECT *,
       lag(fiscal_year) OVER w AS previous_year,
       spent_yuan - lag(spent_yuan) OVER w AS spent_change_yuan,
       execution_rate_pct - lag(execution_rate_pct) OVER w AS rate_change_pct
FROM yearly
WINDOW w AS (PARTITION BY project_key ORDER BY fiscal_year);

CREATE OR REPLACE VIEW v_unit_year AS
-- the self-scores of a unit's projects that year: a copy (reports.duplicate_of) v_spending still picked, because its
-- original is linked elsewhere, is not a second score of the unit's
SELECT s.unit, s.fiscal_year, count(*) AS n_projects, sum(s.budget_yuan) AS budget_yuan, sum(s.spent_yuan) AS spent_yuan,
       CAST(round(100 * sum(s.spent_yuan) / nullif(sum(s.budget_yuan) FILTER (WHERE s.spent_yuan IS NOT NULL), 0), 2) AS DECIMAL(9,2))
           AS weighted_execution_rate_pct,
       CAST(round(avg(s.score_total) FILTER (WHERE r.duplicate_of IS NULL), 2) AS DECIMAL(9,2)) AS score_total_avg,
       min(s.score_total) FILTER (WHERE r.duplicate_of IS NULL) AS score_total_min,
       max(s.score_total) FILTER (WHERE r.duplicate_of IS NULL) AS score_total_max
FROM v_spending s LEFT JOIN reports r USING (report_id)
WHERE s.scope = 'project'
GROUP BY s.unit, s.fiscal_year;

CREATE OR REPLACE VIEW v_scores AS
-- the indicators summed by report and level first (a narrow key), then named by their report
WITH s AS (
    SELECT report_id, level1, level2, count(*) AS n_indicators, sum(weight) AS weight, sum(score) AS score
    FROM indicators GROUP BY report_id, level1, level2
)
SELECT r.report_id, r.project_key, r.fiscal_year, r.project_name, s.level1, s.level2, s.n_indicators, s.weight, s.score,
       CAST(round(100 * s.score / nullif(s.weight, 0), 2) AS DECIMAL(9,2)) AS score_pct
FROM s JOIN v_reports r USING (report_id)
WHERE r.duplicate_of IS NULL;

CREATE OR REPLACE VIEW v_findings_summary AS
SELECT f.rule, f.severity, r.fiscal_year, count(*) AS findings, count(DISTINCT f.report_id) AS reports
FROM findings f LEFT JOIN reports r USING (report_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW v_findings AS
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY report_id, rule, message ORDER BY review_id DESC) AS n FROM finding_reviews
)
SELECT f.*, left(md5(concat_ws('|', f.report_id, f.rule, f.message)), 16) AS finding_key, coalesce(l.verdict, 'open') AS verdict, l.note AS review_note, l.reviewed_by, l.reviewed_at,
       -- a copy's findings are grouped with its original's (reports.duplicate_of)
       coalesce(r.duplicate_of, f.report_id) AS original_report_id
FROM findings f LEFT JOIN reports r ON r.report_id = f.report_id
LEFT JOIN latest l ON l.n = 1 AND l.report_id = f.report_id AND l.rule = f.rule AND l.message = f.message;

CREATE OR REPLACE VIEW v_counted_reports AS
-- the reports the views below count (copies and replaced files left out), with their project key (the report's own
-- id until it is linked) and their unit as v_spending names it (a department's report is its own unit)
SELECT r.report_id, coalesce(r.project_key, r.report_id) AS project_key, r.fiscal_year, r.project_name,
       CASE WHEN r.scope = 'department' THEN r.project_name ELSE coalesce(r.implementing_unit, r.department) END AS unit
FROM v_reports r JOIN documents d USING (doc_id)
WHERE r.duplicate_of IS NULL AND d.replaced_by IS NULL;

CREATE OR REPLACE VIEW v_indicators AS
-- one row per indicator of each report (copies and replaced files left out), targets and actuals as written and as
-- values (normalize/targets.py), met and the rule that decided it, points lost = weight − score
SELECT i.report_id, i.seq, r.project_key, r.fiscal_year, r.unit, i.level1, i.level2, i.name, i.kind,
       i.target_op, i.actual_op, i.target_value, i.target_value_high, i.actual_value, i.target_unit, i.actual_unit,
       i.target_grade, i.actual_grade, i.met, i.weight, i.score, CAST(i.weight - i.score AS DECIMAL(9,2)) AS points_lost,
       r.project_name, i.target, i.actual, i.actual_value_high, i.met_rule, i.note
FROM indicators i JOIN v_counted_reports r USING (report_id);

CREATE OR REPLACE VIEW v_problems AS
-- the problems each project's reports name (narrative_items of kind problem), one row per project and topic
-- (rules/problem_topics.csv; NULL: a problem no topic names) with the years it was named in: recurring when a
-- topic comes back in another year
SELECT r.project_key, arg_max(r.project_name, r.fiscal_year) AS project_name, arg_max(r.unit, r.fiscal_year) AS unit, n.topic,
       list(DISTINCT r.fiscal_year ORDER BY r.fiscal_year) FILTER (WHERE r.fiscal_year IS NOT NULL) AS years,
       count(DISTINCT r.fiscal_year) AS n_years, min(r.fiscal_year) AS first_year, max(r.fiscal_year) AS last_year,
       n.topic IS NOT NULL AND count(DISTINCT r.fiscal_year) > 1 AS recurring,
       list(n.text ORDER BY r.fiscal_year, n.report_id, n.seq) AS problems,
       list(n.report_id ORDER BY r.fiscal_year, n.report_id, n.seq) AS report_ids
FROM narrative_items n JOIN v_counted_reports r USING (report_id)
WHERE n.kind = 'problem'
GROUP BY r.project_key, n.topic;
