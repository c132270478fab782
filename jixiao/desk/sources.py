"""The source pages beside a report: the stored file found again by its bytes, shown as page images,
and the place of each value on them.

The file is looked up by doc_id in the warehouse, never by a path from the request, and shown only
when its bytes still hash to that doc_id. A PDF is rendered as it is; a Word or spreadsheet file is
converted to PDF by LibreOffice once and kept in the pages folder. PDF fields carry their cell's box;
for a converted file the value is found on the page by its text, near its label.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.paths import on_disk
from jixiao.extract.formats import file_format
from jixiao.extract.image import image_pdf
from jixiao.extract.legacy import convert_legacy

MAX_PIXELS = 6_000_000  # a page view's render at most: A4 at SCALE is about 1.1 million
SCALE = 1.5  # 108 dpi: figures readable beside the values, a page about 900 px wide

# pdfium is not thread-safe and the desk serves requests from a thread pool: one page at a time
_PDFIUM = threading.Lock()


class SourceMissing(Exception):
    """The source of a document cannot be shown; one sentence."""


@dataclass(frozen=True)
class Box:
    """A value's place: page (1-based) and its rectangle in PDF points from the top-left corner."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    found_by: str  # "cell": the reader's own cell; "text": its text found on the page; "label": only its label found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Sources:
    """Page images and value boxes for stored documents; pages_dir keeps converted PDFs."""

    def __init__(self, pages_dir: Path) -> None:
        self.pages_dir = pages_dir
        self._verified: dict[str, tuple[Path, int, int]] = {}  # doc_id → path, size, mtime when its hash matched
        self._lock = threading.Lock()

    def original(self, doc_id: str, paths: list[str]) -> Path:
        """The file among paths (where ingest found doc_id) whose bytes are still doc_id's."""
        with self._lock:
            known = self._verified.get(doc_id)
            if known is not None:
                path, size, mtime = known
                try:
                    st = path.stat()
                    if (st.st_size, st.st_mtime_ns) == (size, mtime):
                        return path
                except OSError:
                    pass
            for text in paths:
                path = Path(on_disk(text))  # a stored name decoded from GBK is found again on disk
                try:
                    if path.is_file() and sha256_of(path) == doc_id:
                        st = path.stat()
                        self._verified[doc_id] = (path, st.st_size, st.st_mtime_ns)
                        return path
                except OSError:
                    continue
        where = paths[0] if paths else "its path"
        raise SourceMissing(_("The source file is no longer at {where} with the bytes that were read (moved, changed or "
                              "deleted), so its pages cannot be shown.").format(where=where))

    def pdf(self, doc_id: str, fmt: str, paths: list[str]) -> Path:
        """A PDF of the document: the file itself, or its conversion made once and kept."""
        source = self.original(doc_id, paths)
        shown = file_format(fmt).desk
        if shown == "itself":
            return source
        if shown == "none":
            raise SourceMissing(_("A {fmt} file has no pages to show.").format(fmt=fmt))
        target = self.pages_dir / f"{doc_id}.pdf"
        with self._lock:
            if not target.exists():
                try:  # a photo or scan as the pages OCR read; a Word, Excel or web page as LibreOffice prints it
                    data = image_pdf(source.read_bytes()) if shown == "pdf-of-image" else convert_legacy(source.read_bytes(), fmt, "pdf")
                except ExtractError as exc:
                    raise SourceMissing(str(exc)) from exc
                self.pages_dir.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(target)  # whole or absent: a stopped desk leaves no half PDF
        return target

    def sizes(self, pdf: Path) -> list[tuple[float, float]]:
        """Each page's width and height in points."""
        return list(_sizes(str(pdf), pdf.stat().st_mtime_ns))

    def png(self, pdf: Path, page: int) -> bytes:
        """Page (1-based) rendered as PNG; ValueError for a page the file does not have."""
        return _png(str(pdf), pdf.stat().st_mtime_ns, page)

    def locate(self, pdf: Path, label: str, value: str) -> Box | None:
        """Where value lies in pdf, preferring the hit nearest after its label; None when not found."""
        return _locate(str(pdf), pdf.stat().st_mtime_ns, label, value)


@lru_cache(maxsize=64)
def _sizes(path: str, _mtime: int) -> tuple[tuple[float, float], ...]:
    with _PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            return tuple(tuple(pdf[i].get_size()) for i in range(len(pdf)))
        finally:
            pdf.close()


@lru_cache(maxsize=128)
def _png(path: str, _mtime: int, page: int) -> bytes:
    with _PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= page <= len(pdf):
                raise ValueError(f"page {page} of {len(pdf)}")
            shown = pdf[page - 1]
            width, height = shown.get_size()
            # a page claiming to be huge (a MediaBox of 5 × 5 m) is shown at most MAX_PIXELS, not gigabytes of them
            scale = min(SCALE, 0.999 * (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)  # 0.999: pdfium rounds sides up
            image = shown.render(scale=scale).to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _needle(text: str, limit: int) -> str:
    """The start of a text as a page's text layer would hold it: first line, no spaces or colons."""
    first = text.strip().split("\n")[0]
    return "".join(ch for ch in first if not ch.isspace() and ch not in ":：")[:limit]


@lru_cache(maxsize=4096)
def _locate(path: str, _mtime: int, label: str, value: str) -> Box | None:
    wanted, named = _needle(value, 24), _needle(label, 8)
    with _PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            scored: list[tuple[float, Box]] = []
            fallback: Box | None = None
            for i in range(len(pdf)):
                page = pdf[i]
                height = page.get_height()
                text = page.get_textpage()
                labels = _hits(text, named, height) if named else []
                if fallback is None and labels:
                    fallback = Box(i + 1, *labels[0], found_by="label")
                for v in _hits(text, wanted, height) if wanted else []:
                    # after its label: right of it on its line, or below it (a header over its column,
                    # text centred either way); the nearest such hit wins
                    gaps = [abs((v[0] + v[2]) - (lb[0] + lb[2])) / 2 + (v[1] - lb[1])
                            for lb in labels if v[2] >= lb[0] and v[1] >= lb[1] - 2]
                    scored.append((min(gaps) if gaps else float("inf"), Box(i + 1, *v, found_by="text")))
            if scored:
                gap, box = min(scored, key=lambda s: s[0])
                if gap < float("inf") or len(scored) == 1:  # no label near: only a value that occurs once is sure
                    return box
            # a value the text layer writes otherwise (ticked boxes) or too often: its label shows the row
            return fallback
        finally:
            pdf.close()


def _hits(textpage, needle: str, height: float) -> list[tuple[float, float, float, float]]:
    """Boxes (x0, top, x1, bottom from the top-left corner) of needle in a page's text."""
    out: list[tuple[float, float, float, float]] = []
    # the text layer may hold spaces where the form had none: search the page text with them taken out
    chars = textpage.count_chars()
    whole = textpage.get_text_range(0, chars) if chars else ""
    kept = [(i, ch) for i, ch in enumerate(whole) if not ch.isspace() and ch not in ":："]
    flat = "".join(ch for _, ch in kept)
    start = flat.find(needle)
    while start >= 0 and len(out) < 50:
        first, last = kept[start][0], kept[start + len(needle) - 1][0]
        boxes = [textpage.get_charbox(j) for j in range(first, last + 1) if j < chars]
        boxes = [b for b in boxes if b[2] > b[0]]
        if boxes:
            left, bottom = min(b[0] for b in boxes), min(b[1] for b in boxes)
            right, top = max(b[2] for b in boxes), max(b[3] for b in boxes)
            out.append((round(left - 2, 1), round(height - top - 2, 1), round(right + 2, 1), round(height - bottom + 2, 1)))
        start = flat.find(needle, start + 1)
    return out
