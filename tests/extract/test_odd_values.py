"""One odd value keeps its document: the value is NULL (or left out) with a finding, the rest is read as
without it; damage to what the form lives in fails the file with a sentence a user acts on.

Word files and workbooks are written by python-docx and openpyxl, then given the one odd value as a
damaged or careless writer leaves it (the XML or the zip headers changed in place). PDFs:
tests/extract/test_damaged_pdfs.py.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_bytes, read_file
from tests.extract.scanned import as_read
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fuzz import corpus


def _read(data: bytes, name: str):
    result = read_bytes(data, name)
    findings = [f for report in result.reports for f in report.findings if f.rule in ("file_damaged", "value_unreadable")]
    return result, findings


def _same(result, original) -> bool:
    """The reports equal the original's, findings about the odd value aside."""

    def plain(report):
        data = as_read(report)
        data["findings"] = [f for f in data["findings"] if f["rule"] not in ("file_damaged", "value_unreadable")]
        return data

    return [plain(r) for r in result.reports] == [plain(r) for r in original.reports]


def _document_xml(data: bytes, change) -> bytes:
    return corpus.rewrite(data, "word/document.xml", lambda raw: change(raw.decode("utf-8")).encode("utf-8"))


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    out = tmp_path_factory.mktemp("odd")
    docx = builder.write_docx(F.national_document(F.NATIONAL, F.VARIANTS[0]), out / "national.docx")
    xlsx = builder.write_xlsx([F.national_document(F.NATIONAL, F.VARIANTS[0])], out / "national.xlsx")
    return {"docx": docx.read_bytes(), "xlsx": xlsx.read_bytes(), "docx_read": read_file(docx), "xlsx_read": read_file(xlsx)}


# --- Word ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["110000", "D800", "FFFFFFFFFFFF", "ZZ"])
def test_a_symbol_naming_no_character_is_left_out_with_a_finding(national, code):
    odd = _document_xml(national["docx"], lambda xml: xml.replace("<w:r>", f'<w:r><w:sym w:font="Wingdings" w:char="{code}"/></w:r><w:r>', 1))
    result, findings = _read(odd, "odd.docx")
    assert result.status == "ok" and _same(result, national["docx_read"])
    assert [(f.rule, f.actual) for f in findings] == [("value_unreadable", code)]
    assert "no character" in findings[0].message


def test_a_row_skipping_negative_columns_is_read_as_skipping_none(national):
    odd = _document_xml(
        national["docx"], lambda xml: re.sub(r"<w:tr( [^>]*)?>", lambda m: m.group(0) + '<w:trPr><w:gridBefore w:val="-3"/></w:trPr>', xml, count=1)
    )
    result, findings = _read(odd, "odd.docx")
    assert result.status == "ok" and _same(result, national["docx_read"]) and findings == []


def test_a_rate_of_thirty_digits_is_null_with_a_finding(national):
    rate = "9" * 30 + "%"
    odd = _document_xml(national["docx"], lambda xml: xml.replace(">96.30%<", f">{rate}<", 1))
    result, findings = _read(odd, "odd.docx")
    (report,) = result.reports
    (original,) = national["docx_read"].reports
    assert result.status == "ok" and report.execution_rate_pct is None and original.execution_rate_pct == Decimal("96.30")
    assert [f.rule for f in findings] == ["value_unreadable"] and rate in findings[0].message
    assert (report.spent_yuan, report.indicators, report.score_total) == (original.spent_yuan, original.indicators, original.score_total)


def test_a_character_xml_forbids_is_left_out(national):
    odd = _document_xml(national["docx"], lambda xml: xml.replace(">96.30%<", ">96.30&#1;%<", 1).replace("公共服务", "公共\x02服务", 1))
    result, findings = _read(odd, "odd.docx")
    assert result.status == "ok" and _same(result, national["docx_read"])
    assert [f.rule for f in findings] == ["file_damaged"] and "characters XML does not allow" in findings[0].message


def test_text_nested_past_any_writer_fails_in_plain_words(national):
    odd = _document_xml(
        national["docx"], lambda xml: xml.replace("<w:body>", "<w:body>" + "<w:sdt><w:sdtContent>" * 300 + "</w:sdtContent></w:sdt>" * 300, 1)
    )
    result, _ = _read(odd, "odd.docx")
    assert (result.status, result.error_kind) == ("failed", "file")
    assert result.error == (
        "The Word document's text is nested more than 256 levels deep, far deeper than Word ever writes; "
        "the file is damaged or was crafted, and it was not read."
    )


def test_text_cut_short_fails_naming_where(national):
    odd = _document_xml(national["docx"], lambda xml: xml[: len(xml) // 2])
    result, _ = _read(odd, "odd.docx")
    assert (result.status, result.error_kind) == ("failed", "file")
    assert re.fullmatch(
        r"The Word document's text \(word/document\.xml\) is damaged near line \d+, column \d+ and could not be "
        r"read; open the file in Word or WPS, which repair such damage, save it again and ingest the saved copy\.",
        result.error,
    ), result.error
    assert result.error_detail  # libxml2's own words stay for whoever fixes the reader


# --- the zip -----------------------------------------------------------------------------------


def test_a_part_flagged_encrypted_costs_that_part_alone(national):
    result, findings = _read(corpus.flag_encrypted(national["xlsx"], "docProps/app.xml"), "odd.xlsx")
    assert result.status == "ok" and _same(result, national["xlsx_read"])
    assert [(f.rule, f.actual) for f in findings] == [("file_damaged", "docProps/app.xml")]
    assert "marked as encrypted" in findings[0].message


def test_the_text_part_flagged_encrypted_fails_in_plain_words(national):
    result, _ = _read(corpus.flag_encrypted(national["docx"], "word/document.xml"), "odd.docx")
    assert (result.status, result.error_kind) == ("failed", "file")
    assert result.error == (
        "The Word file's word/document.xml, which holds its text, is marked as encrypted inside the zip, which "
        "no Office program does, so the file is damaged; open the file in Word or WPS, save it again and ingest "
        "the saved copy."
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_a_damaged_bzip2_or_lzma_part(national, method):
    def damage(body: bytes) -> bytes:
        return body[: len(body) // 2] + bytes(b ^ 0xFF for b in body[len(body) // 2 :])

    spare = corpus.repack(national["xlsx"], "xl/theme/theme1.xml", method, damage)
    result, findings = _read(spare, "odd.xlsx")
    assert result.status == "ok" and _same(result, national["xlsx_read"])
    assert [(f.rule, f.actual) for f in findings] == [("file_damaged", "xl/theme/theme1.xml")]
    sheet = corpus.repack(national["xlsx"], "xl/worksheets/sheet1.xml", method, damage)
    result, _ = _read(sheet, "odd.xlsx")
    assert (result.status, result.error_kind) == ("failed", "file")
    assert result.error.startswith("The workbook's xl/worksheets/sheet1.xml cannot be unpacked: its compressed bytes are damaged;")


def test_a_size_field_that_lies_is_no_zip_bomb(national):
    for kind in ("docx", "xlsx"):
        part = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
        result, findings = _read(corpus.declare_size(national[kind], part, 400 * 1024 * 1024), f"odd.{kind}")
        assert result.status == "ok" and _same(result, national[f"{kind}_read"]) and findings == []


# --- workbooks ---------------------------------------------------------------------------------


def _sheet(data: bytes, change) -> bytes:
    return corpus.rewrite(data, "xl/worksheets/sheet1.xml", lambda raw: change(raw.decode("utf-8")).encode("utf-8"))


def test_a_style_naming_a_number_format_no_one_defined(national):
    # the cell style of 0.00% (format 10, built in) made to name format 300, which the workbook does not define
    odd = corpus.rewrite(national["xlsx"], "xl/styles.xml", lambda raw: raw.replace(b'<xf numFmtId="10"', b'<xf numFmtId="300"', 1))
    result, findings = _read(odd, "odd.xlsx")
    # the rate, 0.963 under an undefined format, is shown as General: a fraction, read as a rate in a spreadsheet
    assert result.status == "ok" and _same(result, national["xlsx_read"])
    assert [f.rule for f in findings] == ["file_damaged"] and "number format it does not define" in findings[0].message


def test_a_cell_naming_a_style_past_the_table_and_a_number_that_is_none(national):
    # C6 (年初预算数, 100 万元) names style 9999 of six; E6 (全年执行数) holds 「abc」 as a number
    odd = _sheet(
        national["xlsx"],
        lambda xml: xml.replace('<c r="C6" s="2"', '<c r="C6" s="9999"', 1).replace(
            '<c r="E6" s="3" t="n"><v>115.56</v>', '<c r="E6" s="3" t="n"><v>abc</v>', 1
        ),
    )
    result, findings = _read(odd, "odd.xlsx")
    (report,) = result.reports
    (original,) = national["xlsx_read"].reports
    assert result.status == "ok" and report.spent_yuan is None and original.spent_yuan == Decimal("1155600.00")
    assert report.budget_initial_yuan == original.budget_initial_yuan == Decimal("1000000.00")
    assert sorted(f.rule for f in findings) == ["file_damaged", "value_unreadable", "value_unreadable"]
    assert any("#VALUE!" in f.message for f in findings)


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "B1:C1048576"])
def test_a_merge_over_the_whole_sheet_is_left_out_not_expanded(national, ref):
    # openpyxl builds a cell for every position a merge covers: 17 billion here, before anything could stop it
    odd = _sheet(national["xlsx"], lambda xml: re.sub(r"<mergeCells[^>]*>", lambda m: m.group(0) + f'<mergeCell ref="{ref}"/>', xml, count=1))
    result, findings = _read(odd, "odd.xlsx")
    assert result.status == "ok" and _same(result, national["xlsx_read"])
    assert [(f.rule, f.actual) for f in findings] == [("file_damaged", ref)] and "would hide" in findings[0].message


def test_a_sheet_declaring_itself_the_whole_grid(national):
    odd = _sheet(national["xlsx"], lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml, count=1))
    result, findings = _read(odd, "odd.xlsx")
    assert result.status == "ok" and _same(result, national["xlsx_read"]) and findings == []
