"""Running an ingest: plan, read in the pool's reader processes, write, then the work the stored documents owe.
The local engine is here; `ray_engine` runs the same plan and readers on Ray actors."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Generator, Iterable
from contextlib import closing
from pathlib import Path

from jixiao.base.db import one_value
from jixiao.base.model import DocumentResult
from jixiao.base.paths import readable
from jixiao.base.scratch import make_scratch, remove_stale_scratch
from jixiao.extract.legacy import convert_many
from jixiao.ingest.options import IngestOptions
from jixiao.ingest.owed import finish
from jixiao.ingest.planning import Plan, prepare
from jixiao.ingest.progress import Reporter
from jixiao.ingest.summary import IngestSummary
from jixiao.ingest.workers import Note, WorkerPool
from jixiao.ingest.writing import write_results
from jixiao.rules import default_rules
from jixiao.warehouse import connect
from jixiao.warehouse.projects import warm_up as warm_up_links


def ingest(
    paths: Iterable[str | Path], db: str | Path = "jixiao.duckdb", options: IngestOptions | None = None, progress: Reporter | None = None
) -> IngestSummary:
    """Read every file under paths into the warehouse at db, in parallel; return what happened.

    Three steps. **plan**: list the files and ask the warehouse what it holds, to decide what to
    read (a file whose path, size and mtime are unchanged is not read; one whose bytes are stored
    already only has its path recorded; one stored as failed is read again when its failure may
    not recur, RETRIED, or options.retry_failed, else listed among this run's failures again). **read**:
    reader processes (one per core unless options.jobs says otherwise), each file under a time limit per
    page (options.file_timeout_s at most, whatever its page count) and a memory cap. **write**: this process
    alone writes, each document whole or not at all, committed in groups of up to options.group at most
    STORE_WAIT_S after reading, then the rules and project links the stored documents owe. Killing the run
    at any moment loses at most the documents in flight, and a rerun picks up from there.
    """
    options = options or IngestOptions()
    started = time.perf_counter()
    summary = IngestSummary()
    rules = default_rules()
    # however the ingest ends (an error, Ctrl-C), the readers are stopped then and there
    with WorkerPool(options.jobs, options.timeout_s, options.memory_mb, file_timeout_s=options.file_timeout_s) as pool:
        pool.start()  # the readers import while the warehouse is opened and the plan made
        # before listing: a warehouse that cannot be opened is said at once, and a wait for it is said too
        con = open_warehouse(db, options)
        try:
            remove_stale_scratch()  # of runs killed before they could clean up
            scratch = make_scratch("ingest")  # conversions, and the archive members to read
            try:
                plan, findings_before = prepare(con, paths, options, rules, summary, progress, scratch)
                warm_up_linking(con, plan)
                with closing(read_planned(plan, pool, scratch, summary)) as results:
                    write_results(con, results, plan, options, rules, summary, progress)
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
    if plan.tasks and one_value(con.execute("SELECT count(*) FROM link_index")):
        threading.Thread(target=warm_up_links, name="warm-up linking", daemon=True).start()


def open_warehouse(db: str | Path, options: IngestOptions):
    """The warehouse at db for an ingest of either engine: when another process holds it, waited for as long as
    options.wait_s allows, and the wait said on stderr."""
    said = (lambda text: print(text, file=sys.stderr, flush=True)) if options.wait_s else None
    return connect(db, wait_s=options.wait_s, on_wait=said)


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
