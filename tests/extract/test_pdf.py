"""The PDF reader on LibreOffice exports: one grid across pages, wrapped text rejoined, glyphs mapped."""

from __future__ import annotations

import pdfplumber
import pytest

from jixiao.extract import read_document
from jixiao.model import Paragraph


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
    assert benefit == ("一、为群众提供方便、快捷、优质政务服务创造了条件，提升了政府形象。\n"
                       "二、在完善硬件设施的同时提升软件服务，通过配套的特色服务，极大地方便了群众办事，提升了社会效益。")


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
    word = [b.text for b in read_document(seed_files["docx-text"].read_bytes()).blocks
            if isinstance(b, Paragraph) and b.text.strip()]
    narrative = word[word.index("政务服务及政务大厅运转专项资金绩效报告"):]
    got = paragraphs[paragraphs.index("政务服务及政务大厅运转专项资金绩效报告"):]
    assert len(got) == len(narrative)
    assert sum(a == b for a, b in zip(got, narrative)) >= len(narrative) - 1  # one paragraph has a stray space


def test_damaged_pdf_fails_with_a_sentence(seed_files):
    from jixiao.errors import ExtractError

    data = seed_files["pdf-text"].read_bytes()
    with pytest.raises(ExtractError, match="PDF"):
        read_document(data[: len(data) // 3])
