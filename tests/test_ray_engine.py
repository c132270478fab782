"""Ingest on Ray (a local Ray of two CPUs, no cluster): the warehouse equals the local engine's, table
by table; a reader killed mid-run and a driver killed mid-run change nothing; loading a stage twice
adds nothing; a stage can be queried before it is loaded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.fixtures import builder
from tests.helpers import rows, table_digests
from tests.warehouse.test_archive import _scanned_pdf

pytestmark = [pytest.mark.ray, pytest.mark.slow]

pytest.importorskip("ray", reason="the ray extra is installed by scripts/setup")

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
ENV = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(JIXIAO + list(args), capture_output=True, text=True, timeout=timeout, env=ENV)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(JIXIAO + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)


@pytest.fixture(scope="module")
def mixed_archive(seed_files, family_files, tmp_path_factory) -> Path:
    """docx, PDF, a bundle, a .doc, a scanned page, the same bytes twice, a notice, and bad files."""
    root = tmp_path_factory.mktemp("mixed")
    work = tmp_path_factory.mktemp("mixed_work")
    shutil.copy(seed_files["docx-text"], root / "seed.docx")
    shutil.copy(seed_files["pdf-wingdings"], root / "seed.pdf")
    (root / "copies").mkdir()
    shutil.copy(seed_files["pdf-wingdings"], root / "copies" / "seed_again.pdf")
    shutil.copy(family_files["pdf/bundle"], root / "bundle.pdf")
    shutil.copy(family_files["docx/notice"], root / "notice.docx")
    [doc] = builder.soffice_convert([family_files["docx/national_project/plain"]], "doc", work)
    shutil.copy(doc, root / "national.doc")
    _scanned_pdf(seed_files["pdf-text"], root / "scanned.pdf", work)
    pdf = seed_files["pdf-text"].read_bytes()
    (root / "truncated.pdf").write_bytes(pdf[: len(pdf) // 4])
    (root / "random.docx").write_bytes(os.urandom(4096))
    return root


@pytest.fixture(scope="module")
def local_run(mixed_archive, tmp_path_factory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("local") / "w.duckdb"
    run = _run("ingest", str(mixed_archive), "--db", str(db), "--jobs", "2", "--json")
    assert run.returncode == 1, run.stderr  # the two bad files
    return db, json.loads(run.stdout)


@pytest.fixture(scope="module")
def local_db(local_run) -> Path:
    return local_run[0]


@pytest.fixture(scope="module")
def ray_run(mixed_archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("ray")
    db, stage = out / "w.duckdb", out / "stage"
    run = _run("ingest", str(mixed_archive), "--db", str(db), "--engine", "ray", "--jobs", "2", "--stage", str(stage), "--json")
    assert run.returncode == 1, run.stderr
    return db, stage, json.loads(run.stdout)


def test_ray_warehouse_equals_the_local_one(local_run, ray_run):
    db, stage, summary = ray_run
    local_db, local = local_run
    assert table_digests(db) == table_digests(local_db)
    assert summary["status"] == local["status"] and sum(summary["status"].values()) == 8
    assert summary["already_stored"] == local["already_stored"] == 1  # the copy: one document, two paths
    assert summary["reports"] == local["reports"] and summary["pages"] == local["pages"]
    assert sorted(Path(f["path"]).name for f in summary["failures"]) == ["random.docx", "truncated.pdf"]
    manifests = list((stage / "manifest").glob("*.json"))
    assert manifests and all((stage / "shards" / m.stem / "documents.parquet").exists() for m in manifests)


def test_loading_a_stage_again_adds_nothing(ray_run, tmp_path):
    db, stage, _ = ray_run
    copy = tmp_path / "again.duckdb"
    shutil.copyfile(db, copy)
    before = table_digests(copy)
    run = _run("load", str(stage), "--db", str(copy))
    assert run.returncode == 0, run.stderr
    assert "0 documents written" in run.stdout
    assert table_digests(copy) == before
    # into a new warehouse, the stage alone gives the same tables but the path recorded outside it
    fresh = tmp_path / "fresh.duckdb"
    assert _run("load", str(stage), "--db", str(fresh)).returncode == 0
    expected, got = table_digests(db), table_digests(fresh)
    for table in ("documents", "reports", "funding", "indicators", "fields", "findings", "projects"):
        assert got[table] == expected[table], table


def test_a_stage_is_queried_without_loading_and_stays_inside(ray_run):
    db, stage, _ = ray_run
    run = _run("query", "--stage", str(stage), "--format", "json", "SELECT status, count(*) AS n FROM documents GROUP BY 1 ORDER BY 1")
    assert run.returncode == 0, run.stderr
    assert {row["status"]: row["n"] for row in json.loads(run.stdout)} == summary_status(db)
    spent = _run("query", "--stage", str(stage), "--format", "csv", "SELECT DISTINCT spent_yuan FROM reports WHERE project_name LIKE '政务服务%'")
    assert spent.stdout.split() == ["spent_yuan", "944400.00"]
    refused = _run("query", "--stage", str(stage), "SELECT * FROM read_text('/etc/passwd')")
    assert refused.returncode == 2 and "outside" in refused.stderr


def summary_status(db) -> dict[str, int]:
    return dict(rows(db, "SELECT status, count(*) FROM documents GROUP BY 1"))


def _readers() -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any("StageReader" in part for part in p.info["cmdline"] or []):
                out.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def test_a_reader_killed_mid_run_changes_nothing(mixed_archive, local_db, tmp_path):
    db, stage = tmp_path / "w.duckdb", tmp_path / "stage"
    driver = _start(
        "ingest", str(mixed_archive), "--db", str(db), "--engine", "ray", "--jobs", "2", "--stage", str(stage), "--shard-files", "2", "--json"
    )
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and driver.poll() is None:
        busy = [p for p in _readers() if p.cpu_percent(interval=0.2) > 5]  # reading a file right now
        if busy:
            killed = busy[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.1)
    out, err = driver.communicate(timeout=600)
    assert killed is not None, "no reader was caught reading"
    assert driver.returncode == 1, err
    assert table_digests(db) == table_digests(local_db)
    assert sorted(Path(f["path"]).name for f in json.loads(out)["failures"]) == ["random.docx", "truncated.pdf"]


def test_a_driver_killed_mid_run_resumes_from_the_manifest(mixed_archive, local_db, tmp_path):
    db, stage = tmp_path / "w.duckdb", tmp_path / "stage"
    args = ("ingest", str(mixed_archive), "--db", str(db), "--engine", "ray", "--jobs", "1", "--stage", str(stage), "--shard-files", "1", "--json")
    driver = _start(*args)
    deadline = time.monotonic() + 180
    while not list((stage / "manifest").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the Ray it started
    driver.communicate()
    done_before = {f["path"] for m in (stage / "manifest").glob("*.json") for f in json.loads(m.read_text())["files"]}
    assert done_before, "no shard was finished before the kill"
    run = _run(*args)
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)
    assert summary["staged"] == len(done_before)  # not read again
    staged_files = [f["path"] for m in (stage / "manifest").glob("*.json") for f in json.loads(m.read_text())["files"]]
    assert len(staged_files) == len(set(staged_files))  # no file in two shards
    assert table_digests(db) == table_digests(local_db)


def test_without_ray_the_engine_says_how_to_get_it(mixed_archive, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from jixiao.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    run = CliRunner().invoke(main, ["ingest", str(mixed_archive), "--db", str(tmp_path / "w.duckdb"), "--engine", "ray"])
    assert run.exit_code == 2 and "pip install 'jixiao[ray]'" in run.output


def test_a_file_over_its_time_limit_fails_with_the_local_sentence(slow_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(slow_pdf, folder / "seed.pdf")
    failures = {}
    for engine in ("local", "ray"):
        run = _run(
            "ingest", str(folder), "--db", str(tmp_path / f"{engine}.duckdb"), "--engine", engine, "--jobs", "1", "--timeout", "0.001", "--json"
        )
        assert run.returncode == 1, run.stderr
        failures[engine] = sorted((Path(f["path"]).name, f["error"]) for f in json.loads(run.stdout)["failures"])
    assert failures["ray"] == failures["local"]
    [(name, error)] = failures["ray"]  # 66 pages at 1 ms a page: never enough
    assert name == "seed.pdf" and error.startswith("Reading the file took longer than 0.066 s")
