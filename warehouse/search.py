"""Searching the narrative: every sentence of every narrative item (narrative_items) in a tantivy index cut
into Chinese words by jieba (jixiao/base/words.py), ranked by tantivy's BM25, filtered by kind and year.

The index is a folder beside the warehouse file (`yuhua.duckdb.search/`), made on the first search and made
again when what it indexed changed: its stamp is a digest of the items, their reports' years and projects,
and the word list. A warehouse in memory, or one whose folder cannot be written, gets an index in a
temporary folder for the process. DuckDB's own full-text extension would keep the index inside the
warehouse, but it is not published for the DuckDB this project uses (bench/search.py says what was tried).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import regex

from jixiao.base.data import read_csv
from jixiao.base.db import one_row
from jixiao.base.words import search_words

INDEX_VERSION = 1  # bump when what is indexed or how changes: every index is made again
_ANALYZER = "jx_words"
# a sentence ends at 。！？； or a line; a figure's decimal point or a list's 1. does not end it
_SENTENCE = regex.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")

# The reports search covers: copies and replaced files left out, as the views do
_ITEMS = """
    SELECT n.report_id, n.seq, n.kind, n.text, r.fiscal_year, coalesce(r.project_key, r.report_id) AS project_key
    FROM narrative_items n JOIN v_reports r USING (report_id) JOIN documents d USING (doc_id)
    WHERE r.duplicate_of IS NULL AND d.replaced_by IS NULL"""


@dataclass(frozen=True)
class Hit:
    """One sentence found: its report (with the project, unit, year and file) and the item it is part of."""

    report_id: str
    seq: int  # narrative_items.seq
    fiscal_year: int | None
    kind: str | None
    sentence: str
    score: float
    project_name: str | None = None
    unit: str | None = None
    path: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sentences(text: str) -> list[str]:
    """Given an item's text, return its sentences as written (trimmed, empty ones left out)."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _stamp(con: duckdb.DuckDBPyConnection) -> str:
    """What the index must have been made from: a digest of every indexed item and its report's year and project,
    the word list and the index version. A sum of row hashes costs a few milliseconds at 10,000 reports."""
    n, digest = one_row(con.execute(f"SELECT count(*), coalesce(sum(hash(report_id, seq, kind, text, fiscal_year, project_key)), 0) FROM ({_ITEMS})"))
    return f"{INDEX_VERSION}:{_words_digest()}:{n}:{digest}"


@lru_cache(maxsize=1)
def _words_digest() -> str:
    lists = [read_csv("words.csv"), read_csv("stopwords.csv")]
    return hashlib.sha1(json.dumps(lists, ensure_ascii=False).encode()).hexdigest()[:12]


def _schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("words", stored=False, tokenizer_name=_ANALYZER)
    builder.add_text_field("sentence", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("report_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("seq", stored=True)
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    return builder.build()


def _open(folder: Path):
    import tantivy

    index = tantivy.Index(_schema(), path=str(folder), reuse=True)
    index.register_tokenizer(_ANALYZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


def _build(con: duckdb.DuckDBPyConnection, folder: Path, stamp: str) -> None:
    """Index every sentence of the items in scope into a new folder, then put it in the place of folder."""
    import tantivy

    fresh = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        index = _open(fresh)
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        cursor = con.execute(_ITEMS)
        while rows := cursor.fetchmany(10_000):
            for report_id, seq, kind, text, year, _project in rows:
                for sentence in sentences(text):
                    doc = tantivy.Document(
                        words=" ".join(search_words(sentence)), sentence=sentence, report_id=report_id, kind=kind or "", seq=int(seq)
                    )
                    if year is not None:
                        doc.add_integer("year", int(year))
                    writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        (fresh / "jixiao-stamp").write_text(stamp, encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            fresh.rename(folder)
        except OSError:  # another search made it meanwhile (a desk and a command at once): theirs serves as well
            pass
    finally:
        if fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)


_TEMPORARY: dict[str, Path] = {}


def index_folder(db_path: str | Path | None) -> Path:
    """Where a warehouse's index lives: beside its file, or (in memory, or a folder we cannot write) a temporary folder."""
    if db_path is not None and str(db_path) != ":memory:":
        path = Path(str(db_path) + ".search")
        probe = path if path.exists() else path.parent
        if probe.is_dir() and _writable(probe):
            return path
    key = str(db_path)
    if key not in _TEMPORARY:
        _TEMPORARY[key] = Path(tempfile.mkdtemp(prefix="jixiao-search-")) / "index"
    return _TEMPORARY[key]


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK)


def ensure_index(con: duckdb.DuckDBPyConnection, db_path: str | Path | None = None) -> Path:
    """The index of the warehouse's narrative as it is now: made (again) when missing or stale; return its folder."""
    folder = index_folder(db_path)
    stamp = _stamp(con)
    seen = folder / "jixiao-stamp"
    if not (seen.exists() and seen.read_text(encoding="utf-8") == stamp):
        folder.parent.mkdir(parents=True, exist_ok=True)
        _build(con, folder, stamp)
    return folder


@lru_cache(maxsize=4)
def _searcher(folder: str, stamp: str):
    """An opened index and its searcher, kept while the index is the same (a desk answers many searches)."""
    index = _open(Path(folder))
    return index, index.searcher()


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    db_path: str | Path | None = None,
    kind: str | None = None,
    years: tuple[int, ...] = (),
    limit: int = 20,
) -> list[Hit]:
    """Given words to look for (Chinese as written: 「资金拨付滞后」), return the sentences that best match, best first,
    each with its report, year and item; kind (problem, cause …) and years narrow them."""
    import tantivy

    words = list(dict.fromkeys(search_words(query)))
    if not words:
        return []
    folder = ensure_index(con, db_path)
    index, searcher = _searcher(str(folder), (folder / "jixiao-stamp").read_text(encoding="utf-8"))
    schema = index.schema
    text = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "words", w)) for w in words])
    clauses = [(tantivy.Occur.Must, text)]
    if kind:
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", kind)))
    if years:
        clauses.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "year", int(y))) for y in years]),
            )
        )
    found = searcher.search(tantivy.Query.boolean_query(clauses), limit)
    hits = []
    for score, address in found.hits:
        doc = searcher.doc(address)
        year = doc.get_first("year")
        hits.append(
            Hit(
                doc.get_first("report_id"),
                int(doc.get_first("seq")),
                int(year) if year is not None else None,
                doc.get_first("kind") or None,
                doc.get_first("sentence"),
                float(score),
            )
        )
    return _with_reports(con, hits)


def _with_reports(con: duckdb.DuckDBPyConnection, hits: list[Hit]) -> list[Hit]:
    """The hits with their reports' project, unit and file, read from the warehouse in one query."""
    if not hits:
        return hits
    rows = con.execute(
        """
        SELECT r.report_id, r.project_name,
               CASE WHEN r.scope = 'department' THEN r.project_name ELSE coalesce(r.implementing_unit, r.department) END, d.path
        FROM v_reports r JOIN documents d USING (doc_id) WHERE list_contains($ids, r.report_id)""",
        {"ids": list({h.report_id for h in hits})},
    ).fetchall()
    about = {rid: rest for rid, *rest in rows}
    return [Hit(**{**h.__dict__, **dict(zip(("project_name", "unit", "path"), about.get(h.report_id, (None, None, None))))}) for h in hits]
