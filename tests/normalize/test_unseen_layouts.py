"""The ten blind forms (tests/fixtures/unseen_layouts.py), as Word files and LibreOffice PDFs: every value typed
into them is read back right, and nothing is stored that was not typed."""

from __future__ import annotations

from tests.fixtures.unseen_layouts import FORMS, build, evaluate, fmt_value, scores


def test_every_typed_value_of_the_blind_forms_is_read_back(tmp_path):
    forms = [make() for make in FORMS]
    paths = build(forms, tmp_path)
    outcomes = [evaluate(f, fmt, paths[(f.key, fmt)]) for f in forms for fmt in ("docx", "pdf")]
    wrong = [
        f"{o.form.key} {o.fmt} {c.where}: {c.verdict} read {fmt_value(c.read)} expected {fmt_value(c.expected)}"
        for o in outcomes
        for c in o.checks
        if c.verdict != "RIGHT"
    ]
    right, judged, right_stored, stored, _ = scores([c for o in outcomes for c in o.checks])
    assert not wrong, "\n".join(wrong)
    assert all(o.status == "ok" for o in outcomes)
    assert right == judged > 1000 and right_stored == stored  # a real count of values, all of them right
