"""Every layout family read exactly from .docx and from its LibreOffice PDF, in every variant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fixtures import families as F

TABLE_FAMILIES = ["national_project", "national_department", "provincial_10_90", "score_20_80"]
CASES = [(fmt, fam, v.name) for fam in F.FAMILY_DOCUMENTS for v in F.VARIANTS for fmt in ("docx", "pdf")]


def _dec(value):
    return None if value is None else Decimal(value)


@pytest.fixture(scope="module")
def read(family_reads):
    return family_reads


@pytest.mark.parametrize("fmt, family, variant", CASES)
def test_report_columns(read, fmt, family, variant):
    result = read(f"{fmt}/{family}/{variant}")
    assert result.status == "ok", result.error
    (report,) = result.reports
    expect = F.FAMILY_DOCUMENTS[family][0]["expect"]
    assert report.template == expect["template"] == family
    assert report.fiscal_year == expect["fiscal_year"]
    assert report.project_name == expect["project_name"]
    for key in ("scope", "project_code", "department", "implementing_unit", "grade", "region", "project_kind"):
        if key in expect:
            assert getattr(report, key) == expect[key], key
    for key in (
        "budget_initial_yuan",
        "budget_adjusted_yuan",
        "spent_yuan",
        "execution_rate_pct",
        "execution_score",
        "execution_score_max",
        "score_total",
        "score_max",
    ):
        if key in expect:
            assert getattr(report, key) == _dec(expect[key]), key
    assert not [f for f in report.findings if f.severity != "info"], report.findings


@pytest.mark.parametrize("fmt, family, variant", [c for c in CASES if c[1] in TABLE_FAMILIES])
def test_money_and_indicator_rows(read, fmt, family, variant):
    (report,) = read(f"{fmt}/{family}/{variant}").reports
    expect = F.FAMILY_DOCUMENTS[family][0]["expect"]
    assert len(report.funding) == expect["n_funding"]  # rows left empty (其他资金 …) are not stored
    assert len(report.indicators) == expect["n_indicators"]
    assert sum(i.weight for i in report.indicators) == Decimal(expect["indicator_weights"])
    assert [i.seq for i in report.indicators] == list(range(1, expect["n_indicators"] + 1))
    if "first_indicator" in expect:
        i = report.indicators[0]
        l1, l2, name, target, actual, weight, score = expect["first_indicator"]
        assert (i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) == (l1, l2, name, target, actual, Decimal(weight), Decimal(score))
    if "fiscal_row" in expect:
        source, initial, adjusted, spent, rate = expect["fiscal_row"]
        row = next(r for r in report.funding if r.source == source)
        assert (row.budget_initial_yuan, row.budget_adjusted_yuan, row.spent_yuan, row.execution_rate_pct) == (
            _dec(initial),
            _dec(adjusted),
            _dec(spent),
            _dec(rate),
        )
    if "groups" in expect:  # weights written inside labels: 产出指标(50分)
        groups = {g.level1: g.weight for g in report.indicator_groups if g.level == 1}
        assert groups == {k: Decimal(v) for k, v in expect["groups"].items()}
        assert {i.level1 for i in report.indicators} == set(expect["groups"])
    if "breakdowns" in expect:
        assert {r.source: r.breakdown for r in report.funding} == expect["breakdowns"]
    if "leaf_names" in expect:  # numbered sub-items replace the 三级指标 they add up to
        assert [i.name for i in report.indicators] == expect["leaf_names"]
    if "sub_items" in expect:  # …which is kept as a level-3 group its sub-items point to
        groups = {g.name: (g.weight, g.score) for g in report.indicator_groups if g.level == 3}
        assert groups == {k: (Decimal(w), Decimal(sc)) for k, (w, sc, _) in expect["sub_items"].items()}
        children = {k: subs for k, (_, _, subs) in expect["sub_items"].items()}
        assert {k: [i.name for i in report.indicators if i.parent == k] for k in children} == children
        assert all(i.parent is None for i in report.indicators if not any(i.name in subs for subs in children.values()))
    if "project_category" in expect:
        category = next(f.value for f in report.fields if f.key == "project_category")
        from jixiao.normalize.checkbox import ticked_option

        assert ticked_option(category) == expect["project_category"]


@pytest.mark.parametrize("fmt, variant", [(fmt, v.name) for v in F.VARIANTS for fmt in ("docx", "pdf")])
def test_narrative_only(read, fmt, variant):
    (report,) = read(f"{fmt}/narrative_only/{variant}").reports
    expect = F.NARRATIVE["expect"]
    assert {f.key: f.value for f in report.facts} == {k: Decimal(v) for k, v in expect["facts"].items()}
    assert [s.heading for s in report.sections] == expect["headings"]
    assert report.funding == [] and report.indicators == []


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_bundle_yields_one_report_per_form_in_order(read, fmt):
    result = read(f"{fmt}/bundle")
    forms = F.bundle_forms()
    assert result.n_reports == 3
    assert [r.project_name for r in result.reports] == [f["project_name"] for f in forms]
    assert [r.spent_yuan for r in result.reports] == [Decimal(f["expect"]["spent_yuan"]) for f in forms]
    assert all(r.template == "national_project" and r.fiscal_year == 2022 for r in result.reports)
    assert all(len(r.indicators) == 7 for r in result.reports)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_meeting_notice_is_not_a_report(read, fmt):
    result = read(f"{fmt}/notice")
    assert result.status == "not_report" and result.reports == [] and result.error is None


def test_code_prefixed_unit_stays_as_written(read):
    (report,) = read("pdf/national_project/plain").reports
    assert report.department == "219-某某镇人民政府" and report.project_code is None
