"""Layout families: a `Document` in, the SCHEMA.md records (`Report`s) out.

Each family is one module with `TEMPLATE`, `match(doc, lexicon) -> float` and
`read(doc, lexicon) -> list[Report]`; adding a family is adding a module to FAMILIES. A file
that bundles several forms is first cut into segments, one per form, each recognised on its own.
"""

from __future__ import annotations

from jixiao.errors import NormalizeError
from jixiao.model import Document, Paragraph, Report, Table

from . import hunan_project, narrative_only, national_department, national_project, provincial_10_90, score_20_80
from .lexicon import Lexicon, default_lexicon, load_lexicon

__all__ = ["FAMILIES", "MATCH_THRESHOLD", "NormalizeError", "normalize", "segments", "recognise", "Lexicon",
           "load_lexicon", "default_lexicon"]

FAMILIES = (hunan_project, national_project, national_department, provincial_10_90, score_20_80, narrative_only)
MATCH_THRESHOLD = 0.5
_ANCHORS = ("project_name", "department_name")
_TITLE_MAX = 60  # a paragraph this short between two forms is the next form's title, not the last one's text


def _is_anchor(table: Table, lexicon: Lexicon) -> bool:
    """A table that names its project or department starts a form."""
    return table.parent is None and any(lexicon.key("field", c.text) in _ANCHORS for c in table.cells if len(c.text) < 20)


def segments(doc: Document, lexicon: Lexicon | None = None) -> list[Document]:
    """Cut a document into one segment per form (bundles hold one form per project, often one per page).

    Short paragraphs just before a form (its title, year, unit caption) go with it; longer text
    after a form (a narrative report) stays with the form before.
    """
    lexicon = lexicon or default_lexicon()
    anchors = [i for i, b in enumerate(doc.blocks) if isinstance(b, Table) and _is_anchor(b, lexicon)]
    if len(anchors) <= 1:
        return [doc]
    starts = [0]
    for prev, here in zip(anchors, anchors[1:]):
        start = here
        while start - 1 > prev and isinstance(doc.blocks[start - 1], Paragraph) and len(doc.blocks[start - 1].text.strip()) <= _TITLE_MAX:
            start -= 1
        starts.append(start)
    bounds = list(zip(starts, starts[1:] + [len(doc.blocks)]))
    return [Document(doc.format, doc.blocks[a:b], doc.n_pages, doc.ocr) for a, b in bounds]


def recognise(doc: Document, lexicon: Lexicon | None = None) -> tuple[float, object | None]:
    """Return (score, family) of the best-matching family for one segment; family is None under the threshold."""
    lexicon = lexicon or default_lexicon()
    scored = sorted(((family.match(doc, lexicon), i, family) for i, family in enumerate(FAMILIES)), key=lambda t: (-t[0], t[1]))
    best, _, family = scored[0]
    return best, family if best >= MATCH_THRESHOLD else None


def normalize(doc: Document, lexicon: Lexicon | None = None) -> list[Report]:
    """Given an extracted document, return its reports in order; an empty list means it holds none (not_report)."""
    lexicon = lexicon or default_lexicon()
    reports: list[Report] = []
    for segment in segments(doc, lexicon):
        _, family = recognise(segment, lexicon)
        if family is not None:
            reports.extend(family.read(segment, lexicon))
    return reports
