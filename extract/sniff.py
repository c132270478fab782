"""Decide a file's format from its first bytes, never from its name."""

from __future__ import annotations

import io
import re
import zipfile

from jixiao.base.model import Format

from .formats import FORMATS

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# the formats a prefix says (the images), from the registry; no prefix there is the start of another
_MAGIC: tuple[tuple[bytes, Format], ...] = tuple((magic, f.name) for f in FORMATS for magic in f.magic)


def sniff_format(data: bytes, name: str = "") -> Format:
    """Given a file's bytes (and its name, used only to tell legacy Office kinds apart), return its format."""
    head = data[:8]
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except Exception:  # BadZipFile, and NotImplementedError/ValueError for crafted headers
            return _office_kind_from_name(name, "docx")  # damaged zip: the reader says so
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower() == "ofd.xml" for n in names):
            return "ofd"
        return "unknown"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "rtf"
    text_kind = _text_kind(data[:4096])
    if text_kind:
        return text_kind
    if head == OLE2:
        # Word 97, WPS and Excel all live in OLE2 containers; the stream names tell them apart.
        if b"W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t" in data[: 65536 * 8]:
            return "wps" if name.lower().endswith(".wps") else "doc"
        if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[: 65536 * 8] or b"B\x00o\x00o\x00k" in data[: 65536 * 8]:
            return "et" if name.lower().endswith(".et") else "xls"
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data[: 65536 * 8]:
            return "encrypted-office"
        return _office_kind_from_name(name, "doc")
    return "unknown"


# the Office kinds a name's ending may tell apart where the bytes cannot (a damaged zip, an OLE2 file of no known stream)
_BY_ENDING: dict[str, Format] = {"doc": "doc", "wps": "wps", "xls": "xls", "et": "et", "docx": "docx", "xlsx": "xlsx", "ofd": "ofd"}


def _office_kind_from_name(name: str, default: Format) -> Format:
    ext = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return _BY_ENDING.get(ext, default)


_HTML = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE | re.DOTALL)
_MHT = re.compile(rb"^(?:[\w-]+:.*\r?\n)*?content-type:\s*multipart/related", re.IGNORECASE | re.MULTILINE)


def _text_kind(head: bytes):
    """A saved web page: HTML by its opening tag, MHT by its MIME header (multipart/related)."""
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _MHT.search(body[:2048]) and (
        body.lower().startswith((b"mime-version", b"from:", b"content-type", b"subject:", b"date:", b"message-id", b"x-"))
    ):
        return "mht"
    if _HTML.match(body):
        return "html"
    return None
