"""Findings as data, rendered in either language.

A finding keeps its parameters (the label as printed, the stated and computed values, the rows it
summed) as JSON in `findings.parameters`, with the key of its message template; the template, in
Chinese and in English, is a line of rules/messages.csv that people can read and edit. `message` is
rendered in the language of whoever writes the warehouse (Chinese by default) for plain SQL users;
the desk, the exports and the Python API render it again in their reader's language.

Templates are Python format strings over the parameters, with the form's own ways of writing values:
`{x:money}` (yuan as the forms write money, in either language: 94.44万元, 1,234.50元), `{x:pct}` (74.36%), `{x:num}` (a
number without trailing zeros), `{x:more}` (「 and 3 more」 a list left out), `{x}` (text as printed); a list is written with 「 / 」
between.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

from jixiao.base.data import read_csv
from jixiao.base.i18n import language

if TYPE_CHECKING:
    from jixiao.base.model import Severity


@lru_cache(maxsize=1)
def templates() -> dict[str, dict[str, str]]:
    """key → {"zh": …, "en": …}, from rules/messages.csv."""
    return {row["key"]: {"zh": row["zh"], "en": row["en"]} for row in read_csv("messages.csv")}


@lru_cache(maxsize=1)
def _column_names() -> dict[str, str]:
    return {row["column"]: row["chinese"] for row in read_csv("headers.csv", package="jixiao.warehouse")}


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _trimmed(n: Decimal) -> str:
    text = f"{n:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Shown:
    """A parameter as a template shows it: format specs money, pct, num, or the value as text."""

    def __init__(self, value, lang: str) -> None:
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        if isinstance(self.value, list):
            return " / ".join(format(_Shown(v, self.lang), spec) for v in self.value)
        if self.value is None:
            return "—"
        if spec == "more":  # how many more a list left out: 「 and 3 more」, 「等另3处」
            more = int(self.value or 0)
            return "" if more <= 0 else (f"等另{more}处" if self.lang == "zh" else f" and {more} more")
        if spec == "column":  # a warehouse column, named as the form names it
            name = str(self.value)
            if self.lang == "zh":
                return _column_names().get(name, name).replace("（元）", "")
            if name.endswith("_pct"):
                return name.removesuffix("_pct").replace("_", " ") + " (%)"
            return name.removesuffix("_yuan").replace("_", " ")
        n = _number(self.value) if spec in ("money", "pct", "num") else None
        if n is None:
            return str(self.value)
        if spec == "money":  # in either language as the forms write money: 万元 from ten thousand up
            if abs(n) >= 10000:
                return f"{_trimmed((n / 10000).quantize(Decimal('0.000001')))}万元"
            return f"{n:,.2f}元"
        if spec == "pct":  # rates are kept to two places: 96.50%
            return f"{n.quantize(Decimal('0.01'))}%" if self.lang == "zh" else f"{n.quantize(Decimal('0.01'))} %"
        return _trimmed(n)

    def __str__(self) -> str:
        return format(self, "")


def render(parameters: str | dict | None, lang: str | None = None, fallback: str | None = None) -> str | None:
    """The message of a finding from its parameters (JSON or a dict with its template's `key`), in lang
    (default: the language shown now); fallback (the stored message) where there are none."""
    if not parameters:
        return fallback
    data = json.loads(parameters, parse_float=Decimal) if isinstance(parameters, str) else parameters
    lang = lang or language()
    template = templates().get(data.get("key", ""), {}).get(lang)
    if template is None:
        return fallback
    shown = {k: _Shown(v, lang) for k, v in data.items()}
    try:
        return template.format_map(shown)
    except (KeyError, IndexError, ValueError):  # a template naming a parameter the finding lacks
        return fallback


def dumps(parameters: dict) -> str:
    """Parameters as stored: JSON, numbers exact (Decimals as text)."""
    return json.dumps(parameters, ensure_ascii=False, default=str, sort_keys=True)


def column_label(column: str, lang: str | None = None) -> str:
    """A warehouse column as a person names it: 实际支出 for spent_yuan in Chinese, "spent" in English."""
    return format(_Shown(column, lang or language()), "column")


def finding(rule: str, severity: Severity, key: str, actual: str | None = None, expected: str | None = None, **parameters):
    """A Finding as data: its parameters (with its template's key) kept, its message rendered in the language
    shown now (the store writes it again in the warehouse's)."""
    from jixiao.base.model import Finding

    data = {"key": key, **parameters}
    return Finding(rule, severity, render(data) or key, expected, actual, dumps(data))
