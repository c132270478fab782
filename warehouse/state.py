"""What the warehouse already holds, as the ingest's plan step asks it: the questions are SQL, so they live here."""

from __future__ import annotations

import duckdb

from jixiao.base.db import one_value


def known_files(con: duckdb.DuckDBPyConnection, paths: list[str] | None = None) -> dict[str, tuple[int, int, str]]:
    """path → (size_bytes, mtime_ns, doc_id) as last seen; of the given paths only, when given."""
    if paths is None:
        rows = con.execute("SELECT path, size_bytes, mtime_ns, doc_id FROM file_index").fetchall()
    else:
        rows = con.execute(
            "SELECT path, size_bytes, mtime_ns, doc_id FROM file_index WHERE path IN (SELECT unnest($1::VARCHAR[]))", [paths]
        ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def stored_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | set[str] | None = None) -> set[str]:
    """The doc_ids the warehouse holds; of the given ones only, when given."""
    if doc_ids is None:
        return {row[0] for row in con.execute("SELECT doc_id FROM documents").fetchall()}
    return {row[0] for row in con.execute("SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))", [list(doc_ids)]).fetchall()}


def failed_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | set[str] | None = None) -> dict[str, tuple[str | None, str | None]]:
    """doc_id → (error_kind, error) of every document stored as failed; of the given ones only, when given."""
    if doc_ids is None:
        rows = con.execute("SELECT doc_id, error_kind, error FROM documents WHERE status = 'failed'").fetchall()
    else:
        rows = con.execute(
            """SELECT doc_id, error_kind, error FROM documents
                              WHERE status = 'failed' AND doc_id IN (SELECT unnest($1::VARCHAR[]))""",
            [list(doc_ids)],
        ).fetchall()
    return {d: (kind, error) for d, kind, error in rows}


def count_findings(con: duckdb.DuckDBPyConnection) -> int:
    return one_value(con.execute("SELECT count(*) FROM findings"))


def unchecked_documents(con: duckdb.DuckDBPyConnection) -> int:
    """Documents stored since the rules last ran."""
    return one_value(con.execute("SELECT count(*) FROM documents WHERE NOT coalesce(rules_checked, FALSE)"))


def owes(con: duckdb.DuckDBPyConnection, task: str) -> bool:
    """Whether work marked pending when documents were stored ('link') is still to do."""
    return bool(one_value(con.execute("SELECT count(*) FROM pending WHERE task = ?", [task])))
