"""Chinese first, everywhere a person reads; English on request (--lang en, JIXIAO_LANG=en). Checked on
what is shown, not on the code: the output of the commands, in each language."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from jixiao.cli import main

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
# a run of three or more English words with no Chinese character on the line: a sentence a Chinese
# reader cannot read (paths, SQL, option names and code values are not words here)
_ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,;:]+[A-Za-z][a-z]+){2,}\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def english_lines(text: str) -> list[str]:
    """The lines of text that say something in English only."""
    out = []
    for line in text.splitlines():
        if line.strip().startswith(("jixiao ", "echo ")):  # an example command, not a sentence
            continue
        words = re.sub(r"(--[\w-]+|`[^`]*`|\S*/\S*|\S+\.\w+|'[^']*'|\"[^\"]*\"|[A-Z_]{2,}\w*|\w+_\w+)", " ", line)
        if _ENGLISH.search(words) and not _CJK.search(line):
            out.append(line)
    return out


def _run(*args: str, lang: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("JIXIAO_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"  # a server's locale names no language: Chinese, the default
    if lang:
        env["JIXIAO_LANG"] = lang
    return subprocess.run(JIXIAO + list(args), capture_output=True, text=True, env=env, timeout=300, cwd=cwd)


def test_every_sentence_has_its_chinese_and_the_compiled_catalog_is_current():
    run = subprocess.run(
        [sys.executable, "scripts/catalogs.py", "--check"], capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(__file__))
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_help_is_chinese_by_default_and_english_on_request(command):
    args = [command, "--help"] if command else ["--help"]
    zh = _run(*[a for a in args if a])
    assert zh.returncode == 0 and english_lines(zh.stdout) == [], english_lines(zh.stdout)
    en = _run("--lang", "en", *[a for a in args if a])
    assert en.returncode == 0 and "Usage:" in en.stdout and "Options:" in en.stdout and "用法" not in en.stdout and "选项" not in en.stdout


@pytest.mark.slow
def test_an_ingest_speaks_chinese_and_english_on_request(seed_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files["docx-text"], folder / "seed.docx")
    (folder / "empty.docx").write_bytes(b"")
    zh = _run("ingest", str(folder), "--db", str(tmp_path / "zh.duckdb"))
    said = zh.stdout + zh.stderr
    assert zh.returncode == 1 and "共 2 个文件" in said and "覆盖率" in said and "失败" in said
    en = _run("--lang", "en", "ingest", str(folder), "--db", str(tmp_path / "en.duckdb"))
    assert "2 files: 2 read (1 ok, 0 not_report, 1 failed)" in en.stdout
    usage = _run("ingest", str(tmp_path / "no_such_folder"))
    assert usage.returncode == 2 and "没有这个文件或文件夹" in usage.stderr and english_lines(usage.stderr) == [], usage.stderr
