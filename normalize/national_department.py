"""Layout family: the 部门整体支出绩效自评表.

部门（单位）名称; 年度预算执行情况 with 年度资金总额 and breakdown rows (按收入性质分 / 按支出性质分:
基本支出, 项目支出 …); the same goals and indicator blocks as the project form. Scope: department.
"""

from __future__ import annotations

from jixiao.model import Document, Report

from . import forms
from .lexicon import Lexicon
from .signals import signals

TEMPLATE = "national_department"


def match(doc: Document, lexicon: Lexicon) -> float:
    s = signals(doc, lexicon)
    if s.money is None or s.indicators is None:
        return 0.0
    score = 0.4 + 0.3 * s.has("部门(单位)名称", "部门名称", "单位名称") + 0.3 * s.mentions("部门整体")
    return min(score, 1.0)


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    return [forms.read_form(doc, lexicon, TEMPLATE, "department")]
