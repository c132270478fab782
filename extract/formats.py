"""Every file format jixiao knows, in one place: its name (documents.format), the file name endings a
folder walk reads it by, the leading bytes that say it, how it is read, and how the review desk shows
its pages. The sniffer (sniff.py) tells a format from the first bytes, by the magic here where a prefix
says it and in code where it takes more (a zip's parts, an OLE2 file's streams, a web page's head);
everything else asks this table.

To add a format: a line here, and a reader in this folder (or one that reads it already: jp2 is a line alone).
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.base.i18n import N_
from jixiao.base.model import Format


@dataclass(frozen=True)
class FileFormat:
    name: Format  # documents.format: what the bytes are
    suffixes: tuple[str, ...]  # endings a folder walk reads by (any file whose bytes are a format is read too)
    reader: str | None  # "module:function" in this package: (bytes, ReadOptions) → Document; None: refused
    converts_to: str | None = None  # read after LibreOffice converts it to this format (.doc → docx)
    desk: str = "none"  # how the desk shows its pages: "itself" (a PDF), "libreoffice" (converted to PDF), "pdf-of-image"
    refusal: str | None = None  # for a format recognised but not read: the sentence (translated where said)
    magic: tuple[bytes, ...] = ()  # prefixes that say it (sniff.py); none: told by more than a prefix


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("docx", (".docx", ".docm", ".dotx"), "docx:read_docx", desk="libreoffice"),
    FileFormat("doc", (".doc", ".dot"), "docx:read_docx", converts_to="docx", desk="libreoffice"),
    FileFormat("wps", (".wps", ".wpt"), "docx:read_docx", converts_to="docx", desk="libreoffice"),
    FileFormat("pdf", (".pdf",), "pdf:read_pdf", desk="itself"),
    FileFormat("xlsx", (".xlsx", ".xlsm"), "xlsx:read_xlsx", desk="libreoffice"),
    FileFormat("xls", (".xls",), "xlsx:read_xlsx", converts_to="xlsx", desk="libreoffice"),
    FileFormat("et", (".et",), "xlsx:read_xlsx", converts_to="xlsx", desk="libreoffice"),
    # Rich Text, often under a .doc name (AbiWord and older WPS save .doc so)
    FileFormat("rtf", (".rtf",), "docx:read_docx", converts_to="docx", desk="libreoffice"),
    FileFormat("jpeg", (".jpg", ".jpeg"), "image:read_image", desk="pdf-of-image", magic=(b"\xff\xd8\xff",)),
    FileFormat("png", (".png",), "image:read_image", desk="pdf-of-image", magic=(b"\x89PNG",)),
    FileFormat("tiff", (".tif", ".tiff"), "image:read_image", desk="pdf-of-image", magic=(b"II*\x00", b"MM\x00*")),
    FileFormat("bmp", (".bmp",), "image:read_image", desk="pdf-of-image", magic=(b"BM",)),
    FileFormat("gif", (".gif",), "image:read_image", desk="pdf-of-image", magic=(b"GIF8",)),
    # JPEG 2000, as archival scanning systems store pages: the signature box, or a bare codestream
    FileFormat(
        "jp2", (".jp2", ".j2k", ".jpf"), "image:read_image", desk="pdf-of-image", magic=(b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")
    ),
    FileFormat("html", (".html", ".htm", ".shtml", ".xhtml"), "html:read_html", desk="libreoffice"),
    FileFormat("mht", (".mht", ".mhtml"), "html:read_html"),
    FileFormat("ofd", (".ofd",), "ofd:read_ofd"),
    FileFormat("encrypted-office", (), None, refusal=N_("The Office document is password-protected; remove the password and ingest it again.")),
    FileFormat("unknown", (), None, refusal=N_("The file is not a Word, WPS, Excel, PDF, image, web page or OFD file, so it was not read.")),
)
BY_NAME: dict[str, FileFormat] = {f.name: f for f in FORMATS}
READ_SUFFIXES: frozenset[str] = frozenset(s for f in FORMATS if f.reader for s in f.suffixes)
# the formats LibreOffice converts before they are read, and what into
CONVERTED: dict[str, str] = {f.name: f.converts_to for f in FORMATS if f.converts_to}


def file_format(name: str) -> FileFormat:
    """The format called name (documents.format); unknown for a name this table lacks."""
    return BY_NAME.get(name, BY_NAME["unknown"])
