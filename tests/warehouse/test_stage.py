"""A stage named wrongly is one sentence, and no empty warehouse is left behind."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from jixiao.cli import main


@pytest.mark.parametrize("what", ["missing", "a file", "a folder that is no stage"])
def test_load_and_query_refuse_what_is_not_a_stage(tmp_path, what):
    path = tmp_path / "stage"
    if what == "a file":
        path.write_bytes(b"%PDF-1.7\n")
    elif what == "a folder that is no stage":
        path.mkdir()
        (path / "report.docx").write_bytes(b"PK")
    db = tmp_path / "w.duckdb"
    run = CliRunner().invoke(main, ["load", str(path), "--db", str(db)])
    expected = "There is no stage at" if what == "missing" else "is not a stage (it has no manifest/ folder)"
    assert run.exit_code == 2 and expected in run.output
    assert not db.exists()
    run = CliRunner().invoke(main, ["query", "--stage", str(path), "SELECT 1"])
    assert run.exit_code == 2 and expected in run.output


def test_query_reads_a_stage_or_a_warehouse_not_both(tmp_path):
    run = CliRunner().invoke(main, ["query", "--stage", str(tmp_path), "--db", str(tmp_path / "w.duckdb"), "SELECT 1"])
    assert run.exit_code == 2 and "Give --stage or --db, not both" in run.output


@pytest.fixture()
def stage(seed_files, tmp_path):
    """A stage of one shard, written by the code a Ray reader writes with (no Ray needed for that)."""
    from jixiao.ingest.reading import read_file
    from jixiao.warehouse import FileStat, Pending
    from jixiao.warehouse.stage import Stage

    path = seed_files["docx-text"]
    st = path.stat()
    staged = Stage(tmp_path / "stage")
    staged.write("s0001", [Pending(read_file(path), FileStat(str(path), st.st_size, st.st_mtime_ns), st.st_size)])
    return tmp_path / "stage"


def test_query_on_a_stage_cannot_write_into_it(stage):
    """EXPLAIN ANALYZE runs what it explains: a COPY inside it is refused like a bare COPY."""
    target = stage / "shards" / "s0001" / "reports.parquet"
    before = target.read_bytes()
    for sql in (
        f"EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{target}' (FORMAT parquet)",
        f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{stage}/manifest/forged.json'",
        "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
    ):
        run = CliRunner().invoke(main, ["query", "--stage", str(stage), sql])
        assert run.exit_code == 2 and "only reads" in run.output, run.output
    assert target.read_bytes() == before and sorted(p.name for p in (stage / "manifest").iterdir()) == ["s0001.json"]
    ok = CliRunner().invoke(main, ["query", "--stage", str(stage), "EXPLAIN ANALYZE SELECT count(*) FROM reports"])
    assert ok.exit_code == 0, ok.output


def test_a_manifest_or_shard_that_is_not_ours_is_refused_with_a_sentence(stage, tmp_path):
    db = tmp_path / "w.duckdb"
    (stage / "manifest" / "junk.json").write_text('{"x": 1}', encoding="utf-8")
    for args in (["load", str(stage), "--db", str(db)], ["query", "--stage", str(stage), "SELECT 1"]):
        run = CliRunner().invoke(main, args)
        assert run.exit_code == 2 and "is not one jixiao wrote" in run.output and "Traceback" not in run.output, run.output
    (stage / "manifest" / "junk.json").unlink()
    table = stage / "shards" / "s0001" / "funding.parquet"
    table.write_bytes((stage / "shards" / "s0001" / "flags.parquet").read_bytes())  # another table's file in its place
    run = CliRunner().invoke(main, ["load", str(stage), "--db", str(db)])
    assert run.exit_code == 2 and "has a funding table other than the one it was written with" in run.output, run.output
    from tests.helpers import rows

    assert rows(db, "SELECT count(*) FROM reports") == [(0,)]  # nothing of the shard was stored
