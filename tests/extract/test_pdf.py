"""The PDF reader on LibreOffice exports: one grid across pages (a cell a page break may have cut is marked to
continue the cell above it), wrapped text rejoined, glyphs mapped."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from jixiao.base.model import Paragraph, Table
from jixiao.extract import read_document
from jixiao.normalize.layout import join_page_cuts
from jixiao.normalize.lexicon import default_lexicon

from . import split_rows


@pytest.fixture(scope="module")
def pdf_doc(seed_files):
    return read_document(seed_files["pdf-text"].read_bytes())


def test_form_split_over_pages_is_one_table(seed_files, pdf_doc):
    with pdfplumber.open(seed_files["pdf-text"]) as pdf:
        pages_with_tables = sum(1 for page in pdf.pages if page.find_tables())
    assert pages_with_tables >= 5
    (form,) = pdf_doc.tables
    assert form.n_cols == 9
    assert form.page == 2
    texts = [c.text for c in form.cells]
    assert texts.index("项目基本情况") < texts.index("绩效评价自评表") < texts.index("主管部门（盖章）：")
    assert texts.count("合计") == 3  # funding, budget lines, allocations: no row lost or doubled at page breaks


def test_same_grid_as_the_word_original(seed_files, pdf_doc):
    word = read_document(seed_files["docx-text"].read_bytes()).tables[0]
    pdf = pdf_doc.tables[0]
    assert pdf.n_rows == word.n_rows

    def spans(t):
        return [(c.row, c.col, c.rowspan, c.colspan) for c in sorted(t.cells, key=lambda c: (c.row, c.col))]

    assert spans(pdf) == spans(word)


def test_wrapped_cell_text_is_rejoined(pdf_doc):
    texts = {c.text for c in pdf_doc.tables[0].cells}
    # narrow label cells wrap mid-word in the PDF; Chinese wraps join with nothing
    assert {"可行性研究报告结论", "资金来源", "上年度结转金额", "74.36%", "省（以上）级财政"} <= texts
    basis = next(t for t in texts if t.startswith("湘政发【2017】19号文件"))
    assert "\n" not in basis and basis.endswith("长政发【2018】9号文件")


def test_real_line_breaks_in_a_cell_stay(pdf_doc):
    benefit = next(c.text for c in pdf_doc.tables[0].cells if c.text.startswith("一、为群众"))
    assert benefit == (
        "一、为群众提供方便、快捷、优质政务服务创造了条件，提升了政府形象。\n"
        "二、在完善硬件设施的同时提升软件服务，通过配套的特色服务，极大地方便了群众办事，提升了社会效益。"
    )


def test_vertical_label_cut_by_a_page_break_is_one_cell(pdf_doc):
    cells = [c for c in pdf_doc.tables[0].cells if c.col == 0 and c.text.replace("\n", "") in ("项目管理情况", "绩效目标情况", "绩效评价情况")]
    assert [(c.text.replace("\n", ""), c.rowspan) for c in cells] == [("项目管理情况", 4), ("绩效目标情况", 4), ("绩效评价情况", 5)]


def test_private_use_checkbox_glyphs_are_mapped(seed_files):
    with pdfplumber.open(seed_files["pdf-wingdings"]) as pdf:
        raw = "".join(c["text"] for c in pdf.pages[1].chars)
    assert "\uf052" in raw and "\uf0a3" in raw  # what the text layer really holds
    doc = read_document(seed_files["pdf-wingdings"].read_bytes())
    kind = next(c.text for c in doc.tables[0].cells if "经常性" in c.text)
    assert kind.startswith("☑经常性") and kind.count("□") == 3


def test_page_numbers_are_dropped_and_paragraphs_rejoined(seed_files, pdf_doc):
    with pdfplumber.open(seed_files["pdf-text"]) as pdf:
        assert "- 3 -" in pdf.pages[2].extract_text()
    paragraphs = [b.text for b in pdf_doc.blocks if isinstance(b, Paragraph)]
    assert not any(p.strip().startswith("- ") and p.strip().endswith(" -") for p in paragraphs)
    word = [b.text for b in read_document(seed_files["docx-text"].read_bytes()).blocks if isinstance(b, Paragraph) and b.text.strip()]
    narrative = word[word.index("政务服务及政务大厅运转专项资金绩效报告") :]
    got = paragraphs[paragraphs.index("政务服务及政务大厅运转专项资金绩效报告") :]
    assert len(got) == len(narrative)
    assert sum(a == b for a, b in zip(got, narrative)) >= len(narrative) - 1  # one paragraph has a stray space


def test_damaged_pdf_fails_with_a_sentence(seed_files):
    from jixiao.base.errors import ExtractError

    data = seed_files["pdf-text"].read_bytes()
    with pytest.raises(ExtractError, match="PDF"):
        read_document(data[: len(data) // 3])


# --- a row or a merged cell cut by a page break ------------------------------------------

ALL_BREAKS = [*split_rows.CUT_ROWS, *split_rows.ROW_BREAKS, *split_rows.WHOLE_ROWS, *split_rows.MOVED_ROW, *split_rows.MERGED_CUTS]


@pytest.fixture(scope="module")
def breaks(split_row_files) -> dict[str, tuple[Path, Path]]:
    return split_row_files


def _table(path: Path) -> Table:
    (table,) = read_document(path.read_bytes()).tables
    return table


def _rows(table) -> list[list[str]]:
    """A grid's cell texts row by row, each merged cell in the row it starts in."""
    rows: list[list[str]] = [[] for _ in range(table.n_rows)]
    for c in sorted(table.cells, key=lambda c: (c.row, c.col)):
        rows[c.row].append(c.text)
    return rows


def _shape(table) -> list[tuple[int, int, int, int]]:
    """(row, col, rowspan, colspan) of every cell, counting only the columns some cell edge marks.

    Word keeps grid columns no cell edge uses (the form's ten columns are never all divided in one
    row); a PDF shows only the lines drawn."""
    used = sorted({c.col for c in table.cells} | {c.col + c.colspan for c in table.cells})
    return [
        (c.row, used.index(c.col), c.rowspan, used.index(c.col + c.colspan) - used.index(c.col))
        for c in sorted(table.cells, key=lambda c: (c.row, c.col))
    ]


def _marked(table) -> list[tuple[str, str]]:
    """(the cell above, the marked cell) texts for every cell marked `continues`, top to bottom.

    Each marked cell has the same columns as the cell above it, which ends in the row before: the
    pairing normalize makes."""
    grid = table.grid()
    out = []
    for c in sorted((c for c in table.cells if c.continues), key=lambda c: (c.row, c.col)):
        above = grid[c.row - 1][c.col]
        assert (above.col, above.colspan, above.last_row) == (c.col, c.colspan, c.row - 1), c
        out.append((above.text, c.text))
    return out


def _joined(table) -> Table:
    """The grid as normalize reads it: each cut row or merged cell whole again where the lexicon agrees."""
    return join_page_cuts(table, default_lexicon())


def _flat(rows: list[list[str]]) -> list[list[str]]:
    """Texts without their line breaks: a cut cell's two parts join with nothing, so where Word has a
    break at the cut (a vertical label 立\\n项\\n情\\n况), the rejoined text has none."""
    return [[t.replace("\n", "") for t in row] for row in rows]


def _pieces(seam, word_rows) -> list[tuple[str, str, str]] | None:
    """(on page 1, on page 2, in Word) for each cell when the seam is one Word row cut in two, else None."""
    above, below = seam
    for row in word_rows:
        if (
            len(row) == len(above) == len(below)
            and any(below)
            and all((a + b).replace("\n", "") == w.replace("\n", "") for a, b, w in zip(above, below, row))
        ):
            return list(zip(above, below, row))
    return None


@pytest.mark.slow
def test_the_paddings_cut_rows_every_way(breaks):
    # what pdfplumber's text layer and table finder give at the break, checked so the cases below
    # stay what their names say (a LibreOffice whose layout differs shows here first)
    word_rows = _rows(read_document(breaks["two-labels-cut"][0].read_bytes()).tables[0])
    cut = {name: _pieces(split_rows.seam(breaks[name][1]), word_rows) for name in split_rows.CUT_ROWS}
    assert all(cut.values()), [name for name, pieces in cut.items() if not pieces]
    assert split_rows.seam(breaks["two-labels-cut"][1]) == (["项目名", "政务服务及政务大厅运转专项资金", "项目编", "A-01"], ["称", "", "号", ""])
    # a label cut mid-word, half on each page
    assert ("资金总", "额", "资金总额") in cut["label-and-value-cut"]
    # a value going on under the empty rest of a label that ended on page 1
    label, value = cut["label-whole-value-cut"]
    assert label[:2] == ("资金总\n额", "") and value[0] and value[1] and value[2] == split_rows.VALUE
    # a figure wrapped in its narrow cell, 93.65 on page 1 and % on page 2
    assert ("93.65", "%", "93.65%") in cut["number-cut"] and ("100.0", "0%", "100.00%") in cut["number-cut"]
    # a label merged over two rows, cut with the row it opens
    assert ("立\n项\n情", "况", "立\n项\n情\n况") in cut["merged-label-cut"]
    for name in [*split_rows.ROW_BREAKS, *split_rows.WHOLE_ROWS, *split_rows.MOVED_ROW]:
        above, below = split_rows.seam(breaks[name][1])
        assert _pieces((above, below), word_rows) is None and below[0], name
    # a header row cut after its first lines; the level labels beside it ended on page 1
    assert split_rows.seam(breaks["header-row-cut"][1]) == (
        ["一级指标", "二级指标", "三级指标", "年度\n指标", "实际\n完成", "偏差\n原因", "分值", "得分"],
        ["", "", "", "值", "值", "分析\n及改\n进措\n施", "", ""],
    )
    # a cut row whose merged label starts only below the break; the title's rest beside rows that do not pair
    assert split_rows.seam(breaks["merged-label-below-break"][1])[1][:2] == ["", "服务对象满意度\n指标"]
    assert split_rows.seam(breaks["title-cut"][1]) == (
        ["年度资金总额", "100.00", "100.00", "93.65"],
        ["预\n算\n执\n行\n情\n况\n（\n元\n）", "其中", "当年财政拨款", "100.00", "100.00", "93.65"],
    )


@pytest.mark.parametrize("name", [*split_rows.CUT_ROWS, *split_rows.MERGED_CUTS])
def test_a_cut_row_or_merged_cell_stays_in_two_parts_the_lower_marked(breaks, name):
    docx, pdf = breaks[name]
    word, got = _table(docx), _table(pdf)
    marked = [c for c in got.cells if c.continues]
    assert marked and _marked(got)  # each marked cell pairs with the cell above it
    assert got.n_rows == word.n_rows + (name != "title-cut")  # a cut row is two grid rows; a merged cell alone adds none
    # nothing is joined here: the grid is Word's once every mark is taken, texts whole but for the breaks at the cut
    joined = _joined(got)
    assert _shape(joined) == _shape(word)
    assert _flat(_rows(joined)) == _flat(_rows(word))


def test_the_two_parts_of_a_cut_cell_come_back_exactly(breaks):
    def marked(name):
        return _marked(_table(breaks[name][1]))

    assert marked("two-labels-cut") == [("项目名", "称"), ("政务服务及政务大厅运转专项资金", ""), ("项目编", "号"), ("A-01", "")]
    assert marked("label-cut-values-ended") == [("实施内", "容"), ("窗口服务", "")]
    assert marked("number-cut") == [
        ("项目实", "施单位"),
        ("长沙市雨花区政务服务中心", ""),
        ("执行率", ""),
        ("93.65", "%"),
        ("到位率", ""),
        ("100.0", "0%"),
    ]
    assert ("资金总", "额") in marked("label-and-value-cut")
    assert [a + b for a, b in marked("label-and-value-cut")][1] == split_rows.VALUE
    assert marked("merged-label-cut")[0] == ("立\n项\n情", "况")  # the merged label's own line breaks stay
    assert marked("merged-and-row-label-cut")[:2] == [("立", "项\n情\n况"), ("项目立", "项依据")]
    # a value going on under a label that ended on page 1: the label's empty rest is folded into it, not marked
    table = _table(breaks["label-whole-value-cut"][1])
    ((above, below),) = _marked(table)
    assert above + below == split_rows.VALUE and above.endswith("由市本") and below == "级财政全额安排。"
    label = next(c for c in table.cells if c.text == "资金总额")
    assert label.rowspan == 2 and not label.continues


def test_a_header_row_cut_after_its_first_lines_is_marked(breaks):
    # page 1: 一级指标 | 二级指标 | 三级指标 | 年度指标 | 实际完成 | 偏差原因 | 分值 | 得分; page 2 opens with the rest
    table = _table(breaks["header-row-cut"][1])
    assert _marked(table) == [("年度指标", "值"), ("实际完成", "值"), ("偏差原因", "分析及改进措施"), ("分值", ""), ("得分", "")]
    levels = [c for c in table.cells if c.text in ("一级指标", "二级指标", "三级指标")]
    assert [(c.rowspan, c.continues) for c in levels] == [(2, None)] * 3  # their empty rest folded into them


def test_a_merged_label_whose_text_is_all_below_the_break_is_marked(breaks):
    # the label merged over two rows is blank on page 1 (it covers a row and the cut row's first line there)
    table = _table(breaks["merged-label-below-break"][1])
    assert _marked(table) == [
        ("", "服务对象满意度指标"),
        ("对照年初绩效目标，本年", split_rows.SURVEY.removeprefix("对照年初绩效目标，本年")),
        ("≥90%", ""),
        ("10", ""),
    ]
    blank = next(c for c in table.cells if c.continues and c.text == "服务对象满意度指标")
    assert table.grid()[blank.row - 1][blank.col].rowspan == 2


def test_a_merged_title_cut_with_text_on_both_sides_is_marked(breaks):
    # 年\n度 covers the header and 年度资金总额 on page 1; its rest covers four rows on page 2, beside
    # rows of their own: the title is marked, and normalize joins it alone (年度预算执行情况 is a label it knows)
    table = _table(breaks["title-cut"][1])
    assert ("年\n度", "预\n算\n执\n行\n情\n况\n（\n元）") in _marked(table)
    title = next(c for c in table.cells if c.continues and c.text.startswith("预"))
    assert (title.rowspan, table.grid()[title.row - 1][0].rowspan) == (4, 2)  # "maybe": typed a character a line
    joined = _joined(table)
    assert next(c for c in joined.cells if c.col == 0 and c.text.startswith("年")).rowspan == 6


def test_rows_that_meet_at_a_break_are_never_joined(breaks):
    # the break falls between rows: what the reader marks (generously: a merged label ending at the
    # break, rows whose columns line up), normalize keeps apart — 资金总额 and 立项情况 are labels of
    # their own, figures that stopped short are no cut — so the grid is Word's
    assert ("立\n项\n情\n况", "资金总额") in _marked(_table(breaks["break-between-rows"][1]))
    for name in split_rows.ROW_BREAKS:
        docx, pdf = breaks[name]
        joined = _joined(_table(pdf))
        assert _flat(_rows(joined)) == _flat(_rows(_table(docx))), name


def test_rows_meeting_at_a_full_page_end_stay_apart(breaks):
    # one-line rows kept whole (w:cantSplit); the labels fill their column exactly, so each looks like
    # the first line of a wrapped label and page 1 has no room for another line; but the figures beside
    # them stop short of their cells' edge (a cut row's text runs to the edge): "maybe", and normalize,
    # which joins a "maybe" only into a label it knows, keeps the rows apart
    for name in split_rows.WHOLE_ROWS:
        with pdfplumber.open(breaks[name][1]) as pdf:
            part_bottom = pdf.pages[0].find_tables()[-1].bbox[3]
            assert part_bottom > pdf.pages[0].height - 72 - 16  # less than a row left above the margin
        above, below = split_rows.seam(breaks[name][1])
        table = _table(breaks[name][1])
        rows = _rows(table)
        assert above in rows and below in rows and rows.index(below) == rows.index(above) + 1
        assert _marked(table) == list(zip(above, below))
        assert any(c.continues == "maybe" for c in table.cells)
        assert join_page_cuts(table, default_lexicon()).n_rows == table.n_rows == _table(breaks[name][0]).n_rows


def test_a_tall_row_moved_to_the_next_page_is_not_marked(breaks):
    # every text of the moved row sits under a label that fills its column, as a cut row would;
    # but page 1 ends three lines above where other pages' text goes down to, so nothing was cut
    above, below = split_rows.seam(breaks["tall-row-moved"][1])
    assert below[0].startswith("项目立\n项依据") and not any(below[1:]) and len(above[0]) == 3
    table = _table(breaks["tall-row-moved"][1])
    rows = _rows(table)
    assert above in rows and ["项目立项依据及可行性研究报告结论", "", "", ""] in rows
    moved = rows.index(["项目立项依据及可行性研究报告结论", "", "", ""])
    assert not any(c.continues for c in table.cells if c.row == moved)
    # the break before page 3 falls between one-line rates rows at a full page: "maybe", kept apart, as above
    assert any(c.continues == "maybe" for c in table.cells if c.page == 3)
    assert join_page_cuts(table, default_lexicon()).n_rows == table.n_rows


def test_no_other_cell_is_marked(breaks):
    # marks sit only in the first row of a page's part of the table
    for name in ALL_BREAKS:
        table = _table(breaks[name][1])
        firsts = {min(c.row for c in table.cells if c.page == page) for page in {c.page for c in table.cells}}
        assert all(c.row in firsts and c.page > table.page for c in table.cells if c.continues), name
