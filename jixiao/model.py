"""The data types every stage shares: the extracted document and the canonical records.

Readers in `extract/` produce a `Document`; layout families in `normalize/` turn it into
`Report`s; `rules/` adds `Finding`s; `warehouse/` stores them. Nothing else crosses a stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

Format = Literal["docx", "doc", "wps", "pdf", "xlsx", "xls", "et", "image", "unknown"]
Status = Literal["ok", "failed", "not_report"]
Severity = Literal["error", "warning", "info"]
Scope = Literal["project", "department"]

FORMATS: frozenset[str] = frozenset(get_args(Format))
STATUSES: frozenset[str] = frozenset(get_args(Status))
SEVERITIES: frozenset[str] = frozenset(get_args(Severity))


# --- the extracted document -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of a table grid; a merged cell appears once, at its top-left position."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None
    confidence: float | None = None  # lowest OCR confidence of its text; None when the text was not OCR'd
    # Set on a cell first below a page break that may be the rest of the cell above it (same edges):
    # "cut" when the text above runs to the cell's edge (a cut by the look of it), "maybe" when it
    # stopped short (a hard line break, or a row of its own); normalize decides with the lexicon
    continues: Literal["cut", "maybe"] | None = None

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(frozen=True)
class Table:
    """A table as a grid of cells, with provenance (index among the document's tables, first page)."""

    index: int
    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int
    page: int | None = None
    parent: int | None = None  # index of the enclosing table, for a table nested in a cell

    def rows(self) -> list[list[Cell]]:
        """Return, per grid row, the cells that start in that row, left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row].append(cell)
        for row in out:
            row.sort(key=lambda c: c.col)
        return out

    def grid(self) -> list[list[Cell | None]]:
        """Return the dense grid: each position holds the cell covering it (merged cells repeat here only)."""
        return self._grid

    @cached_property
    def _grid(self) -> list[list[Cell | None]]:
        out: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, min(cell.last_row, self.n_rows - 1) + 1):
                for c in range(cell.col, min(cell.last_col, self.n_cols - 1) + 1):
                    out[r][c] = cell
        return out

    def row_cells(self, r: int) -> list[Cell]:
        """Return every distinct cell that covers row r (including ones merged from above), left to right."""
        out: list[Cell] = []
        for cell in self._grid[r]:
            if cell is not None and (not out or out[-1] is not cell):
                out.append(cell)
        return out


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int | None = None
    index: int = 0  # position among the document's paragraphs


Block = Paragraph | Table


@dataclass(frozen=True)
class Document:
    """What a reader returns: blocks in reading order, whatever the format."""

    format: str
    blocks: tuple[Block, ...]
    n_pages: int | None = None
    ocr: bool = False
    unread_pages: tuple[int, ...] = ()  # pages with no text layer that could not be read (no OCR)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]


# --- canonical records (SCHEMA.md) ------------------------------------------------------


@dataclass
class FundingRow:
    source: str
    source_label: str
    carryover_yuan: Decimal | None = None
    budget_initial_yuan: Decimal | None = None
    budget_adjusted_yuan: Decimal | None = None
    received_yuan: Decimal | None = None
    spent_yuan: Decimal | None = None
    balance_yuan: Decimal | None = None
    received_rate_pct: Decimal | None = None
    execution_rate_pct: Decimal | None = None
    received_date: date | None = None
    breakdown: str | None = None  # department forms: 'income' (按收入性质分) or 'expense' (按支出性质分) rows


@dataclass
class Indicator:
    seq: int
    level1: str | None
    level2: str | None
    name: str | None
    weight: Decimal | None = None
    target: str | None = None
    actual: str | None = None
    score: Decimal | None = None
    note: str | None = None
    parent: str | None = None  # the 三级指标 this numbered sub-item belongs to (一、道路维护里程 → 1、主干道维护里程)


@dataclass
class IndicatorGroup:
    """A subtotal row of the indicator outline (一、投入 20 / （一）项目立项 12): not a leaf, kept for checks."""

    seq: int
    level: int  # 1: 一级指标, 2: 二级指标, 3: a 三级指标 divided into numbered sub-items
    level1: str | None
    level2: str | None
    weight: Decimal | None = None
    score: Decimal | None = None
    name: str | None = None  # level 3: the 三级指标's name, which its sub-items carry as `parent`


@dataclass
class Flag:
    flag: str
    label: str
    value: bool | None


@dataclass
class Allocation:
    issued_date: date | None
    amount_yuan: Decimal | None
    doc_number: str | None
    note: str | None = None


@dataclass
class BudgetLine:
    seq: int
    economic_class: str | None
    content: str | None
    adjustment: str | None
    spent_yuan: Decimal | None
    basis: str | None


@dataclass
class Section:
    seq: int
    heading: str | None
    text: str


@dataclass
class Fact:
    key: str
    value: Decimal
    unit: Literal["yuan", "pct", "points"]
    sentence: str


@dataclass
class Field:
    key: str | None  # canonical key; None when the label maps to nothing in the lexicon
    label: str
    value: str | None
    page: int | None
    locator: str


@dataclass
class Finding:
    rule: str
    severity: Severity
    message: str
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class Unread:
    """A non-empty cell or figure-bearing sentence the reader did not understand, with its place."""

    place: str  # t2.r5.c3 for a cell, p14 for a paragraph's sentence
    page: int | None
    text: str


@dataclass
class Coverage:
    """How much of a document (or one report's part of it) was understood: read into a value,
    recognised as a label, or knowingly passed over (boilerplate, signatures, template rows)."""

    items: int = 0
    understood: int = 0
    unread: list[Unread] = field(default_factory=list)

    @property
    def pct(self) -> Decimal | None:
        if not self.items:
            return None
        return (Decimal(100) * self.understood / self.items).quantize(Decimal("0.01"))

    def __add__(self, other: "Coverage") -> "Coverage":
        return Coverage(self.items + other.items, self.understood + other.understood, self.unread + other.unread)


@dataclass
class Report:
    """One self-evaluation, with every record that hangs off it."""

    template: str
    scope: Scope = "project"
    fiscal_year: int | None = None
    region: str | None = None
    project_name: str | None = None
    project_code: str | None = None
    department: str | None = None
    implementing_unit: str | None = None
    project_kind: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    budget_initial_yuan: Decimal | None = None
    budget_adjusted_yuan: Decimal | None = None
    received_yuan: Decimal | None = None
    spent_yuan: Decimal | None = None
    execution_rate_pct: Decimal | None = None
    score_total: Decimal | None = None
    score_max: Decimal | None = None
    grade: str | None = None
    execution_score: Decimal | None = None
    execution_score_max: Decimal | None = None
    funding: list[FundingRow] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    indicator_groups: list[IndicatorGroup] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    budget_lines: list[BudgetLine] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)  # of this report's part of the document; not a column


REPORT_COLUMNS: tuple[str, ...] = (
    "template", "scope", "fiscal_year", "region", "project_name", "project_code", "department",
    "implementing_unit", "project_kind", "period_start", "period_end", "budget_initial_yuan",
    "budget_adjusted_yuan", "received_yuan", "spent_yuan", "execution_rate_pct", "score_total",
    "score_max", "grade", "execution_score", "execution_score_max",
)


@dataclass
class DocumentResult:
    """One file after ingest: its `documents` row and the reports found in it."""

    doc_id: str
    path: str
    format: str
    status: Status
    error: str | None = None  # one sentence for the user: what is wrong with the file and what to do
    ocr: bool = False
    n_pages: int | None = None
    reports: list[Report] = field(default_factory=list)
    coverage: Coverage | None = None  # of the whole document; None when it could not be read
    seconds: dict[str, float] = field(default_factory=dict)  # time per step, for summaries and benchmarks
    peak_rss_mb: float | None = None  # of the process that read it, for summaries and benchmarks
    # why it failed, as a word a rerun can act on: file (the file's own fault: it will fail again),
    # timeout, crash, memory (may not recur: retried), unexpected (a reader bug), store
    error_kind: str | None = None
    error_detail: str | None = None  # the exception behind the sentence, for whoever fixes the reader

    @property
    def n_reports(self) -> int:
        return len(self.reports)

    @property
    def coverage_pct(self) -> Decimal | None:
        return self.coverage.pct if self.coverage is not None else None
