"""Exports for colleagues: every table and view as Parquet, CSV or one Excel workbook.

No path or name is pasted into SQL: tables come from EXPORTED (a constant), and the one path a
COPY needs goes in as a quoted literal (DuckDB takes no parameter there).
"""

from __future__ import annotations

import csv
import shutil
import unicodedata
from functools import lru_cache
from pathlib import Path

import duckdb

from jixiao.base.data import read_csv
from jixiao.base.i18n import _
from jixiao.base.model import REPORT_TABLES

from .schema import VIEW_NAMES

EXPORTED = (
    "documents",
    "document_paths",
    "reports",
    *REPORT_TABLES,
    "unread",
    "projects",
    "project_links",
    "corrections",
    "finding_reviews",
    *VIEW_NAMES,
)  # all but the bookkeeping tables: file_index, schema_version, pending, link_*
# An analyst opens the workbook for these first: spending by year, units by year, self-scores
FIRST_SHEETS = ("v_spending", "v_unit_year", "v_scores")
SHEET_ORDER = (*FIRST_SHEETS, *(t for t in EXPORTED if t not in FIRST_SHEETS))
# Rows by year, then unit, then project or name; a report's own rows stay in their order
ORDER_KEYS = (
    "fiscal_year",
    "unit",
    "project_name",
    "report_id",
    "ordinal",
    "seq",
    "level1",
    "level2",
    "name",
    "topic",
    "rule",
    "path",
    "correction_id",
    "review_id",
)
# The workbook names the file a report came from beside its doc_id (tables that have no path of their own)
FILE_NAME = "file_name"
_WIDEST = 60  # characters: a long sentence wraps in the cell rather than widening its column past a screen


@lru_cache(maxsize=1)
def chinese_headers() -> dict[str, str]:
    """column name or 'table.column' → Chinese header, 'sheet:table' → Chinese sheet name, 'value:true'/'value:false'
    → the words for booleans (warehouse/headers.csv)."""
    return {row["column"]: row["chinese"] for row in read_csv("headers.csv", "jixiao.warehouse")}


def header_for(table: str, column: str, headers: dict[str, str]) -> str:
    """column's header in table: a table's own wording first (findings.actual 实际值, not an indicator's 实际完成值)."""
    return headers.get(f"{table}.{column}") or headers.get(column, column)


def file_stem(table: str, headers: dict[str, str]) -> str:
    """The file (and sheet) name of table: its Chinese name under --chinese, else the table's own."""
    return headers.get(f"sheet:{table}", table)


def sql_literal(text: str) -> str:
    """text as a SQL string literal: quotes doubled, so a path with ' or ; stays a path."""
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    if table not in EXPORTED:  # the only names that ever reach SQL here
        raise ValueError(f"not an exported table: {table!r}")
    return [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()]


def _order_by(names: list[str], alias: str = "") -> str:
    keys = [alias + _quoted(k) for k in ORDER_KEYS if k in names]
    return f" ORDER BY {', '.join(keys)}" if keys else ""


def _select(con: duckdb.DuckDBPyConnection, table: str, with_file_name: bool = False) -> duckdb.DuckDBPyConnection:
    """table's rows in ORDER_KEYS order; with_file_name adds the source file's name after doc_id where the table has none."""
    names = [name for name, _ in _columns(con, table)]
    select = [f"t.{_quoted(n)}" for n in names]
    source = f"{table} t"
    if with_file_name and "doc_id" in names and "path" not in names:
        select.insert(names.index("doc_id") + 1, f"regexp_extract(d.path, '[^/\\\\]+$') AS {FILE_NAME}")
        source += " LEFT JOIN documents d ON d.doc_id = t.doc_id"
    return con.execute(f"SELECT {', '.join(select)} FROM {source}{_order_by(names, 't.')}")


def export(
    con: duckdb.DuckDBPyConnection, out: Path, fmt: str, chinese: bool = False, bom: bool = True, notes: list[str] | None = None
) -> list[Path]:
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
        path = out / f"{file_stem(table, headers)}.{fmt}"
        order = _order_by([name for name, _ in _columns(con, table)])  # also checks the name
        if fmt == "parquet":
            con.execute(f"COPY (SELECT * FROM {table}{order}) TO {sql_literal(str(path))} (FORMAT parquet)")
        else:
            _csv(con, table, path, headers, bom)
        written.append(path)
    return written


def _as_text(name: str, kind: str, headers: dict[str, str]) -> str:
    """A column as the CSV shows it (jixiao.base.render.text_of): lists comma-joined, timestamps in ISO form, booleans as 是/否
    under --chinese."""
    column = _quoted(name)
    if kind == "BOOLEAN" and "value:true" in headers:
        return (
            f"CASE WHEN {column} THEN {sql_literal(headers['value:true'])} "
            f"WHEN NOT {column} THEN {sql_literal(headers['value:false'])} END AS {column}"
        )
    if kind.endswith("[]"):
        return f"array_to_string({column}, ', ') AS {column}"
    if kind.startswith("TIMESTAMP"):
        return (
            f"CASE WHEN microsecond({column}) = 0 THEN strftime({column}, '%Y-%m-%dT%H:%M:%S') "
            f"ELSE strftime({column}, '%Y-%m-%dT%H:%M:%S.%f') END AS {column}"
        )
    return column


def _csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, headers: dict[str, str], bom: bool) -> None:
    """The header (Chinese when asked) and the byte-order mark from here, the rows from DuckDB's own CSV writer."""
    kinds = _columns(con, table)
    body = path.with_name(path.name + ".part")
    try:
        con.execute(
            f"COPY (SELECT {', '.join(_as_text(name, kind, headers) for name, kind in kinds)} FROM {table}"
            f"{_order_by([name for name, _ in kinds])}) TO {sql_literal(str(body))} (FORMAT csv, HEADER false)"
        )
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow([header_for(table, name, headers) for name, _ in kinds])
        with path.open("ab") as fh, body.open("rb") as rows:
            shutil.copyfileobj(rows, fh, 1 << 20)
    finally:
        body.unlink(missing_ok=True)


def display_width(value: object) -> int:
    """Characters a cell's text takes on screen: a Chinese character is two wide."""
    text = value if isinstance(value, str) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(names: list[str], rows: list[tuple], styles: list[int]) -> list[float]:
    """Each column as wide as its header and its widest value among rows (the first batch: the workbook streams),
    money with room for its thousands separators, never wider than _WIDEST."""
    from .workbook import MONEY

    widths: list[float] = []
    for i, (name, style) in enumerate(zip(names, styles)):
        widest = max((display_width(r[i]) for r in rows if r[i] is not None), default=0)
        if style == MONEY:
            widest += widest // 3 + 1
        widths.append(min(_WIDEST, max(display_width(name), widest, 6) + 2))
    return widths


def _styles(columns: list[str]) -> list[int]:
    from .workbook import MONEY, PERCENT, PLAIN

    return [MONEY if c.endswith("_yuan") else PERCENT if c.endswith("_pct") else PLAIN for c in columns]


def _xlsx(con: duckdb.DuckDBPyConnection, path: Path, chinese: bool, notes: list[str]) -> Path:
    from .workbook import SHEET_ROWS, Workbook

    headers = chinese_headers() if chinese else {}
    book = Workbook(yes_no=(headers["value:true"], headers["value:false"]) if chinese else None)
    try:
        for table in SHEET_ORDER:
            cursor = _select(con, table, with_file_name=True)
            columns = [d[0] for d in cursor.description]
            names = [header_for(table, c, headers) for c in columns]
            styles = _styles(columns)
            rows = cursor.fetchmany(5000)
            widths = column_widths(names, rows, styles)
            title = file_stem(table, headers)
            sheets = [book.sheet(title, widths, styles)]
            sheets[-1].header(names)
            while rows:
                for row in rows:
                    if sheets[-1].full:  # Excel's limit: the table goes on in the next sheet, under the same header
                        book.add(sheets[-1])
                        sheets.append(book.sheet(title, widths, styles))
                        sheets[-1].header(names)
                    sheets[-1].append(row)
                rows = cursor.fetchmany(5000)
            book.add(sheets[-1])
            if len(sheets) > 1:
                rows_in = sum(s.rows - 1 for s in sheets)
                notes.append(
                    _(
                        "{table} has {rows} rows, more than an Excel sheet holds ({limit} under its header), so it is split "
                        "across the sheets {sheets}."
                    ).format(table=table, rows=f"{rows_in:,}", limit=f"{SHEET_ROWS - 1:,}", sheets=", ".join(s.name for s in sheets))
                )
        return book.save(path)
    except BaseException:
        book.discard()
        raise
