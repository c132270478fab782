"""The label lexicon: `rules/lexicon.csv` (context, canonical key, label as people write it)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .text import canonical_label


@dataclass(frozen=True)
class Lexicon:
    entries: dict[tuple[str, str], str]  # (context, canonical label) → key

    def key(self, context: str, label: str) -> str | None:
        """Given a context and a label as written, return its canonical key or None."""
        return self.entries.get((context, canonical_label(label)))

    def knows(self, label: str) -> bool:
        canon = canonical_label(label)
        return any(lab == canon for _, lab in self.entries)


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read a lexicon file (default: the packaged rules/lexicon.csv); '#' lines are comments."""
    text = path.read_text(encoding="utf-8") if path else resources.files("jixiao.rules").joinpath("lexicon.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    entries: dict[tuple[str, str], str] = {}
    for row in rows:
        entries[(row["context"].strip(), canonical_label(row["label"]))] = row["key"].strip()
    return Lexicon(entries)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
