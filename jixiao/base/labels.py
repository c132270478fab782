"""Label canonicalisation, the ground floor every stage shares: normalize maps labels with it, the
warehouse groups unknown labels and names projects with it. Nothing here imports a stage."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc
import regex

_SPACE = regex.compile(r"\s+")
_OF_WHICH = regex.compile(r"^其中[:：]?(?=.)")
_T2S = opencc.OpenCC("t2s")  # OpenCC's own tables: 項目名稱 → 项目名称, 萬 → 万

# Outline numbering that is not part of a name: 一、 （一） (一) 1、 1. 1． ① 指标1: 第一部分
_OUTLINE = [
    (1, regex.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]\s*")),
    (2, regex.compile(r"^\s*[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]\s*[、.．]?\s*")),
    (3, regex.compile(r"^\s*\d{1,2}\s*[、．]\s*|^\s*\d{1,2}\.(?!\d)\s*")),
    (3, regex.compile(r"^\s*[（(]\s*\d{1,2}\s*[）)]\s*")),
    (3, regex.compile(r"^\s*[①-⑳]\s*")),
]
# 「指标1:」「指标 2：」「指标3」: the template's own numbering of its rows, never part of a name
_TEMPLATE_NUMBER = regex.compile(r"^\s*指标\s*\d{1,3}\s*(?:[:：.、]\s*|(?=\s|$|[^\d]))")

# A parenthesised tail that qualifies a label rather than naming it: units, weights, formulas, seals.
_LABEL_TAIL = regex.compile(
    r"\(\s*(?:单位\s*[:：]?\s*)?(?P<unit>万元|千元|元|亿元|%)\s*\)?$"  # ) optional: OCR and typists drop it
    r"|\(\s*(?P<weight>\d+(?:\.\d+)?)\s*分\s*\)$"
    r"|\(\s*[A-Z](?:\s*[/／÷]\s*[A-Z](?:\s*[×xX*]\s*100\s*%)?)?\s*\)$"  # (A), (B/A), (B/A×100%)
    r"|\(\s*\d*\s*分?\s*[*×xX]\s*[\p{Han}]+\s*\)$"
    r"|\(\s*(?:盖章|签章|签字|公章|签名|章)\s*\)$"
    r"|\(\s*分?\s*\)$"  # 「预算数( )」, 「产出指标( 分)」: a unit or weight whose digits the host removed
)

_MAX_TAILS = 4  # 「(万元)(盖章)」 has two; peeling a thousand of them one search each would be quadratic

EMPTY_MARKERS = frozenset({"", "—", "——", "-", "--", "－", "/", "／", "\\", "无", "—/—", "-/-", "×", "…", "……", "空"})


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=16384)
def simplified(text: str) -> str:
    """Given text perhaps in traditional characters, return it in simplified ones (labels and units only:
    values are stored as written)."""
    if text.isascii():
        return text
    return _T2S.convert(text)


def split_outline(text: str) -> tuple[int | None, str]:
    """Given a row label, return (outline level or None, the label without its numbering)."""
    plain = simplified(text)  # 指標1： is 指标1：; the conversion keeps every character's place
    if len(plain) != len(text):
        plain = text
    m = _TEMPLATE_NUMBER.match(plain)
    if m:
        return 3, text[m.end() :].strip()
    for level, pattern in _OUTLINE:
        m = pattern.match(plain)
        if m and m.end() < len(text):
            return level, text[m.end() :].strip()
    return None, text.strip()


@lru_cache(maxsize=8192)  # forms repeat the same labels thousands of times
def label_parts(text: str) -> tuple[str, str | None, str | None]:
    """Given a label as written, return (canonical label, unit named in it, weight named in it).

    Canonical: simplified characters, NFKC, no whitespace (labels are often spaced 「项 目 名 称」
    or wrapped), no trailing colon, no outline numbering, no parenthesised unit/weight/formula/seal tail.
    """
    s = nfkc(simplified(text))
    s = _SPACE.sub("", s)
    s = s.rstrip(":：")
    s = split_outline(s)[1]
    s = _OF_WHICH.sub("", s)  # 「其中：当年财政拨款」 is the row 当年财政拨款
    unit = weight = None
    for _ in range(_MAX_TAILS):
        m = _LABEL_TAIL.search(s)
        if not m or m.start() == 0:
            break
        unit = unit or m.group("unit")
        weight = weight or m.group("weight")
        s = s[: m.start()].rstrip(":：")
    if unit is None:
        tail = regex.search(r"\((?:单位\s*[:：]\s*)?(万元|千元|元|亿元)\)", s)  # 「项目资金(万元)来源」: a unit mid-label
        if tail:
            unit = tail.group(1)
            s = s[: tail.start()] + s[tail.end() :]
    return s, unit, weight


def canonical_label(text: str) -> str:
    return label_parts(text)[0]
