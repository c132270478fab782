"""Figures the warehouse columns cannot hold become NULL with a finding, never a failed document.

Money is DECIMAL(18,2) (below 10^16 yuan), rates, scores and weights DECIMAL(9,2) (below 10^7).
A 17-digit figure is a misread or a typing slip; storing it would fail the whole document.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from jixiao.base.messages import finding
from jixiao.base.model import REPORT_TABLES, Fact, Finding, Report

MONEY_LIMIT = Decimal(10) ** 16
RATE_LIMIT = Decimal(10) ** 7
VALUE_LIMIT = Decimal(10) ** 14  # an indicator's target or actual value, DECIMAL(18,4): yuan, people, percent alike
_HALF_CENT = Decimal("0.005")  # the column rounds to cents: 9999999999999999.995 overflows too


def _limit(record: object, name: str) -> Decimal:
    if name.endswith(("_value", "_value_high")):
        return VALUE_LIMIT
    return MONEY_LIMIT if name.endswith("_yuan") or (isinstance(record, Fact) and name == "value") else RATE_LIMIT


def _too_big(value: object, limit: Decimal) -> bool:
    return isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= limit - _HALF_CENT)


def _fit(record, where: str, findings: list[Finding]):
    """record with every figure that does not fit its column set to None; a finding for each."""
    changes: dict[str, None] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if _too_big(value, _limit(record, f.name)):
            changes[f.name] = None
            findings.append(
                finding("value_unreadable", "warning", "value_unreadable.too_large", str(value), where=where, field=f.name, value=str(value))
            )
    return dataclasses.replace(record, **changes) if changes else record


def fit_report(report: Report) -> Report:
    """Given a report, return it with every figure too large for its warehouse column NULL, with a finding."""
    findings: list[Finding] = []
    tables = {t: [_fit(r, f"{t}: ", findings) for r in getattr(report, t)] for t in REPORT_TABLES if t != "findings"}
    fitted = _fit(report, "", findings)  # the report's own columns (its lists hold no Decimal)
    if not findings:
        return report
    return dataclasses.replace(fitted, **tables, findings=[*report.findings, *findings])
