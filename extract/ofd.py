"""OFD (GB/T 33190, 版式文档), the fixed-layout format Chinese government systems issue instead of PDF:
a zip of XML pages. Each page's text objects (glyph positions in millimetres) become characters and its
path objects become ruling lines, in the shapes the PDF reader's pages have; the PDF reader's own steps
then build the lines, paragraphs and table cells (pdfplumber's edge → intersection → cell steps, as for
a scanned page's lines). A page that holds only images (a scan issued as OFD) is named unread.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import replace

from lxml import etree

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import Document

from .ocr import OcrPage, edges_to_tables
from .options import ReadOptions

PT_PER_MM = 72 / 25.4
_MAX_PAGES = 2000
_MAX_XML = 50 * 1024 * 1024  # bytes of one page's XML, at most
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_ofd(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given an OFD file's bytes, return its paragraphs and tables in reading order."""
    from .pdf import read_pages

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(_("The OFD file's zip container is damaged; save it again from the issuing system.")) from exc
    try:
        pages = _pages(archive)
    except (KeyError, etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, NotImplementedError, EOFError) as exc:
        raise ExtractError(
            _("The OFD file's pages could not be read (its XML is damaged or incomplete); save it again from the issuing system, or as PDF."),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    return replace(read_pages(_Pages(pages), options), format="ofd")


class _Pages:
    """What the PDF reader's page loop asks of a document: its pages, as a context."""

    def __init__(self, pages: list[OcrPage]) -> None:
        self.pages = pages

    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, *exc) -> None:
        pass


def _xml(archive: zipfile.ZipFile, name: str):
    info = archive.getinfo(name)
    if info.file_size > _MAX_XML:
        raise ValueError(f"{name} expands to {info.file_size} bytes")
    return etree.fromstring(archive.read(info), _PARSER)


def _local(element) -> str:
    return etree.QName(element).localname


def _find(element, name: str):
    return next((e for e in element.iter() if isinstance(e.tag, str) and _local(e) == name), None)


def _children(element, name: str) -> list:
    return [e for e in element.iter() if isinstance(e.tag, str) and _local(e) == name]


def _numbers(text: str | None) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text or "")]


def _pages(archive: zipfile.ZipFile) -> list[OcrPage]:
    names = {n.lower(): n for n in archive.namelist()}
    root = _xml(archive, names["ofd.xml"])
    doc_root = _find(root, "DocRoot").text.strip().lstrip("/")
    document = _xml(archive, names[doc_root.lower()])
    base = posixpath.dirname(doc_root)
    box = _numbers(_find(_find(document, "PageArea"), "PhysicalBox").text)
    pages = []
    for i, page in enumerate(_children(_find(document, "Pages"), "Page")):
        if i >= _MAX_PAGES:
            raise ValueError(f"more than {_MAX_PAGES} pages")
        path = posixpath.normpath(posixpath.join(base, page.get("BaseLoc").lstrip("/")))
        pages.append(_page(_xml(archive, names[path.lower()]), box))
    return pages


def _page(content, box: list[float]) -> OcrPage:
    """One page: its text objects as characters, its path objects' straight strokes as edges (points, from the top-left)."""
    area = _find(content, "PhysicalBox")
    x_min, y_min, width, height = _numbers(area.text) if area is not None else box
    chars: list[dict] = []
    edges: list[dict] = []
    for obj in content.iter():
        if not isinstance(obj.tag, str):
            continue
        kind = _local(obj)
        if kind == "TextObject":
            chars += _text_chars(obj, x_min, y_min)
        elif kind == "PathObject":
            edges += _path_edges(obj, x_min, y_min)
    page = OcrPage(width * PT_PER_MM, height * PT_PER_MM)
    page.chars = chars
    page.tables = edges_to_tables(edges)
    return page


def _deltas(text: str | None, n: int) -> list[float]:
    """A TextCode's DeltaX/DeltaY: numbers, with 「g 3 3.175」 meaning 3.175 three times."""
    out: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [float(tokens[i + 2])] * int(float(tokens[i + 1]))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return (out + [out[-1] if out else 0.0] * n)[: max(n - 1, 0)]


def _text_chars(obj, x_min: float, y_min: float) -> list[dict]:
    bx, by, _, _ = (_numbers(obj.get("Boundary")) + [0, 0, 0, 0])[:4]
    size = float(obj.get("Size") or 3.5)
    scale = _scale(obj.get("CTM"))
    out = []
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        x, y = float(code.get("X") or 0), float(code.get("Y") or 0)
        steps = _deltas(code.get("DeltaX"), len(text))
        for k, ch in enumerate(text):
            estimate = size * (0.5 if ch.isascii() else 1.0)
            advance = steps[k] if k < len(steps) else estimate
            # a glyph reaches where the next one starts: OFD gives advances, not glyph widths (a gap an
            # estimate left would read as a space, 「127 万元」); a space is a glyph of its own, whose
            # place stays empty
            width = (advance if advance > 0 else estimate) * scale
            left = (bx + x * scale - x_min) * PT_PER_MM
            baseline = (by + y * scale - y_min) * PT_PER_MM
            if ch.strip():
                out.append(
                    {
                        "text": ch,
                        "x0": left,
                        "x1": left + width * PT_PER_MM,
                        "top": baseline - size * scale * 0.88 * PT_PER_MM,
                        "bottom": baseline + size * scale * 0.12 * PT_PER_MM,
                        "size": size * scale * PT_PER_MM,
                        "upright": True,
                        "fontname": obj.get("Font") or "",
                    }
                )
            x += advance
    return out


def _scale(ctm: str | None) -> float:
    """A text object's CTM scale (a b c d e f: its a), 1 when it has none."""
    numbers = _numbers(ctm)
    return numbers[0] if len(numbers) == 6 and numbers[0] > 0 else 1.0


def _path_edges(obj, x_min: float, y_min: float) -> list[dict]:
    """The horizontal and vertical strokes of a path (M/L commands, and the sides of a rectangle drawn as one)."""
    bx, by, _, _ = (_numbers(obj.get("Boundary")) + [0, 0, 0, 0])[:4]
    data = _find(obj, "AbbreviatedData")
    tokens = (data.text or "").split() if data is not None else []
    points: list[tuple[str, float, float]] = []
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L") and i + 2 < len(tokens):
            points.append((op, float(tokens[i + 1]), float(tokens[i + 2])))
            i += 3
        elif op == "C":  # a close: back to the last move
            last_move = next((p for p in reversed(points) if p[0] == "M"), None)
            if last_move:
                points.append(("L", last_move[1], last_move[2]))
            i += 1
        else:
            i += 1
    edges = []
    for (_, x1, y1), (op, x2, y2) in zip(points, points[1:]):
        if op != "L":
            continue
        ax, ay = (bx + x1 - x_min) * PT_PER_MM, (by + y1 - y_min) * PT_PER_MM
        bx2, by2 = (bx + x2 - x_min) * PT_PER_MM, (by + y2 - y_min) * PT_PER_MM
        if abs(ay - by2) < 0.5:
            edges.append({"orientation": "h", "x0": min(ax, bx2), "x1": max(ax, bx2), "top": ay, "bottom": ay, "width": abs(bx2 - ax)})
        elif abs(ax - bx2) < 0.5:
            edges.append({"orientation": "v", "x0": ax, "x1": ax, "top": min(ay, by2), "bottom": max(ay, by2), "height": abs(by2 - ay)})
    return edges
