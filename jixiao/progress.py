"""Progress output for ingest: a live bar with files/s and ETA on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from jixiao.model import DocumentResult


class Reporter:
    """Receives `total(n)` once, then `file(status, path, result)` for every file."""

    def total(self, n: int) -> None:  # pragma: no cover - interface
        pass

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:  # pragma: no cover - interface
        pass

    def stage(self, name: str) -> None:  # pragma: no cover - interface
        pass


class PlainReporter(Reporter):
    """One line per file on stderr, for logs and pipes."""

    def __init__(self) -> None:
        self.n = 0
        self.done = 0

    def total(self, n: int) -> None:
        self.n = n
        print(f"{n} files to look at", file=sys.stderr, flush=True)

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:
        self.done += 1
        reason = f": {result.error}" if result is not None and result.error else ""
        print(f"[{self.done}/{self.n}] {status}: {path}{reason}", file=sys.stderr, flush=True)

    def stage(self, name: str) -> None:
        print(f"{name} …", file=sys.stderr, flush=True)


class BarReporter(Reporter):
    def __init__(self, bar) -> None:
        self.bar = bar
        self.task = bar.add_task("ingest", total=None)

    def total(self, n: int) -> None:
        self.bar.update(self.task, total=n)

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:
        self.bar.update(self.task, advance=1, description=path.name[:40])

    def stage(self, name: str) -> None:
        self.bar.update(self.task, description=name)


@contextmanager
def reporter(enabled: bool = True) -> Iterator[Reporter | None]:
    """Yield a bar on a terminal, plain lines elsewhere, or None when disabled."""
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():
        yield PlainReporter()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    class FilesPerSecond(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task):  # type: ignore[override]
            speed = task.finished_speed or task.speed
            return super().render(task).__class__(f"{speed:.1f} files/s" if speed else "– files/s")

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                  FilesPerSecond(), TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        yield BarReporter(bar)
