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
