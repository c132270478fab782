"""Reader processes on real processes: they die with their parent however it ends, LibreOffice dies
with whoever started it, scratch folders of dead runs are removed, and running out of memory is a
sentence naming --memory-mb, never a traceback on the terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from decimal import Decimal
from pathlib import Path

import duckdb
import psutil
import pytest

from jixiao.base.scratch import make_scratch, remove_stale_scratch

ROOT = Path(__file__).resolve().parents[1]
JIXIAO = [sys.executable, "-m", "jixiao.cli"]

# A pool whose two workers block on FIFOs nobody writes; it prints their pids once, then waits.
POOL_PARENT = r"""
import sys
from jixiao.ingest.workers import WorkerPool

try:
    with WorkerPool(2, timeout_s=600) as pool:
        shown = False
        for result in pool.run([(path, "0" * 64, None) for path in sys.argv[1:]], heartbeat=True):
            if not shown:
                print(" ".join(map(str, pool.pids())), flush=True)
                shown = True
except KeyboardInterrupt:
    sys.exit(130)
"""

# A conversion that takes LibreOffice many seconds: a long plain text into .docx.
LO_PARENT = r"""
import sys
from pathlib import Path
from jixiao.extract.legacy import Converter

work = Path(sys.argv[1])
Converter(work).run([work / "long.txt"], "docx", work, 120)
"""


def _living(pids: list[int], within: float = 5.0) -> list[int]:
    """Those of pids still running (zombies are dead) after waiting up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass


def test_readers_started_before_the_plan_serve_it_and_the_spare_one_stops(seed_files):
    """An ingest starts its readers while it opens the warehouse and plans; a plan with fewer files
    than readers stops the rest at once, and one with none leaves none running."""
    from jixiao.base.model import doc_id_of
    from jixiao.ingest.workers import WorkerPool

    path = seed_files["docx-text"]
    with WorkerPool(2, timeout_s=600) as pool:
        pool.start()
        early = pool.pids()
        assert len(early) == 2
        results = [r for r in pool.run([(str(path), doc_id_of(path.read_bytes()), None)]) if r is not None]
        assert [(r.status, r.reports[0].spent_yuan) for r in results] == [("ok", Decimal("944400.00"))]
        serving = pool.pids()
        assert len(serving) == 1 and serving[0] in early
        assert _living([pid for pid in early if pid not in serving]) == []
    assert _living(early) == []
    with WorkerPool(2, timeout_s=600) as pool:
        pool.start()
        early = pool.pids()
        assert list(pool.run([])) == [] and pool.pids() == []
    assert _living(early) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill", "term", "int"])
def test_workers_die_with_their_parent(sig, tmp_path):
    fifos = [tmp_path / f"never-written-{i}" for i in range(2)]
    for fifo in fifos:
        os.mkfifo(fifo)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_PARENT, *map(str, fifos)],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=dict(os.environ, TMPDIR=str(scratch)),
    )
    family: list[int] = []
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2, parent.stderr.read()
        family = [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]  # workers, resource tracker
        assert set(workers) <= set(family)
        os.kill(parent.pid, sig)  # the parent alone: its readers lead process groups of their own
        parent.wait(30)
        assert _living(family) == []
        assert parent.stderr.read() == ""  # the readers printed nothing, killed as they were
        left = [folder.name for folder in scratch.iterdir()]
        if sig == signal.SIGINT:
            assert left == []  # the pool was closed: its folder is gone
        else:
            assert [name.startswith(f"jixiao-pool-{parent.pid}-") for name in left] == [True]  # no chance to clean up...
            assert remove_stale_scratch(scratch) == 1  # ...so the next run does
            assert list(scratch.iterdir()) == []
    finally:
        _kill_all(family)
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()
        parent.stderr.close()


def test_libreoffice_dies_with_whoever_started_it(tmp_path):
    (tmp_path / "long.txt").write_text("项目预算执行情况 第一项 123.00 万元\n" * 100_000, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, "-c", LO_PARENT, str(tmp_path)], cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    family: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not any(p.name() == "soffice.bin" for p in psutil.Process(parent.pid).children(recursive=True)):
            assert time.monotonic() < deadline and parent.poll() is None, "LibreOffice did not start"
            time.sleep(0.05)
        family = [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]  # guard, oosplash, soffice.bin
        parent.kill()
        parent.wait(10)
        assert _living(family) == []
    finally:
        _kill_all(family)
        if parent.poll() is None:
            parent.kill()


def test_stale_scratch_folders_go_and_living_ones_stay(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f"jixiao-pool-{gone.pid}-ab12_x"
        kept = [
            tmp_path / f"jixiao-ingest-{living.pid}-cd34ef",
            tmp_path / f"jixiao-lo-{os.getpid()}-gh56ij",
            tmp_path / "jixiao-ingest-41j51x3s",  # named before pids were: nobody can say it is stale
            tmp_path / f"other-pool-{gone.pid}-kl78",
            tmp_path / f"jixiao-{gone.pid}-mn90",
        ]
        for folder in [stale, *kept]:
            folder.mkdir()
            (folder / "inside.txt").write_text("x")
        not_a_folder = tmp_path / f"jixiao-pool-{gone.pid}-file"
        not_a_folder.write_text("x")
        assert remove_stale_scratch(tmp_path) == 1
        assert not stale.exists()
        assert all((folder / "inside.txt").exists() for folder in kept) and not_a_folder.exists()
    finally:
        living.kill()
        living.wait()


def test_make_scratch_names_the_process(tmp_path):
    folder = make_scratch("pool", tmp_path)
    assert folder.is_dir() and folder.parent == tmp_path
    assert folder.name.startswith(f"jixiao-pool-{os.getpid()}-")
    assert remove_stale_scratch(tmp_path) == 0  # this process lives


def _inflating_pdf(path: Path, mb: int) -> None:
    """A 1 MB one-page PDF whose content stream inflates to mb MB of spaces: reading it needs that much memory."""
    chunk = b" " * (1 << 20)
    comp = zlib.compressobj(9)
    head = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)  # independent of what came before: repeatable
    adler = 1
    for _ in range(mb):
        adler = zlib.adler32(chunk, adler)
    body = head + block * (mb - 1) + comp.flush()[:-4] + adler.to_bytes(4, "big")  # the checksum of all mb MB
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(out)


@pytest.mark.slow
def test_a_file_over_the_memory_cap_fails_with_a_sentence_and_no_traceback(tmp_path):
    pdf = tmp_path / "inflating.pdf"
    _inflating_pdf(pdf, 1500)
    db = tmp_path / "w.duckdb"
    run = subprocess.run(
        JIXIAO + ["ingest", str(pdf), "--db", str(db), "--memory-mb", "1024", "--jobs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TMPDIR=str(tmp_path)),
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr, run.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, error, kind = con.execute("SELECT status, error, error_kind FROM documents").fetchone()
    finally:
        con.close()
    assert (status, kind) == ("failed", "memory")
    assert error == "Reading the file needed more than the 1024 MB memory limit (--memory-mb) and was stopped."


@pytest.mark.slow
def test_a_ctrl_c_reaches_only_the_parent(tmp_path):
    """A reader ignores SIGINT from its first instruction: a Ctrl-C that lands while it starts (still in
    the terminal's process group) must not kill it with a traceback; the parent answers it."""
    script = (
        "import os, signal, sys, time\n"
        "from jixiao.ingest.workers import WorkerPool\n"
        "pool = WorkerPool(1, 5, 3072)\n"
        "pool._slots += pool._spawn(1)\n"
        "pid = pool.pids()[0]\n"
        "os.kill(pid, signal.SIGINT)\n"
        "time.sleep(0.5)\n"
        "print(pool._slots[0].process.is_alive())\n"
        "pool.close()\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "True" and run.stderr == "", run.stderr
