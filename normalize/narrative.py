"""The narrative report: sections by heading, and figures stated in sentences (facts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from jixiao.data import read_csv
from jixiao.labels import nfkc, simplified
from jixiao.model import Fact, Section

from .values import parse_decimal, parse_money, parse_percent

# A number starts where its digits start, and has at most 24 digits and six groups before its point: a
# pattern tried from inside a run of digits scans it to its end each time (a megabyte of them, hours).
_NUM = r"(?<!\d)\d{1,24}(?:,\d{3}){0,6}(?:\.\d{1,12})?"
_UNIT = r"亿元|万元|千元|元"
_HEADING = regex.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SENTENCE = regex.compile(r"[^。！？!?\n]+[。！？!?]?")
# an item's name starts where the previous item ended (\G) or where its run of name characters starts
_ITEM = regex.compile(rf"(?:\G|(?<![\p{{Han}}A-Za-z（）()]))([\p{{Han}}A-Za-z（）()]+?)(?:为|共|计)?({_NUM})({_UNIT})")
_FIGURE = regex.compile(rf"{_NUM}\s*(?:{_UNIT}|[%％])")  # a money amount or a percentage


@dataclass(frozen=True)
class FactPattern:
    key: str
    pattern: regex.Pattern


@lru_cache(maxsize=1)
def fact_patterns() -> tuple[FactPattern, ...]:
    """Read rules/facts.csv into compiled patterns (NUM and UNIT expanded)."""
    rows = read_csv("facts.csv")
    return tuple(FactPattern(r["key"], regex.compile(r["pattern"].replace("NUM", _NUM).replace("UNIT", _UNIT)))
                 for r in rows)


def is_heading(text: str) -> bool:
    """Whether a paragraph is a section heading: 「二、项目资金使用及管理情况」 or a short bare title."""
    s = text.strip()
    if not s or len(s) > 40:
        return False
    if _HEADING.match(s):
        return True
    return len(s) <= 20 and not regex.search(r"[，,；;：:\d]", s) and not s.endswith(("。", "！", "？"))


def sections(paragraphs: list[str]) -> list[Section]:
    """Given narrative paragraphs, return sections; a heading followed at once by another is a title."""
    out: list[Section] = []
    heading: str | None = None
    body: list[str] = []

    def close() -> None:
        if body:
            out.append(Section(len(out) + 1, heading, "\n".join(body)))

    for text in (p.strip() for p in paragraphs):
        if not text:
            continue
        if is_heading(text):
            close()
            heading, body = text, []
        else:
            body.append(text)
    close()
    return out


def _figure(parse, *args) -> Decimal | None:
    """A figure a sentence states, None when it has more digits than any real one (no fact is made of it)."""
    try:
        return parse(*args)
    except ValueError:
        return None


def facts(text: str) -> list[Fact]:
    """Given narrative text, return the figures its sentences state, each (key, value) once."""
    out: list[Fact] = []
    seen: set[tuple[str, Decimal]] = set()

    def add(key: str, value: Decimal | None, unit: str, written: str) -> None:
        if value is not None and (key, value) not in seen:
            seen.add((key, value))
            out.append(Fact(key, value, unit, written))  # type: ignore[arg-type]

    for m in _SENTENCE.finditer(text.replace("\r", "")):
        written = m.group(0).strip()
        sentence = nfkc(simplified(written))  # patterns read the simplified NFKC form; the fact keeps the sentence as written
        listed: list[tuple[int, int]] = []  # expense lists: their items are no budget, spent or balance
        for fp in fact_patterns():
            if fp.key == "pass":
                continue
            for hit in fp.pattern.finditer(sentence):
                if any(a < hit.end() and hit.start() < b for a, b in listed):
                    continue
                if fp.key == "expense_list":
                    listed.append((hit.start(), len(sentence)))
                    for item in _ITEM.finditer(sentence, hit.end()):
                        add(f"expense:{item.group(1).strip('，、,;；')}", _figure(parse_money, item.group(2), item.group(3)), "yuan", written)
                    continue
                num = hit.group("num")
                if fp.key.endswith("rate"):
                    add(fp.key, _figure(parse_percent, num + "%"), "pct", written)
                elif fp.key.startswith("score"):
                    add(fp.key, _figure(parse_decimal, num), "points", written)
                else:
                    add(fp.key, _figure(parse_money, num, hit.group("unit")), "yuan", written)
    return out


def figure_sentences(text: str) -> list[tuple[str, bool]]:
    """Given narrative text, return its figure-bearing sentences (a money amount or a percentage) and
    whether each was understood: a fact pattern, or a `pass` pattern of rules/facts.csv, reads it."""
    out = []
    for m in _SENTENCE.finditer(text.replace("\r", "")):
        written = m.group(0).strip()
        sentence = nfkc(simplified(written))
        if not _FIGURE.search(sentence):
            continue
        out.append((written, any(fp.pattern.search(sentence) for fp in fact_patterns())))
    return out
