"""Ctrl-C and SIGTERM, wherever they land — while the command loads (once Python runs its first line), while a file is read, inside a
database statement while rules run — end the command with one sentence and exit code 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

pytestmark = [pytest.mark.slow]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
STOPPED = "Stopped. Every document committed so far is kept"


def _stop_when(args: list[str], seen: str | None, delay: float, sig: int) -> subprocess.CompletedProcess:
    """Run jixiao, send sig after delay seconds (counted from the first stderr line holding `seen`, if given)."""
    proc = subprocess.Popen(JIXIAO + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = []
    if seen is not None:
        for line in proc.stderr:
            err.append(line)
            if seen in line:
                break
    time.sleep(delay)
    proc.send_signal(sig)
    out, rest = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, "".join(err) + rest)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.3, 0.6])  # before ~0.1 s Python itself is starting: nothing of ours runs yet
def test_a_signal_as_the_command_starts_is_one_sentence(tmp_path, seed_files, sig, delay):
    run = _stop_when(["ingest", str(seed_files["docx-text"]), "--db", str(tmp_path / "w.duckdb")], None, delay, sig)
    if run.returncode == 0:  # the machine was quick enough to finish before the signal: nothing to see
        return
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr and "Aborted!" not in run.stderr
    assert STOPPED in run.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_inside_a_statement_is_one_sentence(tmp_path, family_files, sig):
    """`check` spends its time in DuckDB statements (the rules): a signal lands inside one."""
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    for i, key in enumerate(k for k in family_files if k.startswith("docx/")):
        shutil.copy(family_files[key], folder / f"{i}.docx")
    db = tmp_path / "w.duckdb"
    assert subprocess.run(JIXIAO + ["ingest", str(folder), "--db", str(db)], capture_output=True).returncode in (0, 1)
    for delay in (0.2, 0.5, 0.8):
        run = _stop_when(["check", "--db", str(db)], None, delay, sig)
        assert run.returncode in (0, 130), run.stderr
        assert "Traceback" not in run.stderr and "Aborted!" not in run.stderr
        if run.returncode == 130:
            assert STOPPED in run.stderr


def test_a_signal_while_a_native_module_loads_is_still_a_signal():
    """Ctrl-C while a C extension initialises surfaces as an ImportError caused by the KeyboardInterrupt (seen
    with opencc as an ingest starts): it is the signal, to be told in one sentence, not a crash."""
    from jixiao.cli import _interrupted

    def load():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    try:
        try:
            load()
        except ImportError as exc:
            raise ImportError("opencc_clib not found in Bazel runfiles") from exc
    except ImportError as exc:
        assert _interrupted(exc)
    try:
        raise ImportError("No module named 'opencc_clib'")
    except ImportError as exc:
        assert not _interrupted(exc)


def test_a_signal_inside_a_finaliser_is_raised_again_where_the_command_stops():
    """A Ctrl-C landing in a `__del__` (regex's, as the collector ran) is one Python can only print, with a
    traceback; the command's hook raises it again in the main thread, where it is one sentence."""
    import gc

    from jixiao.cli import _unraisable

    class Finalised:
        def __del__(self):
            raise KeyboardInterrupt

    printed = []
    before = sys.unraisablehook
    sys.unraisablehook = _unraisable(printed.append)
    try:
        with pytest.raises(KeyboardInterrupt):
            Finalised()
            gc.collect()
            time.sleep(1)  # the interrupt arrives at the main thread's next check

        class Failing:
            def __del__(self):
                raise ValueError("not a signal")

        Failing()
        gc.collect()
        assert [u.exc_type for u in printed] == [ValueError]  # anything else is printed as before
    finally:
        sys.unraisablehook = before
