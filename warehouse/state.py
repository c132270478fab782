"""What the warehouse already holds, as the ingest's plan step asks it: the questions are SQL, so they live here."""

from __future__ import annotations

import duckdb


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, str]]:
    """path → (size_bytes, mtime_ns, doc_id) as last seen."""
    return {row[0]: (row[1], row[2], row[3]) for row in con.execute("SELECT path, size_bytes, mtime_ns, doc_id FROM file_index").fetchall()}


def stored_documents(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT doc_id FROM documents").fetchall()}


def failed_documents(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """doc_id → (error_kind, error) of every document stored as failed."""
    return {d: (kind, error) for d, kind, error in
            con.execute("SELECT doc_id, error_kind, error FROM documents WHERE status = 'failed'").fetchall()}


def count_findings(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM findings").fetchone()[0]


def unchecked_documents(con: duckdb.DuckDBPyConnection) -> int:
    """Documents stored since the rules last ran."""
    return con.execute("SELECT count(*) FROM documents WHERE NOT coalesce(rules_checked, FALSE)").fetchone()[0]


def owes(con: duckdb.DuckDBPyConnection, task: str) -> bool:
    """Whether work marked pending when documents were stored ('link') is still to do."""
    return bool(con.execute("SELECT count(*) FROM pending WHERE task = ?", [task]).fetchone()[0])

