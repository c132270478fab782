"""What the code handles without a word to the user (a LibreOffice batch that timed out and is redone file by file,
a PDF page layer one backend could not map) is logged for whoever maintains an installation: silent unless
JIXIAO_LOG names a level (debug, info, warning), then on stderr of the command and of its reader processes."""

from __future__ import annotations

import logging
import os

ENV = "JIXIAO_LOG"


def configure() -> None:
    """Log at the level JIXIAO_LOG names (readers inherit it), else only errors of the libraries' own."""
    level = os.environ.get(ENV, "").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        logging.getLogger("jixiao").addHandler(logging.NullHandler())
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s %(name)s [{os.getpid()}]: %(message)s"))
    root = logging.getLogger("jixiao")
    root.handlers[:] = [handler]
    root.setLevel(level)
