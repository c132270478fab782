"""The parts of an Office file (a zip), read one by one under a size cap, each failure said in words.

A zip's headers are hints: the sizes it declares may be damaged, so a part is judged by what it
unpacks to (past 200 MB, or past 200 times its packed size once over 10 MB, it is a zip bomb and
the file is refused). A part that cannot be unpacked (flagged encrypted, packed by a method no
Office program uses, its compressed bytes damaged) raises `PartUnreadable` with a reason a
sentence can carry; the reader decides whether the file can do without that part.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from io import BytesIO

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _

MAX_PART_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 10 * 1024 * 1024  # a small part may pack well: the ratio counts only above this
_CHUNK = 1024 * 1024
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# What unpacking a damaged member raises: zlib, bz2 (OSError "Invalid data stream"), lzma, a bad CRC
# or local header (BadZipFile), a stream cut short (EOFError), and zipfile's refusals of odd headers.
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)


class PartUnreadable(Exception):
    """A part that cannot be unpacked; `reason` completes a sentence that starts with the part's name."""

    def __init__(self, name: str, reason: str, detail: str | None = None):
        super().__init__(f"{name} {reason}")
        self.name, self.reason, self.detail = name, reason, detail


def open_zip(data: bytes, kind: str, program: str) -> zipfile.ZipFile:
    """The file's zip, or an ExtractError saying its container is damaged (kind: "a Word document", program: "Word")."""
    try:
        return zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError) as exc:
        raise ExtractError(
            _(
                "The file looks like {kind} but its zip container is damaged or truncated; open it in {program} "
                "or WPS, save it again and ingest the saved copy."
            ).format(kind=_(kind), program=program),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc


def read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, owner: str) -> bytes:
    """Given an open zip and one of its members, return the member's bytes.

    owner names the file in the bomb sentence ("The Word file's"). Raises ExtractError for a zip
    bomb and PartUnreadable for a part that cannot be unpacked."""
    name = info.filename
    if info.flag_bits & 0x1:
        # Office encrypts a whole file (an OLE container), never one part of a zip
        raise PartUnreadable(name, _("is marked as encrypted inside the zip, which no Office program does, so the file is damaged"))
    if info.compress_type not in _METHODS:
        raise PartUnreadable(
            name, _("is packed by a compression method (number {compress_type}) no Office program uses").format(compress_type=info.compress_type)
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                if size > MAX_PART_BYTES or (size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1)):
                    raise _bomb(owner, info, size)
                chunks.append(chunk)
    except ExtractError:
        raise
    except NotImplementedError as exc:  # a header asking for zip features (a newer version, patches) Office never uses
        raise PartUnreadable(
            name, _("is stored with zip features no Office program uses, so the file is damaged"), f"{type(exc).__name__}: {exc}"
        ) from exc
    except _DAMAGED as exc:
        raise PartUnreadable(name, _("cannot be unpacked: its compressed bytes are damaged"), f"{type(exc).__name__}: {exc}") from exc
    except RuntimeError as exc:  # zipfile's "password required" for a flag it reads in the local header only
        raise PartUnreadable(
            name, _("is marked as encrypted inside the zip, which no Office program does, so the file is damaged"), f"{type(exc).__name__}: {exc}"
        ) from exc
    return b"".join(chunks)


def _bomb(owner: str, info: zipfile.ZipInfo, size: int) -> ExtractError:
    declared = info.file_size // (1024 * 1024)
    if size > MAX_PART_BYTES:
        grows = (
            _("expands to {mb} MB").format(mb=declared)
            if info.file_size > MAX_PART_BYTES
            else _("expands past {mb} MB").format(mb=MAX_PART_BYTES // (1024 * 1024))
        )
    else:
        grows = _("expands to over {ratio} times its packed size").format(ratio=MAX_RATIO)
    return ExtractError(
        _("{owner} {filename} {grows}, which looks like a zip bomb; it was not read.").format(owner=_(owner), filename=info.filename, grows=grows)
    )
