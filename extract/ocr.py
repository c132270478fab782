"""Pages without a text layer, read by OCR into the same shapes the text-PDF reader uses.

A scanned page is rendered (pypdfium2), its ruling lines found in the image (OpenCV), and the
cells built from them by pdfplumber's own edge → intersection → cell steps; RapidOCR (PP-OCR
Chinese models shipped inside its wheel, nothing downloaded) reads the text boxes. Each box
becomes per-character pseudo-chars with its confidence, so `pdf.py` groups lines, rejoins
wrapped cell text and joins tables across pages exactly as for a text PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import regex

DPI = 200
PT = 72 / DPI  # points per pixel at the render resolution

# OCR slips these forms make that the layout makes certain: 万兀 for 万元, a full-width ％.
_SLIPS = [(regex.compile(r"(?<=\d\s*)[兀无](?=[，,。;；\s]|$)|(?<=[万千亿])兀"), "元"), (regex.compile(r"％"), "%"),
          # a stray bracket or bar between two Chinese characters is a speck or a box edge, never text
          (regex.compile(r"(?<=\p{Han})[\[\]|｜](?=\p{Han})"), "")]


def ocr_available() -> bool:
    """Whether scanned pages can be read: the OCR packages are installed and JIXIAO_OCR is not 0."""
    import os
    from importlib.util import find_spec

    if os.environ.get("JIXIAO_OCR", "1").strip().lower() in ("0", "off", "no", "false"):
        return False
    return find_spec("cv2") is not None and find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # The default downscales pages to 2000 px, which at 200 dpi drops whole lines of body text.
    return RapidOCR(max_side_len=3000)


# A checkbox group as OCR reads it: □ comes back as 口, ☑ or √ as V, v or 区.
_BOX_GROUP = regex.compile(r"(?:^|(?<=[:：]\s*))((?:[V√vY口□☑区]\s*[\p{Han}]{1,6}\s*){2,})$")


def fix_slips(text: str) -> str:
    """Undo OCR slips in one text box where the text's shape makes the intent certain."""
    for pattern, replacement in _SLIPS:
        text = pattern.sub(replacement, text)
    return text


_LONE_TICK = regex.compile(r"^[Vv](?=\s*(?:经常性|一次性|新增|延续|是|否|优|良))")


def fix_checkboxes(text: str) -> str:
    """In a cell's OCR text, turn boxed options (V优口良口中) back into ☑/□; at high resolution
    OCR drops empty boxes, leaving a lone V before the ticked option."""
    text = _LONE_TICK.sub("☑", text)
    m = _BOX_GROUP.search(text)
    if m and "口" in m.group(1):  # only a run of two or more boxed options, and at least one empty box
        group = regex.sub(r"([V√vY口□☑区])(?=\s*[\p{Han}])", lambda b: "□" if b.group(1) in "口□" else "☑", m.group(1))
        text = text[: m.start(1)] + group
    return text


@dataclass
class OcrTable:
    """What pdf.py needs of a found table: its bbox and its cell boxes (points)."""

    bbox: tuple[float, float, float, float]
    cells: list[tuple[float, float, float, float]]


@dataclass
class OcrPage:
    """A page read by OCR, shaped like the pdfplumber page attributes pdf.py uses."""

    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    tables: list[OcrTable] = field(default_factory=list)
    images: tuple = ()

    def find_tables(self) -> list[OcrTable]:
        return self.tables

    def flush_cache(self) -> None:
        pass


def _char_width(ch: str) -> float:
    return 0.55 if ch.isascii() else 1.0


def boxes_to_chars(results) -> list[dict]:
    """Given RapidOCR results (box, text, confidence) in pixels, return per-character pseudo-chars in points."""
    chars: list[dict] = []
    for box, text, confidence in results or []:
        text = fix_slips(text.strip())
        if not text:
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs) * PT, max(xs) * PT, min(ys) * PT, max(ys) * PT
        units = sum(_char_width(ch) for ch in text) or 1
        step = (x1 - x0) / units
        x = x0
        for ch in text:
            w = step * _char_width(ch)
            chars.append({"text": ch, "x0": x, "x1": x + w, "top": top, "bottom": bottom,
                          "size": (bottom - top) * 0.8, "upright": True, "conf": float(confidence)})
            x += w
    return chars


def ruling_edges(gray) -> list[dict]:
    """Given a page image (grey), return its ruling lines as pdfplumber-style edges, in points."""
    import cv2

    binary = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2)
    h, w = binary.shape
    edges: list[dict] = []
    for orientation, kernel in (("h", (max(w // 40, 10), 1)), ("v", (1, max(h // 60, 10)))):
        mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, cw, ch = cv2.boundingRect(contour)
            if orientation == "h":
                mid = (y + ch / 2) * PT
                edges.append({"orientation": "h", "x0": x * PT, "x1": (x + cw) * PT, "top": mid, "bottom": mid, "width": cw * PT})
            else:
                mid = (x + cw / 2) * PT
                edges.append({"orientation": "v", "x0": mid, "x1": mid, "top": y * PT, "bottom": (y + ch) * PT, "height": ch * PT})
    return edges


def edges_to_tables(edges: list[dict]) -> list[OcrTable]:
    """Cells from ruling lines by pdfplumber's own steps; one OcrTable per group of touching cells."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    merged = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    cells = intersections_to_cells(edges_to_intersections(merged, 3, 3))
    tables = []
    for group in cells_to_tables(cells):
        x0 = min(c[0] for c in group)
        top = min(c[1] for c in group)
        x1 = max(c[2] for c in group)
        bottom = max(c[3] for c in group)
        if len(group) >= 2:
            tables.append(OcrTable((x0, top, x1, bottom), list(group)))
    return tables


def ocr_page(pdfium_page) -> OcrPage:
    """Given a pypdfium2 page, return it read by OCR as an OcrPage."""
    import cv2
    import numpy as np

    image = pdfium_page.render(scale=DPI / 72).to_numpy()
    gray = cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY)
    results, _ = _engine()(gray, use_cls=False)  # scans are upright; the angle classifier flips short cells (≥90% → %06z)
    page = OcrPage(pdfium_page.get_width(), pdfium_page.get_height())
    page.chars = boxes_to_chars(results)
    page.tables = edges_to_tables(ruling_edges(gray))
    return page
