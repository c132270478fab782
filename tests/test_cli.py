"""Every command explains itself with an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from jixiao.cli import main


@pytest.mark.parametrize("command", ["ingest", "show", "query", "check", "labels", "link", "export"])
def test_help_has_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"jixiao {command}" in result.output


def test_usage_error_exit_code(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "missing")])
    assert result.exit_code == 2
