"""Chinese words (jieba), the ground floor the stages share: indicator names are placed by their words
(normalize/kinds.py) and narrative sentences are searched by them (warehouse/search.py), so both cut the
same way. Domain words jieba's own dictionary lacks are data: rules/words.csv.

Cut by rjieba (jieba-rs: jieba's dictionary and algorithm in Rust), which has its dictionary ready in a
tenth of a second where Python jieba takes most of one: a `jixiao search` process pays that on every query."""

from __future__ import annotations

import threading
from functools import lru_cache

from jixiao.base.data import read_csv
from jixiao.base.labels import nfkc, simplified

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer():
    import rjieba

    with _LOCK:
        cutter = rjieba.Jieba()  # our own: the words we add change no other user's cuts
        for row in read_csv("words.csv"):
            cutter.add_word(row["word"], int(row["freq"]) if row.get("freq") else None, None)
    return cutter


def _plain(text: str) -> str:
    return nfkc(simplified(text)).lower()


@lru_cache(maxsize=16384)  # forms repeat their indicator names
def words(text: str) -> tuple[str, ...]:
    """Given a name or sentence, return its words (simplified, NFKC), punctuation and spaces left out."""
    return tuple(w for w in _tokenizer().cut(_plain(text), False) if w.strip() and any(c.isalnum() for c in w))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words too common to search by (rules/stopwords.csv)."""
    return frozenset(row["word"] for row in read_csv("stopwords.csv"))


def search_words(text: str) -> list[str]:
    """Given a sentence or a query, return its words and the shorter words inside long ones (资金拨付 also
    gives 资金 and 拨付), so a query and a sentence that cut a phrase differently still share words; the
    commonest words (的, 和 …) left out."""
    stop = stopwords()
    return [w for w in _tokenizer().cut_for_search(_plain(text), False) if w.strip() and any(c.isalnum() for c in w) and w not in stop]
