"""The narrative in parts: each section's numbered items (1、 （一） ① 一是 …) as rows of their own, with the
kind of text they are (achievement, problem, cause, improvement, results_use) by rules/section_kinds.csv.
A form's own text cells (问题与分析, 建议, 项目实际产出 …) are items too. These are the rows search finds."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from jixiao.base.data import read_csv
from jixiao.base.labels import nfkc, simplified
from jixiao.base.model import NarrativeItem, Report

from .text import clean_text

# An item's numbering: at the text's start or after a sentence ends (「。2、」, 「；二是」, 「：一是」); 「2.5万元」 is no item
_NUMBERING = (
    r"\d{1,2}[、．](?!\d)|\d{1,2}\.(?!\d)|[（(]\d{1,2}[）)]|[①-⑳]|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|[一二三四五六七八九十]{1,3}[、是]|第[一二三四五六七八九十]{1,3}[，,、是]"
)
_NUMBER = regex.compile(r"(?:(?<=^|[。；;！!？?：:\n])\s*)(?P<n>" + _NUMBERING + ")")
_MIN_ITEM = 4  # characters: 「1、」 and a word is a list's label, not an item


@dataclass(frozen=True)
class _Rules:
    headings: tuple[tuple[str | None, regex.Pattern], ...]
    fields: dict[str, str | None]
    cues: tuple[tuple[str | None, regex.Pattern], ...]


@lru_cache(maxsize=1)
def _topics() -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((row["topic"].strip(), regex.compile(row["pattern"].strip())) for row in read_csv("problem_topics.csv"))


def problem_topic(text: str) -> str | None:
    """Given a problem item, return its topic (rules/problem_topics.csv), or None when no row names it."""
    plain = _plain(text)
    return next((topic for topic, pattern in _topics() if pattern.search(plain)), None)


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    headings, fields, cues = [], {}, []
    for row in read_csv("section_kinds.csv"):
        kind, context, pattern = row["kind"].strip() or None, row["context"].strip(), row["pattern"].strip()
        if context == "heading":
            headings.append((kind, regex.compile(pattern)))
        elif context == "field":
            fields[pattern] = kind
        else:
            cues.append((kind, regex.compile(pattern)))
    return _Rules(tuple(headings), fields, tuple(cues))


def _plain(text: str) -> str:
    return nfkc(simplified(text))


def heading_kinds(heading: str | None) -> list[str]:
    """Given a section heading, return the kinds it names in the order it names them (none: no kind)."""
    if not heading:
        return []
    plain = _plain(heading)
    found: list[tuple[int, str]] = []
    for kind, pattern in _rules().headings:
        m = pattern.search(plain)
        if m is None:
            continue
        if kind is None:
            return []
        if kind not in (k for _, k in found):
            found.append((m.start(), kind))
    return [k for _, k in sorted(found)]


def item_kind(text: str, allowed: list[str]) -> str:
    """The kind of an item of a section that names several: the allowed kind whose cue comes first in it,
    else the heading's first."""
    plain = _plain(text)
    best: tuple[int, str] | None = None
    for kind, pattern in _rules().cues:
        if kind in allowed and (m := pattern.search(plain)) and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    return best[1] if best else allowed[0]


def split_items(text: str) -> list[tuple[str | None, str]]:
    """Given a section's text, return its items: (numbering as written or None, the item's text). A paragraph
    without numbering is an item of its own; numbered items inside one paragraph are split apart."""
    out: list[tuple[str | None, str]] = []
    for paragraph in (p.strip() for p in text.split("\n")):
        if not paragraph:
            continue
        marks = [m for m in _NUMBER.finditer(paragraph)]
        if not marks:
            out.append((None, paragraph))
            continue
        lead = paragraph[: marks[0].start("n")].strip()
        if lead and not (lead.endswith((":", "：")) and len(lead) <= 12):  # 「主要问题：」 only names the list
            out.append((None, lead))
        for m, nxt in zip(marks, marks[1:] + [None]):
            body = paragraph[m.end("n") : nxt.start("n") if nxt else len(paragraph)].strip()
            if len(body) >= _MIN_ITEM:
                out.append((m["n"], body))
            elif out and body:
                out[-1] = (out[-1][0], out[-1][1] + m["n"] + body)
    return out


# A line break inside a form's cell is where the cell's width wrapped the text (a PDF's cell keeps it) as often as a
# paragraph the writer began: only a break before an item's numbering is kept
_WRAP = regex.compile(r"\s*\n(?!\s*(?:" + _NUMBERING + r"))\s*")


def _unwrapped(text: str | None) -> str | None:
    return None if text is None else _WRAP.sub("", text)


def narrative_items(report: Report) -> list[NarrativeItem]:
    """Given a report with its sections and fields, return its narrative items, numbered from 1."""
    rules = _rules()
    items: list[NarrativeItem] = []

    def add(kind, heading, number, text, section_seq) -> None:
        topic = problem_topic(text) if kind == "problem" else None
        items.append(NarrativeItem(len(items) + 1, kind, heading, number, text, section_seq, topic))

    for section in report.sections:
        kinds = heading_kinds(section.heading)
        for number, text in split_items(section.text):
            add(item_kind(text, kinds) if len(kinds) > 1 else (kinds[0] if kinds else None), section.heading, number, text, section.seq)
    for field in report.fields:
        kind = rules.fields.get(field.key or "")
        value = _unwrapped(clean_text(field.value))
        if kind is None or value is None:
            continue
        for number, text in split_items(value):
            add(kind, field.label, number, text, None)
    return items
