-- id: grade_matches_score
-- severity: error
-- meaning: A stated grade fits the total score: 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60 (a grade is stored as printed: 优秀 and 優 are 优, 良好 is 良, 合格 and 中等 are 中, 不合格 and 较差 are 差).
WITH graded AS (
    SELECT report_id, grade, score_total,
           CASE replace(replace(trim(grade), '優', '优'), '較', '较')
               WHEN '优' THEN '优' WHEN '优秀' THEN '优'
               WHEN '良' THEN '良' WHEN '良好' THEN '良'
               WHEN '中' THEN '中' WHEN '中等' THEN '中' WHEN '一般' THEN '中' WHEN '合格' THEN '中'
               WHEN '差' THEN '差' WHEN '较差' THEN '差' WHEN '不合格' THEN '差'
           END AS level,
           CASE WHEN score_total >= 90 THEN '优' WHEN score_total >= 80 THEN '良' WHEN score_total >= 60 THEN '中' ELSE '差' END AS fits
    FROM reports
    WHERE grade IS NOT NULL AND score_total IS NOT NULL
)
SELECT report_id, json_object('key', 'grade_matches_score', 'grade', grade, 'score', score_total, 'fits', fits), fits, grade
FROM graded
WHERE level IS NOT NULL AND level <> fits
