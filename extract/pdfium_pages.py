"""Text PDF pages read with pdfium: characters and ruling lines in the shapes pdfplumber gives, fast.

pdfplumber parses content streams in Python (~35 ms a page); pdfium does it in C. This module
asks pdfium for each character (text, origin, advance, size, font name) and for every path
drawn on the page, turns paths into edges as pdfplumber does (a two-point path is a line, any
other path an edge per segment, diagonal segments dropped), and finds tables with pdfplumber's
own TableFinder on those edges — so the cells are built by the same code whichever backend read
the page. pdfplumber stays the reference: `JIXIAO_PDF_BACKEND=pdfplumber` forces it, and it is
used wherever this module cannot promise the same coordinates (a rotated page, a page box not at
the origin) or pdfium cannot open the file (pdfplumber then says why in its own words).

Coordinates follow pdfminer's: x from the page's left, `top`/`bottom` from its top, a
character's box from its origin (bottom = baseline) to one font size above, its right edge where
the next character would start.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder

_PATH, _IMAGE, _FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM
_MOVETO = pdfium_c.FPDF_SEGMENT_MOVETO


def backend() -> str:
    """The PDF backend the environment asks for: "pdfium" (the default) or "pdfplumber" (JIXIAO_PDF_BACKEND)."""
    from .options import ReadOptions

    return ReadOptions.from_env().pdf_backend


class PdfiumPdf:
    """An open PDF whose `pages` are read on demand; None from `open_pdf` when pdfplumber must read it."""

    def __init__(self, document: pdfium.PdfDocument):
        self.document = document
        self.pages = _Pages(document)

    def __enter__(self) -> PdfiumPdf:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.document.close()


class NeedsPdfplumber(Exception):
    """A page whose geometry this module does not map; pdfplumber reads the file instead."""


def open_pdf(data: bytes) -> PdfiumPdf | None:
    """Given PDF bytes, return them opened with pdfium, or None when pdfplumber should open them instead."""
    try:
        return PdfiumPdf(pdfium.PdfDocument(data))
    except pdfium.PdfiumError:
        return None  # damaged or locked: pdfplumber opens it or says why, as it always has


class _Pages:
    """The document's pages as a sequence; each is read when it is taken and not kept."""

    def __init__(self, document: pdfium.PdfDocument):
        self.document = document

    def __len__(self) -> int:
        return len(self.document)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, i: int) -> PdfiumPage:
        page = self.document.get_page(i)
        try:
            if not _plain_geometry(page):
                raise NeedsPdfplumber(f"page {i + 1}")
            return read_page(page)
        finally:
            page.close()


def _plain_geometry(page: pdfium.PdfPage) -> bool:
    """Whether page space maps to pdfminer's by a flip alone: not rotated, the media box at the origin."""
    left, bottom, _, _ = page.get_mediabox()
    return page.get_rotation() == 0 and left == 0 and bottom == 0


class PdfiumPage:
    """What `pdf.py` uses of a pdfplumber page: size, chars, images, edges, find_tables()."""

    def __init__(self, width: float, height: float, chars: list[dict], edges: list[dict], images: int):
        self.width, self.height = width, height
        self.bbox = (0, 0, width, height)
        self.chars, self.edges = chars, edges
        self.images = [None] * images  # only their number is asked for

    def find_tables(self):
        return TableFinder(self).tables  # pdfplumber's defaults: ruling lines, tolerance 3

    def flush_cache(self) -> None:
        pass


def read_page(page: pdfium.PdfPage) -> PdfiumPage:
    """Given a pypdfium2 page, return its characters, edges and image count."""
    _, _, width, height = page.get_mediabox()  # pdfminer's page is the media box, whatever the crop box
    textpage = pdfium_c.FPDFText_LoadPage(page.raw)
    try:
        chars = _chars(textpage, height)
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)
    edges: list[dict] = []
    images = _walk(page.raw, None, height, edges)
    return PdfiumPage(width, height, chars, edges, images)


# --- characters -----------------------------------------------------------------------

_BREAKS = frozenset(" \r\n\x02")


def _chars(textpage, height: float) -> list[dict]:
    count = pdfium_c.FPDFText_CountChars(textpage)
    x, y = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    font = ctypes.create_string_buffer(256)
    origin, loose_box, size_of, font_info = (
        pdfium_c.FPDFText_GetCharOrigin,
        pdfium_c.FPDFText_GetLooseCharBox,
        pdfium_c.FPDFText_GetFontSize,
        pdfium_c.FPDFText_GetFontInfo,
    )
    generated, get_unicode, unmapped = pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_HasUnicodeMapError
    chars: list[dict] = []
    for i in range(count):
        code = get_unicode(textpage, i)
        ch = chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"  # a lone surrogate is no character
        if ch in _BREAKS and generated(textpage, i):
            continue  # spaces and line ends pdfium infers; pdfminer has none
        if unmapped(textpage, i):
            ch = f"(cid:{code})"  # a glyph with no text (no ToUnicode): pdfminer's placeholder
        origin(textpage, i, x, y)
        loose_box(textpage, i, box)
        size = size_of(textpage, i)
        bottom = height - y.value
        right = max(box.right, x.value)
        if len(ch) == 1 and ord(ch) >= 0x2E80 and not "\ue000" <= ch <= "\uf8ff":
            # a full-width character advances one em; pdfium's loose box takes in a glyph's overhang (办 at 10.5 pt:
            # 10.78 wide), pdfminer its advance: the same line would end 0.3 pt apart, and whether the next character
            # would have fitted (a cell cut by a page break, a full line) would be judged two ways
            right = min(right, x.value + size)
        last = chars[-1] if chars else None
        if last is not None and last["x0"] == x.value and last["bottom"] == bottom and last["x1"] == right:
            last["text"] += ch  # a ligature (ﬃ) pdfium spells out at one origin: one char, as pdfminer has it
            continue
        char = {"text": ch, "x0": x.value, "x1": right, "top": bottom - size, "bottom": bottom, "size": size}
        if len(ch) > 1 or ord(ch) < 0x2E80 or "\ue000" <= ch <= "\uf8ff":  # a symbol font draws letters and private-use points only
            length = font_info(textpage, i, font, 256, None)
            char["fontname"] = font.raw[: max(0, length - 1)].decode("utf-8", "replace")
        chars.append(char)
    return chars


# --- paths → edges --------------------------------------------------------------------


def _walk(parent, form, height: float, edges: list[dict], matrix=None) -> int:
    """Collect the edges of every path on a page or in a form object; return how many images it holds."""
    count = pdfium_c.FPDFFormObj_CountObjects(form) if form is not None else pdfium_c.FPDFPage_CountObjects(parent)
    images = 0
    for i in range(count):
        obj = pdfium_c.FPDFFormObj_GetObject(form, i) if form is not None else pdfium_c.FPDFPage_GetObject(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == _PATH:
            _path_edges(obj, _compose(_matrix(obj), matrix), height, edges)
        elif kind == _IMAGE:
            images += 1
        elif kind == _FORM:
            images += _walk(None, obj, height, edges, _compose(_matrix(obj), matrix))
    return images


def _matrix(obj) -> tuple[float, ...]:
    m = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, m)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner, outer):
    """The matrix applying inner, then outer (None: the page itself)."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(obj, matrix, height: float, edges: list[dict]) -> None:
    """Edges of one path object, each subpath on its own as pdfminer paints it."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        if pdfium_c.FPDFPathSegment_GetType(segment) == _MOVETO or not subpaths:
            subpaths.append([point])
        else:
            subpaths[-1].append(point)
        if pdfium_c.FPDFPathSegment_GetClose(segment) and subpaths[-1][0] != point:
            subpaths[-1].append(subpaths[-1][0])
    for points in subpaths:
        if len(points) == 2:
            edges.append(_edge(points[0], points[1], line=True))
        else:
            edges.extend(_edge(p, q) for p, q in zip(points, points[1:]) if p[0] == q[0] or p[1] == q[1])


def _edge(p: tuple[float, float], q: tuple[float, float], line: bool = False) -> dict:
    """An edge as pdfplumber makes it; a two-point line is vertical unless flat, as pdfplumber has it."""
    x0, x1 = min(p[0], q[0]), max(p[0], q[0])
    top, bottom = min(p[1], q[1]), max(p[1], q[1])
    flat = top == bottom
    return {
        "object_type": "line" if line else "curve_edge",
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": "h" if flat else "v",
    }
