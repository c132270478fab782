"""Value parsers on the writings met in real forms; bad values raise, never guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jixiao.base.labels import canonical_label, label_parts, split_outline
from jixiao.normalize import checkbox
from jixiao.normalize.text import clean_text, is_instruction
from jixiao.normalize.values import (
    find_fiscal_year,
    find_region,
    parse_date,
    parse_date_range,
    parse_money,
    parse_percent,
    parse_score,
    region_of_unit,
    settle_fraction,
)


@pytest.mark.parametrize(
    "text, unit, yuan",
    [
        ("127", "万元", "1270000.00"),
        ("94.44", "万元", "944400.00"),
        ("1,270,000.00", None, "1270000.00"),
        ("1，270，000", "元", "1270000.00"),
        ("127万元", None, "1270000.00"),
        ("12.3456", "万元", "123456.00"),
        ("85", "千元", "85000.00"),
        ("１２７", "万元", "1270000.00"),
        (" 94.44 ", "万元", "944400.00"),
    ],
)
def test_money_to_yuan(text, unit, yuan):
    assert parse_money(text, unit) == Decimal(yuan)


@pytest.mark.parametrize("text", ["", "—", "/", "无", "－", " ", "——"])
def test_empty_markers_are_none(text):
    assert parse_money(text, "万元") is None
    assert clean_text(text) is None


@pytest.mark.parametrize("text", ["约127", "127万美元", "12.7.3", "一百万"])
def test_bad_money_raises(text):
    with pytest.raises(ValueError):
        parse_money(text, "万元")


def test_percent():
    assert parse_percent("74.36%") == Decimal("74.36")
    assert parse_percent("93.65\n%") == Decimal("93.65")
    assert parse_percent("100") == Decimal("100.00")
    assert parse_percent("0.9365", fraction_ok=True) == Decimal("93.65")
    with pytest.raises(ValueError):  # a typed 0.9365 may be a fraction or a percent: NULL, never a guess
        parse_percent("0.9365")
    assert parse_percent("0.5%") == Decimal("0.50")
    assert parse_percent("123.5%") == Decimal("123.50")  # more spent than budgeted is real
    assert parse_score("10分") == Decimal("10") and parse_score("4.00") == Decimal("4.00")


@pytest.mark.parametrize(
    "parse,text",
    [
        (parse_percent, "1" * 28 + "%"),
        (parse_percent, "9" * 30 + ".5"),
        (parse_money, "9" * 26 + "万元"),
        (parse_money, "1" * 1000),
        (parse_score, "1" * 41),
    ],
)
def test_a_figure_of_absurd_length_is_a_bad_value_not_an_error(parse, text):
    # Decimal holds 28 digits: rounding a longer figure to cents raised InvalidOperation, which failed the document
    with pytest.raises(ValueError, match="digits"):
        parse(text)


@pytest.mark.parametrize(
    "text", ["2021年1月7日", "2021-01-07", "2021/1/7", "2021.1.7", "20210107", "二〇二一年一月七日", "2021\n年1月7日", "2021 年 1 月 7 日"]
)
def test_dates(text):
    assert parse_date(text) == date(2021, 1, 7)


def test_date_ranges():
    full = (date(2021, 1, 1), date(2021, 12, 31))
    assert parse_date_range("2021年1月1日到2021年12月31日") == full
    assert parse_date_range("2021.1.1-2021.12.31") == full
    assert parse_date_range("2021年1月1日至12月31日") == full
    with pytest.raises(ValueError):
        parse_date_range("全年")
    with pytest.raises(ValueError):
        parse_date("2021年2月30日")


@pytest.mark.parametrize(
    "title, year",
    [
        ("雨花区20 21 年度部门（单位）项目支出", 2021),
        ("项目支出绩效自评表（2022年度）", 2022),
        ("二〇二二年度部门整体支出绩效自评报告", 2022),
        ("长沙市2020年度", 2020),
    ],
)
def test_fiscal_year(title, year):
    assert find_fiscal_year(title) == year


def test_region():
    assert find_region("雨花区20 21 年度部门（单位）项目支出") == "雨花区"
    assert find_region("长沙市2020年度项目支出") == "长沙市"
    assert find_region("雨花区财政局（制）") == "雨花区"
    assert find_region("绩效评价自评报告") is None


def test_labels():
    assert canonical_label("项 目 名 称：") == "项目名称"
    assert canonical_label("项目名\n称") == "项目名称"
    assert label_parts("下达金额（万元）") == ("下达金额", "万元", None)
    assert label_parts("产出指标(50分)") == ("产出指标", None, "50")
    assert label_parts("资金安排使用情况（单位：万元）")[:2] == ("资金安排使用情况", "万元")
    assert canonical_label("执行率(B/A)") == "执行率"
    assert split_outline("（一）项目立项") == (2, "项目立项")
    assert split_outline("一、投入") == (1, "投入")
    assert split_outline("1、项目立项规范性") == (3, "项目立项规范性")
    assert split_outline("个性指标") == (None, "个性指标")
    assert is_instruction("简要说明项目实施情况(100字以内)")


@pytest.mark.parametrize(
    "text, value",
    [
        ("√ 是      □否", True),
        ("□ 是      √否", False),
        ("☑是 ☐否", True),
        ("■是 □否", True),
        ("是（√） 否（ ）", True),
        ("是( ) 否(√)", False),
        ("□是 □否", None),
        ("√是 √否", None),
        ("是 否", None),
    ],
)
def test_yes_no(text, value):
    assert checkbox.yes_no(text) is value


def test_ticked_option_and_questions():
    assert checkbox.ticked_option("√经常性     □ 一次性     □ 新增    □ 延续") == "经常性"
    assert checkbox.ticked_option("经常性（ ） 一次性（√）") == "一次性"
    assert checkbox.questions("是否引入第三方评价机构： □是      √否\n机构名称：") == [("是否引入第三方评价机构", False)]


@pytest.mark.parametrize(
    "unit, place",
    [
        ("中江县人力资源和社会保障局", "中江县"),
        ("[155]科尔沁右翼中旗林业和草原局", "科尔沁右翼中旗"),
        ("【155】鄂托克旗林业和草原局", "鄂托克旗"),
        ("219001-长阳土家族自治县卫生健康局", "长阳土家族自治县"),
        ("城中区教育局", "城中区"),
        ("平城区民政局", "平城区"),
        ("神农架林区农业农村局", "神农架林区"),
        ("阆中市住房和城乡建设局", "阆中市"),
        ("中牟县城市管理局", "中牟县"),
        ("六枝特区教育局", "六枝特区"),
        ("鄂伦春自治旗乡村振兴局", "鄂伦春自治旗"),
        ("锡林郭勒盟行政公署财政局", "锡林郭勒盟"),
        ("城步苗族自治县民政局", "城步苗族自治县"),
        ("四川省汶川县财政局", "汶川县"),
        # not places: a centre, a kind of area, a level's word, a bare unit
        ("农村牧区经济经营管理中心", None),
        ("城市管理监督指挥中心", None),
        ("国有林区管理局", None),
        ("区城市管理局", None),
        ("主城区环卫所", None),
        ("经济开发区管委会", None),
        ("市中心医院", None),
        ("中国人民银行雨花区支行", None),
        ("中共雨花区委宣传部", "雨花区"),
        ("麻城市城市管理执法局", "麻城市"),
        ("宜都市农业农村局", "宜都市"),
        ("成都市财政局", "成都市"),
    ],
)
def test_region_of_every_county_level_kind(unit, place):
    assert region_of_unit(unit) == place


@pytest.mark.parametrize(
    "title, place",
    [
        ("转移支付区域绩效自评表", None),
        ("关于平城区2022年度城市社区居家养老服务项目绩效自评情况的报告", "平城区"),
        ("關於平城區2022年度城市社區居家養老服務項目績效自評情況的報告", "平城區"),
        ("中牟县项目支出绩效自评表", "中牟县"),
        ("根据市财政局《关于做好2023年度转移支付资金绩效自评工作的通知》要求，我局开展了绩效自评", None),
        ("城中区2022年度转移支付区域绩效自评表", "城中区"),
    ],
)
def test_region_from_titles(title, place):
    assert find_region(title) == place


@pytest.mark.parametrize(
    "text, part, whole, pct",
    [
        ("0.958", "479", "500", "95.80"),
        ("0.97", "388", "400", "97.00"),
        ("1", "5", "5", "100.00"),
        ("1.00", "5", "5", "100.00"),
        ("0.5", "1", "200", "0.50"),  # agrees as a percent: 0.5 %
        ("0.958", "400", "500", None),
        ("0.958", None, "500", None),
        ("95.8%", "479", "500", None),  # unsettled, or no fraction
    ],
)
def test_fraction_rates_settled_by_the_figures_beside_them(text, part, whole, pct):
    value = settle_fraction(text, Decimal(part) if part else None, Decimal(whole) if whole else None)
    assert value == (Decimal(pct) if pct else None)


def test_level_weights_with_and_without_fen():
    from jixiao.normalize.indicators import parse_level

    assert parse_level("投入(20)") == ("投入", "20")
    assert parse_level("过程（30）") == ("过程", "30")
    assert parse_level("产出 30") == ("产出", "30")
    assert parse_level("产出指标50") == ("产出指标", "50")  # a PDF's joined lines
    assert parse_level("一、产出指标(50分)") == ("产出指标", "50")
    assert parse_level("(50分)") == (None, "50")
    assert parse_level("数量指标") == ("数量指标", None)
    assert parse_level("指标1") == (None, None)  # a template row's numbering is no weight


def test_grades_as_stated():
    from jixiao.normalize.head import grade_in_text

    assert grade_in_text("经综合评价，该项目自评得分92.5分，评价等级为“优秀”。") == "优秀"
    assert grade_in_text("本项目自评等级为良好。") == "良好"
    assert grade_in_text("评价等级为优。") == "优"
    assert grade_in_text("评价结果为不合格。") == "不合格"
    assert grade_in_text("该项目得分96分。") is None
