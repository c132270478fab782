"""The context every block reader writes through.

`ReadContext` keeps provenance (every value read becomes a `Field` with its locator), applies
the bad-value policy (a value that does not parse is NULL plus a finding, never a guess) and
notes what each cell turned out to be, for coverage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import regex

from jixiao.base.messages import finding
from jixiao.base.model import Cell, Field, Flag, Report, Severity, Table

from . import checkbox
from .lexicon import Lexicon
from .text import clean_text, is_instruction
from .values import parse_money

_OWN_UNIT = regex.compile(r"(?:亿元|万元|千元|元|万|萬|萬元)\s*$")
OCR_MIN_CONFIDENCE = 0.8  # below this an OCR'd figure is not trusted: NULL and a finding, never a guess
Understood = Literal["value", "label", "passed"]
SHOWN_CHARS = 200  # of a value quoted in a finding


def locator(table: Table, cell: Cell) -> str:
    return f"t{table.index + 1}.r{cell.row + 1}.c{cell.col + 1}"


@dataclass
class ReadContext:
    report: Report
    lexicon: Lexicon
    marks: dict[int, Understood] = field(default_factory=dict)  # id(cell) → what it was understood as
    unreadable_money: set[str] = field(default_factory=set)  # money columns with a cell that could not be read

    def mark(self, cell: Cell | None, how: Understood) -> None:
        """Note that a cell was understood; a value wins over a label, a label over a pass."""
        if cell is None:
            return
        now = self.marks.get(id(cell))
        if now is None or (now, how) in (("passed", "label"), ("passed", "value"), ("label", "value")):
            self.marks[id(cell)] = how

    def value(self, cell: Cell | None) -> str | None:
        """Given a value cell, return its text trimmed, or None for empty markers and unfilled instructions."""
        if cell is None:
            return None
        text = clean_text(cell.text)
        if text is not None and is_instruction(text):
            self.mark(cell, "passed")
            return None
        return text

    def record(self, key: str | None, label: str, value: str | None, table: Table, cell: Cell | None, label_cell: Cell | None = None) -> None:
        """Keep a value read, with the place it came from, in `fields`; a known key marks its cells understood."""
        self.report.fields.append(
            Field(
                key,
                label.strip(),
                value,
                cell.page if cell else table.page,
                locator(table, cell) if cell else f"t{table.index + 1}",
                *(cell.bbox if cell and cell.bbox else ()),
            )
        )
        if key is not None:
            self.mark(cell, "value")
            self.mark(label_cell, "label")

    def parse(self, parser: Callable[..., Any], text: str | None, what: str, table: Table | None, cell: Cell | None, **kw: Any) -> Any:
        """Run a value parser; on a bad value return None and add a finding naming the place."""
        if text is None:
            return None
        if cell is not None and table is not None and cell.confidence is not None and cell.confidence < OCR_MIN_CONFIDENCE:
            self.finding(
                "ocr_low_confidence",
                "warning",
                "ocr_low_confidence",
                text,
                what=what,
                text=text,
                place=locator(table, cell),
                confidence=f"{cell.confidence:.2f}",
            )
            return None
        try:
            value = parser(text, **kw)
        except ValueError as exc:
            where = (
                locator(table, cell)
                if cell is not None and table is not None
                else (f"t{table.index + 1}" if table is not None else "a line above the form")
            )
            shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"  # a megabyte cell is named, not copied
            self.finding("value_unreadable", "warning", "value_unreadable", shown, what=what, text=shown, place=where, why=str(exc))
            return None
        self.mark(cell, "value")
        return value

    def amount(self, text: str | None, what: str, table: Table | None, cell: Cell | None, unit: str | None) -> Any:
        """A money cell in yuan. With no unit known for its column (unit None) only an amount that carries its
        own unit (127万元) is read; a bare figure is NULL — 万元 or 元 differ ten thousand times, never guessed."""
        if text is None:
            return None
        if unit is None and not _OWN_UNIT.search(text):
            return None
        return self.parse(parse_money, text, what, table, cell, unit=unit)

    def finding(self, rule: str, severity: Severity, key: str, actual: str | None = None, expected: str | None = None, **parameters) -> None:
        """A finding as data: key names its message's template (rules/messages.csv), parameters fill it."""
        self.report.findings.append(finding(rule, severity, key, actual, expected, **parameters))

    def flag(self, key: str, label: str, text: str | None, table: Table, cell: Cell | None, label_cell: Cell | None = None) -> None:
        value = checkbox.yes_no(text or "")
        self.report.flags.append(Flag(key, label.strip(), value))
        self.record(f"flag.{key}", label, text, table, cell, label_cell)

    def questions(self, text: str | None, table: Table, cell: Cell) -> bool:
        """Read yes/no questions written inside a value ('上年度是否有同类项目： □是 √否'); return whether any."""
        found = checkbox.questions(text or "")
        for question, value in found:
            key = self.lexicon.key("flag", question)
            if key:
                self.report.flags.append(Flag(key, question, value))
            self.record(f"flag.{key}" if key else None, question, None if value is None else ("是" if value else "否"), table, cell)
        return bool(found)
