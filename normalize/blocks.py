"""Finding blocks by what their header rows say, in any table, in any order.

A block (money table, indicator table, budget lines, allocations, goals) starts at a header row
whose cells name enough of its columns in the lexicon; a second row that divides a spanning
header label is read with it. Its data rows follow until a row stops fitting (a title row, the
header of another block, a new label at the left, a row of known labels); a block that reaches
the end of its table continues into the next table when that one repeats the header or goes on
in the same columns. Which rows fit a block's kind is the kind's reader's to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import regex

from jixiao.labels import canonical_label, label_parts, nfkc
from jixiao.model import Cell, Table

from .layout import Placed, is_title_row, starting
from .lexicon import Lexicon

MONEY_KEYS = ("carryover_yuan", "budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan", "balance_yuan")
MONEY_USE_KEYS = frozenset({"spent_yuan", "execution_rate_pct", "received_yuan", "budget_adjusted_yuan", "budget_initial_yuan"})


@dataclass(frozen=True)
class Kind:
    """What makes a header row the head of a block of this kind."""

    name: str
    contexts: tuple[str, ...]  # lexicon contexts of its column labels, tried in order
    needs: tuple[frozenset[str], ...]  # at least one key of each set must be named
    min_keys: int


KINDS = (
    Kind("money", ("funding.column",), (frozenset(MONEY_KEYS), MONEY_USE_KEYS), 3),
    Kind("money_by_source", ("funding.source", "funding.column"),
         (frozenset({"source:total", "spent_yuan"}),), 4),
    Kind("indicators", ("indicators.column",), (frozenset({"name"}), frozenset({"weight", "score", "target", "actual"})), 3),
    Kind("budget_lines", ("budget_lines.column",), (frozenset({"economic_class"}), frozenset({"content", "spent_yuan"})), 3),
    Kind("allocations", ("allocations.column",), (frozenset({"issued_date", "doc_number"}), frozenset({"amount_yuan"})), 2),
    Kind("goals", ("goals.column",), (frozenset({"goal_expected"}), frozenset({"goal_actual"})), 2),
)
_LABEL_MAX = 40  # a header cell is a short label


@dataclass(frozen=True)
class Column:
    """A column a header names: its key, the unit its label states, and the header cell."""

    key: str
    unit: str | None
    head: Cell


@dataclass
class Block:
    """A block found by its header: kind, where it is, its columns by grid column, and its title."""

    kind: str
    table: Table
    header_rows: list[int]
    columns: dict[int, Column]
    title: str = ""  # the block's own label (项目资金, 预算执行情况, 绩效评价自评表) when it has one
    title_cells: list[Cell] = field(default_factory=list)
    unit: str | None = None  # named in the title (（单位：万元）) or a caption line
    weight: str | None = None  # points named in the title (预算执行情况(10分))

    @property
    def last_header_row(self) -> int:
        return self.header_rows[-1]

    def keys(self) -> set[str]:
        return {c.key for c in self.columns.values()}

    def col(self, key: str) -> int | None:
        return next((c for c, column in self.columns.items() if column.key == key), None)

    @property
    def first_col(self) -> int:
        return min(self.columns)


_COLUMN_CONTEXTS = frozenset(context for kind in KINDS for context in kind.contexts)


def _key(lexicon: Lexicon, kind: Kind, text: str) -> str | None:
    if len(text) > _LABEL_MAX:
        return None
    for context in kind.contexts:
        key = lexicon.key(context, text)
        if key:
            return f"source:{key}" if context == "funding.source" else key
    return None


def _labelled(table: Table, r: int, lexicon: Lexicon) -> list[Cell]:
    """The distinct cells of row r (covering ones included) that some block's column label names."""
    return [c for c in table.row_cells(r) if len(c.text) <= _LABEL_MAX and not _COLUMN_CONTEXTS.isdisjoint(lexicon.contexts_of(c.text))]


def _row_columns(cells: list[Cell], lexicon: Lexicon, kind: Kind) -> dict[int, Column]:
    """Columns the given cells of a row name in a kind's contexts."""
    out: dict[int, Column] = {}
    for cell in cells:
        key = _key(lexicon, kind, cell.text)
        if key:
            out[cell.col] = Column(key, label_parts(cell.text)[1], cell)
    return out


def is_header(table: Table, r: int, lexicon: Lexicon) -> bool:
    """Whether row r heads a block (cheap when it does not: fewer than two column labels)."""
    return len(_labelled(table, r, lexicon)) >= 2 and find_header(table, r, lexicon) is not None


def _divisions(table: Table, r: int, lexicon: Lexicon, kind: Kind) -> dict[int, dict[int, Column]]:
    """Column labels in row r+1 that divide a label of row r spanning several columns (年度指标值 over
    指标性质 | 指标值 | 度量单位), by the spanning cell's column; empty unless every text starting in
    row r+1 is such a label: a data row is never taken for a header."""
    if r + 1 >= table.n_rows:
        return {}
    grid = table.grid()
    out: dict[int, dict[int, Column]] = {}
    for cell in starting(table, r + 1):
        if not cell.text.strip():
            continue
        above = grid[r][cell.col]
        if above is None or above.colspan < 2 or above is cell:
            return {}  # text under a one-column cell: row r+1 is data
        key = _key(lexicon, kind, cell.text)
        if key is None:
            return {}
        out.setdefault(above.col, {})[cell.col] = Column(key, label_parts(cell.text)[1] or label_parts(above.text)[1], cell)
    return {col: parts for col, parts in out.items() if len({p.key for p in parts.values()}) == len(parts) > 1}


def _satisfies(kind: Kind, keys: set[str]) -> bool:
    if kind.name == "money_by_source":
        sources = {k for k in keys if k.startswith("source:") and k != "source:total"}
        return len(sources) >= 2 and bool(keys & {"source:total", "spent_yuan"}) and len(keys) >= kind.min_keys
    return len(keys) >= kind.min_keys and all(keys & need for need in kind.needs)


def find_header(table: Table, r: int, lexicon: Lexicon) -> Block | None:
    """Return the block whose header is row r (and perhaps r+1), the kind naming most columns; or None."""
    best: Block | None = None
    labelled = _labelled(table, r, lexicon)
    if len(labelled) < 2:
        return None
    for kind in KINDS:
        columns = _row_columns(labelled, lexicon, kind)
        if len(columns) < 2:
            continue
        below = _divisions(table, r, lexicon, kind)
        for parent, parts in below.items():
            columns.pop(parent, None)  # the spanning label gives way to the labels dividing it
            columns.update(parts)
        keys = {c.key for c in columns.values()}
        if not _satisfies(kind, keys):
            continue
        if best is None or len(keys) > len(best.keys()):
            best = Block(kind.name, table, [r, r + 1] if below else [r], _first_of_each(columns))
    return best


def _first_of_each(columns: dict[int, Column]) -> dict[int, Column]:
    """One column per header cell, and the first column for a key named twice (自评分 before a second 得分)."""
    out: dict[int, Column] = {}
    seen_keys: set[str] = set()
    for col in sorted(columns):
        column = columns[col]
        if column.key in seen_keys:
            continue
        seen_keys.add(column.key)
        out[col] = column
    return out


# --- titles, units, extent -----------------------------------------------------------------

_CAPTION_UNIT = regex.compile(r"(?:单位|金额单位|货币单位)\s*[:：]\s*(万元|千元|元|亿元)")


def caption_unit(texts: list[str]) -> str | None:
    """The unit a caption states: 「单位：万元」, 「金额单位：元」."""
    for text in texts:
        m = _CAPTION_UNIT.search(canonical_label(text) if len(text) < 40 else nfkc(text))
        if m:
            return m.group(1)
    return None


def add_title(block: Block, placed: Placed) -> None:
    """Fill the block's title, unit and weight from the cell at its left, the title row above it or,
    for a block heading its table, the paragraphs before the table."""
    table = block.table
    grid = table.grid()
    r = block.header_rows[0]
    titles: list[Cell] = []
    left = [c for c in table.row_cells(r) if c.last_col < block.first_col and c.text.strip() and c.col not in block.columns]
    titles.extend(c for c in left if c.row <= r)
    above = r - 1
    if above >= 0 and is_title_row(table, above):
        titles.append(grid[above][0])
    texts = [c.text for c in titles]
    if r == 0 or (above >= 0 and all(is_title_row(table, x) for x in range(0, r))):
        texts += [p.text for p in placed.before]
    block.title_cells = titles
    block.title = next((label_parts(t)[0] for t in texts if label_parts(t)[0]), "")
    for t in texts:
        _, unit, weight = label_parts(t)
        block.unit = block.unit or unit or caption_unit([t])
        block.weight = block.weight or weight or _weight_in(t)


_WEIGHT = regex.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


def _weight_in(text: str) -> str | None:
    m = _WEIGHT.search(text)
    return m.group(1) if m else None


def continuation(block: Block, tables: list[Placed], at: int, lexicon: Lexicon) -> Iterator[tuple[Table, int]]:
    """Yield the block's data rows: the rows below its header, then, when it reaches the end of its
    table, the rows of following tables that repeat its header or go on in the same columns."""
    table = block.table
    for r in range(block.last_header_row + 1, table.n_rows):
        yield table, r
    for nxt in tables[at + 1:]:
        t = nxt.table
        if t.n_cols != table.n_cols or nxt.text_between:
            return
        start = 0
        head = [canonical_label(c.text) for c in starting(t, 0)]
        if head == [canonical_label(c.text) for c in starting(table, block.header_rows[0])]:
            start = len(block.header_rows)  # the header repeated at the top of the continuation
        elif is_header(t, 0, lexicon) or is_title_row(t, 0):
            return
        for r in range(start, t.n_rows):
            yield t, r
        table = t
