"""Read a text PDF (pages from pdfium_pages, or pdfplumber) into the shared grid model.

Ruled tables become grids (a merged cell once, with its span); a table cut by a page break
is joined with its continuation, and a cell that may be the rest of one the break cut (a row
cut in two, a merged cell going on) is marked `continues` for normalize to judge; text
wrapped inside a cell is rejoined (a break that only wraps Chinese text is not a space),
while a real line break stays; private-use checkbox glyphs become ☑/□; running page numbers
are dropped.
"""

from __future__ import annotations

import bisect
import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal, Protocol

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage

from jixiao.base import notes
from jixiao.base.errors import ExtractError, is_out_of_memory, raised_by_parser
from jixiao.base.i18n import N_, _, language, ngettext
from jixiao.base.model import Block, Cell, Document, Finding, Paragraph, Table

from .ocr import fix_checkboxes, ocr_available, ocr_page, scan_key
from .options import ReadOptions
from .pdfium_pages import NeedsPdfplumber, PdfiumPdf, open_pdf
from .symbols import map_private_use, pdf_symbol_font, symbol_font_text

# pdfminer logs each damaged stream or operator it passes over (「Could not set text font …」) at WARNING,
# which lands among the user's progress lines; what matters reaches the user as a finding or a sentence
logging.getLogger("pdfminer").setLevel(logging.ERROR)
log = logging.getLogger("jixiao.extract.pdf")

SNAP = 2.0  # points: edges closer than this are one grid line
_CLOSERS = set("%％）)】」』》〉。，、；：！？,.;:!?")
_OPENERS = set("【《（(“‘「『〔［[")
_FULL_WIDTH_CLOSERS = set("，。、；：！？）】」』》〉％")
_SPACE_GAP = 0.23  # of the font size: under a space in these forms' fonts (0.25–0.32 em), over the 0.2 em LibreOffice puts between Chinese and digits
_SENTENCE_END = set("。！？!?")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–~]?\s*\d{1,4}\s*[-—–~]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")


@dataclass
class Line:
    chars: list[dict]
    top: float
    bottom: float
    x0: float
    x1: float
    text: str
    page: int = 0


class _FoundTable(Protocol):
    """A table a page's finder gave: pdfplumber's (its own pages, or pdfium_pages' through its TableFinder)
    or OCR's OcrTable."""

    @property
    def bbox(self) -> tuple[float, float, float, float]: ...

    @property
    def cells(self) -> list[tuple[float, float, float, float]]: ...


Continues = Literal["cut", "maybe"]  # how a cell below a page break may go on from the one above (Cell.continues)


@dataclass
class _RawCell:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    page: int
    confidence: float | None = None
    pitch: float = 0.0  # distance from one line of the cell's text to the next; 0 for an empty cell
    continues: Continues | None = None  # first below a page break: "cut" or "maybe" the rest of the cell above it (Cell.continues)
    tail: float = 0.0  # right end of its last line of text
    limit: float = 0.0  # right edge its text may reach (the cell's right edge less its padding)
    head: float = 0.0  # width of the first character of its first line, with the marks that travel with it
    gap: float = 0.0  # space between its last line of text and its bottom edge
    box: tuple[float, float, float, float] | None = None  # on its own page (Cell.bbox)


@dataclass
class _RawTable:
    """A table as cell rectangles, possibly over several pages; y is stacked page after page."""

    cells: list[_RawCell] = field(default_factory=list)
    page: int = 0
    xs: list[float] = field(default_factory=list)  # column boundaries of the last part
    height: float = 0.0  # stacked height so far
    end: float = 0.0  # bottom of the last part on its page
    repeated_at: list[float] = field(default_factory=list)  # where a repetition of the first row was dropped (Table.repeated)


# --- characters → lines → text --------------------------------------------------------


def chars_to_lines(chars: list[dict]) -> list[Line]:
    """Given pdfplumber chars, return visual lines top to bottom, each left to right."""
    lines: list[Line] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        size = ch.get("size") or (ch["bottom"] - ch["top"]) or 10
        if lines and abs(ch["top"] - lines[-1].top) <= size * 0.5:
            lines[-1].chars.append(ch)
        else:
            lines.append(Line([ch], ch["top"], ch["bottom"], 0, 0, ""))
    for line in lines:
        line.chars.sort(key=lambda c: c["x0"])
        line.x0 = line.chars[0]["x0"]
        line.x1 = max(c["x1"] for c in line.chars)
        line.bottom = max(c["bottom"] for c in line.chars)
        line.text = _line_text(line.chars)
    return [ln for ln in lines if ln.text.strip()]


def _line_text(chars: list[dict]) -> str:
    out: list[str] = []
    prev = None
    for ch in chars:
        text = " " if ch["text"] == "\u00a0" else ch["text"]  # pdfium gives a no-break space as a space
        # A run of spaces is one space, and none before full-width punctuation (「服务 ，」), and a gap
        # as wide as a space is one: pdfium's text layer drops a space after another in the content
        # stream (even with a glyph of another font drawn between them) and before such punctuation,
        # so only this reading gives the same text from both backends.
        if text == " " and out and out[-1] == " ":
            continue
        if prev is not None and text != " " and out and out[-1] != " ":
            gap = ch["x0"] - _glyph_end(prev)
            if gap > (0.3 if "conf" in ch else _SPACE_GAP) * (ch.get("size") or 10):  # OCR boxes end loosely
                out.append(" ")
        if text in _FULL_WIDTH_CLOSERS and out and out[-1] == " ":
            out.pop()
        if prev is not None and text == prev["text"] and abs(ch["x0"] - prev["x0"]) < 0.5:
            continue  # fake bold: the same glyph printed twice
        out.append(" " if text == " " else _char_text(ch))
        prev = ch
    return _SURROGATE.sub("\ufffd", map_private_use("".join(out)))


# Half of a UTF-16 pair alone, as a damaged ToUnicode map gives: no character, and no text store takes it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _glyph_end(ch: dict) -> float:
    """Where a character ends for the space rule: a Chinese character is as wide as its font size at most (pdfium
    reports some glyphs' boxes wider than their advance — 續 in a Japanese-Kana CJK face — pdfplumber does not).
    An OCR character is a slice of its word's box, as wide as it is, whatever the size says."""
    if "conf" in ch:
        return ch["x1"]
    if "\u3400" <= ch["text"] <= "\u9fff" or "\uf900" <= ch["text"] <= "\ufaff":
        return min(ch["x1"], ch["x0"] + (ch.get("size") or 10))
    return ch["x1"]


def _char_text(ch: dict) -> str:
    """Given a pdfplumber char, return its text, a letter in a symbol font read as the glyph it draws."""
    text = ch["text"]
    if len(text) != 1:
        return text  # 「(cid:82)」 and the like: no code point to look up
    glyphs = pdf_symbol_font(ch.get("fontname") or "")
    return symbol_font_text(glyphs, text) if glyphs else text


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def _first_token_width(line: Line) -> float:
    """Width of what would have had to fit at the end of the previous line: a word or one CJK char; a word (a
    figure) with the closing marks after it that may not open a line (「86.4，」 moves down whole). A CJK char's
    mark is left out: 「六、」 opening a line is a heading as often as a wrap."""
    chars = [c for c in line.chars if c["text"].strip()]
    if not chars:
        return 0.0
    lead = 0
    while lead < len(chars) - 1 and chars[lead]["text"] in _OPENERS:
        lead += 1  # an opening bracket never ends a line: it travels with what follows
    if _is_cjk(chars[lead]["text"]):
        return chars[lead]["x1"] - chars[0]["x0"]
    last, end = lead, chars[lead]["x1"]
    for i in range(lead + 1, len(chars)):
        c = chars[i]
        if _is_cjk(c["text"]) or c["x0"] - end > 0.3 * (c.get("size") or 10):
            break
        end, last = c["x1"], i
    while last < len(chars) - 1 and chars[last + 1]["text"] in _CLOSERS | _CLOSING_QUOTES:
        last += 1
    return chars[last]["x1"] - chars[0]["x0"]


def _beyond(a: float, b: float) -> bool:
    """a > b by more than float noise: pdfium's single-precision 501.10001 and pdfminer's 501.1 are
    one position, and a layout often puts text exactly on such a threshold."""
    return round(a - b, 3) > 0


def _is_full(prev: Line, line: Line, right: float) -> bool:
    """Whether prev ends because it was full: the next word would not fit, or only line-start
    rules (no ，。 at a line start) pulled a character or two over to the next line."""
    size = prev.chars[-1].get("size") or 10
    if _beyond(prev.x1 + _first_token_width(line), right + 1.5):
        return True
    slack = 3.5 if "conf" in prev.chars[-1] else 2.0  # OCR boxes end less exactly than glyphs
    return _beyond(prev.x1, right - slack * size) and prev.text.rstrip()[-1:] not in _SENTENCE_END


def join_lines(lines: list[Line], right: float) -> str:
    """Given lines in a box whose text ends at x=right, rejoin lines that only wrap.

    A break is a wrap when the next line's first word would not have fitted on the line, or
    when the next line starts with a closing mark (％, ）, 。); a wrap between Chinese
    characters or digits joins with nothing, between Latin words with a space.
    """
    if not lines:
        return ""
    out = lines[0].text.strip()
    for prev, line in zip(lines, lines[1:]):
        nxt = line.text.strip()
        if not nxt:
            continue
        sep = _wrap_separator(prev, line, right)
        out += ("\n" if sep is None or not out else sep) + nxt
    return out


def _wrap_separator(prev: Line, line: Line, right: float) -> str | None:
    """What joins line to prev when the break between them only wraps ("" or a space); None for a real break."""
    if not (line.text.strip()[:1] in _CLOSERS or _is_full(prev, line, right)):
        return None
    return _space_between(prev.text.rstrip(), line.text.strip())


def _space_between(before: str, after: str) -> str:
    """A wrap between Latin words is a space; between Chinese characters or digits it is nothing."""
    latin = before[-1:].isascii() and before[-1:].isalpha() and after[:1].isascii() and after[:1].isalpha()
    return " " if latin else ""


# --- tables -------------------------------------------------------------------------


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    i = bisect.bisect_left(bounds, v - SNAP)
    return min(i, len(bounds) - 1)


class _CharIndex:
    """A table's chars sorted by their vertical centre, so a cell looks only at the band it spans."""

    def __init__(self, chars: list[dict]):
        self.chars = chars
        centres = [((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2) for c in chars]
        order = sorted(range(len(chars)), key=lambda i: centres[i][0])
        self.ys = [centres[i][0] for i in order]
        self.items = [(centres[i][1], i) for i in order]

    def inside(self, box: tuple[float, float, float, float]) -> list[dict]:
        """The chars whose centre lies in the box, in the page's order."""
        x0, top, x1, bottom = box
        lo, hi = bisect.bisect_left(self.ys, top), bisect.bisect_right(self.ys, bottom)
        return [self.chars[i] for i in sorted(i for cx, i in self.items[lo:hi] if x0 <= cx <= x1)]


def _cell_text(index: _CharIndex, box: tuple[float, float, float, float]) -> tuple[str, float | None, list[Line]]:
    """Given a table's chars and a cell box, return the cell's text, (for OCR'd chars) their lowest confidence and its lines."""
    x0, top, x1, bottom = box
    inside = index.inside(box)
    lines = chars_to_lines(inside)
    if not lines:
        return "", None, []
    pad = max(0.0, min(ln.x0 for ln in lines) - x0)
    # a figure is as sure as its digits: a lone 「%」 box read unsurely does not make 74.36 doubtful
    confidences = [c["conf"] for c in inside if "conf" in c and c["text"].isdigit()] or [c["conf"] for c in inside if "conf" in c]
    text = join_lines(lines, x1 - pad).strip()
    if confidences:
        text = "\n".join(fix_checkboxes(part) for part in text.split("\n"))
    return text, (min(confidences) if confidences else None), lines


def _raw_cells(page, table, page_no: int, y_offset: float) -> list[_RawCell]:
    x0, top, x1, bottom = table.bbox
    chars = [c for c in page.chars if x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] and c["bottom"] <= bottom + 1]
    index = _CharIndex(chars)
    out = []
    for box in table.cells:
        text, confidence, lines = _cell_text(index, box)
        cell = _RawCell(box[0], box[1] - top + y_offset, box[2], box[3] - top + y_offset, text, page_no, confidence, box=_locator(box))
        if lines:
            cell.pitch, cell.tail, cell.head = _pitch(lines), lines[-1].x1, _head_width(lines[0])
            cell.gap = box[3] - lines[-1].bottom
            cell.limit = box[2] - max(0.0, min(ln.x0 for ln in lines) - box[0])
        out.append(cell)
    return out


def _locator(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A cell box to a tenth of a point, first to a thousandth: pdfium's single-precision 701.34998
    and pdfminer's 701.35000001 are the same line and must round alike."""
    x0, top, x1, bottom = (round(round(v, 3), 1) for v in box)
    return x0, top, x1, bottom


def _head_width(line: Line) -> float:
    """Width of a line's first character with the opening marks before it and closing marks after it,
    which may not end or start a line (「务”」 moves down whole)."""
    chars = [c for c in line.chars if c["text"].strip()]
    i = 0
    while i < len(chars) - 1 and chars[i]["text"] in _OPENERS:
        i += 1
    while i < len(chars) - 1 and chars[i + 1]["text"] in _CLOSERS | _CLOSING_QUOTES:
        i += 1
    return chars[i]["x1"] - chars[0]["x0"] if chars else 0.0


_CLOSING_QUOTES = set("”’")


def _vertical(text: str) -> bool:
    """A label typed one character a line (项\n目\n管\n理): its lines end where they were broken, never full."""
    return all(len(line.strip()) <= 1 for line in text.split("\n"))


def _filled(above: _RawCell, below: _RawCell) -> bool:
    """Whether the text above a break reaches its cell's edge so closely that not even the first
    character below would have fitted after it: a cut, not a row that ended. (No allowance beyond float
    noise: with half a point, 「…根据要求为办」 ending 10.0 pt short of its edge, over 「事群众…」 at 10.5, read as a
    row that ended by one backend and as a cut by the other.)"""
    return _beyond(above.tail + below.head, above.limit)


def _pitch(lines: list[Line]) -> float:
    """Distance between successive lines of a cell; for one line, half as much again as its height (single spacing)."""
    steps = [b.top - a.top for a, b in zip(lines, lines[1:]) if b.top > a.top]
    return min(steps) if steps else 1.5 * (lines[-1].bottom - lines[-1].top)


def _grid(raw: _RawTable, index: int) -> Table:
    xs = _snap([c.x0 for c in raw.cells] + [c.x1 for c in raw.cells])
    ys = _snap([c.top for c in raw.cells] + [c.bottom for c in raw.cells])
    cells = []
    for rc in sorted(raw.cells, key=lambda c: (round(c.top, 1), c.x0)):
        r, c = _index(ys, rc.top), _index(xs, rc.x0)
        r2, c2 = _index(ys, rc.bottom), _index(xs, rc.x1)
        cells.append(Cell(rc.text, r, c, max(1, r2 - r), max(1, c2 - c), rc.page, rc.confidence, rc.continues, rc.box))
    repeated = tuple(sorted({_index(ys, y) for y in raw.repeated_at}))
    return Table(index, tuple(cells), max(1, len(ys) - 1), max(1, len(xs) - 1), raw.page, repeated=repeated)


def _same_columns(a: list[float], b: list[float]) -> bool:
    """Whether two parts of a table share their outer edges and at least one inner boundary."""
    if not a or not b or abs(a[0] - b[0]) > SNAP * 2 or abs(a[-1] - b[-1]) > SNAP * 2:
        return False
    inner_b = b[1:-1]
    return not inner_b or any(abs(x - y) <= SNAP for x in inner_b for y in a[1:-1])


# --- pages --------------------------------------------------------------------------


def _page_blocks(page, page_no: int) -> list[tuple[float, Line | _FoundTable]]:
    """Return (top, item) for the tables and text lines of a page, page numbers dropped."""
    items: list[tuple[float, Line | _FoundTable]] = []
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    for t in found:
        items.append((t.bbox[1], t))
    outside = [
        c
        for c in page.chars
        if not any(b[0] - 1 <= (c["x0"] + c["x1"]) / 2 <= b[2] + 1 and b[1] - 1 <= (c["top"] + c["bottom"]) / 2 <= b[3] + 1 for b in boxes)
    ]
    height = float(page.height)
    for line in chars_to_lines(outside):
        line.page = page_no
        in_margin = line.top < height * 0.1 or line.bottom > height * 0.9
        if in_margin and _PAGE_NUMBER.match(line.text):
            continue
        items.append((line.top, line))
    items.sort(key=lambda it: it[0])
    return items


def read_pdf(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given the bytes of a text PDF, return its paragraphs and tables in reading order (scanned pages read
    by OCR as the options say; by default, as the environment says).

    pdfium reads it unless JIXIAO_PDF_BACKEND=pdfplumber (options.pdf_backend), or pdfium cannot open it, or a page's
    geometry is one pdfium_pages does not map (then pdfplumber reads the whole file). A file the
    fast path cannot read goes to pdfplumber too unless both find the same pages: pdfium repairs
    what pdfminer refuses, and 「damaged」 says more than 「no text on its 1 page」."""
    options = options or ReadOptions.from_env()
    fast = open_pdf(data) if options.pdf_backend == "pdfium" else None
    if fast is not None:
        pages = len(fast.pages)
        try:
            return _read_opened(fast, data, options)
        except NeedsPdfplumber as exc:
            log.debug("pdfium's pages are read by pdfplumber instead: %s", exc)
        except ExtractError:
            if _page_count(data) == pages:
                raise  # the same pages, unreadable either way: no second OCR of them
            log.info("pdfium could not read the file; pdfplumber, which finds other pages, reads it")
    return _read_opened(_open_pdfplumber(data), data, options)


def _page_count(data: bytes) -> int | None:
    """The number of pages pdfplumber finds, None when it cannot open the file or count them."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except Exception:
        return None


def _open_pdfplumber(data: bytes):
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types for broken files; pdfplumber wraps them
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect) or "password" in str(inner).lower() or "encrypt" in str(inner).lower():
            raise ExtractError(_("The PDF is password-protected; remove the password and ingest it again.")) from exc
        raise ExtractError(
            _(
                "The PDF is damaged and could not be opened; open it in a PDF reader, save it again (or print "
                "it to a new PDF) and ingest the new file."
            ),
            detail=f"{type(inner).__name__}: {inner}",
        ) from exc


class _PageInTree(PDFPage):
    """A page of pdfminer's page tree that may be broken: pdfminer refuses a page whose box is no numbers
    in the middle of walking the tree, which cost every page; here the page is kept, marked, and read as
    damaged alone."""

    def __init__(self, *args) -> None:
        try:
            super().__init__(*args)
            self.broken: Exception | None = None
        except Exception as exc:
            self.broken = exc


class _PlumberPages:
    """pdfplumber's pages, each made when it is taken: pdfplumber makes them all at once, and a page it
    cannot make (a box that is no numbers: MalformedPDFException, TypeError) would cost the whole file."""

    def __init__(self, pdf):
        self.pdf = pdf
        self.objects = list(_PageInTree.create_pages(pdf.doc))

    def __len__(self) -> int:
        return len(self.objects)

    def __getitem__(self, i: int):
        if self.objects[i].broken is not None:
            raise self.objects[i].broken
        return pdfplumber.page.Page(self.pdf, self.objects[i], page_number=i + 1, initial_doctop=0)


def _read_opened(pdf, data: bytes, options: ReadOptions) -> Document:
    try:
        return _read_pages(pdf, data, options)
    except (ExtractError, NeedsPdfplumber):
        raise
    except Exception as exc:
        if is_out_of_memory(exc):  # OCR's native libraries say it in their own words
            raise MemoryError(str(exc)) from exc
        if not raised_by_parser(exc):
            raise  # a fault of ours: the pipeline says so, never "damaged"
        raise ExtractError(_(DAMAGED), detail=f"{type(exc).__name__}: {exc}") from exc
    finally:
        _close(pdf)


def _close(pdf) -> None:
    """Close an open PDF. pdfplumber makes every page to close it, so a page it cannot make (a box that is
    no numbers) raises even here: its stream (the file's bytes in memory) is then all there is to let go."""
    try:
        pdf.close()
    except Exception:
        stream = getattr(pdf, "stream", None)
        if stream is not None:
            stream.close()


DAMAGED = N_(
    "The PDF's contents are damaged and could not be read; open it in a PDF reader, save it again (or print it to a new PDF) and ingest the new file."
)  # translated where raised
_SCANS_KEPT = 16  # reads of scanned pages kept for pages that repeat one: a page's characters, tens of KB each


def _pages_phrase(pages: list[int]) -> str:
    """「page 3」, 「pages 2–2000」, 「pages 2, 5 and 7–9」 (in Chinese 「第3页」, 「第2–2000页」): page numbers in runs."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    more = len(parts) - 8
    parts = parts[:8]
    if language() == "zh":
        return "第" + "、".join(parts) + "页" + (f"等（另有{more}段）" if more > 0 else "")
    if more > 0:
        parts.append(f"{more} more runs")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ("page " if len(pages) == 1 else "pages ") + listed


def _no_text(count: int, ocr_read: bool, unread: list[int]) -> ExtractError:
    """Why a PDF gave no text, in words that fit what happened to its pages."""
    if unread:
        return ExtractError(
            ngettext(
                "The PDF's page has no readable text layer (scanned images or unmapped fonts), and OCR is not available, so nothing was read.",
                "The PDF's {count} pages have no readable text layer (scanned images or unmapped fonts), and OCR "
                "is not available, so nothing was read.",
                count,
            ).format(count=count)
        )
    if ocr_read:
        return NoTextFound(
            ngettext(
                "OCR found no text on the PDF's scanned page; it may be blank, or too faint or small to read.",
                "OCR found no text on the PDF's scanned pages; they may be blank, or too faint or small to read.",
                count,
            )
        )
    return ExtractError(
        ngettext(
            "The PDF's page has no text and no scanned image: its contents are empty or damaged. Open it in a "
            "PDF reader; if it shows the report, print it to a new PDF and ingest that.",
            "The PDF's {count} pages have no text and no scanned image: their contents are empty or damaged. "
            "Open it in a PDF reader; if it shows the report, print it to a new PDF and ingest that.",
            count,
        ).format(count=count)
    )


class NoTextFound(ExtractError):
    """OCR read the pages and found no text on them."""


def read_pages(pages, options: ReadOptions | None = None) -> Document:
    """The Document of pages in the shapes pdfplumber's have (chars, find_tables(), height), given as an
    object with .pages that is a context manager: another fixed-layout format's pages (OFD)."""
    with pages:
        return _read_pages(pages, None, options or ReadOptions.from_env())


def _read_pages(pdf, data: bytes | None, options: ReadOptions) -> Document:
    blocks: list[Block] = []
    ocr_pages: list[int] = []
    pending_lines: list[Line] = []
    pending_page = 0
    raw: _RawTable | None = None
    n_tables = 0
    right_margin = 0.0
    floors: dict[float, float] = defaultdict(float)  # page height → lowest body content met on such pages

    def flush_lines() -> None:
        nonlocal pending_lines
        if pending_lines:
            for text in _paragraphs(pending_lines, right_margin):
                blocks.append(Paragraph(text, pending_page, sum(isinstance(b, Paragraph) for b in blocks)))
        pending_lines = []

    def flush_table() -> None:
        nonlocal raw, n_tables
        if raw is not None:
            blocks.append(_grid(raw, n_tables))
            n_tables += 1
            raw = None

    readable = 0
    unread: list[int] = []
    sealed: list[int] = []
    damaged: list[int] = []
    copies: dict[int, int] = {}  # page → the earlier page it repeats byte for byte (scans)
    read_scans: dict[bytes, tuple[int, object]] = {}  # a scanned page's key → (its first page, its read), the latest few
    scans = None
    pages = pdf.pages if isinstance(pdf, PdfiumPdf) or data is None else _PlumberPages(pdf)  # each read when taken
    count = len(pages)
    notes.pages(count)  # the reader's time limit grows with them (up to the per-file ceiling)

    def scanned(page_no: int):
        """A scanned page read by OCR, or the read of the earlier page it repeats."""
        nonlocal scans
        if scans is None:  # the fast path has the file open in pdfium already
            scans = pdf.document if isinstance(pdf, PdfiumPdf) else pdfium.PdfDocument(data)
        source = scans[page_no - 1]
        key = scan_key(source)
        if key in read_scans:
            first, page = read_scans[key]
            copies[page_no] = first
            return page
        notes.step(f"OCR {page_no}/{count} 页")
        page = ocr_page(source, options)
        if key is not None:
            read_scans[key] = (page_no, page)
            if len(read_scans) > _SCANS_KEPT:
                del read_scans[next(iter(read_scans))]
        return page

    for page_no in range(1, count + 1):
        # A page whose contents cannot be read (a damaged stream, a box that is no numbers) costs that
        # page alone: the others are read, and a finding names it.
        try:
            page = pages[page_no - 1]
            on_page = _readable_chars(page)
            kind = "text"
            if on_page < 5 and (page.images or page.chars):  # a scanned page, or glyphs that map to no text
                # another fixed-layout format's page (OFD, data None) has no PDF to render for OCR
                kind = "scan" if ocr_available(options) and (data is not None or isinstance(pdf, PdfiumPdf)) else "unread"
                if kind == "scan":
                    page = scanned(page_no)
                    on_page = len(page.chars)
            items = _page_blocks(page, page_no)
        except (ExtractError, NeedsPdfplumber):
            raise
        except Exception as exc:
            if is_out_of_memory(exc):
                raise MemoryError(str(exc)) from exc
            if not raised_by_parser(exc):
                raise  # a fault of ours (OCR, the table reader): the pipeline says so, never "damaged"
            damaged.append(page_no)
            flush_table()  # nothing runs on over a page that was not read
            flush_lines()
            continue
        if kind == "scan":
            ocr_pages.append(page_no)
            sealed += [page_no] if page.seals else []
        elif kind == "unread":
            unread.append(page_no)
        readable += on_page
        floors[float(page.height)] = max(floors[float(page.height)], _floor(items, float(page.height)))
        lines_here = [it[1] for it in items if isinstance(it[1], Line)]
        if lines_here:
            right_margin = max(right_margin, max(ln.x1 for ln in lines_here))
        for pos, (_top, item) in enumerate(items):
            if isinstance(item, Line):
                flush_table()
                if pending_lines and pending_page != page_no and not _continues(pending_lines[-1], item, right_margin):
                    flush_lines()
                if not pending_lines:
                    pending_page = page_no
                pending_lines.append(item)
                continue
            # a table: it continues the previous one when nothing stands between them across a page break
            xs = _snap([b[0] for b in item.cells] + [b[2] for b in item.cells])
            continues = raw is not None and pos == 0 and raw.page < page_no and _same_columns(raw.xs, xs)
            flush_lines()
            if not continues or raw is None:  # (continues only when there is a table before)
                flush_table()
                raw = _RawTable(page=page_no)
            cells = _raw_cells(page, item, page_no, raw.height)
            if continues:
                cells = _drop_repeated_header(raw, cells)
                marked = _may_continue(raw, cells, floors[float(page.height)])
                cells = _merge_across_break(raw, cells)
                for c in cells:
                    c.continues = marked.get(id(c))
            raw.cells.extend(cells)
            raw.xs = _snap(raw.xs + xs)
            raw.height = max(c.bottom for c in raw.cells) if raw.cells else raw.height
            raw.end = item.bbox[3]
        # a table that does not reach the page's end cannot continue on the next page
        if raw is not None and items and isinstance(items[-1][1], Line):
            flush_table()
        page.flush_cache()
    flush_table()
    flush_lines()
    if count and readable < 20 and data is None:  # another fixed-layout format's pages (OFD): no text objects
        raise ExtractError(
            _(
                "The file's {count} pages hold no text (images only, perhaps a scan); nothing was read. Ingest the scan as a PDF or image instead."
            ).format(count=count)
        )
    if scans is not None and not isinstance(pdf, PdfiumPdf):
        scans.close()
    if count and damaged and len(damaged) == count:
        raise ExtractError(_(DAMAGED))
    if count and readable < 20:
        raise _no_text(count, bool(ocr_pages), unread)
    findings = []
    if damaged:
        findings.append(
            Finding(
                "file_damaged",
                "warning",
                _("The PDF's {value} could not be read (the contents are damaged); the other pages were.").format(value=_pages_phrase(damaged)),
                None,
                ", ".join(map(str, damaged)),
            )
        )
    if copies:
        findings.append(
            Finding(
                "pages_repeated",
                "info",
                _("The PDF's {value} repeat earlier scanned pages byte for byte; each was read once and gives the same text.").format(
                    value=_pages_phrase(sorted(copies))
                ),
                None,
                str(len(copies)),
            )
        )
    return Document(
        "pdf", tuple(blocks), n_pages=count, ocr=bool(ocr_pages), unread_pages=tuple(unread), sealed_pages=tuple(sealed), findings=tuple(findings)
    )


def _floor(items: list[tuple[float, Line | _FoundTable]], height: float) -> float:
    """The lowest bottom of a page's tables and body lines; lines in the bottom tenth may be a footer and are left out."""
    bottoms = [item.bbox[3] for _, item in items if not isinstance(item, Line)]
    bottoms += [item.bottom for _, item in items if isinstance(item, Line) and item.bottom < 0.9 * height]
    return max(bottoms, default=0.0)


def _readable_chars(page) -> int:
    """Characters that carry text: not (cid:NN) placeholders, not unmapped private-use glyphs."""
    count = 0
    for ch in page.chars:
        text = ch["text"]
        if text.startswith("(cid:") or not text.strip():
            continue
        if "\ue000" <= text <= "\uf8ff" and map_private_use(text) == text:
            continue
        count += 1
    return count


def _drop_repeated_header(raw: _RawTable, cells: list[_RawCell]) -> list[_RawCell]:
    """Drop the continuation's first row when it repeats the table's first row (a repeated header) and is a row
    of its own; a header over two rows, or a title cell reaching down beside the rows (绩效指标), stays for
    normalize, which knows a block's header printed again."""
    if not cells or not raw.cells:
        return cells
    first_top = min(c.top for c in raw.cells)
    head = [c.text for c in sorted((c for c in raw.cells if abs(c.top - first_top) <= SNAP), key=lambda c: c.x0)]
    top = min(c.top for c in cells)
    row = sorted((c for c in cells if abs(c.top - top) <= SNAP), key=lambda c: c.x0)
    if max(c.bottom for c in row) - min(c.bottom for c in row) > SNAP:
        return cells
    if [c.text for c in row] == head and any(head):
        shift = max(c.bottom for c in row) - top
        rest = [c for c in cells if c not in row]
        for c in rest:
            c.top -= shift
            c.bottom -= shift
        if rest:
            raw.repeated_at.append(top)
        return rest
    return cells


def _merge_across_break(raw: _RawTable, cells: list[_RawCell]) -> list[_RawCell]:
    """Fold the empty cells that open a continuation into the cells they continue on the page before.

    A merged cell (a vertical label, a 一级指标 over several rows) cut by the page break is drawn
    again, empty, on the next page. A form row never starts with empty cells, so a leading run of
    empty cells under labelled cells of the same width is such a continuation; an empty cell after
    a filled one in the row is a value left blank and stays.
    """
    if not cells:
        return cells
    top = min(c.top for c in cells)
    first_row = sorted((c for c in cells if abs(c.top - top) <= SNAP), key=lambda c: c.x0)
    folded: set[int] = set()
    for c in first_row:
        if c.text:
            break
        above = next((p for p in raw.cells if abs(p.bottom - top) <= SNAP and abs(p.x0 - c.x0) <= SNAP and abs(p.x1 - c.x1) <= SNAP and p.text), None)
        if above is None:
            break
        above.bottom = c.bottom
        folded.add(id(c))
    return [c for c in cells if id(c) not in folded]


def _may_continue(raw: _RawTable, cells: list[_RawCell], floor: float) -> dict[int, Continues]:
    """The continuation's first cells that may be the rest of the cell above them, cut by the page break:
    id → "cut" or "maybe" (see `_evidence`).

    Word and LibreOffice cut a tall row at the page end unless it is kept whole (the lines that
    fit stay, the rest of each cell opens the next page in a row with the same cells), and a
    cell merged over rows on both sides of the break goes on below it, its text wherever the
    cut leaves it (wholly below when blank lines push it down). Geometry cannot tell such a
    rest from a genuine next row whose text happens to sit under full lines (「项目名」 over 「称」
    looks like 「其中:财政资金」 over 「财政专户管理资金」); only the label lexicon can, so this
    marks generously and normalize decides. A cell at the top of the continuation pairs with
    the cell above it when their left and right edges match and that one reaches down to the
    table's end on the page before. Nothing is marked when the part before the break ends a
    line or more above the page's lowest text (the floor): the page had room for another line,
    so the break fell where a row ended and the next, kept whole, went on to the next page.
    Otherwise:

    - a row: when every cell of the continuation's first row pairs (or lies under a label of the row
      above that spans it: a two-row header cut between its rows) and there is text above and below,
      every paired cell of that row is marked (normalize joins the row only when all agree);
    - a merged cell: else, a cell with text is marked when it or the cell it pairs with spans
      more than one row on its page (a vertical title, a 一级指标 going on beside rows of their own).

    Each mark says how the geometry looks (`_evidence`): "cut" when the text above ran to the edge
    (or one side is blank), "maybe" when it stopped short — a hard line break (「实际完成」 over 「值」)
    or a genuine next row (「≥90%」 over 「≥90%」); a "maybe" is joined only when the lexicon knows the
    joined text.

    Blanks opening the continuation under cells with text are then folded into those cells as
    before (`_merge_across_break`), so they carry no mark whatever the rules said.
    """
    if not cells or not raw.cells:
        return {}
    above = _edge_row(raw.cells, raw.height, lambda c: c.bottom)
    top = min(c.top for c in cells)
    below = _edge_row(cells, top, lambda c: c.top)
    pairs = [(a, b) for a in above for b in below if abs(a.x0 - b.x0) <= SNAP and abs(a.x1 - b.x1) <= SNAP]
    line = max((c.pitch for a, b in pairs for c in (a, b)), default=0.0)  # the tallest line spacing met
    if floor - raw.end >= line:
        return {}
    row_top = max(a.top for a in above)  # the top of the last row before the break
    row_bottom = min(b.bottom for b in below)  # the bottom of the first row after it
    merged = {id(b) for a, b in pairs if a.top < row_top - SNAP or b.bottom > row_bottom + SNAP}
    paired = {id(c) for pair in pairs for c in pair}
    divided = [b for b in below if id(b) not in paired and any(a.x0 - SNAP <= b.x0 and b.x1 <= a.x1 + SNAP for a in above if id(a) not in paired)]
    whole = len(pairs) == len(above) == len(below) or (  # a two-row header: its spanning label divided below
        len(pairs) + len(divided) == len(below) and len(above) > len(pairs)
    )
    if whole and any(b.text for a, b in pairs) and any(a.text for a, b in pairs):
        return {id(b): _evidence(a, b, id(b) in merged) for a, b in pairs}
    return {id(b): _evidence(a, b, True) for a, b in pairs if b.text and id(b) in merged}


def _evidence(above: _RawCell, below: _RawCell, merged: bool) -> Continues:
    """ "cut" when nothing speaks against the text below going on from the text above: the text above
    ran so close to the edge that not even the first character below would have fitted, or one side
    is blank — but a row's cell blank above with text below is no cut (a cut row keeps every cell's
    first lines above the break; only a merged cell's text may have been pushed below it); "maybe"
    otherwise, a label typed a character a line included (its lines end where they were broken,
    so its look tells nothing)."""
    if (
        not below.text
        or (not above.text and merged)
        or (above.text and not _vertical(above.text) and _filled(above, below) and _reaches_bottom(above))
    ):
        return "cut"
    return "maybe"


def _reaches_bottom(cell: _RawCell) -> bool:
    """Whether a cell's text runs down to its bottom edge (the next line did not fit there): text cut by the
    break does; a label centred in a cell merged over rows (二级指标 预算管理 over three) ends well above it."""
    return cell.gap <= 1.5 * cell.pitch


def _edge_row(cells: list[_RawCell], y: float, edge) -> list[_RawCell]:
    """The cells whose given edge (top or bottom) lies on y, left to right."""
    return sorted((c for c in cells if abs(edge(c) - y) <= SNAP), key=lambda c: c.x0)


def _continues(prev: Line, line: Line, right: float) -> bool:
    return _is_full(prev, line, right)


def _same_size(a: Line, b: Line) -> bool:
    """A title in a larger font never runs on into the body text below it."""
    sa, sb = a.chars[-1].get("size") or 10, b.chars[0].get("size") or 10
    tolerance = 0.5 if "conf" in a.chars[-1] else 0.15  # OCR box heights vary with the glyphs in them
    return abs(sa - sb) <= tolerance * max(sa, sb)


def _paragraphs(lines: list[Line], right: float) -> list[str]:
    """Given body lines in order, return paragraphs: a line that ends short of the margin ends one."""
    paras: list[list[Line]] = []
    for line in lines:
        prev = paras[-1][-1] if paras else None
        near = prev is not None and (prev.page != line.page or line.top - prev.bottom < 2 * (line.bottom - line.top))
        if near and prev is not None and _same_size(prev, line) and _continues(prev, line, right):
            paras[-1].append(line)
        else:
            paras.append([line])
    return [join_lines(p, right) for p in paras]
