"""The one transaction helper every stage that writes the warehouse uses."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb


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
