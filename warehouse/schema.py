"""The warehouse schema (../shared/SCHEMA.md): numbered migrations, so old files upgrade in place, and
the current views.

Each migration is a file of `migrations/`, `NNNN_name.sql`, frozen once it has shipped: a warehouse that
ran it never runs it again, so editing it would give fresh and upgraded warehouses different schemas.
A change is a new file. The views live in `views.sql`, re-applied by `migrate()` on every writable open,
so every warehouse, however old, reads the views of the code that opened it.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import duckdb

from jixiao.base.db import one_value, transaction

MONEY = "DECIMAL(18,2)"
RATE = "DECIMAL(9,2)"

# Values a person may correct (jixiao correct), with their column types. A correction never
# overwrites what was read: it is a row of `corrections`, and v_reports (views.sql) shows reports with
# the latest correction of each value applied (NULL included), naming them in corrected_columns.
CORRECTABLE: dict[str, str] = {
    "fiscal_year": "INTEGER",
    "region": "VARCHAR",
    "project_name": "VARCHAR",
    "department": "VARCHAR",
    "implementing_unit": "VARCHAR",
    "budget_initial_yuan": MONEY,
    "budget_adjusted_yuan": MONEY,
    "received_yuan": MONEY,
    "spent_yuan": MONEY,
    "execution_rate_pct": RATE,
    "score_total": RATE,
    "score_max": RATE,
    "grade": "VARCHAR",
    "execution_score": RATE,
    "execution_score_max": RATE,
}

_MIGRATION_FILE = re.compile(r"(\d{4})_\w+\.sql")


def _packaged(name: str) -> str:
    return resources.files("jixiao.warehouse").joinpath(name).read_text(encoding="utf-8")


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("jixiao.warehouse").joinpath("migrations")
    found = sorted((int(m[1]), entry.read_text(encoding="utf-8")) for entry in folder.iterdir() if (m := _MIGRATION_FILE.fullmatch(entry.name)))
    assert [n for n, _ in found] == list(range(1, len(found) + 1)), "migrations are numbered 1, 2, 3 … without gaps"
    return found


MIGRATIONS: list[tuple[int, str]] = _migrations()
SCHEMA_VERSION = MIGRATIONS[-1][0]
VIEWS = _packaged("views.sql")
VIEW_NAMES: tuple[str, ...] = tuple(re.findall(r"CREATE OR REPLACE VIEW (\w+)", VIEWS))
# Which views.sql a warehouse's views came from, kept as the first view's comment: a warehouse whose
# stamp differs gets the current views, and a read-only opener can tell that it needs them.
VIEWS_STAMP = f"views {hashlib.sha1(VIEWS.encode()).hexdigest()[:16]}"


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, upto: int = SCHEMA_VERSION) -> int:
    """Bring a warehouse up to version upto (the current one unless a test builds an old warehouse),
    each migration in one transaction with its version bump, then apply the current views; return
    the version it is at."""
    version = current_version(con)
    for number, sql in MIGRATIONS:
        if number <= version or number > upto:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [number])
        version = number
    if upto == SCHEMA_VERSION and _views_stamp(con) != VIEWS_STAMP:
        with transaction(con):
            con.execute(VIEWS)
            con.execute(f"COMMENT ON VIEW {VIEW_NAMES[0]} IS '{VIEWS_STAMP}'")
    return version


def _views_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ? AND NOT internal", [VIEW_NAMES[0]]).fetchone()
    return row[0] if row else None


def needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a warehouse made by an older jixiao lacks migrations or the current views; asks nothing a
    read-only connection cannot. A file jixiao did not make, or a newer one's, needs nothing from us."""
    try:
        version = one_value(con.execute("SELECT max(version) FROM schema_version"))
    except duckdb.CatalogException:
        return False
    return version is not None and (version < SCHEMA_VERSION or (version == SCHEMA_VERSION and _views_stamp(con) != VIEWS_STAMP))
