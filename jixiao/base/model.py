"""The data types every stage shares: the extracted document and the canonical records.

Readers in `extract/` produce a `Document`; the block reader in `normalize/` turns it into
`Report`s (with the `Finding`s made while reading) and a `Coverage`; ingest wraps them in a
`DocumentResult` (its doc_id the hash of the file's bytes: `doc_id_of`); `warehouse/` stores them, and
`rules/` adds findings in the warehouse. Nothing else crosses a stage.

The records are also the warehouse's column source: every scalar field of `Report` is a column of
`reports` (REPORT_COLUMNS), every `rows_of` field is a table of its own (REPORT_TABLES), and
DOCUMENT_COLUMNS names the `documents` columns; the store and the exports derive their lists
from these, and a test compares them with the tables a migration made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

# documents.format: a name in extract/formats.py's FORMATS, the one list of formats (so a new format is a line
# there and a reader, nothing here; tests/extract/test_formats.py checks the sniffer names only those)
Format = str
Status = Literal["ok", "failed", "not_report"]
Severity = Literal["error", "warning", "info"]
Scope = Literal["project", "department"]

SEVERITIES: frozenset[str] = frozenset(get_args(Severity))


def rows_of(kind: type, numbered: bool = False):
    """A report's list of records that is a warehouse table of its own (named as the field), with
    report_id first and, when numbered, a seq the store counts."""
    return field(default_factory=list, metadata={"rows": kind, "numbered": numbered})


NOT_A_COLUMN = {"column": False}


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
    # Where the cell lies on its page, in PDF points from the top-left corner (x0, top, x1, bottom);
    # None where the format has no geometry (Word, spreadsheets): the review desk highlights it there
    bbox: tuple[float, float, float, float] | None = None

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
    # PDFs: the rows at which the reader dropped a repetition of the table's first row, printed again at the
    # top of a page (a repeated header, or the title of the next form in a bundle: normalize tells them apart)
    repeated: tuple[int, ...] = ()

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
    sealed_pages: tuple[int, ...] = ()  # scanned pages bearing a seal, its ink removed before OCR
    # what the reader met and went past that a person should know (a part or page it could not read,
    # a value no writer makes); normalize puts them on every report of the file
    findings: tuple[Finding, ...] = ()

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
    # target and actual as comparable values beside the text as written (normalize/targets.py): an operator
    # (≥ ≤ = > < ≈ range), a number in its normalised unit (yuan, %, 天 …; a range's upper bound in *_value_high),
    # or a grade on an ordered scale (rules/grades.csv); NULL where the text does not parse
    kind: str | None = None  # rules/indicator_kinds.csv; None when no row places the name
    target_op: str | None = None
    target_value: Decimal | None = None
    target_value_high: Decimal | None = None
    target_unit: str | None = None
    target_grade: str | None = None
    actual_op: str | None = None
    actual_value: Decimal | None = None
    actual_value_high: Decimal | None = None
    actual_unit: str | None = None
    actual_grade: str | None = None
    met: bool | None = None  # the actual reaches the target; None when that cannot be told
    met_rule: str | None = None  # the rule that decided met (at_least, grade_rank …), or why it could not (units_differ …)


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


NarrativeKind = Literal["achievement", "problem", "cause", "improvement", "results_use"]
NARRATIVE_KINDS: tuple[str, ...] = get_args(NarrativeKind)


@dataclass
class NarrativeItem:
    """One numbered item (or paragraph) of a narrative section or of a form's text cell (问题与分析 …), with
    the kind of section it belongs to (rules/section_kinds.csv): the rows `jixiao search` finds."""

    seq: int
    kind: NarrativeKind | None  # None: a section of no kind we classify (项目概况 …)
    heading: str | None  # the section heading or the form's label, as written
    number: str | None  # the item's own numbering as written (1、 （二） ②), None for a paragraph
    text: str
    section_seq: int | None = None  # sections.seq it came from; None for a form's cell
    topic: str | None = None  # a problem's topic (rules/problem_topics.csv: funds_late …), which v_problems follows across years


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
    # The value's cell on its page in PDF points from the top-left corner, where the reader knows it
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    y1: float | None = None


@dataclass
class Finding:
    rule: str
    severity: Severity
    message: str  # rendered from parameters where it has them (jixiao.base.messages), in the warehouse's language
    expected: str | None = None
    actual: str | None = None
    parameters: str | None = None  # JSON: its message template's key and values, to render it in any language


@dataclass(frozen=True)
class Unread:
    """A non-empty cell or figure-bearing sentence the reader did not understand, with its place."""

    place: str  # t2.r5.c3 for a cell, p14 for a paragraph's sentence
    page: int | None
    text: str


LOW_COVERAGE_PCT = Decimal(85)  # a report understood less than this gets a low_coverage finding


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

    def __add__(self, other: Coverage) -> Coverage:
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
    funding: list[FundingRow] = rows_of(FundingRow, numbered=True)
    indicators: list[Indicator] = rows_of(Indicator)
    indicator_groups: list[IndicatorGroup] = rows_of(IndicatorGroup)
    flags: list[Flag] = rows_of(Flag)
    allocations: list[Allocation] = rows_of(Allocation, numbered=True)
    budget_lines: list[BudgetLine] = rows_of(BudgetLine)
    sections: list[Section] = rows_of(Section)
    narrative_items: list[NarrativeItem] = rows_of(NarrativeItem)
    facts: list[Fact] = rows_of(Fact)
    fields: list[Field] = rows_of(Field)
    findings: list[Finding] = rows_of(Finding)
    coverage: Coverage = field(default_factory=Coverage, metadata=NOT_A_COLUMN)  # of this report's part of the document


# The columns of `reports` that a Report fills, in order (the warehouse adds report_id, doc_id, ordinal
# before them and the linking columns after), and the tables of a report's records with their kinds.
REPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Report) if not f.metadata)
REPORT_TABLES: dict[str, type] = {f.name: f.metadata["rows"] for f in fields(Report) if "rows" in f.metadata}
NUMBERED_TABLES: frozenset[str] = frozenset(f.name for f in fields(Report) if f.metadata.get("numbered"))


def record_columns(table: str) -> list[str]:
    """The columns of a report's record table: report_id, seq when numbered, then the record's fields."""
    return ["report_id"] + (["seq"] if table in NUMBERED_TABLES else []) + [f.name for f in fields(REPORT_TABLES[table])]


def doc_id_of(data: bytes) -> str:
    """A document's id: the sha256 of its bytes, so the same bytes under any name are one document."""
    return hashlib.sha256(data).hexdigest()


def doc_id_of_file(path: Path) -> str:
    """doc_id_of a file's bytes, read a megabyte at a time (the desk checks stored files by it)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
    # for not_report: why the file was not taken as a report, the signs of one it lacks (a form naming its project
    # or unit; a title, figures and headings of a report narrative)
    not_report_reason: str | None = None

    @property
    def n_reports(self) -> int:
        return len(self.reports)

    @property
    def coverage_pct(self) -> Decimal | None:
        return self.coverage.pct if self.coverage is not None else None


# The columns of `documents` a stored document fills, in order: a DocumentResult's fields and
# properties, except size_bytes (where the file was found) and parser_version (the package's).
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "path",
    "format",
    "ocr",
    "status",
    "error",
    "n_pages",
    "n_reports",
    "size_bytes",
    "parser_version",
    "coverage_pct",
    "error_kind",
    "error_detail",
    "not_report_reason",
)
UNREAD_COLUMNS: tuple[str, ...] = ("doc_id", *(f.name for f in fields(Unread)))
