"""Small helpers shared by tests that read a warehouse file back."""

from __future__ import annotations

import duckdb


def rows(db, sql: str, params=()) -> list[tuple]:
    """The rows of one query against a warehouse file, opened read-only and closed again."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def table_counts(db, tables) -> dict[str, int]:
    """Row counts of the given tables of a warehouse file, opened read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()


# Columns that differ between two runs over the same files by design: when a row was written.
VOLATILE = {"documents": ["ingested_at"]}
WAREHOUSE_TABLES = ["documents", "document_paths", "file_index", "reports", "funding", "indicators", "indicator_groups", "flags",
                    "allocations", "budget_lines", "sections", "facts", "fields", "findings", "unread", "projects",
                    "project_links", "pending"]


def table_digests(db, tables=WAREHOUSE_TABLES) -> dict[str, tuple[int, str]]:
    """Per table: its row count and a digest of all its rows in a stable order (volatile columns left out)."""
    import hashlib

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in tables:
            exclude = f" EXCLUDE ({', '.join(VOLATILE[t])})" if t in VOLATILE else ""
            rows = con.execute(f"SELECT *{exclude} FROM {t} ORDER BY ALL").fetchall()
            out[t] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
        return out
    finally:
        con.close()
