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
