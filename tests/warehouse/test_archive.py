"""Archive-scale ingest: bad files cost one line each, kills and reruns lose and duplicate nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.fixtures import builder
from tests.helpers import table_counts

pytestmark = [pytest.mark.slow]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def _zip_bomb(path: Path) -> None:
    """A .docx of a few hundred KB whose document.xml expands to 300 MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                fh.write(chunk)


def _entity_expansion(path: Path) -> None:
    laughs = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    xml = (
        '<?xml version="1.0"?><!DOCTYPE w:document [' + "".join(laughs) + "]>"
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t>'
        "</w:r></w:p></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)


def _huge_table(path: Path) -> None:
    rows = [[builder.FCell(f"{i}"), builder.FCell(f"第{i}项"), builder.FCell(f"{i * 3}.00")] for i in range(10000)]
    builder.write_docx([("p", "附表：明细", {}), ("table", rows)], path, page_numbers=False)


def _encrypted_docx(source: Path, path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, path.open("wb") as enc:
        OOXMLFile(plain).encrypt("secret", enc)


def _scanned_pdf(source_pdf: Path, path: Path, tmp: Path) -> None:
    """A page rendered to an image and wrapped as an image-only PDF, as scanners make them."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "100", "-f", "2", "-l", "2", "-png", str(source_pdf), str(tmp / "page")], check=True)
    image = Image.open(next(tmp.glob("page*.png"))).convert("RGB")
    image.save(path, "PDF", resolution=100)


@pytest.fixture(scope="module")
def bad_archive(seed_files, family_files, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Good reports and every kind of bad input in one folder; value: what the error must mention."""
    root = tmp_path_factory.mktemp("bad")
    work = tmp_path_factory.mktemp("work")
    good = root / "good"
    good.mkdir()
    shutil.copy(seed_files["docx-text"], good / "seed.docx")
    shutil.copy(seed_files["pdf-wingdings"], good / "seed.pdf")
    shutil.copy(family_files["pdf/bundle"], good / "bundle.pdf")
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.docx").write_bytes(b"")
    data = seed_files["docx-text"].read_bytes()
    (bad / "truncated.docx").write_bytes(data[: len(data) // 2])
    pdf = seed_files["pdf-text"].read_bytes()
    (bad / "truncated.pdf").write_bytes(pdf[: len(pdf) // 4])
    builder.soffice_convert(
        [seed_files["docx-text"]],
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}',
        work,
    )
    shutil.copy(work / "seed_text.pdf", bad / "encrypted.pdf")
    _encrypted_docx(seed_files["docx-text"], bad / "encrypted.docx")
    shutil.copy(seed_files["pdf-text"], bad / "really_a_pdf.docx")
    shutil.copy(seed_files["docx-wingdings"], bad / "really_a_docx.pdf")
    _zip_bomb(bad / "bomb.docx")
    _entity_expansion(bad / "entities.docx")
    _huge_table(bad / "huge_table.docx")
    _scanned_pdf(seed_files["pdf-text"], bad / "scanned.pdf", work)
    shutil.copy(next(work.glob("page*.png")), bad / "photo.png")
    (bad / "random.docx").write_bytes(os.urandom(4096))  # a report's name over bytes of no format
    (bad / "random.bin").write_bytes(os.urandom(4096))  # neither a report's name nor its bytes: skipped
    shutil.copy(family_files["docx/notice"], bad / "notice.docx")
    expected = {
        "empty.docx": "empty",
        "truncated.docx": "damaged or truncated",
        "truncated.pdf": "PDF",
        "encrypted.pdf": "password",
        "encrypted.docx": "password",
        "bomb.docx": "zip bomb",
        "entities.docx": "DTD",
        "scanned.pdf": "OCR",
        "photo.png": "image of a page, and OCR is not available",
        "random.docx": "not a Word, WPS, Excel, PDF",
        "notice.docx": None,
        "huge_table.docx": None,  # readable, but no report: not_report
    }
    return root, expected


@pytest.fixture(scope="module")
def ingested(bad_archive, tmp_path_factory):
    root, _ = bad_archive
    db = tmp_path_factory.mktemp("db") / "w.duckdb"
    tmp = tmp_path_factory.mktemp("tmpdir")
    env = dict(os.environ, TMPDIR=str(tmp), JIXIAO_OCR="0")  # the scanned page must meet a machine without OCR
    run = subprocess.run(JIXIAO + ["ingest", str(root), "--db", str(db), "--json"], capture_output=True, text=True, env=env, timeout=600)
    return db, run, tmp


def _documents(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {Path(p).name: (s, e, n) for p, s, e, n in con.execute("SELECT path, status, error, n_reports FROM documents").fetchall()}
    finally:
        con.close()


def test_every_bad_file_fails_with_a_sentence_and_good_files_are_stored(bad_archive, ingested):
    _, expected = bad_archive
    db, run, _ = ingested
    assert run.returncode == 1, run.stderr  # some files failed
    docs = _documents(db)
    for name, mention in expected.items():
        status, error, n_reports = docs[name]
        if mention is None:
            assert (status, error, n_reports) == ("not_report", None, 0), name
        else:
            assert status == "failed", name
            assert mention.lower() in error.lower(), (name, error)
            assert error.endswith(".") and "\n" not in error and len(error) < 200, error
    assert docs["seed.docx"][0] == docs["seed.pdf"][0] == "ok"
    assert docs["bundle.pdf"] == ("ok", None, 3)
    assert docs["really_a_pdf.docx"] == ("ok", None, 1)  # the bytes decide, not the name
    assert docs["really_a_docx.pdf"] == ("ok", None, 1)


def test_no_temp_files_left_behind(ingested):
    _, _, tmp = ingested
    assert list(tmp.iterdir()) == []


def test_summary_json_counts(ingested):
    import json

    _, run, _ = ingested
    summary = json.loads(run.stdout)
    assert summary["files"] == 17
    assert summary["skipped"] == [{"path": str(Path(summary["failures"][0]["path"]).parent / "random.bin"), "reason": "not a report format (.bin)"}]
    assert summary["status"] == {"ok": 5, "not_report": 2, "failed": 10}
    assert summary["reports"] == 7
    assert {f["path"].rsplit("/", 1)[-1] for f in summary["failures"]} == {
        "empty.docx",
        "truncated.docx",
        "truncated.pdf",
        "encrypted.pdf",
        "encrypted.docx",
        "bomb.docx",
        "entities.docx",
        "scanned.pdf",
        "photo.png",
        "random.docx",
    }


def test_a_file_over_the_time_limit_is_stopped(seed_files, slow_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(slow_pdf, folder / "slow.pdf")  # 66 pages, ~0.5 s of reading
    shutil.copy(seed_files["docx-text"], folder / "fast.docx")  # ~0.02 s
    db = tmp_path / "w.duckdb"
    run = subprocess.run(
        JIXIAO + ["ingest", str(folder), "--db", str(db), "--timeout", "0.001", "--jobs", "1"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 1
    docs = _documents(db)
    assert docs["slow.pdf"][:2] == (
        "failed",
        "Reading the file took longer than 0.066 s (0.001 s a page × 66 pages) and was stopped; --timeout sets the seconds a page may take.",
    )
    # the stopped reader is replaced and the batch goes on: the next file gets its own status — read, or, on a busy
    # machine where a thousandth of a second is short even for it, stopped on its own limit (never lost, never a crash)
    fast = docs["fast.docx"]
    assert fast[0] == "ok" or (fast[0] == "failed" and fast[1].startswith("Reading the file took longer than 0.0")), fast
    # the limit grows with the pages: 0.1 s a page is 6.6 s for the 66-page file, which it needs less than; a file
    # stopped for time is read again by the next ingest, and both are stored
    again = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--timeout", "0.1"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {name: status for name, (status, _error, _n) in _documents(db).items()} == {"slow.pdf": "ok", "fast.docx": "ok"}


COUNTED = [
    "documents",
    "reports",
    "funding",
    "indicators",
    "indicator_groups",
    "flags",
    "allocations",
    "budget_lines",
    "sections",
    "facts",
    "fields",
    "findings",
    "document_paths",
    "file_index",
]


def _counts(db):
    return table_counts(db, COUNTED)


def test_killed_ingest_resumes_with_exactly_the_right_rows(seed_files, family_files, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for key, path in list(family_files.items()) + list(seed_files.items()):
        shutil.copy(path, folder / f"{key.replace('/', '_')}{path.suffix}")
    clean = tmp_path / "clean.duckdb"
    subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(clean), "--jobs", "2"], capture_output=True, timeout=600)

    db = tmp_path / "killed.duckdb"
    # small commit groups, so that the kill below surely lands with files still to read (with 50 a
    # fast machine reads this whole archive before its first commit)
    env = dict(os.environ, JIXIAO_COMMIT_EVERY="3")
    proc = subprocess.Popen(
        JIXIAO + ["ingest", str(folder), "--db", str(db), "--jobs", "1"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env=env,
    )
    stored = 0
    for line in proc.stderr:  # plain progress lines: one per file
        if "] ok:" in line or "] not_report:" in line:
            stored += 1
        if stored >= 5:
            os.killpg(proc.pid, signal.SIGKILL)  # the writer and its readers, mid-batch
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    partial = _counts(db)
    assert 0 < partial["documents"] < _counts(clean)["documents"]

    rerun = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "unchanged" in rerun.stdout
    assert _counts(db) == _counts(clean)
    again = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db)], capture_output=True, text=True, timeout=600)
    assert f"{len(list(folder.iterdir()))} unchanged" in again.stdout
    assert _counts(db) == _counts(clean)


def test_changed_bytes_are_a_new_document_and_the_old_stays(seed_files, tmp_path):
    path = tmp_path / "report.docx"
    shutil.copy(seed_files["docx-text"], path)
    db = tmp_path / "w.duckdb"
    subprocess.run(JIXIAO + ["ingest", str(path), "--db", str(db)], capture_output=True, timeout=300)
    shutil.copy(seed_files["docx-wingdings"], path)  # the office replaced the file
    subprocess.run(JIXIAO + ["ingest", str(path), "--db", str(db)], capture_output=True, timeout=300)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT doc_id, replaced_by FROM documents ORDER BY ingested_at").fetchall()
    assert len(rows) == 2
    (old, replaced_by), (new, current) = rows
    assert replaced_by == new and current is None
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 2  # the old report stays queryable


def test_scanned_pages_in_a_text_pdf_are_named(seed_files, tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR", "0")  # OCR unavailable: the scanned page is named, not guessed
    scan = tmp_path / "scan.pdf"
    _scanned_pdf(seed_files["pdf-text"], scan, tmp_path)
    mixed = tmp_path / "mixed.pdf"
    subprocess.run(["pdfunite", str(seed_files["pdf-text"]), str(scan), str(mixed)], check=True)
    from jixiao.ingest.reading import read_file

    result = read_file(mixed)
    assert result.status == "ok" and result.n_pages == 12
    (finding,) = [f for f in result.reports[0].findings if f.rule == "pages_unread"]
    assert finding.severity == "warning" and finding.actual == "12" and "OCR" in finding.message
    from decimal import Decimal

    assert result.reports[0].spent_yuan == Decimal("944400.00")  # the text pages are read as before


def test_failed_files_are_listed_again_and_retried_when_they_may_not_fail_again(seed_files, slow_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(slow_pdf, folder / "slow.pdf")  # 66 pages
    (folder / "damaged.docx").write_bytes(seed_files["docx-text"].read_bytes()[:3000])
    db = tmp_path / "w.duckdb"

    def ingest(*extra):
        run = subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db), "--json", *extra], capture_output=True, text=True, timeout=300)
        import json

        return run.returncode, json.loads(run.stdout)

    code, first = ingest("--timeout", "0.001")
    assert code == 1 and first["status"] == {"failed": 2}
    con = duckdb.connect(str(db), read_only=True)
    kinds = dict(con.execute("SELECT path, error_kind FROM documents").fetchall())
    con.close()
    assert {Path(p).name: k for p, k in kinds.items()} == {"slow.pdf": "timeout", "damaged.docx": "file"}
    # nothing changed: the timeout is read again by itself (and now has time), the damaged file is listed again
    code, second = ingest()
    assert code == 1
    assert second["status"] == {"ok": 1} and second["still_failed"] == 1
    assert [Path(f["path"]).name for f in second["failures"]] == ["damaged.docx"]
    assert "zip container is damaged" in second["failures"][0]["error"]
    code, third = ingest("--retry-failed")
    assert code == 1 and third["status"] == {"failed": 1} and third["unchanged"] == 1  # read again, fails again
    assert _documents(db)["slow.pdf"][0] == "ok" and len(_documents(db)) == 2  # replaced, not added
