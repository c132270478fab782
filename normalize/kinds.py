"""Indicator kinds: satisfaction, completion_rate, timeliness, pass_rate, cost, quantity … from an indicator's
name and levels, through the taxonomy kept as data (rules/indicator_kinds.csv). Names vary (「服务对象满意度」,
「群众满意度」, 「受益群众满意度(%)」 are one kind), so a name is matched by its words (jieba), not as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jixiao.base.data import read_csv
from jixiao.base.labels import canonical_label
from jixiao.base.words import words

from .targets import Direction

# what the file may say; anything else is as good as nothing, as judge() treats it
_DIRECTIONS: dict[str, Direction] = {"higher": "higher", "lower": "lower"}


@dataclass(frozen=True)
class Kind:
    kind: str
    direction: Direction  # higher / lower: which way is better, where the kind says so


@dataclass(frozen=True)
class Taxonomy:
    by_name: tuple[tuple[frozenset[str], Kind], ...]  # the words a name must have, in the file's order
    by_level2: dict[str, Kind]
    by_level1: dict[str, Kind]

    def place(self, name: str | None, level2: str | None = None, level1: str | None = None) -> Kind | None:
        """Given an indicator's name and levels as stored, return its kind, or None when no row places it."""
        if name:
            have = set(words(canonical_label(name)))
            for need, kind in self.by_name:
                if need <= have:
                    return kind
        for level, table in ((level2, self.by_level2), (level1, self.by_level1)):
            if level and (found := table.get(_level_key(level))):
                return found
        return None


def _level_key(label: str) -> str:
    """A level's name without its 指标 tail: 数量指标 and 数量 are one level."""
    return canonical_label(label).removesuffix("指标")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy file (default: the packaged rules/indicator_kinds.csv)."""
    by_name: list[tuple[frozenset[str], Kind]] = []
    levels: dict[str, dict[str, Kind]] = {"level2": {}, "level1": {}}
    for row in read_csv("indicator_kinds.csv", path=path):
        kind = Kind(row["kind"].strip(), _DIRECTIONS.get(row["direction"].strip()))
        context, need = row["context"].strip(), row["words"].strip()
        if context == "name":
            by_name.append((frozenset(need.split()), kind))
        else:
            levels[context].setdefault(_level_key(need), kind)
    return Taxonomy(tuple(by_name), levels["level2"], levels["level1"])


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    return load_taxonomy()
