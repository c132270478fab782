"""Kill an ingest at any moment, run it again: the warehouse equals a clean run's, table by table and
value by value; no reader outlives the killed process and no scratch folder outlives the rerun.

The kill points are the progress lines an operator sees: before the first file, after each kth
file is stored, after the last one, and while rules are checked and projects linked.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import VOLATILE, copy_groups, table_digests

pytestmark = [pytest.mark.slow]

# Which of two copies of a report is the original (duplicate_of) is the one stored first: two readers
# finish them in either order, in a clean run as in a killed one. The copies must be the same.
COPY_BLIND = {**VOLATILE, "reports": ["duplicate_of"]}

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


@pytest.fixture(scope="module")
def archive(seed_files, family_files, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    picks = [k for k in family_files if k.startswith("docx/") and k.endswith(("/plain", "bundle", "notice"))]
    for key in picks + ["pdf/national_project/plain"]:
        shutil.copy(family_files[key], folder / f"{key.replace('/', '_')}{family_files[key].suffix}")
    for key in ("docx-text", "docx-wingdings", "pdf-text"):
        shutil.copy(seed_files[key], folder / f"seed_{key}{seed_files[key].suffix}")
    (folder / "damaged.docx").write_bytes(seed_files["docx-text"].read_bytes()[:3000])
    return folder


def _env(tmp: Path) -> dict[str, str]:
    # commit every 2 documents so kills land between commits; scratch in a folder the test can watch
    return dict(os.environ, JIXIAO_COMMIT_EVERY="2", TMPDIR=str(tmp))


@pytest.fixture(scope="module")
def clean(archive, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    db = tmp / "clean.duckdb"
    run = subprocess.run(
        JIXIAO + ["ingest", str(archive), "--db", str(db), "--jobs", "2"], capture_output=True, text=True, timeout=600, env=_env(tmp)
    )
    assert run.returncode == 1, run.stderr  # damaged.docx
    return table_digests(db, volatile=COPY_BLIND), copy_groups(db)


def _kill_at(archive: Path, db: Path, tmp: Path, marker: str, sig: int) -> tuple[list[int], bool]:
    """Start an ingest, send sig to it alone (not its readers) when stderr shows marker; return the
    pids of its readers and whether the marker was met before it finished."""
    proc = subprocess.Popen(
        JIXIAO + ["ingest", str(archive), "--db", str(db), "--jobs", "2"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=_env(tmp)
    )
    children: list[int] = []
    met = False
    for line in proc.stderr:
        try:
            children = sorted({c.pid for c in psutil.Process(proc.pid).children(recursive=True)} | set(children))
        except psutil.NoSuchProcess:
            pass
        if marker in line:
            met = True
            proc.send_signal(sig)
            break
    proc.wait(60)
    proc.stderr.close()
    return children, met


def _alive(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + 10
    while True:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


# (progress line to kill at, signal): spread over the whole run
POINTS = [
    ("files to look at", signal.SIGKILL),
    ("[1/", signal.SIGKILL),
    ("[2/", signal.SIGKILL),
    ("[3/", signal.SIGTERM),
    ("[5/", signal.SIGKILL),
    ("[7/", signal.SIGINT),
    ("[9/", signal.SIGKILL),
    ("[11/", signal.SIGKILL),
    ("[12/", signal.SIGKILL),
    ("checking rules", signal.SIGKILL),
    ("linking projects", signal.SIGKILL),
]


@pytest.mark.parametrize("marker,sig", POINTS, ids=[f"{m.strip('[/')}-{s.name}" for m, s in POINTS])
def test_kill_then_rerun_equals_a_clean_run(archive, clean, tmp_path, marker, sig):
    n_files = len(list(archive.iterdir()))
    assert n_files == 12  # the markers above are spread over these
    db = tmp_path / "killed.duckdb"
    readers, met = _kill_at(archive, db, tmp_path, marker, sig)
    assert met, f"the run ended before {marker!r}"
    assert _alive(readers) == [], "readers outlived the killed ingest"
    rerun = subprocess.run(
        JIXIAO + ["ingest", str(archive), "--db", str(db), "--jobs", "2"], capture_output=True, text=True, timeout=600, env=_env(tmp_path)
    )
    assert rerun.returncode == 1, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert (table_digests(db, volatile=COPY_BLIND), copy_groups(db)) == clean
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("jixiao-")]
    assert leftovers == [], "scratch folders of the killed run were not removed by the rerun"
