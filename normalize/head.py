"""The report's own columns: names, codes, scope, year and region, kind, period, grade and total score,
from the fields the blocks read and from the title lines around the form."""

from __future__ import annotations

import regex

from jixiao.base.labels import label_parts, nfkc, simplified
from jixiao.base.model import Report

from . import checkbox
from .reading import ReadContext
from .text import one_line
from .values import find_fiscal_year, find_region, is_fraction, parse_date_range, parse_percent, parse_score, region_of_unit, settle_fraction

_CODE_NAME = regex.compile(r"^\s*(?P<code>(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{8,})\s*[-—－_]\s*(?P<name>\S.*)$")
# The grades forms print, each with the level rules map it to (rules/checks/grade_matches_score.sql); the
# warehouse stores the grade as printed (优秀 stays 优秀), this only says which words are grades.
GRADES = {
    "优": "优",
    "优秀": "优",
    "良": "良",
    "良好": "良",
    "中": "中",
    "中等": "中",
    "一般": "中",
    "合格": "中",
    "差": "差",
    "较差": "差",
    "不合格": "差",
}
_DEPARTMENT_WORDS = ("部门整体", "单位整体", "整体支出")


def first_values(report: Report) -> dict[str, str | None]:
    """The first value read for each key (a form states each once; the first is the head's)."""
    first: dict[str, str | None] = {}
    for f in report.fields:
        if f.key and (f.key not in first or (first[f.key] is None and f.value)):
            first[f.key] = f.value
    return first


def detect_scope(report: Report, titles: list[str]) -> str:
    """department when the head names a department or unit rather than a project (部门（单位）名称), or a
    title says 部门整体 and no project is named; project otherwise."""
    keys = {f.key for f in report.fields if f.key and f.value}
    if "project_name" in keys:
        return "project"
    if "department_name" in keys:
        return "department"
    if any(word in simplified(t) for t in titles for word in _DEPARTMENT_WORDS):
        return "department"
    return "project"


def read_titles(report: Report, texts: list[str]) -> None:
    """Year and region from title lines: the first that names each wins."""
    for text in texts:
        if report.fiscal_year is None and ("年" in text or "年" in simplified(text)):
            report.fiscal_year = find_fiscal_year(text)
        if report.region is None:
            report.region = find_region(text)


def fill_report(ctx: ReadContext, scope: str) -> None:
    """Fill the report's own columns from the fields read."""
    report = ctx.report
    report.scope = scope  # type: ignore[assignment]
    first = first_values(report)

    def name(key: str) -> str | None:  # names lose the line breaks that only wrap them
        return one_line(value) if (value := first.get(key)) else None

    report.project_name = name("project_name")
    report.project_code = first.get("project_code")
    report.department = name("department")
    report.implementing_unit = name("implementing_unit")
    if scope == "department":
        own = name("department_name") or report.department or report.implementing_unit or report.project_name
        report.project_name = report.department = report.implementing_unit = own
    if first.get("project_kind"):
        report.project_kind = checkbox.ticked_option(first["project_kind"] or "")
    if first.get("period"):
        place = next(f for f in report.fields if f.key == "period")
        try:
            report.period_start, report.period_end = parse_date_range(first["period"])
        except ValueError as exc:
            ctx.finding(
                "value_unreadable",
                "warning",
                "value_unreadable",
                first["period"],
                what="项目起止时间",
                text=first["period"],
                place=place.locator,
                why=str(exc),
            )
    if report.project_name and not report.project_code:
        m = _CODE_NAME.match(report.project_name)
        if m:  # 「51000021R000000019951-工资性支出」: a code, then the name
            report.project_code, report.project_name = m.group("code"), m.group("name").strip()
    _grade(ctx, first.get("grade"))
    stated = (first.get("score_total") or "").strip()
    if report.score_total is None and stated.rstrip("分 "):  # 「总分: 分」: the template's blank
        report.score_total = ctx.parse(parse_score, stated, "自评总分", None, None)
    if report.region is None:
        for unit in (report.implementing_unit, report.department, name("department_name"), name("unit_name")):
            report.region = region_of_unit(unit)
            if report.region:
                break


def _grade(ctx: ReadContext, text: str | None) -> None:
    if not text:
        return
    if checkbox.has_checkboxes(text):
        ticked = checkbox.ticked_option(text)
        shown = ticked
    else:
        shown = nfkc(text).strip()
    grade = shown if shown and simplified(shown) in GRADES else None
    if grade is None and shown:
        ctx.finding("value_unreadable", "warning", "value_unreadable.grade", text, text=text)
    ctx.report.grade = grade


def money_from_fields(ctx: ReadContext) -> None:
    """Money written as key-value pairs (项目资金总额（万元）| 150 | 实际支出（万元）| 142.60 | 预算执行率 | 95.07%)
    fills the report's money columns that no money table filled; an amount whose unit nothing states is NULL."""
    report = ctx.report
    money = [f for f in report.fields if (f.key or "").startswith("money.") and f.value is not None]
    for f in sorted(money, key=lambda f: f.key == "money.execution_rate_pct"):  # a rate after the figures that settle it
        column = (f.key or "").removeprefix("money.")
        if getattr(report, column) is not None:
            continue
        if column == "execution_rate_pct" and f.value is not None and is_fraction(f.value):
            whole = report.budget_adjusted_yuan if report.budget_adjusted_yuan is not None else report.budget_initial_yuan
            value = settle_fraction(f.value, report.spent_yuan, whole)
            if value is None:
                ctx.finding("value_ambiguous", "warning", "value_ambiguous.fraction_field", f.value, label=f.label, text=f.value)
        elif column == "execution_rate_pct":
            value = ctx.parse(parse_percent, f.value, f.label, None, None)
        else:
            unit = label_parts(f.label)[1]
            value = ctx.amount(f.value, f.label, None, None, unit)
            if value is None and unit is None:
                ctx.finding("unit_unknown", "warning", "unit_unknown.field", f.value, label=f.label, text=f.value)
        setattr(report, column, value)


_GRADE_IN_TEXT = regex.compile(r"(?:自评|评价|绩效)(?:等级|结果|结论)?(?:为|是|[:：])\s*[“\"「]?(优秀|良好|中等|较差|不合格|合格|优|良|中|差)")


def grade_in_text(text: str) -> str | None:
    """The grade a report's sentences state, as stated (自评等级为“优” → 优, 整体绩效自评为优秀 → 优秀), or None."""
    plain = nfkc(simplified(text))
    m = _GRADE_IN_TEXT.search(plain)
    if m is None:
        return None
    return text[m.start(1) : m.end(1)] if len(plain) == len(text) else m.group(1)
