"""A PDF with one damaged page or one odd value keeps its other pages; one that gives no text says what
it found (no text layer, a failed scan, or contents damaged), in words a user acts on. The PDFs are
exported by LibreOffice and damaged in place, as a bad disk or a careless tool leaves them."""

from __future__ import annotations

import re
import zlib

import pytest

from jixiao.ingest.reading import read_bytes


def _read(data: bytes, name: str):
    result = read_bytes(data, name)
    findings = [f for report in result.reports for f in report.findings if f.rule in ("file_damaged", "value_unreadable")]
    return result, findings


@pytest.fixture(scope="module")
def pdfs(family_files):
    return {"national": family_files["pdf/national_project/plain"].read_bytes(), "score": family_files["pdf/score_20_80/plain"].read_bytes()}


def _content_streams(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each stream that draws text (sets a font): the pages' contents."""
    found = []
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            body = zlib.decompressobj().decompress(data[m.end() : end])
        except zlib.error:
            continue
        if b" Tf" in body:
            found.append((m.end(), end))
    return found


def test_a_text_page_whose_contents_are_damaged_is_not_called_a_failed_scan(pdfs):
    data = pdfs["score"]
    for start, end in _content_streams(data):
        data = data[:start] + bytes(end - start) + data[end:]  # zeros where the page's drawing was
    result, _ = _read(data, "odd.pdf")
    assert (result.status, result.error_kind) == ("failed", "file")
    assert result.error == (
        "The PDF's page has no text and no scanned image: its contents are empty or damaged. Open it in a PDF "
        "reader; if it shows the report, print it to a new PDF and ingest that."
    )


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_a_page_box_that_is_no_numbers_costs_that_page_alone(pdfs, monkeypatch, backend):
    monkeypatch.setenv("JIXIAO_PDF_BACKEND", backend)
    data = pdfs["national"]
    boxes = list(re.finditer(rb"/MediaBox\s*\[[^\]]*\]", data))  # each page's, then the page tree's
    second = boxes[1]
    odd = data[: second.start()] + b"/MediaBox[0 0 /Foo 842]" + data[second.end() :]
    result, findings = _read(odd, "odd.pdf")
    assert result.status == "ok" and result.reports[0].project_name == "公共服务站点建设项目"
    # pdfium reads the page at a default size; pdfminer refuses it, which cost the whole file (and, as
    # pdfplumber closes a file by making every page, escaped as an error no sentence was made for)
    assert [(f.rule, f.actual) for f in findings] == ([] if backend == "pdfium" else [("file_damaged", "2")])
