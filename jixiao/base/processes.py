"""Stopping a process with everything it started, on any system."""

from __future__ import annotations

import os
import signal


def kill_tree(pid: int) -> None:
    """Kill a process and whatever it started: its process group on POSIX (the process must lead
    one: setsid or start_new_session), its descendants elsewhere."""
    if os.name == "posix":
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    import psutil

    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
