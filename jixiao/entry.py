"""The `jixiao` command's first lines. Loading the command takes a moment (click, DuckDB, the reader);
Ctrl-C or SIGTERM meanwhile is said in one sentence with exit code 130 too, before any work began."""

import os
import signal
import sys

# translated where shown (cli keeps it for the catalog): nothing more is imported before guard() runs
STOPPED = "Stopped. Every document committed so far is kept; run the same command again to go on."


_SAID = STOPPED  # in the reader's language, once guard() has looked it up: a signal handler must import nothing
GUARDED = False  # True in the command's own process (not in a test's CliRunner)


def _before_start(signum, frame) -> None:
    sys.stderr.write(_SAID + "\n")
    sys.stderr.flush()
    os._exit(130)  # nothing started yet: nothing to undo


def guard() -> None:
    """Until the command takes over its signals (cli.Commands.main), a signal ends it with the sentence."""
    global _SAID, GUARDED
    GUARDED = True
    signal.signal(signal.SIGINT, _before_start)
    signal.signal(signal.SIGTERM, _before_start)
    from jixiao.base.i18n import _

    _SAID = _(STOPPED)


def run() -> None:
    guard()
    from jixiao.base import logs
    from jixiao.cli import main

    logs.configure()

    main()
