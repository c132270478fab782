"""The source pages beside a report: the stored file found again by its bytes, shown as page images,
and the place of each value on them.

The file is looked up by doc_id in the warehouse, never by a path from the request, and shown only
when its bytes still hash to that doc_id. A PDF is rendered as it is; a Word or spreadsheet file is
converted to PDF by LibreOffice once and kept in the pages folder. PDF fields carry their cell's box;
for a converted file the value is found on the page by its text, near its label.

`jixiao serve` converts ahead (`Sources.preconvert`, in a background thread): the documents LibreOffice
shows that have no converted pages yet, most recent first, a batch per LibreOffice run, so a report's
first open finds its pages ready. A page asked for while its batch runs waits for it. A spreadsheet is
printed from a copy whose sheets print their grid and are fitted to one page wide; the stored file is
never changed.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
from openpyxl.worksheet.properties import PageSetupProperties

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import doc_id_of_file
from jixiao.base.paths import on_disk
from jixiao.extract.formats import file_format
from jixiao.extract.image import image_pdf
from jixiao.extract.legacy import CONVERT_TIMEOUT_S, Converter, convert_legacy

log = logging.getLogger("jixiao.desk.sources")

PRECONVERT_BATCH = 8  # documents per LibreOffice run ahead of time: a page asked for meanwhile waits at most one batch
SPREADSHEETS = frozenset({"xlsx", "xls", "et"})  # printed with their grid, fitted to one page wide
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


class Sources:
    """Page images and value boxes for stored documents; pages_dir keeps converted PDFs."""

    def __init__(self, pages_dir: Path) -> None:
        self.pages_dir = pages_dir
        self._verified: dict[str, tuple[Path, int, int]] = {}  # doc_id → path, size, mtime when its hash matched
        self._lock = threading.Lock()
        self._doc_locks: dict[str, threading.Lock] = {}
        self._office = threading.Lock()
        self.stopping = threading.Event()  # set when the desk stops: no further batch is started

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
                    if path.is_file() and doc_id_of_file(path) == doc_id:
                        st = path.stat()
                        self._verified[doc_id] = (path, st.st_size, st.st_mtime_ns)
                        return path
                except OSError:
                    continue
        where = paths[0] if paths else "its path"
        raise SourceMissing(
            _(
                "The source file is no longer at {where} with the bytes that were read (moved, changed or deleted), so its pages cannot be shown."
            ).format(where=where)
        )

    def converted(self, doc_id: str, fmt: str) -> Path:
        """Where the PDF converted from a document is kept (a spreadsheet's, with its grid, by its own name)."""
        return self.pages_dir / (f"{doc_id}.grid.pdf" if fmt in SPREADSHEETS else f"{doc_id}.pdf")

    def _doc_lock(self, doc_id: str) -> threading.Lock:
        """Held while doc_id is converted: by a request converting it, or by the batch converting it ahead."""
        with self._lock:
            return self._doc_locks.setdefault(doc_id, threading.Lock())

    def pdf(self, doc_id: str, fmt: str, paths: list[str]) -> Path:
        """A PDF of the document: the file itself, or its conversion made once and kept."""
        source = self.original(doc_id, paths)
        shown = file_format(fmt).desk
        if shown == "itself":
            return source
        if shown == "none":
            raise SourceMissing(_("A {fmt} file has no pages to show.").format(fmt=fmt))
        target = self.converted(doc_id, fmt)
        if target.exists():
            return target
        with self._doc_lock(doc_id):  # being converted ahead: wait for that batch rather than convert it twice
            if not target.exists():
                try:  # a photo or scan as the pages OCR read; a Word, Excel or web page as LibreOffice prints it
                    if shown == "pdf-of-image":
                        data = image_pdf(source.read_bytes())
                    else:
                        with self._office:  # one LibreOffice profile: one conversion on demand at a time
                            data = _office_pdf(source.read_bytes(), fmt)
                except ExtractError as exc:
                    raise SourceMissing(str(exc)) from exc
                self._keep(target, data)
        return target

    def _keep(self, target: Path, data: bytes) -> None:
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # whole or absent: a stopped desk leaves no half PDF

    def preconvert(self, documents: Iterable[tuple[str, str, list[str]]], batch: int = PRECONVERT_BATCH) -> int:
        """Convert ahead, in the order given, the documents (doc_id, format, paths) LibreOffice shows that have no
        converted pages yet: batch of them per LibreOffice run, with a LibreOffice profile of its own (so a request
        converting another document on demand meanwhile does not wait). Returns how many were converted. A
        document that fails is logged and left to be converted when it is opened, as without this."""
        todo = [(d, f, p) for d, f, p in documents if file_format(f).desk == "libreoffice" and not self.converted(d, f).exists()]
        if not todo:
            return 0
        converter = Converter()
        done = 0
        try:
            for start in range(0, len(todo), batch):
                if self.stopping.is_set():
                    break
                try:
                    done += self._convert_batch(converter, todo[start : start + batch])
                except (ExtractError, OSError, subprocess.SubprocessError) as exc:
                    log.warning("converting %d documents ahead failed (%s); they are converted when opened", len(todo[start : start + batch]), exc)
        finally:
            converter.close()
        return done

    def _convert_batch(self, converter: Converter, chunk: list[tuple[str, str, list[str]]]) -> int:
        held: list[tuple[threading.Lock, str, str, list[str]]] = []
        work = Path(tempfile.mkdtemp(prefix="pages-", dir=converter.tmp))
        try:
            for doc_id, fmt, paths in chunk:
                lock = self._doc_lock(doc_id)
                if not lock.acquire(blocking=False):  # being converted on demand: left to that request
                    continue
                if self.converted(doc_id, fmt).exists():
                    lock.release()
                    continue
                held.append((lock, doc_id, fmt, paths))
            inputs, legacy = work / "in", work / "legacy"
            inputs.mkdir()
            legacy.mkdir()
            for i, (_lock, doc_id, fmt, paths) in enumerate(held):
                try:
                    source = self.original(doc_id, paths)
                except SourceMissing:
                    log.info("the source of %s is no longer where ingest saw it; not converted ahead", doc_id)
                    continue
                if fmt == "xlsx":
                    (inputs / f"{i:04d}.xlsx").write_bytes(gridded(source.read_bytes()))
                elif fmt in SPREADSHEETS:  # .xls/.et: to .xlsx first, so that its copy can be given its grid
                    shutil.copyfile(source, legacy / f"{i:04d}.{fmt}")
                else:
                    shutil.copyfile(source, inputs / f"{i:04d}.{fmt}")
            old = sorted(legacy.iterdir())
            if old:
                self._run(converter, old, "xlsx", legacy)
                for path in old:
                    made = legacy / f"{path.stem}.xlsx"
                    if made.exists():
                        (inputs / made.name).write_bytes(gridded(made.read_bytes()))
            sources = sorted(inputs.iterdir())
            if not sources:
                return 0
            out = work / "out"
            self._run(converter, sources, "pdf", out)
            done = 0
            for i, (_lock, doc_id, fmt, _paths) in enumerate(held):
                made = out / f"{i:04d}.pdf"
                if made.exists():
                    self._keep(self.converted(doc_id, fmt), made.read_bytes())
                    done += 1
                elif (inputs / f"{i:04d}.{'xlsx' if fmt in SPREADSHEETS else fmt}").exists():
                    log.info("LibreOffice gave no PDF for %s ahead; it is converted when opened", doc_id)
            return done
        finally:
            for lock, *_ in held:
                lock.release()
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _run(converter: Converter, sources: list[Path], target: str, outdir: Path) -> None:
        try:
            converter.run(sources, target, outdir, CONVERT_TIMEOUT_S + 10 * len(sources))
        except subprocess.TimeoutExpired:
            log.warning("LibreOffice took too long converting %d files ahead to %s; they are converted when opened", len(sources), target)

    def sizes(self, pdf: Path) -> list[tuple[float, float]]:
        """Each page's width and height in points."""
        return list(_sizes(str(pdf), pdf.stat().st_mtime_ns))

    def png(self, pdf: Path, page: int) -> bytes:
        """Page (1-based) rendered as PNG; ValueError for a page the file does not have."""
        return _png(str(pdf), pdf.stat().st_mtime_ns, page)

    def locate(self, pdf: Path, label: str, value: str) -> Box | None:
        """Where value lies in pdf, preferring the hit nearest after its label; None when not found."""
        return _locate(str(pdf), pdf.stat().st_mtime_ns, label, value)


def _office_pdf(data: bytes, fmt: str) -> bytes:
    """A document's bytes as LibreOffice prints them to PDF; a spreadsheet from its gridded copy."""
    if fmt in SPREADSHEETS:
        xlsx = data if fmt == "xlsx" else convert_legacy(data, fmt, "xlsx")
        return convert_legacy(gridded(xlsx), "xlsx", "pdf")
    return convert_legacy(data, fmt, "pdf")


def gridded(xlsx: bytes) -> bytes:
    """A copy of a workbook whose sheets print their gridlines and fit one page wide (as many pages tall as they
    need); the bytes as they are when openpyxl cannot open them (LibreOffice then prints them as they are)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(xlsx))
    except Exception as exc:  # noqa: BLE001 - any workbook openpyxl refuses is still printed, only without its grid
        log.info("a workbook's copy could not be given its grid (%s); it is printed as it is", exc)
        return xlsx
    for sheet in book.worksheets:
        sheet.print_options.gridLines = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        if sheet.page_setup.paperSize is None:  # unsaid: A4, as forms are printed here (LibreOffice would take Letter)
            sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        if sheet.sheet_properties.pageSetUpPr is None:
            sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        else:
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
                    gaps = [abs((v[0] + v[2]) - (lb[0] + lb[2])) / 2 + (v[1] - lb[1]) for lb in labels if v[2] >= lb[0] and v[1] >= lb[1] - 2]
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
