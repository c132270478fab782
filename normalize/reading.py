"""Building blocks every layout family uses to read tables into a Report.

`ReadContext` keeps provenance (every value read becomes a `Field` with its locator) and applies
the bad-value policy: a value that does not parse is NULL plus a finding, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from jixiao.model import Cell, Field, Finding, Flag, Report, Table

from . import checkbox
from .lexicon import Lexicon
from .text import clean_text, is_instruction, label_parts


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
