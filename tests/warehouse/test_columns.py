"""One column source: the model's records declare the warehouse columns; every table a migration
made has exactly them, plus the columns the warehouse itself manages. A new column is one field in
jixiao/base/model.py and one migration; this test fails when either is missing."""

from __future__ import annotations

import pytest

from jixiao.base.model import DOCUMENT_COLUMNS, REPORT_COLUMNS, REPORT_TABLES, UNREAD_COLUMNS, record_columns
from jixiao.warehouse import connect
from jixiao.warehouse.export import EXPORTED

# Columns the warehouse fills itself (when a row is written, what linking and rules decide).
MANAGED = {"documents": {"ingested_at", "replaced_by", "rules_checked"}, "reports": {"project_key", "duplicate_of"}}


def _model_columns() -> dict[str, list[str]]:
    tables = {"documents": list(DOCUMENT_COLUMNS), "unread": list(UNREAD_COLUMNS), "reports": ["report_id", "doc_id", "ordinal", *REPORT_COLUMNS]}
    tables.update({t: record_columns(t) for t in REPORT_TABLES})
    return tables


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("cols") / "w.duckdb")
    yield con
    con.close()


@pytest.mark.parametrize("table", list(_model_columns()))
def test_each_table_has_the_models_columns(con, table):
    described = [name for name, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
    expected = _model_columns()[table]
    assert [c for c in described if c not in MANAGED.get(table, set())] == expected
    assert set(described) - set(expected) == MANAGED.get(table, set())


def test_every_stored_table_is_exported(con):
    stored = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()}
    housekeeping = {"schema_version", "file_index", "pending", "settings", "acknowledged", "link_index", "link_pending", "link_state"}
    assert stored - housekeeping <= set(EXPORTED)
    views = {name for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views <= set(EXPORTED)
