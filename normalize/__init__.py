"""Layout families: a `Document` in, the SCHEMA.md records (`Report`s) out.

Each family is one module with `TEMPLATE`, `match(doc, lexicon) -> float` and
`read(doc, lexicon) -> list[Report]`; adding a family is adding a module to FAMILIES.
"""

from __future__ import annotations

from jixiao.errors import NormalizeError
from jixiao.model import Document, Report

from . import hunan_project
from .lexicon import Lexicon, default_lexicon, load_lexicon

__all__ = ["FAMILIES", "MATCH_THRESHOLD", "NormalizeError", "normalize", "Lexicon", "load_lexicon", "default_lexicon"]

FAMILIES = (hunan_project,)
MATCH_THRESHOLD = 0.5


def normalize(doc: Document, lexicon: Lexicon | None = None) -> list[Report]:
    """Given an extracted document, return its reports; an empty list means it holds none (not_report)."""
    lexicon = lexicon or default_lexicon()
    scored = sorted(((family.match(doc, lexicon), i, family) for i, family in enumerate(FAMILIES)), key=lambda t: (-t[0], t[1]))
    if not scored or scored[0][0] < MATCH_THRESHOLD:
        return []
    return scored[0][2].read(doc, lexicon)
