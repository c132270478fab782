"""Finding blocks by what their header rows say, in any table, in any order.

A block (money table, indicator table, budget lines, allocations, goals) starts at a header row
whose cells name enough of its columns in the lexicon; a second row that divides a spanning
header label is read with it. Its data rows follow until a row stops fitting (a title row, the
header of another block, a new label at the left, a row of known labels); a block that reaches
the end of its table continues into the next table when that one repeats the header or goes on
in the same columns. Which rows fit a block's kind is the kind's reader's to say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from jixiao.base.labels import canonical_label, label_parts, nfkc
from jixiao.base.model import Cell, Table

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
    Kind("money_by_source", ("funding.source", "funding.column"), (frozenset({"source:total", "spent_yuan"}),), 4),
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
    return {col: parts for col, parts in out.items() if len(parts) > 1 and _distinct_or_scores([p.key for p in parts.values()])}


def _distinct_or_scores(keys: list[str]) -> bool:
    """Labels dividing a spanning one name different columns, or the same score by whoever scored
    (评分 over 县级评分 | 市级评分, 得分 over 自评 | 复核): the first of those is the self-evaluation."""
    return len(set(keys)) == len(keys) or set(keys) <= _SCORE_KEYS


_SCORE_KEYS = frozenset({"score", "review_score"})


_FIGURE = regex.compile(r"^\s*[-+]?\d[\d,，.]*\s*(?:%|％|万元|万|元|千元|亿元)?\s*$")


def _pairs_row(table: Table, r: int, labelled: list[Cell]) -> bool:
    """Whether row r is labels each followed by its figure (全年预算数（万元）| 2360.00 | 全年执行数（万元）| 2298.40 |
    执行率 | 97.39%): key-value pairs, not the head of a block."""
    cells = starting(table, r)
    known = {id(c) for c in labelled}
    pairs = sum(1 for a, b in zip(cells, cells[1:]) if id(a) in known and _FIGURE.match(nfkc(b.text)))
    return pairs >= 2


def is_pairs_row(table: Table, r: int, lexicon: Lexicon) -> bool:
    """Whether row r holds two or more known labels each followed by its figure (money written as
    label/value pairs on a row of an indicator table): the key-value reader's, not a block's row."""
    labelled = [c for c in starting(table, r) if len(c.text) <= _LABEL_MAX and lexicon.contexts_of(c.text)]
    return len(labelled) >= 2 and _pairs_row(table, r, labelled)


def _satisfies(kind: Kind, keys: set[str]) -> bool:
    if kind.name == "money_by_source":
        sources = {k for k in keys if k.startswith("source:") and k != "source:total"}
        return len(sources) >= 2 and bool(keys & {"source:total", "spent_yuan"}) and len(keys) >= kind.min_keys
    return len(keys) >= kind.min_keys and all(keys & need for need in kind.needs)


def find_header(table: Table, r: int, lexicon: Lexicon) -> Block | None:
    """Return the block whose header is row r (and perhaps r+1), the kind naming most columns; or None."""
    best: Block | None = None
    labelled = _labelled(table, r, lexicon)
    if len(labelled) < 2 or _pairs_row(table, r, labelled):
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
            header = [r, r + 1] if below else [r]
            best = Block(kind.name, table, header + _numbering_rows(table, header[-1] + 1), _first_of_each(columns, kind.name))
    if best is not None and len(best.header_rows) == 1 + len(_numbering_rows(table, r + 1)):
        _group_row_above(table, best, lexicon)
    return best


def _group_row_above(table: Table, block: Block, lexicon: Lexicon) -> None:
    """A first header row that names groups of the columns below it (资金情况（万元） over 年初预算数 | 全年预算数（A）
    | 全年执行数（B） | 执行率): it is part of the header, and the unit a group names is its columns' unit.
    Every cell of that row over the block's columns is such a group label or a header cell that reaches
    down into the columns' row."""
    r = block.header_rows[0]
    if r == 0 or is_title_row(table, r - 1):
        return  # a title row above (预算执行情况(万元)(20分)) is the block's title: add_title reads it
    first = block.first_col
    last = max(c.head.last_col for c in block.columns.values())
    row = starting(table, r - 1)
    over = [c for c in row if c.last_col >= first and c.col <= last]
    groups = [c for c in over if c.colspan >= 2 and c.last_row == r - 1]
    down = [c for c in row if c.last_row >= r]
    if not groups or any(c.text.strip() and not (c in groups or c.last_row >= r) for c in over):
        return
    if any(len(c.text) > _LABEL_MAX or _FIGURE.match(nfkc(c.text)) or not c.text.strip() for c in groups):
        return
    if any(set(lexicon.contexts_of(c.text)) & {"field", "flag"} for c in row if len(c.text) <= _LABEL_MAX):
        return  # a head row (主管部门 | … | 实施单位 | …) above the block, not a group of its columns
    if not down and not any(label_parts(c.text)[1] for c in groups):
        return
    block.header_rows.insert(0, r - 1)
    kind = next(k for k in KINDS if k.name == block.kind)
    for cell in down:  # a column label over both rows (资金来源, 行次) names its column too
        key = _key(lexicon, kind, cell.text)
        if key and cell.col not in block.columns and key not in block.keys():
            block.columns[cell.col] = Column(key, label_parts(cell.text)[1], cell)
    for group in groups:
        unit = label_parts(group.text)[1]
        for col, column in block.columns.items():
            if unit and column.unit is None and group.col <= col <= group.last_col:
                block.columns[col] = Column(column.key, unit, column.head)


def _first_of_each(columns: dict[int, Column], kind: str) -> dict[int, Column]:
    """One column per header cell, and the first column for a key named twice (自评分 before a second 得分);
    in an indicator block a later score column is the review's (复核分, 市级评分), known and passed over."""
    out: dict[int, Column] = {}
    seen_keys: set[str] = set()
    for col in sorted(columns):
        column = columns[col]
        if column.key in seen_keys:
            if kind == "indicators" and column.key == "score":
                out[col] = Column("review_score", column.unit, column.head)
            continue
        seen_keys.add(column.key)
        out[col] = column
    return out


_NUMBERING_CELL = regex.compile(r"^(?:[甲乙丙丁戊己庚辛壬癸]|\d{1,2})$")


def _numbering_rows(table: Table, r: int) -> list[int]:
    """The row under a header that numbers its columns (行次/列次: 「甲 | 乙 | 1 | 2 | 3」, 「甲 乙 丙 丁 5 6 7 8」):
    every cell that starts in it holds one stem or one number, the numbers counting up by one."""
    if r >= table.n_rows:
        return []
    texts = [nfkc(c.text).strip() for c in starting(table, r)]
    filled = [t for t in texts if t]
    if len(filled) < 3 or len(filled) < len(texts) - 1 or not all(_NUMBERING_CELL.match(t) for t in filled):
        return []
    numbers = [int(t) for t in filled if t.isdigit()]
    stems = [t for t in filled if not t.isdigit()]
    if any(b != a + 1 for a, b in zip(numbers, numbers[1:])) or (stems and filled[: len(stems)] != stems):
        return []
    return [r]


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
    if above >= 0 and is_title_row(table, above) and (title := grid[above][0]) is not None:
        titles.append(title)
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


def continuation(
    block: Block, tables: list[Placed], at: int, lexicon: Lexicon, repeated: list[tuple[Table, int]] | None = None
) -> Iterator[tuple[Table, int]]:
    """Yield the block's data rows: the rows below its header, then, when it reaches the end of its
    table, the rows of following tables that repeat its header or go on in the same columns. The rows
    of a header repeated at the top of a continuation are added to repeated, when given (they are the
    block's, and head no block of their own)."""
    table = block.table
    heads = [[canonical_label(c.text) for c in starting(table, h)] for h in block.header_rows]
    yield from _rows_of(table, block.last_header_row + 1, heads, repeated)
    for nxt in tables[at + 1 :]:
        t = nxt.table
        if t.n_cols != table.n_cols or nxt.text_between:
            return
        start = _repeated_header(t, 0, heads)  # the header repeated at the top of the continuation
        if start:
            if repeated is not None:
                repeated.extend((t, r) for r in range(start))
        elif is_header(t, 0, lexicon) or is_title_row(t, 0):
            return
        yield from _rows_of(t, start, heads, repeated)
        table = t


def _repeated_header(table: Table, r: int, heads: list[list[str]]) -> int:
    """How many rows from r print the block's header again (its first row, then each further header row that
    is printed too: a numbering row may be left out); 0 when row r is no repeat of it."""
    n = 0
    while n < len(heads) and r + n < table.n_rows and [canonical_label(c.text) for c in starting(table, r + n)] == heads[n]:
        n += 1
    return n


def _rows_of(table: Table, start: int, heads: list[list[str]], repeated: list[tuple[Table, int]] | None) -> Iterator[tuple[Table, int]]:
    """A table's rows from start, passing over the block's header where it is printed again among them (a PDF
    joins a table's pages, each with its header)."""
    r = start
    while r < table.n_rows:
        n = _repeated_header(table, r, heads) if r > start else 0
        if n:
            if repeated is not None:
                repeated.extend((table, x) for x in range(r, r + n))
            r += n
            continue
        yield table, r
        r += 1
