"""scripts/setup on a machine that has everything: no apt-get, no prompt, offline-safe; and a clear
sentence, not a prompt or a hang, when a package is missing and cannot be installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def _run(bin_dir: Path, calls: Path) -> subprocess.CompletedProcess:
    # apt-get and sudo that fail as they would offline, recording that they were called
    _fake(bin_dir, "apt-get", f'echo "apt-get $*" >> {calls}; echo "E: offline" >&2; exit 100')
    _fake(bin_dir, "sudo", f'echo "sudo $*" >> {calls}; exit 1')
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    return subprocess.run(["bash", "scripts/setup"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_setup_with_everything_installed_calls_no_apt_get(tmp_path):
    calls = tmp_path / "calls"
    run = _run(tmp_path, calls)
    assert run.returncode == 0, run.stderr
    assert not calls.exists(), calls.read_text()


def test_setup_with_a_package_missing_and_apt_failing_says_so(tmp_path):
    calls = tmp_path / "calls"
    # dpkg says poppler-utils is not installed; everything else is
    _fake(tmp_path, "dpkg-query", 'case "$*" in *poppler-utils*) exit 1;; *) echo "install ok installed";; esac')
    run = _run(tmp_path, calls)
    assert run.returncode == 1
    assert "Could not install poppler-utils" in run.stderr
    assert "apt-get update" in calls.read_text()
