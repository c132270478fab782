"""The plan step, the same for both engines: list the files, ask the warehouse what it holds of them, and decide
for each whether to read it, only record its path, or list its failure again."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import DocumentResult, doc_id_of
from jixiao.base.paths import readable
from jixiao.extract import sniff_format
from jixiao.extract.archives import ARCHIVE_SUFFIXES, MAX_DEPTH, SEPARATOR, archive_kind, list_members, unpack
from jixiao.extract.legacy import TARGETS as LEGACY_TARGETS
from jixiao.ingest.listing import Archive, Listing, archive_paths, list_files, wanted_members
from jixiao.ingest.options import IngestOptions
from jixiao.ingest.owed import finish_pending
from jixiao.ingest.progress import Reporter
from jixiao.ingest.summary import IngestSummary
from jixiao.rules import validate_rules
from jixiao.warehouse import FileStat, acknowledged_reasons, count_findings, failed_documents, known_files, stored_documents

# Failures that may not recur on another try: the next run reads these files again by itself, once.
RETRIED = frozenset({"timeout", "crash", "memory"})


@dataclass
class Plan:
    """What the plan step decided: the files to read, and paths to record for bytes already stored."""

    tasks: list[tuple[str, str, str | None]] = field(default_factory=list)  # (path, doc_id, converted)
    stats: dict[str, FileStat] = field(default_factory=dict)  # path → where it was found
    legacy: list[tuple[Path, str]] = field(default_factory=list)  # (path, format) to convert first
    remember: list[tuple[str, FileStat, bool]] = field(default_factory=list)  # bytes stored already (counted as such?)
    later: list[tuple[str, FileStat]] = field(default_factory=list)  # the same bytes as a file read this run
    retry: set[str] = field(default_factory=set)  # stored as failed, read again: the new rows replace the old
    retried_kinds: dict[str, str] = field(default_factory=dict)  # of those, doc_id → the error_kind they failed with
    stored: set[str] = field(default_factory=set)  # doc_ids the warehouse holds, of the files the plan looked at


def prepare(
    con,
    paths: Iterable[str | Path],
    options: IngestOptions,
    rules,
    summary: IngestSummary,
    progress: Reporter | None,
    scratch: Path | None = None,
) -> tuple[Plan, int]:
    """The plan step, the same for every engine: list the files, finish what a killed run owed, and
    decide what to read; return the plan and the findings counted before."""
    listing = list_files(paths, options.include, options.exclude)
    summary.files = listing.count
    summary.skipped = [(readable(str(p)), why) for p, why in listing.skipped]
    summary.filtered = listing.filtered
    if progress:
        progress.total(summary.files)
    validate_rules(con, rules)
    findings_before = count_findings(con)
    summary.problems.extend(finish_pending(con, rules, progress).problems)  # what a killed run stored but did not check or link
    t0 = time.perf_counter()
    plan = plan_reads(con, listing, options.reread, options.retry_failed, summary, progress, scratch)
    summary.seconds["plan"] += time.perf_counter() - t0 - summary.seconds["hash"]
    return plan, findings_before


def plan_reads(
    con, listing: Listing, reread: bool, retry_failed: bool, summary: IngestSummary, progress: Reporter | None, scratch: Path | None = None
) -> Plan:
    """Decide, for every listed file and archive member, whether to read it; failures found on the way go to
    summary. Archive members to read are unpacked into scratch. The warehouse is asked about the listed paths
    and the bytes read only, a question for all of them at a time: the plan's cost follows the listing, not
    the archive already stored."""
    known: dict[str, tuple[int, int, str]] = {}
    plan = Plan()
    failed_before: dict[str, tuple[str | None, str | None]] = {}
    asked: set[str] = set()
    accepted = acknowledged_reasons(con)
    queued: set[str] = set()
    hashed: list[tuple[Path, FileStat, str, str, str]] = []  # bytes read: (path, where found, task path, doc_id, format)

    def learn(paths: Sequence[str] = (), doc_ids: AbstractSet[str] = frozenset()) -> None:
        """Ask the warehouse what it holds of these paths and of their (and these) bytes."""
        known.update(known_files(con, list(paths)) if paths else {})
        fresh = ({entry[2] for entry in known.values()} | set(doc_ids)) - asked
        if fresh:
            plan.stored |= stored_documents(con, fresh)
            failed_before.update(failed_documents(con, fresh))
            asked.update(fresh)

    def stays_failed(doc_id: str, path: Path) -> bool:
        """For bytes stored as failed: True when the failure stays (listed again), False when they are read again
        (an accepted failure only when asked: a timeout would hold a reader that long on every run)."""
        kind, error = failed_before[doc_id]
        if retry_failed or (kind in RETRIED and doc_id not in accepted):
            plan.retry.add(doc_id)
            plan.retried_kinds[doc_id] = kind or ""
            return False
        summary.still_failed += 1
        summary.failures.append((readable(str(path)), error or ""))
        if progress:
            progress.file("still failed", path, DocumentResult(doc_id, str(path), "unknown", "failed", error))
        return True

    def fail_early(path: Path, why: str) -> None:
        """A path that failed before it had bytes to be stored under: listed in the summary, not in `documents`."""
        summary.not_opened += 1
        summary.failures.append((readable(str(path)), why))
        if progress:
            progress.file("failed", path, DocumentResult("", str(path), "unknown", "failed", why))

    for path, why in listing.failed:
        fail_early(path, why)

    def unchanged(seen: FileStat) -> bool:
        """Whether a path holds what it held when stored (by size and mtime), and that was read well."""
        entry = known.get(seen.path)
        return (
            not reread
            and entry is not None
            and entry[:2] == (seen.size_bytes, seen.mtime_ns)
            and entry[2] in plan.stored
            and entry[2] not in plan.retry
            and entry[2] not in failed_before
        )

    def consider(path: Path, seen: FileStat, task_path: str) -> None:
        """One file (or archive member, unpacked at path): unchanged, or its bytes read to be decided on."""
        entry = known.get(seen.path)
        if not reread and entry and entry[:2] == (seen.size_bytes, seen.mtime_ns) and entry[2] in plan.stored and entry[2] not in plan.retry:
            if entry[2] not in failed_before:
                summary.unchanged += 1
                if progress:
                    progress.file("unchanged", Path(seen.path), None)
                return
            if stays_failed(entry[2], Path(seen.path)):
                return
        t0 = time.perf_counter()
        try:
            data = path.read_bytes()
        except OSError as exc:  # vanished, or not ours to read: this file fails, the batch goes on
            fail_early(Path(seen.path), _("The file could not be opened ({strerror}).").format(strerror=exc.strerror))
            return
        hashed.append((path, seen, task_path, doc_id_of(data), sniff_format(data, seen.path)))
        summary.seconds["hash"] += time.perf_counter() - t0

    # in path order, whatever order the paths were named in: of byte-identical files the first in that
    # order is read and gives documents.path, so the warehouse does not depend on the command line's order
    files = sorted(listing.files, key=lambda found: readable(str(found[0])))
    learn([readable(str(path)) for path, _ in files] + [member for a in listing.archives for member in archive_paths(a)])
    for path, st in files:
        name = readable(str(path))  # as stored: a GBK name from a Windows zip decoded (jixiao/base/paths.py)
        entry = known.get(name)
        consider(path, FileStat(name, st.st_size, st.st_mtime_ns, looked_up=True, previous=entry[2] if entry else None), name)
    archives = sorted(listing.archives, key=lambda a: readable(str(a.path)))
    while archives:
        inner = walk_archive(archives.pop(0), known, unchanged, consider, fail_early, summary, scratch)
        learn([member for a in inner for member in archive_paths(a)])
        archives += inner

    learn(doc_ids={doc_id for *_, doc_id, _ in hashed})  # bytes not asked about yet: one question for all
    for path, seen, task_path, doc_id, fmt in hashed:
        if doc_id in queued:
            plan.later.append((doc_id, seen))
            continue
        if not reread and doc_id in plan.stored and doc_id not in plan.retry:
            if doc_id not in failed_before:
                plan.remember.append((doc_id, seen, True))
                continue
            if stays_failed(doc_id, Path(seen.path)):
                plan.remember.append((doc_id, seen, False))  # its path is recorded; it counts as failed before
                continue
        queued.add(doc_id)
        plan.stats[task_path] = seen
        if fmt in LEGACY_TARGETS:
            plan.legacy.append((path, fmt))
        plan.tasks.append((task_path, doc_id, None))
    return plan


def walk_archive(archive: Archive, known: dict, unchanged, consider, fail_early, summary: IngestSummary, scratch: Path | None) -> list[Archive]:
    """Consider an archive's members: those whose archive did not change are recognised as they are listed
    (each member's mtime is its archive's); the rest are unpacked in one pass into scratch and considered as
    files. Return the archives found inside, to walk next."""
    where = archive.within or readable(str(archive.path))
    stats = {}
    for m in archive.members:
        name = f"{where}{SEPARATOR}{m.name}"
        entry = known.get(name)
        stats[m.name] = FileStat(name, m.size, archive.st.st_mtime_ns, looked_up=True, previous=entry[2] if entry else None)
    todo = [m.name for m in archive.members if Path(m.name).suffix.lower() in ARCHIVE_SUFFIXES or not unchanged(stats[m.name])]
    unpacked: dict[str, Path] = {}
    if todo:
        if scratch is None:
            for name in todo:
                fail_early(Path(stats[name].path), _("Archives are unpacked by the local engine; unpack it and ingest the folder."))
            todo = []
        else:
            try:
                unpacked = unpack(archive.path, archive.kind, todo, Path(tempfile.mkdtemp(prefix="archive-", dir=scratch)))
            except ExtractError as exc:
                for name in todo:
                    fail_early(Path(stats[name].path), str(exc))
                return []
    inner: list[Archive] = []
    for m in archive.members:
        seen = stats[m.name]
        path = unpacked.get(m.name)
        kind = archive_kind(path.read_bytes()[:8]) if path is not None and Path(m.name).suffix.lower() in ARCHIVE_SUFFIXES else None
        if kind is not None and path is not None:  # (a kind is only found in a file unpacked)
            summary.files -= 1  # an archive inside: its members are counted instead
            if archive.depth >= MAX_DEPTH:
                fail_early(
                    Path(seen.path),
                    _("Archives are nested more than {MAX_DEPTH} deep here, which no archive of reports needs; it was not unpacked.").format(
                        MAX_DEPTH=MAX_DEPTH
                    ),
                )
                continue
            try:
                members = wanted_members(list_members(path, kind), Listing(), seen.path)
            except ExtractError as exc:
                fail_early(Path(seen.path), str(exc))
                continue
            summary.files += len(members)
            inner.append(Archive(path, archive.st, kind, members, archive.depth + 1, seen.path))
            continue
        consider(path if path is not None else Path(seen.path), seen, str(path) if path is not None else seen.path)
    return inner
