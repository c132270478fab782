"""A bundle of forms, one a page, gives one report per form from its text PDF and from its scan alike.

Bundles whose forms print their title and year as the table's first row (no paragraph above it) came out
of the PDF reader as one table: the table opening each page had the columns of the one before, as a table
running over a page break has. A scanned bundle of 50 such forms was read as one report whose weights
added up to 4,510. The bundle here is four one-page provincial forms, written as Word does, exported by
LibreOffice and scanned as offices do (tests/fixtures/office_scans.py): four pages of OCR.
"""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_file
from tests.extract.scanned import as_read
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fixtures import office_scans as O

pytestmark = [pytest.mark.ocr]

PROJECTS = [("城区道路养护经费", "1800000"), ("背街小巷改造经费", "950000"), ("桥梁检测经费", "420000"), ("路灯维护经费", "610000")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bundle")
    variant = dataclasses.replace(F.VARIANTS[0], name="caption", year_place="caption")  # title and year inside the table
    blocks: list[tuple] = []
    for i, (name, spent) in enumerate(PROJECTS):
        form = copy.deepcopy(F.SCORE_20_80)
        form["project_name"] = name
        form["money"] = ("2000000", spent, f"{Decimal(spent) / 20000:.0f}%", form["money"][3])
        blocks += [("break",)] * bool(i) + F.score_20_80_document(form, variant)
    docx = builder.write_docx(blocks, out / "bundle.docx")
    (pdf,) = builder.soffice_convert([docx], "pdf", out)
    scan = O.office_scan(pdf, O.scan("jpeg"), out / "bundle-scan.pdf")
    return {"docx": read_file(docx), "pdf": read_file(pdf), "scan": read_file(scan)}


def test_the_word_bundle_gives_a_report_per_form(bundle):
    assert [(r.project_name, r.spent_yuan) for r in bundle["docx"].reports] == [(n, Decimal(s).quantize(Decimal("0.01"))) for n, s in PROJECTS]


@pytest.mark.parametrize("kind", ["pdf", "scan"])
def test_its_text_pdf_and_its_scan_split_as_the_word_file_does(bundle, kind):
    result = bundle[kind]
    assert result.status == "ok" and result.ocr is (kind == "scan")
    assert result.n_reports == len(PROJECTS), [r.project_name for r in result.reports]
    for got, want in zip(result.reports, bundle["docx"].reports):
        got, want = as_read(got), as_read(want)
        for prose in ("sections", "narrative_items"):  # OCR misreads a rare character of prose; figures are compared exactly
            got.pop(prose), want.pop(prose)
        if kind == "scan":  # a 三级指标 the scan names 「一道路维护里程」 (its 「、」 lost): the name its sub-items carry, not a figure
            for d in (got, want):
                d["indicators"] = [{**i, "parent": None} for i in d["indicators"]]
                d["indicator_groups"] = [{**g, "name": None} for g in d["indicator_groups"]]
        assert got == want
    weights = [sum(i.weight for i in r.indicators) for r in result.reports]
    assert weights == [sum(i.weight for i in r.indicators) for r in bundle["docx"].reports]
