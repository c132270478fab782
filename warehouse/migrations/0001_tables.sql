-- migration 1: frozen; a change to the schema is a new migration, never an edit of this file
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
    budget_initial_yuan DECIMAL(18,2), budget_adjusted_yuan DECIMAL(18,2), received_yuan DECIMAL(18,2), spent_yuan DECIMAL(18,2),
    execution_rate_pct DECIMAL(9,2), score_total DECIMAL(9,2), score_max DECIMAL(9,2), grade VARCHAR,
    execution_score DECIMAL(9,2), execution_score_max DECIMAL(9,2));
CREATE TABLE funding (
    report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, source VARCHAR, source_label VARCHAR,
    carryover_yuan DECIMAL(18,2), budget_initial_yuan DECIMAL(18,2), budget_adjusted_yuan DECIMAL(18,2), received_yuan DECIMAL(18,2),
    spent_yuan DECIMAL(18,2), balance_yuan DECIMAL(18,2), received_rate_pct DECIMAL(9,2), execution_rate_pct DECIMAL(9,2), received_date DATE);
CREATE TABLE indicators (
    report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, level1 VARCHAR, level2 VARCHAR, name VARCHAR,
    weight DECIMAL(9,2), target VARCHAR, actual VARCHAR, score DECIMAL(9,2), note VARCHAR);
CREATE TABLE flags (report_id VARCHAR NOT NULL, flag VARCHAR NOT NULL, label VARCHAR, value BOOLEAN);
CREATE TABLE allocations (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, issued_date DATE, amount_yuan DECIMAL(18,2),
    doc_number VARCHAR, note VARCHAR);
CREATE TABLE budget_lines (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, economic_class VARCHAR, content VARCHAR,
    adjustment VARCHAR, spent_yuan DECIMAL(18,2), basis VARCHAR);
CREATE TABLE sections (report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, heading VARCHAR, text VARCHAR);
CREATE TABLE facts (report_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value DECIMAL(18,2), unit VARCHAR, sentence VARCHAR);
CREATE TABLE fields (report_id VARCHAR NOT NULL, key VARCHAR, label VARCHAR, value VARCHAR, page INTEGER, locator VARCHAR);
CREATE TABLE findings (report_id VARCHAR, rule VARCHAR NOT NULL, severity VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message VARCHAR NOT NULL, expected VARCHAR, actual VARCHAR);
