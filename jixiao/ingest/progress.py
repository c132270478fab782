"""Progress output for ingest: a live bar on a terminal, plain lines elsewhere.

Every file gets its line (or bar step) when it is done, a failure is said the moment it happens,
and a long file says how far it has got (「OCR 3/11 页」). The rate counts only files that were
read: files recognised as unchanged pass in bursts of thousands a second and would make the rate
and the time left meaningless.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.base.i18n import N_, _, ngettext
from jixiao.base.model import DocumentResult
from jixiao.base.render import shown_path

PASSED_OVER = ("unchanged", "already stored")
# what each file came to, and the steps after reading, as the reporters say them (translated where shown)
WORDS = (
    N_("ok"),
    N_("failed"),
    N_("not_report"),
    N_("unchanged"),
    N_("already stored"),
    N_("still failed"),
    N_("staged"),
    N_("checking rules"),
    N_("linking projects"),
    N_("loading the stage"),
)


class Reporter:
    """Receives total(n) once, file(status, path, result) for every file, stage(name) for the steps
    after reading, note(path, text) while a long file is read."""

    def __init__(self) -> None:
        self.n = 0
        self.done = 0
        self.read = 0  # files actually read, for the rate
        self.started: float | None = None  # when the first file was read

    def total(self, n: int) -> None:
        self.n = n

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:
        self.done += 1
        if status not in PASSED_OVER:
            self.read += 1
            if self.started is None:
                self.started = time.monotonic()

    def stage(self, name: str) -> None:
        pass

    def note(self, path: Path, text: str) -> None:
        pass

    def rate(self) -> float | None:
        """Files read per second, once there is enough to say."""
        if self.started is None or self.read < 2:
            return None
        elapsed = time.monotonic() - self.started
        return (self.read - 1) / elapsed if elapsed > 0.5 else None


class PlainReporter(Reporter):
    """One line per file on stderr, for logs and pipes."""

    def total(self, n: int) -> None:
        super().total(n)
        print(ngettext("{n} file to look at", "{n} files to look at", n).format(n=n), file=sys.stderr, flush=True)

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:
        super().file(status, path, result)
        reason = f": {result.error}" if result is not None and result.error else ""
        print(f"[{self.done}/{self.n}] {_(status)}: {shown_path(path)}{reason}", file=sys.stderr, flush=True)

    def stage(self, name: str) -> None:
        print(f"{_(name)} …", file=sys.stderr, flush=True)

    def note(self, path: Path, text: str) -> None:
        print(f"  {shown_path(path.name)}: {text}", file=sys.stderr, flush=True)


def escape(text: str) -> str:
    """Text shown through rich: 「[…]」 in a name or sentence is text, not markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


class BarReporter(Reporter):
    def __init__(self, bar) -> None:
        super().__init__()
        self.bar = bar
        self.task = bar.add_task("ingest", total=None, rate="")

    def total(self, n: int) -> None:
        super().total(n)
        self.bar.update(self.task, total=n)

    def file(self, status: str, path: Path, result: DocumentResult | None) -> None:
        super().file(status, path, result)
        if status in ("failed", "still failed") and result is not None:
            self.bar.console.print(f"[red]{escape(_(status))}[/red]: {escape(shown_path(path))}: {escape(result.error or '')}", highlight=False)
        rate = self.rate()
        left = (self.n - self.done) / rate if rate else None
        self.bar.update(
            self.task,
            advance=1,
            description=escape(shown_path(path.name)[:40]),
            rate=(f"{rate:.1f} files/s" + (f", ~{_duration(left)} left" if left else "")) if rate else "",
        )

    def stage(self, name: str) -> None:
        self.bar.update(self.task, description=escape(_(name)))

    def note(self, path: Path, text: str) -> None:
        self.bar.update(self.task, description=f"{escape(shown_path(path.name)[:30])} {escape(text)}")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        yield BarReporter(bar)
