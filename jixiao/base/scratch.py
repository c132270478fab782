"""Scratch folders named after the process that made them, so that the next run can remove those of
runs that were killed (SIGKILL leaves no chance to clean up) without touching a living run's."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"^jixiao-[a-z]+-(?P<pid>\d+)-")


def make_scratch(kind: str, parent: str | Path | None = None) -> Path:
    """Create and return <temp>/jixiao-<kind>-<pid>-<random>."""
    if not re.fullmatch(r"[a-z]+", kind):
        raise ValueError(f"A scratch folder kind is lowercase letters, not {kind!r}.")
    return Path(tempfile.mkdtemp(prefix=f"jixiao-{kind}-{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)


def remove_stale_scratch(parent: str | Path | None = None) -> int:
    """Remove the scratch folders in the temp folder whose process no longer lives; return how many."""
    root = Path(parent or tempfile.gettempdir())
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        m = _NAME.match(entry.name)
        if m is None or not entry.is_dir() or entry.is_symlink():
            continue
        if os.name == "posix" and entry.stat().st_uid != os.getuid():
            continue  # another user's run: not ours to judge
        if int(m["pid"]) != os.getpid() and not _alive(int(m["pid"])):
            _remove_office_pipes(entry)
            shutil.rmtree(entry, ignore_errors=True)
            removed += not entry.exists()
    return removed


def office_pipe(profile: Path) -> Path:
    """The socket LibreOffice makes for a user profile: in /tmp whatever TMPDIR says, named after an MD5 of
    the profile's URL (in UTF-16, each byte in hex without its leading zero). LibreOffice removes it when
    it exits, but not when it is killed."""
    digest = hashlib.md5(profile.as_uri().encode("utf-16-le")).digest()
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path("/tmp") / f"OSL_PIPE_{uid}_SingleOfficeIPC_{''.join(f'{b:x}' for b in digest)}"


def _remove_office_pipes(folder: Path) -> None:
    """The sockets of the LibreOffice profiles under a scratch folder being removed (its runs were killed)."""
    for profile in list(folder.glob("profile")) + list(folder.glob("*/profile")) + list(folder.glob("*/*/profile")):
        office_pipe(profile).unlink(missing_ok=True)
