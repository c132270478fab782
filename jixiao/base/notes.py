"""Word from inside a reader to whoever runs it: how many pages a file has (its time limit grows
with them) and how far a long step has got (「OCR 3/11 页」). Outside a reader process nobody
listens and these cost nothing."""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[tuple], None] | None = None


def listen(send: Callable[[tuple], None] | None) -> None:
    """Send every note to send (a reader process's pipe), or to nobody."""
    global _listener
    _listener = send


def pages(n: int) -> None:
    """The file being read has n pages."""
    if _listener is not None and n > 1:
        _listener(("pages", n))


def step(text: str) -> None:
    """How far the read has got, in words a user reads beside the file's name."""
    if _listener is not None:
        _listener(("step", text))
