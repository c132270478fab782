"""Progress an operator can follow: a line per file as it finishes, a failure the moment it happens,
the pages of a long scan as they are read, and a rate that counts only files actually read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jixiao.ingest.progress import Reporter
from tests.fixtures import builder

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


@pytest.mark.slow
def test_scan_pages_and_failures_are_said_as_they_happen(family_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    builder.scan_pdf(family_files["pdf/national_project/plain"], 100, folder / "scan.pdf", pages=(1, 2))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    run = subprocess.run(
        JIXIAO + ["ingest", str(folder), "--db", str(tmp_path / "w.duckdb"), "--jobs", "1"], capture_output=True, text=True, timeout=300
    )
    lines = run.stderr.splitlines()
    assert "  scan.pdf: OCR 1/2 页" in lines and "  scan.pdf: OCR 2/2 页" in lines, run.stderr
    assert lines.index("  scan.pdf: OCR 1/2 页") < lines.index("  scan.pdf: OCR 2/2 页")
    failed = next(i for i, line in enumerate(lines) if "] failed: " in line and "broken.docx" in line)
    assert "zip container is damaged" in lines[failed]
    assert "Traceback" not in run.stderr


def test_the_rate_counts_only_files_read():
    rep = Reporter()
    rep.total(1002)
    for i in range(1000):  # an unchanged archive passes in a blink
        rep.file("unchanged", Path(f"{i}.docx"), None)
    assert rep.rate() is None  # nothing read yet: no rate, no time left
    rep.file("ok", Path("a.pdf"), None)
    rep.started -= 2.0  # the second file is read two seconds after the first
    rep.file("ok", Path("b.pdf"), None)
    assert 0.4 < rep.rate() < 0.6
