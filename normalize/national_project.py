"""Layout family: the national 项目支出绩效自评表 (财政部 template).

项目名称 / 主管部门 / 实施单位; 项目资金（万元 or 元）with 年初预算数 | 全年预算数 | 全年执行数 | 分值 |
执行率 | 得分 over 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金; 年度总体目标; 绩效指标 with
一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施; 总分; 自评等级.
"""

from __future__ import annotations

from jixiao.model import Document, Report

from . import forms
from .lexicon import Lexicon
from .signals import signals

TEMPLATE = "national_project"


def match(doc: Document, lexicon: Lexicon) -> float:
    s = signals(doc, lexicon)
    if s.money is None or s.indicators is None:
        return 0.0
    score = 0.5
    score += 0.2 * ({"budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan"} <= s.money_keys)
    score += 0.1 * ("level1" in s.indicator_keys)
    score += 0.1 * s.mentions("项目支出绩效自评表")
    score -= 0.3 * ("nature" in s.indicator_keys)  # 指标性质 marks the provincial 10 + 90 form
    score -= 0.4 * s.has("部门(单位)名称", "部门名称") - 0.4 * s.mentions("部门整体")
    return max(score, 0.0)


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    return [forms.read_form(doc, lexicon, TEMPLATE, "project")]
