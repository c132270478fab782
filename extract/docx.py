"""Read a .docx by walking its XML: merged cells once with their spans, symbol checkboxes kept.

python-docx's `row.cells` repeats a merged cell in every grid position it covers and walks the
whole table for each cell (quadratic); it also drops `w:sym` characters and reads a checkbox
typed as a letter in a symbol font (「R」 in Wingdings 2) as that letter. Here the body is read
once, in document order, straight from `word/document.xml`.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import N_, _
from jixiao.base.model import Block, Cell, Document, Finding, Paragraph, Table

from .office_zip import PartUnreadable, open_zip, read_part
from .options import ReadOptions
from .symbols import EMPTY, TICKED, symbol_code, symbol_font_text, symbol_to_text, word_symbol_font

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# Word tables have at most 63 columns; a span or offset far beyond that is a damaged or crafted file,
# refused at once rather than by building a grid that burns the time limit.
MAX_GRID_COLUMNS = 1000

_T, _RPR, _RFONTS, _RSTYLE, _ASCII, _HANSI = W + "t", W + "rPr", W + "rFonts", W + "rStyle", W + "ascii", W + "hAnsi"

_SKIP = {
    W + "del",
    W + "delText",
    W + "instrText",
    MC + "Fallback",
    W + "pPr",
    W + "sdtPr",
    W + "tcPr",
    W + "trPr",
    W + "tblPr",
    W + "tblGrid",
    W + "sectPr",
    W + "footnoteReference",
    W + "endnoteReference",
    W + "commentReference",
}


_OWNER = N_("The Word file's")  # a sentence's subject, translated where said


def _xml_parser() -> etree.XMLParser:
    # No DTDs, no entities, no network: a hostile document cannot expand or fetch anything.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)


def _text_part(zf: zipfile.ZipFile) -> bytes:
    """The bytes of word/document.xml, which holds the text: the file is unreadable without them."""
    try:
        info = zf.getinfo("word/document.xml")
    except KeyError as exc:
        raise ExtractError(_("The Word file has no word/document.xml part, so it is damaged or not a Word document.")) from exc
    try:
        return read_part(zf, info, _OWNER)
    except PartUnreadable as exc:
        raise ExtractError(
            _("{OWNER} {name}, which holds its text, {reason}; open the file in Word or WPS, save it again and ingest the saved copy.").format(
                OWNER=_(_OWNER), name=exc.name, reason=exc.reason
            ),
            detail=exc.detail,
        ) from exc


# Characters XML forbids (a control character, &#1;, U+FFFF): the one kind of damage read past, each left
# out, as Word's own repair does; any other damage fails the file.
_BAD_CHARACTERS = {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_CHARREF}
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")  # one byte each in UTF-8; U+FFFE/FFFF
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")


def _xml_character(point: int) -> bool:
    return point in (0x9, 0xA, 0xD) or 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD or 0x10000 <= point <= 0x10FFFF


def _without_bad_characters(xml: bytes) -> bytes:
    def keep(m: re.Match) -> bytes:
        code = m.group(1)
        return m.group(0) if _xml_character(int(code[1:], 16) if code[:1] == b"x" else int(code)) else b""

    return _CHAR_REF.sub(keep, _CONTROL.sub(b"", xml))


def _parse_text(xml: bytes, findings: list[Finding]) -> etree._Element:
    """Parse word/document.xml; a damaged one fails with a sentence, but characters XML forbids are
    left out (with a finding), as Word's own repair does."""
    try:
        return etree.fromstring(xml, _xml_parser())
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_NO_MEMORY:  # libxml2 ran out under the reader's cap: not damage
            raise MemoryError(exc.msg) from exc
        first = exc
    line, column = first.position
    if "Excessive depth" in first.msg:  # libxml2's cap without XML_PARSE_HUGE; Word nests a few levels
        raise ExtractError(
            _(
                "The Word document's text is nested more than 256 levels deep, far deeper than Word ever "
                "writes; the file is damaged or was crafted, and it was not read."
            ),
            detail=first.msg,
        )
    if first.code in _BAD_CHARACTERS:
        try:
            root = etree.fromstring(_without_bad_characters(xml), _xml_parser())
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            findings.append(
                Finding(
                    "file_damaged",
                    "warning",
                    _(
                        "{OWNER} word/document.xml holds characters XML does not "
                        "allow (the first at line {line}, column {column}); they "
                        "were left out."
                    ).format(OWNER=_(_OWNER), line=line, column=column),
                    None,
                    f"line {line}, column {column}",
                )
            )
            return root
    if first.code == etree.ErrorTypes.ERR_DOCUMENT_EMPTY:
        raise ExtractError(
            _(
                "{OWNER} word/document.xml, which holds its text, is empty, so the file is damaged; open it in "
                "Word or WPS, save it again and ingest the saved copy."
            ).format(OWNER=_(_OWNER)),
            detail=first.msg,
        )
    raise ExtractError(
        _(
            "The Word document's text (word/document.xml) is damaged near line {line}, column {column} and "
            "could not be read; open the file in Word or WPS, which repair such damage, save it again and "
            "ingest the saved copy."
        ).format(line=line, column=column),
        detail=first.msg,
    )


def _odd_symbols(root: etree._Element) -> list[Finding]:
    """A finding for the `w:sym` characters whose code names no character (left out of the text)."""
    odd = [sym.get(W + "char") or "" for sym in root.iter(W + "sym") if symbol_code(sym.get(W + "char")) is None]
    if not odd:
        return []
    codes = ", ".join(dict.fromkeys(c[:12] or "(empty)" for c in odd))
    return [
        Finding(
            "value_unreadable",
            "warning",
            _(
                "{n_odd} symbol character(s) (w:sym) of the Word file name no character "
                "(code {codes}) and were left out; a checkbox drawn by one of them is "
                "missing from its cell."
            ).format(n_odd=len(odd), codes=codes),
            None,
            codes,
        )
    ]


@dataclass
class _Walker:
    """Collects blocks in reading order; tables get indices in the order their start is met."""

    blocks: list[Block] = field(default_factory=list)
    n_tables: int = 0
    n_paragraphs: int = 0
    symbols: dict[etree._Element, dict[int, str]] = field(default_factory=dict)  # see paragraph_text

    def body(self, elem: etree._Element) -> None:
        for child in elem:
            tag = child.tag
            if tag == W + "p":
                self.blocks.append(Paragraph(paragraph_text(child, self.symbols), None, self.n_paragraphs))
                self.n_paragraphs += 1
            elif tag == W + "tbl":
                self.table(child, parent=None)
            elif tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins", W + "smartTag"):
                self.body(child)

    def table(self, tbl: etree._Element, parent: int | None) -> None:
        index = self.n_tables
        self.n_tables += 1
        slot = len(self.blocks)
        self.blocks.append(None)  # type: ignore[arg-type]  # keeps the parent before its nested tables
        self.blocks[slot] = self._grid(tbl, index, parent)

    def _grid(self, tbl: etree._Element, index: int, parent: int | None) -> Table:
        grid = tbl.find(W + "tblGrid")
        n_grid = len(grid.findall(W + "gridCol")) if grid is not None else 0
        cells: list[list] = []  # [text, row, col, rowspan, colspan]
        open_from_above: dict[int, int] = {}  # grid column → index in cells of a vMerge run still open
        r = 0
        for tr in _children(tbl, W + "tr"):
            col = max(0, _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0))  # a negative skip is damage: none
            for tc in _children(tr, W + "tc"):
                tcpr = tc.find(W + "tcPr")
                span = max(1, _int_val(tcpr.find(W + "gridSpan") if tcpr is not None else None, 1))
                if col + span > MAX_GRID_COLUMNS:
                    raise ExtractError(
                        _(
                            "A table in the Word file declares a row {value} columns wide; Word tables have at "
                            "most 63 columns, so the file is damaged or was not made by Word; it was not read."
                        ).format(value=col + span)
                    )
                vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
                hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None
                text = self._cell_text(tc, index)
                if hmerge is not None and hmerge.get(W + "val") != "restart" and cells and cells[-1][1] == r:
                    cells[-1][4] += span  # legacy horizontal merge: widen the cell on the left
                elif vmerge is not None and vmerge.get(W + "val", "continue") == "continue" and col in open_from_above:
                    anchor = cells[open_from_above[col]]
                    anchor[3] = r - anchor[1] + 1
                    if text:
                        anchor[0] = f"{anchor[0]}\n{text}" if anchor[0] else text
                else:
                    for c in range(col, col + span):
                        open_from_above.pop(c, None)
                    cells.append([text, r, col, 1, span])
                    if vmerge is not None:
                        open_from_above[col] = len(cells) - 1
                col += span
            r += 1
        n_cols = max([n_grid] + [c[2] + c[4] for c in cells]) if cells else n_grid
        return Table(index, tuple(Cell(t, row, col, rs, cs) for t, row, col, rs, cs in cells), r, n_cols, None, parent)

    def _cell_text(self, tc: etree._Element, table_index: int) -> str:
        lines: list[str] = []
        for child in _children(tc, W + "p", W + "tbl"):
            if child.tag == W + "p":
                lines.append(paragraph_text(child, self.symbols))
            else:
                self.table(child, parent=table_index)
        return "\n".join(lines).strip()


def _children(elem: etree._Element, *tags: str):
    """Yield the children with the given tags, looking through content controls and custom XML."""
    for child in elem:
        if child.tag in tags:
            yield child
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
            yield from _children(child, *tags)


def _int_val(elem: etree._Element | None, default: int) -> int:
    if elem is None:
        return default
    try:
        return int(elem.get(W + "val", default))
    except ValueError:
        return default


def _on(elem: etree._Element | None, attr: str = W + "val") -> bool:
    """Given a Word on/off element, return whether it is on (absent value means on)."""
    if elem is None:
        return False
    return elem.get(attr, "1").lower() not in ("0", "false", "off")


def paragraph_text(p: etree._Element, symbols: dict[etree._Element, dict[int, str]] | None = None) -> str:
    """Given a `w:p` (and the run properties that set a symbol font, from `_symbol_runs`), return
    its text with tabs, breaks, symbol characters and checkboxes."""
    parts: list[str] = []
    _collect(p, parts, symbols)
    return "".join(parts)


def _collect(elem: etree._Element, parts: list[str], symbols: dict | None) -> None:
    glyphs = None  # set by a run's rPr (its first child) when the run is typed in a symbol font
    for child in elem:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == _T:
            text = child.text or ""
            parts.append(symbol_font_text(glyphs, text) if glyphs else text)
        elif tag == _RPR:
            if symbols:
                glyphs = symbols.get(child)
        elif tag == W + "tab" or tag == W + "ptab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            if child.get(W + "type") != "page":
                parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "sym":
            parts.append(symbol_to_text(child.get(W + "font"), child.get(W + "char")))
        elif tag == W + "fldChar":
            box = child.find(f"{W}ffData/{W}checkBox")
            if box is not None:
                checked = box.find(W + "checked")
                ticked = _on(checked) if checked is not None else _on(box.find(W + "default"))
                parts.append(TICKED if ticked else EMPTY)
        elif tag == W + "sdt":
            box = child.find(f"{W}sdtPr/{W14}checkbox")
            if box is not None:
                # The content holds a font glyph for the state; the property is the truth.
                parts.append(TICKED if _on(box.find(W14 + "checked"), W14 + "val") else EMPTY)
            else:
                _collect(child, parts, symbols)
        elif tag == W + "tbl":
            continue  # a table inside a text box or paragraph-level construct: not paragraph text
        else:
            _collect(child, parts, symbols)


def _symbol_runs(root: etree._Element, xml: bytes, styles: dict[str, dict[int, str]]) -> dict[etree._Element, dict[int, str]]:
    """Given the parsed document, its bytes and the character styles set in a symbol font, return
    each run's `w:rPr` that sets a symbol font, with that font's glyph table."""
    # Found up front so that the walk pays one dict lookup per run; a document that never names a
    # symbol font (its bytes tell, in a few milliseconds for a large one) is not looked at at all.
    by_style: dict[etree._Element, dict[int, str]] = {}
    if styles:
        for ref in root.iter(_RSTYLE):
            glyphs = styles.get(ref.get(W + "val"))
            if glyphs:
                by_style[ref.getparent()] = glyphs
    lowered = xml.lower()
    if not by_style and b"wingdings" not in lowered and b"symbol" not in lowered:
        return {}
    found: dict[etree._Element, dict[int, str]] = {}
    for fonts in root.iter(_RFONTS):
        glyphs = _font_glyphs(tuple(fonts.values()))
        if glyphs:
            found[fonts.getparent()] = glyphs
        elif by_style and (fonts.get(_ASCII) or fonts.get(_HANSI)):
            by_style.pop(fonts.getparent(), None)  # a text font set on the run itself wins over its style's
    by_style.update(found)
    return by_style


@lru_cache(maxsize=1024)
def _font_glyphs(names: tuple[str, ...]) -> dict[int, str] | None:
    """Given the attribute values of a `w:rFonts`, return the glyph table of the symbol font they name, else None."""
    # Writers differ in which slot (ascii, hAnsi, eastAsia, cs) they put a symbol font in; the
    # tables hold only Latin-1 and F0xx points, so CJK text in the run is never taken for a symbol.
    # The other attributes (hint, theme names) never name a font, so all values are looked at.
    for name in names:
        glyphs = word_symbol_font(name)
        if glyphs:
            return glyphs
    return None


def _symbol_styles(zf: zipfile.ZipFile, findings: list[Finding]) -> dict[str, dict[int, str]]:
    """Given an open .docx, return its character styles set in a symbol font (own or inherited), by id.
    Damaged styles cost only the style-set symbol fonts, not the document: a finding says so."""
    if "word/styles.xml" not in zf.namelist():
        return {}
    lost = _("the document was read without its styles, so a checkbox a style sets in a symbol font may read as a letter")
    try:
        root = etree.fromstring(read_part(zf, zf.getinfo("word/styles.xml"), _OWNER), _xml_parser())
    except PartUnreadable as exc:
        findings.append(
            Finding(
                "file_damaged",
                "warning",
                _("{OWNER} {name} {reason}; {lost}.").format(OWNER=_(_OWNER), name=exc.name, reason=exc.reason, lost=lost),
                None,
                exc.name,
            )
        )
        return {}
    except etree.XMLSyntaxError:
        findings.append(
            Finding(
                "file_damaged",
                "warning",
                _("{OWNER} word/styles.xml is damaged; {lost}.").format(OWNER=_(_OWNER), lost=lost),
                None,
                "word/styles.xml",
            )
        )
        return {}
    own: dict[str, etree._Element | None] = {}
    parent: dict[str, str | None] = {}
    for style in root.iterfind(W + "style"):
        if style.get(W + "type") == "character":
            sid = style.get(W + "styleId")
            own[sid] = style.find(f"{_RPR}/{_RFONTS}")
            based = style.find(W + "basedOn")
            parent[sid] = based.get(W + "val") if based is not None else None
    found: dict[str, dict[int, str]] = {}
    for sid in own:
        cur: str | None = sid
        seen: set[str | None] = set()
        while cur in own and own[cur] is None and cur not in seen:  # inherit the font along basedOn
            seen.add(cur)
            cur = parent[cur]
        fonts = own.get(cur) if cur is not None else None  # None: the chain ended in a style basedOn nothing
        glyphs = _font_glyphs(tuple(fonts.values())) if fonts is not None else None
        if glyphs:
            found[sid] = glyphs
    return found


def read_docx(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given the bytes of a .docx, return its paragraphs and tables in reading order (no option applies to it)."""
    findings: list[Finding] = []
    with open_zip(data, N_("a Word document"), "Word") as zf:
        if "EncryptedPackage" in zf.namelist():
            raise ExtractError(_("The Word document is password-protected; remove the password and ingest it again."))
        xml = _text_part(zf)
        # Styles are read only when runs refer to one: the common document pays nothing for them.
        styles = _symbol_styles(zf, findings) if b"rStyle" in xml else {}
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # anywhere in the part: a long comment can push it down
        # Word never writes a DTD; one in document.xml is an entity-expansion attack or not Word's.
        raise ExtractError(_("The Word document's XML declares a DTD with entities, which Word never writes; it was not read."))
    root = _parse_text(xml, findings)
    body = root.find(W + "body")
    if body is None:
        raise ExtractError(_("The Word document has no body (word/document.xml holds no text), so it is damaged or not a Word document."))
    walker = _Walker(symbols=_symbol_runs(root, xml, styles))
    walker.body(body)
    return Document("docx", tuple(walker.blocks), findings=tuple(findings + _odd_symbols(root)))
