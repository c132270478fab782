"""Ingest on a Ray cluster: the same plan and the same readers as a local ingest, with the reading
spread over Ray actors that write Parquet shards to a stage, and the stage loaded at the end.

Why Ray Core actors and not Ray Data: each actor keeps one reader process of its own (the local
engine's WorkerPool, so a file gets the same time limit per page, memory cap and failure sentences
as locally, and the OCR models load once per actor), and writes one shard per batch with a manifest
we control, which is what makes a rerun resume and a retried batch overwrite itself instead of
doubling. Ray Data's map_batches would add its own block store between reading and Parquet,
without either guarantee.

Faults: an actor killed mid-batch is restarted by Ray and the batch retried; its shard id is
derived from its files, so the retry writes the same shard again. A driver killed mid-run leaves
finished shards with manifests; the same command again skips their files and loads everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from jixiao.base.errors import SettingError
from jixiao.base.i18n import N_, _
from jixiao.base.model import REPORT_TABLES, DocumentResult
from jixiao.ingest.options import IngestOptions
from jixiao.ingest.owed import finish
from jixiao.ingest.planning import prepare
from jixiao.ingest.progress import Reporter
from jixiao.ingest.run import open_warehouse
from jixiao.ingest.summary import IngestSummary, tally
from jixiao.ingest.workers import WorkerPool
from jixiao.ingest.writing import record_paths, settled
from jixiao.rules import default_rules
from jixiao.warehouse import Pending, migrate
from jixiao.warehouse.stage import Stage, load_stage

BATCH_FILES = 8  # files per shard at least: small enough that a retry costs little, large enough that a shard is worth a file
MAX_BATCH_FILES = 64  # and at most
RAY_MISSING = N_("The ray engine needs Ray: pip install 'jixiao[ray]' (or leave out --engine ray).")
MAX_RETRIES = 3


def require_ray():
    try:
        import ray
    except ImportError:
        raise SettingError(_(RAY_MISSING)) from None
    return ray


class StageReader:
    """A Ray actor: reads batches of files in its own reader process and writes each as a shard."""

    def __init__(self, stage_uri: str, options: IngestOptions) -> None:
        self.stage = Stage(stage_uri)
        self.pool = WorkerPool(
            1,
            options.timeout_s,
            options.memory_mb,
            threads=1,  # the one CPU Ray gives each reader
            file_timeout_s=options.file_timeout_s,
        )
        self.pool.start()  # its reader process imports while the driver plans and sends the first batch
        self.shard = duckdb.connect(":memory:")  # one in-memory warehouse for every batch, emptied for each
        migrate(self.shard)

    def read(self, shard_id: str, tasks: list[tuple[str, str, None]], stats: dict, before: dict | None = None) -> list[DocumentResult]:
        """before: doc_id → the error_kind of a failed file read again (a failure that recurs is the file's own)."""
        results = [settled(r, (before or {}).get(r.doc_id)) for r in self.pool.run(tasks) if isinstance(r, DocumentResult)]
        stored = self.stage.write(shard_id, [Pending(r, stats[r.path], stats[r.path].size_bytes) for r in results], self.shard)
        return [_light(p.result) for p in stored]


def _light(result: DocumentResult) -> DocumentResult:
    """What the driver needs of a result to count and report it (the rows are in the shard)."""
    emptied: dict[str, Any] = {t: [] for t in REPORT_TABLES}
    return dataclasses.replace(result, reports=[dataclasses.replace(r, **emptied) for r in result.reports])


def shard_id_of(batch: list[tuple[str, int, int]]) -> str:
    """A batch's shard id from its files (path, size, mtime): the same batch always writes the same shard."""
    text = "\n".join(f"{p}\t{s}\t{m}" for p, s, m in sorted(batch))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class RaySettings:
    address: str | None  # None: a Ray of this machine's own, started and stopped here
    stage: str
    batch_files: int | None = None  # files per shard; None: batch_size()


def ingest_ray(
    paths: Iterable[str | Path], db: str | Path, options: IngestOptions, ray_settings: RaySettings, progress: Reporter | None = None
) -> IngestSummary:
    """Plan as a local ingest does, read on Ray into the stage, then load the stage into db."""
    ray = require_ray()
    started = time.perf_counter()
    summary = IngestSummary()
    rules = default_rules()
    stage = Stage(ray_settings.stage)
    con = open_warehouse(db, options)
    try:  # plan with the warehouse, then let it go: the long reading holds no lock
        plan, findings_before = prepare(con, paths, options, rules, summary, progress)
        record_paths(con, plan.remember, summary, progress)
    finally:
        con.close()

    staged = {} if options.reread else stage.staged()  # --reread reads the staged files again too
    todo = []
    for path, doc_id, _converted in plan.tasks:
        seen = plan.stats[path]
        if (seen.path, seen.size_bytes, seen.mtime_ns) in staged:
            summary.staged += 1  # read by an earlier run into this stage: loaded below, not read again
            if progress:
                progress.file("staged", Path(path), None)
        else:
            todo.append((path, doc_id, None))
    todo.sort(key=lambda t: -plan.stats[t[0]].size_bytes)  # the long files first, as locally
    shard_ids: list[str] = []
    stopping = None  # a Ray of our own stops in a thread while the stage loads (about 1.5 s of waiting for its processes)
    try:
        if todo:
            # Ray's own messages (a worker that died and was restarted) go to stderr: stdout is ours (--json)
            with contextlib.redirect_stdout(sys.stderr):
                t0 = time.perf_counter()
                workers = _start(ray, ray_settings.address, options.jobs)
                try:
                    size = ray_settings.batch_files or batch_size(len(todo), workers)
                    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
                    shard_ids = [shard_id_of([(s.path, s.size_bytes, s.mtime_ns) for s in (plan.stats[p] for p, _, _ in batch)]) for batch in batches]
                    for results in _read_on_ray(ray, workers, stage, options, plan.stats, list(zip(shard_ids, batches)), plan.retried_kinds):
                        for result in results:
                            tally(summary, result)
                            if progress:
                                progress.file(result.status, Path(result.path), result)
                except BaseException:
                    if ray_settings.address is None:
                        ray.shutdown()
                    raise
                summary.seconds["ray"] += time.perf_counter() - t0
            if ray_settings.address is None:  # after the redirection above ends: the thread makes its own
                stopping = threading.Thread(target=_stop, args=(ray,), name="stop Ray", daemon=True)
                stopping.start()

        con = open_warehouse(db, options)
        try:
            if progress:
                progress.stage("loading the stage")
            t0 = time.perf_counter()
            load_stage(con, stage, set(shard_ids) if options.reread else False)  # what this run read replaces; older shards do not
            summary.seconds["load"] += time.perf_counter() - t0
            record_paths(con, [(doc_id, seen, True) for doc_id, seen in plan.later], summary, progress)
            finish(con, rules, summary, progress, findings_before)
        finally:
            con.close()
    finally:
        if stopping is not None:
            stopping.join()
    summary.wall_seconds = time.perf_counter() - started
    return summary


def _stop(ray) -> None:
    """Stop a Ray of our own; what it says goes to stderr (stdout is ours: --json, printed after this ends)."""
    with contextlib.redirect_stdout(sys.stderr):
        ray.shutdown()


def batch_size(files: int, readers: int) -> int:
    """Files per shard when --shard-files is not given: about two batches a reader, so each reader's
    start and each shard's writing and loading are paid for many files, but never more than
    MAX_BATCH_FILES (what a retry redoes) nor fewer than BATCH_FILES."""
    return max(BATCH_FILES, min(MAX_BATCH_FILES, -(-files // (2 * max(1, readers)))))


def _read_on_ray(ray, workers: int, stage: Stage, options: IngestOptions, stats: dict, jobs_by_shard: list, before: dict[str, str] | None = None):
    """Yield each batch's results as its shard is written, from a pool of StageReader actors."""
    from ray.util import ActorPool

    actor = ray.remote(num_cpus=1, max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)(StageReader)
    readers = [actor.remote(stage.uri, options) for _ in range(min(workers, len(jobs_by_shard)))]

    def submit(reader, job):
        shard, batch = job
        return reader.read.remote(
            shard, batch, {p: stats[p] for p, _, _ in batch}, {d: (before or {})[d] for _, d, _ in batch if d in (before or {})}
        )

    yield from ActorPool(readers).map_unordered(submit, jobs_by_shard)


def _start(ray, address: str | None, jobs: int | None) -> int:
    """Start (address None) or join a Ray cluster; return how many readers it can run at once."""
    quiet = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    if address is None:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a Ray of this process alone: no token to share
        ray.init(address="local", num_cpus=max(1, jobs or os.cpu_count() or 1), **quiet)
    else:
        try:
            ray.init(address=address, **quiet)
        except ConnectionError as exc:
            raise SettingError(
                _(
                    "No Ray cluster answered at {address} ({why}); start one with `ray start --head`, or leave out --address for one of this machine."
                ).format(address=address, why=str(exc).splitlines()[0])
            ) from exc
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, min(jobs, cpus) if jobs else cpus)
