"""Format readers: bytes in, one `Document` (paragraphs and table grids in reading order) out."""

from __future__ import annotations

from dataclasses import replace

from jixiao.errors import ExtractError
from jixiao.model import Document

from .docx import read_docx
from .legacy import TARGETS, convert_legacy
from .pdf import read_pdf
from .sniff import sniff_format
from .xlsx import read_xlsx

__all__ = ["ExtractError", "read_document", "sniff_format", "read_docx", "read_pdf", "read_xlsx"]

_READERS = {"docx": read_docx, "pdf": read_pdf, "xlsx": read_xlsx}

_UNSUPPORTED = {
    "image": "The file is an image; scanned pages are read only inside PDFs, so put the scans in a PDF.",
    "encrypted-office": "The Office document is password-protected; remove the password and ingest it again.",
}


def read_document(data: bytes, fmt: str | None = None, name: str = "", converted: bytes | None = None) -> Document:
    """Given a file's bytes, return its Document; raise ExtractError with one sentence when it cannot be read.

    converted: for a legacy file, the .docx/.xlsx a batch conversion already made of it.
    """
    if not data:
        raise ExtractError("The file is empty.")
    fmt = fmt or sniff_format(data, name)
    if fmt in TARGETS:
        converted = converted if converted is not None else convert_legacy(data, fmt)
        return replace(_READERS[TARGETS[fmt]](converted), format=fmt)  # the format is what the bytes were
    reader = _READERS.get(fmt)
    if reader is None:
        raise ExtractError(_UNSUPPORTED.get(fmt, "The file is not a Word, WPS, Excel or PDF file, so it was not read."))
    return reader(data)
