"""The whole job for one file (read → normalize) and for many (ingest into a warehouse)."""

from __future__ import annotations

import dataclasses
import errno
import fnmatch
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Generator, Iterable, Sequence
from collections.abc import Set as AbstractSet
from contextlib import closing
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from jixiao.base.db import one_value
from jixiao.base.errors import ExtractError, SettingError, StepFailed, is_out_of_memory, raised_by_parser
from jixiao.base.i18n import N_, _
from jixiao.base.model import LOW_COVERAGE_PCT, Coverage, DocumentResult
from jixiao.base.paths import on_disk, readable
from jixiao.base.scratch import make_scratch, remove_stale_scratch
from jixiao.extract import READ_SUFFIXES, file_format, read_document, sniff_format
from jixiao.extract.archives import ARCHIVE_SUFFIXES, MAX_DEPTH, SEPARATOR, Member, archive_kind, list_members, unpack
from jixiao.extract.legacy import TARGETS as LEGACY_TARGETS
from jixiao.extract.legacy import convert_many
from jixiao.normalize import Lexicon, normalize_document
from jixiao.progress import Reporter

if TYPE_CHECKING:  # the warehouse (and DuckDB) is imported only where it writes: readers never load it
    from jixiao.warehouse import FileStat
    from jixiao.workers import Note, WorkerPool

# Failures that may not recur on another try: the next run reads these files again by itself, once.
RETRIED = frozenset({"timeout", "crash", "memory"})
RULES_BATCH = 200  # documents stored between two rule passes: one pass over many is far cheaper than one each
# Documents are committed in groups: a DuckDB statement costs ~0.5 ms whatever its size and a
# document touches a dozen tables, so one transaction each made the writer the bottleneck.
# Each document is still all or nothing; a kill loses at most one group, which a rerun reads again.
STORE_GROUP = 50  # documents per commit at most; JIXIAO_COMMIT_EVERY overrides it
STORE_WAIT_S = 1.0  # a read document waits at most this long to be committed

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
                found = Archive(p, st, archive, _wanted(list_members(p, archive), out, readable(str(p))))
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


def _wanted(members: list[Member], out: Listing, where: str) -> list[Member]:
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


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


UNEXPECTED = {  # translated where said
    "extract": N_(
        "Reading the file stopped on something jixiao should handle and does not (a fault of the reader, not necessarily "
        "of the file); please report it with the file, documents.error_detail says what went wrong. Saving it again "
        "from Word, Excel, WPS or a PDF reader may get it read meanwhile."
    ),
    "normalize": N_(
        "The file was read, but understanding it stopped on something jixiao should handle and does not (a fault of the "
        "reader, not of the file); please report it with the file, documents.error_detail says what went wrong."
    ),
}


def read_bytes(data: bytes, path: str, lexicon: Lexicon | None = None, converted: bytes | None = None) -> DocumentResult:
    """Given a file's bytes, return what would be stored for it; failures become one sentence in `error`."""
    doc_id = doc_id_of(data)
    fmt = sniff_format(data, path) if data else "unknown"
    result = DocumentResult(doc_id, path, fmt if fmt != "encrypted-office" else "unknown", "failed")
    step = "extract"
    started = time.perf_counter()
    try:
        document = read_document(data, fmt, path, converted)
        result.n_pages, result.ocr = document.n_pages, document.ocr
        result.seconds["extract"] = time.perf_counter() - started
        step = "normalize"
        normalized = normalize_document(document, lexicon)
        result.reports, result.coverage = normalized.reports, normalized.coverage
        result.seconds["normalize"] = time.perf_counter() - started - result.seconds["extract"]
    except StepFailed as exc:
        result.error, result.error_kind, result.error_detail = str(exc), "file", exc.detail
        return result
    except RecursionError:
        result.error, result.error_kind = _("The file's structure is nested far deeper than any real report; it is damaged or crafted."), "file"
        return result
    except MemoryError:
        raise
    except Exception as exc:  # a bug, or a file no reader anticipated: the user gets a sentence, we get the exception
        if is_out_of_memory(exc):
            raise MemoryError(str(exc)) from exc
        result.error_detail = f"{step}: {type(exc).__name__}: {exc}"[:2000]
        if raised_by_parser(exc):  # a parser met bytes it could not parse: the file's, and it will fail again
            result.error, result.error_kind = (
                _(
                    "The file is damaged or written in a way its format's reader cannot parse; open it "
                    "and save it again (in Word, Excel, WPS or a PDF reader), then ingest the saved copy."
                ),
                "file",
            )
        else:  # damage to a file is said by the readers in words of their own; what reaches here is a fault of ours
            result.error, result.error_kind = _(UNEXPECTED[step]), "unexpected"
        return result
    result.status = "ok" if result.reports else "not_report"
    if not result.reports:
        result.not_report_reason = normalized.not_report_reason
    return result


def read_file(path: str | Path, lexicon: Lexicon | None = None) -> DocumentResult:
    p = Path(path)
    return read_bytes(p.read_bytes(), str(p), lexicon)


def warm_up() -> None:
    """What a reader's first document would load — the word cutter's dictionary (0.1–0.3 s), the lexicon, the
    narrative's patterns — loaded before the reader says it is ready (workers.py), so that a file's time limit
    measures the reading of that file."""
    from jixiao.base.words import words
    from jixiao.normalize.lexicon import default_lexicon
    from jixiao.normalize.narrative import fact_patterns

    words("预算执行率")
    default_lexicon()
    fact_patterns()


def read_path(path: str, doc_id: str, converted: str | None = None) -> DocumentResult:
    """Worker entry: read one file (and the conversion a batch made of it, if any); a file that
    changed or vanished since it was hashed fails plainly."""
    try:
        data = Path(on_disk(path)).read_bytes()
        made = Path(converted).read_bytes() if converted else None
    except OSError as exc:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file could not be opened ({strerror}).").format(strerror=exc.strerror), error_kind="file"
        )
    if doc_id_of(data) != doc_id:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file changed while it was being ingested; ingest it again."), error_kind="file"
        )
    return read_bytes(data, path, converted=made)


def extract_path(path: str, doc_id: str, converted: str | None = None):
    """Worker entry for `show --stage extract`: the file's Document, or a failed DocumentResult saying why."""
    from jixiao.base.errors import ExtractError

    try:
        data = Path(on_disk(path)).read_bytes()
        return read_document(data, None, path, Path(converted).read_bytes() if converted else None)
    except ExtractError as exc:
        return DocumentResult(doc_id, path, "unknown", "failed", str(exc), error_kind="file", error_detail=exc.detail)
    except OSError as exc:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file could not be opened ({strerror}).").format(strerror=exc.strerror), error_kind="file"
        )


def read_limited(
    path: Path, stage: str = "normalize", timeout_s: float | None = None, memory_mb: int | None = None, file_timeout_s: float | None = None
):
    """Read one file in a reader process under the same time and memory limits as ingest: its
    DocumentResult (stage normalize) or Document (stage extract); a failure is a failed DocumentResult."""
    from jixiao.workers import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Note, WorkerPool

    target = "jixiao.pipeline:extract_path" if stage == "extract" else "jixiao.pipeline:read_path"
    doc_id = doc_id_of(path.read_bytes())
    with WorkerPool(
        1, timeout_s or DEFAULT_TIMEOUT_S, memory_mb or DEFAULT_MEMORY_MB, target=target, file_timeout_s=file_timeout_s or DEFAULT_FILE_TIMEOUT_S
    ) as pool:
        [result] = [r for r in pool.run([(readable(str(path)), doc_id, None)]) if not isinstance(r, Note)]
    return result


class Seconds(dict[str, float]):
    """Seconds per step: a step not timed yet reads as 0 and is not added by the reading (as a Counter, of floats)."""

    def __missing__(self, key: str) -> float:
        return 0.0


@dataclass
class IngestSummary:
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): not files, or not a report format
    unchanged: int = 0  # recognised by path, size and mtime without reading
    still_failed: int = 0  # stored as failed before and not retried: listed in failures again
    not_opened: int = 0  # paths that failed before they had bytes (a broken link, a pipe named explicitly)
    filtered: int = 0  # files --include/--exclude left out
    already_stored: int = 0  # read and hashed: the same bytes are stored already
    staged: int = 0  # (ray engine) read into the stage by an earlier run, loaded without reading again
    stored: int = 0
    reports: int = 0
    findings: int = 0
    status: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, error)
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)  # (path, error, reason): failures accepted (jixiao ignore)
    problems: list[str] = field(default_factory=list)  # steps after reading that failed (linking), a sentence each
    seconds: Seconds = field(default_factory=lambda: Seconds())  # per step: hash, extract, normalize, store (worker seconds add up)
    wall_seconds: float = 0.0
    pages: int = 0
    worker_peak_rss_mb: float = 0.0
    coverage: Coverage = field(default_factory=Coverage)  # over the documents read this run
    low_coverage: int = 0  # documents read that were understood less than LOW_COVERAGE_PCT

    @property
    def coverage_pct(self) -> Decimal | None:
        return self.coverage.pct

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "unchanged": self.unchanged,
            "still_failed": self.still_failed,
            "not_opened": self.not_opened,
            "filtered": self.filtered,
            "already_stored": self.already_stored,
            "staged": self.staged,
            "stored": self.stored,
            "reports": self.reports,
            "findings": self.findings,
            "status": dict(self.status),
            "failures": [{"path": p, "error": e} for p, e in self.failures],
            "acknowledged": [{"path": p, "error": e, "reason": r} for p, e, r in self.acknowledged],
            "problems": self.problems,
            "pages": self.pages,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "wall_seconds": round(self.wall_seconds, 3),
            "worker_peak_rss_mb": round(self.worker_peak_rss_mb, 1),
            "coverage_pct": None if self.coverage_pct is None else str(self.coverage_pct),
            "low_coverage": self.low_coverage,
        }


def ingest(
    paths: Iterable[str | Path],
    db: str | Path = "jixiao.duckdb",
    reread: bool = False,
    retry_failed: bool = False,
    jobs: int | None = None,
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    progress: Reporter | None = None,
    wait_s: float = 0.0,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    file_timeout_s: float | None = None,
) -> IngestSummary:
    """Read every file under paths into the warehouse at db, in parallel; return what happened.

    Three steps. **plan**: list the files and ask the warehouse what it holds, to decide what to
    read (a file whose path, size and mtime are unchanged is not read; one whose bytes are stored
    already only has its path recorded; one stored as failed is read again when its failure may
    not recur, RETRIED, or retry_failed, else listed among this run's failures again). **read**:
    reader processes (one per core unless jobs says otherwise), each file under a time limit per
    page (file_timeout_s at most, whatever its page count) and a memory cap. **write**: this process alone writes, each document whole or not at
    all, committed in groups of up to STORE_GROUP at most STORE_WAIT_S after reading, then the
    rules and project links the stored documents owe. Killing the run at any moment loses at most
    the documents in flight, and a rerun picks up from there.
    """
    from jixiao.rules import default_rules
    from jixiao.warehouse import connect
    from jixiao.workers import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, WorkerPool

    started = time.perf_counter()
    settings = ReadSettings(jobs, timeout_s, memory_mb, commit_every(), file_timeout_s)  # a bad setting is said before any work
    summary = IngestSummary()
    rules = default_rules()
    # however the ingest ends (an error, Ctrl-C), the readers are stopped then and there
    with WorkerPool(
        settings.jobs,
        settings.timeout_s or DEFAULT_TIMEOUT_S,
        settings.memory_mb or DEFAULT_MEMORY_MB,
        file_timeout_s=settings.file_timeout_s or DEFAULT_FILE_TIMEOUT_S,
    ) as pool:
        pool.start()  # the readers import while the warehouse is opened and the plan made
        # before listing: a warehouse that cannot be opened is said at once, and a wait for it is said too
        con = connect(db, wait_s=wait_s, on_wait=say_wait(wait_s))
        try:
            remove_stale_scratch()  # of runs killed before they could clean up
            scratch = make_scratch("ingest")  # conversions, and the archive members to read
            try:
                plan, findings_before = prepare(con, paths, include, exclude, reread, retry_failed, rules, summary, progress, scratch)
                warm_up_linking(con, plan)
                with closing(read_planned(plan, pool, scratch, summary)) as results:
                    write_results(con, results, plan, settings, reread, rules, summary, progress)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            pool.close()  # the readers' memory is given back before the rules run
            finish(con, rules, summary, progress, findings_before)
        finally:
            con.close()
    summary.wall_seconds = time.perf_counter() - started
    return summary


def warm_up_linking(con, plan: Plan) -> None:
    """When new files will be linked against reports already linked, load what linking needs (jieba's
    dictionary) in a thread while the readers read: the writer waits on them meanwhile."""
    import threading

    from jixiao.warehouse.projects import warm_up

    if plan.tasks and one_value(con.execute("SELECT count(*) FROM link_index")):
        threading.Thread(target=warm_up, name="warm-up linking", daemon=True).start()


def say_wait(wait_s: float):
    """What hears that the warehouse is locked and the ingest waits for it: stderr, when it may wait."""
    return (lambda text: print(text, file=sys.stderr, flush=True)) if wait_s else None


def prepare(
    con,
    paths: Iterable[str | Path],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    reread: bool,
    retry_failed: bool,
    rules,
    summary: IngestSummary,
    progress: Reporter | None,
    scratch: Path | None = None,
) -> tuple[Plan, int]:
    """The plan step, the same for every engine: list the files, finish what a killed run owed, and
    decide what to read; return the plan and the findings counted before."""
    from jixiao.rules import validate_rules
    from jixiao.warehouse import count_findings

    listing = list_files(paths, include, exclude)
    summary.files = listing.count
    summary.skipped = [(readable(str(p)), why) for p, why in listing.skipped]
    summary.filtered = listing.filtered
    if progress:
        progress.total(summary.files)
    validate_rules(con, rules)
    findings_before = count_findings(con)
    summary.problems.extend(finish_pending(con, rules, progress).problems)  # what a killed run stored but did not check or link
    t0 = time.perf_counter()
    plan = plan_reads(con, listing, reread, retry_failed, summary, progress, scratch)
    summary.seconds["plan"] += time.perf_counter() - t0 - summary.seconds["hash"]
    return plan, findings_before


@dataclass(frozen=True)
class ReadSettings:
    jobs: int | None = None
    timeout_s: float | None = None  # per page
    memory_mb: int | None = None
    group: int = STORE_GROUP  # documents per commit
    file_timeout_s: float | None = None  # the most one file may take, whatever its page count


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


def plan_reads(
    con, listing: Listing, reread: bool, retry_failed: bool, summary: IngestSummary, progress: Reporter | None, scratch: Path | None = None
) -> Plan:
    """Decide, for every listed file and archive member, whether to read it; failures found on the way go to
    summary. Archive members to read are unpacked into scratch. The warehouse is asked about the listed paths
    and the bytes read only, a question for all of them at a time: the plan's cost follows the listing, not
    the archive already stored."""
    from jixiao.warehouse import FileStat, acknowledged_reasons, failed_documents, known_files, stored_documents

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


def archive_paths(archive: Archive) -> list[str]:
    """The paths an archive's members are stored under (「archive.zip!/a.doc」)."""
    where = archive.within or readable(str(archive.path))
    return [f"{where}{SEPARATOR}{m.name}" for m in archive.members]


def walk_archive(archive: Archive, known: dict, unchanged, consider, fail_early, summary: IngestSummary, scratch: Path | None) -> list[Archive]:
    """Consider an archive's members: those whose archive did not change are recognised as they are listed
    (each member's mtime is its archive's); the rest are unpacked in one pass into scratch and considered as
    files. Return the archives found inside, to walk next."""
    from jixiao.warehouse import FileStat

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
                members = _wanted(list_members(path, kind), Listing(), seen.path)
            except ExtractError as exc:
                fail_early(Path(seen.path), str(exc))
                continue
            summary.files += len(members)
            inner.append(Archive(path, archive.st, kind, members, archive.depth + 1, seen.path))
            continue
        consider(path if path is not None else Path(seen.path), seen, str(path) if path is not None else seen.path)
    return inner


def read_planned(plan: Plan, pool: WorkerPool, scratch: Path, summary: IngestSummary) -> Generator[DocumentResult | Note | None, None, None]:
    """Convert the plan's legacy files, then read every planned file in the pool's reader processes;
    yield what they send (DocumentResult, Note, or None as a heartbeat) as it comes."""
    t0 = time.perf_counter()
    try:  # many per LibreOffice run: its start is paid once; a batch gets no more than its files' time limits
        converted = {readable(str(p)): made for p, made in convert_many(plan.legacy, scratch, pool.timeout_s).items()}
    except Exception:  # a file gone meanwhile, a full disk: each reader converts its own file instead
        converted = {}
    summary.seconds["convert"] += time.perf_counter() - t0
    tasks = [(p, d, str(converted[p]) if p in converted else None) for p, d, _ in plan.tasks]
    # largest first: the long files start early and the readers finish together on small ones
    tasks.sort(key=lambda task: -plan.stats[task[0]].size_bytes)
    yield from pool.run(tasks, heartbeat=True)


def write_results(
    con, results: Iterable, plan: Plan, settings: ReadSettings, reread: bool, rules, summary: IngestSummary, progress: Reporter | None
) -> None:
    """Store what the readers send as it comes, up to settings.group documents per transaction, with
    the rules' findings every RULES_BATCH documents; record the plan's paths for bytes already stored."""
    from jixiao.warehouse import Pending, store_group
    from jixiao.workers import Note

    record_paths(con, plan.remember, summary, progress)
    failed_now: dict[str, str] = {}  # doc_id → error of the documents that failed this run
    waiting: list[Pending] = []
    since = 0.0  # when the oldest waiting document arrived

    def flush() -> None:
        t0 = time.perf_counter()
        done = store_group(con, waiting, reread, plan.stored)
        summary.seconds["store"] += time.perf_counter() - t0
        before = summary.stored
        for pending in done:
            tally(summary, pending.result)
            if progress:
                progress.file(pending.result.status, Path(pending.result.path), pending.result)
        waiting.clear()
        if summary.stored // RULES_BATCH > before // RULES_BATCH:
            t0 = time.perf_counter()
            check_pending(con, rules)
            summary.seconds["rules"] += time.perf_counter() - t0

    for result in results:
        if isinstance(result, Note):
            if progress:
                progress.note(Path(result.path), result.text)
            continue
        if result is not None:
            result = settled(result, plan.retried_kinds.get(result.doc_id))
            if result.status == "failed":
                failed_now[result.doc_id] = result.error or ""
            seen = plan.stats[result.path]
            if result.path != seen.path:  # an archive member, read where it was unpacked: stored by its own path
                result = dataclasses.replace(result, path=seen.path)
            waiting.append(Pending(result, seen, seen.size_bytes, replace=result.doc_id in plan.retry))
            if len(waiting) == 1:
                since = time.monotonic()
        if waiting and (len(waiting) >= settings.group or time.monotonic() - since >= STORE_WAIT_S):
            flush()
    if waiting:
        flush()
    record_paths(con, [(doc_id, seen, True) for doc_id, seen in plan.later], summary, progress)
    # a byte-identical copy of a file that failed is named among the failures too
    summary.failures += [(seen.path, failed_now[doc_id]) for doc_id, seen in plan.later if doc_id in failed_now]


def settled(result: DocumentResult, kind_before: str | None) -> DocumentResult:
    """A failure that may not recur (RETRIED) and recurred when the file was read again is the file's own:
    stored as kind 'file', so that the next run lists it instead of reading it again by itself (a file
    that runs past the time limit would otherwise hold a reader for that long on every run). The
    sentence says so; error_detail keeps what happened."""
    if result.status != "failed" or result.error_kind not in RETRIED or kind_before not in RETRIED:
        return result
    sentence = (result.error or "").rstrip(".")
    return replace(
        result,
        error=_("{sentence}, as on the run before; it is not read again by itself (--retry-failed reads it again).").format(sentence=sentence),
        error_kind="file",
        error_detail=f"{result.error_kind} again (it was {kind_before} on the run before)"
        + (f": {result.error_detail}" if result.error_detail else ""),
    )


def record_paths(con, found: list[tuple[str, FileStat, bool]], summary: IngestSummary, progress: Reporter | None) -> None:
    """Record the paths of bytes stored already (doc_id, where, whether it counts as already stored)."""
    from jixiao.warehouse import remember_only

    for doc_id, seen, counted in found:
        remember_only(con, doc_id, seen)
        if counted:
            summary.already_stored += 1
            if progress:
                progress.file("already stored", Path(seen.path), None)


def finish(con, rules, summary: IngestSummary, progress: Reporter | None, findings_before: int) -> None:
    """The end of every engine's ingest: the work the stored documents owe, the findings it made, and the
    failures someone accepted set aside from those that make the run exit 1."""
    from jixiao.warehouse import acknowledged_paths, count_findings

    accepted = acknowledged_paths(con)
    summary.acknowledged += [(p, e, accepted[p]) for p, e in summary.failures if p in accepted]
    summary.failures = [(p, e) for p, e in summary.failures if p not in accepted]
    owed = finish_pending(con, rules, progress)
    for step, secs in owed.seconds.items():
        summary.seconds[step] += secs
    summary.problems.extend(p for p in owed.problems if p not in summary.problems)
    summary.findings = count_findings(con) - findings_before


def check_pending(con, rules) -> int:
    """Write the findings of the documents stored since rules last ran, in one transaction."""
    from jixiao.base.db import transaction
    from jixiao.rules import write_findings

    with transaction(con):
        return write_findings(con, rules, "pending")


@dataclass
class Owed:
    """What finishing the owed work did: seconds per step, and a sentence for each step that failed."""

    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def finish_pending(con, rules=None, progress: Reporter | None = None) -> Owed:
    """Do the work a writer owes the warehouse: findings of documents not yet checked, and project
    links when documents came or went since the last linking. Run first by every command that
    writes, and at the end of an ingest. progress hears each step's name.

    Linking that fails (a bug of ours) must not wedge the warehouse: its transaction is undone, the
    documents stay stored and the views read each report as its own project, the link stays owed
    (the next command tries again) and the failure is one sentence in Owed.problems."""
    from jixiao.warehouse import owes, relink, unchecked_documents

    owed = Owed()
    t0 = time.perf_counter()
    if unchecked_documents(con):
        if progress:
            progress.stage("checking rules")
        check_pending(con, rules)
    owed.seconds["rules"] = time.perf_counter() - t0
    if owes(con, "link"):
        if progress:
            progress.stage("linking projects")
        t0 = time.perf_counter()
        try:
            relink(con)
        except SettingError as exc:  # the user's mapping file
            owed.problems.append(str(exc))
        except Exception as exc:  # a bug in linking: said, and owed again, never a traceback
            owed.problems.append(link_failed(exc))
        owed.seconds["link"] = time.perf_counter() - t0
    return owed


def link_failed(exc: Exception) -> str:
    """The sentence for linking that failed."""
    first = (str(exc).splitlines() or [""])[0][:300]
    return _(
        "Linking reports across years failed, so projects are not linked yet; every document is stored and the "
        "views count each report as a project of its own until `jixiao link` succeeds. This is a fault of jixiao: "
        "please report it with this message ({detail})."
    ).format(detail=f"{type(exc).__name__}: {first}")


def commit_every() -> int:
    """Documents per commit: JIXIAO_COMMIT_EVERY when set, else STORE_GROUP."""
    text = os.environ.get("JIXIAO_COMMIT_EVERY", "").strip()
    if not text:
        return STORE_GROUP
    if not text.isdigit() or int(text) < 1:
        raise SettingError(_("JIXIAO_COMMIT_EVERY must be a whole number of documents, 1 or more, not 「{text}」.").format(text=text))
    return int(text)


def tally(summary: IngestSummary, result: DocumentResult) -> None:
    """Count a document stored (or staged) in the summary."""
    for step, secs in result.seconds.items():
        summary.seconds[step] += secs
    summary.stored += 1
    summary.reports += result.n_reports
    summary.pages += result.n_pages or 0
    summary.worker_peak_rss_mb = max(summary.worker_peak_rss_mb, result.peak_rss_mb or 0.0)
    summary.status[result.status] += 1
    if result.coverage is not None and result.status == "ok":
        summary.coverage = Coverage(summary.coverage.items + result.coverage.items, summary.coverage.understood + result.coverage.understood)
        summary.low_coverage += result.coverage_pct is not None and result.coverage_pct < LOW_COVERAGE_PCT
    if result.status == "failed":
        summary.failures.append((result.path, result.error or ""))
