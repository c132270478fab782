"""Comparing a scan's read with its Word original's, shared by the OCR tests."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict

SCAN_ONLY_RULES = {"page_sealed"}  # what only a scan can show: a seal stamped on a page


def as_read(report) -> dict:
    """Every value of a report, text compared after NFKC and without spaces: OCR returns ，where the file
    had , and cannot see a stray space typed before a comma."""
    data = asdict(report)
    data.pop("fields")  # their locators differ by construction (pages of images)
    data.pop("coverage")  # what OCR could not read is the scan's own: compared by the coverage tests
    data["findings"] = [f for f in data["findings"] if f["rule"] not in SCAN_ONLY_RULES]

    def norm(value):
        if isinstance(value, str):
            return unicodedata.normalize("NFKC", value).replace(" ", "")
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return norm(data)


def assert_prose_alike(got: dict, want: dict, headings: bool = True) -> None:
    """Pop the prose from two reads (as_read) and compare it as OCR allows: sections by heading and by similar text,
    the narrative items cut from them by kind, heading and numbering and by similar text (OCR misreads a rare
    character of prose now and then: 纾 as 纤). Every figure in the prose is a fact, compared exactly with the rest."""
    import difflib

    got_sections, want_sections = got.pop("sections"), want.pop("sections")
    got_items, want_items = got.pop("narrative_items", []), want.pop("narrative_items", [])
    if headings:
        assert [s["heading"] for s in got_sections] == [s["heading"] for s in want_sections]
        assert [(i["kind"], i["heading"], i["number"]) for i in got_items] == [(i["kind"], i["heading"], i["number"]) for i in want_items]
    for a, b in [*zip(got_sections, want_sections), *zip(got_items, want_items)]:
        assert difflib.SequenceMatcher(None, a["text"], b["text"]).ratio() > 0.93, (a["heading"], a["text"])
