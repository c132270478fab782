"""Layout families as declarations (`rules/families.toml`): which blocks and labels name a layout.

The one protocol every family follows: a `name` (stored as `reports.template`), a `scope` where
the layout fixes it, and `match(features)`, how well a segment fits; all are registered in one
place, the declarations file, read by `families()`. Reading does not depend on the family: every
form is read by the same block reader (`form.read_segment`), and the family only names what was
recognised. A new family is a new [[family]] entry, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class Family:
    name: str  # reports.template
    scope: str | None  # project or department when the layout fixes it; None: as the head says
    needs: tuple[str, ...]
    signs: tuple[str, ...]
    base: float = 0.0

    def match(self, features: "Features") -> float | None:
        """How well a segment's features fit (0..1), or None when a need is not met."""
        if not all(holds(need, features) for need in self.needs):
            return None
        if not self.signs:
            return self.base
        share = sum(holds(sign, features) for sign in self.signs) / len(self.signs)
        return self.base + (1 - self.base) * share


@dataclass(frozen=True)
class Features:
    """What a segment showed the reader: blocks, columns, weights, labels and the rest (see families.toml)."""

    flags: frozenset[str]  # block:…, column:…, weight:…, scope:…, outline, anchor, form, fact:…, titled, headings
    labels: frozenset[str]  # canonical texts of short cells and lines

    def has(self, feature: str) -> bool:
        if feature.startswith("label:"):
            return feature[6:] in self.labels
        if feature.startswith("mention:"):
            return any(feature[8:] in label for label in self.labels)
        return feature in self.flags


def holds(feature: str, features: Features) -> bool:
    """Whether a declared feature (with not: and A|B) holds among a segment's features."""
    if feature.startswith("not:"):
        return not holds(feature[4:], features)
    return any(features.has(option) for option in feature.split("|"))


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    """The declared families, in file order (earlier wins a tie)."""
    data = tomllib.loads(resources.files("jixiao.rules").joinpath("families.toml").read_text(encoding="utf-8"))
    return tuple(Family(f["template"], f.get("scope"), tuple(f.get("needs", ())), tuple(f.get("signs", ())), float(f.get("base", 0.0)))
                 for f in data["family"])


def recognise(features: Features) -> tuple[float, Family | None]:
    """Return (score, family) of the best-fitting family, or (best score, None) when none fits.

    A family fits at MATCH_THRESHOLD or above; a catch-all (no signs) fits whenever its needs hold.
    """
    best: tuple[float, Family | None] = (0.0, None)
    top = 0.0
    for family in families():
        score = family.match(features)
        if score is None:
            continue
        top = max(top, score)
        if (score >= MATCH_THRESHOLD or not family.signs) and (best[1] is None or score > best[0]):
            best = (score, family)
    return best if best[1] is not None else (top, None)
