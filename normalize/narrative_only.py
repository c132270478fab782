"""Layout family: narrative-only reports (一、项目概况 … with the figures in sentences).

No form table: the report row is filled from the figures the sentences state (预算, 实际支出,
执行率), the title gives the year, region and project name.
"""

from __future__ import annotations

import regex

from jixiao.model import Document, Field, Report

from . import narrative
from .lexicon import Lexicon
from .values import find_fiscal_year, find_region

TEMPLATE = "narrative_only"
_TITLE = regex.compile(r"^(?P<head>.*?)(?:项目)?(?:支出)?(?:绩效)?(?:自评|自我评价|评价)(?:报告|情况)?$")
_YEAR_PREFIX = regex.compile(r"^.*?(?:(?:19|20)\s*\d\s*\d|[〇○零一二三四五六七八九]{4})\s*年度?")


def _texts(doc: Document) -> list[str]:
    return [p.text.strip() for p in doc.paragraphs if p.text.strip()]


def match(doc: Document, lexicon: Lexicon) -> float:
    if any(t.parent is None and t.n_rows > 3 for t in doc.tables):
        return 0.0
    texts = _texts(doc)
    if not texts:
        return 0.0
    headings = sum(1 for t in texts if narrative.is_heading(t) and narrative._HEADING.match(t))
    titled = any("绩效" in t and ("评价" in t or "自评" in t) for t in texts[:6])
    found = {f.key for f in narrative.facts("\n".join(texts))}
    score = 0.3 * titled + 0.2 * (headings >= 2) + 0.3 * ("spent" in found or "execution_rate" in found)
    score += 0.2 * ("budget_total" in found)
    return score


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    texts = _texts(doc)
    report = Report(template=TEMPLATE, scope="department" if any("部门整体" in t for t in texts[:6]) else "project")
    title = next((t for t in texts[:6] if "绩效" in t), texts[0])
    report.fiscal_year = next((y for y in map(find_fiscal_year, texts[:6]) if y), None)
    report.region = find_region(title)
    name = _YEAR_PREFIX.sub("", title).strip()
    m = _TITLE.match(name)
    report.project_name = (m.group("head") if m and m.group("head") else name).strip("《》 ") or None
    para = next(p for p in doc.paragraphs if p.text.strip() == title)
    report.fields.append(Field("project_name", "title", title, para.page, f"p{para.index + 1}"))
    start = texts.index(title) + 1
    report.sections = narrative.sections(texts[start:])
    report.facts = narrative.facts("\n".join(s.text for s in report.sections))
    first = {}
    for fact in report.facts:
        first.setdefault(fact.key, fact.value)
    report.budget_initial_yuan = first.get("budget_total")
    report.spent_yuan = first.get("spent")
    report.execution_rate_pct = first.get("execution_rate")
    return [report]

