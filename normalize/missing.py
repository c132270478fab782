"""What a report lost without a trace, made visible: text that is a table whose cells ran together,
and the key values a report should have but were not read. Each lowers coverage and is a finding, so
that a document never reports 100 % while its name or its score table is gone."""

from __future__ import annotations

import regex

from jixiao.base.labels import canonical_label
from jixiao.base.messages import finding
from jixiao.base.model import Coverage, Document, Paragraph, Report, Unread

from .lexicon import Lexicon

# Contexts whose labels head a table's cells: a paragraph holding many of them, glued, is a table that
# a conversion flattened (LibreOffice reads some .doc tables as one paragraph: 「指标名称权重（%）目标值…」).
_TABLE_CONTEXTS = (
    "field",
    "funding.column",
    "funding.source",
    "indicators.column",
    "indicators.total",
    "budget_lines.column",
    "allocations.column",
    "group",
)
_GLUED_LABELS = 4  # distinct table labels in one paragraph, at least
_SENTENCE_MARKS = regex.compile(r"[，。；！？,;]")
_TOTAL_LABELS = frozenset({"总分", "自评总分", "综合得分", "总得分"})


_LABELS: dict[int, frozenset[str]] = {}  # id(lexicon.entries) → its table labels: a lexicon is made once and kept


def _table_labels(lexicon: Lexicon) -> frozenset[str]:
    key = id(lexicon.entries)
    if key not in _LABELS:
        _LABELS[key] = frozenset(label for (context, label) in lexicon.entries if context in _TABLE_CONTEXTS and len(label) >= 2)
    return _LABELS[key]


# One row run together: a label and its figures with nothing between them (「总分10097.63」: 100 and 97.63)
_GLUED_ROW = regex.compile(r"^(?P<label>\p{Han}{2,8})(?P<figures>[\d.%]{5,})$")


def glued_labels(text: str, lexicon: Lexicon) -> list[str]:
    """The table labels a paragraph holds when it reads as a table's cells run together (labels glued to
    one another and to figures, hardly a sentence mark between them; or one row's label glued to its
    figures); [] for any other paragraph."""
    canonical = canonical_label(text)
    row = _GLUED_ROW.match(regex.sub(r"\s", "", text))
    if row and (row["label"] in _table_labels(lexicon) or row["label"] in _TOTAL_LABELS):
        return [row["label"]]
    if len(canonical) < 12:
        return []
    found = [label for label in _table_labels(lexicon) if len(label) >= 3 and label in canonical]
    # a shorter label inside a longer one found too (预算数 in 全年预算数) is the same cell
    found = [a for a in found if not any(a != b and a in b for b in found)]
    if len(found) < _GLUED_LABELS or len(_SENTENCE_MARKS.findall(text)) * 2 >= len(found):
        return []
    return found


def flattened_paragraphs(doc: Document, lexicon: Lexicon) -> dict[int, list[str]]:
    """Paragraph index → the labels of each paragraph of doc that is a flattened table."""
    out = {}
    for p in doc.paragraphs:
        labels = glued_labels(p.text, lexicon)
        if labels:
            out[p.index] = labels
    return out


def count_flattened(doc: Document, flattened: dict[int, list[str]], coverage: Coverage, report: Report | None) -> None:
    """Each flattened table is an item of coverage that was not understood, and a finding of the report."""
    for p in doc.paragraphs:
        labels = flattened.get(p.index)
        if labels is None:
            continue
        coverage.items += 1
        coverage.unread.append(Unread(f"p{p.index + 1}", p.page, p.text[:200]))
        if report is not None:
            report.findings.append(
                finding("table_flattened", "warning", "table_flattened", p.text[:120], paragraph=p.index + 1, labels="、".join(labels[:6]))
            )


def narrative_paragraphs(paragraphs: list[Paragraph], flattened: dict[int, list[str]]) -> list[Paragraph]:
    """A report's narrative without its flattened tables: their glued figures are no sentences to read facts from."""
    return [p for p in paragraphs if p.index not in flattened]


_KEYS = (("fiscal_year", "年度"), ("project_name", "项目名称"))


def check_key_values(report: Report, doc: Document, coverage: Coverage, flattened: dict[int, list[str]]) -> None:
    """A report without its name, its year or any budget or spent figure, or whose 总分 row was printed but
    not read: each missing value counts as an item of coverage not understood. The first three are the
    warehouse rule required_fields's findings; a total not read is a finding here, since only the
    document shows that it was printed."""
    missing = [label for key, label in _KEYS if getattr(report, key) is None]
    if report.budget_initial_yuan is None and report.budget_adjusted_yuan is None and report.spent_yuan is None:
        missing.append("预算数或执行数")
    if report.score_total is None and _prints_total(doc, flattened):
        missing.append("总分")
        report.findings.append(finding("total_score_unread", "warning", "total_score_unread", "总分"))
    coverage.items += len(missing)
    coverage.unread.extend(Unread("report", None, f"未读出：{label}") for label in missing)


def _prints_total(doc: Document, flattened: dict[int, list[str]]) -> bool:
    """Whether the form prints a 总分 (total score) row, in a table or run together in a paragraph."""
    if any(_TOTAL_LABELS & set(labels) for labels in flattened.values()):
        return True
    return any(canonical_label(c.text) in _TOTAL_LABELS for table in doc.tables for c in table.cells if len(c.text) < 12)
