"""Checkbox groups in cell text: √经常性 □一次性, 常年性 √ 延续性□, ☑是 □否, ■是, 是（√） 否（ ）.

A glyph may stand before its option (√经常性) or after it (常年性 √, 持续性项目 £ 新增性项目 R — the
Wingdings 2 letters of a text copy); which, is read from where the first and last glyphs sit. An
option whose glyph was lost leaves the group unknown: never the first option by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from jixiao.base.labels import nfkc

TICKED = "√✓✔☑☒■▣◼●⊠🗹▪"
EMPTY = "□☐◻○▢◇⬜"
_GLYPHS = TICKED + EMPTY
# Letters that Wingdings 2 / Wingdings draw as boxes, as text copies of such forms show them; read as
# boxes only when they stand alone between words (「持续性项目 £ 新增性项目 R」).
_FONT_LETTERS = {"£": "□", "R": "☑", "T": "☑", "þ": "☑", "¨": "□", "o": "□"}
_LONE_LETTER = regex.compile(r"(?<=^|[\s\p{Han}、，,;；:：])([£RTþ¨o])(?=$|[\s\p{Han}、，,;；])")
# A pattern that opens with a run of characters is tried only where the run starts (the lookbehind):
# tried from every character of a long run it scans to the run's end each time (a 20 KB cell took a minute).
_AFTER = regex.compile(r"(?<![\p{Han}A-Za-z])([\p{Han}A-Za-z]+)\s*[(（]\s*([√✓✔☑■●xX×✗]?)\s*[)）]")
# A question, then its answer: a glyph (□是 √否), or 是/否 after a colon or a space (是（√）, 是 □ 否 √).
_QUESTION = regex.compile(
    rf"(?<![^\s{_GLYPHS}:：。;；])([^\s{_GLYPHS}:：。;；]+?)"
    rf"(?:\s*[:：]?\s*(?=[{_GLYPHS}])|\s*[:：]\s*(?=[是否])|\s+(?=[是否]\s*[{_GLYPHS}(（]))"
)
_NUMBERING = regex.compile(r"(?:^|(?<=[\s\p{Han}]))(?:\d{1,2}\s*[、.．)）]|[（(]\d{1,2}[)）]|[①-⑳])")
_SEPARATORS = regex.compile(r"[\s、,，;；]+")
_GLYPH_SPLIT = regex.compile(rf"([{_GLYPHS}])")
_HAN = regex.compile(r"\p{Han}")
_LINES = regex.compile(r"[\n。;；]")


@dataclass(frozen=True)
class Option:
    text: str
    ticked: bool | None  # None: its glyph was lost


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
        rest = rest[len(word) :]
    return first or text


def _words(text: str) -> list[str]:
    """Option words of a text run: numbering (1、 ① 、) and labels (项目属性：) dropped."""
    out = []
    for part in _SEPARATORS.split(_NUMBERING.sub(" ", text)):
        word = part.replace("：", ":").rsplit(":", 1)[-1].strip(".。 ")  # 「项目属性:常年性」: a label, then the option
        if word:
            out.append(word)
    return out


def _glyph_runs(text: str) -> list[str]:
    """Split text into glyphs and the text between them, glyph letters of symbol fonts mapped."""
    s = _LONE_LETTER.sub(lambda m: _FONT_LETTERS[m.group(1)], nfkc(text)) if _HAN.search(text) else nfkc(text)
    return [part for part in _GLYPH_SPLIT.split(s) if part != ""]


def _glyphs_lead(runs: list[str], glyphs: list[int]) -> bool:
    """Whether glyphs stand before their options (√是 □否) rather than after (常年性 √): before when
    nothing but numbering precedes the first glyph, after when nothing follows the last; in between
    (「是√否」, a box lost to OCR) the glyph goes with the word it touches, and before by convention."""
    if not _words("".join(runs[: glyphs[0]])):
        return True
    if not _words("".join(runs[glyphs[-1] + 1 :])):
        return False
    i = glyphs[0]
    left, right = runs[i - 1], runs[i + 1] if i + 1 < len(runs) else ""
    touches_left = bool(left) and not left[-1].isspace()
    touches_right = bool(right) and not right[0].isspace()
    return not (touches_left and not touches_right)


@lru_cache(maxsize=4096)  # forms repeat the same groups (√是 □否) many times
def options(text: str) -> tuple[Option, ...]:
    """Given text holding a checkbox group, return its options in order with their state."""
    return tuple(_options(text))


def _options(text: str) -> list[Option]:
    in_parens = [Option(m.group(1), bool(m.group(2))) for m in _AFTER.finditer(nfkc(text))]
    if in_parens:
        return in_parens
    runs = _glyph_runs(text)
    glyphs = [i for i, part in enumerate(runs) if part in _GLYPHS]
    if not glyphs:
        return []
    before = _glyphs_lead(runs, glyphs)
    found: list[Option] = []
    if before:
        for i in glyphs:
            following = runs[i + 1] if i + 1 < len(runs) and runs[i + 1] not in _GLYPHS else ""
            words = _words(following)
            if words:
                found.append(Option(_first_option(words[0]), runs[i] in TICKED))
        return found
    for n, i in enumerate(glyphs):
        start = glyphs[n - 1] + 1 if n else 0
        words = _words("".join(runs[start:i]))
        if not words:
            continue
        found.extend(Option(w, None) for w in words[:-1])  # options printed with no glyph at all
        found.append(Option(_first_option(words[-1]), runs[i] in TICKED))
    found.extend(Option(w, None) for w in _words("".join(runs[glyphs[-1] + 1 :])))
    return found


def has_checkboxes(text: str) -> bool:
    return bool(options(text))


def ticked_option(text: str) -> str | None:
    """Given a group like '√经常性 □一次性', return the one ticked option, or None (none, several, or a
    glyph lost so that the tick cannot be told)."""
    found = options(text)
    if any(o.ticked is None for o in found):
        return None
    ticked = [o.text for o in found if o.ticked]
    return ticked[0] if len(ticked) == 1 else None


def yes_no(text: str) -> bool | None:
    """Given '√ 是 □否' (or 是（√）否（ ）), return True/False; None when neither or both are ticked."""
    found = options(text)
    yes = [o.ticked for o in found if o.text.startswith("是")]
    no = [o.ticked for o in found if o.text.startswith("否")]
    if (not yes and not no) or None in yes + no:
        return None
    y, n = any(yes), any(no)
    if y == n:
        return None
    return y


def questions(text: str) -> list[tuple[str, bool | None]]:
    """Given free text with embedded yes/no questions ('上年度是否有同类项目： □是 √否'), return them."""
    out = []
    s = nfkc(text)
    for line in _LINES.split(s):
        m = _QUESTION.search(line)
        if m and ("是否" in m.group(1) or "有无" in m.group(1)):
            out.append((m.group(1).strip(), yes_no(line[m.end() :])))
    return out
