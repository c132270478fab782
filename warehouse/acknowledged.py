"""Failures someone has looked at and accepted (`jixiao ignore`): a scan no reader can read, a file that is damaged
at its source. They stay failed and listed in every summary, and no longer make an ingest exit 1; they are kept
by the bytes that failed, so a mended file is read again like any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from jixiao.base.db import one_value, transaction
from jixiao.base.i18n import _


class AcknowledgeRefused(ValueError):
    """The failure cannot be acknowledged; one sentence."""


@dataclass(frozen=True)
class Acknowledged:
    doc_id: str
    path: str  # as stored in documents
    error: str | None
    reason: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def acknowledge(con: duckdb.DuckDBPyConnection, doc_ids: list[str], reason: str, by: str | None = None) -> list[Acknowledged]:
    """Accept the failures of these stored documents for reason (a second acknowledgement replaces the first)."""
    if not reason.strip():
        raise AcknowledgeRefused(_("Say why the failure is accepted (--reason), so that whoever reads the summary later knows."))
    with transaction(con):
        stored = dict(con.execute("SELECT doc_id, status FROM documents WHERE list_contains(?, doc_id)", [doc_ids]).fetchall())
        for doc_id in doc_ids:
            if doc_id not in stored:
                raise AcknowledgeRefused(_("No file with these bytes is stored in the warehouse; ingest it first."))
            if stored[doc_id] != "failed":
                raise AcknowledgeRefused(_("Only a failed file can be ignored; this one was read without failing."))
            con.execute(
                "INSERT OR REPLACE INTO acknowledged (doc_id, reason, acknowledged_by) VALUES (?, ?, ?)",
                [doc_id, reason.strip(), (by or "").strip() or None],
            )
    return acknowledged(con, doc_ids)


def unacknowledge(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> int:
    """Take acknowledgements back; return how many there were."""
    with transaction(con):
        n = one_value(con.execute("SELECT count(*) FROM acknowledged WHERE list_contains(?, doc_id)", [doc_ids]))
        con.execute("DELETE FROM acknowledged WHERE list_contains(?, doc_id)", [doc_ids])
    return n


def acknowledged(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | None = None) -> list[Acknowledged]:
    """Every acknowledged failure (or those of doc_ids), by path."""
    where = "" if doc_ids is None else "WHERE list_contains(?, a.doc_id)"
    rows = con.execute(
        f"""SELECT a.doc_id, d.path, d.error, a.reason, a.acknowledged_by, a.acknowledged_at
                           FROM acknowledged a JOIN documents d USING (doc_id) {where} ORDER BY d.path""",
        [] if doc_ids is None else [doc_ids],
    ).fetchall()
    return [Acknowledged(*row) for row in rows]


def acknowledged_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """doc_id → reason of every acknowledged failure."""
    return dict(con.execute("SELECT doc_id, reason FROM acknowledged").fetchall())


def acknowledged_paths(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """path → reason for every path where acknowledged bytes were last seen (copies included; a path whose
    bytes changed since names the new ones)."""
    return dict(
        con.execute("""SELECT path, reason FROM (
                                   SELECT path, doc_id FROM file_index
                                   UNION ALL SELECT path, doc_id FROM documents WHERE path NOT IN (SELECT path FROM file_index))
                               JOIN acknowledged USING (doc_id)""").fetchall()
    )


def documents_at(con: duckdb.DuckDBPyConnection, path: str) -> list[str]:
    """The doc_ids stored under a path as written in documents (an archive member: 「archive.zip!/a.doc」)."""
    return [d for (d,) in con.execute("SELECT doc_id FROM documents WHERE path = ? ORDER BY doc_id", [path]).fetchall()]
