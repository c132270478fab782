"""Read an .xlsx workbook into the shared grid model.

Merged ranges become spans; a number is shown as its cell format shows it (0.9365 under 0.00%
is 「93.65%」, 1270000 under #,##0.00 is 「1270000.00」); every sheet is read, and a sheet holding
several forms (blocks separated by empty rows) gives one table per form, with its title rows
(a single filled cell) as paragraphs before it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from io import BytesIO

import regex

from jixiao.errors import ExtractError
from jixiao.model import Block, Cell, Document, Paragraph, Table

MAX_PART_BYTES = 200 * 1024 * 1024
MAX_SHEET_CELLS = 2_000_000  # a report form is a few thousand cells; a grid past this is not one
_DECIMALS = regex.compile(r"0\.(0+)")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.file_size > MAX_PART_BYTES:
                    raise ExtractError(f"The workbook's {info.filename} expands to {info.file_size // (1024 * 1024)} MB, "
                                       "which looks like a zip bomb; it was not read.")
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    xml = zf.read(info)
                    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                        # Excel never writes a DTD; one is an entity-expansion attack or not Excel's
                        raise ExtractError(f"The workbook's {info.filename} declares a DTD with entities, which Excel never writes; "
                                           "it was not read.")
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, zlib.error) as exc:
        raise ExtractError("The file looks like an Excel workbook but its zip container is damaged or truncated; open it in "
                           "Excel or WPS, save it again and ingest the saved copy.", detail=f"{type(exc).__name__}: {exc}")


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
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractError("The workbook's contents are damaged; open it in Excel or WPS, save it again and ingest the saved copy.",
                           detail=f"{type(exc).__name__}: {exc}")
    blocks: list[Block] = []
    n_tables = 0
    for sheet_no, sheet in enumerate(book.worksheets, start=1):
        for group in _blocks_of_rows(_sheet_rows(sheet, sheet_no)):
            paragraphs, table_rows = _peel_titles(group)
            blocks.extend(Paragraph(p.text, sheet_no, len(blocks)) for p in paragraphs)
            if table_rows:
                blocks.append(_table(table_rows, n_tables, sheet_no))
                n_tables += 1
    return Document("xlsx", tuple(blocks), n_pages=len(book.worksheets))


def _sheet_rows(sheet, sheet_no: int) -> list[list[Cell]]:
    """The rows of a sheet that hold something, each with a Cell per column up to the last used one;
    an empty list stands for a gap of empty rows.

    Only cells that exist are visited: a sheet's declared size (a stray cell at XFD1048576) says
    nothing about how much it holds, and a dense walk of it would need gigabytes.
    """
    filled = {pos: c for pos, c in sheet._cells.items() if c.value is not None}  # openpyxl keeps only written cells
    if not filled:
        return []
    top, left = max(r for r, _ in filled), max(c for _, c in filled)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for m in sheet.merged_cells.ranges:
        # a merge beyond the filled cells is cut to them: an A1:XFD1048576 merge must not cost a cell each
        r1, c1, r2, c2 = m.min_row, m.min_col, min(m.max_row, top), min(m.max_col, left)
        if r1 > r2 or c1 > c2:
            continue
        if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_SHEET_CELLS:
            raise ExtractError(f"Sheet {sheet_no} has a merged range over {m.coord}, far larger than any report form; "
                               "the workbook is damaged or was not made as a report.")
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1))
    used_rows = sorted({r for r, _ in filled} | {r for r, _ in covered} | {r for r, _ in spans})
    if len(used_rows) * left > MAX_SHEET_CELLS:
        raise ExtractError(f"Sheet {sheet_no} holds {len(filled)} cells spread over {len(used_rows)} rows and {left} columns, "
                           "far beyond any report form; it was not read. Keep only the form in the sheet and save it again.")
    rows: list[list[Cell]] = []
    previous = 0
    for r in used_rows:
        if r > previous + 1 and previous:
            rows.append([])  # empty rows between: a boundary between forms
        cells = []
        for c in range(1, left + 1):
            if (r, c) in covered:
                continue
            xl = filled.get((r, c))
            rowspan, colspan = spans.get((r, c), (1, 1))
            cells.append(Cell(cell_text(xl.value, xl.number_format) if xl is not None else "", r, c, rowspan, colspan, sheet_no))
        rows.append(cells)
        previous = r
    return rows


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
