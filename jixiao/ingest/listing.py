"""Listing what to read: files and folders walked in sorted order, archives opened as they are met (their members
listed, not unpacked), and what was passed over or failed before it could be read, each with why."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.paths import readable
from jixiao.extract import READ_SUFFIXES, file_format, sniff_format
from jixiao.extract.archives import ARCHIVE_SUFFIXES, SEPARATOR, Member, archive_kind, list_members

# Office lock files and OS clutter met in real archive folders; never reports.
_SKIP_NAMES = ("~$", ".~lock", "Thumbs.db", ".DS_Store", "desktop.ini")


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISDIR, "a folder"),
)


@dataclass
class Archive:
    """An archive a walk met: where, what stat said, its kind, and the members to read (listed, not unpacked)."""

    path: Path
    st: os.stat_result
    kind: str
    members: list[Member]
    depth: int = 1
    within: str | None = None  # the virtual path of the archive holding this one (archive.zip!/inner.zip)


@dataclass
class Listing:
    """What a list of paths holds: files to read, archives to walk, files passed over (with why), paths that
    failed before reading."""

    files: list[tuple[Path, os.stat_result]] = field(default_factory=list)  # with what stat said, used by the plan
    archives: list[Archive] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    filtered: int = 0  # files --include/--exclude left out

    @property
    def count(self) -> int:
        """Files to account for: each read or failed, archive members included."""
        return len(self.files) + len(self.failed) + sum(len(a.members) for a in self.archives)


def _not_a_file(path: Path, mode: int) -> str | None:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None


def _looks_readable(path: Path) -> bool:
    """A file without a report's suffix is read when its first bytes are a format we read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    return file_format(sniff_format(head, path.name)).reader is not None


def list_files(paths: Iterable[str | Path], include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Listing:
    """Given files and folders, list the regular files to read, folders walked recursively in sorted order.

    Only regular files are opened: a named pipe would block a reader forever, a device never ends.
    In a folder walk, such entries and files of other kinds (a 说明.txt, a .json beside the archive)
    are skipped with a reason; named explicitly, they fail with a sentence. A link that leads
    nowhere fails with a sentence either way. include/exclude are globs matched against the name
    and the path.
    """
    out = Listing()

    def wanted(p: Path) -> bool:
        text = p.as_posix()
        if include and not any(fnmatch.fnmatch(p.name, g) or fnmatch.fnmatch(text, g) for g in include):
            return False
        return not any(fnmatch.fnmatch(p.name, g) or fnmatch.fnmatch(text, g) for g in exclude)

    def consider(p: Path, walked: bool) -> None:
        try:
            st = p.stat()
            mode = st.st_mode
        except FileNotFoundError:
            out.failed.append(
                (
                    p,
                    _("The link leads to {target}, which does not exist.").format(target=os.readlink(p))
                    if p.is_symlink()
                    else _("The file disappeared before it could be read."),
                )
            )
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                out.failed.append((p, _("The link leads round in a loop of links to itself, so there is no file to read.")))
            else:
                out.failed.append((p, _("The file could not be looked at ({strerror}).").format(strerror=exc.strerror)))
            return
        kind = _not_a_file(p, mode)
        if kind is not None:
            if walked:
                out.skipped.append((p, _("{kind}, not a file").format(kind=kind)))
            else:
                out.failed.append((p, _("This is {kind}, not a file, so it was not read.").format(kind=kind)))
            return
        archive = archive_of(p)
        if archive is not None:
            try:
                found = Archive(p, st, archive, wanted_members(list_members(p, archive), out, readable(str(p))))
            except ExtractError as exc:
                out.failed.append((p, str(exc)))
                return
            if wanted(p):
                out.archives.append(found)
            return
        if walked and p.suffix.lower() not in READ_SUFFIXES and not _looks_readable(p):
            out.skipped.append((p, _("not a report format ({value})").format(value=p.suffix or "no suffix")))
            return
        out.files.append((p, st))

    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith(".") or name.startswith(_SKIP_NAMES):
                        continue
                    path = Path(root) / name
                    if wanted(path):
                        consider(path, walked=True)
                    else:
                        out.filtered += 1
        elif p.exists() or p.is_symlink():
            consider(p, walked=False)
        else:
            raise FileNotFoundError(f"No such file or folder: {p}")
    return out


def archive_of(path: Path) -> str | None:
    """zip, 7z or rar when path is an archive to walk (a .docx is a zip too, but no archive), else None."""
    if path.suffix.lower() not in ARCHIVE_SUFFIXES:
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    kind = archive_kind(head)
    if kind == "zip" and _is_document_zip(path):  # a Word, Excel or OFD file named .zip
        return None
    return kind


def _is_document_zip(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return any(n.startswith(("word/", "xl/")) or n.lower() == "ofd.xml" for n in z.namelist())
    except Exception:  # damaged: an archive the walk will say is damaged
        return False


def wanted_members(members: list[Member], out: Listing, where: str) -> list[Member]:
    """The members a walk reads (reports' formats, and archives inside); the rest are skipped with why."""
    kept = []
    for m in members:
        name = m.name.rsplit("/", 1)[-1]
        if m.name.startswith("__MACOSX/") or name.startswith((".", *_SKIP_NAMES)):
            continue
        suffix = Path(name).suffix.lower()
        if suffix in READ_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
            kept.append(m)
        else:
            out.skipped.append((Path(f"{where}{SEPARATOR}{m.name}"), _("not a report format ({value})").format(value=suffix or "no suffix")))
    return sorted(kept, key=lambda m: m.name)


def archive_paths(archive: Archive) -> list[str]:
    """The paths an archive's members are stored under (「archive.zip!/a.doc」)."""
    where = archive.within or readable(str(archive.path))
    return [f"{where}{SEPARATOR}{m.name}" for m in archive.members]
