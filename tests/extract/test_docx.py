"""The DOCX reader walks the XML: merged cells once with spans, symbol and content-control checkboxes kept."""

from __future__ import annotations

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from jixiao.base.model import Table
from jixiao.extract import read_document, sniff_format
from jixiao.extract.symbols import EMPTY, TICKED
from tests.extract.test_symbol_fonts import retype_in_symbol_font
from tests.fixtures import builder


@pytest.fixture(scope="module")
def seed_doc(seed_files):
    return read_document(seed_files["docx-text"].read_bytes())


def _form(doc) -> Table:
    (table,) = doc.tables
    return table


def _find(table: Table, text: str):
    return next(c for c in table.cells if c.text == text)


def test_format_comes_from_the_bytes(seed_files, tmp_path):
    disguised = tmp_path / "report.pdf"
    disguised.write_bytes(seed_files["docx-text"].read_bytes())
    assert sniff_format(disguised.read_bytes(), str(disguised)) == "docx"
    assert sniff_format(seed_files["pdf-text"].read_bytes(), "x.docx") == "pdf"


def test_merged_cells_appear_once_with_their_span(seed_doc):
    table = _form(seed_doc)
    assert table.n_cols == 9
    vertical = _find(table, "项\n目\n管\n理\n情\n况")
    assert (vertical.col, vertical.rowspan, vertical.colspan) == (0, 4, 1)
    header = _find(table, "实际到位金额")
    assert (header.colspan, header.rowspan) == (3, 1)
    source = _find(table, "资金来源")
    assert source.rowspan == 2
    assert sum(1 for c in table.cells if c.text == "项目基本情况") == 1
    # every grid position is covered by exactly one cell
    covered = [(r, c) for cell in table.cells for r in range(cell.row, cell.last_row + 1) for c in range(cell.col, cell.last_col + 1)]
    assert len(covered) == len(set(covered)) == table.n_rows * table.n_cols


def test_python_docx_repeats_what_we_read_once(seed_files, seed_doc):
    """python-docx's row.cells gives the merged label once per grid position; we give it once."""
    table = docx.Document(str(seed_files["docx-text"])).tables[0]
    repeated = sum(1 for row in table.rows for cell in row.cells if cell.text == "项目基本情况")
    assert repeated == 9
    assert sum(1 for c in _form(seed_doc).cells if c.text == "项目基本情况") == 1


@pytest.mark.parametrize("style, ticked, empty", [("wingdings", "☑", "□"), ("sdt", "☑", "□"), ("text", "√", "□")])
def test_checkbox_styles_survive(seed_files, style, ticked, empty):
    table = _form(read_document(seed_files[f"docx-{style}"].read_bytes()))
    kind = next(c for c in table.cells if c.text.replace(" ", "").startswith(ticked + "经常性"))
    assert kind.text.count(empty) == 3
    agency_row = next(c.row for c in table.cells if c.text == "是否实行工程代理制")
    value = next(c for c in table.cells if c.row == agency_row and c.col > 0)
    assert value.text.replace(" ", "").replace("\t", "") == f"{empty}是{ticked}否"


def test_wingdings_symbols_are_in_the_xml_not_the_text_python_docx_sees(seed_files):
    """python-docx drops w:sym characters; the reader maps F052/F0A3 to ☑/□."""
    table = docx.Document(str(seed_files["docx-wingdings"])).tables[0]
    cell_text = next(c.text for c in table.rows[5].cells if "经常性" in c.text)
    assert "☑" not in cell_text and "□" not in cell_text


def test_nested_table_is_its_own_grid(tmp_path):
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "资金来源"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "到位金额", "到位率"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "127", "100%"
    path = tmp_path / "nested.docx"
    document.save(str(path))
    doc = read_document(path.read_bytes())
    parent, child = doc.tables
    assert child.parent == parent.index
    assert [c.text for c in child.cells] == ["到位金额", "到位率", "127", "100%"]
    assert "127" not in [c.text for c in parent.cells]


def test_paragraphs_keep_reading_order(seed_doc):
    texts = [b.text for b in seed_doc.blocks if not isinstance(b, Table) and b.text]
    assert texts[0] == "雨花区20 21 年度部门（单位）项目支出"
    assert texts.index("项目支出绩效报告表") < texts.index("政务服务及政务大厅运转专项资金绩效报告")
    kinds = [type(b).__name__ for b in seed_doc.blocks if not hasattr(b, "text") or b.text]
    assert kinds.index("Table") == texts.index("项目支出绩效报告表") + 1


def test_vertical_merge_continuation_text_is_not_lost(tmp_path):
    rows = [[builder.FCell("项目", rows=2), builder.FCell("A")], [builder.FCell("B")]]
    path = builder.write_docx([("table", rows)], tmp_path / "v.docx", page_numbers=False)
    (table,) = read_document(path.read_bytes()).tables
    assert [(c.text, c.row, c.col, c.rowspan) for c in table.cells] == [("项目", 0, 0, 2), ("A", 0, 1, 1), ("B", 1, 1, 1)]


@pytest.mark.parametrize(
    "font, empty, ticked, slots",
    [
        ("Wingdings 2", "£", "R", ("w:ascii", "w:hAnsi")),  # as Word writes a font picked from the list
        ("Wingdings 2", "£", "T", ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")),
        ("Wingdings 2", "\uf0a3", "\uf052", ("w:ascii", "w:hAnsi")),  # the private-use form some writers store
        ("Wingdings", "¨", "þ", ("w:ascii", "w:hAnsi")),
        ("wingdings", "o", "ý", ("w:ascii", "w:hAnsi")),  # names are matched whatever their case
    ],
)
def test_checkbox_typed_as_a_letter_in_a_symbol_font_reads_as_the_box(tmp_path, font, empty, ticked, slots):
    rows = [[builder.FCell("项目类型"), builder.FCell("持续性项目 [ ] 新增性项目 [x]")], [builder.FCell("备注"), builder.FCell("R&D £ 100")]]
    path = builder.write_docx([("table", rows)], tmp_path / "letters.docx", page_numbers=False)
    retype_in_symbol_font(path, {0: (font, empty, ticked)}, slots)
    assert empty in docx.Document(str(path)).tables[0].cell(0, 1).text  # python-docx sees the letter
    (table,) = read_document(path.read_bytes()).tables
    assert [c.text for c in table.cells if c.col == 1] == [f"持续性项目 {EMPTY} 新增性项目 {TICKED}", "R&D £ 100"]


def test_symbol_font_set_by_a_character_style(tmp_path):
    document = docx.Document()
    box = document.styles.add_style("Box", WD_STYLE_TYPE.CHARACTER)
    box.font.name = "Wingdings 2"
    document.styles.add_style("Ticked", WD_STYLE_TYPE.CHARACTER).base_style = box  # inherits the font
    p = document.add_paragraph("是否公开：")
    p.add_run("R", style="Ticked")
    p.add_run("是 ")
    p.add_run("£", style="Box")
    p.add_run("否")
    q = document.add_paragraph("编号：")
    q.add_run("R", style="Box").font.name = "Times New Roman"  # a font on the run itself wins
    q.add_run("12")
    path = tmp_path / "styled.docx"
    document.save(str(path))
    texts = [b.text for b in read_document(path.read_bytes()).blocks]
    assert texts == [f"是否公开：{TICKED}是 {EMPTY}否", "编号：R12"]
