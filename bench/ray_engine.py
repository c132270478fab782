"""Ray engine benchmark, run by hand (never in the test suite):

    .venv/bin/python bench/ray_engine.py [--files 120] [--out bench/out/ray] [--reuse]

Generates a mixed archive (bench/archive.py's generator: .docx, LibreOffice PDFs, bundles), then
ingests it with the local engine (1 and 2 reader processes) and with the Ray engine on a Ray of this
machine (1 and 2 readers), each into a new warehouse. Prints files/s, pages/s, wall time, the Ray
engine's overhead per file over the local engine at the same width, the shard sizes, and the load
time; every run's tables are compared with the local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.archive import generate  # noqa: E402
from tests.helpers import table_digests  # noqa: E402

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
ENV = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")


def same_tables(a: Path, b: Path) -> str:
    """Whether two warehouses hold the same rows. Which of two copies of a report read in the same run
    is the original (duplicate_of) follows the order they were stored in, so reports are compared
    without it, and by how many copies each has."""
    import duckdb

    da, db_ = table_digests(a), table_digests(b)
    if da == db_:
        return "same as local-1"
    if [k for k in da if da[k] != db_[k]] != ["reports"]:
        return "DIFFERENT"
    rows = []
    for path in (a, b):
        con = duckdb.connect(str(path), read_only=True)
        rows.append(
            (
                con.execute("SELECT * EXCLUDE (duplicate_of) FROM reports ORDER BY ALL").fetchall(),
                con.execute("SELECT count(duplicate_of) FROM reports").fetchone(),
            )
        )
        con.close()
    return "same as local-1 (another copy taken as the original)" if rows[0] == rows[1] else "DIFFERENT"


def run(archive: Path, out: Path, name: str, *args: str) -> dict:
    db = out / f"{name}.duckdb"
    stage = out / f"{name}.stage"
    for old in (db, stage):
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    t0 = time.perf_counter()
    done = subprocess.run(
        JIXIAO + ["ingest", str(archive), "--db", str(db), "--json", *args] + (["--stage", str(stage)] if "ray" in args else []),
        capture_output=True,
        text=True,
        env=ENV,
    )
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{name} failed: {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    shards = sorted((stage / "shards").glob("*")) if stage.exists() else []
    sizes = [sum(f.stat().st_size for f in s.glob("*.parquet")) for s in shards]
    return {"name": name, "db": db, "wall": wall, "summary": summary, "shards": len(shards), "shard_bytes": sizes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ray")
    parser.add_argument("--reuse", action="store_true", help="keep the archive of an earlier run")
    args = parser.parse_args()
    archive = args.out / "archive"
    if not (args.reuse and archive.exists()):
        shutil.rmtree(archive, ignore_errors=True)
        generate(archive, args.files)
    files = sum(1 for p in archive.rglob("*") if p.is_file() and p.suffix in (".docx", ".pdf"))
    print(f"machine: {os.cpu_count()} cores; archive: {files} files under {archive}")

    runs = [
        run(archive, args.out, "local-1", "--jobs", "1"),
        run(archive, args.out, "local-2", "--jobs", "2"),
        run(archive, args.out, "ray-1", "--engine", "ray", "--jobs", "1"),
        run(archive, args.out, "ray-2", "--engine", "ray", "--jobs", "2"),
        run(archive, args.out, "ray-2x32", "--engine", "ray", "--jobs", "2", "--shard-files", "32"),
    ]
    print(
        f"\n{'run':8} {'wall s':>7} {'files/s':>8} {'pages/s':>8} {'hash s':>7} {'ray s':>6} {'load s':>7} {'rules s':>7} "
        f"{'shards':>6} {'KB/shard':>9} {'KB/doc':>7}  tables"
    )
    for r in runs:
        s = r["summary"]
        pages = s["pages"]
        kb = sum(r["shard_bytes"]) / 1024
        same = same_tables(runs[0]["db"], r["db"])
        sec = s["seconds"]
        print(
            f"{r['name']:8} {r['wall']:7.1f} {files / r['wall']:8.2f} {pages / r['wall']:8.1f} {sec.get('hash', 0):7.2f} "
            f"{sec.get('ray', 0):6.1f} {sec.get('load', 0):7.2f} {sec.get('rules', 0) + sec.get('link', 0):7.2f} "
            f"{r['shards']:6} {kb / max(1, r['shards']):9.1f} {kb / max(1, s['stored']):7.1f}  {same}"
        )
    for r in runs[2:]:
        s = r["summary"]
        print(
            f"{r['name']}: load {1000 * s['seconds'].get('load', 0) / max(1, s['stored']):.1f} ms a document; "
            f"plan (hashing every file on the driver) {1000 * s['seconds'].get('hash', 0) / files:.1f} ms a file"
        )
    by = {r["name"]: r["wall"] for r in runs}
    for width in ("1", "2"):
        extra = (by[f"ray-{width}"] - by[f"local-{width}"]) / files
        print(
            f"Ray overhead at {width} reader(s): {extra * 1000:.0f} ms a file over the local engine "
            f"(Ray start and stop, actors, shards and load included)"
        )
    print(f"local speed-up 1→2: {by['local-1'] / by['local-2']:.2f}×; Ray speed-up 1→2: {by['ray-1'] / by['ray-2']:.2f}×")


if __name__ == "__main__":
    main()
