"""Layout family: the provincial 自评表 with 预算执行情况(10分) and 绩效指标(90分).

Money: 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 over 总额 / 其中:财政资金 /
财政专户管理资金 / 单位资金 / 其他资金. Indicators: 指标性质 (=, ≥, ≤) | 指标值 | 度量单位 | 完成值 |
权重 | 得分 | 未完成原因分析. Project names are often written 「编码-名称」.
"""

from __future__ import annotations

from jixiao.model import Document, Report

from . import forms
from .lexicon import Lexicon
from .signals import signals

TEMPLATE = "provincial_10_90"


def match(doc: Document, lexicon: Lexicon) -> float:
    s = signals(doc, lexicon)
    if s.money is None or s.indicators is None:
        return 0.0
    score = 0.4 + 0.3 * ("nature" in s.indicator_keys or "measure_unit" in s.indicator_keys)
    score += 0.2 * (s.money.weight == "10") + 0.1 * ("reason" in s.money_keys)
    return min(score, 1.0)


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    return [forms.read_form(doc, lexicon, TEMPLATE, "project")]
