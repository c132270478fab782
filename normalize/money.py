"""The money block: 资金安排使用情况 / 项目资金 / 预算执行情况 rows by source, or sources as columns.

Columns come from the header; the row label (资金来源) from the source column or the column left of
the first money column. Rows go on while their label is a known source or their money cells hold
figures; a row of labels, a title row, another header or a new label at the left ends the block.
A value cell that straddles two header columns cannot be placed: NULL and a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import regex

from jixiao.base.labels import canonical_label
from jixiao.base.model import Cell, FundingRow, Table

from .blocks import MONEY_KEYS, Block, is_header
from .layout import is_title_row
from .reading import ReadContext, locator
from .text import one_line
from .values import is_fraction, parse_date, parse_percent, parse_score, settle_fraction

RATE_KEYS = ("execution_rate_pct", "received_rate_pct")
_FIGURE = regex.compile(r"^\s*[-+]?[\d,，.]+\s*(?:%|万元|万|元|千元|亿元)?\s*$")
_STOP_CONTEXTS = ("field", "flag", "goals.column", "group", "section", "indicators.total")


def value_cell(ctx: ReadContext, block: Block, table: Table, r: int, col: int) -> tuple[Cell | None, bool]:
    """The cell holding a column's value in row r (one that starts in r): (cell, placed). placed is False
    when the only text under the header straddles into another named column, or several cells under it
    hold text."""
    head = block.columns[col].head
    grid = table.grid()
    last = min(head.last_col, table.n_cols - 1) if head.col == col else col
    under: list[Cell] = []
    for c in range(col, last + 1):
        cell = grid[r][c]
        if cell is not None and cell.row == r and (not under or under[-1] is not cell):
            under.append(cell)  # a cell merged down from the row above is that row's value, not this one's
    filled = [c for c in under if c.text.strip()]
    if not filled:
        return (under[0] if under else None), True
    if len(filled) > 1:
        return filled[0], False
    cell = filled[0]
    named = [c for c in block.columns if c != col and cell.col <= c <= cell.last_col]
    return cell, not named


def label_column(block: Block) -> int | None:
    """The grid column holding row labels: the 资金来源 column, or the one just left of the first money
    column unless a title cell stands there; None when the block has no row labels (one total row)."""
    source = block.col("source")
    if source is not None:  # a 资金来源 header over two columns: the labels stand in its last (a group label before them)
        return block.columns[source].head.last_col
    grid = block.table.grid()
    h = block.header_rows[0]
    for c in range(block.first_col - 1, -1, -1):
        cell = grid[h][c]
        if cell is None:
            return c
        if any(cell is t for t in block.title_cells) and cell.last_row > block.last_header_row:
            return None
        return c
    return None


def _ends(ctx: ReadContext, block: Block, table: Table, r: int, label_col: int | None) -> bool:
    """Whether row r no longer belongs to the block: a title row, another header, a new cell at the left."""
    if is_title_row(table, r) or is_header(table, r, ctx.lexicon):
        return True
    edge = label_col if label_col is not None else block.first_col
    return any(c.row == r and c.last_col < edge and c.text.strip() and not ctx.lexicon.key("funding.breakdown", c.text) for c in table.row_cells(r))


def _group(ctx: ReadContext, table: Table, r: int, label_col: int | None) -> Cell | None:
    """A breakdown label left of the row labels, merged over the rows it groups (按收入性质分 | 财政拨款 …)."""
    if label_col is None:
        return None
    return next((c for c in table.row_cells(r) if c.last_col < label_col and ctx.lexicon.key("funding.breakdown", c.text)), None)


def read_money(ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]], unit: str | None, fraction_ok: bool) -> list[tuple[Table, int]]:
    """Read a money block's rows into `funding`; return the rows it consumed."""
    if block.kind == "money_by_source":
        return _read_by_source(ctx, block, rows, unit, fraction_ok)
    label_col = label_column(block)
    used: list[tuple[Table, int]] = []
    breakdown, by_group = None, False
    unreadable: set[str] = set()
    for table, r in rows:
        if _ends(ctx, block, table, r, label_col):
            break
        grid = table.grid()
        label_cell = grid[r][label_col] if label_col is not None else None
        if label_cell is not None and (label_cell.row < r or any(label_cell is t for t in block.title_cells)):
            label_cell = None  # covered from above: the header's or a title's cell, not this row's label
        label = one_line(label_cell.text) if label_cell is not None else ""
        source = ctx.lexicon.key("funding.source", label) if label else ("total" if label_col is None else None)
        if label and source is None and any(ctx.lexicon.key(cx, label) for cx in _STOP_CONTEXTS):
            break
        group = _group(ctx, table, r, label_col)
        if group is not None:  # rows grouped by a label at their left, not by a row of its own
            breakdown, by_group = ctx.lexicon.key("funding.breakdown", group.text), True
            ctx.mark(group, "label")
        elif by_group:
            breakdown, by_group = None, False  # past the grouped rows
        kind = ctx.lexicon.key("funding.breakdown", label) if label else None
        cells = {col: value_cell(ctx, block, table, r, col) for col, column in block.columns.items() if column.key != "source" and col != label_col}
        figures = [cell for cell, _ in cells.values() if cell is not None and _FIGURE.match(cell.text or "")]
        if kind and not figures:
            breakdown = kind
            ctx.mark(label_cell, "label")
            used.append((table, r))
            continue
        if source is None and not figures:
            if label or label_col is None:
                break  # a row of text under money columns: not a money row
            if any((c.text or "").strip() for c, _ in cells.values() if c is not None):
                break
            used.append((table, r))  # an empty row inside the block
            continue
        if label_col is None and used:
            break  # a block without row labels holds one row
        row = FundingRow(source=source or "", source_label=label or block.title or "合计")
        _read_row(ctx, block, table, cells, row, unit, fraction_ok, unreadable)
        used.append((table, r))
        ctx.mark(label_cell, "label")
        if all(getattr(row, k) is None for k in MONEY_KEYS + RATE_KEYS):
            continue  # rows the document leaves empty are not stored
        if not source:
            row.source = None  # type: ignore[assignment]
            if label_cell is not None:
                ctx.record(None, label, None, table, label_cell)
            ctx.finding("unmapped_label", "info", "unmapped_label.money_row", label, label=label)
        row.breakdown = breakdown if row.source not in ("total", None) else None
        if row.breakdown and label_cell is not None:
            ctx.record("funding.breakdown", label, row.breakdown, table, label_cell)
        ctx.report.funding.append(row)
    if ctx.report.execution_score_max is None and ctx.report.execution_score is not None and block.weight:
        ctx.report.execution_score_max = parse_score(block.weight)
    ctx.unreadable_money |= unreadable
    return used


def _placed(ctx: ReadContext, block: Block, table: Table, cells: dict, where: str):
    """Yield (column, cell, text) for each non-empty value cell that sits under one named column; one
    that straddles two, or shares a column with another, is NULL with a finding (and its key is
    yielded as unreadable: column, cell, None)."""
    for col, (cell, placed) in cells.items():
        column = block.columns[col]
        text = ctx.value(cell)
        if text is None:
            continue
        if not placed:
            ctx.finding(
                "value_ambiguous",
                "warning",
                "value_ambiguous.columns",
                text,
                label=f"{canonical_label(column.head.text)}{where}",
                text=text,
                place=locator(table, cell),
            )
            yield column, cell, None
            continue
        yield column, cell, text


def _read_row(
    ctx: ReadContext, block: Block, table: Table, cells: dict, row: FundingRow, unit: str | None, fraction_ok: bool, unreadable: set[str]
) -> None:
    """Parse one money row's cells into the FundingRow (and the execution score on the total row)."""
    fractions: list[_Fraction] = []  # rates written as bare fractions, settled by the row's figures
    for column, cell, text in _placed(ctx, block, table, cells, f" of {row.source_label}"):
        key = column.key
        if text is None:
            unreadable.add(key)
            continue
        what = f"{canonical_label(column.head.text)} of {row.source_label}"
        if key == "row_number":
            ctx.mark(cell, "passed")  # 行次: the form's numbering of its rows
            continue
        if key in MONEY_KEYS:
            value = ctx.amount(text, what, table, cell, column.unit if column.unit not in (None, "%") else unit)
        elif key in RATE_KEYS:
            value = _rate(ctx, row, key, text, what, table, cell, fraction_ok, fractions)
        elif key == "received_date":
            value = ctx.parse(parse_date, text, what, table, cell)
        elif key in ("points", "score"):
            value = None
            if row.source == "total":
                score = ctx.parse(parse_score, text, what, table, cell)
                if key == "points":
                    ctx.report.execution_score_max = score
                else:
                    ctx.report.execution_score = score
            else:
                ctx.mark(cell, "passed")
        else:
            ctx.mark(cell, "value")  # 原因 and other text columns: kept in fields
            value = None
        if value is None and key in MONEY_KEYS + RATE_KEYS and not (fractions and fractions[-1].cell is cell):
            unreadable.add(key)
        if key in MONEY_KEYS + RATE_KEYS + ("received_date",):
            setattr(row, key, value)
        ctx.record(f"funding.{row.source or 'unknown'}.{key}", canonical_label(column.head.text), text, table, cell)
    _settle(ctx, fractions, unreadable)


@dataclass
class _Fraction:
    """A rate written as a bare fraction (0.958), waiting for its row's figures to say what it is."""

    row: FundingRow
    key: str
    text: str
    what: str
    table: Table
    cell: Cell


def _rate(
    ctx: ReadContext, row: FundingRow, key: str, text: str, what: str, table: Table, cell: Cell, fraction_ok: bool, fractions: list[_Fraction]
) -> Decimal | None:
    """A rate cell: its percent; a bare fraction outside a spreadsheet waits in fractions for _settle (None now)."""
    if not fraction_ok and is_fraction(text):
        fractions.append(_Fraction(row, key, text, what, table, cell))
        return None
    return ctx.parse(parse_percent, text, what, table, cell, fraction_ok=fraction_ok)


def _settle(ctx: ReadContext, fractions: list[_Fraction], unreadable: set[str]) -> None:
    """Each rate written as a fraction, read by its row's figures (执行数 ÷ 预算数, B/A): the percent when they
    agree with it, else NULL with a finding — 0.958 beside 500 and 479 is 95.8 %, beside nothing it is unsettled."""
    for f in fractions:
        row = f.row
        part = row.spent_yuan if f.key == "execution_rate_pct" else row.received_yuan
        whole = row.budget_adjusted_yuan if row.budget_adjusted_yuan is not None else row.budget_initial_yuan
        value = settle_fraction(f.text, part, whole)
        if value is None:
            unreadable.add(f.key)
            ctx.finding("value_ambiguous", "warning", "value_ambiguous.fraction", f.text, what=f.what, text=f.text, place=locator(f.table, f.cell))
        else:
            ctx.mark(f.cell, "value")
        setattr(row, f.key, value)


def _read_by_source(
    ctx: ReadContext, block: Block, rows: Iterator[tuple[Table, int]], unit: str | None, fraction_ok: bool
) -> list[tuple[Table, int]]:
    """Sources as columns. Either one row of figures (中央 | 省、地 | 本级 | 其他 | 合计 | 执行数 | 执行率: each
    source's amount is its budget; 合计, 执行数 and 执行率 make the total row), or a row per measure
    (年初预算 / 调整后预算 / 实际支出 / 执行率 down the side, a figure for each source and 合计)."""
    label_col = label_column(block)
    used: list[tuple[Table, int]] = []
    by_source: dict[str, FundingRow] = {}
    fractions: list[_Fraction] = []
    for table, r in rows:
        if _ends(ctx, block, table, r, label_col):
            break
        cells = {col: value_cell(ctx, block, table, r, col) for col, column in block.columns.items() if column.key != "source" and col != label_col}
        if not any(cell is not None and _FIGURE.match(cell.text or "") for cell, _ in cells.values()):
            break
        label_cell = table.grid()[r][label_col] if label_col is not None else None
        label = one_line(label_cell.text) if label_cell is not None and label_cell.row == r else ""
        measure = ctx.lexicon.key("funding.column", label) if label else None
        if measure in MONEY_KEYS + RATE_KEYS:  # a row per measure
            ctx.mark(label_cell, "label")
            _read_measure(ctx, block, table, cells, measure, unit, fraction_ok, by_source, fractions)
            used.append((table, r))
            continue
        if by_source or label:
            break  # past the measures, or a row of another kind
        _read_source_row(ctx, block, table, cells, unit, fraction_ok, fractions)
        used.append((table, r))
        break  # one row of figures
    _settle(ctx, fractions, ctx.unreadable_money)
    ctx.report.funding.extend(row for row in by_source.values() if any(getattr(row, k) is not None for k in MONEY_KEYS + RATE_KEYS))
    return used


def _read_measure(
    ctx: ReadContext,
    block: Block,
    table: Table,
    cells: dict,
    measure: str,
    unit: str | None,
    fraction_ok: bool,
    by_source: dict[str, FundingRow],
    fractions: list[_Fraction],
) -> None:
    """One measure's figures across the source columns."""
    for column, cell, text in _placed(ctx, block, table, cells, ""):
        if text is None or not column.key.startswith("source:"):
            continue
        source, what = column.key.removeprefix("source:"), canonical_label(column.head.text)
        row = by_source.setdefault(source, FundingRow(source, one_line(column.head.text)))
        if measure in RATE_KEYS:
            value = _rate(ctx, row, measure, text, what, table, cell, fraction_ok, fractions)
        else:
            value = ctx.amount(text, what, table, cell, column.unit or unit)
        setattr(row, measure, value)
        ctx.record(f"funding.{source}.{measure}", what, text, table, cell)


def _read_source_row(
    ctx: ReadContext, block: Block, table: Table, cells: dict, unit: str | None, fraction_ok: bool, fractions: list[_Fraction]
) -> None:
    """One row of figures under source columns, 合计, 执行数 and 执行率."""
    total = FundingRow("total", "合计")
    for column, cell, text in _placed(ctx, block, table, cells, ""):
        if text is None:
            continue
        what, key = canonical_label(column.head.text), column.key
        if key.startswith("source:"):
            amount = ctx.amount(text, what, table, cell, column.unit or unit)
            source = key.removeprefix("source:")
            if source == "total":
                total.budget_initial_yuan = amount
            elif amount is not None:
                ctx.report.funding.append(FundingRow(source, one_line(column.head.text), budget_initial_yuan=amount))
            ctx.record(f"funding.{source}.budget_initial_yuan", what, text, table, cell)
        elif key in MONEY_KEYS:
            setattr(total, key, ctx.amount(text, what, table, cell, column.unit or unit))
            ctx.record(f"funding.total.{key}", what, text, table, cell)
        elif key in RATE_KEYS:
            setattr(total, key, _rate(ctx, total, key, text, what, table, cell, fraction_ok, fractions))
            ctx.record(f"funding.total.{key}", what, text, table, cell)
    if any(getattr(total, k) is not None for k in MONEY_KEYS + RATE_KEYS):
        ctx.report.funding.append(total)


def money_from_funding(ctx: ReadContext) -> None:
    """The report's money is the total row's; a column the total leaves empty (or a missing total) is
    taken from the source rows: the one row's value, or the sum of several with an info finding —
    never from a column one of whose cells could not be read."""
    report = ctx.report
    unreadable = ctx.unreadable_money
    total = next((row for row in report.funding if row.source == "total"), None)
    sources = [row for row in report.funding if row.source != "total"]
    if any(row.breakdown for row in sources):
        sources = []  # income and expense breakdowns each add up to the total: never sum across them
    if any(not row.source for row in sources):
        sources = []  # a row whose label is not a known source may be the total itself (资金总额 …): never add it in
    summed = []
    for name in ("budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan", "execution_rate_pct"):
        value = getattr(total, name) if total is not None else None
        stated = [getattr(r, name) for r in sources if getattr(r, name) is not None]
        if value is None and name not in unreadable and len(stated) == 1 and len(sources) >= 1:
            value = stated[0]
        elif value is None and name not in unreadable and stated and name != "execution_rate_pct":  # rates do not add up
            value = sum(stated, Decimal(0))
            summed.append(name)
        setattr(report, name, value)
    if summed:
        ctx.finding("total_from_sources", "info", "total_from_sources", columns=summed)
