"""A megabyte of text in one line, cell or paragraph is read, and the form beside it as without it.

Each pattern that found a title, a label before a colon, a checkbox option, a figure in a sentence
or the points at a label's end was tried from every character of a long run and scanned to its end
each time: a 200 KB title line took half a minute, a megabyte hours. These files hold a megabyte of
such text where each pattern looks; the test asserts what is read (the time is measured by
bench/long_text.py). Written by python-docx, as Word files are.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_file
from tests.extract.scanned import as_read
from tests.fixtures import builder
from tests.fixtures import families as F

MEGABYTE = 1_000_000


def megabyte(unit: str) -> str:
    return (unit * (MEGABYTE // len(unit) + 1))[:MEGABYTE]


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The national form as written, and read."""
    path = builder.write_docx(F.national_document(F.NATIONAL, F.VARIANTS[0]), tmp_path_factory.mktemp("plain") / "national.docx")
    (report,) = read_file(path).reports
    return report


def _with(blocks: list[tuple], before: list[tuple] = (), remark: str | None = None, after: list[tuple] = ()) -> list[tuple]:
    """The form's blocks with paragraphs before and after it, and a remark row (备注 | text) ending its table."""
    out = list(before)
    for block in blocks:
        if block[0] == "table" and remark is not None:
            width = sum(c.span for c in block[1][0])
            block = ("table", block[1] + [[builder.FCell("备注"), builder.FCell(remark, width - 1)]])
        out.append(block)
    return out + list(after)


def test_a_megabyte_title_line_leaves_the_form_as_it_is(national, tmp_path):
    # 绩效 again and again with no 评价 after it: the title check backtracked from each 绩效 to the line's end
    blocks = _with(F.national_document(F.NATIONAL, F.VARIANTS[0]), before=[("p", megabyte("绩效资金"), {})])
    result = read_file(builder.write_docx(blocks, tmp_path / "title.docx"))
    (report,) = result.reports
    assert result.status == "ok" and report.template == "national_project"
    assert as_read(report) == as_read(national)


@pytest.mark.parametrize(
    "remark", ["单位名称：" + megabyte("项 "), megabyte("项√"), megabyte("(50分)")], ids=["label-before-colon", "checkbox-runs", "points"]
)
def test_a_megabyte_cell_is_kept_as_written_and_the_rest_read_as_before(national, tmp_path, remark):
    blocks = _with(F.national_document(F.NATIONAL, F.VARIANTS[0]), remark=remark)
    result = read_file(builder.write_docx(blocks, tmp_path / "cell.docx"))
    (report,) = result.reports
    assert result.status == "ok" and report.template == "national_project"
    assert (report.project_name, report.spent_yuan, report.execution_rate_pct, report.score_total) == (
        national.project_name,
        national.spent_yuan,
        national.execution_rate_pct,
        national.score_total,
    )
    assert report.indicators == national.indicators and report.funding == national.funding
    assert [f.value for f in report.fields if f.label == "备注"] == [remark.strip()]  # kept as written, under its label


@pytest.mark.slow
def test_a_megabyte_sentence_of_figures_gives_each_fact_once(national, tmp_path):
    # a figure, then a long run with no 结转 after it: the pattern looked from every figure to the sentence's end
    sentence = megabyte("结余1万元，") + "。"
    blocks = _with(F.national_document(F.NATIONAL, F.VARIANTS[0]), after=[("p", "三、自评结论", {}), ("p", sentence, {})])
    result = read_file(builder.write_docx(blocks, tmp_path / "narrative.docx"))
    (report,) = result.reports
    assert [(f.key, f.value) for f in report.facts] == [("balance", Decimal("10000.00"))]
    assert report.sections[-1].text == sentence
    assert (report.spent_yuan, report.indicators) == (national.spent_yuan, national.indicators)
