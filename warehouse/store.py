"""Writing documents into the warehouse: one transaction per document, the same bytes never twice."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from pathlib import Path

import duckdb

from jixiao import __version__
from jixiao.errors import LoadError, StepFailed
from jixiao.model import REPORT_COLUMNS, DocumentResult, Report

from .schema import REPORT_TABLES, migrate


def connect(path: str | Path = "jixiao.duckdb", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, create or upgrade) a warehouse file."""
    if read_only:
        if str(path) != ":memory:" and not Path(path).exists():
            raise LoadError(f"There is no warehouse at {path}; run `jixiao ingest` first.")
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def report_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:{ordinal}"


def stored_status(con: duckdb.DuckDBPyConnection, doc_id: str) -> str | None:
    row = con.execute("SELECT status FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def _rows(report: Report, rid: str, table: str) -> list[tuple]:
    records = getattr(report, table)
    if table in ("funding", "allocations"):
        return [(rid, i, *astuple(r)) for i, r in enumerate(records, start=1)]
    return [(rid, *astuple(r)) for r in records]


def _columns(table: str) -> list[str] | None:
    from jixiao import model

    kinds = {"funding": model.FundingRow, "indicators": model.Indicator, "indicator_groups": model.IndicatorGroup,
             "flags": model.Flag,
             "allocations": model.Allocation, "budget_lines": model.BudgetLine, "sections": model.Section,
             "facts": model.Fact, "fields": model.Field, "findings": model.Finding}
    names = [f.name for f in fields(kinds[table])]
    return ["report_id"] + (["seq"] if table in ("funding", "allocations") else []) + names


@dataclass(frozen=True)
class FileStat:
    """Where a document's bytes were found: the path with its size and mtime at ingest."""

    path: str
    size_bytes: int
    mtime_ns: int
    looked_up: bool = False  # the caller read file_index already: `previous` is what the path held
    previous: str | None = None


def remember_file(con: duckdb.DuckDBPyConnection, doc_id: str, seen: FileStat) -> None:
    """Record that a path holds these bytes (inside the caller's transaction).

    When the path held other bytes before, that older document is marked replaced_by this one,
    unless another path still holds it.
    """
    con.execute("INSERT INTO document_paths VALUES (?, ?) ON CONFLICT DO NOTHING", [doc_id, seen.path])
    old = (seen.previous,) if seen.looked_up else con.execute("SELECT doc_id FROM file_index WHERE path = ?", [seen.path]).fetchone()
    con.execute("INSERT OR REPLACE INTO file_index VALUES (?, ?, ?, ?)", [seen.path, seen.size_bytes, seen.mtime_ns, doc_id])
    if old and old[0] and old[0] != doc_id:
        con.execute("""UPDATE documents SET replaced_by = ? WHERE doc_id = ?
                       AND NOT EXISTS (SELECT 1 FROM file_index WHERE doc_id = ?)""", [doc_id, old[0], old[0]])


def remember_only(con: duckdb.DuckDBPyConnection, doc_id: str, seen: FileStat) -> None:
    """Record a path for bytes already stored, in a transaction of its own."""
    con.execute("BEGIN TRANSACTION")
    try:
        remember_file(con, doc_id, seen)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def store(con: duckdb.DuckDBPyConnection, result: DocumentResult, path_size: int | None = None, replace: bool = False,
          rules: tuple | None = None, seen: FileStat | None = None, known_new: bool = False) -> bool:
    """Write one document and its reports in one transaction; return False when its bytes were already stored.

    With replace, a stored document is read again: its old rows go and the new ones come in the
    same transaction, so a crash leaves either the old rows or the new ones. With rules, their
    findings for this document are written in the same transaction. known_new: the caller has
    checked that these bytes are not stored (ingest knows; it saves a query per document).
    """
    from jixiao.rules import apply_rules

    con.execute("BEGIN TRANSACTION")
    try:
        exists = not known_new and stored_status(con, result.doc_id) is not None
        if seen is not None:
            remember_file(con, result.doc_id, seen)
        else:
            con.execute("INSERT INTO document_paths VALUES (?, ?) ON CONFLICT DO NOTHING", [result.doc_id, result.path])
        if exists and not replace:
            con.execute("COMMIT")
            return False
        if exists:
            delete_document(con, result.doc_id)
        con.execute(
            "INSERT INTO documents (doc_id, path, format, ocr, status, error, n_pages, n_reports, size_bytes, parser_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [result.doc_id, result.path, result.format, result.ocr, result.status, result.error, result.n_pages,
             result.n_reports, path_size, __version__])
        for ordinal, report in enumerate(result.reports, start=1):
            rid = report_id(result.doc_id, ordinal)
            placeholders = ", ".join("?" * (len(REPORT_COLUMNS) + 3))
            con.execute(f"INSERT INTO reports (report_id, doc_id, ordinal, {', '.join(REPORT_COLUMNS)}) VALUES ({placeholders})",
                        [rid, result.doc_id, ordinal, *(getattr(report, c) for c in REPORT_COLUMNS)])
            for table in REPORT_TABLES:
                rows = _rows(report, rid, table)
                if rows:
                    _insert_rows(con, table, _columns(table), rows)
        if rules and result.reports:
            apply_rules(con, rules, result.doc_id)
            con.execute("UPDATE documents SET rules_checked = TRUE WHERE doc_id = ?", [result.doc_id])
        con.execute("COMMIT")
        return True
    except StepFailed:
        con.execute("ROLLBACK")
        raise
    except Exception as exc:
        con.execute("ROLLBACK")
        raise LoadError(f"Storing the document failed and nothing of it was kept ({type(exc).__name__}: {exc}).") from exc


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], rows: list[tuple], chunk: int = 400) -> None:
    """Insert rows with one multi-row statement per chunk: DuckDB runs executemany row by row."""
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        one = f"({', '.join('?' * len(cols))})"
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([one] * len(part))}",
                    [value for row in part for value in row])


def delete_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    """Remove a document's rows (inside the caller's transaction)."""
    ids = "SELECT report_id FROM reports WHERE doc_id = ?"
    for table in REPORT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE report_id IN ({ids})", [doc_id])
    con.execute("DELETE FROM reports WHERE doc_id = ?", [doc_id])
    con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
