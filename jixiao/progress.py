"""Progress output for ingest: a live bar on a terminal, plain lines elsewhere (logs, CI)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from jixiao.model import DocumentResult


@contextmanager
def progress_callback(enabled: bool = True) -> Iterator[Callable[[Path, DocumentResult | None], None] | None]:
    """Yield an on_file callback that reports each file, or None when disabled."""
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.completed} files"), TextColumn("{task.description}"),
                      TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("", total=None)

            def on_file(path: Path, result: DocumentResult | None) -> None:
                bar.update(task, advance=1, description=path.name)

            yield on_file
        return

    def plain(path: Path, result: DocumentResult | None) -> None:
        status = "already stored" if result is None else result.status
        print(f"{status}: {path}", file=sys.stderr)

    yield plain
