"""The `jixiao` command's first lines. Loading the command takes a moment (click, DuckDB, the reader);
Ctrl-C or SIGTERM meanwhile is said in one sentence with exit code 130 too, before any work began."""

import os
import signal
import sys

STOPPED = "Stopped. Every document committed so far is kept; run the same command again to go on."


def _before_start(signum, frame) -> None:
    sys.stderr.write(STOPPED + "\n")
    sys.stderr.flush()
    os._exit(130)  # nothing started yet: nothing to undo


def guard() -> None:
    """Until the command takes over its signals (cli.Commands.main), a signal ends it with the sentence."""
    signal.signal(signal.SIGINT, _before_start)
    signal.signal(signal.SIGTERM, _before_start)


def run() -> None:
    guard()
    from jixiao.cli import main

    main()
