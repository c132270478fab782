"""An archive for the review desk: a PDF (values with their cells' boxes), Word files over three
years and two units (values found on the converted pages by their text), a report whose rate
contradicts its figures (findings to triage), and a file that cannot be read."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from jixiao.base.i18n import set_language
from jixiao.cli import main
from tests.fixtures import builder
from tests.fixtures import families as F


def planted_seed() -> dict:
    """The seed with a 支出率 that 94.44 ÷ 127 does not give: the rules find it."""
    data = copy.deepcopy(builder.load_seed())
    data["funding"][1][1][6] = "80.00%"
    return data


@pytest.fixture(scope="session")
def desk_archive(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice is required to build the desk's fixtures: run .ci/run or apt-get install libreoffice-writer")
    folder = tmp_path_factory.mktemp("desk_archive")
    for name, blocks in F.cross_year_archive().items():
        if name != "2021_city_management.docx":  # the planted PDF below is that year's report
            builder.write_docx(blocks, folder / name)
    work = tmp_path_factory.mktemp("desk_work")
    docx = builder.build_seed(work, data=planted_seed(), name="2021_planted")
    [pdf] = builder.soffice_convert([docx], "pdf", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    builder.write_docx(F.meeting_notice(), folder / "notice.docx")  # readable, and no report
    assert pdf.parent == folder
    return folder


@pytest.fixture(scope="session")
def desk_ingested(desk_archive, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("desk_db") / "desk.duckdb"
    run = CliRunner().invoke(main, ["ingest", str(desk_archive), "--db", str(db)])
    assert run.exit_code == 1, run.output  # 1: one file failed, the rest stored
    return db


@pytest.fixture()
def desk_db(desk_ingested, tmp_path) -> Path:
    """A copy of the ingested desk archive for each test (corrections and reviews change it)."""
    db = tmp_path / "desk.duckdb"
    shutil.copyfile(desk_ingested, db)
    return db


@contextmanager
def in_chinese() -> Iterator[None]:
    """Pages rendered meanwhile are in Chinese, as a Chinese reader sees them (the tests read English)."""
    set_language("zh")
    try:
        yield
    finally:
        set_language("en")


@pytest.fixture()
def chinese() -> Iterator[None]:
    """The whole test reads the desk in Chinese."""
    with in_chinese():
        yield
