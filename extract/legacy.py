"""Legacy Office files (.doc, .wps, .xls, .et) converted by LibreOffice, then read as .docx/.xlsx.

Starting LibreOffice costs about a second, so an ingest converts all the legacy files of a batch
up front, many per LibreOffice run (`convert_many`: ~0.2 s a file instead of ~1 s); a single file
(`jixiao show`, or one a batch run could not convert) goes through `convert_legacy`. Every run
uses a private profile with macros disabled and its own temporary folder, under a timeout, and
leaves nothing behind.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.processes import kill_tree
from jixiao.base.scratch import make_scratch, office_pipe

from .formats import CONVERTED

log = logging.getLogger("jixiao.extract.legacy")

TARGETS = CONVERTED  # the formats converted before they are read, and what into (extract/formats.py)
CONVERT_TIMEOUT_S = 90.0
BATCH = 40  # files per LibreOffice run

# Macro security "very high" and macro execution off: a converted file never runs code.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


# LibreOffice must end with whoever started it, even a process killed outright. A parent-death
# signal on soffice alone is not enough: it execs oosplash, which forks soffice.bin. So on Linux a
# small Python guard starts it: the guard asks for SIGTERM when its starter dies, and on SIGTERM
# kills its process group, which start_new_session makes it lead: soffice and all it forked.
_GUARD = (
    "import ctypes, os, signal, subprocess, sys\n"
    "signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))\n"
    "ctypes.CDLL(None).prctl(*map(ctypes.c_ulong, (1, signal.SIGTERM, 0, 0, 0)))\n"  # PR_SET_PDEATHSIG
    "if os.getppid() != int(sys.argv[1]):\n"  # the starter died before prctl: no signal will come
    "    os.killpg(0, signal.SIGKILL)\n"
    "sys.exit(subprocess.call(sys.argv[2:]))\n"
)


def _guarded(args: list[str]) -> list[str]:
    """args run so that they die with this process (on Linux; elsewhere as they are)."""
    if sys.platform.startswith("linux") and sys.executable:
        return [sys.executable, "-I", "-S", "-c", _GUARD, str(os.getpid()), *args]
    return args


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class Converter:
    """A private LibreOffice profile and scratch folder; `run` converts files with it."""

    def __init__(self, root: Path | None = None) -> None:
        binary = soffice_binary()
        if binary is None:
            raise ExtractError(
                _("Reading .doc/.wps/.xls/.et files needs LibreOffice, which is not installed (apt-get install libreoffice-writer libreoffice-calc).")
            )
        self.binary = binary
        self.root = make_scratch("lo", root)  # named after this process: a later run removes it if this one is killed
        self.profile = self.root / "profile"
        (self.profile / "user").mkdir(parents=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        self.tmp = self.root / "tmp"
        self.tmp.mkdir()
        self.env = dict(os.environ, TMPDIR=str(self.tmp), TMP=str(self.tmp), TEMP=str(self.tmp))

    def run(self, sources: list[Path], target: str, outdir: Path, timeout: float) -> None:
        """Convert sources to target in one LibreOffice run; outputs missing afterwards failed."""
        args = [
            self.binary,
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ]
        process = subprocess.Popen(_guarded(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env, start_new_session=True)
        try:
            process.wait(timeout)
        except BaseException:  # over its time, or this run stopped (Ctrl-C, SIGTERM): LibreOffice stops too
            kill_tree(process.pid)  # LibreOffice forks: stop the whole group, before its folder is removed
            process.wait(10)
            office_pipe(self.profile).unlink(missing_ok=True)  # a killed LibreOffice leaves its socket
            raise

    def convert(self, data: bytes, fmt: str, target: str | None = None) -> bytes:
        """Given legacy bytes and their format, return the bytes of the .docx/.xlsx LibreOffice makes
        (or of target, such as pdf)."""
        target = target or TARGETS[fmt]
        work = Path(tempfile.mkdtemp(prefix="conv-", dir=self.tmp))
        try:
            source = work / f"in.{fmt}"
            source.write_bytes(data)
            try:
                self.run([source], target, work, CONVERT_TIMEOUT_S)
            except subprocess.TimeoutExpired as exc:
                raise ExtractError(
                    _("LibreOffice took longer than {CONVERT_TIMEOUT_S:g} s to convert the .{fmt} file and was stopped.").format(
                        CONVERT_TIMEOUT_S=CONVERT_TIMEOUT_S, fmt=fmt
                    )
                ) from exc
            result = work / f"in.{target}"
            if not result.exists():
                raise ExtractError(
                    _("LibreOffice could not convert the .{fmt} file; it is damaged, password-protected or not a {fmt} file.").format(fmt=fmt)
                )
            return result.read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def close(self) -> None:
        office_pipe(self.profile).unlink(missing_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)


_CONVERTER: Converter | None = None


def convert_legacy(data: bytes, fmt: str, target: str | None = None) -> bytes:
    """Convert one file with this process's converter (made on first use, removed at exit);
    target defaults to the modern format of fmt (.doc → .docx)."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = Converter()
        atexit.register(_CONVERTER.close)
    return _CONVERTER.convert(data, fmt, target)


def convert_many(items: list[tuple[Path, str]], workdir: Path, timeout_s: float = CONVERT_TIMEOUT_S) -> dict[Path, Path]:
    """Given (path, format) of legacy files, convert them many per LibreOffice run into workdir;
    return path → converted file for those that converted (the rest are converted one by one later,
    each under the reader's time limit). A run of n files may take n × timeout_s at most, and
    never more than CONVERT_TIMEOUT_S + 10 s a file."""
    if not items or soffice_binary() is None:
        return {}
    converter = Converter(workdir)
    out: dict[Path, Path] = {}
    try:
        for target in sorted({TARGETS[fmt] for _, fmt in items}):
            group = [(p, fmt) for p, fmt in items if TARGETS[fmt] == target]
            for start in range(0, len(group), BATCH):
                chunk = group[start : start + BATCH]
                indir = workdir / f"in-{target}-{start}"
                outdir = workdir / f"out-{target}-{start}"
                indir.mkdir()
                sources = []
                for i, (path, fmt) in enumerate(chunk):
                    source = indir / f"{i:04d}.{fmt}"  # plain names: LibreOffice names outputs after inputs
                    shutil.copyfile(path, source)
                    sources.append(source)
                try:
                    converter.run(sources, target, outdir, min(CONVERT_TIMEOUT_S + 10 * len(sources), timeout_s * len(sources)))
                except subprocess.TimeoutExpired:
                    log.info("LibreOffice timed out converting %d files to %s together; each is converted alone", len(sources), target)
                    continue  # each file of the chunk gets its own try, and its own sentence
                for (path, _), source in zip(chunk, sources):
                    result = outdir / f"{source.stem}.{target}"
                    if result.exists():
                        out[path] = result
                    else:
                        log.info("LibreOffice's batch run gave no %s for %s; it is converted alone", target, path)
    finally:
        office_pipe(converter.profile).unlink(missing_ok=True)
        shutil.rmtree(converter.tmp, ignore_errors=True)
        shutil.rmtree(converter.profile, ignore_errors=True)
    return out
