"""A file cannot hold a reader longer than a ceiling of its own, whatever page count it claims; a scan of one
page copied many times is read once; a time-out that recurs is not read again by itself on every run."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from jixiao.ingest.reading import read_file
from tests.extract.scanned import as_read
from tests.fixtures import office_scans as O

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def _ingest(folder: Path, db: Path, *extra: str) -> tuple[int, dict]:
    run = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--json", *extra], capture_output=True, text=True, timeout=600)
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads(run.stdout)


def _documents(db: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {Path(p).name: (s, k, e) for p, s, k, e in con.execute("SELECT path, status, error_kind, error FROM documents").fetchall()}
    finally:
        con.close()


@pytest.mark.slow
def test_a_file_gets_no_more_than_its_ceiling_whatever_its_pages(slow_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(slow_pdf, folder / "slow.pdf")  # 66 pages, about half a second of reading
    # 0.04 s a page would give it 2.6 s, five times what it needs; the ceiling of 0.05 s a file stops it first
    code, summary = _ingest(folder, tmp_path / "w.duckdb", "--timeout", "0.04", "--file-timeout", "0.05")
    assert code == 1 and summary["status"] == {"failed": 1}
    assert _documents(tmp_path / "w.duckdb")["slow.pdf"][1:] == (
        "timeout",
        "Reading the file took longer than 0.05 s, the most one file may take whatever its 66 pages (--file-timeout), and was stopped.",
    )


@pytest.mark.slow
def test_a_time_out_that_recurs_stays_failed_until_retry_failed(slow_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(slow_pdf, folder / "slow.pdf")
    db = tmp_path / "w.duckdb"
    code, first = _ingest(folder, db, "--timeout", "0.001")
    assert code == 1 and _documents(db)["slow.pdf"][:2] == ("failed", "timeout")
    code, second = _ingest(folder, db, "--timeout", "0.001")  # read again by itself, once: it may not recur
    status, kind, error = _documents(db)["slow.pdf"]
    assert code == 1 and second["status"] == {"failed": 1} and (status, kind) == ("failed", "file")
    assert error.endswith(", as on the run before; it is not read again by itself (--retry-failed reads it again).")
    code, third = _ingest(folder, db)  # the limit would suffice now, but a time-out twice is the file's own: listed, not read
    assert code == 1 and third["status"] == {} and third["still_failed"] == 1
    code, fourth = _ingest(folder, db, "--retry-failed")
    assert code == 0 and fourth["status"] == {"ok": 1} and _documents(db)["slow.pdf"][:2] == ("ok", None)


@pytest.fixture(scope="module")
def copied_scan(family_files, tmp_path_factory) -> tuple[Path, Path]:
    """A one-page form scanned, and a PDF of 30 copies of that page sharing one image, as a tool that
    repeats a page writes it (pdfium's page import)."""
    import pypdfium2 as pdfium

    out = tmp_path_factory.mktemp("copies")
    scan = O.office_scan(family_files["pdf/score_20_80/plain"], O.scan("jpeg"), out / "scan.pdf")
    source = pdfium.PdfDocument(str(scan))
    copies = pdfium.PdfDocument.new()
    copies.import_pages(source, [0] * 30)
    buffer = io.BytesIO()
    copies.save(buffer)
    (out / "copies.pdf").write_bytes(buffer.getvalue())
    return scan, out / "copies.pdf"


@pytest.mark.slow
def test_byte_identical_scanned_pages_are_read_once(copied_scan):
    scan, copies = copied_scan
    assert copies.stat().st_size < 2 * scan.stat().st_size  # the image once, thirty pages pointing at it
    (single,) = read_file(scan).reports
    result = read_file(copies)
    assert result.status == "ok" and result.n_pages == 30 and result.n_reports == 30
    repeated = [f for f in result.reports[0].findings if f.rule == "pages_repeated"]
    assert [(f.severity, f.actual) for f in repeated] == [("info", "29")] and "pages 2–30" in repeated[0].message
    for report in result.reports:  # each copy reads as the page it repeats
        got = as_read(report)
        got["findings"] = [f for f in got["findings"] if f["rule"] != "pages_repeated"]
        assert got == as_read(single)
