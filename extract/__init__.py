"""Format readers: bytes in, one `Document` (paragraphs and table grids in reading order) out."""

from __future__ import annotations

from jixiao.errors import ExtractError
from jixiao.model import Document

from .docx import read_docx
from .pdf import read_pdf
from .sniff import sniff_format

__all__ = ["ExtractError", "read_document", "sniff_format", "read_docx", "read_pdf"]

_READERS = {"docx": read_docx, "pdf": read_pdf}

_UNSUPPORTED = {
    "doc": "Word 97 (.doc) files are not read yet; save it as .docx and ingest it again.",
    "wps": "WPS (.wps) files are not read yet; save it as .docx and ingest it again.",
    "xls": "Excel 97 (.xls) files are not read yet; save it as .xlsx or PDF and ingest it again.",
    "et": "WPS spreadsheet (.et) files are not read yet; save it as PDF and ingest it again.",
    "xlsx": "Excel (.xlsx) files are not read yet; save the form as PDF and ingest it again.",
    "image": "The file is an image; scanned pages are read only inside PDFs, so put the scans in a PDF.",
    "encrypted-office": "The Office document is password-protected; remove the password and ingest it again.",
}


def read_document(data: bytes, fmt: str | None = None, name: str = "") -> Document:
    """Given a file's bytes, return its Document; raise ExtractError with one sentence when it cannot be read."""
    if not data:
        raise ExtractError("The file is empty.")
    fmt = fmt or sniff_format(data, name)
    reader = _READERS.get(fmt)
    if reader is None:
        raise ExtractError(_UNSUPPORTED.get(fmt, "The file is neither a Word document nor a PDF, so it was not read."))
    return reader(data)
