"""Saved web pages: self-evaluation results published on government portals (绩效自评结果公开), saved
as .html, or as .mht/.mhtml with their images inside.

The page is parsed by lxml's HTML parser into the same Document the other readers give: its tables
as grids (rowspan and colspan as merged cells), the text between them as paragraphs, in the page's
order. Scripts, styles and the portal's chrome (navigation, header, footer, breadcrumb) are left out,
and so is the page's own 「发布日期：… 来源：… 浏览次数：…」 line, which is the portal's, not the
report's. An MHT is a MIME message: its HTML part is read so, and the images it carries are read by
OCR where the form is a picture in the page.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import Block, Cell, Document, Paragraph, Table

from .options import ReadOptions

_DROPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "select", "button", "form", "iframe"}
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "center",
    "hr",
    "address",
    "figure",
    "figcaption",
    "main",
    "body",
}
# the portal's chrome, by the class or id a page gives it
_CHROME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumb|crumb|footer|header|topbar|sidebar|share|position|location)"
    r"(?:$|[-_\s\d])",
    re.IGNORECASE,
)
# the portal's line about the page, not the report's: its date, source, views, print/close links
_PAGE_LINE = re.compile(
    r"(?:发布(?:日期|时间)|信息来源|来源[:：]|浏览(?:次数|量)|访问量|点击(?:数|率|量)|字号[:：]|【\s*(?:打印|关闭)|"
    r"当前位置[:：]|您现在的位置)"
)
_MAX_SPAN = 1000  # rows or columns a cell may span, at most: a larger value is a page's mistake
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)


def read_html(data: bytes, options: ReadOptions | None = None) -> Document:
    """Given a saved web page's bytes (HTML, or MHT/MHTML), return its paragraphs and tables."""
    from .sniff import sniff_format

    if sniff_format(data) == "mht":
        return _read_mht(data, options or ReadOptions.from_env())
    return Document("html", tuple(html_blocks(_decode(data))), n_pages=1)


def _decode(data: bytes, charset: str | None = None) -> str:
    """The page's text: by its BOM, the charset it declares, else UTF-8, else GB18030 (what Chinese portals use)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    declared = charset or (m[1].decode("ascii", "replace") if (m := _CHARSET.search(data[:4096])) else None)
    for name in (declared, "utf-8", "gb18030"):
        if not name:
            continue
        try:
            return data.decode("gb18030" if name.lower() in ("gb2312", "gbk", "gb_2312-80") else name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", "replace")


def html_blocks(text: str) -> list[Block]:
    """A page's paragraphs and tables, in order."""
    import lxml.html
    from lxml import etree

    if not text.strip():
        return []
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(_("The web page could not be parsed; open it in a browser and save it again."), detail=str(exc)) from exc
    walker = _Walker()
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush()
    return walker.blocks


class _Walker:
    """Walks a page in order: text gathers into the current paragraph, a block element ends it, a table is a block of its own."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.tables = 0

    def flush(self) -> None:
        for line in "".join(self.parts).split("\n"):
            line = re.sub(r"[ \t\u3000\xa0]+", " ", line).strip()
            if line and not _PAGE_LINE.search(line):
                self.blocks.append(Paragraph(line, 1, sum(isinstance(b, Paragraph) for b in self.blocks)))
        self.parts = []

    def walk(self, element, parent: int | None = None) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _DROPPED or _is_chrome(element):
            self._tail(element)
            return
        if tag == "table":
            self.flush()
            self._table(element, parent)
            self._tail(element)
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag and element.text:
            self.parts.append(element.text)
        for child in element:
            self.walk(child, parent)
        if tag in _BLOCK:
            self.parts.append("\n")
        self._tail(element)

    def _tail(self, element) -> None:
        if element.tail:
            self.parts.append(element.tail)

    def _table(self, table, parent: int | None) -> None:
        index = self.tables
        self.tables += 1
        cells: list[Cell] = []
        taken: set[tuple[int, int]] = set()
        nested = []
        rows = [r for r in table.iter("tr") if _owner(r) is table]
        for r, row in enumerate(rows):
            c = 0
            for cell in row:
                if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                    continue
                while (r, c) in taken:
                    c += 1
                rowspan, colspan = _span(cell.get("rowspan")), _span(cell.get("colspan"))
                rowspan = min(rowspan, len(rows) - r)
                text, inner = _cell_text(cell)
                nested += inner
                cells.append(Cell(text, r, c, rowspan, colspan, page=1))
                taken.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
                c += colspan
        n_cols = max((cell.col + cell.colspan for cell in cells), default=0)
        if cells:
            self.blocks.append(Table(index, tuple(cells), len(rows), n_cols, page=1, parent=parent))
        for inner in nested:
            self._table(inner, index)


def _owner(row):
    """The table a row belongs to (a row of a nested table belongs to that one)."""
    node = row.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), _MAX_SPAN))
    except (TypeError, ValueError):
        return 1


def _cell_text(cell) -> tuple[str, list]:
    """A cell's text (its lines kept) without the tables nested in it, and those tables."""
    parts: list[str] = []
    nested: list = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _DROPPED:
            pass
        elif tag == "table":
            nested.append(element)
        else:
            if tag == "br" or tag in _BLOCK:
                parts.append("\n")
            if tag and element.text:
                parts.append(element.text)
            for child in element:
                walk(child)
            if tag in _BLOCK:
                parts.append("\n")
        if element is not cell and element.tail:
            parts.append(element.tail)

    walk(cell)
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line), nested


def _is_chrome(element) -> bool:
    if not isinstance(element.tag, str) or element.tag in ("body", "html", "table", "tr", "td", "th"):
        return False
    marks = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(marks.strip()) and bool(_CHROME.search(marks))


def _read_mht(data: bytes, options: ReadOptions) -> Document:
    """An MHT: its HTML part's blocks, then the OCR'd pages of the images it carries where the page
    holds no table of its own (the form saved as a picture)."""
    from .image import read_image

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    html, images = None, []
    for part in message.walk():
        kind = part.get_content_type()
        payload = part.get_payload(decode=True)  # bytes, or None for a part holding parts
        if kind == "text/html" and html is None:
            html = _decode(payload if isinstance(payload, bytes) else b"", part.get_content_charset())
        elif kind.startswith("image/") and isinstance(payload, bytes) and payload:
            images.append(payload)
    if html is None:
        raise ExtractError(_("The saved web page (MHT) holds no HTML part; save the page again from the browser."))
    blocks = html_blocks(html)
    pages = 1
    if images and not any(isinstance(b, Table) for b in blocks):
        for payload in images:
            try:
                scanned = read_image(payload, options)
            except ExtractError:  # an icon, or a picture that is no page: the page's text stands alone
                continue
            blocks += [_on_page(b, pages + (b.page or 1)) for b in scanned.blocks]
            pages += scanned.n_pages or 1
    ocr = pages > 1
    return Document("mht", tuple(_numbered(blocks)), n_pages=pages, ocr=ocr)


def _on_page(block: Block, page: int) -> Block:
    if isinstance(block, Paragraph):
        return replace(block, page=page)
    return replace(block, page=page, cells=tuple(replace(c, page=page) for c in block.cells))


def _numbered(blocks: list[Block]) -> list[Block]:
    """Paragraphs and tables numbered in order, once the page's and its pictures' blocks are together
    (the page's tables come first, so their parent numbers stay right)."""
    out: list[Block] = []
    paragraphs = tables = 0
    for b in blocks:
        if isinstance(b, Paragraph):
            out.append(replace(b, index=paragraphs))
            paragraphs += 1
        else:
            out.append(replace(b, index=tables))
            tables += 1
    return out
