"""The warehouse schema (../shared/SCHEMA.md) as numbered migrations, so old files upgrade in place."""

from __future__ import annotations

import re

import duckdb

from jixiao.db import transaction

MONEY = "DECIMAL(18,2)"
RATE = "DECIMAL(9,2)"

# Each migration runs once, in order, inside one transaction with its version bump.
# Views for analysts (README: "Views for analysts"); a later change is a migration that replaces them.
VIEWS = f"""
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
           coalesce(execution_rate_pct, CAST(round(100 * spent_yuan / nullif(coalesce(budget_adjusted_yuan, budget_initial_yuan), 0), 2) AS {RATE}))
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
       CAST(round(100 * sum(spent_yuan) / nullif(sum(budget_yuan) FILTER (WHERE spent_yuan IS NOT NULL), 0), 2) AS {RATE})
           AS weighted_execution_rate_pct
FROM v_spending
WHERE scope = 'project'
GROUP BY unit, fiscal_year;

CREATE OR REPLACE VIEW v_scores AS
SELECT r.report_id, r.project_key, r.fiscal_year, r.project_name, i.level1, i.level2,
       count(*) AS n_indicators, sum(i.weight) AS weight, sum(i.score) AS score,
       CAST(round(100 * sum(i.score) / nullif(sum(i.weight), 0), 2) AS {RATE}) AS score_pct
FROM indicators i JOIN reports r USING (report_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW v_findings_summary AS
SELECT f.rule, f.severity, r.fiscal_year, count(*) AS findings, count(DISTINCT f.report_id) AS reports
FROM findings f LEFT JOIN reports r USING (report_id)
GROUP BY ALL;
"""

# Values a person may correct (jixiao correct), with their column types. A correction never
# overwrites what was read: it is a row of `corrections`, and v_reports shows reports with the
# latest correction of each value applied (NULL included), naming them in corrected_columns.
CORRECTABLE: dict[str, str] = {
    "fiscal_year": "INTEGER", "region": "VARCHAR", "project_name": "VARCHAR", "department": "VARCHAR",
    "implementing_unit": "VARCHAR", "budget_initial_yuan": MONEY, "budget_adjusted_yuan": MONEY, "received_yuan": MONEY,
    "spent_yuan": MONEY, "execution_rate_pct": RATE, "score_total": RATE, "score_max": RATE, "grade": "VARCHAR",
    "execution_score": RATE, "execution_score_max": RATE,
}


def _corrected_reports() -> str:
    picks = ",\n           ".join(f"bool_or(column_name = '{c}') AS has_{c}, max(new_value) FILTER (WHERE column_name = '{c}') AS new_{c}"
                                  for c in CORRECTABLE)
    applied = ",\n    ".join(f"CASE WHEN c.has_{c} THEN CAST(c.new_{c} AS {kind}) ELSE r.{c} END AS {c}" for c, kind in CORRECTABLE.items())
    return f"""
CREATE OR REPLACE VIEW v_reports AS
WITH latest AS (
    SELECT report_id, column_name, new_value,
           row_number() OVER (PARTITION BY report_id, column_name ORDER BY correction_id DESC) AS n
    FROM corrections
),
c AS (
    SELECT report_id, list(column_name ORDER BY column_name) AS corrected_columns,
           {picks}
    FROM latest WHERE n = 1 GROUP BY report_id
)
SELECT r.* REPLACE (
    {applied}),
    coalesce(c.corrected_columns, []) AS corrected_columns
FROM reports r LEFT JOIN c USING (report_id);
"""


def _edited(sql: str, changes: list[tuple[str, str]]) -> str:
    for old, new in changes:
        assert old in sql, old  # the views above changed: say what the new ones are
        sql = sql.replace(old, new)
    return sql


# The views as migration 12 leaves them: v_spending and v_scores read the corrected reports, and
# where a report was read from two files (duplicate_of) they count it once, the original.
CORRECTED_VIEWS = _corrected_reports() + _edited(VIEWS, [
    ("FROM reports r JOIN documents d USING (doc_id)\n    WHERE r.project_key",
     "FROM v_reports r JOIN documents d USING (doc_id)\n    WHERE r.project_key"),
    ("ORDER BY (d.replaced_by IS NULL) DESC, d.ingested_at DESC, r.report_id",
     "ORDER BY (d.replaced_by IS NULL) DESC, (r.duplicate_of IS NULL) DESC, d.ingested_at DESC, r.report_id"),
    ("FROM indicators i JOIN reports r USING (report_id)\nGROUP BY ALL",
     "FROM indicators i JOIN v_reports r USING (report_id)\nWHERE r.duplicate_of IS NULL\nGROUP BY ALL"),
])

# Findings with the latest review of each (verdict 'open' when nobody looked yet).
REVIEWED_VIEWS = """
CREATE OR REPLACE VIEW v_findings AS
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY report_id, rule, message ORDER BY review_id DESC) AS n FROM finding_reviews
)
SELECT f.*, left(md5(concat_ws('|', f.report_id, f.rule, f.message)), 16) AS finding_key, coalesce(l.verdict, 'open') AS verdict, l.note AS review_note, l.reviewed_by, l.reviewed_at
FROM findings f LEFT JOIN latest l ON l.n = 1 AND l.report_id = f.report_id AND l.rule = f.rule AND l.message = f.message;
"""

MIGRATIONS: list[tuple[int, str]] = [
    (1, f"""
CREATE TABLE documents (
    doc_id VARCHAR PRIMARY KEY, path VARCHAR NOT NULL, format VARCHAR NOT NULL, ocr BOOLEAN NOT NULL DEFAULT FALSE,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'failed', 'not_report')), error VARCHAR,
    n_pages INTEGER, n_reports INTEGER NOT NULL DEFAULT 0,
    size_bytes BIGINT, parser_version VARCHAR, ingested_at TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE document_paths (doc_id VARCHAR NOT NULL, path VARCHAR NOT NULL, PRIMARY KEY (doc_id, path));
CREATE TABLE reports (
    report_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, template VARCHAR NOT NULL,
    scope VARCHAR CHECK (scope IN ('project', 'department')), fiscal_year INTEGER, region VARCHAR,
    project_name VARCHAR, project_code VARCHAR, department VARCHAR, implementing_unit VARCHAR, project_kind VARCHAR,
    period_start DATE, period_end DATE,
    budget_initial_yuan {MONEY}, budget_adjusted_yuan {MONEY}, received_yuan {MONEY}, spent_yuan {MONEY},
    execution_rate_pct {RATE}, score_total {RATE}, score_max {RATE}, grade VARCHAR,
    execution_score {RATE}, execution_score_max {RATE});
CREATE TABLE funding (
    report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, source VARCHAR, source_label VARCHAR,
    carryover_yuan {MONEY}, budget_initial_yuan {MONEY}, budget_adjusted_yuan {MONEY}, received_yuan {MONEY},
    spent_yuan {MONEY}, balance_yuan {MONEY}, received_rate_pct {RATE}, execution_rate_pct {RATE}, received_date DATE);
CREATE TABLE indicators (
    report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, level1 VARCHAR, level2 VARCHAR, name VARCHAR,
    weight {RATE}, target VARCHAR, actual VARCHAR, score {RATE}, note VARCHAR);
CREATE TABLE flags (report_id VARCHAR NOT NULL, flag VARCHAR NOT NULL, label VARCHAR, value BOOLEAN);
CREATE TABLE allocations (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, issued_date DATE, amount_yuan {MONEY},
    doc_number VARCHAR, note VARCHAR);
CREATE TABLE budget_lines (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, economic_class VARCHAR, content VARCHAR,
    adjustment VARCHAR, spent_yuan {MONEY}, basis VARCHAR);
CREATE TABLE sections (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, heading VARCHAR, text VARCHAR);
CREATE TABLE facts (report_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value {MONEY}, unit VARCHAR, sentence VARCHAR);
CREATE TABLE fields (report_id VARCHAR NOT NULL, key VARCHAR, label VARCHAR, value VARCHAR, page INTEGER, locator VARCHAR);
CREATE TABLE findings (report_id VARCHAR, rule VARCHAR NOT NULL, severity VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message VARCHAR NOT NULL, expected VARCHAR, actual VARCHAR);
"""),
    (2, f"""
CREATE TABLE indicator_groups (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, level INTEGER NOT NULL,
    level1 VARCHAR, level2 VARCHAR, weight {RATE}, score {RATE});
"""),
    (3, """
ALTER TABLE funding ADD COLUMN breakdown VARCHAR;
"""),
    (4, """
-- where each file was last seen and what its bytes were: an unchanged archive is recognised by
-- size and mtime without reading a byte
CREATE TABLE file_index (path VARCHAR PRIMARY KEY, size_bytes BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, doc_id VARCHAR NOT NULL);
-- a file whose bytes changed is a new document; the old one stays, pointing at its successor
ALTER TABLE documents ADD COLUMN replaced_by VARCHAR;
"""),
    (5, """
-- rules run over many documents at once; a document stays unchecked until its findings are written
ALTER TABLE documents ADD COLUMN rules_checked BOOLEAN DEFAULT FALSE;
UPDATE documents SET rules_checked = TRUE;
"""),
    (6, """
-- one project across years: reports linked by code, name and unit (warehouse/projects.py)
CREATE TABLE projects (project_key VARCHAR PRIMARY KEY, project_name VARCHAR, unit VARCHAR, region VARCHAR,
    years INTEGER[], n_reports INTEGER);
CREATE TABLE project_links (report_id VARCHAR NOT NULL, project_key VARCHAR NOT NULL, reason VARCHAR NOT NULL);
ALTER TABLE reports ADD COLUMN project_key VARCHAR;
""" + VIEWS),
    (7, """
-- a 三级指标 divided into numbered sub-items: the group row names it, each sub-item points to it
ALTER TABLE indicator_groups ADD COLUMN name VARCHAR;
ALTER TABLE indicators ADD COLUMN parent VARCHAR;
"""),
    (8, """
-- coverage: the share of a document's non-empty cells and figure-bearing sentences that were understood,
-- and each one that was not, with its place, so users see where the reader is weak on their archive
ALTER TABLE documents ADD COLUMN coverage_pct DECIMAL(5,2);
CREATE TABLE unread (doc_id VARCHAR NOT NULL, place VARCHAR NOT NULL, page INTEGER, text VARCHAR);
"""),
    (9, """
-- work owed after storing, marked in the transaction that stores: 'link' (projects across years).
-- Any command that writes the warehouse finishes it first, so a run killed after its last store
-- and before linking is completed by the next one.
CREATE TABLE pending (task VARCHAR PRIMARY KEY);
INSERT INTO pending SELECT 'link' WHERE EXISTS (SELECT 1 FROM reports);
"""),
    (10, """
-- why a file failed, as a word a rerun acts on (timeout, crash, memory are retried), and the
-- exception behind the user's sentence, kept apart from it
ALTER TABLE documents ADD COLUMN error_kind VARCHAR;
ALTER TABLE documents ADD COLUMN error_detail VARCHAR;
"""),
    (11, """
-- a report that repeats an earlier one from another file (same project, year and figures) points at it;
-- set at linking, so raw sums can leave copies out: WHERE duplicate_of IS NULL
ALTER TABLE reports ADD COLUMN duplicate_of VARCHAR;
INSERT INTO pending SELECT 'link' WHERE EXISTS (SELECT 1 FROM reports) ON CONFLICT DO NOTHING;
"""),
    (12, """
-- corrections a person made to values the reader got wrong: never overwriting what was read, keyed by
-- report_id (doc_id:ordinal), so they survive re-ingest and --reread; v_reports applies them
CREATE SEQUENCE correction_seq;
CREATE TABLE corrections (correction_id INTEGER PRIMARY KEY DEFAULT nextval('correction_seq'), report_id VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL, old_value VARCHAR, new_value VARCHAR, corrected_by VARCHAR NOT NULL,
    corrected_at TIMESTAMP NOT NULL DEFAULT current_timestamp, reason VARCHAR NOT NULL);
""" + CORRECTED_VIEWS),
    (13, """
-- where on its page each value's cell lies (PDF points from the top-left corner), for the review desk
ALTER TABLE fields ADD COLUMN x0 DOUBLE;
ALTER TABLE fields ADD COLUMN y0 DOUBLE;
ALTER TABLE fields ADD COLUMN x1 DOUBLE;
ALTER TABLE fields ADD COLUMN y1 DOUBLE;
-- a person's verdict on a finding; findings are rewritten at each check, so a review names its finding
-- by report, rule and message (stable for the same bytes) and survives re-ingest; the latest one counts
CREATE SEQUENCE review_seq;
CREATE TABLE finding_reviews (review_id INTEGER PRIMARY KEY DEFAULT nextval('review_seq'), report_id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL, message VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL CHECK (verdict IN ('confirmed', 'explained', 'false_alarm', 'open')),
    note VARCHAR, reviewed_by VARCHAR NOT NULL, reviewed_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
""" + REVIEWED_VIEWS),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
VIEW_NAMES: tuple[str, ...] = tuple(dict.fromkeys(re.findall(r"CREATE OR REPLACE VIEW (\w+)", VIEWS + CORRECTED_VIEWS + REVIEWED_VIEWS)))



def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring a warehouse up to SCHEMA_VERSION; return the version it is at."""
    version = current_version(con)
    for number, sql in MIGRATIONS:
        if number <= version:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [number])
        version = number
    return version
