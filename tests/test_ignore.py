"""Failures someone accepted (jixiao ignore): listed in every summary, no longer counted for the exit code,
not read again by themselves; a changed file is new again, and the acceptance can be taken back."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jixiao.cli import main


def _ingest(runner, folder, db, *extra):
    result = runner.invoke(main, ["ingest", str(folder), "--db", str(db), "--json", *extra])
    return result.exit_code, json.loads(result.output)


@pytest.mark.slow
def test_an_accepted_failure_is_listed_and_the_ingest_exits_0(seed_files, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "seed.docx").write_bytes(seed_files["docx-text"].read_bytes())
    damaged = folder / "damaged.docx"
    damaged.write_bytes(b"PK\x03\x04 not a whole zip")
    db = tmp_path / "w.duckdb"
    runner = CliRunner()

    code, first = _ingest(runner, folder, db)
    assert code == 1 and [f["path"] for f in first["failures"]] == [str(damaged)]

    refused = runner.invoke(main, ["ignore", str(damaged), "--db", str(db)])
    assert refused.exit_code == 2 and "--reason" in refused.output
    not_failed = runner.invoke(main, ["ignore", str(folder / "seed.docx"), "--reason", "x", "--db", str(db)])
    assert not_failed.exit_code == 2 and "Only a failed file can be ignored" in not_failed.output
    accepted = runner.invoke(main, ["ignore", str(damaged), "--reason", "原件损坏，已向单位索要", "--by", "审核员", "--db", str(db)])
    assert accepted.exit_code == 0, accepted.output
    assert "原件损坏，已向单位索要" in accepted.output and "damaged.docx" in accepted.output

    code, again = _ingest(runner, folder, db, "--retry-failed")  # read again, fails again: accepted all the same
    assert code == 0 and again["failures"] == []
    assert [(a["path"], a["reason"]) for a in again["acknowledged"]] == [(str(damaged), "原件损坏，已向单位索要")]
    text = runner.invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert text.exit_code == 0 and "failed, accepted:" in text.output and "原件损坏" in text.output
    listed = runner.invoke(main, ["ignore", "--list", "--db", str(db)])
    assert "1 accepted failure" in listed.output and "审核员" in listed.output

    damaged.write_bytes(b"PK\x03\x04 another damaged zip")  # other bytes: a new failure, not the one accepted
    code, changed = _ingest(runner, folder, db)
    assert code == 1 and [f["path"] for f in changed["failures"]] == [str(damaged)] and changed["acknowledged"] == []

    damaged.write_bytes(b"PK\x03\x04 not a whole zip")
    assert _ingest(runner, folder, db)[0] == 0
    taken_back = runner.invoke(main, ["ignore", str(damaged), "--undo", "--db", str(db)])
    assert taken_back.exit_code == 0 and "1 accepted failure taken back" in taken_back.output
    assert _ingest(runner, folder, db)[0] == 1
