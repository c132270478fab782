"""Blocks that are plain lists under a header: 预算执行情况 (budget lines), 资金指标明细 (allocations),
年度总体目标 (goals). Rows go on while they fit the header's columns; 合计 rows are passed over."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.base.labels import canonical_label
from jixiao.base.model import Allocation, BudgetLine, Cell, Table

from .blocks import Block, is_header
from .layout import is_title_row, starting
from .money import value_cell
from .reading import ReadContext
from .values import parse_date

_TOTALS = ("合计", "总计", "小计")


def _rows(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]], used: list[tuple[Table, int]]):
    """Yield (table, row, {key: cell}) for the data rows of a list block, recording them as used."""
    for table, r in rows:
        if is_title_row(table, r) or is_header(table, r, ctx.lexicon):
            return
        if any(c.last_col < block.first_col and c.text.strip() for c in starting(table, r)):
            return  # a new label at the left
        cells: dict[str, Cell | None] = {}
        for col, column in block.columns.items():
            cell, placed = value_cell(ctx, block, table, r, col)
            cells[column.key] = cell if placed else None
        texts = [c.text.strip() for c in starting(table, r) if c.text.strip()]
        if texts and any(ctx.lexicon.key(cx, texts[0]) for cx in ("field", "flag", "group", "section")):
            return
        used.append((table, r))
        first = starting(table, r)[0] if starting(table, r) else None
        if first is not None and canonical_label(first.text) in _TOTALS:
            for c in starting(table, r):
                ctx.mark(c, "passed")  # a 合计 row: the rule checks recompute it
            continue
        if all(ctx.value(c) is None for c in cells.values()):
            continue
        yield table, r, cells


def _text(ctx: ReadContext, cells: dict[str, Cell | None], key: str) -> str | None:
    """A list cell's text, noted as read."""
    value = ctx.value(cells.get(key))
    if value is not None:
        ctx.mark(cells[key], "value")
    return value


def _unit(block: Block, key: str, unit: str | None) -> str | None:
    """The unit a column's own label names (下达金额（万元）), else the block's."""
    col = block.col(key)
    return (block.columns[col].unit if col is not None else None) or unit


def read_budget_lines(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]], unit: str | None) -> list[tuple[Table, int]]:
    used: list[tuple[Table, int]] = []
    for table, _, cells in _rows(ctx, block, rows, used):
        spent = ctx.amount(_text(ctx, cells, "spent_yuan"), "实际支出", table, cells.get("spent_yuan"), _unit(block, "spent_yuan", unit))
        ctx.report.budget_lines.append(
            BudgetLine(
                len(ctx.report.budget_lines) + 1,
                _text(ctx, cells, "economic_class"),
                _text(ctx, cells, "content"),
                _text(ctx, cells, "adjustment"),
                spent,
                _text(ctx, cells, "basis"),
            )
        )
    return used


def read_allocations(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]], unit: str | None) -> list[tuple[Table, int]]:
    used: list[tuple[Table, int]] = []
    for table, _, cells in _rows(ctx, block, rows, used):
        ctx.report.allocations.append(
            Allocation(
                ctx.parse(parse_date, _text(ctx, cells, "issued_date"), "下达时间", table, cells.get("issued_date")),
                ctx.amount(_text(ctx, cells, "amount_yuan"), "下达金额", table, cells.get("amount_yuan"), _unit(block, "amount_yuan", unit)),
                _text(ctx, cells, "doc_number"),
                _text(ctx, cells, "note"),
            )
        )
    return used


def read_goals(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]]) -> list[tuple[Table, int]]:
    """年度总体目标: a header (预期目标 | 实际完成情况) over the row(s) that hold the two texts."""
    used: list[tuple[Table, int]] = []
    for table, _r, cells in _rows(ctx, block, rows, used):
        for _col, column in block.columns.items():
            cell = cells.get(column.key)
            if cell is not None and cell is not column.head:
                ctx.record(column.key, canonical_label(column.head.text), ctx.value(cell), table, cell)
        break  # one row of goals
    return used
