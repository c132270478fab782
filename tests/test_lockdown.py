"""Locked down: `query` cannot leave the warehouse, `export` cannot be injected, hostile inputs cannot hang
or sink a batch, and each way the warehouse cannot be opened is one sentence with its exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from jixiao.cli import main
from jixiao.ingest.reading import read_file
from tests.fixtures import builder
from tests.fixtures import families as F

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


@pytest.fixture(scope="module")
def warehouse(seed_files, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("w") / "w.duckdb"
    run = subprocess.run(JIXIAO + ["ingest", str(seed_files["docx-text"]), "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return db


def _query(db: Path, sql: str, *args: str):
    return CliRunner().invoke(main, ["query", sql, "--db", str(db), *args])


def _reports(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()


# The escapes that worked once, as the probe wrote them.
ESCAPES = [
    "ATTACH '{other}' AS o (READ_WRITE); USE o; DETACH w; ATTACH '{db}' AS w (READ_WRITE); DROP TABLE w.reports",
    "ATTACH '{other}' (READ_WRITE); DROP TABLE other.t",
    "COPY (SELECT 1) TO '{out}'",
    "EXPORT DATABASE '{outdir}'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SELECT 1; DROP TABLE reports",
]
FILE_READS = [
    "SELECT * FROM read_text('/etc/shadow')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '{other}'",
]


@pytest.mark.slow
@pytest.mark.parametrize("template", ESCAPES)
def test_query_refuses_every_escape(warehouse, tmp_path, template):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)").close()
    sql = template.format(other=other, db=warehouse, out=tmp_path / "out.csv", outdir=tmp_path / "dump")
    before = _reports(warehouse)
    result = _query(warehouse, sql)
    assert result.exit_code == 2, result.output
    assert "only reads the warehouse" in result.output and "Traceback" not in result.output
    assert _reports(warehouse) == before > 0
    assert duckdb.connect(str(other), read_only=True).execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "dump").exists()


@pytest.mark.parametrize("template", FILE_READS)
def test_query_cannot_read_files(warehouse, tmp_path, template):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (a INTEGER)").close()
    result = _query(warehouse, template.format(other=other))
    assert result.exit_code == 2, result.output
    assert "outside the warehouse" in result.output
    assert "root:" not in result.output


def test_query_prints_every_statement_whole_in_every_format(warehouse):
    sql = "SELECT spent_yuan, project_name FROM reports; SELECT count(*) AS n FROM documents"
    table = _query(warehouse, sql)
    assert table.exit_code == 0, table.output
    assert "944400.00" in table.output and "n" in table.output.splitlines()  # the second result's header
    rows = json.loads(_query(warehouse, "SELECT spent_yuan FROM reports", "--format", "json").output)
    assert rows == [{"spent_yuan": "944400.00"}]
    assert _query(warehouse, "SELECT spent_yuan FROM reports", "--format", "csv").output == "spent_yuan\n944400.00\n"
    md = _query(warehouse, "SELECT 'a|b' AS x, spent_yuan FROM reports", "--format", "markdown").output
    assert md.splitlines() == ["| x | spent_yuan |", "| --- | --- |", "| a\\|b | 944400.00 |"]
    piped = CliRunner().invoke(main, ["query", "-", "--db", str(warehouse), "--format", "csv"], input="SELECT 1 AS one")
    assert piped.output == "one\n1\n"


def test_query_describe_and_show_are_allowed(warehouse):
    result = _query(warehouse, "DESCRIBE reports; SHOW TABLES")
    assert result.exit_code == 0, result.output
    assert "spent_yuan" in result.output and "findings" in result.output


@pytest.mark.parametrize("name", ["O'Brien", "a'; COPY (SELECT 'pwned') TO 'PWNED' (FORMAT csv); --", "报告 导出;"])
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_path_is_a_path(warehouse, tmp_path, name, fmt):
    pwned = tmp_path / "pwned.txt"
    out = tmp_path / name.replace("PWNED", str(pwned))
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--out", str(out), "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert not pwned.exists()
    assert (out / f"reports.{fmt}").exists()
    back = (
        duckdb.connect()
        .execute(
            "SELECT spent_yuan FROM read_parquet(?)" if fmt == "parquet" else "SELECT spent_yuan FROM read_csv(?, header = true)",
            [str(out / f"reports.{fmt}")],
        )
        .fetchall()
    )
    assert [Decimal(str(v)) for (v,) in back] == [Decimal("944400.00")]


def test_csv_export_has_a_bom_and_chinese_headers(warehouse, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["export", "--format", "csv", "--out", str(tmp_path / "a"), "--chinese", "--db", str(warehouse)]).exit_code == 0
    head = (tmp_path / "a" / "报告.csv").read_bytes()[:40]  # with --chinese the files are named in Chinese too
    assert head.startswith(b"\xef\xbb\xbf") and "报告编号".encode() in head
    assert runner.invoke(main, ["export", "--format", "csv", "--out", str(tmp_path / "b"), "--no-bom", "--db", str(warehouse)]).exit_code == 0
    assert (tmp_path / "b" / "reports.csv").read_bytes().startswith(b"report_id,")


def test_xlsx_export_chinese_sheets_frozen_header_money_format(warehouse, tmp_path):
    from openpyxl import load_workbook

    assert CliRunner().invoke(main, ["export", "--format", "xlsx", "--out", str(tmp_path), "--chinese", "--db", str(warehouse)]).exit_code == 0
    book = load_workbook(tmp_path / "jixiao.xlsx")
    sheet = book["报告"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    spent = sheet.cell(row=2, column=header.index("实际支出（元）") + 1)
    assert spent.value == 944400 and spent.number_format == "#,##0.00"


# --- inputs that must not hang or sink a batch -------------------------------------------------------


@pytest.mark.slow
def test_fifo_is_skipped_and_broken_link_fails_with_a_sentence(seed_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files["docx-text"], folder / "seed.docx")
    os.mkfifo(folder / "pipe.docx")  # opening it for reading would block for ever
    (folder / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")
    (folder / "说明.txt").write_text("本文件夹为2021年绩效自评材料", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    run = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)
    assert {Path(s["path"]).name: s["reason"] for s in summary["skipped"]} == {
        "pipe.docx": "a named pipe, not a file",
        "说明.txt": "not a report format (.txt)",
    }
    assert summary["failures"] == [
        {"path": str(folder / "gone.pdf"), "error": f"The link leads to {tmp_path / 'nowhere.pdf'}, which does not exist."}
    ]
    assert summary["status"] == {"ok": 1}

    def parts(s):  # every file is in exactly one of these
        return s["stored"] + s["unchanged"] + s["already_stored"] + s["still_failed"] + s["not_opened"]

    assert summary["not_opened"] == 1 and parts(summary) == summary["files"] == 2
    (folder / "damaged.docx").write_bytes(b"PK\x03\x04 not a zip")
    shutil.copy(seed_files["docx-text"], folder / "copy.docx")
    run = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=120)
    again = json.loads(run.stdout)
    assert (again["unchanged"], again["already_stored"], again["stored"], again["not_opened"]) == (1, 1, 1, 1)
    run = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=120)
    third = json.loads(run.stdout)
    assert (third["unchanged"], third["still_failed"], third["not_opened"]) == (2, 1, 1) and parts(third) == third["files"] == 4
    assert run.returncode == 1
    # named explicitly, a pipe is a failure with its sentence, not a hang
    run = subprocess.run(JIXIAO + ["ingest", str(folder / "pipe.docx"), "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "This is a named pipe, not a file, so it was not read." in run.stdout


def _xlsx_with_far_cell(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "项目支出绩效自评表"
    sheet["XFD1048576"] = "x"
    book.save(path)


def test_far_cell_in_a_sheet_costs_nothing(tmp_path):
    path = tmp_path / "far.xlsx"
    _xlsx_with_far_cell(path)
    assert path.stat().st_size < 10_000
    started = time.perf_counter()
    result = read_file(path)
    assert time.perf_counter() - started < 5
    assert result.status == "not_report", result.error


def test_absurd_span_is_refused_at_once(seed_files, tmp_path):
    data = seed_files["docx-text"].read_bytes()
    path = tmp_path / "span.docx"
    with zipfile.ZipFile(seed_files["docx-text"]) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "word/document.xml":
                part = part.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="2147483647"/>', 1)
            dst.writestr(item, part)
    assert len(data) > 0
    started = time.perf_counter()
    result = read_file(path)
    assert time.perf_counter() - started < 5
    assert result.status == "failed" and "columns wide" in result.error


def test_dtd_after_a_long_comment_is_refused(seed_files, tmp_path):
    path = tmp_path / "late_dtd.docx"
    with zipfile.ZipFile(seed_files["docx-text"]) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "word/document.xml":
                declaration, rest = part.split(b"?>", 1)
                part = declaration + b"?><!--" + b"x" * 5000 + b'--><!DOCTYPE w:document [<!ENTITY e "e">]>' + rest
            dst.writestr(item, part)
    result = read_file(path)
    assert result.status == "failed" and "DTD" in result.error


@pytest.mark.slow
def test_a_17_digit_figure_is_null_with_a_finding(tmp_path):
    form = dict(F.NATIONAL, money=[("年度资金总额", "1000000", "1200000", "12345678901234567", "10", "96.30%", "9.63"), *F.NATIONAL["money"][1:]])
    path = builder.write_docx(F.national_document(form, F.VARIANTS[0]), tmp_path / "huge.docx")
    result = read_file(path)
    assert result.status == "ok", result.error
    [report] = result.reports
    assert report.spent_yuan is None and report.budget_adjusted_yuan == Decimal("1200000")
    assert any(f.rule == "value_unreadable" and f.actual in ("12345678901234567", "12345678901234567.00") for f in report.findings), report.findings
    db = tmp_path / "w.duckdb"
    run = subprocess.run(JIXIAO + ["ingest", str(path), "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr  # stored whole, the figure NULL


# --- options and the warehouse file ---------------------------------------------------------------


def test_empty_db_and_too_little_memory_are_usage_errors(seed_files, tmp_path):
    runner = CliRunner()
    empty = runner.invoke(main, ["ingest", str(seed_files["docx-text"]), "--db", ""])
    assert empty.exit_code == 2 and "--db needs a file name" in empty.output
    low = runner.invoke(main, ["ingest", str(seed_files["docx-text"]), "--db", str(tmp_path / "w.duckdb"), "--memory-mb", "256"])
    assert low.exit_code == 2 and "--memory-mb" in low.output
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.slow
def test_each_way_the_warehouse_cannot_be_opened_is_a_sentence(seed_files, tmp_path):
    not_duck = tmp_path / "notes.duckdb"
    not_duck.write_text("这不是数据库" * 200, encoding="utf-8")
    cases = {
        ("query", "SELECT 1", "--db", str(tmp_path / "missing" / "w.duckdb")): "There is no warehouse at",
        ("ingest", str(seed_files["docx-text"]), "--db", str(tmp_path / "missing" / "w.duckdb")): "does not exist; create it",
        ("query", "SELECT 1", "--db", str(not_duck)): "is not a DuckDB warehouse",
        ("ingest", str(seed_files["docx-text"]), "--db", str(not_duck)): "is not a DuckDB warehouse",
        ("ingest", str(seed_files["docx-text"]), "--db", str(tmp_path)): "is a folder",
    }
    for args, sentence in cases.items():
        run = subprocess.run(JIXIAO + list(args), capture_output=True, text=True, timeout=120)
        assert run.returncode == 3, (args, run.stdout, run.stderr)
        assert sentence in run.stderr and "Traceback" not in run.stderr, (args, run.stderr)


@pytest.mark.slow
def test_a_locked_warehouse_names_its_holder_and_wait_waits(warehouse, tmp_path):
    db = tmp_path / "busy.duckdb"
    shutil.copy(warehouse, db)
    # it holds the file until told to let go, then 3 s more: the checks before never race its end, however slow the machine
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.readline(); time.sleep(float(sys.argv[2]))",
            str(db),
            "3",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        for command in (["query", "SELECT 1"], ["labels"], ["check"], ["export", "--format", "csv", "--out", str(tmp_path / "x")]):
            run = subprocess.run(JIXIAO + command + ["--db", str(db)], capture_output=True, text=True, timeout=60)
            assert run.returncode == 3, (command, run.stderr)
            assert f"process {holder.pid}" in run.stderr and "--wait" in run.stderr and "Traceback" not in run.stderr
        short = subprocess.run(JIXIAO + ["query", "SELECT 1", "--db", str(db), "--wait", "0.5"], capture_output=True, text=True, timeout=60)
        assert short.returncode == 3
        assert "waiting up to 0.5 s" in short.stderr and "still was after" in short.stderr, short.stderr
        writer = subprocess.run(JIXIAO + ["check", "--db", str(db)], capture_output=True, text=True, timeout=60)
        assert "exported copy" not in writer.stderr  # a writer cannot use a copy
        holder.stdin.write("go\n")
        holder.stdin.flush()
        started = time.monotonic()
        run = subprocess.run(
            JIXIAO + ["query", "SELECT count(*) AS n FROM reports", "--db", str(db), "--wait", "30"], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        assert time.monotonic() - started > 1  # it waited for the holder to let go
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_legacy_conversion_obeys_the_time_limit(legacy_doc, tmp_path):
    db = tmp_path / "w.duckdb"
    started = time.monotonic()
    run = subprocess.run(
        JIXIAO + ["ingest", str(legacy_doc), "--db", str(db), "--timeout", "0.5", "--json"], capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - started
    summary = json.loads(run.stdout)
    assert summary["status"] == {"failed": 1}
    assert "0.5 s" in summary["failures"][0]["error"]
    assert elapsed < 30  # one LibreOffice start is killed after 0.5 s, not after its own 90 s


@pytest.fixture(scope="module")
def legacy_doc(seed_files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("doc")
    return builder.soffice_convert([seed_files["docx-text"]], "doc", out)[0]


@pytest.mark.slow
def test_show_reads_under_the_ingest_limits(seed_files, slow_pdf, tmp_path):
    from tests.test_workers import _inflating_pdf

    slow = subprocess.run(JIXIAO + ["show", str(slow_pdf), "--timeout", "0.001"], capture_output=True, text=True, timeout=120)
    assert slow.returncode == 1 and "Reading the file took longer than 0.066 s (0.001 s a page × 66 pages)" in slow.stderr
    big = tmp_path / "inflating.pdf"
    _inflating_pdf(big, 1500)
    run = subprocess.run(JIXIAO + ["show", str(big), "--memory-mb", "1024"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "more than the 1024 MB memory limit (--memory-mb)" in run.stderr
    assert "Traceback" not in run.stderr
    ok = subprocess.run(JIXIAO + ["show", str(seed_files["docx-text"])], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "ok"


@pytest.mark.slow
def test_a_word_file_too_big_for_the_cap_says_memory_not_damage(seed_files, tmp_path):
    import random

    rng = random.Random(7)
    with zipfile.ZipFile(seed_files["docx-text"]) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    # 2 million paragraphs of random figures: 78 MB of XML, which libxml2 cannot build under 1 GB
    extra = "".join(f"<w:p><w:r><w:t>{rng.randrange(10**8)}</w:t></w:r></w:p>" for _ in range(2_000_000)).encode()
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"</w:body>", extra + b"</w:body>")
    path = tmp_path / "big.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    run = subprocess.run(
        JIXIAO + ["ingest", str(path), "--db", str(tmp_path / "w.duckdb"), "--memory-mb", "1024", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(run.stdout)["failures"][0]["error"] == (
        "Reading the file needed more than the 1024 MB memory limit (--memory-mb) and was stopped."
    )
    assert "Traceback" not in run.stderr


def test_query_as_analysts_write_it(warehouse):
    commented = _query(warehouse, "-- projects under 80 %\nSELECT count(*) AS n FROM v_spending WHERE execution_rate_pct < 80", "--format", "csv")
    assert commented.exit_code == 0 and commented.output == "n\n1\n", commented.output
    typo = _query(warehouse, "SELECT * FROM reprots")
    assert typo.exit_code == 2 and 'Did you mean "reports"' in typo.output  # DuckDB's hint is kept
    both = json.loads(_query(warehouse, "SELECT 1 AS a; SELECT NULL AS b", "--format", "json").output)
    assert both == [{"statement": "SELECT 1 AS a;", "rows": [{"a": 1}]}, {"statement": "SELECT NULL AS b", "rows": [{"b": None}]}]
    assert _query(warehouse, "SELECT 1 AS a; SELECT 2 AS b", "--format", "csv").output == "a\n1\n\nb\n2\n"
    assert _query(warehouse, "SELECT NULL AS b, '' AS c").output.splitlines()[2].split() == ["NULL"]


@pytest.mark.slow
def test_the_lock_sentence_names_what_holds_the_warehouse(warehouse, tmp_path, slow_pdf):
    """An ingest holding the file is called an ingest; the desk, which holds it only while it answers a page,
    is called the desk — never "probably an ingest" for whatever holds it."""
    from jixiao.warehouse.connection import _holder

    db = tmp_path / "busy.duckdb"
    shutil.copy(warehouse, db)
    ingest = subprocess.Popen(JIXIAO + ["ingest", str(slow_pdf), "--db", str(db), "--jobs", "1"], stderr=subprocess.PIPE, text=True)
    try:
        ingest.stderr.readline()  # 「1 file to look at」: it has the warehouse open
        run = subprocess.run(JIXIAO + ["query", "SELECT 1", "--db", str(db)], capture_output=True, text=True, timeout=60)
        if ingest.poll() is None:  # still running when queried (it reads 66 pages): the sentence names it
            assert run.returncode == 3 and "in use by an ingest still writing it" in run.stderr, run.stderr
            assert f"process {ingest.pid}" in run.stderr and "probably" not in run.stderr
    finally:
        ingest.kill()
        ingest.wait()
    desk = subprocess.Popen(JIXIAO + ["serve", "--db", str(db), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Asked once it is serving, as a lock's holder always is: just after exec its command line is still empty
        assert "review desk" in desk.stdout.readline()
        said = _holder(desk.pid, sys.executable)
        assert said.startswith("the review desk (jixiao serve), which holds it only while it answers a page"), said
    finally:
        desk.kill()
        desk.wait()
