"""Indicator targets and results as comparable values: 「≥95%」, 「不低于95%」, 「95%以上」, 「3天内」,
「100万元以内」, 「90%-95%」, 「约1.2万人」, or a qualitative word on an ordered scale (明显提升, 达标, 是).

`parse_value` reads what an office wrote into a `Value` (operator, number, unit; or a grade), `format_value`
writes a Value back the one way this project writes it (parsing that gives the same Value), and `judge`
says whether a result meets a target and by which rule. Policy for a bad value: `parse_value` returns None
(the text is kept as written, the values stay NULL); `judge` returns met None, never a guess, with the reason
as its rule: units that do not convert, a number against a word, a bare target whose direction is unknown.
Units are data (rules/units.csv), and so are the grade scales (rules/grades.csv).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

import regex

from jixiao.base.data import read_csv
from jixiao.base.labels import EMPTY_MARKERS, nfkc, simplified

Op = Literal["≥", "≤", "=", ">", "<", "≈", "range"]
OPS: tuple[str, ...] = ("≥", "≤", "=", ">", "<", "≈", "range")
PLACES = Decimal("0.0001")  # v_indicators' DECIMAL(18,4)
MAX_VALUE = Decimal(10) ** 14  # what DECIMAL(18,4) holds


@dataclass(frozen=True)
class Value:
    """A target or a result as a value: op, value (the lower bound of a range), high (a range's upper
    bound) and unit (normalised: %, yuan, 天 …; None when none was written); or a grade."""

    op: str | None = None
    value: Decimal | None = None
    high: Decimal | None = None
    unit: str | None = None
    grade: str | None = None

    @property
    def is_number(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Grade:
    scale: str
    rank: int
    grade: str


@lru_cache(maxsize=1)
def units() -> dict[str, tuple[str, Decimal]]:
    """written unit → (unit stored, factor), from rules/units.csv."""
    return {row["written"]: (row["unit"], Decimal(row["factor"])) for row in read_csv("units.csv")}


@lru_cache(maxsize=1)
def grades() -> dict[str, Grade]:
    """a word as written (the grade or one of its aliases) → its Grade, from rules/grades.csv."""
    out: dict[str, Grade] = {}
    for row in read_csv("grades.csv"):
        grade = Grade(row["scale"], int(row["rank"]), row["grade"])
        for word in [row["grade"], *(a for a in row["aliases"].split("、") if a)]:
            out.setdefault(word, grade)
    return out


# How offices say the operator: words before the number, words after it, and the signs themselves.
_PREFIX = [
    ("≥", ("≥", ">=", "≧", "不低于", "不少于", "不小于", "大于等于", "大于或等于", "大于或者等于", "至少", "达到", "达", "≮")),
    ("≤", ("≤", "<=", "≦", "不高于", "不超过", "不多于", "不大于", "小于等于", "小于或等于", "低于或等于", "控制在", "≯")),
    (">", (">", "大于", "超过", "高于", "多于")),
    ("<", ("<", "小于", "低于", "少于")),
    ("≈", ("≈", "约为", "大约", "约", "~")),
    ("=", ("=", "等于", "为")),
]
_SUFFIX = [
    ("≥", ("及以上", "或以上", "以上", "(含)以上", "以上(含)")),
    ("≤", ("及以下", "或以下", "以下", "以内", "之内", "内")),
    ("≈", ("左右",)),
]
_PREFIX_WORDS = sorted(((w, op) for op, ws in _PREFIX for w in ws), key=lambda p: -len(p[0]))
_SUFFIX_WORDS = sorted(((w, op) for op, ws in _SUFFIX for w in ws), key=lambda p: -len(p[0]))

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+"
_UNIT = r"[^\d\s.,~\-—–至到]*"
_AMOUNT = regex.compile(rf"^(?P<n>{_NUMBER})(?P<u>{_UNIT})$")
_RANGE = regex.compile(rf"^(?P<a>{_NUMBER})(?P<ua>{_UNIT})(?:-|~|—|–|——|至|到)(?P<b>{_NUMBER})(?P<ub>{_UNIT})$")
_SPACES = regex.compile(r"\s+")


def _plain(text: str) -> str:
    """NFKC (full-width signs and digits: ＞＝ ９５％ → >= 95%), simplified characters, no spaces; 「＞＝」 and 「>=」
    read alike, and so do 「≥」 and 「≧」."""
    s = _SPACES.sub("", nfkc(simplified(text)))
    return s.replace("～", "~").replace("〜", "~").replace("，", ",").replace("％", "%")


def normalise_unit(written: str) -> tuple[str, Decimal] | None:
    """Given a unit as written (万元, 人次, 1.2万人's 万人, 元/人·年), return (unit stored, factor); a unit
    the table does not know is kept as written with factor 1; None for text that is no unit."""
    table = units()
    if written in table:
        return table[written]
    if "/" in written:  # a rate: 万元/公里 is yuan/公里 × 10000; only the numerator converts
        top, _, per = written.partition("/")
        head = normalise_unit(top) if top else None
        if head is None or not per or regex.search(r"[\d%]", per):
            return None
        return f"{head[0]}/{per}", head[1]
    for lead, factor in (("万", Decimal(10000)), ("亿", Decimal(100000000)), ("千", Decimal(1000))):
        if written.startswith(lead) and written[1:] in table:
            unit, f = table[written[1:]]
            return unit, f * factor
    if written in ("万", "亿"):  # 「1.2万」: ten thousands of nothing named
        return "", Decimal(10000) if written == "万" else Decimal(100000000)
    if regex.fullmatch(r"\p{Han}{1,4}|[a-zA-Z]{1,4}", written):
        return written, Decimal(1)
    return None


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _scaled(n: Decimal, factor: Decimal) -> Decimal | None:
    value = n * factor
    if abs(value) >= MAX_VALUE:
        return None
    exact = value.quantize(PLACES)
    return exact if exact == value else None  # more places than DECIMAL(18,4) holds: no value rather than a rounded one


def _amount(core: str) -> tuple[Decimal, str | None] | None:
    m = _AMOUNT.match(core)
    if not m or (n := _number(m["n"])) is None:
        return None
    unit = normalise_unit(m["u"]) if m["u"] else ("", Decimal(1))
    if unit is None:
        return None
    value = _scaled(n, unit[1])
    return None if value is None else (value, unit[0] or None)


def _grade(text: str) -> Value | None:
    found = grades().get(text.rstrip("。.!"))
    return Value(grade=found.grade) if found else None


def parse_value(text: str | None) -> Value | None:
    """Given a target or result as written, return its Value, or None when it is empty or does not parse
    (a date, a sentence, a figure with notes around it: the text stays, the values stay NULL)."""
    if text is None:
        return None
    s = _plain(text)
    if not s or s in EMPTY_MARKERS:
        return None
    grade = _grade(s)
    if grade is not None:
        return grade
    op = None
    for word, found in _PREFIX_WORDS:
        if s.startswith(word) and len(s) > len(word):
            op, s = found, s[len(word) :]
            break
    # after the number: 「95%以上」, 「3天内」, 「100万元以内」; with a word before that says the same (控制在…以内,
    # 约…左右, 达到…以上) or only 为; two that disagree (不低于95%以内) are no value
    for word, found in _SUFFIX_WORDS:
        if s.endswith(word) and len(s) > len(word):
            if op not in (None, "=", found):
                return None
            op, s = found, s[: -len(word)]
            break
    if (m := _RANGE.match(s)) and op in (None, "="):
        lo, hi = _amount(m["a"] + (m["ua"] or m["ub"])), _amount(m["b"] + m["ub"])
        if lo is None or hi is None or lo[1] != hi[1] or lo[0] > hi[0]:
            return None
        return Value("range", lo[0], hi[0], lo[1])
    amount = _amount(s)
    if amount is None:
        return None
    return Value(op or "=", amount[0], None, amount[1])


def _shown(n: Decimal) -> str:
    text = f"{n:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unit_shown(unit: str | None) -> str:
    if unit is None:
        return ""
    return unit.replace("yuan", "元")


def format_value(value: Value) -> str:
    """Given a Value, return it written this project's one way (≥95%, ≤1000000元, 90%-95%, 明显提升); parsing
    the result gives the same Value."""
    if value.grade is not None:
        return value.grade
    assert value.value is not None  # a Value is a grade or a number
    unit = _unit_shown(value.unit)
    if value.op == "range":
        assert value.high is not None  # a range has both ends
        return f"{_shown(value.value)}{unit}-{_shown(value.high)}{unit}"
    op = "" if value.op == "=" else value.op
    return f"{op}{_shown(value.value)}{unit}"


# --- met or not -----------------------------------------------------------------------------

Direction = Literal["higher", "lower"] | None


def _to_common(target: Value, actual: Value) -> tuple[str | None, str | None]:
    """The unit both compare in, and the rule's note: a side without a unit takes the other's (offices print
    the unit once, in the target: 「≥95%」 against 「96」); two units that differ do not compare."""
    if target.unit == actual.unit:
        return target.unit, None
    if target.unit is None or actual.unit is None:
        return target.unit or actual.unit, "unit_assumed"
    return None, "units_differ"


def judge(target: Value | None, actual: Value | None, direction: Direction = None) -> tuple[bool | None, str]:
    """Whether the actual reaches the target, and the rule that decided it (or why it cannot be told).

    direction: whether more is better for this indicator's kind (rules/indicator_kinds.csv); it decides only a
    bare target (「100%」, 「10个」) that the actual does not equal: more than 10 sites where 10 were the target
    meets it, 3.2 % unemployment against a bare 4.5 % does when less is better, and when neither is known the
    answer is NULL."""
    if target is None:
        return None, "no_target"
    if actual is None:
        return None, "no_actual"
    if target.grade is not None or actual.grade is not None:
        if target.grade is None or actual.grade is None:
            return None, "number_and_grade"
        wanted, reached = grades()[target.grade], grades()[actual.grade]
        if wanted.scale != reached.scale:
            return None, "scales_differ"
        return reached.rank >= wanted.rank, "grade_rank"
    unit, note = _to_common(target, actual)
    if note == "units_differ":
        return None, "units_differ"
    if actual.op == "range":
        return None, "actual_range"
    a = actual.value
    lo, hi = target.value, target.high
    assert a is not None and lo is not None  # neither is a grade, so both are numbers
    if target.op == "range":
        assert hi is not None  # a range has both ends
        met, rule = lo <= a <= hi, "within_range"
    elif target.op == "≥":
        met, rule = a >= lo, "at_least"
    elif target.op == ">":
        met, rule = a > lo, "more_than"
    elif target.op == "≤":
        met, rule = a <= lo, "at_most"
    elif target.op == "<":
        met, rule = a < lo, "less_than"
    elif a == lo:
        met, rule = True, "equal"
    elif direction == "higher":
        met, rule = a > lo, "equal_or_more"
    elif direction == "lower":
        met, rule = a < lo, "equal_or_less"
    else:
        return None, "direction_unknown"
    return met, f"{rule}_unit_assumed" if note else rule
