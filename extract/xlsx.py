"""Read an .xlsx workbook into the shared grid model.

Merged ranges become spans; a number is shown as its cell format shows it (0.9365 under 0.00%
is 「93.65%」, 1270000 under #,##0.00 is 「1270000.00」); every sheet is read, and a sheet holding
several forms (blocks separated by empty rows) gives one table per form, with its title rows
(a single filled cell) as paragraphs before it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from io import BytesIO

import regex

from jixiao.errors import ExtractError
from jixiao.model import Block, Cell, Document, Paragraph, Table

MAX_PART_BYTES = 200 * 1024 * 1024
_DECIMALS = regex.compile(r"0\.(0+)")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.file_size > MAX_PART_BYTES:
                    raise ExtractError(f"The workbook's {info.filename} expands to {info.file_size // (1024 * 1024)} MB, "
                                       "which looks like a zip bomb; it was not read.")
    except zipfile.BadZipFile:
        raise ExtractError("The file looks like an Excel workbook but its zip container is damaged or truncated.")


def cell_text(value, number_format: str | None) -> str:
    """Given a cell's value and number format, return the text a person sees in Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.datetime, dt.date)):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f"{day.year}年{day.month}月{day.day}日"
    if isinstance(value, (int, float)):
        fmt = number_format or "General"
        m = _DECIMALS.search(fmt)
        decimals = len(m.group(1)) if m else None
        if "%" in fmt:
            return f"{value * 100:.{decimals or 0}f}%"
        if decimals is not None:
            return f"{value:.{decimals}f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value).strip()


def read_xlsx(data: bytes) -> Document:
    """Given the bytes of an .xlsx, return its sheets' title paragraphs and table grids."""
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(BytesIO(data), data_only=True)  # the values Excel last computed, not formulas
    except Exception as exc:
        raise ExtractError(f"The Excel workbook could not be opened ({type(exc).__name__}).")
    blocks: list[Block] = []
    n_tables = 0
    for sheet_no, sheet in enumerate(book.worksheets, start=1):
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for merged in sheet.merged_cells.ranges:
            spans[(merged.min_row, merged.min_col)] = (merged.max_row - merged.min_row + 1, merged.max_col - merged.min_col + 1)
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if (r, c) != (merged.min_row, merged.min_col):
                        covered.add((r, c))
        rows: list[list[Cell]] = []
        for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_column), start=1):
            cells = []
            for c, xl in enumerate(row, start=1):
                if (r, c) in covered:
                    continue
                rowspan, colspan = spans.get((r, c), (1, 1))
                cells.append(Cell(cell_text(xl.value, xl.number_format), r, c, rowspan, colspan, sheet_no))
            rows.append(cells)
        for group in _blocks_of_rows(rows):
            paragraphs, table_rows = _peel_titles(group)
            blocks.extend(Paragraph(p.text, sheet_no, len(blocks)) for p in paragraphs)
            if table_rows:
                blocks.append(_table(table_rows, n_tables, sheet_no))
                n_tables += 1
    return Document("xlsx", tuple(blocks), n_pages=len(book.worksheets))


def _blocks_of_rows(rows: list[list[Cell]]) -> list[list[list[Cell]]]:
    """Split a sheet at empty rows (no merged cell running through them): one block per form."""
    groups: list[list[list[Cell]]] = [[]]
    reach = 0  # last row a merged cell of the current group covers
    for cells in rows:
        row_no = cells[0].row if cells else None
        filled = [c for c in cells if c.text]
        if not filled and (row_no is None or row_no > reach):
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append(cells)
        reach = max([reach] + [c.last_row for c in cells if c.text or c.rowspan > 1])
    return [g for g in groups if g]


def _peel_titles(group: list[list[Cell]]) -> tuple[list[Cell], list[list[Cell]]]:
    """Leading rows with one filled cell are titles (表名, 年度, 单位：万元), not part of the grid."""
    titles = []
    while group and len([c for c in group[0] if c.text]) == 1 and len(group) > 1:
        titles.append(next(c for c in group[0] if c.text))
        group = group[1:]
    return titles, group


def _table(rows: list[list[Cell]], index: int, sheet_no: int) -> Table:
    """Re-base a block of sheet rows into a grid starting at (0, 0), dropping columns no cell uses."""
    cells = [c for row in rows for c in row]
    first_row = rows[0][0].row if rows[0] else min(c.row for c in cells)
    used = sorted({col for c in cells if c.text or c.colspan > 1 or c.rowspan > 1 for col in range(c.col, c.last_col + 1)})
    if not used:
        used = [1]
    lo, hi = used[0], used[-1]
    out = []
    for c in cells:
        if c.last_col < lo or c.col > hi:
            continue
        col = max(c.col, lo)
        out.append(Cell(c.text, c.row - first_row, col - lo, c.rowspan, min(c.last_col, hi) - col + 1, sheet_no))
    n_rows = max(c.row + c.rowspan for c in out)
    return Table(index, tuple(out), n_rows, hi - lo + 1, sheet_no)
