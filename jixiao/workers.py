"""Reading files in worker processes, each file under a time limit and each worker under a memory cap.

The parent hands one path at a time to each worker and waits on all of them at once. A worker
that runs past the time limit is killed, one that crashes is noticed by its exit, one that runs
out of memory reports it; each ends as a `failed` result with one sentence, a fresh worker takes
its place, and the batch goes on. Results come back in the order they finish.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Iterable, Iterator

from jixiao.model import DocumentResult

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 3072


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker(conn: Connection, memory_mb: int, tmp: str) -> None:
    """Worker loop: receive (path, doc_id, converted) tuples, send back DocumentResults; None ends it."""
    import tempfile

    from jixiao.pipeline import read_path

    os.setsid()  # its own process group: a kill reaches the LibreOffice it may have started too
    tempfile.tempdir = tmp  # scratch (LibreOffice profiles, conversions) under the pool's folder
    _limit_memory(memory_mb)
    conn.send("ready")  # imports done: the time limit of the first file starts from here
    while True:
        task = conn.recv()
        if task is None:
            return
        path, doc_id, converted = task
        try:
            result = read_path(path, doc_id, converted)
        except MemoryError:
            result = failed(path, doc_id, f"Reading the file needed more than the {memory_mb} MB memory limit and was stopped.")
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send(result)


def failed(path: str, doc_id: str, sentence: str) -> DocumentResult:
    return DocumentResult(doc_id, path, "unknown", "failed", sentence)


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    task: tuple[str, str, str | None] | None = None
    started: float = 0.0


class WorkerPool:
    """A fixed number of reader processes; `run` yields a result for every task given."""

    def __init__(self, jobs: int | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        # spawn, not fork: the parent holds a DuckDB connection and its threads
        self._ctx = mp.get_context("spawn")
        self._slots: list[_Slot] = []
        import tempfile

        self._tmp = tempfile.mkdtemp(prefix="jixiao-pool-")  # removed at close, whatever the workers left

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _spawn(self, n: int = 1) -> list[_Slot]:
        """Start n reader processes at once and wait until each has imported what it needs."""
        started = []
        for _ in range(n):
            parent, child = self._ctx.Pipe()
            process = self._ctx.Process(target=_worker, args=(child, self.memory_mb, self._tmp), daemon=True)
            process.start()
            child.close()
            started.append(_Slot(process, parent))
        for slot in started:
            try:
                ready = slot.conn.poll(120) and slot.conn.recv() == "ready"
            except (EOFError, OSError):
                ready = False
            if not ready:
                for other in started:
                    other.process.kill()
                raise RuntimeError("A reader process did not start (it exited or took over 120 s); see the messages above.")
        return started

    @staticmethod
    def _kill(process: mp.process.BaseProcess) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.join(5)

    def _replace(self, slot: _Slot, pending: deque) -> None:
        self._kill(slot.process)
        slot.conn.close()
        [fresh] = self._spawn()
        slot.process, slot.conn = fresh.process, fresh.conn
        self._give(slot, pending)

    def run(self, tasks: Iterable[tuple[str, str, str | None]], heartbeat: bool = False) -> Iterator[DocumentResult | None]:
        """Given (path, doc_id, converted path or None) tasks, yield one DocumentResult per task as workers
        finish them; with heartbeat, also None whenever a quarter second passes without one."""
        pending = deque(tasks)
        self._slots += self._spawn(min(self.jobs, len(pending)) - len(self._slots))
        for slot in self._slots:
            self._give(slot, pending)
        while any(s.task for s in self._slots):
            busy = [s for s in self._slots if s.task]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.25)
            now = time.monotonic()
            came = False
            for slot in busy:
                path, doc_id = slot.task[:2]  # type: ignore[index]
                if slot.conn in ready:
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        # the next file goes out before the caller stores this one: readers never wait on the writer
                        self._give(slot, pending)
                        came = True
                        yield result
                        continue
                if not slot.process.is_alive() or slot.process.sentinel in ready:
                    code = slot.process.exitcode
                    self._replace(slot, pending)
                    came = True
                    yield failed(path, doc_id, f"The reader crashed on this file (exit code {code}); the file may be damaged.")
                elif now - slot.started > self.timeout_s:
                    self._replace(slot, pending)
                    came = True
                    yield failed(path, doc_id, f"Reading the file took longer than {self.timeout_s:g} s and was stopped.")
            if heartbeat and not came:
                yield None

    @staticmethod
    def _give(slot: _Slot, pending: deque) -> None:
        slot.task = pending.popleft() if pending else None
        if slot.task is not None:
            slot.started = time.monotonic()
            slot.conn.send(slot.task)

    def close(self) -> None:
        for slot in self._slots:
            try:
                slot.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in self._slots:
            slot.process.join(10)
            if slot.process.is_alive():
                self._kill(slot.process)
            slot.conn.close()
        self._slots = []
        shutil.rmtree(self._tmp, ignore_errors=True)
