"""How well the reader reads form layouts that no fixture imitates, run by hand:

    .venv/bin/python bench/unseen_layouts.py [--out DIR] [--only A,C] [--verbose]

Ten self-evaluations of invented offices' layouts (county and city project forms, department-wide
forms, money by source in rows and in columns, a 20分 + 80分 form, two score columns, a flat
indicator list in a table of its own, amounts in 万元 and in 元, a narrative-only report, years in
titles, captions or not at all) are written as Word files with real merged cells and exported to
PDF by LibreOffice. Each form carries the values typed into it, stored the way SCHEMA.md says
(yuan as Decimal, rates in percent, NULL where the document states nothing). Every file is read
with `jixiao.pipeline.read_file` and every expected value is classed:

    RIGHT    read equal to what was typed (None where None was expected counts)
    MISSING  read None where a value was expected
    WRONG    read another value, or a value where None was expected

Values the reader stored where nothing was expected (an unexpected column of a funding row, a
funding row or indicator that matches nothing typed) are EXTRA. The totals are recall (share of
expected values read right) and precision (share of the values the reader stored that are right).

The forms were written blind, by someone who had not read the reader's code. The first run read
91.2 % of the expected values right and 99.9 % of the stored ones; the reader was then taught what
it missed (money by source in rows, breakdowns as row groups, 调整后预算, money as key-value pairs, a
narrative's adjusted budget, score and grade), so now it is a regression check, no longer blind.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jixiao.pipeline import read_file  # noqa: E402
from tests.fixtures.builder import FCell, soffice_convert, write_docx  # noqa: E402

C = FCell

REPORT_FIELDS = (
    "fiscal_year", "region", "project_name", "department", "implementing_unit", "scope",
    "budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct",
    "score_total", "score_max", "grade",
)
FUNDING_FIELDS = (
    "carryover_yuan", "budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan",
    "balance_yuan", "received_rate_pct", "execution_rate_pct",
)
INDICATOR_FIELDS = ("level1", "level2", "name", "weight", "target", "actual", "score")
RATE_FIELDS = {"execution_rate_pct", "received_rate_pct"}
SKIP = object()  # a value the contract leaves open for this layout; not judged


# --- values as the contract stores them ---------------------------------------------------

def num(text: str) -> Decimal:
    """Given a figure as typed (「1,268.40」, 「96.10%」), return it as a Decimal."""
    return Decimal(text.replace(",", "").rstrip("%").strip())


def money(text: str, unit: str) -> Decimal:
    """Given an amount as typed in a block of the given unit (万元 or 元), return yuan."""
    return num(text) * (10000 if unit == "万元" else 1)


def funding_row(source: str | tuple, label: str, unit: str, columns: tuple[str, ...], texts: list[str]) -> dict:
    """Given a money row's canonical source (a tuple: any of them), its label as typed, its unit,
    the fields its columns map to and the cell texts, return the expected funding row (blank cells
    give no value)."""
    row: dict = {"source": source, "label": label}
    for name, text in zip(columns, texts):
        if text.strip():
            row[name] = num(text) if name in RATE_FIELDS else money(text, unit)
    return row


# --- the forms ---------------------------------------------------------------------------

@dataclass
class Ind:
    """One indicator row as typed: its stored values, and how its cells show them."""

    l1: str | None
    l2: str | None
    name: str | None
    weight: str = ""
    target: str = ""
    actual: str = ""
    score: str = ""
    shown: str | None = None  # the name cell's text when it differs (「指标1：…」)
    score_cell: str | None = None  # the 得分 cell's text when it differs (a note after the number)
    note: str = ""
    template: bool = False  # a template row left unfilled: typed, never expected

    def expected(self) -> dict:
        def opt(text: str):
            return text or None
        return {"level1": self.l1, "level2": self.l2, "name": self.name,
                "weight": num(self.weight) if self.weight else None, "target": opt(self.target),
                "actual": opt(self.actual), "score": num(self.score) if self.score else None}


@dataclass
class Form:
    key: str
    office: str
    blocks: list[tuple]
    report: dict  # REPORT_FIELDS → expected value; a key "a|b" means: in one of the two, the other None
    funding: list[dict] | None  # None: funding rows are not judged for this layout
    indicators: list[Ind]
    checkbox: str = "text"

    def expected_indicators(self) -> list[dict]:
        return [i.expected() for i in self.indicators if not i.template]


def run_cells(keys: list, texts: list[str]) -> list[FCell | None]:
    """Given one key per row and the text to show, return a cell merged down each run of equal
    keys (None for the rows the merge covers)."""
    cells: list[FCell | None] = []
    for r, key in enumerate(keys):
        if r and keys[r - 1] == key:
            cells.append(None)
            continue
        n = 1
        while r + n < len(keys) and keys[r + n] == key:
            n += 1
        cells.append(C(texts[r], rows=n))
    return cells


def outline_rows(inds: list[Ind], tail, l1_shown: dict | None = None, l2_shown: dict | None = None,
                 levels: int = 2) -> list[list[FCell]]:
    """Given indicators, return table rows whose 一级/二级 cells are merged down their runs, then
    the cells tail(ind) gives."""
    l1_shown, l2_shown = l1_shown or {}, l2_shown or {}
    l1 = run_cells([i.l1 for i in inds], [l1_shown.get(i.l1, i.l1 or "") for i in inds])
    l2 = run_cells([(i.l1, i.l2) for i in inds], [l2_shown.get(i.l2, i.l2 or "") for i in inds])
    rows = []
    for r, ind in enumerate(inds):
        lead = [c for c in (l1[r], l2[r])[:levels] if c is not None]
        rows.append(lead + tail(ind))
    return rows


def name_cell(i: Ind) -> str:
    return i.shown if i.shown is not None else (i.name or "")


def score_cell(i: Ind) -> str:
    return i.score_cell if i.score_cell is not None else i.score


def form_a() -> Form:
    """A county's national-style form, its money columns reordered and renamed (全年 before 年初)."""
    unit = "万元"
    cols = ("budget_adjusted_yuan", "budget_initial_yuan", "spent_yuan", "execution_rate_pct")
    money_rows = [("年度资金总额", "total", ["480", "450", "461.28", "96.10%"], ["10", "9.61"]),
                  ("其中：财政拨款", "fiscal", ["420", "420", "405.60", "96.57%"], ["—", "—"]),
                  ("上年结转资金", "carryover", ["60", "30", "55.68", "92.80%"], ["—", "—"]),
                  ("其他资金", "other", ["", "", "", ""], ["", ""])]
    inds = [Ind("产出指标", "数量指标", "新建改造集中供水工程", "10", "≥12处", "12处", "10"),
            Ind("产出指标", "数量指标", "巩固提升受益人口", "10", "≥2.6万人", "2.71万人", "10"),
            Ind("产出指标", "质量指标", "工程竣工验收合格率", "10", "100%", "100%", "10"),
            Ind("产出指标", "质量指标", "水质检测达标率", "10", "≥95%", "93.5%", "9", note="枯水期部分水源浊度超标，已增设净化设备"),
            Ind("产出指标", "时效指标", "工程完工及时率", "5", "≥90%", "91.7%", "5"),
            Ind("产出指标", "成本指标", "单处工程平均造价", "5", "≤40万元", "38.44万元", "5"),
            Ind("效益指标", "社会效益指标", "农村自来水普及率", "10", "≥88%", "89.2%", "10"),
            Ind("效益指标", "社会效益指标", "农村集中供水率", "10", "≥85%", "86%", "10"),
            Ind("效益指标", "可持续影响指标", "工程长效管护机制", "10", "建立", "已建立", "10"),
            Ind("满意度指标", "服务对象满意度指标", "受益群众满意度", "10", "≥90%", "92.3%", "10")]
    rows = [[C("项目名称", 2), C("农村饮水安全巩固提升工程", 7)],
            [C("主管部门", 2), C("沅陵县水利局", 3), C("实施单位", 2), C("沅陵县农村饮水安全工程管理站", 2)],
            [C("项目资金（万元）", rows=5, vertical=True), C("资金类别", 2), C("全年预算数"), C("年初预算数"),
             C("实际支出"), C("执行率"), C("分值"), C("得分")]]
    rows += [[C(label, 2)] + [C(t) for t in texts + extra] for label, _, texts, extra in money_rows]
    rows += [[C("年度总体目标", rows=2, vertical=True), C("预期目标", 4), C("实际完成情况", 4)],
             [C("新建改造集中供水工程12处，巩固提升2.6万农村人口供水保障水平。", 4),
              C("完成12处工程新建改造，受益人口2.71万人，水质检测达标率93.5%。", 4)],
             [C("绩效指标", rows=len(inds) + 1, vertical=True), C("一级指标"), C("二级指标"), C("三级指标"),
              C("年度指标值"), C("实际完成值"), C("分值"), C("得分"), C("偏差原因分析及改进措施")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.target), C(i.actual), C(i.weight), C(i.score), C(i.note)])
    rows += [[C("总分", 6), C("100"), C("98.61"), C("")], [C("自评等级", 6), C("优", 3)]]
    blocks = [("p", "沅陵县项目支出绩效自评表", {"center": True, "size": 16}),
              ("p", "（2022年度）", {"center": True}), ("table", rows)]
    funding = [funding_row(s, lab, unit, cols, t) for lab, s, t, _ in money_rows if any(t)]
    report = {"fiscal_year": 2022, "region": "沅陵县", "project_name": "农村饮水安全巩固提升工程",
              "department": "沅陵县水利局", "implementing_unit": "沅陵县农村饮水安全工程管理站", "scope": "project",
              "budget_initial_yuan": money("450", unit), "budget_adjusted_yuan": money("480", unit),
              "spent_yuan": money("461.28", unit), "execution_rate_pct": num("96.10"),
              "score_total": num("98.61"), "score_max": num("100"), "grade": "优"}
    return Form("A", "沅陵县水利局 county project form, columns reordered", blocks, report, funding, inds)


def form_b() -> Form:
    """A city bureau's department-wide form: income and expense breakdowns stacked as row groups."""
    unit = "万元"
    cols = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct")
    name = "醴陵市自然资源局"
    total = ["2,356.40", "2,718.95", "2,634.27", "96.89%"]
    income = [("财政拨款", "fiscal", ["2,356.40", "2,512.35", "2,466.82", "98.19%"]),
              ("上年结转", "carryover", ["", "206.60", "167.45", "81.05%"]),
              ("其他资金", "other", ["", "", "", ""])]
    expense = [("基本支出", "basic", ["1,582.10", "1,640.38", "1,640.38", "100%"]),
               ("项目支出", "project", ["774.30", "1,078.57", "993.89", "92.15%"])]
    inds = [Ind("产出指标", "数量指标", "不动产登记办件量", "10", "≥3.5万件", "3.82万件", "10"),
            Ind("产出指标", "数量指标", "耕地保护动态巡查", "10", "12次", "12次", "10"),
            Ind("产出指标", "质量指标", "登记办件差错率", "10", "≤0.5%", "0.3%", "10"),
            Ind("产出指标", "时效指标", "登记业务办结时限", "10", "≤5个工作日", "3个工作日", "10"),
            Ind("产出指标", "成本指标", "部门预算控制率", "10", "≤100%", "96.89%", "10"),
            Ind("效益指标", "社会效益指标", "耕地保有量任务完成率", "15", "100%", "100%", "15"),
            Ind("效益指标", "生态效益指标", "违法用地整改率", "15", "≥95%", "92%", "13", note="2宗历史遗留用地正在整改"),
            Ind("满意度指标", "服务对象满意度指标", "办事群众满意度", "10", "≥90%", "95.6%", "10")]
    dash = [C("—"), C("—")]
    rows = [[C("部门（单位）名称", 2), C(name, 6)],
            [C("年度预算执行情况（万元）", 8)],
            [C("资金构成", 2), C("年初预算数"), C("全年预算数"), C("全年执行数"), C("执行率"), C("分值"), C("得分")],
            [C("年度资金总额", 2)] + [C(t) for t in total] + [C("10"), C("9.69")]]
    for group, members in (("按收入性质分", income), ("按支出性质分", expense)):
        for k, (label, _, texts) in enumerate(members):
            head = [C(group, rows=len(members))] if k == 0 else []
            rows.append(head + [C(label)] + [C(t) for t in texts] + (dash if any(texts) else [C(""), C("")]))
    rows += [[C("年度总体目标", rows=2), C("预期目标", 3), C("实际完成情况", 4)],
             [C("完成不动产登记、耕地保护、国土空间规划编制等年度重点工作，守住耕地保护红线。", 3),
              C("全年办理不动产登记3.82万件，耕地保有量任务全面完成，违法用地整改率92%。", 4)],
             [C("一级指标"), C("二级指标"), C("三级指标"), C("年度指标值"), C("实际完成值"), C("分值"), C("得分"),
              C("偏差原因分析及改进措施")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.target), C(i.actual), C(i.weight), C(i.score), C(i.note)])
    rows += [[C("总分", 5), C("100"), C("97.69"), C("")], [C("自评等级", 5), C("[x]优  [ ]良  [ ]中  [ ]差", 3)]]
    blocks = [("p", f"{name}2021年度部门整体支出绩效自评表", {"center": True, "size": 16}),
              ("p", f"填报单位（盖章）：{name}", {}), ("table", rows)]
    funding = [funding_row("total", "年度资金总额", unit, cols, total)]
    funding += [funding_row(s, lab, unit, cols, t) for lab, s, t in income + expense if any(t)]
    report = {"fiscal_year": 2021, "region": "醴陵市", "project_name": name, "department": name,
              "implementing_unit": name, "scope": "department",
              "budget_initial_yuan": money("2356.40", unit), "budget_adjusted_yuan": money("2718.95", unit),
              "spent_yuan": money("2634.27", unit), "execution_rate_pct": num("96.89"),
              "score_total": num("97.69"), "score_max": num("100"), "grade": "优"}
    return Form("B", "醴陵市自然资源局 department-wide form, breakdowns as row groups", blocks, report, funding, inds)


def form_c() -> Form:
    """A 20分 + 80分 form in 元, option rows ticked in Wingdings, the total on the line above the table."""
    inds = [Ind("产出指标", "数量指标", "建成高标准农田面积", "10", "1.2万亩", "1.2万亩", "10"),
            Ind("产出指标", "数量指标", "新建灌排渠道", "5", "18公里", "17.5公里", "4.5"),
            Ind("产出指标", "质量指标", "项目工程验收合格率", "10", "100%", "100%", "10"),
            Ind("产出指标", "时效指标", "项目按期完工率", "5", "100%", "90%", "4"),
            Ind("产出指标", "成本指标", "亩均建设投资", "10", "≤3000元", "2573元", "10"),
            Ind("效益指标", "经济效益指标", "亩均粮食增产", "10", "≥50公斤", "62公斤", "10"),
            Ind("效益指标", "社会效益指标", "带动农户增收户数", "10", "≥800户", "856户", "10"),
            Ind("效益指标", "生态效益指标", "节水灌溉面积占比", "10", "≥30%", "28%", "8.9"),
            Ind("满意度指标", "服务对象满意度指标", "项目区农户满意度", "10", "≥90%", "94%", "10")]
    l1 = {"产出指标": "产出指标（40分）", "效益指标": "效益指标（30分）", "满意度指标": "满意度指标（10分）"}
    rows = [[C("项目名称", 2), C("高标准农田建设项目", 5)],
            [C("主管部门", 2), C("宜都市农业农村局", 2), C("项目实施单位"), C("宜都市农田建设服务中心", 2)],
            [C("项目类别", 2), C("[ ]上级专项    [x]本级专项", 5)],
            [C("项目属性", 2), C("[x]持续性项目    [ ]新增性项目", 5)],
            [C("项目类型", 2), C("[ ]一次性拨付项目    [x]多次拨付项目", 5)],
            [C("预算执行情况（元）（20分）", 7)],
            [C("资金类别", 3), C("预算数（A）"), C("执行数（B）"), C("执行率（B/A）"), C("得分（20分×执行率）")],
            [C("年度财政资金总额", 3), C("3,250,000.00"), C("3,087,500.00"), C("95%"), C("19")],
            [C("年度绩效指标（80分）", 7)],
            [C("一级指标"), C("二级指标"), C("三级指标"), C("年初目标值（A）"), C("实际完成值（B）"), C("分值"), C("得分")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.target), C(i.actual), C(i.weight), C(i.score)], l1)
    rows += [[C("总分", 5), C("100"), C("96.4")]]
    blocks = [("p", "宜都市2023年度项目支出绩效目标自评表", {"center": True, "size": 16}),
              ("p", "单位名称：宜都市农业农村局　　填报日期：2024年3月15日　　总分：96.4分", {}), ("table", rows)]
    either = "budget_initial_yuan|budget_adjusted_yuan"  # a bare 预算数 may be stored as either
    funding = [{"source": ("total", "fiscal"), "label": "年度财政资金总额", either: num("3250000"), "spent_yuan": num("3087500"),
                "execution_rate_pct": num("95")}]
    report = {"fiscal_year": 2023, "region": "宜都市", "project_name": "高标准农田建设项目",
              "department": "宜都市农业农村局", "implementing_unit": "宜都市农田建设服务中心", "scope": "project",
              either: num("3250000"), "spent_yuan": num("3087500"), "execution_rate_pct": num("95"),
              "score_total": num("96.4"), "score_max": num("100"), "grade": None}
    return Form("C", "宜都市农业农村局 20+80 form in 元", blocks, report, funding, inds, checkbox="wingdings")


def form_d() -> Form:
    """A form in 元 whose indicators are a flat list in a second table under a paragraph title, with
    「指标n：」 names and unfilled template rows; the year only in a caption, no region in the title."""
    unit = "元"
    cols = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct")
    money_rows = [("合计", "total", ["860,000.00", "912,000.00", "894,672.00", "98.10%"], ""),
                  ("省级财政资金", "province", ["560,000.00", "612,000.00", "603,840.00", "98.67%"], "省级追加5.2万元"),
                  ("市级财政资金", "city", ["300,000.00", "300,000.00", "290,832.00", "96.94%"], "")]
    names = ["宫颈癌筛查人数", "乳腺癌筛查人数", "筛查结果告知率", "阳性病例随访管理率", "项目资金执行率", "受检妇女满意度"]
    figures = [("20", "6000人", "6128人", "20"), ("20", "6000人", "5874人", "19.5"), ("15", "100%", "100%", "15"),
               ("15", "≥95%", "96.3%", "15"), ("15", "100%", "98.10%", "14.7"), ("15", "≥90%", "93.8%", "15")]
    inds = [Ind(None, None, n, *f, shown=f"指标{k}：{n}") for k, (n, f) in enumerate(zip(names, figures), start=1)]
    inds += [Ind(None, None, None, shown="指标7：", template=True), Ind(None, None, None, shown="……", template=True)]
    head = [[C("项目名称"), C("农村适龄妇女“两癌”免费检查", 5)],
            [C("主管部门"), C("临湘市卫生健康局", 2), C("实施单位"), C("临湘市妇幼保健计划生育服务中心", 2)],
            [C("项目起止时间"), C("2020年1月1日至2020年12月31日", 5)],
            [C("资金来源"), C("年初预算数（元）"), C("调整后预算数（元）"), C("实际支出（元）"), C("执行率"), C("备注")]]
    head += [[C(label)] + [C(t) for t in texts] + [C(note)] for label, _, texts, note in money_rows]
    head += [[C("年度绩效目标"), C("完成农村适龄妇女宫颈癌、乳腺癌免费检查各6000人，阳性病例全部纳入随访管理。", 5)]]
    table2 = [[C("指标名称"), C("权重（分）"), C("目标值"), C("实际完成值"), C("自评得分"), C("偏差说明")]]
    table2 += [[C(name_cell(i)), C(i.weight), C(i.target), C(i.actual), C(i.score), C(i.note)] for i in inds]
    table2 += [[C("总分"), C("100"), C(""), C(""), C("99.2"), C("")], [C("自评等级"), C("优", 5)]]
    blocks = [("p", "附件2", {}), ("p", "项目支出绩效自评表", {"center": True, "size": 16}),
              ("p", "（2020年度）", {"center": True}), ("p", "填报单位（盖章）：临湘市卫生健康局", {}),
              ("p", "一、项目基本情况及资金使用情况", {}), ("table", head),
              ("p", "二、绩效指标完成情况", {}), ("table", table2)]
    funding = [funding_row(s, lab, unit, cols, t) for lab, s, t, _ in money_rows]
    report = {"fiscal_year": 2020, "region": "临湘市", "project_name": "农村适龄妇女“两癌”免费检查",
              "department": "临湘市卫生健康局", "implementing_unit": "临湘市妇幼保健计划生育服务中心", "scope": "project",
              "budget_initial_yuan": num("860000"), "budget_adjusted_yuan": num("912000"),
              "spent_yuan": num("894672"), "execution_rate_pct": num("98.10"),
              "score_total": num("99.2"), "score_max": num("100"), "grade": "优"}
    return Form("D", "临湘市卫生健康局 form in 元, flat indicator table under a paragraph", blocks, report, funding, inds)


def form_e() -> Form:
    """Money by source as columns and measures as rows (transposed), ticks after their option,
    and two score columns (自评分 / 复核分, the reviewer's lower)."""
    unit = "万元"
    sources = [("省级", "province"), ("市级", "city"), ("县级", "county"), ("其他", "other"), ("合计", "total")]
    measures = [("年初预算", "budget_initial_yuan", ["120", "40", "60", "", "220"]),
                ("调整后预算", "budget_adjusted_yuan", ["120", "40", "75", "", "235"]),
                ("实际支出", "spent_yuan", ["118.50", "40.00", "71.30", "", "229.80"]),
                ("执行率", "execution_rate_pct", ["98.75%", "100%", "95.07%", "", "97.79%"])]
    inds = [Ind("投入指标", "资金管理", "资金到位率", "5", "100%", "100%", "5"),
            Ind("投入指标", "资金管理", "预算执行率", "5", "≥95%", "97.79%", "5"),
            Ind("过程指标", "项目管理", "管理制度健全性", "5", "健全", "健全", "5"),
            Ind("过程指标", "项目管理", "政府采购合规性", "5", "合规", "合规", "5"),
            Ind("产出指标", "数量指标", "新增分类收集点", "15", "320个", "326个", "15"),
            Ind("产出指标", "数量指标", "配置分类运输车辆", "10", "12辆", "12辆", "10"),
            Ind("产出指标", "质量指标", "垃圾分类准确率", "10", "≥70%", "68.5%", "9"),
            Ind("产出指标", "时效指标", "收运设施投用时间", "5", "2021年10月底前", "2021年11月", "4"),
            Ind("效益指标", "社会效益指标", "居民分类知晓率", "10", "≥85%", "88%", "10"),
            Ind("效益指标", "生态效益指标", "生活垃圾资源化利用率", "10", "≥35%", "36.2%", "10"),
            Ind("效益指标", "可持续影响指标", "长效运营机制", "10", "建立", "已建立", "10"),
            Ind("满意度指标", "服务对象满意度指标", "城区居民满意度", "10", "≥85%", "90.4%", "10")]
    review = ["5", "5", "5", "4", "15", "10", "8", "4", "10", "10", "9", "10"]
    reviewed = dict(zip((i.name for i in inds), review))
    rows = [[C("项目名称", 2), C("城区生活垃圾分类收运体系建设", 6)],
            [C("项目主管部门", 2), C("麻城市城市管理执法局", 2), C("项目实施单位", 2), C("麻城市环境卫生服务中心", 2)],
            [C("项目属性", 2), C("[ ]常年性    [x]延续性    [ ]一次性", 6)],
            [C("项目资金（万元）", 3)] + [C(label) for label, _ in sources]]
    rows += [[C(label, 3)] + [C(t) for t in texts] for label, _, texts in measures]
    rows += [[C("项目年度目标", 2), C("新增生活垃圾分类收集点320个，配置分类运输车辆12辆，城区生活垃圾分类覆盖率达到70%以上。", 6)],
             [C("一级指标"), C("二级指标"), C("三级指标"), C("年度目标值"), C("实际完成值"), C("分值"), C("自评分"), C("复核分")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.target), C(i.actual), C(i.weight), C(i.score), C(reviewed[i.name])])
    rows += [[C("总分", 5), C("100"), C("98"), C("95")]]
    blocks = [("p", "麻城市2021年度财政支出项目绩效自评表", {"center": True, "size": 16}), ("table", rows)]
    funding = []
    for k, (label, source) in enumerate(sources):
        texts = [m[2][k] for m in measures]
        if any(texts):
            funding.append(funding_row(source, label, unit, tuple(m[1] for m in measures), texts))
    report = {"fiscal_year": 2021, "region": "麻城市", "project_name": "城区生活垃圾分类收运体系建设",
              "department": "麻城市城市管理执法局", "implementing_unit": "麻城市环境卫生服务中心", "scope": "project",
              "budget_initial_yuan": money("220", unit), "budget_adjusted_yuan": money("235", unit),
              "spent_yuan": money("229.80", unit), "execution_rate_pct": num("97.79"),
              "score_total": num("98"), "score_max": num("100"), "grade": None}
    return Form("E", "麻城市城管执法局 money by source in columns, 自评分+复核分", blocks, report, funding, inds,
                checkbox="after")


def form_f() -> Form:
    """A scoring-criteria grid (决策/过程/产出/效益 with 评分标准, no target columns); the money as
    key-value pairs in one row."""
    crit = "符合要求得满分，每发现一处问题扣1分，扣完为止"
    inds = [Ind("决策", "项目立项", "立项依据充分性", "3", score="3"),
            Ind("决策", "项目立项", "立项程序规范性", "3", score="3"),
            Ind("决策", "绩效目标", "绩效目标合理性", "3", score="2.5"),
            Ind("决策", "绩效目标", "绩效指标明确性", "3", score="2.5"),
            Ind("决策", "资金投入", "预算编制科学性", "3", score="3"),
            Ind("过程", "资金管理", "资金到位率", "5", score="5"),
            Ind("过程", "资金管理", "预算执行率", "5", score="4.75"),
            Ind("过程", "资金管理", "资金使用合规性", "5", score="5"),
            Ind("过程", "组织实施", "管理制度健全性", "5", score="5"),
            Ind("产出", "产出数量", "污水处理设施正常运行率", "15", score="14"),
            Ind("产出", "产出质量", "出水水质达标率", "15", score="15"),
            Ind("产出", "产出时效", "故障修复及时率", "10", score="10"),
            Ind("效益", "项目效益", "化学需氧量削减量", "15", score="14"),
            Ind("效益", "项目效益", "服务对象满意度", "10", score="9.5")]
    l1 = {"决策": "决策（15分）", "过程": "过程（20分）", "产出": "产出（40分）", "效益": "效益（25分）"}
    rows = [[C("项目名称"), C("乡镇污水处理设施运行维护", 5)],
            [C("主管部门"), C("汨罗市住房和城乡建设局", 2), C("实施单位"), C("汨罗市城乡污水处理中心", 2)],
            [C("项目资金总额（万元）"), C("150"), C("实际支出（万元）"), C("142.60"), C("预算执行率"), C("95.07%")],
            [C("一级指标"), C("二级指标"), C("三级指标"), C("分值"), C("评分标准"), C("自评得分")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.weight), C(crit), C(i.score)], l1)
    rows += [[C("合计", 3), C("100"), C(""), C("96.25")], [C("评价等级", 3), C("优", 3)]]
    blocks = [("p", "汨罗市2019年度项目支出绩效评价自评表", {"center": True, "size": 16}), ("table", rows)]
    report = {"fiscal_year": 2019, "region": "汨罗市", "project_name": "乡镇污水处理设施运行维护",
              "department": "汨罗市住房和城乡建设局", "implementing_unit": "汨罗市城乡污水处理中心", "scope": "project",
              "budget_initial_yuan": money("150", "万元"), "budget_adjusted_yuan": None,
              "spent_yuan": money("142.60", "万元"), "execution_rate_pct": num("95.07"),
              "score_total": num("96.25"), "score_max": num("100"), "grade": "优"}
    return Form("F", "汨罗市住建局 scoring-criteria grid, money as key-values", blocks, report, None, inds)


def form_g() -> Form:
    """A district's department-wide form in the Chongqing manner: the year in Chinese numerals, an
    unlabelled money row under its heads, a flat indicator list with 指标性质 merged down."""
    unit = "万元"
    name = "綦江区教育委员会"
    texts = ["48,326.50", "52,108.73", "50,994.40", "97.86"]
    inds = [Ind(None, None, "学前教育毛入园率", "10", "≥92%", "93.5%", "10"),
            Ind(None, None, "义务教育巩固率", "10", "≥96%", "97.2%", "10"),
            Ind(None, None, "新建改扩建校舍面积", "10", "18000平方米", "18650平方米", "10"),
            Ind(None, None, "学生资助资金发放及时率", "10", "100%", "100%", "10"),
            Ind(None, None, "教师培训人次", "10", "≥3000人次", "3126人次", "10"),
            Ind(None, None, "校园安全责任事故发生率", "10", "≤0.1%", "0.08%", "10"),
            Ind(None, None, "政府采购执行率", "10", "100%", "86.4%", "8.6"),
            Ind(None, None, "教育督导评估结果", "10", "良好", "良好", "10"),
            Ind(None, None, "学生家长满意度", "10", "≥90%", "91.3%", "10")]
    kinds = ["定量"] * 7 + ["定性"] + ["定量"]
    core = ["是", "是", "否", "是", "否", "是", "否", "否", "是"]
    kind_cells = run_cells(kinds, kinds)
    rows = [[C("主管部门"), C(name, 2), C("财政处室"), C("教科文处"), C("自评总分（分）", 2), C("98.39")],
            [C("部门联系人"), C("李明华", 2), C("联系电话"), C("023-48661234", 4)],
            [C("部门预算执行情况（万元）", 2, rows=2), C("年初预算数"), C("全年（调整）预算数"), C("全年执行数"),
             C("执行率（%）"), C("执行率权重"), C("执行率得分（分）")],
            [C(t) for t in texts] + [C("10"), C("9.79")],
            [C("当年绩效目标", 2, rows=2), C("年初绩效目标", 3), C("全年目标实际完成情况", 3)],
            [C("巩固学前教育普及普惠，义务教育优质均衡发展，完成校舍新建改扩建1.8万平方米。", 3),
             C("学前教育毛入园率93.5%，义务教育巩固率97.2%，完成校舍新建改扩建1.865万平方米。", 3)],
            [C("绩效指标", rows=len(inds) + 1, vertical=True), C("指标名称"), C("指标性质"), C("年初指标值"),
             C("全年完成值"), C("指标权重（分）"), C("指标得分（分）"), C("是否核心指标")]]
    for r, i in enumerate(inds):
        kind = [kind_cells[r]] if kind_cells[r] is not None else []
        rows.append([C(i.name)] + kind + [C(i.target), C(i.actual), C(i.weight), C(i.score), C(core[r])])
    blocks = [("p", "二〇二二年度綦江区部门整体绩效自评表", {"center": True, "size": 16}), ("table", rows)]
    funding = [funding_row("total", "", unit, ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan",
                                           "execution_rate_pct"), texts)]
    report = {"fiscal_year": 2022, "region": "綦江区", "project_name": name, "department": name,
              "implementing_unit": name, "scope": "department",
              "budget_initial_yuan": money("48326.50", unit), "budget_adjusted_yuan": money("52108.73", unit),
              "spent_yuan": money("50994.40", unit), "execution_rate_pct": num("97.86"),
              "score_total": num("98.39"), "score_max": SKIP,  # no 满分 is printed anywhere
              "grade": None}
    return Form("G", "綦江区教委 Chongqing-style department form, flat indicators", blocks, report, funding, inds)


def form_h() -> Form:
    """A narrative-only report: figures in sentences, beside numbers that are not money or rates."""
    paras = ["一、项目基本情况", "项目名称：农村公路养护工程", "主管部门：桃江县交通运输局", "实施单位：桃江县公路建设养护中心",
             "该项目主要用于全县386公里县乡道和1245公里村道的日常养护及水毁修复，养护里程较上年增长12.5%。",
             "二、项目资金使用及管理情况",
             "2022年度该项目年初预算安排资金650万元，年中追加70万元，调整后预算720万元。截至2022年12月31日，"
             "全年实际支出698.4万元，预算执行率97%，结余21.6万元按规定结转下年使用。",
             "三、项目绩效目标完成情况",
             "全年完成水毁修复点位142处，优良中等路率达到82.6%，沿线群众满意度为93%。",
             "四、自评结论", "经综合评价，该项目自评得分95分（满分100分），自评等级为“优”。",
             "五、存在的问题及改进措施", "部分村道养护资金到位较晚，下一步将提前谋划、及时拨付。"]
    blocks = [("p", "桃江县2022年度农村公路养护项目支出绩效自评报告", {"center": True, "size": 16})]
    blocks += [("p", t, {}) for t in paras]
    report = {"fiscal_year": 2022, "region": "桃江县", "project_name": "农村公路养护工程",
              "department": "桃江县交通运输局", "implementing_unit": "桃江县公路建设养护中心", "scope": "project",
              "budget_initial_yuan": money("650", "万元"), "budget_adjusted_yuan": money("720", "万元"),
              "spent_yuan": money("698.4", "万元"), "execution_rate_pct": num("97"),
              "score_total": num("95"), "score_max": num("100"), "grade": "优"}
    return Form("H", "桃江县交通运输局 narrative-only report", blocks, report, None, [])


def form_i() -> Form:
    """A form whose unit and year sit in a caption line, money heads on two rows (预算数 over
    年初/调整后), a 一级 cell that prints only 「（60分）」, ballot-glyph grade boxes, a template row."""
    unit = "万元"
    cols = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct")
    money_rows = [("合计", "total", ["1,268.40", "1,302.65", "1,288.31", "98.90%"], ""),
                  ("省级财政资金", "province", ["1,014.72", "1,014.72", "1,014.72", "100%"], ""),
                  ("县级财政资金", "county", ["253.68", "287.93", "273.59", "95.02%"], "县级追加34.25万元")]
    inds = [Ind("产出指标", "数量指标", "受益学生人数", "15", "3.2万人", "3.18万人", "14.5", note="部分学生转学"),
            Ind("产出指标", "数量指标", "营养膳食供餐天数", "10", "≥200天", "204天", "10"),
            Ind("产出指标", "质量指标", "食品安全事故发生数", "15", "0起", "0起", "15"),
            Ind("产出指标", "时效指标", "补助资金拨付及时率", "10", "100%", "100%", "10"),
            Ind("产出指标", "时效指标", None, shown="指标2", template=True),
            Ind("产出指标", "成本指标", "生均每天膳食补助标准", "10", "5元", "5元", "10"),
            Ind("效益指标", "社会效益指标", "学生营养健康状况", "15", "逐步改善", "有效改善", "15"),
            Ind("效益指标", "可持续影响指标", "营养改善长效机制", "15", "长期", "长期", "15"),
            Ind("满意度指标", "服务对象满意度指标", "学生家长满意度", "10", "≥90%", "96.5%", "10")]
    l1 = {"产出指标": "（60分）", "效益指标": "效益指标（30分）", "满意度指标": "满意度指标（10分）"}
    rows = [[C("项目名称", 2), C("义务教育学校营养改善计划", 6)],
            [C("主管部门", 2), C("石门县教育局", 2), C("实施单位", 2), C("石门县学生资助管理中心", 2)],
            [C("项目资金", 2, rows=2), C("预算数", 2), C("执行情况", 2), C("备注", 2, rows=2)],
            [C("年初预算数"), C("调整后预算数"), C("实际支出数"), C("执行率")]]
    rows += [[C(label, 2)] + [C(t) for t in texts] + [C(note, 2)] for label, _, texts, note in money_rows]
    rows += [[C("年度总体目标", 2), C("为全县农村义务教育学校3.2万名学生提供营养膳食补助，改善学生营养健康状况。", 6)],
             [C("一级指标"), C("二级指标"), C("三级指标"), C("指标值"), C("实际完成值"), C("分值"), C("得分"), C("偏差原因")]]
    rows += outline_rows(inds, lambda i: [C(name_cell(i)), C(i.target), C(i.actual), C(i.weight), C(i.score), C(i.note)], l1)
    rows += [[C("总分", 5), C("100"), C("99.5"), C("")], [C("自评等级", 5), C("[x]优  [ ]良  [ ]中  [ ]差", 3)]]
    blocks = [("p", "项目支出绩效自评表", {"center": True, "size": 16}),
              ("p", "填报单位：石门县教育局　　　　年度：2023年度　　　　金额单位：万元", {}), ("table", rows)]
    funding = [funding_row(s, lab, unit, cols, t) for lab, s, t, _ in money_rows]
    report = {"fiscal_year": 2023, "region": "石门县", "project_name": "义务教育学校营养改善计划",
              "department": "石门县教育局", "implementing_unit": "石门县学生资助管理中心", "scope": "project",
              "budget_initial_yuan": money("1268.40", unit), "budget_adjusted_yuan": money("1302.65", unit),
              "spent_yuan": money("1288.31", unit), "execution_rate_pct": num("98.90"),
              "score_total": num("99.5"), "score_max": num("100"), "grade": "优"}
    return Form("I", "石门县教育局 caption unit/year, two-row money heads, 「（60分）」 level", blocks, report,
                funding, inds, checkbox="ballot")


def form_j() -> Form:
    """A city office's form with no fiscal year (only a 填报日期) and no place in any name, 二级
    labels without 指标 (数量, 质量 …), a note written in a 得分 cell, no 年初预算数 column."""
    unit = "万元"
    cols = ("budget_adjusted_yuan", "spent_yuan", "execution_rate_pct")
    money_rows = [("年度资金总额", "total", ["85", "81.60", "96%"], ["10", "9.6"]),
                  ("其中：财政拨款", "fiscal", ["85", "81.60", "96%"], ["—", "—"])]
    inds = [Ind("产出指标", "数量", "举办阅读推广活动", "10", "≥60场", "52场", "8",
                score_cell="8（疫情期间部分线下活动取消）"),
            Ind("产出指标", "数量", "图书借阅量", "10", "≥15万册次", "16.3万册次", "10"),
            Ind("产出指标", "质量", "活动安全事故", "10", "0起", "0起", "10"),
            Ind("产出指标", "时效", "活动按计划完成率", "10", "≥90%", "86.7%", "9"),
            Ind("产出指标", "成本", "场均活动成本", "10", "≤1.5万元", "1.42万元", "10"),
            Ind("效益指标", "社会效益", "市民综合阅读率提升", "20", "≥2个百分点", "2.4个百分点", "20"),
            Ind("效益指标", "可持续影响", "阅读推广品牌建设", "10", "持续开展", "持续开展", "10"),
            Ind("满意度指标", "满意度", "参与群众满意度", "10", "≥90%", "93%", "10")]
    rows = [[C("项目名称", 2), C("“书香城市”全民阅读推广活动", 7)],
            [C("主管部门", 2), C("市文化旅游广电局", 3), C("实施单位", 2), C("市图书馆", 2)],
            [C("项目资金（万元）", rows=3, vertical=True), C("资金类别", 3), C("调整后预算"), C("实际支出"),
             C("预算执行率"), C("分值"), C("得分")]]
    rows += [[C(label, 3)] + [C(t) for t in texts + extra] for label, _, texts, extra in money_rows]
    rows += [[C("年度总体目标", 2), C("全年举办阅读推广活动60场以上，市民综合阅读率提升2个百分点。", 7)],
             [C("绩效指标", rows=len(inds) + 1, vertical=True), C("一级指标"), C("二级指标"), C("三级指标"),
              C("年度指标值"), C("实际完成值"), C("分值"), C("得分"), C("偏差原因分析及改进措施")]]
    rows += outline_rows(inds, lambda i: [C(i.name), C(i.target), C(i.actual), C(i.weight), C(score_cell(i)), C(i.note)])
    rows += [[C("总分", 6), C("100"), C("96.6"), C("")]]
    blocks = [("p", "项目支出绩效自评表", {"center": True, "size": 16}),
              ("p", "填报日期：2021年3月20日", {}), ("table", rows)]
    funding = [funding_row(s, lab, unit, cols, t) for lab, s, t, _ in money_rows]
    report = {"fiscal_year": None, "region": None, "project_name": "“书香城市”全民阅读推广活动",
              "department": "市文化旅游广电局", "implementing_unit": "市图书馆", "scope": "project",
              "budget_initial_yuan": None, "budget_adjusted_yuan": money("85", unit),
              "spent_yuan": money("81.60", unit), "execution_rate_pct": num("96"),
              "score_total": num("96.6"), "score_max": num("100"), "grade": None}
    return Form("J", "市文化旅游广电局 form with no year and no region", blocks, report, funding, inds)


FORMS = (form_a, form_b, form_c, form_d, form_e, form_f, form_g, form_h, form_i, form_j)


# --- checking that a typed table is well formed ----------------------------------------------

def check_grid(rows: list[list[FCell]], where: str) -> None:
    """Raise if a row's cells plus the cells merged down into it do not fill the table's width."""
    width = sum(c.span for c in rows[0])
    covered: dict[int, int] = Counter()
    for r, row in enumerate(rows):
        used = sum(c.span for c in row) + covered[r]
        if used != width:
            raise ValueError(f"{where}: row {r} fills {used} of {width} columns: {[c.text for c in row]}")
        for c in row:
            for rr in range(r + 1, r + c.rows):
                covered[rr] += c.span


# --- comparing ----------------------------------------------------------------------------

@dataclass
class Check:
    form: str
    fmt: str
    part: str  # report, funding, indicators
    where: str
    expected: object
    read: object
    verdict: str  # RIGHT, MISSING, WRONG, EXTRA


def same(expected, read) -> bool:
    """Given an expected value and what was read, say whether they are equal as the contract stores them."""
    if expected is None or read is None:
        return expected is None and read is None
    if isinstance(expected, Decimal):
        try:
            return Decimal(str(read)) == expected
        except InvalidOperation:
            return False
    if isinstance(expected, str):
        return isinstance(read, str) and read.strip() == expected
    return read == expected


def judge(expected, read) -> str:
    if same(expected, read):
        return "RIGHT"
    return "MISSING" if read is None else "WRONG"


def judge_field(obj, key: str, expected) -> tuple[object, str]:
    """Given a record and a field key (「a|b」: the value in either field, the other None), return
    what was read and its verdict."""
    if "|" not in key:
        read = getattr(obj, key, None) if obj is not None else None
        return read, judge(expected, read)
    reads = [getattr(obj, k, None) if obj is not None else None for k in key.split("|")]
    present = [r for r in reads if r is not None]
    if not present:
        return None, "MISSING"
    if len(present) == 1:
        return present[0], judge(expected, present[0])
    return tuple(reads), "WRONG"


def fmt_value(v) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral() else str(v)
    return repr(v) if isinstance(v, str) else str(v)


def compare_report(form: Form, fmt: str, report) -> list[Check]:
    checks = []
    keys = [k for k in form.report if form.report[k] is not SKIP]
    for key in keys:
        read, verdict = judge_field(report, key, form.report[key])
        checks.append(Check(form.key, fmt, "report", key, form.report[key], read, verdict))
    return checks


def extra_values(part: str, where: str, obj, fields: tuple[str, ...], form: Form, fmt: str) -> list[Check]:
    """Values stored in a record that matches nothing typed."""
    return [Check(form.key, fmt, part, f"{where}.{f}", None, getattr(obj, f), "EXTRA")
            for f in fields if getattr(obj, f, None) is not None]


def match_funding_row(exp: dict, rows: list, claimed: set[int]) -> int | None:
    """Given a typed money row, return the index of the read row it is compared with: one with an
    acceptable source, else one with the same label as typed (its source then judged on its own)."""
    sources = exp["source"] if isinstance(exp["source"], tuple) else (exp["source"],)
    free = [k for k in range(len(rows)) if k not in claimed]
    by_source = next((k for k in free if rows[k].source in sources), None)
    if by_source is not None or not exp["label"]:
        return by_source
    return next((k for k in free if (rows[k].source_label or "").strip() == exp["label"]), None)


def compare_funding(form: Form, fmt: str, rows: list) -> list[Check]:
    checks, claimed = [], set()
    for exp in form.funding:
        sources = exp["source"] if isinstance(exp["source"], tuple) else (exp["source"],)
        match = match_funding_row(exp, rows, claimed)
        got = rows[match] if match is not None else None
        if match is not None:
            claimed.add(match)
        label = "/".join(sources)
        read_source = got.source if got is not None else None
        verdict = "RIGHT" if read_source in sources else ("MISSING" if read_source is None else "WRONG")
        checks.append(Check(form.key, fmt, "funding", f"funding[{label}].source", label, read_source, verdict))
        for key, value in exp.items():
            if key in ("source", "label"):
                continue
            read, verdict = judge_field(got, key, value)
            checks.append(Check(form.key, fmt, "funding", f"funding[{label}].{key}", value, read, verdict))
        if got is not None:
            named = {k for key in exp for k in key.split("|")}
            checks += [Check(form.key, fmt, "funding", f"funding[{label}].{f}", None, getattr(got, f), "EXTRA")
                       for f in FUNDING_FIELDS if f not in named and getattr(got, f) is not None]
    for k, r in enumerate(rows):
        if k not in claimed:
            checks += extra_values("funding", f"funding[{r.source} {r.source_label!r}]", r, FUNDING_FIELDS, form, fmt)
    return checks


def match_indicators(expected: list[dict], read: list) -> list[int | None]:
    """Given the typed indicators and those read, return for each typed one the index of the read
    one it is compared with: the same name first, else the one in the same place."""
    taken: set[int] = set()
    pairs: list[int | None] = [None] * len(expected)
    for e, exp in enumerate(expected):
        k = next((k for k, r in enumerate(read) if k not in taken and same(exp["name"], r.name)), None)
        if k is not None:
            pairs[e] = k
            taken.add(k)
    names = {exp["name"] for exp in expected}
    for e in range(len(expected)):
        if pairs[e] is None and e < len(read) and e not in taken and (read[e].name or "").strip() not in names:
            pairs[e] = e
            taken.add(e)
    return pairs


def compare_indicators(form: Form, fmt: str, read: list) -> list[Check]:
    expected = form.expected_indicators()
    pairs = match_indicators(expected, read)
    checks = []
    for e, (exp, k) in enumerate(zip(expected, pairs), start=1):
        got = read[k] if k is not None else None
        for f in INDICATOR_FIELDS:
            value, verdict = judge_field(got, f, exp[f])
            checks.append(Check(form.key, fmt, "indicators", f"ind{e}[{exp['name']}].{f}", exp[f], value, verdict))
    for k, r in enumerate(read):
        if k not in pairs:
            checks += extra_values("indicators", f"ind?[{r.name}]", r, INDICATOR_FIELDS, form, fmt)
    return checks


@dataclass
class Outcome:
    form: Form
    fmt: str
    status: str
    error: str | None
    n_reports: int
    template: str | None
    checks: list[Check] = field(default_factory=list)


def evaluate(form: Form, fmt: str, path: Path) -> Outcome:
    """Read one file and compare its first report with what was typed; later reports are EXTRA."""
    result = read_file(path)
    reports = result.reports
    first = reports[0] if reports else None
    out = Outcome(form, fmt, result.status, result.error, len(reports), first.template if first else None)
    out.checks += compare_report(form, fmt, first)
    if form.funding is not None:
        out.checks += compare_funding(form, fmt, first.funding if first else [])
    out.checks += compare_indicators(form, fmt, first.indicators if first else [])
    for n, extra in enumerate(reports[1:], start=2):
        out.checks += extra_values("report", f"report#{n}", extra, REPORT_FIELDS, form, fmt)
    return out


# --- building the files ----------------------------------------------------------------------

def build(forms: list[Form], outdir: Path) -> dict[tuple[str, str], Path]:
    """Write every form as .docx and export each to PDF; return (key, format) → path."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for form in forms:
        for b, block in enumerate(form.blocks):
            if block[0] == "table":
                check_grid(block[1], f"form {form.key} block {b}")
        paths[(form.key, "docx")] = write_docx(form.blocks, outdir / f"unseen_{form.key}.docx", form.checkbox)
    docx_paths = [paths[(f.key, "docx")] for f in forms]
    for form, pdf in zip(forms, soffice_convert(docx_paths, "pdf", outdir)):
        paths[(form.key, "pdf")] = pdf
    return paths


# --- printing ----------------------------------------------------------------------------------

def tally(checks: list[Check]) -> Counter:
    return Counter(c.verdict for c in checks)


def scores(checks: list[Check]) -> tuple[int, int, int, int, int]:
    """Return (right, expected, right among stored, stored, expected non-None)."""
    judged = [c for c in checks if c.verdict != "EXTRA"]
    right = sum(c.verdict == "RIGHT" for c in judged)
    stored = [c for c in checks if c.read is not None]
    right_stored = sum(c.verdict == "RIGHT" for c in stored)
    return right, len(judged), right_stored, len(stored), sum(c.expected is not None for c in judged)


def part_cell(checks: list[Check], part: str) -> str:
    mine = [c for c in checks if c.part == part and c.verdict != "EXTRA"]
    if not mine:
        return "-"
    return f"{sum(c.verdict == 'RIGHT' for c in mine)}/{len(mine)}"


def print_table(outcomes: list[Outcome]) -> None:
    print(f"{'form':4} {'fmt':4} {'status':10} {'rep':>3} {'template':24} {'report':>7} {'funding':>8} "
          f"{'indic.':>8} {'RIGHT':>5} {'MISS':>5} {'WRONG':>5} {'EXTRA':>5}")
    for o in outcomes:
        t = tally(o.checks)
        print(f"{o.form.key:4} {o.fmt:4} {o.status:10} {o.n_reports:>3} {str(o.template):24} "
              f"{part_cell(o.checks, 'report'):>7} {part_cell(o.checks, 'funding'):>8} "
              f"{part_cell(o.checks, 'indicators'):>8} {t['RIGHT']:>5} {t['MISSING']:>5} {t['WRONG']:>5} {t['EXTRA']:>5}")
        if o.error:
            print(f"     error: {o.error}")


def print_totals(outcomes: list[Outcome]) -> None:
    groups = {"all": outcomes, "docx": [o for o in outcomes if o.fmt == "docx"],
              "pdf": [o for o in outcomes if o.fmt == "pdf"]}
    print("\nTotals")
    for name, members in groups.items():
        checks = [c for o in members for c in o.checks]
        right, judged, right_stored, stored, non_null = scores(checks)
        right_non_null = sum(c.verdict == "RIGHT" and c.expected is not None for c in checks)
        print(f"  {name:5} read right {right}/{judged} = {100 * right / max(judged, 1):.1f} % of expected values "
              f"({right_non_null}/{non_null} = {100 * right_non_null / max(non_null, 1):.1f} % of the non-NULL ones); "
              f"right among stored {right_stored}/{stored} = {100 * right_stored / max(stored, 1):.1f} %")


def print_list(outcomes: list[Outcome], verdicts: tuple[str, ...], title: str) -> None:
    print(f"\n{title}")
    for o in outcomes:
        rows = [c for c in o.checks if c.verdict in verdicts]
        if not rows:
            continue
        print(f"  [{o.form.key} {o.fmt}] {o.form.office}")
        for c in rows:
            tag = "" if len(verdicts) == 1 else f"{c.verdict:7} "
            print(f"    {tag}{c.where}: read {fmt_value(c.read)}  expected {fmt_value(c.expected)}")


def print_forms(forms: list[Form]) -> None:
    print("Forms")
    for f in forms:
        print(f"  {f.key}  {f.office}: {len(f.report)} report values, "
              f"{'not judged' if f.funding is None else len(f.funding)} funding rows, "
              f"{len(f.expected_indicators())} indicators")
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "jixiao_unseen_layouts",
                    help="where the forms are written (kept for inspection with `jixiao show`)")
    ap.add_argument("--only", default="", help="comma-separated form keys, e.g. A,C")
    ap.add_argument("--verbose", action="store_true", help="also print every RIGHT value")
    args = ap.parse_args(argv)
    forms = [make() for make in FORMS]
    if args.only:
        wanted = set(args.only.upper().split(","))
        forms = [f for f in forms if f.key in wanted]
    paths = build(forms, args.out)
    print(f"{len(paths)} files in {args.out}\n")
    print_forms(forms)
    outcomes = [evaluate(f, fmt, paths[(f.key, fmt)]) for f in forms for fmt in ("docx", "pdf")]
    print_table(outcomes)
    print_totals(outcomes)
    print_list(outcomes, ("WRONG",), "WRONG (read a different value, or a value where NULL was expected)")
    print_list(outcomes, ("MISSING",), "MISSING (read NULL where a value was expected)")
    print_list(outcomes, ("EXTRA",), "EXTRA (stored where nothing was typed)")
    if args.verbose:
        print_list(outcomes, ("RIGHT",), "RIGHT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
