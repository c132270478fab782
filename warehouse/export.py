"""Exports for colleagues: every table and view as Parquet, CSV or one Excel workbook."""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb

EXPORTED = ("documents", "reports", "funding", "indicators", "indicator_groups", "flags", "allocations", "budget_lines",
            "sections", "facts", "fields", "findings", "projects", "project_links",
            "v_spending", "v_unit_year", "v_scores", "v_findings_summary")
EXCEL_MAX_ROWS = 1_048_575


@lru_cache(maxsize=1)
def chinese_headers() -> dict[str, str]:
    """column name → Chinese header (warehouse/headers.csv)."""
    text = resources.files("jixiao.warehouse").joinpath("headers.csv").read_text(encoding="utf-8")
    return {row["column"]: row["chinese"] for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))}


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, chinese: bool = False) -> list[Path]:
    """Write every exported table to out in fmt (parquet, csv, xlsx); return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return [_xlsx(con, out / "jixiao.xlsx", chinese)]
    written = []
    for table in EXPORTED:
        path = out / f"{table}.{fmt}"
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{path.as_posix()}' ({options})")
        written.append(path)
    return written


def _xlsx(con: duckdb.DuckDBPyConnection, path: Path, chinese: bool) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    headers = chinese_headers() if chinese else {}
    book = Workbook(write_only=True)
    for table in EXPORTED:
        cursor = con.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        sheet = book.create_sheet(table[:31])
        for i, name in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(headers.get(name, name)) * 2 + 2))
        sheet.append([headers.get(c, c) for c in columns])
        n = 0
        while rows := cursor.fetchmany(5000):
            for row in rows:
                n += 1
                if n > EXCEL_MAX_ROWS:
                    break
                # Excel stores numbers as doubles: exact to the cent for any amount below 10^13 yuan
                sheet.append([float(v) if isinstance(v, Decimal) else (", ".join(map(str, v)) if isinstance(v, list) else v)
                              for v in row])
    book.save(path)
    return path
