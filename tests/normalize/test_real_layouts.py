"""Forms built after layouts other provinces really published (../shared/REAL_LAYOUTS.md), read from
Word and from LibreOffice PDFs: every figure right, and what the layout makes uncertain left NULL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_file
from tests.fixtures import real_layouts as R

FORMATS = ("docx", "pdf")


@pytest.fixture(scope="module")
def files(real_layout_files):
    return real_layout_files


@pytest.fixture(scope="module")
def read(files):
    cache = {}

    def get(fmt: str, name: str):
        if (fmt, name) not in cache:
            result = read_file(files[(fmt, name)])
            assert result.status == "ok", result.error
            cache[(fmt, name)] = result
        return cache[(fmt, name)]

    return get


def _rules(report) -> set[str]:
    return {f.rule for f in report.findings}


@pytest.mark.parametrize("fmt", FORMATS)
def test_jishan_county_title_merged_amount_and_numbered_indicators(read, fmt):
    (r,) = read(fmt, "x07_jishan").reports
    assert (r.template, r.fiscal_year, r.region) == ("national_project", 2021, "稷山县")
    assert (r.project_name, r.department, r.implementing_unit) == ("国家基本公共卫生服务", "稷山县卫生健康和体育局", "稷山县翟店镇卫生院")
    # one amount in a cell merged over 全年预算数 and 全年执行数: which it is cannot be told
    assert r.budget_initial_yuan == Decimal("0.00")
    assert r.budget_adjusted_yuan is None and r.spent_yuan is None
    assert "value_ambiguous" in _rules(r)
    assert r.execution_rate_pct == Decimal("100.00") and (r.execution_score, r.execution_score_max) == (Decimal("10"), Decimal("10"))
    names = [i.name for i in r.indicators]
    assert names[:3] == ["居民健康档案", "发放健康教育资料", "播放健康教育音像资料"]  # 「指标1:」 is no part of a name
    assert len(r.indicators) == 8  # 「指标9:」 and 「指标10:/」 were left unfilled: not indicators
    first = r.indicators[1]
    assert (first.level1, first.level2, first.target, first.actual, first.weight, first.score) == (
        "产出指标",
        "数量指标",
        "不少于12 种",
        "14种",
        Decimal("1"),
        Decimal("1"),
    )
    assert (r.score_total, r.score_max) == (Decimal("97.7"), Decimal("100"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_chongqing_department_form_flat_indicators(read, fmt):
    (r,) = read(fmt, "x08_chongqing").reports
    assert r.scope == "department" and r.fiscal_year == 2021
    assert r.project_name == r.department == r.implementing_unit == "重庆科学城融媒体中心"
    assert r.score_total == Decimal("97.6")  # stated in the head, outside the indicator table
    assert (r.budget_initial_yuan, r.budget_adjusted_yuan, r.spent_yuan) == (Decimal("5000000.00"), Decimal("5200000.00"), Decimal("3952000.00"))
    assert r.execution_rate_pct == Decimal("76.00")
    assert (r.execution_score, r.execution_score_max) == (Decimal("7.6"), Decimal("10"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in r.indicators]
    assert got == [
        (None, None, "新闻稿件发布数量", "≥1000篇", "1230篇", Decimal("10"), Decimal("10")),
        (None, None, "党性教育培训次数", "≥6次", "12次", Decimal("5"), Decimal("5")),
        (None, None, "政府采购执行率", "100%", "72.74%", Decimal("5"), Decimal("5")),
        (None, None, "宣传报道质量", "优良", "优良", Decimal("10"), Decimal("10")),
    ]  # 得分系数 100% is no completion value


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name, kind", [("x09_guangshui", "常年性"), ("x10_guangshui", None)])
def test_guangshui_sources_as_columns_review_column_and_four_levels(read, fmt, name, kind):
    (r,) = read(fmt, name).reports
    assert r.region == "广水市" and r.fiscal_year is None  # the form states no year; 填报日期 2022 is not one
    assert r.project_kind == kind  # ticked after the option, or its tick lost: then unknown, never the first option
    assert r.score_total == Decimal("98")  # 自评总分 written above the table
    assert (r.budget_initial_yuan, r.spent_yuan, r.execution_rate_pct) == (Decimal("3090000.00"), Decimal("3090000.00"), Decimal("100.00"))
    by_source = {f.source: f.budget_initial_yuan for f in r.funding}
    assert by_source == {"own_level": Decimal("3090000.00"), "total": Decimal("3090000.00")}  # 309 under 本级, not 中央
    got = [(i.level1, i.level2, i.name, i.weight, i.score) for i in r.indicators]
    assert got[:2] == [("项目决策", None, "决策依据", Decimal("2"), Decimal("2")), ("项目管理", None, "财务制度", Decimal("3"), Decimal("3"))]
    assert got[5:] == [
        ("产出指标", "数量指标", "乡村道路建设养护里程", None, Decimal("15")),
        ("产出指标", "质量指标", "验收合格率", None, Decimal("12")),
        ("产出指标", "时效指标", "按期完工率", None, Decimal("6")),
        ("产出指标", "成本指标", "每公里养护成本", None, Decimal("7")),
        ("效益指标", "社会效益指标", "群众出行条件", None, Decimal("44")),
    ]
    assert all(i.score is not None for i in r.indicators)  # the empty 复核分 never overwrites 自评分
    weights = {(g.level, g.level1, g.level2): g.weight for g in r.indicator_groups}
    assert weights[(1, "项目管理", None)] == Decimal("13") and weights[(2, "产出指标", "数量指标")] == Decimal("15")


@pytest.mark.parametrize("fmt", FORMATS)
def test_huanggang_traditional_characters_and_wan_in_cells(read, fmt):
    result = read(fmt, "x11_huanggang")
    (r,) = result.reports  # the report part before the form holds no form of its own
    assert (r.template, r.fiscal_year, r.region) == ("score_20_80", 2020, "黃岡市")
    assert r.project_name == "檔案專項經費" and r.implementing_unit == "黃岡市檔案館"  # text as written
    assert (r.budget_adjusted_yuan, r.spent_yuan) == (Decimal("100000.00"), Decimal("100000.00"))  # 「10萬」 under 萬元: 10 万, not 10^9
    assert r.execution_rate_pct == Decimal("100.00") and (r.execution_score, r.execution_score_max) == (Decimal("20"), Decimal("20"))
    assert r.project_kind is None  # the option rows' ticks were lost
    assert [(i.level1, i.level2, i.name) for i in r.indicators][:2] == [
        ("產出指標", "數量指標", "檔案數字化頁數"),
        ("產出指標", "質量指標", "數字化合格率"),
    ]
    assert (r.score_total, r.score_max) == (Decimal("100"), Decimal("100"))
    assert not [f for f in r.findings if f.severity == "warning"], r.findings


@pytest.mark.parametrize("fmt", FORMATS)
def test_hubei_digits_removed_two_ticked_rows_note_in_score_cell(read, fmt):
    (r,) = read(fmt, "x12_hubei").reports
    assert r.fiscal_year is None and r.score_total is None  # 「…年」 and 「总分: 分」 lost their digits
    assert r.region == "湖北省"  # from the department's name: 湖北工程学院 names no place
    assert r.project_kind == "新增性项目"  # 项目属性 and 项目类型 are both ticked: each is its own group
    assert r.funding == [] and r.budget_adjusted_yuan is None
    first = r.indicators[0]
    assert (first.level1, first.level2, first.name, first.score) == ("产出指标", "数量", "国家奖学金人数", None)
    assert first.note == "因全校总人数减少,总指标数减少,但奖励、资助比例没减少"
    last = r.indicators[-1]
    assert (last.level1, last.name, last.target, last.actual) == ("过程指标", "评审程序是否公正", "是", "是")
    assert all(i.weight is None for i in r.indicators)  # no 分值 column and no digits in the level cells


@pytest.mark.parametrize("fmt", FORMATS)
def test_yueyang_department_report_counts_are_not_money(read, fmt):
    (r,) = read(fmt, "x14_yueyang").reports
    assert (r.template, r.scope, r.fiscal_year, r.region) == ("narrative_only", "department", 2018, "岳阳市")
    assert r.project_name == r.department == "岳阳市城市管理监督指挥中心"
    assert r.project_code is None  # 预算编码 906017 is the unit's budget code
    assert (r.budget_initial_yuan, r.spent_yuan, r.execution_rate_pct) == (Decimal("3568000.00"), Decimal("3421000.00"), Decimal("95.88"))
    assert r.funding == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_scoring_criteria_form_without_money_is_a_report(read, fmt):
    (r,) = read(fmt, "criteria").reports
    assert r.template == "scoring_criteria" and r.fiscal_year == 2022
    assert [(i.level1, i.level2, i.name, i.weight, i.score) for i in r.indicators] == [
        ("决策", "项目立项", "立项依据充分性", Decimal("5"), Decimal("5")),
        ("决策", "绩效目标", "绩效目标合理性", Decimal("5"), Decimal("4")),
        ("过程", "资金管理", "资金使用合规性", Decimal("10"), Decimal("10")),
    ]
    assert (r.score_total, r.score_max) == (Decimal("19"), Decimal("20"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_layouts_are_understood(read, fmt):
    """Coverage: what the reader understood of each real layout, so a regression shows as a number."""
    for name in R.DOCUMENTS:
        result = read(fmt, name)
        assert result.coverage_pct is not None and result.coverage_pct >= Decimal(85), (name, result.coverage.unread)
