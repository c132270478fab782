"""Layout family: 20 + 80 forms.

预算执行情况（万元）(20分) with 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率); 项目类别 and 项目属性
as checkbox groups; 年度绩效目标(80分) whose 三级指标 may carry numbered sub-items (一、 … 1、 2、 …) that
add up to it — only the sub-items are stored as indicators.
"""

from __future__ import annotations

from jixiao.model import Document, Report

from . import forms
from .lexicon import Lexicon
from .signals import signals

TEMPLATE = "score_20_80"


def match(doc: Document, lexicon: Lexicon) -> float:
    s = signals(doc, lexicon)
    if s.money is None or s.indicators is None:
        return 0.0
    score = 0.4 + 0.3 * (s.money.weight == "20") + 0.2 * (s.indicators.weight == "80")
    score += 0.1 * ("budget_initial_yuan" not in s.money_keys)
    return min(score, 1.0)


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    return [forms.read_form(doc, lexicon, TEMPLATE, "project")]
