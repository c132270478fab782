"""Label canonicalisation and cell-text cleaning shared by every layout family."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

_SPACE = regex.compile(r"\s+")
_OF_WHICH = regex.compile(r"^其中[:：]?(?=.)")

# Outline numbering that is not part of a name: 一、 （一） (一) 1、 1. 1． ① 第一部分
_OUTLINE = [
    (1, regex.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]\s*")),
    (2, regex.compile(r"^\s*[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]\s*[、.．]?\s*")),
    (3, regex.compile(r"^\s*\d{1,2}\s*[、．]\s*|^\s*\d{1,2}\.(?!\d)\s*")),
    (3, regex.compile(r"^\s*[（(]\s*\d{1,2}\s*[）)]\s*")),
    (3, regex.compile(r"^\s*[①-⑳]\s*")),
]

# A parenthesised tail that qualifies a label rather than naming it: units, weights, formulas.
_LABEL_TAIL = regex.compile(
    r"\(\s*(?:单位\s*[:：]?\s*)?(?P<unit>万元|千元|元|亿元|%)\s*\)?$"  # ) optional: OCR and typists drop it
    r"|\(\s*(?P<weight>\d+(?:\.\d+)?)\s*分\s*\)$"
    r"|\(\s*[A-Z](?:\s*[/／÷]\s*[A-Z])?\s*\)$"
    r"|\(\s*\d+\s*分?\s*[*×xX]\s*[\p{Han}]+\s*\)$"
)

EMPTY_MARKERS = frozenset({"", "—", "——", "-", "--", "－", "/", "／", "\\", "无", "—/—", "-/-", "×", "…", "……", "空"})


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def split_outline(text: str) -> tuple[int | None, str]:
    """Given a row label, return (outline level or None, the label without its numbering)."""
    for level, pattern in _OUTLINE:
        m = pattern.match(text)
        if m and m.end() < len(text):
            return level, text[m.end():].strip()
    return None, text.strip()


def strip_outline(text: str) -> str:
    return split_outline(text)[1]


@lru_cache(maxsize=8192)  # forms repeat the same labels thousands of times
def label_parts(text: str) -> tuple[str, str | None, str | None]:
    """Given a label as written, return (canonical label, unit named in it, weight named in it).

    Canonical: NFKC, no whitespace (labels are often spaced 「项 目 名 称」 or wrapped), no
    trailing colon, no outline numbering, no parenthesised unit/weight/formula tail.
    """
    s = nfkc(text)
    s = _SPACE.sub("", s)
    s = s.rstrip(":：")
    s = split_outline(s)[1]
    s = _OF_WHICH.sub("", s)  # 「其中：当年财政拨款」 is the row 当年财政拨款
    unit = weight = None
    while True:
        m = _LABEL_TAIL.search(s)
        if not m or m.start() == 0:
            break
        unit = unit or m.group("unit")
        weight = weight or m.group("weight")
        s = s[: m.start()].rstrip(":：")
    return s, unit, weight


def canonical_label(text: str) -> str:
    return label_parts(text)[0]


def clean_text(text: str | None) -> str | None:
    """Given a cell's text, return it trimmed, or None when it is empty or an empty-cell marker."""
    if text is None:
        return None
    s = text.strip()
    if len(s) <= 3 and nfkc(s).replace(" ", "") in EMPTY_MARKERS:
        return None
    return s


_INSTRUCTION = regex.compile(r"\(\s*\d+\s*字以内\s*\)|^\s*请(?:填写|简要|根据)|^\s*填写说明")


def is_instruction(text: str) -> bool:
    """Whether a cell still holds the form's unfilled instructions (「…(100字以内)」, 「请填写…」)."""
    return bool(_INSTRUCTION.search(nfkc(text)))
