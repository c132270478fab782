"""Paths as archives hold them: GBK names from a Windows zip, names with terminal escapes, broken links
and link loops named on the command line. None stops a batch, each is shown readably and safely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from jixiao.base.paths import on_disk, readable
from tests.helpers import rows

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(JIXIAO + list(args), capture_output=True, timeout=300)


@pytest.mark.slow
def test_names_that_are_not_utf8_are_stored_decoded_and_found_again(seed_files, tmp_path):
    """雨花区报告.docx zipped on Windows (GBK) and unpacked on Linux, in a folder with a UTF-8 name, and a
    name whose bytes are neither: both are read, stored readably, recognised unchanged on the next run."""
    folder = tmp_path / "2021年材料"
    folder.mkdir()
    gbk = os.fsdecode(os.fsencode(str(folder)) + b"/" + "雨花区报告.docx".encode("gbk"))
    odd = os.fsdecode(os.fsencode(str(folder)) + b"/report\xff\xfe.pdf")
    shutil.copy(seed_files["docx-text"], gbk)
    shutil.copy(seed_files["pdf-text"], odd)
    db = tmp_path / "w.duckdb"
    first = _run("ingest", str(folder), "--db", str(db))
    assert first.returncode == 0, first.stderr.decode()
    assert "雨花区报告.docx".encode() in first.stderr and b"report\\xff\\xfe.pdf" in first.stderr
    stored = sorted(p for (p,) in rows(db, "SELECT path FROM document_paths"))
    assert stored == sorted([f"{folder}/report\\xff\\xfe.pdf", f"{folder}/雨花区报告.docx"])
    assert stored == sorted(readable(p) for p in (gbk, odd)) and sorted(on_disk(p) for p in stored) == sorted([gbk, odd])
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 2
    again = _run("ingest", str(folder), "--db", str(db), "--json")
    assert again.returncode == 0 and b'"unchanged": 2' in again.stdout


@pytest.mark.slow
def test_a_broken_link_or_a_loop_named_on_the_command_line_fails_alone(seed_files, tmp_path):
    (tmp_path / "broken.pdf").symlink_to(tmp_path / "gone.pdf")
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    good = tmp_path / "seed.docx"
    shutil.copy(seed_files["docx-text"], good)
    db = tmp_path / "w.duckdb"
    run = _run("ingest", str(tmp_path / "broken.pdf"), str(tmp_path / "loop_a"), str(good), "--db", str(db))
    out = run.stdout.decode()
    assert run.returncode == 1 and b"Traceback" not in run.stderr
    assert "broken.pdf: The link leads to" in out and "loop_a: The link leads round in a loop" in out
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 1
    typo = _run("ingest", str(tmp_path / "no_such_folder"), "--db", str(db))
    assert typo.returncode == 2 and b"No such file or folder" in typo.stderr


@pytest.mark.slow
def test_terminal_escapes_in_names_are_shown_not_sent(seed_files, tmp_path):
    """A name holding ESC sequences (clear the screen, OSC 52 set the clipboard) is printed with its control
    characters as visible escapes, by ingest, its progress lines and query's tables."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files["docx-text"], folder / "\x1b[2J\x1b[Hclear.docx")
    shutil.copy(seed_files["pdf-text"], folder / "\x1b]52;c;aGk=\x07clip.pdf")
    db = tmp_path / "w.duckdb"
    run = _run("ingest", str(folder), "--db", str(db))
    assert run.returncode == 0, run.stderr.decode()
    assert b"\x1b" not in run.stdout + run.stderr and b"\\x1b[2J" in run.stderr
    for fmt in ("table", "markdown"):
        shown = _run("query", "SELECT path FROM documents", "--format", fmt, "--db", str(db))
        assert shown.returncode == 0 and b"\x1b" not in shown.stdout and b"\\x1b]52;c;aGk=\\x07clip.pdf" in shown.stdout
    assert len(rows(db, "SELECT path FROM documents WHERE contains(path, chr(27))")) == 2  # stored as they are
