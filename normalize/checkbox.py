"""Checkbox groups in cell text: √经常性 □一次性, ☑是 □否, ■是, 是（√） 否（ ）, and questions with them."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .text import nfkc

TICKED = "√✓✔☑☒■▣◼●⊠🗹▪"
EMPTY = "□☐◻○▢◇⬜"
_GLYPHS = TICKED + EMPTY
_BEFORE = regex.compile(rf"([{_GLYPHS}])\s*([^\s{_GLYPHS}:：,，;；()（）]+)")
_AFTER = regex.compile(r"([\p{Han}A-Za-z]+)\s*[(（]\s*([√✓✔☑■●xX×✗]?)\s*[)）]")
_QUESTION = regex.compile(rf"([^\s{_GLYPHS}:：。;；]+?)\s*[:：]?\s*(?=[{_GLYPHS}]|[是否]\s*[(（])")


@dataclass(frozen=True)
class Option:
    text: str
    ticked: bool


# Options printed on the forms. When the spaces between them are lost (OCR, careless retyping) a
# run like 经常性一次性新增延续 is split back into them, so the ticked one is not the whole run.
KNOWN_OPTIONS = ("经常性项目", "一次性项目", "新增项目", "延续项目", "经常性", "一次性", "新增", "延续", "是", "否", "优", "良", "中", "差")


def _first_option(text: str) -> str:
    """The first printed option of a run of them with no spaces between; the text itself otherwise."""
    rest, first = text, None
    while rest:
        word = next((o for o in KNOWN_OPTIONS if rest.startswith(o)), None)
        if word is None:
            return text
        first = first or word
        rest = rest[len(word):]
    return first or text


def options(text: str) -> list[Option]:
    """Given text holding a checkbox group, return its options in order with their state."""
    s = nfkc(text)
    found = [Option(_first_option(m.group(2)), m.group(1) in TICKED) for m in _BEFORE.finditer(s)]
    if found:
        return found
    return [Option(m.group(1), bool(m.group(2))) for m in _AFTER.finditer(s)]


def has_checkboxes(text: str) -> bool:
    return bool(options(text))


def ticked_option(text: str) -> str | None:
    """Given a group like '√经常性 □一次性', return the one ticked option, or None (none or several)."""
    ticked = [o.text for o in options(text) if o.ticked]
    return ticked[0] if len(ticked) == 1 else None


def yes_no(text: str) -> bool | None:
    """Given '√ 是 □否' (or 是（√）否（ ）), return True/False; None when neither or both are ticked."""
    yes = [o.ticked for o in options(text) if o.text.startswith("是")]
    no = [o.ticked for o in options(text) if o.text.startswith("否")]
    if not yes and not no:
        return None
    y, n = any(yes), any(no)
    if y == n:
        return None
    return y


def questions(text: str) -> list[tuple[str, bool | None]]:
    """Given free text with embedded yes/no questions ('上年度是否有同类项目： □是 √否'), return them."""
    out = []
    s = nfkc(text)
    for line in regex.split(r"[\n。;；]", s):
        m = _QUESTION.search(line)
        if m and ("是否" in m.group(1) or "有无" in m.group(1)):
            out.append((m.group(1).strip(), yes_no(line[m.end():])))
    return out
