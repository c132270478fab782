"""Legacy and spreadsheet forms: .doc/.wps and .xls saved by LibreOffice, .xlsx written with merged ranges."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from jixiao.extract import read_document
from jixiao.ingest.reading import read_file
from tests.fixtures import builder
from tests.fixtures import families as F


def _money(report):
    return (
        report.template,
        report.fiscal_year,
        report.project_name,
        report.project_code,
        report.department,
        report.budget_initial_yuan,
        report.budget_adjusted_yuan,
        report.received_yuan,
        report.spent_yuan,
        report.execution_rate_pct,
        report.execution_score,
        report.score_total,
        report.score_max,
        report.grade,
        [(i.level1, i.level2, i.name, i.weight, i.target, i.actual, i.score) for i in report.indicators],
        [(f.source, f.budget_initial_yuan, f.spent_yuan, f.execution_rate_pct, f.received_date) for f in report.funding],
        sorted((f.flag, f.value) for f in report.flags),
        [(x.key, x.value) for x in report.facts],
    )


@pytest.fixture(scope="module")
def legacy_files(seed_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("legacy")
    national = builder.write_docx(F.national_document(F.NATIONAL, F.VARIANTS[0]), out / "national.docx")
    docs = builder.soffice_convert([seed_files["docx-text"], national], "doc", out / "doc")
    shutil.copy(docs[0], out / "doc" / "seed_as_wps.wps")  # WPS Writer saves .wps in the Word 97 format
    sheets = builder.write_xlsx(
        [F.national_document(F.NATIONAL, F.VARIANTS[0]), F.provincial_document(F.PROVINCIAL, F.VARIANTS[0])], out / "forms.xlsx"
    )
    xls = builder.soffice_convert([sheets], "xls", out / "xls")[0]
    return {
        "seed.doc": docs[0],
        "national.doc": docs[1],
        "seed.wps": out / "doc" / "seed_as_wps.wps",
        "national.docx": national,
        "forms.xlsx": sheets,
        "forms.xls": xls,
    }


@pytest.mark.slow
@pytest.mark.parametrize("name, original", [("seed.doc", "docx-text"), ("seed.wps", "docx-text"), ("national.doc", None)])
def test_word_97_reads_like_the_original(legacy_files, seed_files, name, original):
    result = read_file(legacy_files[name])
    assert result.status == "ok", result.error
    assert result.format == name.rsplit(".", 1)[1]
    reference = read_file(seed_files[original] if original else legacy_files["national.docx"])
    assert [_money(r) for r in result.reports] == [_money(r) for r in reference.reports]


@pytest.mark.slow
def test_seed_doc_values(legacy_files):
    (report,) = read_file(legacy_files["seed.doc"]).reports
    assert (report.spent_yuan, report.execution_rate_pct, report.score_total) == (Decimal("944400.00"), Decimal("74.36"), Decimal("97"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["forms.xlsx", "forms.xls"])
def test_spreadsheets_read_like_the_word_forms(legacy_files, family_files, name):
    result = read_file(legacy_files[name])
    assert result.status == "ok", result.error
    assert result.format == name.rsplit(".", 1)[1]
    assert result.n_pages == 2  # two sheets
    national, provincial = result.reports
    assert _money(national) == _money(read_file(family_files["docx/national_project/plain"]).reports[0])
    assert _money(provincial) == _money(read_file(family_files["docx/provincial_10_90/plain"]).reports[0])


def test_xlsx_keeps_merges_and_percent_formats(legacy_files):
    from openpyxl import load_workbook

    sheet = load_workbook(legacy_files["forms.xlsx"]).worksheets[0]
    rates = [c for row in sheet.iter_rows() for c in row if c.number_format.endswith("%") and c.value is not None]
    assert rates and all(isinstance(c.value, (int, float)) and c.value <= 1 for c in rates)  # stored as 0.963, shown as 96.30%
    assert sheet.merged_cells.ranges
    doc = read_document(legacy_files["forms.xlsx"].read_bytes())
    table = doc.tables[0]
    texts = {c.text for c in table.cells}
    assert "96.30%" in texts and "115.56" in texts  # 0.963 under 0.00%; 115.56 under 0.00
    label = next(c for c in table.cells if c.text == "项目资金（万元）")
    assert label.rowspan == 5 and label.colspan == 1
    assert [p.text for p in doc.paragraphs[:2]] == ["项目支出绩效自评表", "（2022年度）"]


def test_several_forms_on_one_sheet(tmp_path):
    path = builder.write_xlsx([F.bundle_document(F.bundle_forms(), F.VARIANTS[0])], tmp_path / "bundle.xlsx")
    result = read_file(path)
    assert [r.project_name for r in result.reports] == [f["project_name"] for f in F.bundle_forms()]


def test_missing_libreoffice_is_one_sentence(legacy_files, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = dict(os.environ, PATH=str(bin_dir))
    code = "import sys; from jixiao.ingest.reading import read_file; r = read_file(sys.argv[1]); print(r.status); print(r.error)"
    run = subprocess.run([sys.executable, "-c", code, str(legacy_files["seed.doc"])], capture_output=True, text=True, env=env, timeout=120)
    status, error = run.stdout.strip().splitlines()
    assert status == "failed" and "needs LibreOffice" in error and "apt-get install" in error


@pytest.mark.slow
def test_conversion_leaves_no_temp_files(legacy_files, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    db = tmp_path / "w.duckdb"
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("seed.doc", "national.doc", "forms.xls"):
        shutil.copy(legacy_files[name], folder / name)
    run = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", "ingest", str(folder), "--db", str(db), "--jobs", "1"],
        capture_output=True,
        text=True,
        env=dict(os.environ, TMPDIR=str(tmp)),
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 read (3 ok" in run.stdout
    assert list(tmp.iterdir()) == []


@pytest.mark.slow
def test_a_doc_whose_table_the_import_runs_together_is_not_read_as_complete(tmp_path):
    """LibreOffice reads the indicator table of such a .doc as glued text (「总分10097.63」): nothing of it is
    stored as a value, the document's coverage says so, and the report names what it lost."""
    from tests.fixtures.forms import Variant
    from tests.fixtures.legacy_docs import flattened_doc

    original = builder.write_docx(F.national_document(F.NATIONAL, Variant("split", split=True)), tmp_path / "national.docx")
    doc = flattened_doc(original, tmp_path / "national.doc")
    result = read_file(doc)
    assert result.status == "ok" and result.format == "doc"
    (report,) = result.reports
    (complete,) = read_file(original).reports
    assert complete.score_total == Decimal("97.63") and report.score_total is None  # NULL, never a misread 10097.63
    assert (report.project_name, report.spent_yuan) == (complete.project_name, complete.spent_yuan)
    rules = {f.rule: f for f in report.findings}
    assert rules["table_flattened"].actual.startswith("总分") and rules["total_score_unread"].actual == "总分"
    assert result.coverage_pct < 100 and any(u.text.startswith("总分") for u in result.coverage.unread)
    assert read_file(original).coverage_pct == 100
