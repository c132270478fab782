"""The indicator block: 绩效评价自评表 / 绩效指标 rows into leaf indicators and their groups.

Levels come from level columns (一级指标 | 二级指标 | 三级指标) where the header names them, else
from outline numbering (一、投入 / （一）项目立项 / 1、项目立项规范性). Template rows left unfilled
(「指标2」, 「……」, 「/」) are passed over; numbering (1、, 指标1:) is not part of a name; a level cell
that prints only its points (「(50分)」) gives the group its weight and no name, unless the level-2
names make the level-1 name certain. The 总分 row ends the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import regex

from jixiao.base.labels import canonical_label, label_parts, nfkc, split_outline
from jixiao.base.model import Cell, Indicator, IndicatorGroup, Table

from .blocks import Block, is_header, is_pairs_row
from .layout import is_title_row, joined_text, starting
from .reading import ReadContext
from .text import clean_text, one_line
from .values import parse_score

_PLACEHOLDER = regex.compile(r"^[\s…．.。/／\\、—\-－_~～*]*$")
# Points at a label's end. These patterns are tried only where a match could not have started one
# character earlier (at a bracket, or not inside a run of spaces or digits): tried from every character
# of a long run, each scans to the run's end, and a level cell of a megabyte would take hours.
_LEVEL_WEIGHT = regex.compile(r"(?:(?=[(（])|(?<![\s(（])(?!(?<=\d)\d))[(（]?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]?\s*$")
_POINTS_IN_BRACKETS = regex.compile(r"(?<!\s)\s*[(（]\s*(?:\d+(?:\.\d+)?)?\s*分\s*[)）]\s*$")
_POINTS_AT_END = regex.compile(r"(?<!\s)(?!(?<=\d)\d)\s*\d+(?:\.\d+)?\s*分\s*$")
# A level's points without 分 after a name of two or more characters: 「投入(20)」, 「过程（30）」, 「产出指标 50」, 「产出50」
_BARE_WEIGHT = regex.compile(r"(?<=\p{Han}{2})\s*(?:[(（]\s*(?P<points>\d{1,3}(?:\.\d+)?)\s*[)）]|(?P<points>\d{1,3}(?:\.\d+)?))\s*$")
_SCORE_NOTE = regex.compile(r"^\s*(?P<num>[-+]?\d+(?:\.\d+)?)?\s*分?\s*[(（](?P<note>.+)[)）]\s*$", regex.S)
_OPERATORS = ("≥", "≤", ">", "<", "=", "＝", "≧", "≦", "大于等于", "小于等于", "大于", "小于", "等于", "不少于", "不低于", "不高于", "不超过")
_FIGURE_KEYS = ("weight", "score", "target", "actual")


@dataclass
class OutlineRow:
    """One row of a scored indicator outline, before levels are resolved."""

    level: int | None  # from the numbering: 1 一、, 2 （一）, 3 1、 or 指标1:; None when unnumbered
    name: str | None
    name_cell: Cell
    table: Table
    weight: Cell | None = None
    score: Cell | None = None
    target: Cell | None = None
    actual: Cell | None = None
    note: Cell | None = None
    columns: bool = False  # the levels come from level columns, not from numbering
    level1: str | None = None
    level2: str | None = None
    group1: int | None = None  # identity of the level-1 cell, to infer a missing name for the group


@lru_cache(maxsize=4096)  # a form repeats its level cells' texts
def parse_level(text: str) -> tuple[str | None, str | None]:
    """Given a level cell (「一、产出指标(50分)」, 「(50分)」, 「项目决策\\n2分」, and the points without 分: 「投入(20)」,
    「过程（30）」, 「产出指标 50」, 「产出指标50」 as a PDF joins its lines), return (name or None, weight)."""
    name, _, weight = label_parts(text)
    shown = one_line(nfkc(text))
    m = _LEVEL_WEIGHT.search(shown)
    if weight is None and m and m.start() > 0:
        weight = m.group(1)
        name = canonical_label(shown[: m.start()])
    elif m and m.start() == 0:
        weight, name = m.group(1), ""
    elif weight is None and canonical_label(shown) and (bare := _BARE_WEIGHT.search(shown)) is not None:
        weight = bare.group("points")
        name = canonical_label(shown[: bare.start()])
    level_name = split_outline(one_line(text.strip()))[1]
    level_name = _POINTS_IN_BRACKETS.sub("", level_name)
    level_name = _POINTS_AT_END.sub("", level_name).strip()
    if weight is not None and (bare := _BARE_WEIGHT.search(level_name)) is not None:
        level_name = level_name[: bare.start()].strip()
    return (level_name or None) if name else None, weight


def _ends(ctx: ReadContext, block: Block, table: Table, r: int, left: int) -> bool:
    """A title row, another header, or a new cell left of the level and name columns (序号 aside) ends the block;
    the block's own title printed again at the left after a page break (「绩效指标」) does not."""
    if is_title_row(table, r) or is_header(table, r, ctx.lexicon):
        return True
    titles = {canonical_label(t.text) for t in block.title_cells}
    for c in table.row_cells(r):
        if c.row == r and c.last_col < left and c.col not in block.columns and c.text.strip() and not any(c is t for t in block.title_cells):
            if canonical_label(c.text) not in titles:
                return True
            ctx.mark(c, "label")
    return False


def read_indicators(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]]) -> list[tuple[Table, int]]:
    """Read an indicator block up to its 总分 row; return the rows consumed."""
    cols = {column.key: c for c, column in block.columns.items()}
    left = min(cols.get("level1", cols["name"]), cols["name"], cols.get("level2", cols["name"]))
    figure_cols = [cols[k] for k in _FIGURE_KEYS if k in cols]
    columns_mode = "level1" in cols or "level2" in cols
    used: list[tuple[Table, int]] = []
    items: list[OutlineRow] = []
    groups_seen: set[int] = set()
    for table, r in rows:
        if _ends(ctx, block, table, r, left):
            break
        grid = table.grid()
        total = next((c for c in starting(table, r) if ctx.lexicon.key("indicators.total", c.text)), None)
        if total is not None:
            _read_total(ctx, table, r, cols, total)
            used.append((table, r))
            break
        if is_pairs_row(table, r, ctx.lexicon):
            continue  # money as label/value pairs among the indicator rows: read as key-value pairs
        name_cell = grid[r][cols["name"]]
        if name_cell is None or name_cell.row != r:
            _wrapped_line(ctx, items, grid, r, cols)  # a name merged down from the row above: its text columns go on
            used.append((table, r))
            continue
        if any(name_cell.col <= c <= name_cell.last_col for c in figure_cols):
            break  # text across the figure columns (自评等级, 评价结论 …): not an indicator row
        figures = _has_figures(grid, r, cols, name_cell)
        if ctx.lexicon.key("field", name_cell.text) and not figures:
            break

        def at(key: str) -> Cell | None:
            cell = grid[r][cols[key]] if key in cols else None
            return None if cell is name_cell else cell

        level1 = level2 = group1 = None
        if columns_mode:
            level1, group1 = _level(ctx, at("level1"), items, 1, r, groups_seen, None)
            level2, _ = _level(ctx, at("level2"), items, 2, r, groups_seen, level1, same_group=group1)
        level, name = split_outline(one_line(name_cell.text))
        unnamed = bool(_PLACEHOLDER.match(name))
        if unnamed and not figures and not clean_text(name_cell.text) and _wrapped_line(ctx, items, grid, r, cols):
            ctx.mark(name_cell, "passed")  # the row above's criterion or note wrapping onto a row of its own
            used.append((table, r))
            continue
        if unnamed and not figures:
            for key in ("name",) + _FIGURE_KEYS + ("note",):
                ctx.mark(at(key) if key != "name" else name_cell, "passed")  # a template row left unfilled
            used.append((table, r))
            continue
        if clean_text(name_cell.text) is None and columns_mode and _subtotal(ctx, items, table, r, at, level1, level2):
            used.append((table, r))
            continue
        target = _composite(ctx, at("nature"), at("target"), at("measure_unit"))
        actual = _composite(ctx, None, at("actual"), at("measure_unit") if ctx.value(at("actual")) else None)
        for key in ("review_score", "criteria", "seq", "coefficient", "is_core", "adjusted_target"):
            ctx.mark(at(key), "passed")  # known columns the warehouse keeps no place for
        for key in ("nature", "measure_unit", "target", "actual"):
            if ctx.value(at(key)):
                ctx.mark(at(key), "value")
        items.append(
            OutlineRow(
                level,
                None if unnamed else name,
                name_cell,
                table,
                at("weight"),
                at("score"),
                target,
                actual,
                at("note"),
                columns_mode,
                level1,
                level2,
                group1,
            )
        )
        used.append((table, r))
    if not columns_mode and not any(item.level in (1, 2) for item in items):
        for item in items:  # no level columns and no 一、/（一） outline: a flat list of indicators
            item.columns = True
    _infer_level1(ctx, items)
    outline_to_indicators(ctx, items)
    return used


_TEXT_KEYS = ("note", "criteria")


def _wrapped_line(ctx: ReadContext, items: list[OutlineRow], grid, r: int, cols: dict[str, int]) -> bool:
    """A row whose only text is in the indicator's text columns (评分标准, 偏差原因) and that opens no level of its
    own is the indicator above going on over a second line: its note is the note's rest, its criterion is
    passed over like the first line. Return whether row r is such a line."""
    if not items:
        return False

    def own(key: str) -> Cell | None:
        cell = grid[r][cols[key]] if key in cols else None
        return cell if cell is not None and cell.row == r else None

    if any(clean_text(cell.text) for k in ("level1", "level2") + _FIGURE_KEYS if (cell := own(k)) is not None):
        return False
    texts = [(k, cell) for k in _TEXT_KEYS if (cell := own(k)) is not None and clean_text(cell.text)]
    if not texts:
        return False
    item = items[-1]
    for key, cell in texts:
        if key == "note":
            ctx.mark(item.note, "value")
            item.note = (
                cell
                if item.note is None or not clean_text(item.note.text)
                else replace(item.note, text=joined_text(item.note.text.strip(), cell.text.strip()))
            )
            ctx.mark(cell, "value")
        else:
            ctx.mark(cell, "passed")
    return True


def _has_figures(grid, r: int, cols: dict[str, int], name_cell: Cell) -> bool:
    for key in _FIGURE_KEYS:
        if key in cols:
            cell = grid[r][cols[key]]
            if cell is not None and cell is not name_cell and not _PLACEHOLDER.match(clean_text(cell.text) or ""):
                return True
    return False


def _subtotal(ctx: ReadContext, items: list[OutlineRow], table: Table, r: int, at, level1: str | None, level2: str | None) -> bool:
    """A row with level cells and figures but no name is its group's subtotal (产出指标 | | | 50 | 48)."""
    l1, l2 = at("level1"), at("level2")
    depth = 2 if l2 is not None and l2.row == r and l2.text.strip() else (1 if l1 is not None and l1.row == r else None)
    if depth is None:
        return False
    weight = ctx.parse(parse_score, ctx.value(at("weight")), f"权重 of {level2 or level1}", table, at("weight"))
    score = ctx.parse(parse_score, ctx.value(at("score")), f"得分 of {level2 or level1}", table, at("score"))
    ctx.report.indicator_groups.append(
        IndicatorGroup(len(ctx.report.indicator_groups) + 1, depth, level1, level2 if depth == 2 else None, weight, score)
    )
    return True


def _level(
    ctx: ReadContext,
    cell: Cell | None,
    items: list[OutlineRow],
    depth: int,
    r: int,
    seen: set[int],
    level1: str | None,
    same_group: int | None = None,
) -> tuple[str | None, int | None]:
    """The level name a level cell gives this row, and the cell's identity; a blank cell continues the
    level above. A cell that states points is a group: its weight is kept once."""
    if cell is None:
        return None, None
    name, weight = parse_level(cell.text)
    if cell.text.strip():
        ctx.mark(cell, "label")
    elif items:
        prev = items[-1]
        if depth == 1 or same_group == prev.group1:
            return (prev.level1 if depth == 1 else prev.level2), (prev.group1 if depth == 1 else None)
    if weight is not None and id(cell) not in seen:
        seen.add(id(cell))
        last = items[-1] if items else None
        if name is not None and last is not None and (last.level1 if depth == 1 else last.level2) == name and (depth == 1 or last.level1 == level1):
            return name, id(cell)  # the level printed again after a page break: the group it goes on, weighed once
        ctx.report.indicator_groups.append(
            IndicatorGroup(
                len(ctx.report.indicator_groups) + 1, depth, name if depth == 1 else level1, name if depth == 2 else None, parse_score(weight), None
            )
        )
    return name, id(cell)


def _infer_level1(ctx: ReadContext, items: list[OutlineRow]) -> None:
    """A level-1 cell that printed only its points gets the name its level-2 names make certain
    (数量指标/质量指标 → 产出指标); otherwise it stays NULL."""
    by_group: dict[int, list[OutlineRow]] = {}
    for item in items:
        if item.columns and item.level1 is None and item.group1 is not None:
            by_group.setdefault(item.group1, []).append(item)
    for members in by_group.values():
        implied = {ctx.lexicon.key("indicators.level1_of", m.level2 or "") for m in members}
        if len(implied) == 1 and None not in implied:
            name = implied.pop()
            for m in members:
                m.level1 = name
            for g in ctx.report.indicator_groups:
                if g.level == 1 and g.level1 is None:
                    g.level1 = name
                    break
    _once_each(ctx)


def _once_each(ctx: ReadContext) -> None:
    """A level-1 group printed again after a page break (「(50分)」 at the top of the next page, named only by its
    level-2 names) is the group it goes on: one group, weighed once."""
    kept, last = [], None
    for g in ctx.report.indicator_groups:
        if g.level == 1:
            if last is not None and g.level1 is not None and (g.level1, g.weight, g.score) == (last.level1, last.weight, last.score):
                continue
            last = g
        kept.append(g)
    if len(kept) != len(ctx.report.indicator_groups):
        ctx.report.indicator_groups[:] = [replace(g, seq=i + 1) for i, g in enumerate(kept)]


def _composite(ctx: ReadContext, nature: Cell | None, value: Cell | None, unit: Cell | None) -> Cell | None:
    """A target written over three columns (指标性质 ≥ | 指标值 100 | 度量单位 人) read as one text: ≥100人.
    A 指标性质 that is not a comparison (定量指标, 定性) is not part of the value."""
    if value is None:
        return None
    op = ctx.value(nature) or ""
    parts = [op if op.startswith(_OPERATORS) and op not in ("=", "＝", "等于") else "", ctx.value(value) or "", ctx.value(unit) or ""]
    if not parts[1]:
        return None
    if not parts[0] and not parts[2]:
        return value
    if parts[2] and parts[1].endswith(parts[2]):
        parts[2] = ""  # the unit is written in the value already
    return replace(value, text="".join(parts))


def _read_total(ctx: ReadContext, table: Table, r: int, cols: dict[str, int], label: Cell) -> None:
    grid = table.grid()
    ctx.mark(label, "label")
    weight = grid[r][cols["weight"]] if "weight" in cols else None
    score = grid[r][cols["score"]] if "score" in cols else None
    if score is label or score is None:
        score = next((c for c in starting(table, r) if c.col > label.last_col and clean_text(c.text)), None)
    if weight is not None and weight is not label and weight is not score:
        ctx.report.score_max = ctx.parse(parse_score, ctx.value(weight), "总分 points", table, weight)
    if score is not None and score is not label:
        text = ctx.value(score)
        ctx.report.score_total = ctx.parse(parse_score, text, "总分", table, score)
        ctx.record("score_total", label.text, text, table, score, label)
    for cell in starting(table, r):
        ctx.mark(cell, "passed")  # the total row's target and note cells repeat the form's own figures


def _score(ctx: ReadContext, item: OutlineRow, what: str) -> tuple[Decimal | None, str | None]:
    """A score cell, and a note written inside it after the number (「3分(因全校总人数减少…)」)."""
    text = ctx.value(item.score)
    if text is None:
        return None, None
    m = _SCORE_NOTE.match(nfkc(text))
    if m:
        note = m.group("note").strip()
        return (ctx.parse(parse_score, m.group("num"), what, item.table, item.score) if m.group("num") else None), note
    return ctx.parse(parse_score, text, what, item.table, item.score), None


def outline_to_indicators(ctx: ReadContext, items: list[OutlineRow]) -> None:
    """Turn an outline (一、投入 / （一）项目立项 / 1、项目立项规范性) into leaf indicators and groups.

    A row with deeper rows beneath it is a subtotal (kept in indicator_groups); a row with none is
    a leaf, even at the top level (个性指标 50 47 in the seed). With level columns, numbering only
    nests a 三级指标's numbered sub-items under it.
    """
    rank = {None: 1, 1: 1, 2: 2, 3: 3}

    def depth_of(item: OutlineRow) -> int:
        if item.columns:
            return 3 if item.level is None else item.level + 2
        return rank[item.level]

    level1 = level2 = None
    parent: tuple[str | None, int, tuple] | None = None  # the 三级指标 whose numbered sub-items follow
    for i, item in enumerate(items):
        depth = depth_of(item)
        if item.columns:
            level1, level2 = item.level1, item.level2
        elif depth == 1:
            level1, level2 = item.name, None
        elif depth == 2:
            level2 = item.name
        weight = ctx.parse(parse_score, ctx.value(item.weight), f"权重 of {item.name}", item.table, item.weight)
        score, score_note = _score(ctx, item, f"得分 of {item.name}")
        nxt = items[i + 1] if i + 1 < len(items) else None
        same_group = nxt is not None and (nxt.level1, nxt.level2) == (item.level1, item.level2)
        if parent is not None and (depth <= parent[1] or (level1, level2) != parent[2]):
            parent = None  # back at the 三级指标's depth or in another group: its sub-items ended
        ctx.mark(item.name_cell, "value" if item.name else "passed")
        if nxt is not None and depth_of(nxt) > depth and (not item.columns or same_group):
            sub_items = depth >= 3
            ctx.report.indicator_groups.append(
                IndicatorGroup(
                    len(ctx.report.indicator_groups) + 1,
                    min(depth, 3),
                    level1,
                    level2 if depth >= 2 else None,
                    weight,
                    score,
                    item.name if sub_items else None,
                )
            )
            if sub_items:
                parent = (item.name, depth, (level1, level2))
            continue
        own_level2 = level2 if (depth >= 3 or item.columns) else (item.name if depth == 2 else None)
        ctx.report.indicators.append(
            Indicator(
                seq=len(ctx.report.indicators) + 1,
                level1=level1,
                level2=own_level2,
                name=item.name,
                weight=weight,
                target=ctx.value(item.target),
                actual=ctx.value(item.actual),
                score=score,
                note=ctx.value(item.note) or score_note,
                parent=parent[0] if parent else None,
            )
        )
        if ctx.value(item.note):
            ctx.mark(item.note, "value")
