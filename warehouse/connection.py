"""Opening a warehouse file: one sentence for every way that can fail, and a locked-down connection
for commands that only read.

The read-only connection is opened with `enable_external_access=false` and `lock_configuration=true`
before any user SQL runs, so nothing typed into `jixiao query` can attach another database, read or
write a file, install or load an extension, or change those settings back.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from jixiao.base.errors import SettingError, StepFailed
from jixiao.base.i18n import N_, _

from .schema import migrate, needs_upgrade

# What DuckDB's lock error names: 'Conflicting lock is held in /usr/bin/python3 (PID 1234)'
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseUnavailable(StepFailed):
    """The warehouse file could not be opened: missing, in use, not DuckDB, damaged or unwritable."""

    step = "open"


def _command_line(pid: int) -> str:
    try:
        import psutil

        return " ".join(psutil.Process(pid).cmdline())
    except Exception:  # gone meanwhile, or not ours to inspect
        return ""


# What holds a warehouse, told by the holder's command line: (words in it, what to call it)
_HOLDERS = (
    (
        ("jixiao", " serve"),
        N_(
            "the review desk (jixiao serve), which holds it only while it answers a page or saves a "
            "correction, so it is usually free again within a second"
        ),
    ),
    (("jixiao", " ingest"), N_("an ingest still writing it")),
    (("jixiao", " load"), N_("a load still writing it")),
)


def _holder(pid: int, exe: str) -> str:
    """The process holding the lock, as a person would recognise it: what it is by its command line (the
    desk, an ingest …), and the command line itself when we can see it."""
    cmd = _command_line(pid)
    if not cmd:
        return _("another process {pid} ({exe})").format(pid=pid, exe=exe)
    what = next((_(name) for words, name in _HOLDERS if all(w in cmd for w in words)), None)
    return (
        _("{what} (process {pid}: {cmd})").format(what=what, pid=pid, cmd=cmd[:160])
        if what
        else _("another process {pid}: {cmd}").format(pid=pid, cmd=cmd[:160])
    )


def explain_open_error(path: str, exc: Exception, writing: bool = False, waited_s: float = 0.0) -> str:
    """Given the error DuckDB raised opening path, return one sentence saying what is wrong and what to do
    (writing: the command wants to write; waited_s: how long it already waited for a lock)."""
    text = str(exc)
    if "Could not set lock" in text:
        m = _LOCK_HOLDER.search(text)
        who = _holder(int(m["pid"]), m["exe"]) if m else _("another process")
        waited = _(" and still was after {waited_s:g} s of waiting").format(waited_s=waited_s) if waited_s else ""
        advice = _("wait for it to finish (or pass --wait SECONDS)") if not waited_s else _("wait longer, or run this when it has finished")
        if not writing:
            advice += _(", or query an exported copy (jixiao export --format parquet)")
        return _("The warehouse {path} is in use by {who}{waited}; {advice}.").format(path=path, who=who, waited=waited, advice=advice)
    if "different configuration" in text:
        return _(
            "The warehouse {path} is already open in this process with other settings (a notebook's connection?); close that connection first."
        ).format(path=path)
    if "not a valid DuckDB database file" in text:
        return _("{path} is not a DuckDB warehouse; give --db the file `jixiao ingest` made, or a new file name.").format(path=path)
    if "No such file or directory" in text:
        return _("The folder {parent} does not exist; create it or give --db a path in an existing folder.").format(parent=Path(path).parent)
    if "Permission denied" in text or "Read-only file system" in text:
        return _("The warehouse {path} cannot be written here (permission denied); choose a folder you can write to.").format(path=path)
    if "Is a directory" in text or Path(path).is_dir():
        return _("{path} is a folder; give --db a file name, such as {value}.").format(path=path, value=Path(path) / "jixiao.duckdb")
    if "Could not read enough bytes" in text or "Corrupt" in text or "checksum" in text.lower():
        return _("The warehouse {path} is damaged (truncated or corrupt); restore it from a copy, or ingest again into a new file.").format(path=path)
    first = text.splitlines()[0] if text else type(exc).__name__
    return _("The warehouse {path} could not be opened ({first}).").format(path=path, first=first)


def _open(path: str, wait_s: float, on_wait: Callable[[str], None] | None = None, **kwargs) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting up to wait_s for another process's lock to go (on_wait hears it once)."""
    started = time.monotonic()
    collected = waiting = False
    while True:
        try:
            return duckdb.connect(path, **kwargs)
        except duckdb.Error as exc:
            if "Could not set lock" in str(exc) and time.monotonic() < started + wait_s:
                if not waiting and on_wait is not None:
                    m = _LOCK_HOLDER.search(str(exc))
                    who = _holder(int(m["pid"]), m["exe"]) if m else "another process"
                    on_wait(f"The warehouse {path} is in use by {who}; waiting up to {wait_s:g} s for it …")
                waiting = True
                time.sleep(0.5)
                continue
            if "different configuration" in str(exc) and not collected:
                gc.collect()  # a connection of this process that only garbage still holds is closed by collecting it
                collected = True
                continue
            writing = not kwargs.get("read_only", False)
            raise WarehouseUnavailable(explain_open_error(path, exc, writing, time.monotonic() - started if waiting else 0.0)) from exc


def check_path(path: str | Path) -> str:
    """The path as DuckDB wants it; an empty one is refused (DuckDB would silently use memory and keep nothing)."""
    text = str(path)
    if not text.strip():
        raise SettingError(_("--db needs a file name; an empty one would keep nothing."))
    return text


def _must_exist(text: str) -> None:
    if text != ":memory:" and not Path(text).exists():
        raise WarehouseUnavailable(_("There is no warehouse at {text}; run `jixiao ingest` first.").format(text=text))


def connect(
    path: str | Path = "jixiao.duckdb",
    read_only: bool = False,
    wait_s: float = 0.0,
    create: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, create unless not create, or upgrade) a warehouse file;
    WarehouseUnavailable says why not."""
    text = check_path(path)
    if read_only or not create:
        _must_exist(text)
    if read_only:
        return _read_only(text, wait_s, on_wait)
    con = _open(text, wait_s, on_wait)
    try:
        migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseUnavailable(explain_open_error(text, exc)) from exc
    return con


def connect_locked(path: str | Path, wait_s: float = 0.0, on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open a warehouse read-only with no way out: no other files, databases, extensions or settings."""
    text = check_path(path)
    _must_exist(text)
    return _read_only(
        text,
        wait_s,
        on_wait,
        config={
            "enable_external_access": False,
            "lock_configuration": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )


def _read_only(text: str, wait_s: float, on_wait: Callable[[str], None] | None, **kwargs) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a warehouse with the current schema and views: one made by an older
    jixiao is upgraded first, as any writing command would (else the views would name columns its
    tables lack); where it cannot be written (a read-only share, a lock) it is read as it is."""
    con = _open(text, wait_s, on_wait, read_only=True, **kwargs)
    if not needs_upgrade(con):
        return con
    con.close()
    try:
        writer = _open(text, wait_s, on_wait)
        try:
            migrate(writer)
        finally:
            writer.close()
    except (WarehouseUnavailable, duckdb.Error):
        pass
    return _open(text, wait_s, on_wait, read_only=True, **kwargs)
