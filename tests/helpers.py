"""Small helpers shared by tests that read a warehouse file back."""

from __future__ import annotations

import duckdb


def table_counts(db, tables) -> dict[str, int]:
    """Row counts of the given tables of a warehouse file, opened read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()
