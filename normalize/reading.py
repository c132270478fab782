"""Building blocks every layout family uses to read tables into a Report.

`ReadContext` keeps provenance (every value read becomes a `Field` with its locator) and applies
the bad-value policy: a value that does not parse is NULL plus a finding, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from decimal import Decimal

from jixiao.model import Cell, Field, Finding, Flag, Indicator, IndicatorGroup, Report, Table

from . import checkbox
from .lexicon import Lexicon
from .text import clean_text, is_instruction, label_parts
from .values import parse_date_range, parse_score


OCR_MIN_CONFIDENCE = 0.8  # below this an OCR'd figure is not trusted: NULL and a finding, never a guess


def locator(table: Table, cell: Cell) -> str:
    return f"t{table.index + 1}.r{cell.row + 1}.c{cell.col + 1}"


@dataclass
class ReadContext:
    report: Report
    lexicon: Lexicon

    def value(self, cell: Cell | None) -> str | None:
        """Given a value cell, return its text trimmed, or None for empty markers and unfilled instructions."""
        if cell is None:
            return None
        text = clean_text(cell.text)
        if text is not None and is_instruction(text):
            return None
        return text

    def record(self, key: str | None, label: str, value: str | None, table: Table, cell: Cell | None) -> None:
        """Keep a value read, with the place it came from, in `fields`."""
        where = cell if cell is not None else None
        self.report.fields.append(Field(key, label.strip(), value, where.page if where else table.page,
                                        locator(table, where) if where else f"t{table.index + 1}"))

    def parse(self, parser: Callable[..., Any], text: str | None, what: str, table: Table, cell: Cell | None, **kw: Any) -> Any:
        """Run a value parser; on a bad value return None and add a finding naming the place."""
        if text is None:
            return None
        if cell is not None and cell.confidence is not None and cell.confidence < OCR_MIN_CONFIDENCE:
            self.report.findings.append(Finding(
                "ocr_low_confidence", "warning",
                f"{what} 「{text}」 at {locator(table, cell)} was read by OCR with confidence {cell.confidence:.2f}; stored as NULL.",
                None, text))
            return None
        try:
            return parser(text, **kw)
        except ValueError as exc:
            where = locator(table, cell) if cell is not None else f"t{table.index + 1}"
            self.report.findings.append(Finding(
                "value_unreadable", "warning",
                f"{what} 「{text}」 at {where} could not be read ({exc}); stored as NULL.", None, text))
            return None

    def flag(self, key: str, label: str, text: str | None, table: Table, cell: Cell | None) -> None:
        value = checkbox.yes_no(text or "")
        self.report.flags.append(Flag(key, label.strip(), value))
        self.record(f"flag.{key}", label, text, table, cell)

    def questions(self, text: str | None, table: Table, cell: Cell) -> None:
        """Read yes/no questions written inside a value ('上年度是否有同类项目： □是 √否')."""
        for question, value in checkbox.questions(text or ""):
            key = self.lexicon.key("flag", question)
            if key:
                self.report.flags.append(Flag(key, question, value))
                self.record(f"flag.{key}", question, None if value is None else ("是" if value else "否"), table, cell)
            else:
                self.record(None, question, None if value is None else ("是" if value else "否"), table, cell)


def header_columns(ctx: ReadContext, table: Table, header_rows: list[int], context: str) -> dict[int, tuple[str, str | None, Cell]]:
    """Given header rows, return grid column → (key, unit named in the header, header cell).

    Where headers stack (实际到位金额 over 到位金额 | 到位率 | 到位时间), the lowest header that the
    lexicon knows names the column; a unit in any header above it still applies.
    """
    grid = table.grid()
    out: dict[int, tuple[str, str | None, Cell]] = {}
    for c in range(table.n_cols):
        unit = None
        for r in header_rows:
            cell = grid[r][c]
            if cell is None:
                continue
            _, cell_unit, _ = label_parts(cell.text)
            unit = cell_unit or unit
            key = ctx.lexicon.key(context, cell.text)
            if key:
                out[c] = (key, unit, cell)
    # a merged data cell read once: keep the first column of each header cell only
    seen: set[int] = set()
    for c in sorted(out):
        cell_id = id(out[c][2])
        if cell_id in seen:
            del out[c]
        seen.add(cell_id)
    return out


def read_key_values(ctx: ReadContext, table: Table, rows: list[int]) -> None:
    """Read rows of label | value [| label | value]; yes/no questions become flags."""
    for r in rows:
        cells = table.row_cells(r)
        i = 0
        while i < len(cells):
            cell = cells[i]
            label = cell.text
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if not label.strip() or ctx.lexicon.key("group", label):
                i += 1
                continue
            flag = ctx.lexicon.key("flag", label)
            if flag and nxt is not None:
                ctx.flag(flag, label, nxt.text, table, nxt)
                i += 2
                continue
            if nxt is None:
                if checkbox.has_checkboxes(label):
                    ctx.questions(label, table, cell)
                i += 1
                continue
            key = ctx.lexicon.key("field", label)
            value = ctx.value(nxt)
            ctx.record(key, label, value, table, nxt)
            if value and checkbox.has_checkboxes(value):
                ctx.questions(value, table, nxt)
            i += 2


@dataclass
class OutlineRow:
    """One row of a scored indicator outline, before levels are resolved."""

    level: int | None  # from the numbering: 1 一、, 2 （一）, 3 1、; None when unnumbered
    name: str
    name_cell: Cell
    weight: Cell | None = None
    score: Cell | None = None
    target: Cell | None = None
    actual: Cell | None = None
    note: Cell | None = None
    level1: str | None = None  # given by a column of its own (一级指标) rather than by numbering
    level2: str | None = None


def outline_to_indicators(ctx: ReadContext, table: Table, items: list[OutlineRow]) -> None:
    """Turn an outline (一、投入 / （一）项目立项 / 1、项目立项规范性) into leaf indicators and groups.

    A row with deeper rows beneath it is a subtotal (kept in indicator_groups); a row with none is
    a leaf, even at the top level (个性指标 50 47 in the seed).
    """
    rank = {None: 1, 1: 1, 2: 2, 3: 3}
    level1 = level2 = None
    parent: tuple[str, int, tuple] | None = None  # (name, depth, levels) of the 三级指标 whose sub-items follow
    for i, item in enumerate(items):
        depth = rank[item.level]
        if item.level1 is not None or item.level2 is not None:
            level1, level2 = item.level1, item.level2  # columns name the levels; numbering only nests sub-items
            depth = 3 if item.level is None else item.level + 2
        elif depth == 1:
            level1, level2 = item.name, None
        elif depth == 2:
            level2 = item.name
        weight = ctx.parse(parse_score, ctx.value(item.weight), f"权重 of {item.name}", table, item.weight)
        score = ctx.parse(parse_score, ctx.value(item.score), f"得分 of {item.name}", table, item.score)
        nxt = items[i + 1] if i + 1 < len(items) else None
        nxt_depth = None if nxt is None else (rank[nxt.level] if nxt.level1 is None and nxt.level2 is None
                                               else (3 if nxt.level is None else nxt.level + 2))
        same_group = nxt is not None and (nxt.level1, nxt.level2) == (item.level1, item.level2)
        if parent is not None and (depth <= parent[1] or (level1, level2) != parent[2]):
            parent = None  # back at the 三级指标's depth or in another group: its sub-items ended
        if nxt_depth is not None and nxt_depth > depth and (item.level1 is None or same_group):
            sub_items = depth >= 3
            ctx.report.indicator_groups.append(IndicatorGroup(
                len(ctx.report.indicator_groups) + 1, min(depth, 3), level1, level2 if depth >= 2 else None, weight, score,
                item.name if sub_items else None))
            if sub_items:
                parent = (item.name, depth, (level1, level2))
            continue
        own_level2 = level2 if (depth >= 3 or item.level2 is not None) else (item.name if depth == 2 else None)
        ctx.report.indicators.append(Indicator(
            seq=len(ctx.report.indicators) + 1, level1=level1, level2=own_level2, name=item.name, weight=weight,
            target=ctx.value(item.target), actual=ctx.value(item.actual), score=score, note=ctx.value(item.note),
            parent=parent[0] if parent else None))


def fill_report_columns(ctx: ReadContext) -> None:
    """Fill the report's own columns from the fields and funding rows read."""
    report = ctx.report
    first: dict[str, str | None] = {}
    for f in report.fields:
        if f.key and f.key not in first:
            first[f.key] = f.value
    report.project_name = first.get("project_name")
    report.project_code = first.get("project_code")
    report.department = first.get("department")
    report.implementing_unit = first.get("implementing_unit")
    if first.get("project_kind"):
        report.project_kind = checkbox.ticked_option(first["project_kind"] or "")
    if first.get("period"):
        place = next(f for f in report.fields if f.key == "period")
        try:
            report.period_start, report.period_end = parse_date_range(first["period"])
        except ValueError as exc:
            report.findings.append(Finding("value_unreadable", "warning",
                                           f"项目起止时间 「{first['period']}」 at {place.locator} could not be read ({exc}); stored as NULL.",
                                           None, first["period"]))
    money_from_funding(report)


def money_from_funding(report: Report) -> None:
    """The report's money is the total row's; a column the total leaves empty (or a missing total) is
    taken from the source rows: the one row's value, or the sum of several with an info finding."""
    total = next((row for row in report.funding if row.source == "total"), None)
    sources = [row for row in report.funding if row.source != "total"]
    summed = []
    for name in ("budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan", "execution_rate_pct"):
        value = getattr(total, name) if total is not None else None
        stated = [getattr(r, name) for r in sources if getattr(r, name) is not None]
        if value is None and len(stated) == 1:
            value = stated[0]
        elif value is None and stated and name != "execution_rate_pct":  # rates do not add up
            value = sum(stated, Decimal(0))
            summed.append(name)
        setattr(report, name, value)
    if summed:
        report.findings.append(Finding("total_from_sources", "info",
                                       f"The money table states no total for {', '.join(summed)}; the report's figure is the sum of its source rows."))
