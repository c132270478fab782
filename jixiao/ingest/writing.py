"""The write step: this process alone stores what the readers send, each document whole or not at all, in groups
per transaction, with the rules' findings every RULES_BATCH documents."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from jixiao.base.i18n import _
from jixiao.base.model import DocumentResult
from jixiao.ingest.options import IngestOptions
from jixiao.ingest.owed import check_pending
from jixiao.ingest.planning import RETRIED, Plan
from jixiao.ingest.progress import Reporter
from jixiao.ingest.summary import IngestSummary, tally
from jixiao.ingest.workers import Note
from jixiao.warehouse import FileStat, Pending, remember_only, store_group

RULES_BATCH = 200  # documents stored between two rule passes: one pass over many is far cheaper than one each


STORE_WAIT_S = 1.0  # a read document waits at most this long to be committed


def write_results(con, results: Iterable, plan: Plan, options: IngestOptions, rules, summary: IngestSummary, progress: Reporter | None) -> None:
    """Store what the readers send as it comes, up to options.group documents per transaction, with
    the rules' findings every RULES_BATCH documents; record the plan's paths for bytes already stored."""
    record_paths(con, plan.remember, summary, progress)
    failed_now: dict[str, str] = {}  # doc_id → error of the documents that failed this run
    waiting: list[Pending] = []
    since = 0.0  # when the oldest waiting document arrived

    def flush() -> None:
        t0 = time.perf_counter()
        done = store_group(con, waiting, options.reread, plan.stored)
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
        if waiting and (len(waiting) >= options.group or time.monotonic() - since >= STORE_WAIT_S):
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
    for doc_id, seen, counted in found:
        remember_only(con, doc_id, seen)
        if counted:
            summary.already_stored += 1
            if progress:
                progress.file("already stored", Path(seen.path), None)
