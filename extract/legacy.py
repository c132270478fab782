"""Legacy Office files (.doc, .wps, .xls, .et) converted by LibreOffice, then read as .docx/.xlsx.

One LibreOffice instance is started per process and kept for the whole batch: later conversions
are handed to it by a short-lived client (LibreOffice forwards a second launch on the same
profile to the running instance), so the ~1 s start is paid once. The instance runs in a private
profile where macros are disabled, with its own temporary folder; everything is removed when the
process ends. A conversion that takes too long is stopped and the instance restarted.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from jixiao.errors import ExtractError

CONVERT_TIMEOUT_S = 90.0
TARGETS = {"doc": "docx", "wps": "docx", "xls": "xlsx", "et": "xlsx"}

# Macro security "very high" and macro execution off: a converted file never runs code.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class Converter:
    """A LibreOffice instance kept alive for this process's conversions."""

    def __init__(self) -> None:
        binary = soffice_binary()
        if binary is None:
            raise ExtractError("Reading .doc/.wps/.xls/.et files needs LibreOffice, which is not installed "
                               "(apt-get install libreoffice-writer libreoffice-calc).")
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="jixiao-lo-"))
        self.profile = self.root / "profile"
        (self.profile / "user").mkdir(parents=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        self.tmp = self.root / "tmp"
        self.tmp.mkdir()
        self.env = dict(os.environ, TMPDIR=str(self.tmp), TMP=str(self.tmp), TEMP=str(self.tmp))
        self.server: subprocess.Popen | None = None

    def _args(self) -> list[str]:
        return [self.binary, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
                "--nologo", "--nodefault", "--nolockcheck"]

    def _start(self) -> None:
        if self.server is not None and self.server.poll() is None:
            return
        self.server = subprocess.Popen(self._args() + ["--accept=pipe,name=jixiao-%d;urp;" % os.getpid()],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        time.sleep(0.5)  # let it claim the profile so that clients forward to it

    def convert(self, data: bytes, fmt: str) -> bytes:
        """Given legacy bytes and their format, return the bytes of the .docx/.xlsx LibreOffice makes."""
        target = TARGETS[fmt]
        self._start()
        work = Path(tempfile.mkdtemp(prefix="conv-", dir=self.tmp))
        try:
            source = work / f"in.{fmt}"
            source.write_bytes(data)
            out = work / "out"
            try:
                subprocess.run(self._args() + ["--convert-to", target, "--outdir", str(out), str(source)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env, timeout=CONVERT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.restart()
                raise ExtractError(f"LibreOffice took longer than {CONVERT_TIMEOUT_S:g} s to convert the .{fmt} file and was stopped.")
            result = out / f"in.{target}"
            if not result.exists():
                raise ExtractError(f"LibreOffice could not convert the .{fmt} file; it is damaged, password-protected or not a {fmt} file.")
            return result.read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def restart(self) -> None:
        if self.server is not None:
            self.server.kill()
            self.server.wait(10)
            self.server = None

    def close(self) -> None:
        self.restart()
        shutil.rmtree(self.root, ignore_errors=True)


_CONVERTER: Converter | None = None


def convert_legacy(data: bytes, fmt: str) -> bytes:
    """Convert with this process's LibreOffice instance (started on first use, closed at exit)."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = Converter()
        atexit.register(_CONVERTER.close)
    return _CONVERTER.convert(data, fmt)
