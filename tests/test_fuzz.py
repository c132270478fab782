"""Damaged and odd files, as real archives hold them, never end a batch: a corpus of mutants of the
fixtures (tests/fuzz/corpus.py: bytes flipped or cut off, zip headers, streams and parts damaged, members
flagged encrypted or packed by bzip2/lzma, size fields that lie, XML attributes and values no writer
makes, pages whose contents are damaged) drawn with a fixed seed and ingested together. Every file ends
stored with one status; every failure is one sentence about the file, never a reader's own fault
(error_kind 'unexpected') nor a traceback; a file with one odd value is kept.

JIXIAO_FUZZ mutants a run: 300 in CI (about a minute on two cores); raise it for a longer hunt by hand,
e.g. JIXIAO_FUZZ=3000 (JIXIAO_FUZZ_SEED draws another corpus).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.fuzz import corpus

pytestmark = [pytest.mark.slow]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
SEED = int(os.environ.get("JIXIAO_FUZZ_SEED", "20261127"))
N_MUTANTS = int(os.environ.get("JIXIAO_FUZZ", "300"))


@pytest.fixture(scope="module")
def mutants(seed_files, family_files, tmp_path_factory) -> tuple[Path, dict[str, corpus.Mutant]]:
    from tests.fixtures import builder
    from tests.fixtures import families as F

    work = tmp_path_factory.mktemp("fuzzwork")
    out = tmp_path_factory.mktemp("mutants")
    sources = [seed_files["docx-text"], seed_files["docx-wingdings"], seed_files["pdf-text"]]
    sources += [family_files[f"{fmt}/{family}/plain"] for fmt in ("docx", "pdf") for family in ("national_project", "score_20_80")]
    sources += [family_files["docx/bundle"], family_files["pdf/bundle"]]
    sources += [
        builder.write_xlsx([F.national_document(F.NATIONAL, F.VARIANTS[0])], work / "national.xlsx"),
        builder.write_xlsx([F.provincial_document(F.PROVINCIAL, F.VARIANTS[0])], work / "provincial.xlsx"),
    ]
    made = corpus.write(corpus.mutants(sources, N_MUTANTS, SEED), out)
    # a few legacy .doc files cut short or with flipped bytes (each costs a LibreOffice conversion)
    doc = builder.soffice_convert([seed_files["docx-text"]], "doc", work)[0].read_bytes()
    rng = random.Random(SEED)
    for i, mutate in enumerate([corpus.truncate, corpus.flip, corpus.flip]):
        data, odd = mutate(doc, rng)
        made.update(corpus.write([corpus.Mutant(f"doc{i}_{mutate.__name__}", data, ".doc", odd)], out))
    return out, made


def test_no_damaged_or_odd_file_ends_the_batch_or_fails_for_one_value(mutants, tmp_path):
    folder, made = mutants
    db = tmp_path / "w.duckdb"
    run = subprocess.run(
        JIXIAO + ["ingest", str(folder), "--db", str(db), "--json", "--timeout", "30", "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=1800,
        env=dict(os.environ, JIXIAO_OCR="0"),
    )
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.stdout.startswith("{"), run.stderr[-3000:]  # the summary, not a sentence that ended the batch
    summary = json.loads(run.stdout)
    # mutants that came out byte for byte alike are one document with two paths
    assert summary["files"] == summary["stored"] + summary["already_stored"] == len(made)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT p.path, d.status, d.error, d.error_kind, d.error_detail FROM document_paths p JOIN documents d USING (doc_id)"
        ).fetchall()
    finally:
        con.close()
    assert sorted(Path(p).name for p, *_ in rows) == sorted(made)  # every file once, with one status
    unexpected, lost = [], []
    for path, status, error, kind, detail in rows:
        name = Path(path).name
        assert status in ("ok", "not_report", "failed"), name
        if status != "failed":
            continue
        assert error and error.endswith(".") and "\n" not in error and len(error) < 300, (name, error)
        assert "Error:" not in error and "Error)" not in error and "XML_PARSE" not in error, (name, error)  # words, not internals
        if kind != "file":
            unexpected.append((name, kind, detail))
        if made[name].odd_value:
            lost.append((name, error))
    assert unexpected == [], f"{len(unexpected)} of {len(made)} files failed for a reason not their own: {unexpected[:10]}"
    assert lost == [], f"{len(lost)} of {sum(m.odd_value for m in made.values())} files failed for one odd value: {lost[:10]}"
