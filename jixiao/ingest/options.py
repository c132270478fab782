"""How an ingest runs, whichever engine runs it: one frozen set of options, built once where the command line (or
a caller) gives them and passed down whole."""

from __future__ import annotations

import os
from dataclasses import dataclass

from jixiao.base.errors import SettingError
from jixiao.base.i18n import _
from jixiao.ingest.workers import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

# Documents are committed in groups: a DuckDB statement costs ~0.5 ms whatever its size and a
# document touches a dozen tables, so one transaction each made the writer the bottleneck.
# Each document is still all or nothing; a kill loses at most one group, which a rerun reads again.
STORE_GROUP = 50  # documents per commit at most; JIXIAO_COMMIT_EVERY overrides it


def commit_every() -> int:
    """Documents per commit: JIXIAO_COMMIT_EVERY when set, else STORE_GROUP."""
    text = os.environ.get("JIXIAO_COMMIT_EVERY", "").strip()
    if not text:
        return STORE_GROUP
    if not text.isdigit() or int(text) < 1:
        raise SettingError(_("JIXIAO_COMMIT_EVERY must be a whole number of documents, 1 or more, not 「{text}」.").format(text=text))
    return int(text)


@dataclass(frozen=True)
class IngestOptions:
    """What the user chose for a run; both engines take it whole (the ray engine's own settings beside it)."""

    reread: bool = False  # read files again even when their bytes are stored already
    retry_failed: bool = False  # read again the files stored as failed for their own reasons
    jobs: int | None = None  # reader processes; None: one per core
    timeout_s: float = DEFAULT_TIMEOUT_S  # a page's limit (a file without pages counts as one)
    file_timeout_s: float = DEFAULT_FILE_TIMEOUT_S  # the most one file may take, whatever its page count
    memory_mb: int = DEFAULT_MEMORY_MB  # each reader process's cap
    include: tuple[str, ...] = ()  # globs a file's name or path must match
    exclude: tuple[str, ...] = ()  # globs that leave a file out
    wait_s: float = 0.0  # how long to wait for a warehouse another command holds
    group: int = STORE_GROUP  # documents per commit at most (the command line takes JIXIAO_COMMIT_EVERY: commit_every)
