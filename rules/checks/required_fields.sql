-- id: required_fields
-- severity: warning
-- meaning: Every report names its project, its fiscal year and the amount spent.
SELECT report_id, json_object('key', 'required_fields.' || field), 'a value', NULL
FROM (
    SELECT report_id, 'project_name' AS field FROM reports WHERE project_name IS NULL
    UNION ALL SELECT report_id, 'fiscal_year' FROM reports WHERE fiscal_year IS NULL
    UNION ALL SELECT report_id, 'spent_yuan' FROM reports WHERE spent_yuan IS NULL
)
