"""Layout mutants of every family fixture, and what of a read result must not change under them.

A mutant is a family and a `Variant` drawn with hypothesis: tables split at block boundaries or
merged, titles as rows, paragraphs or left out, blocks reordered, the year in the title, a caption
row or behind a lost bracket, template rows left unfilled, numbering on names, optional columns
permuted, label suffixes, traditional characters, checkbox glyph sets and positions, 万元 or 元,
level-1 cells printing only their points, rows split by a page break; and the layouts of issue 28
(tests/fixtures/unseen_classes.py): transfer-payment forms and narrative reports from a web page,
rates written as fractions, score columns split by who scored, level weights without 分, a note
wrapping onto a row of its own, an indicator table cut by a page break that prints its level labels
(and header) again, 行次/列次 numbering rows, money as label/value pairs in the head or among the
indicator rows, a portal's breadcrumb and date line. Whatever the layout, the records must be the
original's.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import strategies as st

from jixiao.base.labels import simplified
from jixiao.base.model import REPORT_COLUMNS, DocumentResult
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fixtures import unseen_classes as U
from tests.fixtures.forms import Variant

FAMILIES = (
    "hunan",
    "national_project",
    "national_department",
    "provincial_10_90",
    "score_20_80",
    "transfer_payment",
    "transfer_pairs",
    "narrative_web",
)
PARTS = {
    "transfer_payment": ("head", "money", "goals", "indicators", "grade"),
    "transfer_pairs": ("head", "money", "goals", "indicators"),
    "narrative_web": (),
    "hunan": ("basic", "funding", "budget_lines", "allocations", "management", "problems", "evaluation"),
    "national_project": ("head", "money", "goals", "indicators", "grade"),
    "national_department": ("head", "money", "goals", "indicators", "grade"),
    "provincial_10_90": ("head", "money", "indicators"),
    "score_20_80": ("head", "money", "indicators"),
}
MONEY_COLUMNS = {
    "hunan": 0,
    "national_project": 5,
    "national_department": 5,
    "provincial_10_90": 7,
    "score_20_80": 4,
    "transfer_payment": 4,
    "transfer_pairs": 0,
    "narrative_web": 0,
}
CHECKBOXES = ("text", "wingdings", "sdt", "paren", "after", "ballot", "square", "wingdings_letters")


@st.composite
def mutants(draw) -> tuple[str, Variant]:
    """A family and a layout for it."""
    family = draw(st.sampled_from(FAMILIES))
    n_money = MONEY_COLUMNS[family]
    v = Variant(
        name="mutant",
        spelling=draw(st.integers(0, 2)),
        label_style=draw(st.sampled_from(("plain", "spaced", "wrapped"))),
        fullwidth=draw(st.booleans()),
        checkbox=draw(st.sampled_from(CHECKBOXES)),
        unit=draw(st.sampled_from(("万元", "元"))),
        year=draw(st.sampled_from(("plain", "spaced", "chinese"))),
        header_rows=draw(st.sampled_from((1, 2))),
        split=draw(st.booleans()),
        part_titles=draw(st.sampled_from(("row", "paragraph", "none"))),
        order=tuple(draw(st.permutations(PARTS[family]))) if PARTS[family] and draw(st.booleans()) else (),
        year_place=draw(st.sampled_from(("paragraph", "caption", "inline", "lost_bracket"))),
        placeholders=draw(st.integers(0, 3)),
        numbering=draw(st.sampled_from(("", "指标", "dot"))),
        columns=tuple(draw(st.permutations(range(5)))) if draw(st.booleans()) else (),
        money_columns=tuple(draw(st.permutations(range(n_money)))) if n_money and draw(st.booleans()) else (),
        suffixes=draw(st.booleans()),
        traditional=draw(st.booleans()),
        points_only=draw(st.booleans()),
        row_split=draw(st.sampled_from((0, 0, 0, 4, 9, 15))),
        rates=draw(st.sampled_from(("percent", "fraction"))),
        score_split=draw(st.sampled_from(("", "", "self_review", "levels"))),
        level_weights=draw(st.sampled_from(("fen", "bare", "space"))),
        wrap=draw(st.booleans()),
        page_break=draw(st.sampled_from(("", "", "labels", "header"))),
        numbering_rows=draw(st.booleans()),
        preamble=draw(st.sampled_from(("", "portal", "date"))),
        pairs_in_indicators=draw(st.booleans()),
    )
    return family, v


def render(family: str, v: Variant, path: Path) -> Path:
    """Write a family's fixture in layout v as .docx."""
    if family == "hunan":
        return F.write_variant(builder.hunan_document(builder.load_seed(), v), path, v)
    form, document = F.FAMILY_DOCUMENTS[family] if family in F.FAMILY_DOCUMENTS else U.DOCUMENTS[family]
    return F.write_variant(document(form, v), path, v)


def _text(value):
    """Text compared as a reader sees it whatever the script: simplified, NFKC, no spaces."""
    if isinstance(value, str):
        return simplified(unicodedata.normalize("NFKC", value)).replace(" ", "")
    return value


def records(result: DocumentResult) -> list[dict]:
    """Everything a read stores that a layout must not change: report columns, funding (its labels as
    written aside: offices spell them differently), indicators and their groups, flags, allocations,
    budget lines, facts, and which warnings and errors were found."""
    out = []
    for r in result.reports:
        out.append(
            {
                "report": {c: _text(getattr(r, c)) for c in REPORT_COLUMNS},
                "funding": [
                    tuple(
                        _text(x)
                        for x in (
                            f.source,
                            f.carryover_yuan,
                            f.budget_initial_yuan,
                            f.budget_adjusted_yuan,
                            f.received_yuan,
                            f.spent_yuan,
                            f.balance_yuan,
                            f.received_rate_pct,
                            f.execution_rate_pct,
                            f.received_date,
                            f.breakdown,
                        )
                    )
                    for f in r.funding
                ],
                "indicators": [
                    tuple(_text(x) for x in (i.seq, i.level1, i.level2, i.name, i.weight, i.target, i.actual, i.score, i.note, i.parent))
                    for i in r.indicators
                ],
                "groups": [tuple(_text(x) for x in (g.level, g.level1, g.level2, g.weight, g.score, g.name)) for g in r.indicator_groups],
                "flags": sorted((f.flag, f.value) for f in r.flags),
                "allocations": [(a.issued_date, a.amount_yuan, _text(a.doc_number), _text(a.note)) for a in r.allocations],
                "budget_lines": [
                    tuple(_text(x) for x in (b.seq, b.economic_class, b.content, b.adjustment, b.spent_yuan, b.basis)) for b in r.budget_lines
                ],
                "facts": sorted((f.key, f.value) for f in r.facts),
                "findings": sorted({(f.rule, f.severity) for f in r.findings if f.severity != "info"}),
            }
        )
    return out


def differences(got: list[dict], want: list[dict]) -> list[str]:
    """Say, record by record, where a mutant's read differs from its original's."""
    if len(got) != len(want):
        return [f"{len(got)} reports instead of {len(want)}"]
    out = []
    for g, w in zip(got, want):
        for key in w:
            if g[key] != w[key]:
                if isinstance(w[key], dict):
                    out += [f"{key}.{k}: {g[key][k]!r} != {w[key][k]!r}" for k in w[key] if g[key][k] != w[key][k]]
                elif len(g[key]) == len(w[key]):
                    out += [f"{key}[{i}]: {a!r} != {b!r}" for i, (a, b) in enumerate(zip(g[key], w[key])) if a != b]
                else:
                    out.append(f"{key}: {g[key]!r} != {w[key]!r}")
    return out
