"""Layout mutation: every family fixture, laid out in ways real archives show, reads as its original.

Hypothesis draws the mutants (tests/normalize/mutation.py) with a fixed seed: JIXIAO_MUTANTS of them
per run (300 in CI; raise it for a longer hunt by hand, e.g. JIXIAO_MUTANTS=3000). Each is written as
.docx and read; hypothesis shrinks a failing one to the smallest layout change that breaks the read.
Then every mutant is exported to PDF by LibreOffice (in batches: a start costs ~1 s) and read again.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from jixiao.ingest.reading import read_file
from tests.fixtures import builder
from tests.fixtures.forms import Variant
from tests.helpers import backend_differences

from .mutation import FAMILIES, differences, mutants, records, render

pytestmark = [pytest.mark.slow]

N_MUTANTS = int(os.environ.get("JIXIAO_MUTANTS", "300"))


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """Each family's records as read from its plain layout."""
    out = tmp_path_factory.mktemp("originals")
    return {family: records(read_file(render(family, Variant(), out / f"{family}.docx"))) for family in FAMILIES}


@pytest.fixture(scope="module")
def docx_mutants(originals, tmp_path_factory):
    """Draw the mutants, check each .docx against its original (hypothesis shrinks a failure), and
    return them for the PDF pass."""
    out = tmp_path_factory.mktemp("mutants")
    made: list[tuple[str, Variant, object]] = []

    @settings(max_examples=N_MUTANTS, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutant=mutants())
    def reads_like_its_original(mutant):
        family, v = mutant
        path = render(family, v, out / f"m{len(made):05d}.docx")
        problems = differences(records(read_file(path)), originals[family])
        assert not problems, f"{family} laid out as {v}:\n" + "\n".join(problems)
        made.append((family, v, path))

    reads_like_its_original()
    return made


def test_docx_mutants_read_like_their_originals(docx_mutants):
    assert len(docx_mutants) >= N_MUTANTS
    assert {family for family, _, _ in docx_mutants} == set(FAMILIES)
    drawn = {(v.split, v.part_titles, v.traditional, v.checkbox, v.unit) for _, v, _ in docx_mutants}
    assert len(drawn) > 50  # the draws vary the layout, not one knob


@pytest.fixture(scope="module")
def mutant_pdfs(docx_mutants, tmp_path_factory):
    return builder.soffice_convert([path for _, _, path in docx_mutants], "pdf", tmp_path_factory.mktemp("mutant_pdfs"))


def test_pdf_mutants_read_like_their_originals(docx_mutants, mutant_pdfs, originals):
    pdfs = mutant_pdfs
    failures = []
    for (family, v, _), pdf in zip(docx_mutants, pdfs):
        problems = differences(records(read_file(pdf)), originals[family])
        if problems:
            failures.append(f"{pdf.name}: {family} laid out as {v}:\n  " + "\n  ".join(problems[:5]))
    assert not failures, f"{len(failures)} of {len(pdfs)} PDF mutants differ:\n" + "\n".join(failures[:10])


def test_pdf_mutants_read_alike_by_pdfium_and_pdfplumber(mutant_pdfs):
    problems = [p for pdf in mutant_pdfs for p in backend_differences(pdf)]
    assert not problems, f"{len(problems)} differences between the PDF backends:\n" + "\n".join(problems[:10])
