"""Key-value rows (项目名称 | … | 项目编号 | …), yes/no questions, checkbox groups, and 「label：value」
written inline in a cell or in a line above the table (单位名称:黄冈市档案馆 填报日期:2021年4月)."""

from __future__ import annotations

import regex

from jixiao.base.labels import nfkc
from jixiao.base.model import Cell, Field, Paragraph, Table

from . import checkbox
from .layout import starting
from .lexicon import MAX_LABEL_CHARS
from .reading import ReadContext
from .text import clean_text

_LABEL_CONTEXTS = ("field", "flag")
_LABEL_LIKE = regex.compile(r"^[\p{Han}（）()、/\s]{2,20}[:：]?$")
_LABEL_CHAR = regex.compile(r"[\p{Han}()（）]")
_HAN_CHAR = regex.compile(r"\p{Han}")
_SPACE_CHAR = regex.compile(r"\s")
_GLYPH_START = regex.compile(rf"[{checkbox.TICKED}{checkbox.EMPTY}]|\d[、.]|[:：]")


def label_key(ctx: ReadContext, text: str) -> tuple[str, str] | None:
    """(context, key) of a cell's text as a field or flag label, or None."""
    if len(text) > 40:
        return None
    for context in _LABEL_CONTEXTS:
        key = ctx.lexicon.key(context, text)
        if key:
            return context, key
    return None


def _is_other_label(ctx: ReadContext, text: str) -> bool:
    """A label that is not a key: a group (项目管理情况), a section title, a block's column label."""
    return any(ctx.lexicon.key(cx, text) for cx in ("group", "section", "indicators.total"))


def _labelled_options(ctx: ReadContext, text: str) -> tuple[str, str, str] | None:
    """「项目属性 √经常性 □一次性」 in one cell: (key, label, options) when a known label leads the options."""
    m = _GLYPH_START.search(text)
    if m is None or m.start() == 0:
        return None
    label = text[: m.start()]
    found = label_key(ctx, label)
    if found is None or found[0] != "field":
        return None
    return found[1], label, text[m.start() :].lstrip(":：")


def read_key_values(ctx: ReadContext, table: Table, rows: list[int]) -> None:
    """Read rows of label | value [| label | value]: a known label takes the cell after it as its value
    (an empty one too); yes/no questions become flags; unknown labels are kept with an empty key."""
    for r in rows:
        pending: tuple[Cell, tuple[str, str] | None] | None = None  # a label waiting for its value
        for cell in starting(table, r):
            text = cell.text.strip()
            known = label_key(ctx, text) if text else None
            if pending is not None:
                label_cell, found = pending
                if known is None and not _is_other_label(ctx, text):
                    _pair(ctx, table, label_cell, found, cell)
                    pending = None
                    continue
                _pair(ctx, table, label_cell, found, None)
                pending = None
            if not text:
                continue
            if known is not None:
                pending = (cell, known)
            elif _is_other_label(ctx, text):
                ctx.mark(cell, "label")
            elif (options := _labelled_options(ctx, text)) is not None:
                key, label, value = options
                ctx.record(key, label, value, table, cell, cell)
            elif checkbox.has_checkboxes(text) and ctx.questions(text, table, cell):
                pass
            elif inline_pairs(ctx, text, table, cell):
                pass
            elif _LABEL_LIKE.match(nfkc(text)) and not checkbox.has_checkboxes(text):
                pending = (cell, None)  # an unknown label: kept with its value for `jixiao labels`
        if pending is not None:
            _pair(ctx, table, pending[0], pending[1], None)


def _pair(ctx: ReadContext, table: Table, label_cell: Cell, found: tuple[str, str] | None, value_cell: Cell | None) -> None:
    label = label_cell.text
    if found is None:
        if value_cell is not None and clean_text(value_cell.text):
            ctx.record(None, label, ctx.value(value_cell), table, value_cell)
        return
    context, key = found
    ctx.mark(label_cell, "label")
    if context == "flag":
        ctx.flag(key, label, value_cell.text if value_cell is not None else None, table, value_cell, label_cell)
        return
    value = ctx.value(value_cell)
    ctx.record(key, label, value, table, value_cell, label_cell)
    if value and value_cell is not None and checkbox.has_checkboxes(value):
        ctx.questions(value, table, value_cell)


def _colon_labels(s: str) -> list[tuple[int, int, int]]:
    """(label start, label end, value start) of each 「label：」 in s: the run of Han characters and brackets (single
    spaces before a Han character allowed: 「预 算 编 码:」) that ends, spaces aside, at a colon.

    Walked back from each colon, so each character is looked at about once: a pattern doing the same
    from each character of a long run without a colon took minutes on a 200 KB cell."""
    out: list[tuple[int, int, int]] = []
    bound = 0  # where the previous label's value starts: no label reaches back over it
    for colon in (i for i, ch in enumerate(s) if ch in ":："):
        end = colon
        while end > bound and _SPACE_CHAR.match(s[end - 1]):
            end -= 1
        if end == bound or not _LABEL_CHAR.match(s[end - 1]):
            continue
        start = end - 1
        while start > bound:
            if _LABEL_CHAR.match(s[start - 1]):
                start -= 1
            elif start - 1 > bound and _SPACE_CHAR.match(s[start - 1]) and _HAN_CHAR.match(s[start]) and _LABEL_CHAR.match(s[start - 2]):
                start -= 2
            else:
                break
        out.append((start, end, colon + 1))
        bound = colon + 1
    return out


def inline_pairs(ctx: ReadContext, text: str, table: Table | None, cell: Cell | None, paragraph: Paragraph | None = None) -> bool:
    """Read 「label：value」 pairs written in one text; return whether a known label was found.

    Every 「…：」 ends the value before it; only labels the lexicon knows give fields.
    """
    s = nfkc(text)
    marks: list[tuple[int, int, str | None, str]] = []  # (label start, value start, key, label)
    glued = False  # a label may run on from the value before it only after a label
    for run_start, run_end, value_start in _colon_labels(s):
        run, key, start = s[run_start:run_end], None, run_start
        # only the run's last MAX_LABEL_CHARS may be a label: a longer tail is never one
        for k in range(max(0, len(run) - MAX_LABEL_CHARS) if glued else 0, len(run) - 1 if glued else 1):
            if run[k].isspace():
                continue
            found = ctx.lexicon.key("field", run[k:]) or ("score_total" if ctx.lexicon.key("indicators.total", run[k:]) else None)
            if found:
                key, start = found, run_start + k
                break
        marks.append((start, value_start, key, run[start - run_start :]))
        glued = glued or key is not None
    found_any = False
    for i, (_start, value_start, key, label) in enumerate(marks):
        if key is None:
            continue
        end = marks[i + 1][0] if i + 1 < len(marks) else len(s)
        value = clean_text(s[value_start:end].strip(" ,，;；")) or None
        found_any = True
        if table is not None:
            ctx.record(key, label, value, table, cell, cell)
        else:
            place = f"p{paragraph.index + 1}" if paragraph is not None else "p"
            ctx.report.fields.append(Field(key, label, value, paragraph.page if paragraph else None, place))
    return found_any
