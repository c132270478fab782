"""The format registry (extract/formats.py) is the one list of formats: every name the sniffer gives is in
it, and the magic it holds tells formats apart whatever order it is tried in."""

from __future__ import annotations

import ast
from pathlib import Path

from jixiao.extract import sniff
from jixiao.extract.formats import BY_NAME, FORMATS
from jixiao.extract.sniff import sniff_format


def test_every_format_is_in_the_registry_once():
    assert len(BY_NAME) == len(FORMATS)


def test_the_sniffer_names_only_formats_of_the_registry():
    """What sniff.py returns in code (a zip's parts, an OLE2 file's streams) and by a name's ending: registry names."""
    tree = ast.parse(Path(sniff.__file__).read_text(encoding="utf-8"))
    values = [n.value for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None]
    values += [part for v in values if isinstance(v, ast.IfExp) for part in (v.body, v.orelse)]  # "wps" if … else "doc"
    returned = {v.value for v in values if isinstance(v, ast.Constant)}
    returned |= set(sniff._BY_ENDING.values())
    assert "docx" in returned and "encrypted-office" in returned
    assert returned - {None} <= set(BY_NAME), returned - set(BY_NAME)


def test_no_magic_is_the_start_of_another():
    magics = [m for f in FORMATS for m in f.magic]
    assert not [(a, b) for a in magics for b in magics if a != b and b.startswith(a)]


def test_each_magic_says_its_format():
    for f in FORMATS:
        for magic in f.magic:
            assert sniff_format(magic + b"\0" * 64) == f.name
