"""Ingest into a real DuckDB file through the CLI, then read the contract's tables back."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from jixiao.cli import main
from jixiao.warehouse import SCHEMA_VERSION, connect
from tests.helpers import table_counts

# The contract (shared SCHEMA.md): every table and column analysts rely on.
CONTRACT = {
    "documents": "doc_id path format ocr status error n_pages n_reports",
    "reports": "report_id doc_id template scope fiscal_year region project_name project_code department implementing_unit "
    "project_kind period_start period_end budget_initial_yuan budget_adjusted_yuan received_yuan spent_yuan "
    "execution_rate_pct score_total score_max grade execution_score execution_score_max",
    "funding": "report_id source source_label carryover_yuan budget_initial_yuan budget_adjusted_yuan received_yuan "
    "spent_yuan balance_yuan received_rate_pct execution_rate_pct received_date",
    "indicators": "report_id seq level1 level2 name weight target actual score note",
    "flags": "report_id flag label value",
    "allocations": "report_id issued_date amount_yuan doc_number note",
    "budget_lines": "report_id seq economic_class content adjustment spent_yuan basis",
    "sections": "report_id seq heading text",
    "facts": "report_id key value unit sentence",
    "fields": "report_id key label value page locator",
    "findings": "report_id rule severity message expected actual",
}
COUNTED = ["documents", "reports", "funding", "indicators", "flags", "allocations", "budget_lines", "sections", "facts", "fields"]


@pytest.fixture(scope="module")
def archive(seed_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("archive")
    (folder / "2021").mkdir()
    shutil.copy(seed_files["docx-text"], folder / "2021" / "seed.docx")
    shutil.copy(seed_files["pdf-text"], folder / "2021" / "seed.pdf")
    (folder / "notice.docx").write_text("关于召开会议的通知", encoding="utf-8")  # a report's name, not a report's bytes
    (folder / "说明.txt").write_text("本文件夹为2021年绩效自评材料", encoding="utf-8")  # not a report format: skipped
    return folder


@pytest.fixture(scope="module")
def warehouse(archive, tmp_path_factory):
    db = tmp_path_factory.mktemp("wh") / "w.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(archive), "--db", str(db)])
    assert "3 files: 3 read (2 ok, 0 not_report, 1 failed), 0 unchanged, 0 already stored; 1 more file skipped" in result.output, result.output
    assert result.exit_code == 1  # a failed file is reported in the exit code
    return db


def _counts(db):
    return table_counts(db, COUNTED)


@pytest.mark.slow
def test_contract_tables_and_types(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    for table, columns in CONTRACT.items():
        have = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        assert set(columns.split()) <= set(have), table
    types = {r[0]: r[1] for r in con.execute("DESCRIBE reports").fetchall()}
    assert types["spent_yuan"] == "DECIMAL(18,2)" and types["execution_rate_pct"] == "DECIMAL(9,2)"
    assert types["period_start"] == "DATE" and types["fiscal_year"] == "INTEGER"
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_both_formats_store_the_seed(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""SELECT d.format, r.fiscal_year, r.region, r.project_name, r.budget_initial_yuan, r.received_yuan,
                                 r.spent_yuan, r.execution_rate_pct, r.score_total, r.score_max, r.department
                          FROM reports r JOIN documents d USING (doc_id) ORDER BY d.format""").fetchall()
    expected = (
        2021,
        "雨花区",
        "政务服务及政务大厅运转经费",
        Decimal("1270000.00"),
        Decimal("1270000.00"),
        Decimal("944400.00"),
        Decimal("74.36"),
        Decimal("97.00"),
        Decimal("100.00"),
        None,
    )
    assert rows == [("docx", *expected), ("pdf", *expected)]
    funding = con.execute("SELECT source, received_rate_pct, received_date::VARCHAR, spent_yuan FROM funding ORDER BY report_id").fetchall()
    assert funding == [("county", Decimal("100.00"), "2021-01-07", Decimal("944400.00"))] * 2
    facts = con.execute("SELECT value FROM facts WHERE key = 'expense:办公费用'").fetchall()
    assert facts == [(Decimal("709300.00"),)] * 2
    leaves = con.execute("SELECT count(*), sum(weight), sum(score) FROM indicators GROUP BY report_id").fetchall()
    assert leaves == [(12, Decimal("100.00"), Decimal("97.00"))] * 2


def test_failed_file_has_one_sentence(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    status, error, n_reports = con.execute("SELECT status, error, n_reports FROM documents WHERE path LIKE '%notice.docx'").fetchone()
    assert status == "failed" and n_reports == 0
    assert error.endswith(".") and "not read" in error


def test_same_bytes_again_change_nothing(warehouse, archive, tmp_path):
    before = _counts(warehouse)
    result = CliRunner().invoke(main, ["ingest", str(archive), "--db", str(warehouse)])
    # recognised by size and mtime, not read; the failed one is listed again, in its own count
    assert "2 unchanged, 0 already stored, 1 failed before and not retried" in result.output, result.output
    assert _counts(warehouse) == before
    # the same bytes under another name are the same document; only the new path is remembered
    copy = tmp_path / "copy_of_seed.docx"
    shutil.copy(archive / "2021" / "seed.docx", copy)
    CliRunner().invoke(main, ["ingest", str(copy), "--db", str(warehouse)])
    assert _counts(warehouse) == before
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM document_paths").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM file_index").fetchone()[0] == 4


@pytest.mark.slow
def test_reread_replaces_rows_without_duplicates(warehouse, archive):
    before = _counts(warehouse)
    CliRunner().invoke(main, ["ingest", str(archive / "2021" / "seed.pdf"), "--db", str(warehouse), "--reread"])
    assert _counts(warehouse) == before


def test_query_is_read_only(warehouse):
    runner = CliRunner()
    ok = runner.invoke(main, ["query", "SELECT project_name, spent_yuan FROM reports LIMIT 1", "--db", str(warehouse), "--csv"])
    assert ok.exit_code == 0 and ok.output.splitlines() == ["project_name,spent_yuan", "政务服务及政务大厅运转经费,944400.00"]
    bad = runner.invoke(main, ["query", "DELETE FROM reports", "--db", str(warehouse)])
    assert bad.exit_code == 2 and "The statement is DELETE: `jixiao query` only reads the warehouse" in bad.output
    assert _counts(warehouse)["reports"] == 2


@pytest.mark.slow
def test_show_prints_what_would_be_stored(seed_files):
    import json

    out = CliRunner().invoke(main, ["show", str(seed_files["docx-wingdings"])])
    data = json.loads(out.output)
    assert data["status"] == "ok" and data["reports"][0]["spent_yuan"] == "944400.00"
    grid = json.loads(CliRunner().invoke(main, ["show", str(seed_files["docx-text"]), "--stage", "extract"]).output)
    assert grid["format"] == "docx" and any("cells" in b for b in grid["blocks"])


def test_migrations_upgrade_an_old_file(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER)")
    con.close()
    con = connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


@pytest.mark.slow
def test_labels_lists_what_the_lexicon_does_not_know(tmp_path):
    from tests.fixtures import builder
    from tests.fixtures import families as F

    rows = F.national_rows(F.NATIONAL, F.VARIANTS[0])
    rows.insert(2, [builder.FCell("资金监管责任人"), builder.FCell("张三", 8)])
    blocks = [("p", "项目支出绩效自评表", {}), ("p", "（2022年度）", {}), ("table", rows)]
    path = builder.write_docx(blocks, tmp_path / "extra_label.docx")
    db = tmp_path / "w.duckdb"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(path), "--db", str(db)]).exit_code == 0
    out = runner.invoke(main, ["labels", "--db", str(db)])
    assert out.exit_code == 0
    line = next(line for line in out.output.splitlines() if "资金监管责任人" in line)
    assert line.split()[0] == "1" and "extra_label.docx" in line
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM fields WHERE key IS NULL AND label = '资金监管责任人'").fetchall() == [("张三",)]


def test_a_report_read_from_two_files_is_marked_as_a_copy(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT report_id, duplicate_of FROM reports ORDER BY duplicate_of NULLS FIRST").fetchall()
        (original, none), (copy, points_at) = rows  # the seed as .docx and as its PDF: the same figures
        assert none is None and points_at == original and copy != original
        spent = con.execute("SELECT sum(spent_yuan) FROM reports WHERE duplicate_of IS NULL").fetchone()[0]
        assert spent == con.execute("SELECT sum(spent_yuan) FROM v_spending").fetchone()[0]
    finally:
        con.close()
