"""The cross-year archive (three years, a renamed unit, abbreviated names) ingested once a session: the linking and
export tests read it, and change only copies of it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from jixiao.cli import main
from tests.fixtures import builder
from tests.fixtures import families as F


@pytest.fixture(scope="session")
def cross_year_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("years")
    for name, blocks in F.cross_year_archive().items():
        builder.write_docx(blocks, folder / name)
    db = tmp_path_factory.mktemp("db") / "w.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db
