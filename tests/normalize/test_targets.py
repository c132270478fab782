"""Targets and results as offices write them, read into values and written back: every form of operator,
number and unit that comes out of the generator must read as the value it was made from, and a value
written back must read as itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.normalize.kinds import default_taxonomy
from jixiao.normalize.parts import heading_kinds, problem_topic, split_items
from jixiao.normalize.targets import Value, format_value, grades, judge, parse_value

# unit as written → (unit stored, factor)
UNITS = {
    "%": ("%", 1),
    "元": ("yuan", 1),
    "万元": ("yuan", 10000),
    "天": ("天", 1),
    "个": ("个", 1),
    "人次": ("人次", 1),
    "公里": ("公里", 1),
    "万人": ("人", 10000),
    "项": ("项", 1),
    "": (None, 1),
}
# how offices say each operator: {n} the number with its unit
FORMS = {
    "≥": [
        "≥{n}",
        "＞＝{n}",
        ">={n}",
        "≧{n}",
        "不低于{n}",
        "不少于{n}",
        "不小于{n}",
        "大于等于{n}",
        "至少{n}",
        "{n}以上",
        "{n}及以上",
        "达到{n}以上",
        "达到{n}",
    ],
    "≤": ["≤{n}", "＜＝{n}", "<={n}", "不高于{n}", "不超过{n}", "不多于{n}", "{n}以内", "{n}以下", "{n}内", "控制在{n}以内", "控制在{n}"],
    ">": ["＞{n}", ">{n}", "大于{n}", "超过{n}", "高于{n}"],
    "<": ["＜{n}", "<{n}", "小于{n}", "低于{n}"],
    "≈": ["约{n}", "{n}左右", "约{n}左右", "≈{n}", "大约{n}"],
    "=": ["{n}", "＝{n}", "={n}", "等于{n}"],
}
RANGES = ["{a}{u}-{b}{u}", "{a}-{b}{u}", "{a}{u}～{b}{u}", "{a}{u}~{b}{u}", "{a}{u}至{b}{u}", "{a}{u}到{b}{u}", "{a}{u}—{b}{u}"]
FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")

numbers = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999"), places=2, allow_nan=False, allow_infinity=False)


def _written(n: Decimal, style: str) -> str:
    text = format(n.normalize(), "f")
    if style == "thousands" and n == n.to_integral_value() and n >= 1000:
        text = f"{int(n):,}"
    return text.translate(FULL_WIDTH) if style == "full" else text


@given(
    op=st.sampled_from(list(FORMS)),
    n=numbers,
    unit=st.sampled_from(list(UNITS)),
    data=st.data(),
    style=st.sampled_from(["plain", "full", "thousands"]),
    spaced=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_an_office_written_target_reads_as_its_value_and_round_trips(op, n, unit, data, style, spaced):
    form = data.draw(st.sampled_from(FORMS[op]))
    text = form.format(n=_written(n, style) + (" " if spaced and unit else "") + unit)
    stored, factor = UNITS[unit]
    value = parse_value(text)
    assert value == Value(op, n * factor, None, stored), text
    assert parse_value(format_value(value)) == value


@given(a=numbers, width=numbers, unit=st.sampled_from([u for u in UNITS if u]), data=st.data())
@settings(max_examples=200, deadline=None)
def test_a_range_reads_as_its_bounds_and_round_trips(a, width, unit, data):
    b = a + width
    form = data.draw(st.sampled_from(RANGES))
    text = form.format(a=_written(a, "plain"), b=_written(b, "plain"), u=unit)
    stored, factor = UNITS[unit]
    value = parse_value(text)
    assert value == Value("range", a * factor, b * factor, stored), text
    assert parse_value(format_value(value)) == value


@given(word=st.sampled_from(sorted(grades())), tail=st.sampled_from(["", "。"]))
def test_a_qualitative_word_reads_as_its_grade_and_round_trips(word, tail):
    value = parse_value(word + tail)
    assert value == Value(grade=grades()[word].grade)
    assert parse_value(format_value(value)) == value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("≥95%", Value("≥", Decimal(95), None, "%")),
        ("95%以上", Value("≥", Decimal(95), None, "%")),
        ("不低于95%", Value("≥", Decimal(95), None, "%")),
        ("3天内", Value("≤", Decimal(3), None, "天")),
        ("100万元以内", Value("≤", Decimal(1000000), None, "yuan")),
        ("90%-95%", Value("range", Decimal(90), Decimal(95), "%")),
        ("≥1.2万人", Value("≥", Decimal(12000), None, "人")),
        ("≥10萬頁", Value("≥", Decimal(100000), None, "页")),
        ("≤1.1万元", Value("≤", Decimal(11000), None, "yuan")),
        ("≥5640元/人·年", Value("≥", Decimal(5640), None, "yuan/人·年")),
        ("2万元/公里", Value("=", Decimal(20000), None, "yuan/公里")),
        ("≥1.5万平方米", Value("≥", Decimal(15000), None, "平方米")),
        ("5个工作日", Value("=", Decimal(5), None, "工作日")),
        ("明显提升", Value(grade="显著提升")),
        ("有所改善", Value(grade="有所提升")),
        ("合格", Value(grade="中")),
    ],
)
def test_forms_offices_write(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    "text", ["", "—", "/", "无", "≥", "2022年12月31日前", "按要求完成各项工作任务", "≥95%（抽查）", "不低于95%以内", "95%-90%", "12:30"]
)
def test_what_is_no_value_stays_none(text):
    assert parse_value(text) is None


@pytest.mark.parametrize(
    "target, actual, direction, met, rule",
    [
        ("≥95%", "96%", None, True, "at_least"),
        ("≥500人次", "480人次", None, False, "at_least"),
        ("≤3天", "2天", None, True, "at_most"),
        ("100万元以内", "98.5万元", None, True, "at_most"),
        ("100万元以内", "1,050,000元", None, False, "at_most"),  # 万元 and 元 convert
        ("90%-95%", "93%", None, True, "within_range"),
        ("90%-95%", "96%", None, False, "within_range"),
        (">10个", "10个", None, False, "more_than"),
        ("<5%", "4.9%", None, True, "less_than"),
        ("100%", "100%", None, True, "equal"),
        ("10个", "12个", "higher", True, "equal_or_more"),
        ("4.5%", "3.2%", "lower", True, "equal_or_less"),
        ("10个", "12个", None, None, "direction_unknown"),  # a bare target and no known direction: not guessed
        ("≥3天", "3个工作日", None, None, "units_differ"),  # 天 and 工作日 do not convert
        ("≥95%", "96", None, True, "at_least_unit_assumed"),  # the unit printed once, in the target
        ("≥95%", "达标", None, None, "number_and_grade"),
        ("明显提升", "有所提升", None, False, "grade_rank"),
        ("提升", "明显提升", None, True, "grade_rank"),
        ("达标", "是", None, None, "scales_differ"),
        ("≥95%", None, None, None, "no_actual"),
    ],
)
def test_met_and_the_rule_that_decided_it(target, actual, direction, met, rule):
    assert judge(parse_value(target), parse_value(actual), direction) == (met, rule)


@pytest.mark.parametrize(
    "name, level2, level1, kind",
    [
        ("服务对象满意度", None, None, "satisfaction"),
        ("群众满意度", "服务对象满意度指标", "满意度指标", "satisfaction"),
        ("受益群众满意度(%)", None, None, "satisfaction"),
        ("補貼資金發放及時率", "时效指标", "产出指标", "timeliness"),
        ("验收合格率", "质量指标", "产出指标", "pass_rate"),
        ("城镇登记失业率", "质量指标", "产出指标", "incident_rate"),
        ("每公里养护成本", "成本指标", "产出指标", "cost"),
        ("新建公共服务站点数", "数量指标", "产出指标", "quantity"),  # by its level: the name has no kind's words
        ("群众办事便利度", "社会效益指标", "效益指标", "social_benefit"),
        ("资金到位率", "资金落实", "投入", "funds_in_place"),
        ("项目立项规范性", "项目立项", "投入", "planning"),
        ("农产品品牌影响力", None, None, None),  # no row places it: `jixiao labels` lists it
    ],
)
def test_kinds_from_names_and_levels(name, level2, level1, kind):
    placed = default_taxonomy().place(name, level2, level1)
    assert (placed.kind if placed else None) == kind


def test_numbered_items_are_split_and_a_list_label_left_out():
    text = "主要问题：一是资金拨付滞后，影响项目进度；二是预算编制不精准。\n1、加强预算管理。2、按时拨付资金，确保2.5万元及时到位。"
    assert split_items(text) == [
        ("一是", "资金拨付滞后，影响项目进度；"),
        ("二是", "预算编制不精准。"),
        ("1、", "加强预算管理。"),
        ("2、", "按时拨付资金，确保2.5万元及时到位。"),
    ]


@pytest.mark.parametrize(
    "heading, kinds",
    [
        ("三、绩效目标完成情况", ["achievement"]),
        ("四、存在的问题及改进措施", ["problem", "improvement"]),
        ("六、主要经验及做法、存在的问题及原因分析或有关建议", ["problem", "cause", "improvement"]),
        ("（五）评价结果应用情况", ["results_use"]),
        ("七、其他需要说明的问题", []),
        ("一、项目概况", []),
    ],
)
def test_section_kinds_by_heading(heading, kinds):
    assert heading_kinds(heading) == kinds


@pytest.mark.parametrize(
    "text, topic",
    [
        ("财政资金拨付滞后，影响了项目实施进度。", "funds_late"),
        ("上级资金下达较晚。", "funds_late"),
        ("预算编制不够精准，年中调整较多。", "budget_imprecise"),
        ("部分执法装备老化。", "aging_equipment"),
        ("宣传力度有待加强。", None),
    ],
)
def test_problem_topics(text, topic):
    assert problem_topic(text) == topic
