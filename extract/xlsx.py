"""Read an .xlsx workbook into the shared grid model.

Merged ranges become spans; a number is shown as its cell format shows it (0.9365 under 0.00%
is 「93.65%」, 1270000 under #,##0.00 is 「1270000.00」); every sheet is read, and a sheet holding
several forms (blocks separated by empty rows) gives one table per form, with its title rows
(a single filled cell) as paragraphs before it.

openpyxl reads the cells, but only after the workbook has been looked over part by part
(`_salvaged`): openpyxl builds a cell object for every position a merged range covers before
anything could stop it (a merge over A1:XFD1048576 held a reader until its time limit), and it
fails the whole file on one odd value (a cell style past the style table, a number that is no
number, a damaged docProps part). So each worksheet is handed to it holding only its cells and
merged ranges, odd values made plain errors (#VALUE!) with a finding, merges cut to the cells
written and a merge that would hide written values left out; a part the form does not need that
cannot be unpacked or parsed is left out with a finding.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from io import BytesIO

import regex
from lxml import etree

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import N_, _
from jixiao.base.model import Block, Cell, Document, Finding, Paragraph, Table

from .office_zip import PartUnreadable, open_zip, read_part
from .options import ReadOptions

MAX_SHEET_CELLS = 2_000_000  # a report form is a few thousand cells; a grid past this is not one
_DECIMALS = regex.compile(r"0\.(0+)")
_OWNER = N_("The workbook's")  # a sentence's subject, translated where said
# Parts openpyxl reads that no value of a form lives in: one that cannot be read is left out
_SPARE = re.compile(
    r"^(docProps/|customXml/|xl/theme/|xl/printerSettings/|xl/calcChain\.xml$|xl/worksheets/_rels/|xl/drawings/|"
    r"xl/media/|xl/charts/|xl/comments|xl/externalLinks/|xl/ctrlProps/|xl/activeX/)"
)
# Worksheet parts, and what openpyxl would read from them beyond cells and merges (formats, drawings,
# links): left out, since none of it is a value and each is one more thing that can fail the file
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
MAX_COL, MAX_ROW = 16384, 1048576


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _salvaged(data: bytes, findings: list[Finding]) -> bytes:
    """The workbook's zip rebuilt as openpyxl should see it (see the module's note), or an ExtractError."""
    parts: dict[str, bytes] = {}
    with open_zip(data, N_("an Excel workbook"), "Excel") as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            try:
                part = read_part(zf, info, _OWNER)
            except PartUnreadable as exc:
                if not _SPARE.match(info.filename):
                    raise ExtractError(
                        _("{OWNER} {name} {reason}; open it in Excel or WPS, save it again and ingest the saved copy.").format(
                            OWNER=_(_OWNER), name=exc.name, reason=exc.reason
                        ),
                        detail=exc.detail,
                    ) from exc
                findings.append(
                    Finding(
                        "file_damaged",
                        "warning",
                        _("{OWNER} {name} {reason}; it holds no values of the form, and the workbook was read without it.").format(
                            OWNER=_(_OWNER), name=exc.name, reason=exc.reason
                        ),
                        None,
                        exc.name,
                    )
                )
                continue
            if info.filename.endswith((".xml", ".rels", ".vml")) and (b"<!DOCTYPE" in part or b"<!ENTITY" in part):
                # Excel never writes a DTD; one is an entity-expansion attack or not Excel's
                raise ExtractError(
                    _("{OWNER} {filename} declares a DTD with entities, which Excel never writes; it was not read.").format(
                        OWNER=_(_OWNER), filename=info.filename
                    )
                )
            parts[info.filename] = part
    for name in [n for n in parts if _SPARE.match(n) and n.endswith((".xml", ".rels"))]:
        try:
            etree.fromstring(parts[name], _xml_parser())
        except etree.XMLSyntaxError:
            del parts[name]
            findings.append(
                Finding(
                    "file_damaged",
                    "warning",
                    _("{OWNER} {name} is damaged; it holds no values of the form, and the workbook was read without it.").format(
                        OWNER=_(_OWNER), name=name
                    ),
                    None,
                    name,
                )
            )
    styles, strings = _count(parts, "xl/styles.xml", "cellXfs", "xf"), _count(parts, "xl/sharedStrings.xml", None, "si")
    names = _sheet_names(parts)
    for name in [n for n in parts if _WORKSHEET.match(n)]:
        parts[name] = _plain_sheet(parts[name], names.get(name, name), max(styles, 1), strings, findings)
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, part in parts.items():
            if not name.startswith("xl/worksheets/_rels/"):  # comments, drawings, links: never values
                zf.writestr(name, part)
    return out.getvalue()


def _count(parts: dict[str, bytes], name: str, parent: str | None, child: str) -> int:
    """How many `child` elements (under `parent`) a part holds; 0 when it is missing or damaged."""
    if name not in parts:
        return 0
    try:
        root = etree.fromstring(parts[name], _xml_parser())
    except etree.XMLSyntaxError:
        return 0
    holder = root.find(f"{{{_MAIN}}}{parent}") if parent else root
    return 0 if holder is None else len(holder.findall(f"{{{_MAIN}}}{child}"))


def _sheet_names(parts: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part → 「its name」, from the workbook and its relationships; {} where they cannot be read."""
    try:
        book = etree.fromstring(parts["xl/workbook.xml"], _xml_parser())
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"], _xml_parser())
    except (KeyError, etree.XMLSyntaxError):
        return {}
    targets = {r.get("Id"): "xl/" + (r.get("Target") or "").lstrip("/").removeprefix("xl/") for r in rels}
    ids = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {targets[s.get(ids)]: _("Sheet 「{name}」").format(name=s.get("name")) for s in book.iter(f"{{{_MAIN}}}sheet") if s.get(ids) in targets}


def _position(ref: str | None) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as B12, None when it is no cell of a sheet."""
    m = _REF.match(ref or "")
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    return (row, col) if 1 <= row <= MAX_ROW and col <= MAX_COL else None


def _plain_value(c: etree._Element, strings: int) -> bool:
    """Whether a cell's value is one openpyxl reads for its type (t)."""
    from openpyxl.utils.datetime import from_ISO8601
    from openpyxl.worksheet._reader import _cast_number

    kind, v = c.get("t", "n"), c.findtext(f"{{{_MAIN}}}v")
    if not v or kind in ("str", "e", "inlineStr"):
        return True
    try:
        if kind == "n":
            _cast_number(v)
        elif kind == "s":
            return 0 <= int(v) < strings
        elif kind == "b":
            int(v)
        elif kind == "d":
            from_ISO8601(v)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _plain_sheet(xml: bytes, sheet: str, styles: int, strings: int, findings: list[Finding]) -> bytes:
    """A worksheet as openpyxl should see it: its cells and merged ranges only, each odd value plain."""
    try:
        root = etree.fromstring(xml, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ExtractError(
            _(
                "{sheet} of the workbook is damaged near line {position}, column {position2} and could not be "
                "read; open the workbook in Excel or WPS, save it again and ingest the saved copy."
            ).format(sheet=sheet, position=exc.position[0], position2=exc.position[1]),
            detail=exc.msg,
        ) from exc
    out = etree.Element(root.tag, nsmap=root.nsmap)
    data = root.find(f"{{{_MAIN}}}sheetData")
    filled: set[tuple[int, int]] = set()
    odd: list[str] = []
    restyled: list[str] = []
    if data is not None:
        row_no = 0
        for row in data.iterfind(f"{{{_MAIN}}}row"):
            if not (row.get("r") or "").isdigit() or not 1 <= int(row.get("r")) <= MAX_ROW:
                row.attrib.pop("r", None)  # counted on from the row before, as openpyxl does
                row_no += 1
            else:
                row_no = int(row.get("r"))
            col_no = 0
            for c in row.iterfind(f"{{{_MAIN}}}c"):
                at = _position(c.get("r"))
                if at is None:
                    c.attrib.pop("r", None)
                    at = (row_no, col_no + 1)
                col_no = at[1]
                style = c.get("s")
                if style is not None and (not style.isdigit() or int(style) >= styles):
                    del c.attrib["s"]  # a style past the style table: the default one
                    restyled.append(f"{_column_name(at[1])}{at[0]}")
                if not _plain_value(c, strings):
                    odd.append(f"{_column_name(at[1])}{at[0]}")
                    for child in list(c):
                        c.remove(child)
                    c.set("t", "e")
                    etree.SubElement(c, f"{{{_MAIN}}}v").text = "#VALUE!"
                if c.findtext(f"{{{_MAIN}}}v") or c.find(f"{{{_MAIN}}}is") is not None:
                    filled.add(at)
        out.append(data)
    if odd:
        findings.append(
            Finding(
                "value_unreadable",
                "warning",
                _(
                    "{sheet}: {n_odd} cell(s) hold a value that does not fit its type (the first {odd}); each reads as #VALUE! and is stored as NULL."
                ).format(sheet=sheet, n_odd=len(odd), odd=odd[0]),
                None,
                ", ".join(odd[:20]),
            )
        )
    if restyled:
        findings.append(
            Finding(
                "file_damaged",
                "warning",
                _(
                    "{sheet}: {n_restyled} cell(s) name a style the workbook does "
                    "not have (the first {restyled}); they are shown unformatted "
                    "(0.9365, not 93.65%)."
                ).format(sheet=sheet, n_restyled=len(restyled), restyled=restyled[0]),
                None,
                ", ".join(restyled[:20]),
            )
        )
    merges = _plain_merges(root.find(f"{{{_MAIN}}}mergeCells"), filled, sheet, findings)
    if merges is not None:
        out.append(merges)
    return etree.tostring(out, xml_declaration=True, encoding="UTF-8", standalone=True)


def _column_name(col: int) -> str:
    name = ""
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def _plain_merges(merges: etree._Element | None, filled: set[tuple[int, int]], sheet: str, findings: list[Finding]) -> etree._Element | None:
    """The merged ranges cut to the cells written (a merge reaching past them costs nothing); a range
    that is no range, or that would hide a written value other than its first cell's (Excel and WPS
    clear the cells they merge, so such a merge is damage), is left out with a finding."""
    if merges is None or not filled:
        return None
    bottom, right = max(r for r, _ in filled), max(c for _, c in filled)
    kept = etree.Element(merges.tag)
    total = 0
    for merge in merges.iterfind(f"{{{_MAIN}}}mergeCell"):
        ref = merge.get("ref") or ""
        first, _colon, last = ref.partition(":")
        a, b = _position(first), _position(last or first)
        if a is None or b is None:
            findings.append(
                Finding(
                    "file_damaged",
                    "warning",
                    _("{sheet} names a merged range 「{ref}」 that is no range of cells; it was left out.").format(sheet=sheet, ref=ref[:40]),
                    None,
                    ref[:40],
                )
            )
            continue
        r1, c1, r2, c2 = min(a[0], b[0]), min(a[1], b[1]), min(max(a[0], b[0]), bottom), min(max(a[1], b[1]), right)
        if r1 > r2 or c1 > c2:
            continue  # wholly beyond the written cells: it merges nothing that is read
        area = (r2 - r1 + 1) * (c2 - c1 + 1)
        hidden = (
            sum(1 for r, c in filled if r1 <= r <= r2 and c1 <= c <= c2)
            if area > len(filled)
            else sum(1 for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) in filled)
        ) - ((r1, c1) in filled)
        if hidden:
            findings.append(
                Finding(
                    "file_damaged",
                    "warning",
                    _(
                        "{sheet} has a merged range {ref} that would hide {hidden} "
                        "filled cell(s); Excel and WPS clear the cells they merge, "
                        "so the range is damage and was left out."
                    ).format(sheet=sheet, ref=ref, hidden=hidden),
                    None,
                    ref,
                )
            )
            continue
        total += area
        if total > MAX_SHEET_CELLS:
            raise ExtractError(
                _(
                    "{sheet} has merged ranges over more than {MAX_SHEET_CELLS:,} cells, far beyond any report "
                    "form; the workbook is damaged or was not made as a report."
                ).format(sheet=sheet, MAX_SHEET_CELLS=MAX_SHEET_CELLS)
            )
        merge.set("ref", f"{_column_name(c1)}{r1}:{_column_name(c2)}{r2}")
        kept.append(merge)
    return kept if len(kept) else None


def number_format(cell) -> str | None:
    """A cell's number format; None (General) when its style names a format the workbook does not define."""
    try:
        return cell.number_format
    except (IndexError, KeyError):
        return None


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


def read_xlsx(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given the bytes of an .xlsx, return its sheets' title paragraphs and table grids (no option applies to it)."""
    from openpyxl import load_workbook

    findings: list[Finding] = []
    salvaged = _salvaged(data, findings)
    try:
        with warnings.catch_warnings():  # openpyxl warns of what it passes over; the reader says what matters
            warnings.simplefilter("ignore")
            book = load_workbook(BytesIO(salvaged), data_only=True)  # the values Excel last computed, not formulas
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractError(
            _("The workbook's contents are damaged; open it in Excel or WPS, save it again and ingest the saved copy."),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    blocks: list[Block] = []
    n_tables = 0
    unformatted: list[str] = []
    for sheet_no, sheet in enumerate(book.worksheets, start=1):
        for group in _blocks_of_rows(_sheet_rows(sheet, sheet_no, unformatted)):
            paragraphs, table_rows = _peel_titles(group)
            blocks.extend(Paragraph(p.text, sheet_no, len(blocks)) for p in paragraphs)
            if table_rows:
                blocks.append(_table(table_rows, n_tables, sheet_no))
                n_tables += 1
    if unformatted:
        findings.append(
            Finding(
                "file_damaged",
                "warning",
                _(
                    "{n_unformatted} cell(s) of the workbook have a style naming a "
                    "number format it does not define (the first {unformatted}); "
                    "they are shown as General (0.9365, not 93.65%)."
                ).format(n_unformatted=len(unformatted), unformatted=unformatted[0]),
                None,
                ", ".join(unformatted[:20]),
            )
        )
    return Document("xlsx", tuple(blocks), n_pages=len(book.worksheets), findings=tuple(findings))


def _sheet_rows(sheet, sheet_no: int, unformatted: list[str]) -> list[list[Cell]]:
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
            raise ExtractError(
                _(
                    "Sheet {sheet_no} has a merged range over {coord}, far larger than any report form; the "
                    "workbook is damaged or was not made as a report."
                ).format(sheet_no=sheet_no, coord=m.coord)
            )
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1))
    used_rows = sorted({r for r, _ in filled} | {r for r, _ in covered} | {r for r, _ in spans})
    if len(used_rows) * left > MAX_SHEET_CELLS:
        raise ExtractError(
            _(
                "Sheet {sheet_no} holds {n_filled} cells spread over {n_used_rows} rows and {left} columns, far "
                "beyond any report form; it was not read. Keep only the form in the sheet and save it again."
            ).format(sheet_no=sheet_no, n_filled=len(filled), n_used_rows=len(used_rows), left=left)
        )
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
            text = ""
            if xl is not None:
                fmt = number_format(xl)
                if fmt is None:
                    unformatted.append(f"{sheet.title}!{xl.coordinate}")
                text = cell_text(xl.value, fmt)
            cells.append(Cell(text, r, c, rowspan, colspan, sheet_no))
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
