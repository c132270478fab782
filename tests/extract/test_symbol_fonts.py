"""Checkboxes typed as letters in a symbol font (「R」 in Wingdings 2 is ☑, 「£」 is □), in LibreOffice's PDFs.

What the PDF holds depends on the fonts of the machine that exported it. Without Wingdings (as
here and on CI) LibreOffice prints the letter itself in a fallback text font: the page shows 「R」
and the text layer holds 「R」 in DejaVuSans, so nothing tells it from a typed R and it stays R.
With the fonts installed (as on the offices' Windows machines) the text layer keeps the letter
under the font's PostScript name (「Wingdings2」, 「Wingdings-Regular」), which the reader maps.
Symbol is the exception: LibreOffice draws it with a Symbol-encoded font of its own (OpenSymbol, or
URW's StandardSymbolsPS where ghostscript's fonts are installed) and keeps Symbol's code (「Ö」 for √),
so it is read either way.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn

from jixiao.extract import read_document
from jixiao.extract.symbols import EMPTY, TICKED, pdf_symbol_font
from tests.fixtures import builder

F = builder.FCell
ROWS = [
    [F("项目类型"), F("持续性项目 [ ] 新增性项目 [x]")],
    [F("是否公开"), F("是 [x] 否 [ ]")],
    [F("完成情况"), F("已完成 [x]")],
    [F("备注"), F("R&D £ 100")],
]
# Row → (font, letter for the empty box, letter for the ticked one); the last row stays in a text font.
LETTERS = {0: ("Wingdings 2", "£", "R"), 1: ("Wingdings", "¨", "þ"), 2: ("Symbol", "", "Ö")}
READ = [f"持续性项目 {EMPTY} 新增性项目 {TICKED}", f"是 {TICKED} 否 {EMPTY}", "已完成 √", "R&D £ 100"]


def retype_in_symbol_font(path: Path, letters: dict[int, tuple[str, str, str]], slots: tuple[str, ...] = ("w:ascii", "w:hAnsi")) -> Path:
    """Retype the □ / √ runs of the first table's given rows as the letters that draw them in a symbol font."""
    document = docx.Document(str(path))
    rows = document.tables[0].rows
    for r, (font, empty, ticked) in letters.items():
        for cell in rows[r].cells:
            for run in (run for p in cell.paragraphs for run in p.runs if run.text in ("□", "√")):
                run.text = empty if run.text == "□" else ticked
                fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
                for slot in slots:
                    fonts.set(qn(slot), font)
    document.save(str(path))
    return path


def _stand_in_symbol_font(family: str, ps_name: str, path: Path) -> None:
    """Write a symbol-encoded TrueType font with the family and PostScript names of a Windows one."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def box():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        for point in ((100, 700), (700, 700), (700, 0)):
            pen.lineTo(point)
        pen.closePath()
        return pen.glyph()

    codes = range(0x20, 0x100)
    names = [".notdef"] + [f"g{c:02X}" for c in codes]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0xF000 + c: f"g{c:02X}" for c in codes})
    fb.setupGlyf({n: box() for n in names})
    fb.setupHorizontalMetrics({n: (800, 100) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular", "psName": ps_name})
    fb.setupOS2(usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    for table in fb.font["cmap"].tables:  # like Wingdings: a (3,0) symbol cmap at F020–F0FF only
        table.platEncID = 0
    fb.font["cmap"].tables = [t for t in fb.font["cmap"].tables if t.platformID == 3]
    fb.save(str(path))


def _wingdings_installed() -> bool:
    try:
        families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "wingdings" in families.lower()


def _symbol_chars(pdf: Path) -> dict[str, str]:
    """Given the PDF of symbol_docx, return the font name (subset tag dropped) of each checkbox letter."""
    with pdfplumber.open(pdf) as doc:
        chars = doc.pages[0].chars
    remark_row = min(c["top"] for c in chars if c["text"] == "&")  # 「R&D £ 100」 is typed in a text font
    return {c["text"]: c["fontname"].partition("+")[2] for c in chars if c["text"] in "R£þ¨Ö" and c["top"] < remark_row - 1}


@pytest.fixture(scope="module")
def symbol_docx(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("symbol-fonts")
    return retype_in_symbol_font(builder.write_docx([("table", ROWS)], out / "symbol_fonts.docx", page_numbers=False), LETTERS)


def _cells(path: Path) -> list[str]:
    (table,) = read_document(path.read_bytes()).tables
    return [c.text for c in table.cells if c.col == 1]


def test_the_docx_reads_the_boxes(symbol_docx):
    assert _cells(symbol_docx) == READ


def test_without_the_fonts_the_pdf_holds_the_letters_themselves(symbol_docx, tmp_path):
    if _wingdings_installed():
        pytest.skip("this machine has Wingdings, so LibreOffice draws the boxes")
    (pdf,) = builder.soffice_convert([symbol_docx], "pdf", tmp_path)
    fonts = _symbol_chars(pdf)
    # Wingdings letters fall back to a text font: the letter is what the page shows, so it is kept.
    assert fonts["R"] == fonts["£"] == fonts["þ"] == fonts["¨"] == "DejaVuSans"
    assert fonts["Ö"] in ("OpenSymbol", "StandardSymbolsPS") and pdf_symbol_font(fonts["Ö"]) is not None
    assert _cells(pdf) == ["持续性项目 £ 新增性项目 R", "是 þ 否 ¨", "已完成 √", "R&D £ 100"]


@pytest.mark.slow
def test_with_the_fonts_installed_the_pdf_names_them_and_reads_the_boxes(symbol_docx, tmp_path, monkeypatch):
    pytest.importorskip("fontTools")
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    _stand_in_symbol_font("Wingdings 2", "Wingdings2", fonts_dir / "WINGDNG2.TTF")
    _stand_in_symbol_font("Wingdings", "Wingdings-Regular", fonts_dir / "WINGDING.TTF")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts_dir}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))  # LibreOffice, run by soffice_convert, sees the stand-ins
    (pdf,) = builder.soffice_convert([symbol_docx], "pdf", tmp_path / "pdf")
    fonts = _symbol_chars(pdf)
    assert (fonts["R"], fonts["þ"]) == ("Wingdings2", "Wingdings-Regular")
    assert pdf_symbol_font(fonts["R"]) is not None and pdf_symbol_font("DejaVuSans") is None
    assert _cells(pdf) == READ
