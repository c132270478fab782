"""Nothing left in the temp folder after any exit that can run code: a SIGTERM while LibreOffice converts a
batch of .doc files stops LibreOffice before the scratch folder goes, and LibreOffice's socket (which it
makes in /tmp whatever TMPDIR says, and leaves when killed) goes too."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def _ours(pid: int) -> list[Path]:
    return [p for p in Path(tempfile.gettempdir()).glob(f"jixiao-*-{pid}-*")]


def test_a_sigterm_during_conversion_leaves_nothing(seed_files, tmp_path):
    from tests.fixtures import builder

    (doc,) = builder.soffice_convert([seed_files["docx-text"]], "doc", tmp_path / "doc")
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):  # one LibreOffice run converts them all: a few seconds to land in
        shutil.copy(doc, folder / f"report_{i:02d}.doc")
        with open(folder / f"report_{i:02d}.doc", "ab") as fh:
            fh.write(bytes([i]))  # other bytes, so each is read
    pipes = set(Path("/tmp").glob("OSL_PIPE_*"))
    proc = subprocess.Popen(JIXIAO + ["ingest", str(folder), "--db", str(tmp_path / "w.duckdb")], stderr=subprocess.PIPE, text=True)
    assert "files to look at" in proc.stderr.readline()
    deadline = time.monotonic() + 30
    while not any(p.name.startswith("jixiao-lo-") for s in _ours(proc.pid) for p in s.iterdir()):  # LibreOffice has begun
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert _ours(proc.pid) == []
    assert set(Path("/tmp").glob("OSL_PIPE_*")) <= pipes
    assert subprocess.run(["pgrep", "-f", f"jixiao-lo-{proc.pid}-"], capture_output=True).stdout == b""  # no LibreOffice left
