"""Beyond money: each indicator's kind, its target and actual as values and whether the target was met
(targets.py, kinds.py), and the narrative in kinds of items (parts.py), added to a report once it is read."""

from __future__ import annotations

from jixiao.base.model import Indicator, Report

from .kinds import Taxonomy, default_taxonomy
from .parts import narrative_items
from .targets import judge, parse_value


def value_indicator(indicator: Indicator, taxonomy: Taxonomy) -> None:
    """Set an indicator's kind, target and actual values, met and met_rule from its name, levels and text."""
    kind = taxonomy.place(indicator.name, indicator.level2, indicator.level1)
    indicator.kind = kind.kind if kind else None
    target, actual = parse_value(indicator.target), parse_value(indicator.actual)
    for side, value in (("target", target), ("actual", actual)):
        if value is not None:
            setattr(indicator, f"{side}_op", value.op)
            setattr(indicator, f"{side}_value", value.value)
            setattr(indicator, f"{side}_value_high", value.high)
            setattr(indicator, f"{side}_unit", value.unit)
            setattr(indicator, f"{side}_grade", value.grade)
    if indicator.target is None and indicator.actual is None:
        return  # a process indicator scored without target or result (the seed's 项目立项规范性): nothing to tell
    met, rule = judge(target, actual, kind.direction if kind else None)
    if rule == "no_target" and indicator.target is not None:
        rule = "target_unread"
    elif rule == "no_actual" and indicator.actual is not None:
        rule = "actual_unread"
    indicator.met, indicator.met_rule = met, rule


def describe(report: Report, taxonomy: Taxonomy | None = None) -> Report:
    """Given a report as read, add its indicators' values and its narrative items (in place); return it."""
    taxonomy = taxonomy or default_taxonomy()
    for indicator in report.indicators:
        value_indicator(indicator, taxonomy)
    report.narrative_items = narrative_items(report)
    return report
