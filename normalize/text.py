"""Cell-text cleaning shared by every block reader (labels are canonicalised in jixiao.base.labels)."""

from __future__ import annotations

import regex

from jixiao.base.labels import EMPTY_MARKERS, nfkc


def clean_text(text: str | None) -> str | None:
    """Given a cell's text, return it trimmed, or None when it is empty or an empty-cell marker."""
    if text is None:
        return None
    s = text.strip()
    if len(s) <= 3 and nfkc(s).replace(" ", "") in EMPTY_MARKERS:
        return None
    return s


def one_line(text: str) -> str:
    """Given a cell's text, return it with line breaks that only wrap taken out (「项目名\\n称」 → 项目名称)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines:
        return ""
    out = lines[0]
    for ln in lines[1:]:
        joins = out[-1].isascii() and out[-1].isalnum() and ln[0].isascii() and ln[0].isalnum()
        out += (" " if joins else "") + ln
    return out


_INSTRUCTION = regex.compile(r"\(\s*\d+\s*字以内\s*\)|^\s*请(?:填写|简要|根据)|^\s*填写说明|^\s*(?:注|说明)\s*[:：]\s*\d?")


_INSTRUCTION_HINTS = ("字以内", "请", "填写说明", "注", "说明")


# A page's number printed as a line of its own (「2」, 「- 2 -」, 「第2页 共5页」, 「2/5」): no text of the report
_PAGE_NUMBER = regex.compile(r"[-—–~]?\s*\d{1,4}\s*[-—–~]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}")


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(nfkc(text).strip()))


def is_instruction(text: str) -> bool:
    """Whether a cell still holds the form's unfilled instructions (「…(100字以内)」, 「请填写…」)."""
    if not any(hint in text for hint in _INSTRUCTION_HINTS):
        return False  # most cells: no need to normalise them
    return bool(_INSTRUCTION.search(nfkc(text)))
