-- id: grade_matches_score
-- severity: error
-- meaning: A stated grade fits the total score: 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60.
WITH graded AS (
    SELECT report_id, grade, score_total,
           CASE WHEN score_total >= 90 THEN '优' WHEN score_total >= 80 THEN '良' WHEN score_total >= 60 THEN '中' ELSE '差' END AS fits
    FROM reports
    WHERE grade IS NOT NULL AND score_total IS NOT NULL
)
SELECT report_id, json_object('key', 'grade_matches_score', 'grade', grade, 'score', score_total, 'fits', fits), fits, grade
FROM graded
WHERE grade <> fits
