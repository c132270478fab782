"""Scanned forms: pages rendered to images at 150 and 300 dpi, wrapped as image-only PDFs, read by OCR."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from jixiao.base.model import Cell, Report, Table
from jixiao.ingest.reading import read_file
from jixiao.normalize.lexicon import default_lexicon
from jixiao.normalize.reading import ReadContext
from jixiao.normalize.values import parse_money
from tests.extract.scanned import as_read, assert_prose_alike
from tests.fixtures import builder

pytestmark = [pytest.mark.ocr]


@pytest.fixture(scope="module")
def scans(seed_files, family_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("scans")
    national = family_files["pdf/national_project/plain"]
    files = {}
    for dpi in (150, 300):
        files[f"seed-{dpi}"] = builder.scan_pdf(seed_files["pdf-text"], dpi, out / f"seed_{dpi}.pdf")
        files[f"national-{dpi}"] = builder.scan_pdf(national, dpi, out / f"national_{dpi}.pdf")
    scanned_page_2 = builder.scan_pdf(national, 200, out / "page2.pdf", pages=(2, 2))
    first_page = out / "page1.pdf"
    subprocess.run(["pdfseparate", "-f", "1", "-l", "1", str(national), str(first_page)], check=True)
    files["national-mixed"] = out / "mixed.pdf"
    subprocess.run(["pdfunite", str(first_page), str(scanned_page_2), str(files["national-mixed"])], check=True)
    return files


@pytest.mark.parametrize("dpi", [150, 300])
def test_scanned_seed_reads_like_the_word_original(scans, seed_files, dpi):
    result = read_file(scans[f"seed-{dpi}"])
    assert result.status == "ok" and result.ocr is True and result.n_pages == 11
    (report,) = result.reports
    (original,) = read_file(seed_files["docx-text"]).reports
    got, want = as_read(report), as_read(original)
    # narrative prose is compared by similarity (assert_prose_alike): OCR misreads a rare character now and then
    # and can miss a line of prose; every figure in it still comes through as a fact, asserted above
    assert_prose_alike(got, want)
    assert got == want  # every figure, label, flag, indicator and fact exactly
    assert report.spent_yuan == Decimal("944400.00") and len(report.indicators) == 12 and len(report.flags) == 11


@pytest.mark.parametrize("name", ["national-150", "national-300", "national-mixed"])
def test_scanned_national_form_reads_like_the_word_original(scans, family_files, name):
    result = read_file(scans[name])
    assert result.status == "ok" and result.ocr is True
    (report,) = result.reports
    (original,) = read_file(family_files["docx/national_project/plain"]).reports
    assert as_read(report) == as_read(original)
    assert report.grade == "优"  # ☑优 □良 …, which OCR reads as V优口良…


def test_ocr_text_keeps_its_confidence(scans):
    from jixiao.extract import read_document

    doc = read_document(scans["national-150"].read_bytes())
    cells = [c for t in doc.tables for c in t.cells if c.text]
    assert cells and all(c.confidence is not None and 0 < c.confidence <= 1 for c in cells)


def test_a_low_confidence_figure_is_null_with_a_finding():
    report = Report(template="t")
    ctx = ReadContext(report, default_lexicon())
    table = Table(0, (), 1, 1)
    sure = Cell("127", 0, 0, confidence=0.99)
    unsure = Cell("127", 0, 1, confidence=0.42)
    assert ctx.parse(parse_money, sure.text, "本年度安排金额", table, sure, unit="万元") == Decimal("1270000.00")
    assert ctx.parse(parse_money, unsure.text, "本年度安排金额", table, unsure, unit="万元") is None
    (finding,) = report.findings
    assert finding.rule == "ocr_low_confidence" and "0.42" in finding.message and finding.actual == "127"


@pytest.mark.parametrize(
    "read,meant", [("頂目名稱", "項目名稱"), ("顶目单位", "项目单位"), ("预算127万兀", "预算127万元"), ("山顶公园", "山顶公园"), ("頂部", "頂部")]
)
def test_slips_the_layout_makes_certain_are_undone(read, meant):
    """A traditional form's 項目名稱 OCR'd as 頂目名稱 loses the project name unless it is undone; 「顶」 before
    anything but 目 is a word and stays."""
    from jixiao.extract.ocr import fix_slips

    assert fix_slips(read) == meant
