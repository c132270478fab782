"""Exports for colleagues: every table and view as Parquet, CSV or one Excel workbook.

No path or name is pasted into SQL: tables come from EXPORTED (a constant), and the one path a
COPY needs goes in as a quoted literal (DuckDB takes no parameter there).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from jixiao.data import read_csv
from jixiao.model import REPORT_TABLES

from .schema import VIEW_NAMES

EXPORTED = ("documents", "document_paths", "reports", *REPORT_TABLES, "unread", "projects", "project_links", "corrections", "finding_reviews",
            *VIEW_NAMES)  # all but the bookkeeping tables: file_index, schema_version, pending
EXCEL_MAX_ROWS = 1_048_575
MONEY_FORMAT = "#,##0.00"  # thousands separators, two decimals: how finance staff read 元


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


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, chinese: bool = False, bom: bool = True) -> list[Path]:
    """Write every exported table to out in fmt (parquet, csv, xlsx); return the files written.

    CSV starts with a byte-order mark unless bom is False: Excel on Chinese Windows reads a CSV
    without one as GBK and garbles it.
    """
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return [_xlsx(con, out / "jixiao.xlsx", chinese)]
    headers = chinese_headers() if chinese else {}
    written = []
    for table in EXPORTED:
        path = out / f"{table}.{fmt}"
        if fmt == "parquet":
            _select(con, table)  # checks the name
            con.execute(f"COPY (SELECT * FROM {table}) TO {sql_literal(str(path))} (FORMAT parquet)")
        else:
            _csv(_select(con, table), path, headers, bom)
        written.append(path)
    return written


def _csv(cursor: duckdb.DuckDBPyConnection, path: Path, headers: dict[str, str], bom: bool) -> None:
    from jixiao.render import text_of

    columns = [d[0] for d in cursor.description]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([headers.get(c, c) for c in columns])
        while rows := cursor.fetchmany(5000):
            writer.writerows([text_of(v) for v in row] for row in rows)


def _xlsx(con: duckdb.DuckDBPyConnection, path: Path, chinese: bool) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    headers = chinese_headers() if chinese else {}
    book = Workbook(write_only=True)
    for table in EXPORTED:
        cursor = _select(con, table)
        columns = [d[0] for d in cursor.description]
        sheet = book.create_sheet(headers.get(f"sheet:{table}", table)[:31])
        sheet.freeze_panes = "A2"  # the header stays in view while scrolling
        for i, name in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(headers.get(name, name)) * 2 + 2))
        sheet.append([headers.get(c, c) for c in columns])
        money = [c.endswith("_yuan") for c in columns]

        def cell(value, is_money: bool):
            if isinstance(value, Decimal):
                # Excel stores numbers as doubles: exact to the cent for any amount below 10^13 yuan
                value = float(value)
                if is_money:
                    value = WriteOnlyCell(sheet, value=value)
                    value.number_format = MONEY_FORMAT
                return value
            return ", ".join(map(str, value)) if isinstance(value, list) else value

        n = 0
        while rows := cursor.fetchmany(5000):
            for row in rows:
                n += 1
                if n > EXCEL_MAX_ROWS:
                    break
                sheet.append([cell(v, m) for v, m in zip(row, money)])
    book.save(path)
    return path
