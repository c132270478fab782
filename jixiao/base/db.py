"""The helpers every stage that writes the warehouse uses: one transaction, one bulk insert, the
warehouse's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The one row an executed statement gives (aggregates, an INSERT … RETURNING): DuckDB types fetchone()
    as maybe None, which for these statements it never is."""
    row = result.fetchone()
    if row is None:
        raise LookupError("the statement gave no row")
    return row


def one_value(result: duckdb.DuckDBPyConnection) -> Any:
    """The first value of the one row an executed statement gives (see one_row)."""
    return one_row(result)[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: all of it is committed, or none of it when anything raises
    (a kill loses the whole block too: DuckDB's log replays only committed transactions)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # a failed COMMIT has already ended the transaction
            pass
        raise


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], rows: list[tuple], verb: str = "INSERT", conflict: str = "") -> None:
    """Insert rows with one statement: each column goes in as one list parameter and is unnested.

    DuckDB binds a multi-row VALUES list expression by expression (~75 µs a row here) and runs
    executemany row by row; a list per column costs a tenth of that. Decimals travel as their
    exact text and dates as ISO text; the INSERT casts them to the column's type.
    """
    if not rows:
        return
    columns = [[_exact(v) for v in column] for column in zip(*rows)]
    unnested = ", ".join(f"unnest(${i})" for i in range(1, len(cols) + 1))
    con.execute(f"{verb} INTO {table} ({', '.join(cols)}) SELECT {unnested} {conflict}", columns)


def _exact(value):
    return str(value) if isinstance(value, _AS_TEXT) else value


_AS_TEXT = (Decimal, date, datetime)  # str() of a date is its ISO form


def warehouse_language(con: duckdb.DuckDBPyConnection) -> str:
    """The language the warehouse's messages are written in: its setting, or (a new warehouse) the language
    of its first writer, recorded then (inside the caller's transaction, when there is one)."""
    from jixiao.base.i18n import language

    row = con.execute("SELECT value FROM settings WHERE name = 'language'").fetchone()
    if row:
        return row[0]
    chosen = language()
    con.execute("INSERT INTO settings VALUES ('language', ?) ON CONFLICT DO NOTHING", [chosen])
    return chosen
