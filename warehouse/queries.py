"""Read-side questions the CLI asks the warehouse."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from jixiao.normalize.text import canonical_label


@dataclass(frozen=True)
class UnmappedLabel:
    label: str  # canonical form: what a lexicon line would hold
    count: int
    example_label: str  # as written
    example_path: str


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
    out = [UnmappedLabel(canon, len(seen), seen[0][0], seen[0][1]) for canon, seen in grouped.items() if canon]
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
