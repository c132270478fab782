"""The label lexicon: `rules/lexicon.csv` (context, canonical key, label as people write it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jixiao.data import read_csv
from jixiao.labels import canonical_label

# The longest label the lexicon holds is 14 characters; a text this long is no label as written
# (spaced 「项 目 名 称」 and tails included), and canonicalising a megabyte of it costs time for nothing.
MAX_LABEL_CHARS = 200


@dataclass(frozen=True)
class Lexicon:
    entries: dict[tuple[str, str], str]  # (context, canonical label) → key
    by_label: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical label → contexts knowing it

    def key(self, context: str, label: str) -> str | None:
        """Given a context and a label as written, return its canonical key or None."""
        if len(label) > MAX_LABEL_CHARS:
            return None
        return self.entries.get((context, canonical_label(label)))

    def contexts_of(self, label: str) -> tuple[str, ...]:
        """The contexts in which a label as written is known (empty when none)."""
        if len(label) > MAX_LABEL_CHARS:
            return ()
        return self.by_label.get(canonical_label(label), ())


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read a lexicon file (default: the packaged rules/lexicon.csv); '#' lines are comments."""
    rows = read_csv("lexicon.csv", path=path)
    entries: dict[tuple[str, str], str] = {}
    by_label: dict[str, list[str]] = {}
    for row in rows:
        context, label = row["context"].strip(), canonical_label(row["label"])
        entries[(context, label)] = row["key"].strip()
        by_label.setdefault(label, []).append(context)
    return Lexicon(entries, {k: tuple(v) for k, v in by_label.items()})


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
