"""Photos and scans of a form as image files (JPEG, PNG, TIFF with all its pages, BMP, GIF), read by
OCR exactly as a scanned PDF's pages are.

Each image (each frame of a multi-page TIFF) becomes a page of an in-memory PDF holding its pixels
unchanged (no recompression), upright as its EXIF orientation says; that PDF goes through the PDF
reader, whose OCR path straightens, unwarps and reads it. The page is sized as paper: the image's own
resolution where it states a plausible one, else the size that fits the image on A4 — a phone photo's
72 dpi would make a page of a metre and more.
"""

from __future__ import annotations

import io
from dataclasses import replace

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import Document

from .options import ReadOptions

_A4_IN = (8.27, 11.69)
_MAX_FRAMES = 500  # pages of one image file, at most
_MAX_PIXELS = 60_000_000  # pixels of one frame, at most: a 600-dpi A3 scan is 42 million


def read_image(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given an image file's bytes, return its pages read by OCR (the options' engine; by default, the environment's)."""
    from .ocr import ocr_available
    from .pdf import NoTextFound, read_pdf

    options = options or ReadOptions.from_env()
    if not ocr_available(options):
        raise ExtractError(
            _("The file is an image of a page, and OCR is not available (JIXIAO_OCR=0, or its packages are missing), so nothing was read.")
        )
    pdf = image_pdf(data)
    try:
        return replace(read_pdf(pdf, options), format="image")
    except NoTextFound as exc:
        raise ExtractError(_("OCR found no text in the image; it may be blank, or not a page of a form.")) from exc


def image_pdf(data: bytes) -> bytes:
    """The image's frames as the pages of a PDF, each holding the frame's pixels as they are."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for i, frame in enumerate(ImageSequence.Iterator(image)):
            if i >= _MAX_FRAMES:
                raise ExtractError(
                    _("The image file holds more than {MAX_FRAMES} pages; split it and ingest the parts.").format(MAX_FRAMES=_MAX_FRAMES)
                )
            frames.append((_upright(frame, ImageOps), _resolution(frame)))
    except Image.DecompressionBombError as exc:
        raise ExtractError(_("The image is larger than any scan of a form (over 60 million pixels); it was not read."), detail=str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:  # Pillow's ways of saying the bytes are bad
        raise ExtractError(
            _("The image file is damaged or truncated and could not be opened; save it again and ingest the copy."),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    pdf = pdfium.PdfDocument.new()
    try:
        for frame, dpi in frames:
            width, height = frame.width * 72 / dpi, frame.height * 72 / dpi
            page = pdf.new_page(width, height)
            picture = pdfium.PdfImage.new(pdf)
            picture.set_bitmap(pdfium.PdfBitmap.from_pil(frame))
            picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
            page.insert_obj(picture)
            page.gen_content()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


def _upright(frame, image_ops):
    """The frame turned as its EXIF orientation says, in a mode pdfium takes (RGB or grey)."""
    frame = image_ops.exif_transpose(frame)
    if frame.mode not in ("RGB", "L"):
        frame = frame.convert("L" if frame.mode in ("1", "I;16", "I", "F") else "RGB")
    return frame


def _resolution(frame) -> float:
    """Dots per inch to lay the frame out at: the one it states when that makes a page no larger than A3,
    else the one that fits it on A4."""
    stated = frame.info.get("dpi")
    fit = max(frame.width / _A4_IN[0], frame.height / _A4_IN[1])
    if stated:
        try:
            dpi = float(stated[0])
        except (TypeError, ValueError, IndexError):
            dpi = 0.0
        if 90 <= dpi <= 1200 and max(frame.width, frame.height) / dpi <= 16.6:  # A3's long side, inches
            return dpi
    return max(fit, 1.0)
