"""Archives an archive arrives in (「2021年度绩效自评材料.zip」, .7z, .rar, archives inside archives),
walked like folders. Their members are listed without being unpacked, so a member whose archive did
not change is recognised without reading a byte; those to read are unpacked in one pass into the
ingest's scratch folder. A member is known by its archive's path and its own, `archive.zip!/folder/
file.docx`.

Names: a zip member's name is UTF-8 when its flag says so (or when its bytes are UTF-8), else GB18030
(Windows in a Chinese locale writes GBK, which zipfile would show as cp437 mojibake); 7z names are
Unicode. Zip is read by the standard library; 7z and rar by libarchive (libarchive-c). Bombs — too many
members, too much unpacked, a member that expands too far, archives nested too deep — are refused with
a sentence.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _

ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar")
MAX_MEMBERS = 20_000
MAX_UNPACKED = 8 * 1024**3  # bytes an archive may unpack to, in all
MAX_RATIO = 200  # a member's unpacked size over its packed size, at most (for members over a megabyte)
MAX_DEPTH = 3  # archives inside archives, at most
SEPARATOR = "!/"


@dataclass(frozen=True)
class Member:
    name: str  # the path inside the archive, decoded
    size: int  # unpacked bytes


def archive_kind(head: bytes) -> str | None:
    """zip, 7z or rar by the first bytes (a zip that is a Word, Excel or OFD file is no archive: sniff decides)."""
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return None


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")  # what zipfile decoded the bytes as
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _refuse(path: Path, why: str) -> ExtractError:
    return ExtractError(_("The archive {name} {why}; it was not unpacked.").format(name=path.name, why=why))


def list_members(path: Path, kind: str) -> list[Member]:
    """The files an archive holds (folders left out), without unpacking them; ExtractError when it is
    damaged, locked or a bomb."""
    members: list[Member] = []
    total = 0
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise _refuse(path, _("holds {n_infos} entries (more than {MAX_MEMBERS})").format(n_infos=len(infos), MAX_MEMBERS=MAX_MEMBERS))
                for info in infos:
                    if info.is_dir():
                        continue
                    if info.flag_bits & 0x1:
                        raise _refuse(path, _("is password-protected; unpack it with its password and ingest the folder"))
                    if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                        raise _refuse(
                            path,
                            _("has a member ({value}) that would expand {value2} times, which looks like a zip bomb").format(
                                value=_zip_name(info), value2=info.file_size // max(info.compress_size, 1)
                            ),
                        )
                    members.append(Member(_zip_name(info), info.file_size))
                    total += info.file_size
        else:
            import libarchive

            with libarchive.file_reader(str(path)) as archive:
                for entry in archive:
                    if not entry.isfile:
                        continue
                    if len(members) >= MAX_MEMBERS:
                        raise _refuse(path, _("holds more than {MAX_MEMBERS} files").format(MAX_MEMBERS=MAX_MEMBERS))
                    members.append(Member(entry.pathname, entry.size or 0))
                    total += entry.size or 0
    except ExtractError:
        raise
    except Exception as exc:  # zipfile and libarchive's ways of saying the bytes are bad
        raise ExtractError(
            _("The archive {name} is damaged or not a complete {kind} file; get it again, or unpack it by hand and ingest the folder.").format(
                name=path.name, kind=kind
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    if total > MAX_UNPACKED:
        raise _refuse(path, _("would unpack to {value} GB, more than any archive of reports").format(value=total // 1024**3))
    return members


def unpack(path: Path, kind: str, names: list[str], into: Path) -> dict[str, Path]:
    """Unpack the named members of an archive into the folder `into`, in one pass; return name → file.
    Files are named by their order (their own names may not be valid here), keeping the ending."""
    wanted = {name: into / f"{i:05d}{Path(name).suffix.lower()[:12]}" for i, name in enumerate(names)}
    into.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    target = wanted.get(_zip_name(info))
                    if target is not None and not info.is_dir():
                        _copy_limited(archive.open(info), target, info.file_size)
        else:
            import libarchive

            with libarchive.file_reader(str(path)) as archive:
                for entry in archive:
                    target = wanted.get(entry.pathname)
                    if target is not None and entry.isfile:
                        with target.open("wb") as out:
                            written = 0
                            for block in entry.get_blocks():
                                written += len(block)
                                if written > (entry.size or 0) + 1024:  # more than the header said: stop
                                    raise _refuse(path, _("has a member ({pathname}) larger than it says").format(pathname=entry.pathname))
                                out.write(block)
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(
            _("The archive {name} could not be unpacked (damaged or truncated); get it again, or unpack it by hand and ingest the folder.").format(
                name=path.name
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    return {name: target for name, target in wanted.items() if target.exists()}


def _copy_limited(source, target: Path, size: int) -> None:
    """Copy a member, stopping where it would grow past the size its header states (a forged header)."""
    written = 0
    with source, target.open("wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > size + 1024:
                raise ExtractError(_("An archive member ({name}) is larger than its header says; it was not unpacked.").format(name=target.name))
            out.write(chunk)
