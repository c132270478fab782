"""A streamed .xlsx writer: rows go straight to each sheet's XML as they come, so a workbook of any
size is written in bounded memory and about five times faster than openpyxl's write-only mode (the
cost that made a province's archive take most of an hour).

It writes what the exports need and nothing more: inline strings, numbers (money with thousands
separators and two decimals, rates held as 96.50 shown as 96.50%), booleans (or words for them), dates and
timestamps as Excel dates, a frozen header row with an autofilter, and column widths. A sheet holds at most Excel's 1,048,576 rows; the caller starts another one.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

SHEET_ROWS = 1_048_576  # Excel's limit, the header row included
MAX_NAME = 31  # Excel's limit on a sheet name

_EPOCH = datetime(1899, 12, 30)
# styles: 0 plain, 1 money, 2 date, 3 timestamp, 4 percent (the value is already ×100: 96.50 shows 96.50%)
PLAIN, MONEY, _DATE, _TIMESTAMP, PERCENT = 0, 1, 2, 3, 4
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="4"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd h:mm:ss"/><numFmt numFmtId="167" formatCode="0.00&quot;%&quot;"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
# Printed landscape, one page wide however many columns: a sheet cut into column strips is unreadable on paper
_PRINTED = (
    '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
    '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
)
# characters XML 1.0 does not allow: written as visible escapes, never dropped silently
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


class Sheet:
    """One worksheet being written: rows are appended as XML to a temporary file."""

    def __init__(self, book: Workbook, name: str, widths: Sequence[float], styles: Sequence[int]) -> None:
        self.name = name
        self.rows = 0
        self._styles = styles
        self._yes_no = book.yes_no
        self._cols = [_column(i) for i in range(len(widths))]
        self._file = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".xml", dir=book.scratch, delete=False)
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
        self._file.write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>'
        )

    @property
    def full(self) -> bool:
        return self.rows >= SHEET_ROWS

    def header(self, names: list[str]) -> None:
        self._append("".join(f'<c r="{c}1" t="inlineStr">{_text(n)}</c>' for c, n in zip(self._cols, names)))

    def append(self, row) -> None:
        n = self.rows + 1
        cells = []
        for column, value, style in zip(self._cols, row, self._styles):
            if value is None:
                continue
            where = f"{column}{n}"
            if isinstance(value, str):
                cells.append(f'<c r="{where}" t="inlineStr">{_text(value)}</c>')
            elif isinstance(value, bool) and self._yes_no:  # a word a reader of the Chinese export reads: 是/否
                cells.append(f'<c r="{where}" t="inlineStr">{_text(self._yes_no[not value])}</c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{where}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, Decimal)):
                # Excel stores numbers as doubles: exact to the cent for any amount below 10^13 yuan
                number = float(value)
                if not math.isfinite(number):
                    cells.append(f'<c r="{where}" t="inlineStr">{_text(str(value))}</c>')
                    continue
                text = str(value) if isinstance(value, int) else repr(number)
                cells.append(f'<c r="{where}" s="{style}"><v>{text}</v></c>' if style else f'<c r="{where}"><v>{text}</v></c>')
            elif isinstance(value, datetime):
                serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
                cells.append(f'<c r="{where}" s="{_TIMESTAMP}"><v>{serial!r}</v></c>')
            elif isinstance(value, date):
                cells.append(f'<c r="{where}" s="{_DATE}"><v>{(value - _EPOCH.date()).days}</v></c>')
            elif isinstance(value, (list, tuple)):
                cells.append(f'<c r="{where}" t="inlineStr">{_text(", ".join(map(str, value)))}</c>')
            else:
                cells.append(f'<c r="{where}" t="inlineStr">{_text(str(value))}</c>')
        self._append("".join(cells))

    def _append(self, cells: str) -> None:
        self.rows += 1
        self._file.write(f'<row r="{self.rows}">{cells}</row>')

    @property
    def filter_range(self) -> str:
        """The header row and the rows under it, as the autofilter and its defined name give them."""
        return f"$A$1:${self._cols[-1]}${max(self.rows, 1)}" if self._cols else ""

    def close(self) -> Path:
        # the autofilter follows sheetData in the schema's order; Excel also wants the defined name (Workbook.save)
        self._file.write(
            "</sheetData>" + (f'<autoFilter ref="{self.filter_range.replace("$", "")}"/>' if self._cols else "") + _PRINTED + "</worksheet>"
        )
        self._file.close()
        return Path(self._file.name)


class Workbook:
    """Sheets written one after another, then zipped into one .xlsx."""

    def __init__(self, yes_no: tuple[str, str] | None = None) -> None:
        """yes_no: the words booleans are written as (是, 否); None writes Excel's TRUE/FALSE."""
        self.scratch = tempfile.mkdtemp(prefix="jixiao-xlsx-")
        self.yes_no = yes_no
        self.sheets: list[tuple[str, Path]] = []
        self._filters: list[str] = []
        self._names: set[str] = set()

    def name_for(self, wanted: str) -> str:
        """A sheet name Excel takes: at most 31 characters, none of []:*?/\\, unique whatever the case."""
        base = re.sub(r"[\[\]:*?/\\]", "_", wanted)[:MAX_NAME] or "sheet"
        name, k = base, 1
        while name.lower() in self._names:
            k += 1
            tail = f" ({k})"
            name = base[: MAX_NAME - len(tail)] + tail
        self._names.add(name.lower())
        return name

    def sheet(self, name: str, widths: Sequence[float], styles: Sequence[int]) -> Sheet:
        """A new sheet; styles[i] is column i's number format (PLAIN, MONEY or PERCENT)."""
        return Sheet(self, self.name_for(name), widths, styles)

    def add(self, sheet: Sheet) -> None:
        self._filters.append(sheet.filter_range)
        self.sheets.append((sheet.name, sheet.close()))

    def _defined_names(self) -> str:
        quoted = [name.replace("'", "''") for name, _ in self.sheets]
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{escape(chr(39) + name + chr(39))}!{ref}</definedName>'
            for i, (name, ref) in enumerate(zip(quoted, self._filters))
            if ref
        )
        return f"<definedNames>{names}</definedNames>" if names else ""

    def discard(self) -> None:
        """Remove the sheets written so far (the workbook will not be saved)."""
        shutil.rmtree(self.scratch, ignore_errors=True)

    def save(self, path: Path) -> Path:
        try:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                n = len(self.sheets)
                zf.writestr(
                    "[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/styles.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                    + "".join(
                        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, n + 1)
                    )
                    + "</Types>",
                )
                zf.writestr(
                    "_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                    'Target="xl/workbook.xml"/></Relationships>',
                )
                zf.writestr(
                    "xl/workbook.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                    + "".join(
                        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                        for i, (name, _) in enumerate(self.sheets, start=1)
                    )
                    + "</sheets>"
                    + self._defined_names()
                    + "</workbook>",
                )
                zf.writestr(
                    "xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    + "".join(
                        f'<Relationship Id="rId{i}" '
                        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                        f'Target="worksheets/sheet{i}.xml"/>'
                        for i in range(1, n + 1)
                    )
                    + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
                    'Target="styles.xml"/></Relationships>',
                )
                zf.writestr("xl/styles.xml", _STYLES)
                for i, (_, xml) in enumerate(self.sheets, start=1):
                    zf.write(xml, f"xl/worksheets/sheet{i}.xml")  # zip64 on its own when a sheet is that large
        finally:
            self.discard()
        return path
