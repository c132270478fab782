"""Each variation class real archives show, named, on a family fixture laid out that way (Word and PDF).

The mutation suite draws these at random and in combination; here each stands alone with the exact
values asserted, so a regression names the variation it broke.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_file
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fixtures.forms import Variant

from .mutation import records, render

CASES = {
    # the 自评表 (every block) as a table of its own under a paragraph title, or with no title at all
    "hunan-tables-paragraph-titles": ("hunan", Variant(split=True, part_titles="paragraph")),
    "hunan-tables-untitled": ("hunan", Variant(split=True, part_titles="none")),
    "hunan-reordered-yuan": ("hunan", Variant(split=True, order=("evaluation", "funding", "basic"), unit="元")),
    # template rows left unfilled, and numbering that is no part of a name
    "national-placeholders-numbered": ("national_project", Variant(placeholders=3, numbering="指标")),
    "provincial-placeholders-dot": ("provincial_10_90", Variant(placeholders=2, numbering="dot")),
    # level-1 cells that print only their points
    "national-points-only": ("national_project", Variant(points_only=True)),
    # columns in another order
    "national-columns-permuted": ("national_project", Variant(columns=(2, 3, 0, 1, 4), money_columns=(4, 2, 3, 1, 0))),
    "provincial-columns-permuted": ("provincial_10_90", Variant(columns=(1, 2, 3, 0, 4), money_columns=(6, 5, 4, 3, 2, 1, 0))),
    # the year in a caption row, or behind a lost bracket; labels with suffixes
    "national-year-caption-suffixes": ("national_project", Variant(year_place="caption", suffixes=True)),
    "department-year-lost-bracket": ("national_department", Variant(year_place="lost_bracket", suffixes=True)),
    # traditional characters, checkbox glyphs after their options
    "score-traditional-after-ticks": ("score_20_80", Variant(traditional=True, checkbox="after")),
    "department-traditional-square": ("national_department", Variant(traditional=True, checkbox="square", split=True)),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("variations")
    docs = {name: render(family, v, out / f"{name}.docx") for name, (family, v) in CASES.items()}
    originals = {family: render(family, Variant(), out / f"original-{family}.docx") for family, _ in CASES.values()}
    pdfs = builder.soffice_convert(list(docs.values()), "pdf", out / "pdf")
    return docs, dict(zip(docs, pdfs)), originals


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("name", list(CASES))
def test_variation_reads_like_the_original(files, name, fmt):
    docs, pdfs, originals = files
    family, _ = CASES[name]
    result = read_file((docs if fmt == "docx" else pdfs)[name])
    assert result.status == "ok", result.error
    assert records(result) == records(read_file(originals[family]))


def test_evaluation_table_of_its_own_keeps_indicators_and_total(files):
    docs, pdfs, _ = files
    for path in (docs["hunan-tables-paragraph-titles"], pdfs["hunan-tables-paragraph-titles"]):
        (r,) = read_file(path).reports
        assert len(r.indicators) == 12 and (r.score_total, r.score_max) == (Decimal("97"), Decimal("100"))
        assert r.template == "hunan_project_report" and r.spent_yuan == Decimal("944400.00")


def test_placeholder_rows_are_never_indicators(files):
    docs, _, _ = files
    (r,) = read_file(docs["national-placeholders-numbered"]).reports
    assert [i.name for i in r.indicators] == [ind[2] for ind in F.NATIONAL["indicators"]]
    assert not any(i.name is None or i.name.startswith("指标") for i in r.indicators)


def test_points_only_level_one_takes_the_name_its_level_two_makes_certain(files):
    docs, _, _ = files
    (r,) = read_file(docs["national-points-only"]).reports
    assert {g.level1: g.weight for g in r.indicator_groups if g.level == 1} == {
        "产出指标": Decimal("50"),
        "效益指标": Decimal("30"),
        "满意度指标": Decimal("10"),
    }


def test_points_only_level_one_stays_null_when_level_two_does_not_say(tmp_path):
    form = dict(
        F.NATIONAL,
        indicators=[
            ("(50分)", "重点任务", "新建公共服务站点数", "≥10个", "12个", "15", "15", ""),
            ("(50分)", "重点任务", "培训人次", "≥500人次", "480人次", "10", "9", ""),
        ],
    )
    path = builder.write_docx(F.national_document(form, Variant()), tmp_path / "points.docx")
    (r,) = read_file(path).reports
    assert [(i.level1, i.level2) for i in r.indicators] == [(None, "重点任务"), (None, "重点任务")]
    assert [(g.level, g.level1, g.weight) for g in r.indicator_groups] == [(1, None, Decimal("50"))]


def test_execution_above_one_hundred_percent_is_a_real_value(tmp_path):
    form = dict(F.NATIONAL)
    form["money"] = [
        ("年度资金总额", "1000000", "1200000", "1254000", "10", "104.50%", "10"),
        ("当年财政拨款", "1000000", "1200000", "1254000", "—", "104.50%", "—"),
    ]
    path = builder.write_docx(F.national_document(form, Variant()), tmp_path / "over.docx")
    (r,) = read_file(path).reports
    assert (r.spent_yuan, r.execution_rate_pct, r.execution_score) == (Decimal("1254000.00"), Decimal("104.50"), Decimal("10"))
    assert not [f for f in r.findings if f.severity != "info"]


def test_region_from_the_unit_when_no_title_names_one(tmp_path):
    form = dict(F.NATIONAL, department="天长市水利局", unit="天长市水利工程管理所")
    path = builder.write_docx(F.national_document(form, Variant()), tmp_path / "tianchang.docx")
    (r,) = read_file(path).reports
    assert r.region == "天长市"
    masked = dict(F.NATIONAL, department="**河县水利局", unit="**河县水务站")
    (m,) = read_file(builder.write_docx(F.national_document(masked, Variant()), tmp_path / "masked.docx")).reports
    assert m.region is None  # a masked name names no place


def test_blank_cells_never_shift_values_left(files):
    """上年结转资金 leaves 年初预算数 blank: its 全年预算数 must not move into the blank."""
    docs, pdfs, _ = files
    for path in (docs["national-columns-permuted"], pdfs["national-columns-permuted"]):
        (r,) = read_file(path).reports
        carry = next(f for f in r.funding if f.source == "carryover")
        assert (carry.budget_initial_yuan, carry.budget_adjusted_yuan, carry.spent_yuan) == (None, Decimal("100000.00"), Decimal("100000.00"))


def test_two_row_header_with_a_variant_spelling_is_read(tmp_path):
    v = replace(F.variant("sdt-two-row-headers"), columns=(4, 3, 2, 1, 0))
    path = builder.write_docx(F.national_document(F.NATIONAL, v), tmp_path / "two_rows.docx", v.checkbox)
    (r,) = read_file(path).reports
    assert r.indicators[1].note == "受疫情影响，部分培训延期" and r.indicators[1].score == Decimal("9")


def _national_without_money_unit() -> list:
    """The national form with 「项目资金（万元）」 written as bare 「项目资金」: its table states no unit."""
    blocks = F.national_document(F.NATIONAL, Variant())
    table = next(b for b in blocks if b[0] == "table")[1]
    for row in table:
        for i, cell in enumerate(row):
            if cell.text.startswith("项目资金"):
                row[i] = replace(cell, text="项目资金")
    return blocks


def test_money_whose_unit_nothing_states_is_null_not_guessed(tmp_path):
    """万元 and 元 differ ten thousand times: a money block with no unit anywhere keeps no bare figure."""
    blocks = _national_without_money_unit()
    (r,) = read_file(builder.write_docx(blocks, tmp_path / "no_unit.docx")).reports
    assert (r.budget_initial_yuan, r.budget_adjusted_yuan, r.spent_yuan) == (None, None, None)
    assert r.execution_rate_pct == Decimal("96.30")  # a rate needs no unit
    assert any(f.rule == "unit_unknown" for f in r.findings)


def test_unit_in_a_caption_run_into_a_long_paragraph_is_found(tmp_path):
    blocks = _national_without_money_unit()
    blocks.insert(0, ("p", "本表依据年度决算数据填写，各项数据与决算一致，" * 4 + "金额单位：万元", {}))
    (r,) = read_file(builder.write_docx(blocks, tmp_path / "caption.docx")).reports
    assert r.spent_yuan == Decimal("1155600.00") and not any(f.rule == "unit_unknown" for f in r.findings)
