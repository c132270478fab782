"""Normalizing: a `Document` in, the SCHEMA.md records (`Report`s) out, with what was understood.

One block reader serves every layout (`form.py`): blocks are found by what their headers say, in
any table and any order; layout families are declarations in `rules/families.toml` that name
what was recognised. A file that bundles several forms is first cut into segments, one per form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace

from jixiao.base.messages import finding
from jixiao.base.model import Coverage, Document, Paragraph, Report, Severity, Table

from .fit import fit_report
from .form import read_segment
from .lexicon import Lexicon, default_lexicon, load_lexicon
from .outcomes import describe

__all__ = ["Normalized", "normalize_document", "segments", "Lexicon", "load_lexicon", "default_lexicon"]

_ANCHORS = ("project_name", "department_name")
_TITLE_MAX = 60  # a paragraph this short between two forms is the next form's title, not the last one's text


@dataclass
class Normalized:
    """A document's reports in order, and how much of the document was understood."""

    reports: list[Report] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    not_report_reason: str | None = None  # without reports: the signs of a report the document lacks


def _is_anchor(table: Table, lexicon: Lexicon) -> bool:
    """A table that names its project or department starts a form."""
    return table.parent is None and any(lexicon.key("field", c.text) in _ANCHORS for c in table.cells if len(c.text) < 20)


_OPENING_ROWS = 3  # rows a form may print above the one naming its project: a title, a year caption, a unit line


def _row_page(table: Table, r: int) -> int | None:
    return next((c.page for c in table.cells if c.row == r), None)


def _cut(table: Table, bounds: list[tuple[int, int]]) -> list[Table]:
    """The table cut into the row ranges [a, b) given, each a table of its own (indices set later). A part
    that opens where the PDF reader dropped a repetition of the first row (the next form's title, taken
    for a repeated header) gets that row back."""
    parts = []
    first = [c for c in table.cells if c.row == 0 and c.rowspan == 1]
    for a, b in bounds:
        cells = [replace(c, row=c.row - a, rowspan=min(c.rowspan, b - c.row)) for c in table.cells if a <= c.row < b]
        pages = [c.page for c in cells if c.page is not None]
        page = min(pages) if pages else table.page
        height = b - a
        if a and a in table.repeated and first:
            cells = [replace(c, page=page, bbox=None) for c in first] + [replace(c, row=c.row + 1) for c in cells]
            height += 1
        parts.append(Table(table.index, tuple(cells), height, table.n_cols, page, table.parent))
    return parts


def _unjoined(table: Table, lexicon: Lexicon) -> list[Table]:
    """A PDF table cut where a later page opens another form within it.

    The PDF reader joins a table with the one opening the next page when their columns agree, as a
    table running over a page break is; a bundle whose forms open with a row of their own (a title
    or year caption in the table, no paragraph above it) is then one table holding every form. A
    row naming a project (项目名称) within the first rows of a later page than the project named
    before opens a new form: the table is cut at that page's first row."""
    if table.parent is not None:
        return [table]
    anchors = sorted({c.row for c in table.cells if len(c.text) < 20 and lexicon.key("field", c.text) in _ANCHORS})
    if len(anchors) < 2:
        return [table]
    cuts: list[int] = []
    named = _row_page(table, anchors[0])
    for r in anchors[1:]:
        page = _row_page(table, r)
        if page is None or named is None or page <= named:
            continue
        top = min(c.row for c in table.cells if c.page == page)
        if r - top <= _OPENING_ROWS and top > (cuts[-1] if cuts else 0):
            cuts.append(top)
            named = page
    if not cuts:
        return [table]
    return _cut(table, list(zip([0] + cuts, cuts + [table.n_rows])))


def _forms_apart(doc: Document, lexicon: Lexicon) -> Document:
    """The document with every PDF table that holds several forms cut into one table per form (`_unjoined`),
    the tables numbered again in order."""
    blocks: list = []
    for block in doc.blocks:
        blocks.extend(_unjoined(block, lexicon) if isinstance(block, Table) else [block])
    if len(blocks) == len(doc.blocks):
        return doc
    tables = [b for b in blocks if isinstance(b, Table)]
    renumbered = {id(t): i for i, t in enumerate(tables)}
    first: dict[int, int] = {}  # old index → new index of its first part, for nested tables' parents
    for t in tables:
        first.setdefault(t.index, renumbered[id(t)])
    blocks = [
        replace(b, index=renumbered[id(b)], parent=None if b.parent is None else first.get(b.parent, b.parent)) if isinstance(b, Table) else b
        for b in blocks
    ]
    return replace(doc, blocks=tuple(blocks))


def segments(doc: Document, lexicon: Lexicon | None = None) -> list[Document]:
    """Cut a document into one segment per form (bundles hold one form per project, often one per page).

    A form starts at a table that names its project (项目名称) once the form before has named its
    own; tables before the first such table belong to the first form, so a form whose money table
    comes before its head stays whole. Short paragraphs just before a form (its title, year, unit
    caption) go with it; longer text after a form (a narrative report) stays with the form before.
    """
    lexicon = lexicon or default_lexicon()
    doc = _forms_apart(doc, lexicon)
    anchors = [i for i, b in enumerate(doc.blocks) if isinstance(b, Table) and _is_anchor(b, lexicon)]
    if len(anchors) <= 1:
        return [doc]
    starts = [0]
    for prev, here in zip(anchors, anchors[1:]):
        start = here
        while start - 1 > prev and isinstance(block := doc.blocks[start - 1], Paragraph) and len(block.text.strip()) <= _TITLE_MAX:
            start -= 1
        starts.append(start)
    bounds = list(zip(starts, starts[1:] + [len(doc.blocks)]))
    return [Document(doc.format, doc.blocks[a:b], doc.n_pages, doc.ocr) for a, b in bounds]


def normalize_document(doc: Document, lexicon: Lexicon | None = None) -> Normalized:
    """Given an extracted document, return its reports in order (none: not_report) and its coverage."""
    lexicon = lexicon or default_lexicon()
    out = Normalized()
    for segment in segments(doc, lexicon):
        report, coverage, why = read_segment(segment, lexicon)
        out.coverage = out.coverage + coverage
        if report is not None:
            out.reports.append(fit_report(describe(report)))
        elif out.not_report_reason is None:
            out.not_report_reason = why
    if out.reports:
        out.not_report_reason = None
    _page_findings(out.reports, doc.unread_pages, "pages_unread", "warning")
    _page_findings(out.reports, doc.sealed_pages, "page_sealed", "info")
    for report in out.reports:
        report.findings.extend(dataclasses.replace(f) for f in doc.findings)  # a copy each: reports are written to
    return out


def _page_findings(reports: list[Report], pages: tuple[int, ...], rule: str, severity: Severity) -> None:
    """One finding on every report of the document about some of its pages (its message: rules/messages.csv)."""
    if pages:
        listed = ", ".join(map(str, pages))
        for report in reports:
            report.findings.append(finding(rule, severity, rule, listed, pages=listed))
