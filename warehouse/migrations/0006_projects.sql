-- migration 6: frozen; a change to the schema is a new migration, never an edit of this file
-- one project across years: reports linked by code, name and unit (warehouse/projects.py)
CREATE TABLE projects (project_key VARCHAR PRIMARY KEY, project_name VARCHAR, unit VARCHAR, region VARCHAR,
    years INTEGER[], n_reports INTEGER);
CREATE TABLE project_links (report_id VARCHAR NOT NULL, project_key VARCHAR NOT NULL, reason VARCHAR NOT NULL);
ALTER TABLE reports ADD COLUMN project_key VARCHAR;

CREATE OR REPLACE VIEW v_spending AS
WITH ranked AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.project_key, r.fiscal_year
                                   ORDER BY (d.replaced_by IS NULL) DESC, d.ingested_at DESC, r.report_id) AS pick,
           count(*) OVER (PARTITION BY r.project_key, r.fiscal_year) AS n_reports
    FROM reports r JOIN documents d USING (doc_id)
    WHERE r.project_key IS NOT NULL AND r.fiscal_year IS NOT NULL
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
SELECT unit, fiscal_year, count(*) AS n_projects, sum(budget_yuan) AS budget_yuan, sum(spent_yuan) AS spent_yuan,
       CAST(round(100 * sum(spent_yuan) / nullif(sum(budget_yuan) FILTER (WHERE spent_yuan IS NOT NULL), 0), 2) AS DECIMAL(9,2))
           AS weighted_execution_rate_pct
FROM v_spending
WHERE scope = 'project'
GROUP BY unit, fiscal_year;

CREATE OR REPLACE VIEW v_scores AS
SELECT r.report_id, r.project_key, r.fiscal_year, r.project_name, i.level1, i.level2,
       count(*) AS n_indicators, sum(i.weight) AS weight, sum(i.score) AS score,
       CAST(round(100 * sum(i.score) / nullif(sum(i.weight), 0), 2) AS DECIMAL(9,2)) AS score_pct
FROM indicators i JOIN reports r USING (report_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW v_findings_summary AS
SELECT f.rule, f.severity, r.fiscal_year, count(*) AS findings, count(DISTINCT f.report_id) AS reports
FROM findings f LEFT JOIN reports r USING (report_id)
GROUP BY ALL;
