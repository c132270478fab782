"""The rules on indicators' values fire on forms with the case planted, and stay quiet on the seed."""

from __future__ import annotations

import copy

import pytest

from jixiao.ingest.owed import check_pending
from jixiao.ingest.reading import read_file
from jixiao.rules import default_rules
from jixiao.warehouse import Pending, connect, store_many
from tests.fixtures import builder
from tests.fixtures import families as F

OURS = ("full_score_target_missed", "score_loss_without_reason", "copied_targets", "qualitative_actual")


def _row(form: dict, name: str, **change) -> None:
    """Change one indicator row of a national form: target, actual, score or note."""
    at = {"target": 3, "actual": 4, "score": 6, "note": 7}
    for i, row in enumerate(form["indicators"]):
        if row[2] == name:
            row = list(row)
            for key, value in change.items():
                row[at[key]] = value
            form["indicators"][i] = tuple(row)
            return
    raise AssertionError(name)


def _findings(path):
    con = connect(":memory:")
    store_many(con, [Pending(read_file(path))])
    check_pending(con, default_rules())
    return con.execute(
        "SELECT rule, message, expected, actual FROM findings WHERE list_contains(?, rule) ORDER BY rule, message", [list(OURS)]
    ).fetchall()


def _national(tmp_path, name: str, plant) -> object:
    form = copy.deepcopy(F.NATIONAL)
    plant(form)
    return builder.write_docx(F.national_document(form, F.VARIANTS[0]), tmp_path / f"{name}.docx")


def plant_full_score(form):
    _row(form, "培训人次", score="10", note="")  # 480 of ≥500 人次, and all 10 points


def plant_no_reason(form):
    _row(form, "培训人次", note="")  # 9 of 10 points, and no reason


def plant_words_for_a_figure(form):
    _row(form, "完成及时率", actual="达标")


def plant_copied(form):
    for row in list(form["indicators"]):
        _row(form, row[2], actual=row[3])


PLANTED = [
    (
        plant_full_score,
        [
            (
                "full_score_target_missed",
                "Indicator 「培训人次」 missed its target (≥500人次 against 480人次), yet scores its full 10 points",
                "< 10.00",
                "10.00",
            )
        ],
    ),
    (
        plant_no_reason,
        [("score_loss_without_reason", "Indicator 「培训人次」 scores 9 of its 10 points, but no reason for the shortfall is given", "reason", None)],
    ),
    (
        plant_words_for_a_figure,
        [
            (
                "qualitative_actual",
                "Indicator 「完成及时率」 has a figure as its target (≥95%) but words as its actual (达标): whether it was met cannot be told",
                "≥95%",
                "达标",
            )
        ],
    ),
    (
        plant_copied,
        [
            (
                "copied_targets",
                "All 7 indicators' actuals are their targets word for word: the results look copied from the targets",
                "results",
                "7 / 7",
            )
        ],
    ),
]


@pytest.mark.parametrize("plant, found", PLANTED, ids=[p.__name__ for p, _ in PLANTED])
def test_a_planted_case_fires(plant, found, tmp_path):
    assert _findings(_national(tmp_path, plant.__name__, plant)) == found


def test_the_unplanted_form_is_quiet(tmp_path):
    assert _findings(_national(tmp_path, "plain", lambda form: None)) == []


@pytest.mark.parametrize("fmt", ["docx-text", "pdf-text"])
def test_quiet_on_the_seed(seed_files, fmt):
    assert _findings(seed_files[fmt]) == []
