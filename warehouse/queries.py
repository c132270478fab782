"""Read-side questions the CLI asks the warehouse."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from jixiao.base.i18n import _
from jixiao.base.labels import canonical_label


@dataclass(frozen=True)
class UnmappedLabel:
    label: str  # canonical form: what a lexicon line would hold
    count: int
    example_label: str  # as written
    example_path: str
    paths: tuple[str, ...] = ()  # every file holding it: what to read again once it is taught


def unmapped_labels(con: duckdb.DuckDBPyConnection) -> list[UnmappedLabel]:
    """Labels met at ingest that the lexicon maps to nothing, most frequent first."""
    rows = con.execute("""
        SELECT f.label, d.path
        FROM fields f JOIN reports r USING (report_id) JOIN documents d USING (doc_id)
        WHERE f.key IS NULL AND f.label IS NOT NULL AND f.label <> ''
        ORDER BY d.path, f.locator""").fetchall()
    grouped: dict[str, list[tuple[str, str]]] = {}
    for label, path in rows:
        grouped.setdefault(canonical_label(label), []).append((label, path))
    out = [
        UnmappedLabel(canon, len(seen), seen[0][0], seen[0][1], tuple(dict.fromkeys(path for _label, path in seen)))
        for canon, seen in grouped.items()
        if canon
    ]
    return sorted(out, key=lambda u: (-u.count, u.label))


@dataclass(frozen=True)
class UnknownBlock:
    heads: str  # the row's labels as written, 「 | 」 between cells
    count: int
    example_path: str


def unknown_blocks(con: duckdb.DuckDBPyConnection) -> list[UnknownBlock]:
    """Rows met at ingest that look like the head of a block the lexicon does not know, most frequent first."""
    rows = con.execute("""
        SELECT f.actual, count(*), min(d.path)
        FROM findings f JOIN reports r USING (report_id) JOIN documents d USING (doc_id)
        WHERE f.rule = 'unknown_block' AND f.actual IS NOT NULL
        GROUP BY f.actual ORDER BY count(*) DESC, f.actual""").fetchall()
    return [UnknownBlock(heads, count, path) for heads, count, path in rows]


class QueryRefused(Exception):
    """SQL that `query` will not run; one sentence."""


# Statements that only read. DESCRIBE, SHOW and SUMMARIZE parse as SELECT.
_READING = {"SELECT", "EXPLAIN"}


# EXPLAIN ANALYZE runs the statement it explains: that one is judged, never the EXPLAIN around it
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?(?P<inner>.*)$", re.IGNORECASE | re.DOTALL)


def _kind(con: duckdb.DuckDBPyConnection, statement) -> str:
    """What a statement does: for EXPLAIN, what the statement it explains does."""
    kind = statement.type.name
    if kind != "EXPLAIN":
        return kind
    m = _EXPLAIN.match(statement.query)
    try:
        inner = con.extract_statements(m["inner"]) if m else []
    except duckdb.Error:
        inner = []
    return inner[0].type.name if len(inner) == 1 and inner[0].type.name != "EXPLAIN" else "EXPLAIN of something other than one query"


@dataclass(frozen=True)
class Result:
    sql: str
    columns: list[str]
    rows: list[tuple]


def run_readonly(con: duckdb.DuckDBPyConnection, sql: str) -> list[Result]:
    """Run every statement of sql, all of them checked first to be reads; return each one's result.

    The connection is the locked-down one (warehouse.connect_locked); this check comes first so
    that a refused statement is named in a sentence rather than met as DuckDB's permission error.
    """
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(_("The SQL could not be parsed: {value}").format(value=str(exc).splitlines()[0])) from exc
    if not statements:
        raise QueryRefused(_("There is no SQL statement to run."))
    for n, statement in enumerate(statements, start=1):
        kind = _kind(con, statement)
        if kind not in _READING:
            which = f"Statement {n} is" if len(statements) > 1 else "The statement is"
            raise QueryRefused(
                _(
                    "{which} {value}: `jixiao query` only reads the warehouse (SELECT, DESCRIBE, SHOW, "
                    "EXPLAIN); ATTACH, COPY, EXPORT, SET and writes are refused. Use `jixiao export` to write "
                    "files."
                ).format(which=which, value=kind.replace("_", " "))
            )
    results = []
    for statement in statements:
        cursor = con.execute(statement.query)
        columns = [d[0] for d in cursor.description or []]
        results.append(Result(statement.query.strip(), columns, cursor.fetchall()))
    return results


@dataclass(frozen=True)
class UnplacedIndicator:
    name: str  # canonical form: what a line of rules/indicator_kinds.csv would match
    count: int
    example_name: str  # as written
    level2: str | None
    example_path: str


def unplaced_indicators(con: duckdb.DuckDBPyConnection) -> list[UnplacedIndicator]:
    """Indicator names the kinds taxonomy (rules/indicator_kinds.csv) could not place, most frequent first."""
    rows = con.execute("""
        SELECT i.name, i.level2, d.path
        FROM indicators i JOIN reports r USING (report_id) JOIN documents d USING (doc_id)
        WHERE i.kind IS NULL AND i.name IS NOT NULL AND i.name <> ''
        ORDER BY d.path, i.seq""").fetchall()
    grouped: dict[str, list[tuple[str, str | None, str]]] = {}
    for name, level2, path in rows:
        grouped.setdefault(canonical_label(name), []).append((name, level2, path))
    out = [UnplacedIndicator(canon, len(seen), seen[0][0], seen[0][1], seen[0][2]) for canon, seen in grouped.items() if canon]
    return sorted(out, key=lambda u: (-u.count, u.name))
