"""What recognisers look at in a document (or a segment of one), computed once per segment."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.model import Document

from .forms import Block, indicator_block, money_block, table_labels
from .lexicon import Lexicon


@dataclass(frozen=True)
class Signals:
    labels: frozenset[str]
    money: Block | None
    indicators: Block | None

    @property
    def money_keys(self) -> set[str]:
        return self.money.keys() if self.money else set()

    @property
    def indicator_keys(self) -> set[str]:
        return self.indicators.keys() if self.indicators else set()

    def has(self, *labels: str) -> bool:
        return any(label in self.labels for label in labels)

    def mentions(self, text: str) -> bool:
        return any(text in label for label in self.labels)


_CACHE: dict[int, tuple[Document, Signals]] = {}


def signals(doc: Document, lexicon: Lexicon) -> Signals:
    """Return the recognition signals of a document (cached while the document lives)."""
    hit = _CACHE.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    tables = [t for t in doc.tables if t.parent is None]
    money = next((b for b in (money_block(t, lexicon) for t in tables) if b is not None), None)
    indicators = next((b for b in (indicator_block(t, lexicon) for t in tables) if b is not None), None)
    result = Signals(frozenset(table_labels(doc)), money, indicators)
    _CACHE.clear()  # one segment at a time: keep memory flat over a long batch
    _CACHE[id(doc)] = (doc, result)
    return result
