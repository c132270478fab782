"""The blind check of issue 28: forms of the classes the reader had no fixture for (transfer-payment
forms, narrative reports, split score columns, level weights without 分, wrapped rows, page breaks that
repeat the left labels, fractional rates, county-level places of every kind, grades as printed), written
without reading the reader, as Word, LibreOffice PDF and xlsx. See tests/fixtures/blind_forms.py for
the forms and their truth and tests/fixtures/blind_score.py for how values are counted."""

from __future__ import annotations

import shutil

import pytest

from tests.fixtures import blind_score


@pytest.mark.slow
def test_blind_check(tmp_path):
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice is required to build the PDF forms: run .ci/run or apt-get install libreoffice-writer")
    scores, timing = blind_score.run(tmp_path)
    overall = blind_score.totals(scores)
    table = blind_score.report_text(scores, timing)
    assert overall.read_right_pct >= blind_score.READ_RIGHT_MIN and overall.stored_right_pct >= blind_score.STORED_RIGHT_MIN, table
