"""Exports for colleagues: every table and view as Parquet, CSV or one Excel workbook.

No path or name is pasted into SQL: tables come from EXPORTED (a constant), and the one path a
COPY needs goes in as a quoted literal (DuckDB takes no parameter there).
"""

from __future__ import annotations

import csv
import shutil
from functools import lru_cache
from pathlib import Path

import duckdb

from jixiao.data import read_csv
from jixiao.i18n import _
from jixiao.model import REPORT_TABLES

from .schema import VIEW_NAMES

EXPORTED = ("documents", "document_paths", "reports", *REPORT_TABLES, "unread", "projects", "project_links", "corrections", "finding_reviews",
            *VIEW_NAMES)  # all but the bookkeeping tables: file_index, schema_version, pending, link_*


@lru_cache(maxsize=1)
def chinese_headers() -> dict[str, str]:
    """column name → Chinese header, and 'sheet:table' → Chinese sheet name (warehouse/headers.csv)."""
    return {row["column"]: row["chinese"] for row in read_csv("headers.csv", "jixiao.warehouse")}


def sql_literal(text: str) -> str:
    """text as a SQL string literal: quotes doubled, so a path with ' or ; stays a path."""
    return "'" + text.replace("'", "''") + "'"


def _select(con: duckdb.DuckDBPyConnection, table: str) -> duckdb.DuckDBPyConnection:
    if table not in EXPORTED:  # the only names that ever reach SQL here
        raise ValueError(f"not an exported table: {table!r}")
    return con.execute(f"SELECT * FROM {table}")


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, chinese: bool = False, bom: bool = True,
           notes: list[str] | None = None) -> list[Path]:
    """Write every exported table to out in fmt (parquet, csv, xlsx); return the files written.

    Every format streams: DuckDB writes Parquet and the CSV body itself, and the workbook's sheets
    are written row by row (warehouse/workbook.py), so memory stays bounded at any size. CSV starts
    with a byte-order mark unless bom is False: Excel on Chinese Windows reads a CSV without one as
    GBK and garbles it. A table longer than an Excel sheet goes on in further sheets; notes (when
    given) gets a sentence for each.
    """
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return [_xlsx(con, out / "jixiao.xlsx", chinese, notes if notes is not None else [])]
    headers = chinese_headers() if chinese else {}
    written = []
    for table in EXPORTED:
        path = out / f"{table}.{fmt}"
        _select(con, table)  # checks the name
        if fmt == "parquet":
            con.execute(f"COPY (SELECT * FROM {table}) TO {sql_literal(str(path))} (FORMAT parquet)")
        else:
            _csv(con, table, path, headers, bom)
        written.append(path)
    return written


def _as_text(name: str, kind: str) -> str:
    """A column as the CSV shows it (jixiao.render.text_of): lists comma-joined, timestamps in ISO form."""
    column = '"' + name.replace('"', '""') + '"'
    if kind.endswith("[]"):
        return f"array_to_string({column}, ', ') AS {column}"
    if kind.startswith("TIMESTAMP"):
        return (f"CASE WHEN microsecond({column}) = 0 THEN strftime({column}, '%Y-%m-%dT%H:%M:%S') "
                f"ELSE strftime({column}, '%Y-%m-%dT%H:%M:%S.%f') END AS {column}")
    return column


def _csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, headers: dict[str, str], bom: bool) -> None:
    """The header (Chinese when asked) and the byte-order mark from here, the rows from DuckDB's own CSV writer."""
    kinds = con.execute(f"DESCRIBE {table}").fetchall()  # table: checked against EXPORTED by the caller
    body = path.with_name(path.name + ".part")
    try:
        con.execute(f"COPY (SELECT {', '.join(_as_text(name, kind) for name, kind, *_ in kinds)} FROM {table}) "
                    f"TO {sql_literal(str(body))} (FORMAT csv, HEADER false)")
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow([headers.get(name, name) for name, *_ in kinds])
        with path.open("ab") as fh, body.open("rb") as rows:
            shutil.copyfileobj(rows, fh, 1 << 20)
    finally:
        body.unlink(missing_ok=True)


def _xlsx(con: duckdb.DuckDBPyConnection, path: Path, chinese: bool, notes: list[str]) -> Path:
    from .workbook import SHEET_ROWS, Workbook

    headers = chinese_headers() if chinese else {}
    book = Workbook()
    try:
        for table in EXPORTED:
            cursor = _select(con, table)
            columns = [d[0] for d in cursor.description]
            names = [headers.get(c, c) for c in columns]
            widths = [max(10, min(40, len(n) * 2 + 2)) for n in names]
            money = [c.endswith("_yuan") for c in columns]
            title = headers.get(f"sheet:{table}", table)
            sheets = [book.sheet(title, widths, money)]
            sheets[-1].header(names)
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    if sheets[-1].full:  # Excel's limit: the table goes on in the next sheet, under the same header
                        book.add(sheets[-1])
                        sheets.append(book.sheet(title, widths, money))
                        sheets[-1].header(names)
                    sheets[-1].append(row)
            book.add(sheets[-1])
            if len(sheets) > 1:
                rows_in = sum(s.rows - 1 for s in sheets)
                notes.append(_("{table} has {rows} rows, more than an Excel sheet holds ({limit} under its header), so it is split "
                               "across the sheets {sheets}.").format(table=table, rows=f"{rows_in:,}", limit=f"{SHEET_ROWS - 1:,}",
                                                                     sheets=", ".join(s.name for s in sheets)))
        return book.save(path)
    except BaseException:
        book.discard()
        raise
