"""Source pages converted ahead (issue 29): `jixiao serve` converts the Word and spreadsheet files'
pages in a background thread, most recent first, so a report's first open does not wait for
LibreOffice; a page asked for while its batch runs waits for that batch; a spreadsheet is printed
from a copy with its grid, fitted to one page wide, the stored file left as it was."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import duckdb
import openpyxl
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from jixiao.base.model import doc_id_of_file
from jixiao.cli import main
from jixiao.desk import create_app
from jixiao.desk import sources as sources_module
from jixiao.desk.data import documents_to_show
from jixiao.desk.sources import Sources
from jixiao.extract.legacy import convert_legacy
from tests.fixtures import builder
from tests.fixtures import families as F

OFFICE = ["docx", "xlsx"]


@pytest.fixture(scope="module")
def word_and_sheet(tmp_path_factory) -> Path:
    """A warehouse of a 2021 Word report and a 2022 report filled in as an Excel workbook (no cell borders)."""
    folder = tmp_path_factory.mktemp("ahead_archive")
    forms = F.cross_year_archive()
    builder.write_docx(forms["2021_city_management.docx"], folder / "2021_city_management.docx")
    builder.write_xlsx([forms["2022_rural_roads_upkeep.docx"]], folder / "2022_rural_roads_upkeep.xlsx")
    db = tmp_path_factory.mktemp("ahead_db") / "desk.duckdb"
    run = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert run.exit_code == 0, run.output
    return db


def _documents(db: Path) -> list[tuple[str, str, list[str]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return documents_to_show(con, OFFICE)
    finally:
        con.close()


def _no_libreoffice(*args, **kwargs):
    raise AssertionError("LibreOffice was called again for a page converted ahead")


def _paths(page: pdfium.PdfPage) -> int:
    return sum(1 for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_PATH)


@pytest.mark.slow
def test_serve_converts_ahead_most_recent_first_and_a_first_open_needs_no_libreoffice(word_and_sheet, tmp_path, monkeypatch):
    documents = _documents(word_and_sheet)
    assert [fmt for _, fmt, _ in documents] == ["xlsx", "docx"]  # the 2022 report first
    pages = tmp_path / "pages"
    app = create_app(word_and_sheet, pages_dir=pages, preconvert=True)
    app.state.preconverting.join(180)
    assert not app.state.preconverting.is_alive()
    sources = app.state.desk.sources
    for doc_id, fmt, _ in documents:
        assert sources.converted(doc_id, fmt).is_file()
    assert sorted(p.suffix for p in pages.iterdir()) == [".pdf", ".pdf"]  # nothing half-written left

    monkeypatch.setattr(sources_module, "convert_legacy", _no_libreoffice)
    con = duckdb.connect(str(word_and_sheet), read_only=True)
    word_report, word_doc = con.execute(
        "SELECT r.report_id, d.doc_id FROM reports r JOIN documents d USING (doc_id) WHERE d.format = 'docx'"
    ).fetchone()
    con.close()
    with TestClient(app, base_url="http://127.0.0.1") as client:
        shown = client.get(f"/report/{word_report}")
        assert shown.status_code == 200
        assert f"/source/{word_doc}/" in shown.text
        page = client.get(f"/source/{word_doc}/1.png")
    assert page.status_code == 200
    assert page.content.startswith(b"\x89PNG")

    # the desk started again finds them kept: nothing to convert
    again = create_app(word_and_sheet, pages_dir=pages, preconvert=True)
    again.state.preconverting.join(60)
    assert again.state.desk.sources.preconvert(documents) == 0


@pytest.mark.slow
def test_a_page_asked_for_while_its_batch_runs_waits_for_it(word_and_sheet, tmp_path, monkeypatch):
    documents = _documents(word_and_sheet)
    doc_id, fmt, paths = next(d for d in documents if d[1] == "docx")
    sources = Sources(tmp_path / "pages")
    lock = sources._doc_lock(doc_id)
    ahead = threading.Thread(target=sources.preconvert, args=(documents,))
    ahead.start()
    deadline = time.monotonic() + 60
    while not lock.locked() and ahead.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert lock.locked(), "the batch never took the document"
    monkeypatch.setattr(sources_module, "convert_legacy", _no_libreoffice)  # the request must not convert it again
    pdf = sources.pdf(doc_id, fmt, paths)
    ahead.join(180)
    assert pdf == sources.converted(doc_id, fmt)
    with pdfium.PdfDocument(str(pdf)) as opened:
        assert len(opened) >= 1


@pytest.mark.slow
def test_a_spreadsheet_page_shows_its_grid_one_page_wide_and_the_stored_file_is_unchanged(word_and_sheet, tmp_path):
    documents = _documents(word_and_sheet)
    doc_id, fmt, paths = next(d for d in documents if d[1] == "xlsx")
    sources = Sources(tmp_path / "pages")
    assert sources.preconvert([(doc_id, fmt, paths)]) == 1
    pdf = sources.pdf(doc_id, fmt, paths)
    assert pdf.name == f"{doc_id}.grid.pdf"
    with pdfium.PdfDocument(str(pdf)) as gridded:
        assert len(gridded) == 1  # all ten columns on one page
        page = gridded[0]
        width, height = page.get_size()
        assert (round(width), round(height)) == (595, 842)  # A4
        assert _paths(page) > 100  # the cells' grid
        text = page.get_textpage().get_text_range()
        assert "农村道路养护项目" in text and "96.00" in text and "析及改进措" in text  # the last column too
        assert sources.locate(pdf, "项目名称", "农村道路养护项目") is not None

    original = Path(paths[0])
    assert doc_id_of_file(original) == doc_id  # never modified
    sheet = openpyxl.load_workbook(original).worksheets[0]
    assert not sheet.print_options.gridLines
    # the same workbook printed as it is: no grid, and its last column pushed to a second page
    with pdfium.PdfDocument(io.BytesIO(convert_legacy(original.read_bytes(), "xlsx", "pdf"))) as plain:
        assert len(plain) == 2
        assert _paths(plain[0]) == 0
