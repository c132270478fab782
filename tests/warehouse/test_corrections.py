"""Corrections: kept beside the value read, applied by the views, listed, and surviving re-ingest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from tests.helpers import rows

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(JIXIAO + list(args), capture_output=True, text=True, timeout=300)


@pytest.fixture()
def warehouse(seed_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files["docx-text"], folder / "seed.docx")
    db = tmp_path / "w.duckdb"
    assert _run("ingest", str(folder), "--db", str(db)).returncode == 0
    [(rid,)] = rows(db, "SELECT report_id FROM reports")
    return folder, db, rid


@pytest.mark.slow
def test_a_correction_is_applied_listed_and_survives_reingest(warehouse):
    folder, db, rid = warehouse
    run = _run("correct", rid, "spent_yuan", "100万元", "--reason", "原表第2页实际支出为100万元", "--by", "审核员", "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert "944400.00 → 1000000.00 (by 审核员)" in run.stdout
    assert rows(db, "SELECT spent_yuan FROM reports") == [(Decimal("944400.00"),)]  # what was read stays
    assert rows(db, "SELECT spent_yuan, corrected_columns FROM v_reports") == [(Decimal("1000000.00"), ["spent_yuan"])]
    assert rows(db, "SELECT spent_yuan FROM v_spending") == [(Decimal("1000000.00"),)]
    listed = json.loads(_run("corrections", "--db", str(db), "--json").stdout)
    assert [(c["report_id"], c["column_name"], c["old_value"], c["new_value"], c["corrected_by"], c["reason"]) for c in listed] == [
        (rid, "spent_yuan", "944400.00", "1000000.00", "审核员", "原表第2页实际支出为100万元")
    ]
    for again in (["ingest", str(folder), "--db", str(db)], ["ingest", str(folder), "--db", str(db), "--reread"]):
        assert _run(*again).returncode == 0
        assert rows(db, "SELECT spent_yuan FROM v_spending") == [(Decimal("1000000.00"),)], again
        assert rows(db, "SELECT spent_yuan FROM reports") == [(Decimal("944400.00"),)]
    # a score typed as 96 is kept as its column holds it, like the value it replaces
    run = _run("correct", rid, "score_total", "96", "--reason", "复核", "--by", "审核员", "--db", str(db))
    assert "97.00 → 96.00" in run.stdout
    # a later correction wins; NULL says the true value is unknown
    assert _run("correct", rid, "execution_rate_pct", "NULL", "--reason", "原表未填执行率", "--by", "审核员", "--db", str(db)).returncode == 0
    assert rows(db, "SELECT execution_rate_pct, rate_computed FROM v_spending") == [(Decimal("78.74"), True)]  # 100万 ÷ 127万


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, sentence",
    [
        (["spent_yuan", "很多"], "is not a value spent can hold"),
        (["spent_yuan", "12345678901234567"], "is not a value spent can hold"),
        (["project_key", "x"], "cannot be corrected"),
    ],
)
def test_a_correction_that_cannot_be_made_is_a_usage_error(warehouse, args, sentence):
    _, db, rid = warehouse
    run = _run("correct", rid, *args, "--reason", "试", "--db", str(db))
    assert run.returncode == 2 and sentence in run.stderr, run.stderr
    assert rows(db, "SELECT count(*) FROM corrections") == [(0,)]


@pytest.mark.slow
def test_a_correction_of_no_report_is_refused(warehouse):
    _, db, _ = warehouse
    run = _run("correct", "nope:1", "spent_yuan", "1", "--reason", "试", "--db", str(db))
    assert run.returncode == 2 and "There is no report nope:1" in run.stderr


@pytest.mark.slow
def test_a_copy_is_not_corrected_its_original_is(seed_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files["docx-text"], folder / "seed.docx")
    shutil.copy(seed_files["pdf-text"], folder / "seed.pdf")  # the same report from another file
    db = tmp_path / "w.duckdb"
    assert _run("ingest", str(folder), "--db", str(db)).returncode == 0
    [(copy, original)] = rows(db, "SELECT report_id, duplicate_of FROM reports WHERE duplicate_of IS NOT NULL")
    run = _run("correct", copy, "spent_yuan", "100万元", "--reason", "试", "--db", str(db))
    assert run.returncode == 2 and f"is a copy of {original}" in run.stderr
    assert _run("correct", original, "spent_yuan", "100万元", "--reason", "试", "--by", "审核员", "--db", str(db)).returncode == 0
    assert rows(db, "SELECT report_id, spent_yuan FROM v_spending") == [(original, Decimal("1000000.00"))]
    assert _run("correct", original, "spent_yuan", "-5", "--reason", "试", "--by", "审核员", "--db", str(db)).returncode == 0


@pytest.mark.slow
def test_the_python_api_reads_what_the_desk_reads(warehouse):
    """jixiao.connect(...).reports() / .findings() read the views: corrections applied, verdicts shown."""
    import duckdb

    import jixiao
    from jixiao.warehouse import review

    folder, db, rid = warehouse
    assert _run("correct", rid, "spent_yuan", "100万元", "--reason", "原表第2页", "--by", "审核员", "--db", str(db)).returncode == 0
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO findings (report_id, rule, severity, message, expected, actual) "
        "VALUES (?, 'subtotal_mismatch', 'warning', '投入的得分与其各行之和不符', '20', '12')",
        [rid],
    )
    review(con, rid, "subtotal_mismatch", "投入的得分与其各行之和不符", "explained", "口径不同", "审核员")
    con.close()
    with jixiao.connect(db) as wh:
        reports = wh.reports()
        assert reports["spent_yuan"].tolist() == [Decimal("1000000.00")] and reports["corrected_columns"].tolist() == [["spent_yuan"]]
        found = wh.findings()
        assert found[["rule", "verdict", "review_note", "original_report_id"]].values.tolist() == [
            ["subtotal_mismatch", "explained", "口径不同", rid]
        ]


@pytest.fixture()
def misread_total(tmp_path):
    """The seed with its total score printed as 95 where its indicators add up to 97: one total_score_matches finding."""
    import copy

    from click.testing import CliRunner

    from jixiao.cli import main
    from tests.fixtures import builder

    data = copy.deepcopy(builder.load_seed())
    data["score_total"][3] = "95"
    folder = tmp_path / "in"
    folder.mkdir()
    builder.build_seed(folder, data=data)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    [(rid,)] = rows(db, "SELECT report_id FROM reports")
    assert rows(db, "SELECT rule, verdict FROM v_findings") == [("total_score_matches", "open")]
    return db, rid


@pytest.mark.slow
def test_a_correction_closes_the_finding_its_value_resolves(misread_total):
    from click.testing import CliRunner

    from jixiao.cli import main

    db, rid = misread_total
    again = CliRunner().invoke(main, ["correct", rid, "score_total", "96", "--reason", "复核", "--by", "审核员", "--db", str(db)])
    assert again.exit_code == 0 and "closes" not in again.output  # 96 is not 97 either: the finding stays open
    assert rows(db, "SELECT verdict FROM v_findings") == [("open",)]
    result = CliRunner().invoke(main, ["correct", rid, "score_total", "97", "--reason", "原表总分为97", "--by", "审核员", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "closes finding total_score_matches" in result.output
    [(verdict, note, by)] = rows(db, "SELECT verdict, review_note, reviewed_by FROM v_findings")
    [(cid,)] = rows(db, "SELECT max(correction_id) FROM corrections")
    assert (verdict, by) == ("explained", "审核员")
    assert note == f"Resolved by correction {cid}: score total 96.00 → 97.00 (原表总分为97)."
    assert rows(db, "SELECT score_total FROM reports") == [(Decimal("95.00"),)]  # what was read stays, and so does its finding
    assert CliRunner().invoke(main, ["check", "--db", str(db)]).exit_code == 0
    assert rows(db, "SELECT rule, verdict FROM v_findings") == [("total_score_matches", "explained")]  # closed across checks
