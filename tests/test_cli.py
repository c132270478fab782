"""Every command explains itself with an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from jixiao.cli import main


@pytest.mark.parametrize("command", sorted(main.commands))
def test_help_has_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"jixiao {command}" in result.output


def test_usage_error_exit_code(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "missing")])
    assert result.exit_code == 2


def test_a_bad_commit_group_setting_is_a_usage_error(seed_files, tmp_path):
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(seed_files["docx-text"]), "--db", str(db)], env={"JIXIAO_COMMIT_EVERY": "ten"})
    assert result.exit_code == 2 and "JIXIAO_COMMIT_EVERY must be a whole number" in result.output
    assert not db.exists()  # said before any work
    ok = CliRunner().invoke(main, ["ingest", str(seed_files["docx-text"]), "--db", str(db)], env={"JIXIAO_COMMIT_EVERY": "1"})
    assert ok.exit_code == 0 and "1 read (1 ok" in ok.output
