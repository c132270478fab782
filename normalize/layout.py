"""Rows of a table as a reader sees them: which cells start in a row, which cover it from above,
which rows are full-width titles; and the tables of a segment in reading order with the
paragraphs that stand before each (its title, caption or unit line)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import regex

from jixiao.base.labels import canonical_label, nfkc, split_outline
from jixiao.base.model import Cell, Document, Paragraph, Table

from .lexicon import Lexicon
from .text import is_page_number

_TITLE_PARAGRAPH_MAX = 60  # a longer paragraph before a table is text, not its title


def starting(table: Table, r: int) -> list[Cell]:
    """Given a table and a row, return the cells that start in that row, left to right."""
    return [c for c in table.row_cells(r) if c.row == r]


def is_title_row(table: Table, r: int) -> bool:
    """Whether row r is one cell spanning the whole table (a section title such as 资金安排使用情况)."""
    cells = table.row_cells(r)
    return table.n_cols > 1 and len(cells) == 1 and cells[0].row == r and cells[0].colspan >= table.n_cols


@dataclass
class Placed:
    """A top-level table of a segment with the short paragraphs just before it (its title lines)."""

    table: Table
    before: list[Paragraph] = field(default_factory=list)
    text_between: bool = False  # some paragraph (other than a page number) stands between it and the table before


def placed_tables(doc: Document) -> list[Placed]:
    """Given a segment, return its top-level tables in order, each with the short paragraphs before it."""
    out: list[Placed] = []
    waiting: list[Paragraph] = []
    between = False
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text or is_page_number(text):
                continue
            between = True
            waiting = waiting + [block] if len(text) <= _TITLE_PARAGRAPH_MAX else []
        elif block.parent is None:
            out.append(Placed(block, waiting[-3:], between))
            waiting, between = [], False
    return out


def paragraphs_before_tables(doc: Document) -> list[Paragraph]:
    """The paragraphs before the first table (cover, titles, unit lines), or all of them without tables."""
    out = []
    for block in doc.blocks:
        if isinstance(block, Table):
            break
        if block.text.strip():
            out.append(block)
    return out


def paragraphs_after_tables(doc: Document) -> list[Paragraph]:
    """The paragraphs after the last top-level table: the narrative report that follows a form."""
    last = max((i for i, b in enumerate(doc.blocks) if isinstance(b, Table) and b.parent is None), default=None)
    if last is None:
        return []
    return [b for b in doc.blocks[last + 1 :] if isinstance(b, Paragraph)]


# --- cells cut by a page break ------------------------------------------------------------


def _is_row_start(lexicon: Lexicon, text: str) -> bool:
    """Whether a text can only open a row of its own: a known label, a numbered item, a template row,
    a level that states its points (「(10分)」)."""
    s = nfkc(text.strip())
    return bool(lexicon.contexts_of(s)) or split_outline(s)[0] is not None or bool(_TEMPLATE_ROW.match(s) or _POINTS.search(s))


_POINTS = regex.compile(r"[(（]\s*\d*(?:\.\d+)?\s*分\s*[)）]\s*$")  # a label that ends with its points is whole


_CENTRED = frozenset({"indicators.level", "group", "section"})  # labels merged cells centre over their rows
# labels that head a column (never a row: a source such as 年度资金总额 labels a row)
_COLUMN_CONTEXTS = frozenset({"funding.column", "indicators.column", "budget_lines.column", "allocations.column", "goals.column"})
_TEMPLATE_ROW = regex.compile(r"^(?:指标\s*\d+\s*[:：]?\s*/?|[…．.。/／\\-—]+)$")


def _joins(lexicon: Lexicon, upper: str, lower: str, evidence: str) -> bool:
    """Whether the text below a page break goes on with the text above (a label 「项目名」 + 「称」, a figure
    「93.65」 + 「%」), rather than opening a row of its own (「其中:财政资金」 over 「财政专户管理资金」).

    evidence is the reader's: "cut" when the text above ran to its cell's edge, "maybe" when it
    stopped short; a "maybe" joins only into a label the lexicon knows (「实际完成」 + 「值」)."""
    if not lower.strip():
        return True
    if _completes(lexicon, upper, lower):
        return True
    if evidence != "cut":
        return False
    if not upper.strip() and set(lexicon.contexts_of(lower)) & _CENTRED:
        return True  # a merged cell's centred label, pushed below the break (see _pushed_below)
    if _is_row_start(lexicon, lower):
        return False
    return not upper.strip() or not (lexicon.contexts_of(upper) or _POINTS.search(nfkc(upper)))


def _completes(lexicon: Lexicon, upper: str, lower: str) -> bool:
    """Whether the text below completes the label above into one the lexicon knows (「实际完成」 + 「值」, a title's
    points 「预算执行情况」 + 「（10分）」); a column label's is no tail (「一级指标」 over a level's 「(50分)」 is a header
    cell over a data row)."""
    if not upper.strip() or not lexicon.contexts_of(upper + lower):
        return False
    if canonical_label(upper + lower) != canonical_label(upper):
        return True
    return _COLUMN_CONTEXTS.isdisjoint(lexicon.contexts_of(upper))


def _pushed_below(lexicon: Lexicon, upper: Cell, lower: Cell, header_above: bool) -> bool:
    """A label whose cell the break cut while blank above: a merged cell centres its label over its
    rows, and the label was printed on the page after — a level, group or block name (「服务对象满意度指标」), or
    a column label of a header whose first row stands above the break (「全年执行数」 under 预算数's row)."""
    if upper.text.strip():
        return False
    contexts = set(lexicon.contexts_of(lower.text))
    return bool(contexts & _CENTRED) or (header_above and not _COLUMN_CONTEXTS.isdisjoint(contexts))


def joined_text(upper: str, lower: str) -> str:
    """Two parts of a cut cell as one text: no separator in Chinese or figures, a space between Latin words."""
    if not upper:
        return lower
    if not lower:
        return upper
    latin = upper[-1].isascii() and upper[-1].isalpha() and lower[0].isascii() and lower[0].isalpha()
    return upper + (" " if latin else "") + lower


def join_page_cuts(table: Table, lexicon: Lexicon) -> Table:
    """Given a table whose reader marked cells that may continue the cell above across a page break
    (`Cell.continues`), return it with each cut row or merged cell whole again, where the texts agree:
    a part below that can only open a row of its own (a known label, 指标5, 2、…) stays apart, and so
    does a row any of whose cells disagrees."""
    marked = [c for c in table.cells if c.continues]
    if not marked:
        return table
    grid = table.grid()
    pairs: dict[int, Cell] = {}  # id(lower) → upper
    for cell in marked:
        above = grid[cell.row - 1][cell.col] if cell.row > 0 else None
        if above is not None and above.col == cell.col and above.last_col == cell.last_col and above.last_row == cell.row - 1:
            pairs[id(cell)] = above
    rows: dict[int, list[Cell]] = {}
    for cell in marked:
        if id(cell) in pairs:
            rows.setdefault(cell.row, []).append(cell)
    merged_rows: set[int] = set()  # rows folded into the row above
    joined: dict[int, tuple[Cell, Cell]] = {}  # id(upper) → (upper, lower)
    for r, lowers in rows.items():
        whole_row = len(lowers) == len(starting(table, r))
        header_above = any(not _COLUMN_CONTEXTS.isdisjoint(lexicon.contexts_of(c.text)) for c in starting(table, r - 1))
        agree = [_joins(lexicon, pairs[id(c)].text, c.text, c.continues or "") for c in lowers]
        if whole_row and all(agree):
            merged_rows.add(r)
            joined.update((id(pairs[id(c)]), (pairs[id(c)], c)) for c in lowers)
        else:  # merged cells going on beside rows of their own; a blank rest joins nothing (the row below is its own)
            joined.update(
                (id(pairs[id(c)]), (pairs[id(c)], c))
                for c, ok in zip(lowers, agree)
                if c.text.strip()
                and (
                    (ok and (not whole_row or c.rowspan > 1 or pairs[id(c)].rowspan > 1))
                    or _pushed_below(lexicon, pairs[id(c)], c, header_above)
                    or _completes(lexicon, pairs[id(c)].text, c.text)
                )
            )
    if not joined:
        return table
    lowers_gone = {id(lower) for _, lower in joined.values()}

    def new_row(r: int) -> int:  # rows folded into the one above are gone
        return r - sum(1 for m in merged_rows if m <= r)

    cells = []
    for cell in table.cells:
        if id(cell) in lowers_gone:
            continue
        text, last = cell.text, cell.last_row
        if id(cell) in joined:
            lower = joined[id(cell)][1]
            text, last = joined_text(cell.text, lower.text), lower.last_row
        top = new_row(cell.row)
        cells.append(replace(cell, text=text, row=top, rowspan=new_row(last) - top + 1, continues=None))
    return Table(table.index, tuple(cells), table.n_rows - len(merged_rows), table.n_cols, table.page, table.parent)
