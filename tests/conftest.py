"""Fixtures built the way offices make them: Word files from data, PDFs exported by LibreOffice."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from jixiao.base import i18n
from tests.fixtures import builder

# Users read Chinese, the default; most tests assert the English wording (the code's own), and the
# language tests (tests/test_language.py) ask for Chinese themselves. Subprocesses inherit it.
os.environ.setdefault("JIXIAO_LANG", "en")
# A user's own lexicon (~/.config/jixiao/lexicon.csv) must not change what the tests read: none, unless a test names one.
os.environ["JIXIAO_LEXICON"] = os.path.join(tempfile.mkdtemp(prefix="jixiao-tests-"), "no-lexicon.csv")


@pytest.fixture(autouse=True)
def _ctrl_c_as_a_shell_gives_it():
    """A command a test starts inherits this process's SIGINT disposition, and an ignored SIGINT stays ignored in
    it (Python then installs no KeyboardInterrupt): in one order of the fast tier, SIGINT was found ignored after
    tests/desk/test_chinese_everywhere.py (cause not found: every handler the code sets is restored), and the
    Ctrl-C tests that came later timed out. Each test starts with SIGINT as a shell gives it to a command."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


_LANGUAGE_AT_START = {name: os.environ.get(name) for name in ("JIXIAO_LANG", "LANGUAGE")}


@pytest.fixture(autouse=True)
def _language_as_the_session_began():
    """A command run in process with --lang (CliRunner) chooses the language for the whole process, as it does
    for a real command: after each test the session's language is back, so that no test reads another's."""
    yield
    i18n._chosen = None
    for name, value in _LANGUAGE_AT_START.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


SEED_STYLES = builder.CHECKBOX_STYLES  # √/□ text, Wingdings w:sym, content controls, 是（√）


def _need_soffice() -> None:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice is required to build the PDF fixtures: run .ci/run or apt-get install libreoffice-writer")


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    """The seed report as .docx in every checkbox style, each also exported to PDF by LibreOffice."""
    _need_soffice()
    out = tmp_path_factory.mktemp("seed")
    docs = [builder.build_seed(out, style, f"seed_{style}") for style in SEED_STYLES]
    builder.soffice_convert(docs, "pdf", out / "pdf")
    return out


@pytest.fixture(scope="session")
def seed_files(seed_dir) -> dict[str, Path]:
    """'docx-text', 'pdf-wingdings', … → path."""
    files = {}
    for style in SEED_STYLES:
        files[f"docx-{style}"] = seed_dir / f"seed_{style}.docx"
        files[f"pdf-{style}"] = seed_dir / "pdf" / f"seed_{style}.pdf"
    return files


@pytest.fixture(scope="session")
def family_files(tmp_path_factory) -> dict[str, Path]:
    """Every family in every variant as .docx and as LibreOffice PDF, plus a bundle and a meeting notice.

    Keys: 'docx/national_project/plain', 'pdf/bundle', …
    """
    from tests.fixtures import families as F

    _need_soffice()
    out = tmp_path_factory.mktemp("families")
    docs: dict[str, Path] = {}
    for family, (form, render) in F.FAMILY_DOCUMENTS.items():
        for v in F.VARIANTS:
            docs[f"{family}/{v.name}"] = builder.write_docx(render(form, v), out / f"{family}-{v.name}.docx", v.checkbox)
    docs["bundle"] = builder.write_docx(F.bundle_document(F.bundle_forms(), F.VARIANTS[0]), out / "bundle.docx")
    docs["notice"] = builder.write_docx(F.meeting_notice(), out / "notice.docx")
    pdfs = builder.soffice_convert(list(docs.values()), "pdf", out / "pdf")
    files = {f"docx/{k}": p for k, p in docs.items()}
    files.update({f"pdf/{k}": p for k, p in zip(docs, pdfs)})
    return files


@pytest.fixture(scope="session")
def split_row_files(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Every padding of tests/extract/split_rows.py as .docx and LibreOffice PDF (one LibreOffice run)."""
    from tests.extract import split_rows

    _need_soffice()
    return split_rows.build(tmp_path_factory.mktemp("breaks"))


@pytest.fixture(scope="session")
def real_layout_files(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The layouts of tests/fixtures/real_layouts.py: ('docx' or 'pdf', name) → path."""
    from tests.fixtures import real_layouts as R

    _need_soffice()
    out = tmp_path_factory.mktemp("real")
    docs = {name: builder.write_docx(make(), out / f"{name}.docx") for name, make in R.DOCUMENTS.items()}
    pdfs = builder.soffice_convert(list(docs.values()), "pdf", out / "pdf")
    return {**{("docx", k): p for k, p in docs.items()}, **{("pdf", k): p for k, p in zip(docs, pdfs)}}


@pytest.fixture(scope="session")
def unseen_class_files(tmp_path_factory) -> dict[tuple[str, str, str], Path]:
    """The forms of tests/fixtures/unseen_classes.py in each of its variants: ('docx', 'pdf' or 'xlsx', family,
    variant) → path (narrative reports have no .xlsx)."""
    from tests.fixtures import families as F
    from tests.fixtures import unseen_classes as U

    _need_soffice()
    out = tmp_path_factory.mktemp("unseen")
    docs: dict[tuple[str, str], Path] = {}
    files: dict[tuple[str, str, str], Path] = {}
    for family, (form, render) in U.DOCUMENTS.items():
        for v in U.VARIANTS:
            blocks = render(form, v)
            docs[(family, v.name)] = F.write_variant(blocks, out / f"{family}-{v.name}.docx", v)
            if family != "narrative_web":
                files[("xlsx", family, v.name)] = U.write_form_xlsx(blocks, out / f"{family}-{v.name}.xlsx")
    pdfs = builder.soffice_convert(list(docs.values()), "pdf", out / "pdf")
    files.update({("docx", *k): p for k, p in docs.items()})
    files.update({("pdf", *k): p for k, p in zip(docs, pdfs)})
    return files


@pytest.fixture(scope="session")
def slow_pdf(seed_files, tmp_path_factory) -> Path:
    """The seed PDF six times over (66 pages, about half a second of reading): a file that is sure to
    outlast a time limit of 1 ms a page whatever the machine."""
    import subprocess

    out = tmp_path_factory.mktemp("slow") / "slow.pdf"
    subprocess.run(["pdfunite", *[str(seed_files["pdf-text"])] * 6, str(out)], check=True, timeout=120)
    return out
