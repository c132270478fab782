"""The layouts of issue 28 read exactly from Word, LibreOffice PDF and xlsx, in several variants each
(tests/fixtures/unseen_classes.py): transfer-payment forms, their money as label/value pairs, narrative
reports published as web pages — with fraction rates, split score columns, level weights without 分,
wrapped notes, page breaks that print the level labels again, 行次/列次 rows, grades as printed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.base.labels import simplified
from tests.fixtures import unseen_classes as U

CASES = [
    (fmt, family, v.name)
    for family in U.DOCUMENTS
    for v in U.VARIANTS
    for fmt in ("docx", "pdf", "xlsx")
    if not (fmt == "xlsx" and family == "narrative_web")
]
TEXT = ("template", "scope", "region", "project_name", "department", "implementing_unit", "grade")
FIGURES = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct", "score_total", "score_max")


def _text(value):
    return simplified(value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def read(unseen_class_reads):
    return unseen_class_reads


@pytest.mark.parametrize("fmt, family, variant", CASES)
def test_report_columns(read, fmt, family, variant):
    result = read((fmt, family, variant))
    assert result.status == "ok", result.error
    (report,) = result.reports
    expect = U.DOCUMENTS[family][0]["expect"]
    assert report.fiscal_year == expect["fiscal_year"]
    for key in TEXT:
        if key in expect:
            assert _text(getattr(report, key)) == expect[key], key  # as written: traditional where the copy is
    for key in FIGURES:
        assert getattr(report, key) == (Decimal(expect[key]) if key in expect else None), key
    assert not [f for f in report.findings if f.severity != "info"], report.findings
    assert result.coverage.pct == Decimal(100), result.coverage.unread


@pytest.mark.parametrize("fmt, family, variant", [c for c in CASES if c[1] != "narrative_web"])
def test_money_and_indicator_rows(read, fmt, family, variant):
    (report,) = read((fmt, family, variant)).reports
    expect = U.DOCUMENTS[family][0]["expect"]
    if "funding" in expect:  # by source, 年初预算数 | 全年预算数（A） | 全年执行数（B） | 执行率, whatever the header or the rates' writing
        got = {r.source: (r.budget_initial_yuan, r.budget_adjusted_yuan, r.spent_yuan, r.execution_rate_pct) for r in report.funding}
        assert got == {k: tuple(Decimal(x) for x in v) for k, v in expect["funding"].items()}
    if "n_funding" in expect:  # label/value pairs: the report's money, no funding rows
        assert len(report.funding) == expect["n_funding"]
    assert len(report.indicators) == expect["n_indicators"]
    assert [i.seq for i in report.indicators] == list(range(1, expect["n_indicators"] + 1))
    assert sum(i.weight for i in report.indicators) == Decimal(expect["indicator_weights"])
    i = report.indicators[0]
    l1, l2, name, target, actual, weight, score = expect["first_indicator"]
    assert (_text(i.level1), _text(i.level2), _text(i.name), _text(i.target), _text(i.actual), i.weight, i.score) == (
        l1,
        l2,
        name,
        target,
        actual,
        Decimal(weight),
        Decimal(score),
    )
    assert all(i.score is not None and i.name for i in report.indicators)  # the self-evaluation's score, never the review's
    if "groups" in expect:  # level weights with or without 分
        assert {_text(g.level1): g.weight for g in report.indicator_groups if g.level == 1} == {k: Decimal(v) for k, v in expect["groups"].items()}
    if "note" in expect:  # a note wrapping onto a row of its own is one note
        name, note = expect["note"]
        assert [_text(i.note) for i in report.indicators if _text(i.name) == name] == [note]
