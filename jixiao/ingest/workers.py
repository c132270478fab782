"""Reading files in worker processes, each file under a time limit and each worker under a memory cap.

The parent hands one path at a time to each worker and waits on all of them at once. A worker
that runs past the time limit is killed, one that crashes is noticed by its exit, one that runs
out of memory reports it; each ends as a `failed` result with one sentence, a fresh worker takes
its place, and the batch goes on. Results come back in the order they finish.

Workers never outlive the parent, even one killed outright (SIGKILL runs no cleanup): on Linux
each asks the kernel to kill it when its parent dies; elsewhere a thread in it watches the
parent. Nothing a worker raises prints a traceback on the user's terminal: the parent says
what happened in the file's sentence. The pool's scratch folder carries its creator's pid
(jixiao.base.scratch), so a later run removes it if a kill left it behind.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from jixiao.base import logs, notes
from jixiao.base.i18n import _
from jixiao.base.model import DocumentResult
from jixiao.base.processes import kill_tree
from jixiao.base.scratch import make_scratch

if sys.platform != "win32":  # os.name == "posix", in the form type checkers understand
    import resource
else:  # Windows: no rlimits, process groups or setsid; psutil caps memory and kills process trees
    resource = None

DEFAULT_TIMEOUT_S = 120.0
# The most one file may take, whatever its page count says: a 450 KB PDF can claim 2,000 pages (copies
# of one scan), and --timeout × pages would hold a reader for days. An hour reads a thousand scanned pages.
DEFAULT_FILE_TIMEOUT_S = 3600.0
DEFAULT_MEMORY_MB = 3072
OUT_OF_MEMORY_EXIT = 86  # a worker's exit code when it ran out of memory outside a file's read
ABORTED = getattr(signal, "SIGABRT", 6)
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def memory_sentence(memory_mb: int) -> str:
    return _("Reading the file needed more than the {memory_mb} MB memory limit (--memory-mb) and was stopped.").format(memory_mb=memory_mb)


def timeout_sentence(timeout_s: float, pages: int, file_timeout_s: float = DEFAULT_FILE_TIMEOUT_S) -> str:
    if timeout_s * pages > file_timeout_s >= timeout_s:
        return _(
            "Reading the file took longer than {seconds} s, the most one file may take whatever its {pages} pages (--file-timeout), and was stopped."
        ).format(seconds=f"{file_timeout_s:g}", pages=f"{pages:,}")
    if pages > 1:
        return _(
            "Reading the file took longer than {seconds} s ({per_page} s a page × {pages} pages) and was stopped; --timeout "
            "sets the seconds a page may take."
        ).format(seconds=f"{timeout_s * pages:g}", per_page=f"{timeout_s:g}", pages=pages)
    return _("Reading the file took longer than {seconds} s and was stopped; --timeout sets the seconds a page may take.").format(
        seconds=f"{timeout_s:g}"
    )


@contextmanager
def _no_interrupt():
    """Start a worker with SIGINT ignored, which it keeps (an ignored signal stays ignored across exec,
    and Python then installs no KeyboardInterrupt handler): until it has its own session a Ctrl-C at
    the terminal reaches it too, and would print a traceback from its start-up. The parent alone
    answers Ctrl-C, by stopping the workers."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def die_with_parent(parent_pid: int) -> bool:
    """On Linux, have the kernel SIGKILL this process when its parent dies; False where it cannot.

    The signal comes when the parent *thread* that started this process ends: the pool starts and
    waits on its workers from the thread that runs it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(*map(ctypes.c_ulong, (_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0))) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent_pid:  # the parent died before prctl: no signal will ever come
        os._exit(1)
    return True


def _watch(parent_pid: int | None, memory_mb: int) -> None:
    """Where the kernel does not do it: end this process when its parent is gone (parent_pid) or
    when it holds more than memory_mb (the parent names the limit in the file's sentence)."""
    import psutil

    try:
        parent = psutil.Process(parent_pid) if parent_pid else None
    except psutil.NoSuchProcess:
        os._exit(1)
    me = psutil.Process()
    limit = memory_mb * 1024 * 1024
    while True:
        time.sleep(0.5)
        if parent is not None and not parent.is_running():  # is_running also sees a reused pid
            os._exit(1)
        if limit and me.memory_info().rss > limit:
            os._exit(OUT_OF_MEMORY_EXIT)


def _limit_memory(memory_mb: int) -> bool:
    """Cap this process's address space; False where the OS has no such cap (a thread polls instead)."""
    if memory_mb <= 0:
        return True
    if resource is None:
        return False
    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return False
    return True


def _peak_rss_mb() -> float:
    if resource is not None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import psutil

    info = psutil.Process().memory_info()
    return getattr(info, "peak_wset", info.rss) / (1024 * 1024)


def _quiet(*_args) -> None:
    """A hook that prints nothing."""


def _worker(conn: Connection, memory_mb: int, tmp: str, parent_pid: int, target: str) -> None:
    """Worker process entry. No traceback of it reaches the user's terminal, whatever it raises
    (a MemoryError while receiving a task or sending a sentence included): it exits instead, and
    the parent turns the exit code into the file's sentence."""
    sys.excepthook = sys.unraisablehook = threading.excepthook = _quiet  # "Exception ignored in ..." too
    try:
        _serve(conn, memory_mb, tmp, parent_pid, target)
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)
    except BaseException:
        os._exit(1)


def _serve(conn: Connection, memory_mb: int, tmp: str, parent_pid: int, target: str) -> None:
    """Receive (path, doc_id, converted, threads) tuples, send back what target ("module:function")
    returns for (path, doc_id, converted); None ends it. threads: the reader's share of the cores."""
    watch_parent = not die_with_parent(parent_pid)  # first: the parent may be killed at any moment
    if hasattr(os, "setsid"):
        # its own session: Ctrl-C at the terminal reaches the parent alone, which stops the workers
        # itself, and a kill of the group reaches what the worker started in it
        os.setsid()
    # One BLAS thread: readers run in parallel already, and each OpenBLAS thread reserves address
    # space (~40 MB measured) that counts against the cap, more of them the more cores.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        module, name = target.split(":")
        imported = importlib.import_module(module)
        read = getattr(imported, name)
        if hasattr(imported, "warm_up"):  # what the first file would load, loaded before the first file's clock starts
            imported.warm_up()
    except Exception as exc:  # said by the parent as it fails to start the pool
        conn.send(f"A reader process could not start ({type(exc).__name__}: {exc}).")
        return
    tempfile.tempdir = tmp  # scratch (LibreOffice profiles, conversions) under the pool's folder
    logs.configure()
    capped = _limit_memory(memory_mb)
    if watch_parent or not capped:
        threading.Thread(target=_watch, args=(parent_pid if watch_parent else None, 0 if capped else memory_mb), daemon=True).start()
    notes.listen(conn.send)  # page counts and steps of a long read go to the parent as they happen
    conn.send("ready")  # imports done: the time limit of the first file starts from here
    while True:
        task = conn.recv()
        if task is None:
            return
        path, doc_id, converted, threads = task
        # OCR on the reader's share of the cores (a user's JIXIAO_OCR_THREADS wins; the models take it
        # when the first scanned page loads them): two readers of scans on two cores, each with both,
        # read no more pages together than one alone; with one each, about a fifth more
        os.environ.setdefault("JIXIAO_OCR_THREADS", str(threads))
        try:
            result = read(path, doc_id, converted)
            if isinstance(result, DocumentResult):
                result.peak_rss_mb = _peak_rss_mb()
            conn.send(result)  # pickled whole before a byte is written: a MemoryError here sent nothing
            continue
        except MemoryError:
            pass
        result = None  # let go of what the read held before answering
        conn.send(failed(path, doc_id, memory_sentence(memory_mb), "memory"))


def failed(path: str, doc_id: str, sentence: str, kind: str | None = None, detail: str | None = None) -> DocumentResult:
    return DocumentResult(doc_id, path, "unknown", "failed", sentence, error_kind=kind, error_detail=detail)


@dataclass(frozen=True)
class Note:
    """How far a reader has got with a file, for progress output: 「OCR 3/11 页」."""

    path: str
    text: str


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    task: tuple[str, str, str | None] | None = None
    started: float = 0.0
    pages: int = 1  # of the file being read, once its reader says: the time limit is per page


class WorkerPool:
    """A fixed number of reader processes; `run` yields a result for every task given.

    target names the function each task is given to, as "module:function" (imported by the worker,
    so this module imports nothing of the reading): it takes (path, doc_id, converted) and returns
    a DocumentResult, or anything else picklable; the pool's own failures are DocumentResults.
    """

    def __init__(
        self,
        jobs: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        target: str = "jixiao.ingest.reading:read_path",
        threads: int | None = None,
        file_timeout_s: float = DEFAULT_FILE_TIMEOUT_S,
    ):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.threads = threads  # the cores each reader's OCR may use; None: its share of this machine's
        self._share = 1
        self.target = target
        self.timeout_s = timeout_s
        self.file_timeout_s = file_timeout_s
        self.memory_mb = memory_mb
        # spawn, not fork: the parent holds a DuckDB connection and its threads
        self._ctx = mp.get_context("spawn")
        self._slots: list[_Slot] = []
        self._starting: list[_Slot] = []  # started by `start`, not yet known to be ready
        self._tmp = str(make_scratch("pool"))  # removed at close, whatever the workers left

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(kill=exc_type is not None)  # after an error or Ctrl-C, stop the workers at once

    def pids(self) -> list[int]:
        """The pids of the running workers (started by `start` or `run`)."""
        return [pid for slot in self._slots + self._starting if (pid := slot.process.pid) is not None]  # all started: each has one

    def start(self) -> None:
        """Start the reader processes without waiting for them: they import what they need while the
        caller opens the warehouse and plans; `run` waits for them, and stops those it has no file for."""
        self._starting += self._launch(self.jobs - len(self._slots) - len(self._starting))

    def _spawn(self, n: int = 1) -> list[_Slot]:
        """Start n reader processes at once and wait until each has imported what it needs."""
        return self._ready(self._launch(n))

    def _launch(self, n: int) -> list[_Slot]:
        started: list[_Slot] = []
        try:
            for _ in range(n):
                parent, child = self._ctx.Pipe()
                process = self._ctx.Process(target=_worker, args=(child, self.memory_mb, self._tmp, os.getpid(), self.target), daemon=True)
                started.append(_Slot(process, parent))
                with _no_interrupt():
                    process.start()
                child.close()
        except BaseException:  # Ctrl-C included: none of them may outlive this call
            self._abandon(started)
            raise
        return started

    def _ready(self, started: list[_Slot]) -> list[_Slot]:
        try:
            for slot in started:
                message = None
                try:
                    if slot.conn.poll(120):
                        message = slot.conn.recv()
                except (EOFError, OSError):
                    pass
                if message != "ready":
                    raise RuntimeError(message if isinstance(message, str) else self._no_start(slot.process))
        except BaseException:
            self._abandon(started)
            raise
        return started

    def _abandon(self, slots: list[_Slot]) -> None:
        for slot in slots:
            if slot.process.pid is not None:
                self._kill(slot.process)
            slot.conn.close()

    def _no_start(self, process: mp.process.BaseProcess) -> str:
        process.join(1)
        code = process.exitcode
        if code is None:
            return "A reader process did not start within 120 s."
        if code == OUT_OF_MEMORY_EXIT:
            return f"A reader process ran out of memory while starting; give it more than {self.memory_mb} MB with --memory-mb."
        return f"A reader process exited while starting (exit code {code})."

    @staticmethod
    def _kill(process: mp.process.BaseProcess) -> None:
        if process.pid is not None:  # started, as every process a slot holds
            kill_tree(process.pid)
        process.kill()  # not yet in its own group, or the group kill was refused
        process.join(5)

    def _replace(self, slot: _Slot, pending: deque) -> None:
        self._kill(slot.process)
        slot.conn.close()
        [fresh] = self._spawn()
        slot.process, slot.conn = fresh.process, fresh.conn
        self._give(slot, pending)

    def run(self, tasks: Iterable[tuple[str, str, str | None]], heartbeat: bool = False) -> Iterator[DocumentResult | Note | None]:
        """Given (path, doc_id, converted path or None) tasks, yield one DocumentResult per task as workers
        finish them, and a Note whenever a reader says how far a long file has got; with heartbeat,
        also None whenever a quarter second passes without either.

        Each file may take timeout_s per page (its reader says how many pages it has; a file
        without pages counts as one), and file_timeout_s at most."""
        pending = deque(tasks)
        readers = min(self.jobs, len(pending))
        # a lone file's reader has every core; many files' readers share them
        self._share = self.threads or max(1, (os.cpu_count() or 1) // max(readers, 1))
        wanted = max(readers - len(self._slots), 0)
        early, self._starting = self._starting, []
        self._abandon(early[wanted:])  # started early for files the plan turned out not to have
        self._slots += self._ready(early[:wanted])
        self._slots += self._spawn(wanted - len(early[:wanted]))
        for slot in self._slots:
            self._give(slot, pending)
        while any(s.task for s in self._slots):
            busy = [s for s in self._slots if s.task]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.25)
            now = time.monotonic()
            came = False
            for slot in busy:
                assert slot.task is not None  # busy: it has one
                path, doc_id = slot.task[:2]
                if slot.conn in ready:
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if isinstance(result, tuple):  # a note from inside the read: the file is not done
                        came = True
                        if result[0] == "pages":
                            slot.pages = max(1, int(result[1]))
                        else:
                            yield Note(path, str(result[1]))
                        continue
                    if result is not None:
                        # the next file goes out before the caller stores this one: readers never wait on the writer
                        self._give(slot, pending)
                        came = True
                        yield result
                        continue
                if not slot.process.is_alive() or slot.process.sentinel in ready:
                    slot.process.join(5)  # the sentinel can fire a moment before the exit code is there
                    code = slot.process.exitcode
                    self._replace(slot, pending)
                    came = True
                    if code == OUT_OF_MEMORY_EXIT:
                        yield failed(path, doc_id, memory_sentence(self.memory_mb), "memory")
                    elif code == -ABORTED and self.memory_mb > 0 and resource is not None:
                        # a C library (pdfium, onnxruntime) ends in abort() when an allocation fails under the
                        # address-space cap: Python never sees a MemoryError
                        yield failed(path, doc_id, memory_sentence(self.memory_mb), "memory", _("exit code {code} (SIGABRT)").format(code=code))
                    else:
                        yield failed(
                            path,
                            doc_id,
                            _("The reader crashed on this file (exit code {code}); the file may be damaged.").format(code=code),
                            "crash",
                            _("exit code {code}").format(code=code),
                        )
                elif now - slot.started > self.limit(slot.pages):
                    pages = slot.pages
                    self._replace(slot, pending)
                    came = True
                    yield failed(path, doc_id, timeout_sentence(self.timeout_s, pages, self.file_timeout_s), "timeout")
            if heartbeat and not came:
                yield None

    def limit(self, pages: int) -> float:
        """Seconds a file of this many pages may take: timeout_s a page, at most file_timeout_s (a page's own
        limit at least), since a file's page count is the file's word and not to be trusted."""
        return min(self.timeout_s * pages, max(self.file_timeout_s, self.timeout_s))

    def _give(self, slot: _Slot, pending: deque) -> None:
        slot.task = pending.popleft() if pending else None
        slot.pages = 1
        if slot.task is not None:
            slot.started = time.monotonic()
            slot.conn.send((*slot.task, self._share))

    def close(self, kill: bool = False) -> None:
        """Stop the workers (each finishing its file first, unless kill) and remove the pool's folder."""
        try:
            if not kill:
                for slot in self._slots:
                    try:
                        slot.conn.send(None)
                    except (BrokenPipeError, OSError):
                        pass
                for slot in self._slots:
                    slot.process.join(10)
        finally:  # runs when an interrupt lands in the wait above too
            self._abandon(self._starting)
            self._starting = []
            for slot in self._slots:
                if slot.process.is_alive():
                    self._kill(slot.process)
                slot.conn.close()
            self._slots = []
            for _ in range(3):  # a LibreOffice dying with its worker may still write a file or two
                shutil.rmtree(self._tmp, ignore_errors=True)
                if not os.path.lexists(self._tmp):
                    break
                time.sleep(0.2)
