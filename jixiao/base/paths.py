"""File names that are not UTF-8, kept and shown readably.

A zip made on a Chinese Windows machine and unpacked on Linux leaves names in GBK; Python hands them
over with their undecodable bytes as lone surrogates, which no UTF-8 database or terminal takes. Each
such name part is decoded as GB18030 when its bytes read cleanly so (雨花区报告.pdf), else its bytes are
kept as \\xNN escapes; `on_disk` finds the file again from either form.
"""

from __future__ import annotations

import os
import re

_ESCAPE = re.compile(rb"\\x([0-9a-f]{2})")


def _readable_part(part: str) -> str:
    try:
        part.encode("utf-8")
        return part
    except UnicodeEncodeError:
        raw = os.fsencode(part)
    try:
        decoded = raw.decode("gb18030")
        if decoded.encode("gb18030") == raw:
            return decoded
    except UnicodeDecodeError:
        pass
    return raw.decode("utf-8", "backslashreplace")


def readable(path: str) -> str:
    """A path as stored and shown: each part that is not UTF-8 decoded as GB18030, else with its bytes escaped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return "/".join(_readable_part(part) for part in path.split("/"))


def on_disk(path: str) -> str:
    """The path to open for a path as `readable` gave it: itself where it exists, else, part by part, the
    name the file system holds (the part encoded back to GB18030, or its escapes undone)."""
    if os.path.lexists(path):
        return path
    found = ""
    for i, part in enumerate(path.split("/")):
        here = part if i == 0 else f"{found}/{part}"
        if i == 0 or os.path.lexists(here):
            found = here
            continue
        for raw in (_gb18030(part), _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), part.encode("utf-8"))):
            if raw is not None and os.path.lexists(candidate := f"{found}/{os.fsdecode(raw)}"):
                found = candidate
                break
        else:
            return path
    return found


def _gb18030(part: str) -> bytes | None:
    try:
        return part.encode("gb18030")
    except UnicodeEncodeError:
        return None
