"""The format registry (extract/formats.py) and the names the model declares stay one list, and the magic
it holds tells formats apart whatever order it is tried in."""

from __future__ import annotations

from typing import get_args

from jixiao.base.model import Format
from jixiao.extract.formats import BY_NAME, FORMATS
from jixiao.extract.sniff import sniff_format


def test_every_format_is_in_the_registry_once():
    assert sorted(BY_NAME) == sorted(get_args(Format))
    assert len(BY_NAME) == len(FORMATS)


def test_no_magic_is_the_start_of_another():
    magics = [m for f in FORMATS for m in f.magic]
    assert not [(a, b) for a in magics for b in magics if a != b and b.startswith(a)]


def test_each_magic_says_its_format():
    for f in FORMATS:
        for magic in f.magic:
            assert sniff_format(magic + b"\0" * 64) == f.name
