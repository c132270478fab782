"""Every indicator of the seed and of each layout family, read from Word and from its LibreOffice PDF in every
variant: its kind, its target and actual as values, and whether the target was met by which rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.base.labels import simplified
from jixiao.ingest.reading import read_file
from tests.fixtures import families as F
from tests.fixtures import unseen_classes as U

D = Decimal
# name → (kind, target (op, value, high, unit, grade), actual (op, value, high, unit, grade), met, met_rule)
N = (None, None, None, None, None)


def q(op, value, unit, high=None):
    return (op, D(value), None if high is None else D(high), unit, None)


def g(grade):
    return (None, None, None, None, grade)


EXPECTED = {
    "national_project": {
        "新建公共服务站点数": ("quantity", q("≥", 10, "个"), q("=", 12, "个"), True, "at_least"),
        "培训人次": ("quantity", q("≥", 500, "人次"), q("=", 480, "人次"), False, "at_least"),
        "验收合格率": ("pass_rate", q("=", 100, "%"), q("=", 100, "%"), True, "equal"),
        "完成及时率": ("timeliness", q("≥", 95, "%"), q("=", 96, "%"), True, "at_least"),
        "群众办事便利度": ("social_benefit", g("显著提升"), g("显著提升"), True, "grade_rank"),
        "服务覆盖人口": ("coverage", q("≥", 100000, "人"), q("=", 110000, "人"), True, "at_least"),
        "群众满意度": ("satisfaction", q("≥", 90, "%"), q("=", 95, "%"), True, "at_least"),
    },
    "national_department": {
        "重点工作完成数": ("quantity", q("≥", 8, "项"), q("=", 9, "项"), True, "at_least"),
        "工作达标率": ("pass_rate", q("=", 100, "%"), q("=", 98, "%"), False, "equal_or_more"),
        "辖区群众获得感": ("social_benefit", g("提升"), g("提升"), True, "grade_rank"),
        "群众满意度": ("satisfaction", q("≥", 90, "%"), q("=", 93, "%"), True, "at_least"),
    },
    "provincial_10_90": {  # operator and unit in columns of their own (指标性质, 度量单位)
        "保障在职教职工人数": ("quantity", q("≥", 120, "人"), q("=", 123, "人"), True, "at_least"),
        "工资按时发放率": ("timeliness", q("=", 100, "%"), q("=", 100, "%"), True, "equal"),
        "教职工队伍稳定": ("social_benefit", g("稳定"), g("稳定"), True, "grade_rank"),
        "教职工满意度": ("satisfaction", q("≥", 90, "%"), q("=", 88, "%"), False, "at_least"),
    },
    "score_20_80": {
        "主干道维护里程": ("quantity", q("≥", 30, "公里"), q("=", 31, "公里"), True, "at_least"),
        "支路维护里程": ("quantity", q("≥", 20, "公里"), q("=", 21, "公里"), True, "at_least"),
        "设施完好率": ("pass_rate", q("≥", 95, "%"), q("=", 93, "%"), False, "at_least"),
        "通行满意度提升": ("satisfaction", g("提升"), g("提升"), True, "grade_rank"),
        "市民满意度": ("satisfaction", q("≥", 90, "%"), q("=", 92, "%"), True, "at_least"),
    },
}
UNSEEN = {
    "transfer_payment": {
        "城镇新增就业人数": ("quantity", q("≥", 12000, "人"), q("=", 13500, "人"), True, "at_least"),
        "职业技能培训人次": ("quantity", q("≥", 3000, "人次"), q("=", 3426, "人次"), True, "at_least"),
        "城镇登记失业率": ("incident_rate", q("≤", "4.5", "%"), q("=", "3.2", "%"), True, "at_most"),
        "补贴资金发放及时率": ("timeliness", q("≥", 95, "%"), q("=", 92, "%"), False, "at_least"),
        "重点群体就业帮扶": ("social_benefit", N, N, None, "target_unread"),  # 有效帮扶: no scale's word, not guessed
        "就业形势": ("sustainability", g("稳定"), g("稳定"), True, "grade_rank"),
        "享受补贴人员满意度": ("satisfaction", q("≥", 90, "%"), q("=", 96, "%"), True, "at_least"),
    },
    "transfer_pairs": {
        "改造校舍面积": ("quantity", q("≥", 15000, "平方米"), q("=", 16200, "平方米"), True, "at_least"),
        "工程验收合格率": ("pass_rate", q("=", 100, "%"), q("=", 100, "%"), True, "equal"),
        "项目按期完成率": ("timeliness", q("≥", 95, "%"), q("=", 92, "%"), False, "at_least"),
        "办学条件改善": ("social_benefit", g("显著提升"), g("显著提升"), True, "grade_rank"),
        "师生满意度": ("satisfaction", q("≥", 90, "%"), q("=", "94.5", "%"), True, "at_least"),
    },
}
# The seed's form has no actual column: its 目标值 is the points, and whether a target was met cannot be told
SEED_KINDS = {
    "项目立项规范性": "planning",
    "绩效目标合理性": "planning",
    "绩效指标明确性": "planning",
    "资金到位率": "funds_in_place",
    "到位及时率": "funds_in_place",
    "管理制度健全性": "management",
    "制度执行有效性": "management",
    "项目质量可控性": "management",
    "资金使用合规性": "management",
    "财务监控有效性": "management",
    "个性指标": "individual",
}

CASES = [(fmt, fam, v.name) for fam in EXPECTED for v in F.VARIANTS for fmt in ("docx", "pdf")]


def _values(i, side: str) -> tuple:
    return tuple(getattr(i, f"{side}_{c}") for c in ("op", "value", "value_high", "unit", "grade"))


@pytest.fixture(scope="module")
def read(family_reads):
    return family_reads


@pytest.mark.parametrize("fmt, family, variant", CASES)
def test_every_indicator_of_each_family_as_values(read, fmt, family, variant):
    (report,) = read(f"{fmt}/{family}/{variant}").reports
    expected = EXPECTED[family]
    assert [i.name for i in report.indicators] == list(expected)
    for i in report.indicators:
        kind, target, actual, met, rule = expected[i.name]
        assert (i.kind, _values(i, "target"), _values(i, "actual"), i.met, i.met_rule) == (kind, target, actual, met, rule), i.name


UNSEEN_CASES = [(fmt, fam, v.name) for fam in UNSEEN for v in U.VARIANTS for fmt in ("docx", "pdf", "xlsx")]


@pytest.mark.parametrize("fmt, family, variant", UNSEEN_CASES)
def test_every_indicator_of_the_transfer_payment_forms_as_values(unseen_class_reads, fmt, family, variant):
    """Word, PDF and xlsx, traditional characters and 度量单位 columns included: names are compared simplified."""
    (report,) = unseen_class_reads((fmt, family, variant)).reports
    expected = UNSEEN[family]
    assert [simplified(i.name) for i in report.indicators] == list(expected)
    for i in report.indicators:
        kind, target, actual, met, rule = expected[simplified(i.name)]
        assert (i.kind, _values(i, "target"), _values(i, "actual"), i.met, i.met_rule) == (kind, target, actual, met, rule), i.name


@pytest.mark.parametrize("key", ["docx-text", "pdf-text", "docx-wingdings", "pdf-sdt"])
def test_every_indicator_of_the_seed_as_values(seed_files, key):
    (report,) = read_file(seed_files[key]).reports
    assert [i.name for i in report.indicators] == [
        "项目立项规范性",
        "绩效目标合理性",
        "绩效指标明确性",
        "资金到位率",
        "到位及时率",
        "管理制度健全性",
        "制度执行有效性",
        "项目质量可控性",
        "管理制度健全性",
        "资金使用合规性",
        "财务监控有效性",
        "个性指标",
    ]
    for i in report.indicators:
        assert i.kind == SEED_KINDS[i.name]
        assert _values(i, "target") == ("=", i.weight, None, None, None)  # 目标值 4 beside 权重 4.00
        assert _values(i, "actual") == N
        assert (i.met, i.met_rule) == (None, "no_actual")


def test_the_narrative_family_in_items_of_their_kinds(read):
    (report,) = read("docx/narrative_only/plain").reports
    assert [(n.kind, n.heading, n.text) for n in report.narrative_items] == [
        (None, "一、项目概况", F.NARRATIVE["paragraphs"][1]),
        (None, "二、项目资金使用及管理情况", F.NARRATIVE["paragraphs"][3]),
        (None, "二、项目资金使用及管理情况", F.NARRATIVE["paragraphs"][4]),
        ("achievement", "三、绩效目标完成情况", F.NARRATIVE["paragraphs"][6]),
        ("problem", "四、存在的问题及改进措施", F.NARRATIVE["paragraphs"][8]),
    ]
    assert report.narrative_items[-1].topic == "aging_equipment"


def test_the_seeds_narrative_and_form_text_in_items(seed_files):
    (report,) = read_file(seed_files["docx-text"]).reports
    items = report.narrative_items
    achieved = [n for n in items if n.heading == "五、项目资金绩效完成情况。"]
    assert [n.number for n in achieved] == ["1、", "2、", "3、", "4、", "5、"] and {n.kind for n in achieved} == {"achievement"}
    assert achieved[0].text.startswith("针对省市下放的三批次300件")
    outputs = [n for n in items if n.heading == "项目实际产出"]  # the form's own cell, split at its numbers
    assert [n.number for n in outputs] == ["1、", "2、", "3、", "4、", "5、"] and outputs[0].section_seq is None
    benefits = [n for n in items if n.heading == "项目实际效益"]
    assert [(n.number, n.kind) for n in benefits] == [("一、", "achievement"), ("二、", "achievement")]
    assert [n.kind for n in items if n.heading == "七、其他需要说明的问题"] == [None]
    assert [n.seq for n in items] == list(range(1, len(items) + 1))
