"""Damaged files, as real archives hold them, never end a batch: mutants of the fixtures (truncated,
bytes flipped, zip headers and streams broken, parts replaced) ingested together; every one ends
stored with a status, every failure is one sentence, and no traceback reaches the terminal."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.slow]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
SEED = 20261127


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 40)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _zip_version(data: bytes, rng: random.Random) -> bytes:
    """Every local and central header claims it needs zip version 9.5 (zipfile raises NotImplementedError)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):
        start = 0
        while (i := out.find(sig, start)) >= 0:
            out[i + offset:i + offset + 2] = struct.pack("<H", 95)
            start = i + 4
    return bytes(out)


def _zip_stream(data: bytes, rng: random.Random, tmp: Path) -> bytes:
    """One member's compressed bytes damaged, its header intact (zlib error -3 on reading)."""
    src = tmp / "src.zip"
    src.write_bytes(data)
    with zipfile.ZipFile(src) as zf:
        infos = [i for i in zf.infolist() if i.compress_type == zipfile.ZIP_DEFLATED and i.compress_size > 64]
        info = rng.choice(infos)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out = bytearray(data)
    for _ in range(8):
        out[start + rng.randrange(info.compress_size)] = rng.randrange(256)
    return bytes(out)


def _zip_part(data: bytes, rng: random.Random, tmp: Path) -> bytes:
    """A part replaced: XML cut short, not XML at all, or emptied."""
    src, dst = tmp / "src.zip", tmp / "dst.zip"
    src.write_bytes(data)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        victim = rng.choice([n for n in zin.namelist() if n.endswith(".xml")])
        for item in zin.infolist():
            part = zin.read(item)
            if item.filename == victim:
                part = rng.choice([part[: len(part) // 2], os.urandom(200), b""])
            zout.writestr(item, part)
    return dst.read_bytes()


@pytest.fixture(scope="module")
def mutants(seed_files, family_files, tmp_path_factory) -> Path:
    from tests.fixtures import builder
    from tests.fixtures import families as F

    rng = random.Random(SEED)
    work = tmp_path_factory.mktemp("fuzzwork")
    out = tmp_path_factory.mktemp("mutants")
    xlsx = builder.write_xlsx([F.national_document(F.NATIONAL, F.VARIANTS[0])], work / "form.xlsx")
    doc = builder.soffice_convert([seed_files["docx-text"]], "doc", work)[0]
    sources = {"docx": [seed_files["docx-text"], family_files["docx/national_project/plain"]],
               "pdf": [seed_files["pdf-text"], family_files["pdf/provincial_10_90/plain"]],
               "xlsx": [xlsx], "doc": [doc]}
    n = 0
    for fmt, paths in sources.items():
        zipped = fmt in ("docx", "xlsx")
        kinds = ["truncate", "flip"] + (["version", "stream", "part"] if zipped else [])
        for path in paths:
            data = path.read_bytes()
            for kind in kinds:
                for _ in range(2 if kind in ("flip", "part") else 1):
                    if kind == "truncate":
                        mutant = _truncate(data, rng)
                    elif kind == "flip":
                        mutant = _flip(data, rng)
                    elif kind == "version":
                        mutant = _zip_version(data, rng)
                    elif kind == "stream":
                        mutant = _zip_stream(data, rng, work)
                    else:
                        mutant = _zip_part(data, rng, work)
                    (out / f"{n:03d}_{kind}.{fmt}").write_bytes(mutant)
                    n += 1
    return out


def test_no_damaged_file_ends_the_batch(mutants, tmp_path):
    db = tmp_path / "w.duckdb"
    n = len(list(mutants.iterdir()))
    run = subprocess.run(JIXIAO + ["ingest", str(mutants), "--db", str(db), "--json", "--timeout", "30"],
                         capture_output=True, text=True, timeout=900, env=dict(os.environ, JIXIAO_OCR="0"))
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["files"] == n and summary["stored"] == n
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT path, status, error, error_kind FROM documents").fetchall()
    finally:
        con.close()
    assert len(rows) == n
    for path, status, error, kind in rows:
        assert status in ("ok", "not_report", "failed"), path
        if status == "failed":
            assert error and error.endswith(".") and "\n" not in error and len(error) < 300, (path, error)
            assert "Traceback" not in error and kind in ("file", "unexpected", "timeout", "crash", "memory", "store"), (path, kind)
            assert "Error:" not in error and "Error)" not in error, (path, error)  # a sentence, not an exception's name
