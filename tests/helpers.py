"""Small helpers shared by tests: reading a warehouse file back, reading a PDF under either backend."""

from __future__ import annotations

import os
from contextlib import contextmanager

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
WAREHOUSE_TABLES = [
    "documents",
    "document_paths",
    "file_index",
    "reports",
    "funding",
    "indicators",
    "indicator_groups",
    "flags",
    "allocations",
    "budget_lines",
    "sections",
    "facts",
    "fields",
    "findings",
    "unread",
    "projects",
    "project_links",
    "pending",
]


def table_digests(db, tables=WAREHOUSE_TABLES, volatile=VOLATILE) -> dict[str, tuple[int, str]]:
    """Per table: its row count and a digest of all its rows in a stable order (volatile columns left out)."""
    import hashlib

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in tables:
            exclude = f" EXCLUDE ({', '.join(volatile[t])})" if t in volatile else ""
            rows = con.execute(f"SELECT *{exclude} FROM {t} ORDER BY ALL").fetchall()
            out[t] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
        return out
    finally:
        con.close()


def copy_groups(db) -> set[frozenset[str]]:
    """The reports of a warehouse grouped as copies of one another (each with its original), whichever
    copy is the original: that one is the copy stored first, and two readers finish two copies in
    either order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT list(report_id) FROM reports GROUP BY coalesce(duplicate_of, report_id)").fetchall()
        return {frozenset(ids) for (ids,) in rows}
    finally:
        con.close()


@contextmanager
def environ(name: str, value: str):
    """The environment variable `name` set to value inside the block, as it was after it."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def pdf_backend(name: str):
    """JIXIAO_PDF_BACKEND set to name inside the block, as it was after it."""
    return environ("JIXIAO_PDF_BACKEND", name)


@contextmanager
def ocr_runtime(name: str):
    """JIXIAO_OCR_RUNTIME set to name inside the block; the OCR models are loaded afresh on both sides of it."""
    from jixiao.extract import ocr

    with environ("JIXIAO_OCR_RUNTIME", name):
        ocr._engine.cache_clear()
        try:
            yield
        finally:
            ocr._engine.cache_clear()


def read_with_backend(backend: str, path):
    """A PDF read as `read_file` reads it, with JIXIAO_PDF_BACKEND set to backend for the read:
    (the extracted Document, the stored result's content without its timings)."""
    from dataclasses import asdict
    from pathlib import Path

    from jixiao.extract import read_document
    from jixiao.ingest.reading import read_file

    with pdf_backend(backend):
        result = asdict(read_file(path))
        try:
            document = read_document(Path(path).read_bytes())
        except Exception as exc:  # the sentence a failed read gives is compared too
            document = f"{type(exc).__name__}: {exc}"
    for timing in ("seconds", "peak_rss_mb"):
        result.pop(timing)
    return document, result


def backend_differences(path) -> list[str]:
    """Where a PDF's read by pdfium differs from its read by pdfplumber (the reference): [] when identical."""
    reference, fast = read_with_backend("pdfplumber", path), read_with_backend("pdfium", path)
    out = []
    if reference[0] != fast[0]:
        if isinstance(reference[0], str) or isinstance(fast[0], str):
            out.append(f"{path}: extract {reference[0]!r} != {fast[0]!r}")
        else:
            blocks = [(a, b) for a, b in zip(reference[0].blocks, fast[0].blocks) if a != b]
            first = blocks[:1]
            if first and hasattr(first[0][0], "cells") and hasattr(first[0][1], "cells"):  # the cells that differ, not the table
                first = [(a, b) for a, b in zip(first[0][0].cells, first[0][1].cells) if a != b][:2]
            out.append(
                f"{path}: {len(blocks)} of {len(reference[0].blocks)} blocks differ ({len(fast[0].blocks)} by pdfium); "
                f"first, pdfplumber then pdfium: {first!r}"
            )
    if reference[1] != fast[1]:
        keys = [k for k in reference[1] if reference[1][k] != fast[1][k]]
        out.append(f"{path}: stored {keys} differ")
    return out


def read_path_saying_ocr_threads(path: str, doc_id: str, converted: str | None = None):
    """A reader target that reads as `jixiao.ingest.reading:read_path` does and says, in the result's
    error_detail, the OCR threads its reader process was given."""
    from jixiao.extract.ocr import ocr_threads
    from jixiao.ingest.reading import read_path

    result = read_path(path, doc_id, converted)
    result.error_detail = f"ocr threads {ocr_threads()}"
    return result


def cached_reads(files):
    """Given the files a fixture built (key → path), return a reader by key that reads each file once, for every
    test that asks for it."""
    from functools import cache

    from jixiao.ingest.reading import read_file

    @cache
    def read(key):
        return read_file(files[key])

    return read
