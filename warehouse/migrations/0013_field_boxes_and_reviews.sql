-- migration 13: frozen; a change to the schema is a new migration, never an edit of this file
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

CREATE OR REPLACE VIEW v_findings AS
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY report_id, rule, message ORDER BY review_id DESC) AS n FROM finding_reviews
)
SELECT f.*, left(md5(concat_ws('|', f.report_id, f.rule, f.message)), 16) AS finding_key, coalesce(l.verdict, 'open') AS verdict, l.note AS review_note, l.reviewed_by, l.reviewed_at
FROM findings f LEFT JOIN latest l ON l.n = 1 AND l.report_id = f.report_id AND l.rule = f.rule AND l.message = f.message;
