"""Writing documents into the warehouse: each document whole or not at all, the same bytes never twice."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from operator import attrgetter

import duckdb

from jixiao.base import __version__
from jixiao.base.db import insert_rows, transaction, warehouse_language
from jixiao.base.errors import LoadError, StepFailed
from jixiao.base.i18n import _
from jixiao.base.messages import render
from jixiao.base.model import DOCUMENT_COLUMNS, NUMBERED_TABLES, REPORT_COLUMNS, REPORT_TABLES, UNREAD_COLUMNS, DocumentResult, Report, record_columns


def report_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:{ordinal}"


def _rows(report: Report, rid: str, table: str) -> list[tuple]:
    records = getattr(report, table)
    if not records:
        return []
    kind: type = type(records[0])  # as `type`: mypy takes a type[Any] for unhashable
    values = _getter(kind)  # shallow: dataclasses.astuple deep-copies every value
    if table in NUMBERED_TABLES:
        return [(rid, i, *values(r)) for i, r in enumerate(records, start=1)]
    return [(rid, *values(r)) for r in records]


@cache
def _getter(kind: type) -> Callable[[object], tuple]:
    names = [f.name for f in fields(kind)]
    get = attrgetter(*names)
    return get if len(names) > 1 else lambda record: (get(record),)


def _columns(table: str) -> list[str]:
    if table == "documents":
        return list(DOCUMENT_COLUMNS)
    if table == "unread":
        return list(UNREAD_COLUMNS)
    if table == "reports":
        return ["report_id", "doc_id", "ordinal", *REPORT_COLUMNS]
    return record_columns(table)


@dataclass(frozen=True)
class FileStat:
    """Where a document's bytes were found: the path with its size and mtime at ingest."""

    path: str
    size_bytes: int
    mtime_ns: int
    looked_up: bool = False  # the caller read file_index already: `previous` is what the path held
    previous: str | None = None


@dataclass
class Pending:
    """A document read and waiting to be written, with where it was found."""

    result: DocumentResult
    seen: FileStat | None = None
    size_bytes: int | None = None
    replace: bool = False  # its bytes are stored (as failed) and are being read again: the new rows replace the old


def remember_files(con: duckdb.DuckDBPyConnection, found: list[tuple[str, FileStat]]) -> None:
    """Record that paths hold these bytes (doc_id, FileStat pairs; inside the caller's transaction).

    When a path held other bytes before, that older document is marked replaced_by the new one,
    unless another path still holds it.
    """
    if not found:
        return
    insert_rows(con, "document_paths", ["doc_id", "path"], list(dict.fromkeys((d, s.path) for d, s in found)), conflict="ON CONFLICT DO NOTHING")
    unknown = [s.path for _, s in found if not s.looked_up]
    before = (
        dict(con.execute("SELECT path, doc_id FROM file_index WHERE path IN (SELECT unnest(?::VARCHAR[]))", [unknown]).fetchall()) if unknown else {}
    )
    latest = {s.path: (s.path, s.size_bytes, s.mtime_ns, d) for d, s in found}  # a path once per statement
    insert_rows(con, "file_index", ["path", "size_bytes", "mtime_ns", "doc_id"], list(latest.values()), verb="INSERT OR REPLACE")
    for doc_id, seen in found:
        old = seen.previous if seen.looked_up else before.get(seen.path)
        if old and old != doc_id:
            con.execute(
                """UPDATE documents SET replaced_by = ? WHERE doc_id = ?
                           AND NOT EXISTS (SELECT 1 FROM file_index WHERE doc_id = ?)""",
                [doc_id, old, old],
            )


def remember_only(con: duckdb.DuckDBPyConnection, doc_id: str, seen: FileStat) -> None:
    """Record a path for bytes already stored, in a transaction of its own."""
    with transaction(con):
        remember_files(con, [(doc_id, seen)])


def store_many(con: duckdb.DuckDBPyConnection, docs: list[Pending], replace: bool = False, stored: set[str] | None = None) -> set[str]:
    """Write documents and their reports in one transaction; return the doc_ids written.

    Each document is whole or absent: a crash or an error leaves none of this call's rows. Bytes
    already stored only get their path recorded, unless replace: then the old rows go and the new
    ones come in the same transaction. Many documents per call because a DuckDB statement costs
    about half a millisecond whatever its size, and a document touches a dozen tables. stored:
    the doc_ids the warehouse holds, when the caller knows them (ingest does), which saves a scan
    of `documents` per call.
    """
    try:
        with transaction(con):
            ids = list(dict.fromkeys(d.result.doc_id for d in docs))
            existing = (
                stored.intersection(ids)
                if stored is not None
                else {row[0] for row in con.execute("SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}
            )
            remember_files(con, [(d.result.doc_id, d.seen) for d in docs if d.seen])
            insert_rows(
                con,
                "document_paths",
                ["doc_id", "path"],
                [(d.result.doc_id, d.result.path) for d in docs if not d.seen],
                conflict="ON CONFLICT DO NOTHING",
            )
            written: dict[str, Pending] = {}
            for d in docs:
                if d.result.doc_id in existing and not (replace or d.replace) or d.result.doc_id in written:
                    continue
                if d.result.doc_id in existing:
                    delete_document(con, d.result.doc_id)
                written[d.result.doc_id] = d
            rows: dict[str, list[tuple]] = {table: [] for table in ("documents", "unread", "reports", *REPORT_TABLES)}
            lang = warehouse_language(con)
            for d in written.values():
                _in_language(d.result, lang)
                _document_rows(d, rows)
            for table, table_rows in rows.items():
                insert_rows(con, table, _columns(table), table_rows)
            if written:  # project links must be recomputed; marked with the rows, so a kill cannot lose it
                con.execute("INSERT INTO pending VALUES ('link') ON CONFLICT DO NOTHING")
                insert_rows(con, "link_pending", ["doc_id"], [(doc_id,) for doc_id in written])  # which documents
        return set(written)
    except StepFailed:
        raise
    except Exception as exc:
        reason = (
            str(exc).splitlines()[0].split(" when casting from source column")[0]  # DuckDB appends the SQL
            if isinstance(exc, duckdb.Error)
            else f"{type(exc).__name__}: {exc}"
        )
        raise LoadError(_("Storing the document failed and nothing of it was kept ({reason}).").format(reason=reason)) from exc


def store_group(con: duckdb.DuckDBPyConnection, group: list[Pending], replace: bool = False, stored: set[str] | None = None) -> list[Pending]:
    """Store a group in one transaction; when that fails, each document alone, and one that still
    fails is stored as failed with the reason, so one bad document never costs the others.
    Return the group as stored; stored (see store_many) gains the doc_ids written."""
    try:
        written = store_many(con, group, replace, stored)
        done = group
    except LoadError:
        written, done = set(), []
        for pending in group:
            try:
                written |= store_many(con, [pending], replace, stored)
            except LoadError as exc:
                failed = dataclasses.replace(
                    pending.result,
                    status="failed",
                    error=str(exc),
                    reports=[],
                    coverage=None,
                    error_kind="store",
                    error_detail=repr(exc.__cause__ or exc),
                )
                pending = dataclasses.replace(pending, result=failed)
                written |= store_many(con, [pending], replace, stored)
            done.append(pending)
    if stored is not None:
        stored |= written
    return done


def _in_language(result: DocumentResult, lang: str) -> None:
    """The messages of the findings made while reading, in the warehouse's language (the reader wrote
    them in its own): a warehouse's messages are in one language, which reviews name findings by."""
    for report in result.reports:
        for finding in report.findings:
            if finding.parameters:
                finding.message = render(finding.parameters, lang, fallback=finding.message) or finding.message


def _document_rows(d: Pending, rows: dict[str, list[tuple]]) -> None:
    r = d.result
    found = {"size_bytes": d.size_bytes, "parser_version": __version__}
    rows["documents"].append(tuple(found[c] if c in found else getattr(r, c) for c in DOCUMENT_COLUMNS))
    if r.coverage is not None:
        rows["unread"] += [(r.doc_id, u.place, u.page, u.text) for u in r.coverage.unread]
    for ordinal, report in enumerate(r.reports, start=1):
        rid = report_id(r.doc_id, ordinal)
        rows["reports"].append((rid, r.doc_id, ordinal, *(getattr(report, c) for c in REPORT_COLUMNS)))
        for table in REPORT_TABLES:
            rows[table] += _rows(report, rid, table)


def delete_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    """Remove a document's rows (inside the caller's transaction)."""
    ids = "SELECT report_id FROM reports WHERE doc_id = ?"
    for table in REPORT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE report_id IN ({ids})", [doc_id])
    con.execute("DELETE FROM reports WHERE doc_id = ?", [doc_id])
    con.execute("DELETE FROM unread WHERE doc_id = ?", [doc_id])
    con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
