"""Checkbox glyphs: the characters that mean ticked or empty, and symbol-font code points mapped to them.

Word writes Wingdings boxes as `w:sym` (font + private-use code point), or as ordinary letters in
a run set in a symbol font (「R」 in Wingdings 2 shows ☑, 「£」 shows □); PDFs exported from such
files show the private-use characters, or the letters under the symbol font's name. All become
the plain ☑ / □ here so that one checkbox parser serves every format.
"""

from __future__ import annotations

from functools import lru_cache

TICKED = "☑"
EMPTY = "□"

# (font family lower-cased, code point) → glyph. Code points are given as Word stores them
# (F0xx); the bare xx form is accepted too, since some writers omit the F0 offset.
_SYMBOL_FONTS: dict[str, dict[int, str]] = {
    "wingdings 2": {0x52: TICKED, 0x53: TICKED, 0x54: TICKED, 0x51: TICKED, 0xA3: EMPTY, 0x2A: EMPTY, 0xA2: EMPTY, 0x50: "√"},
    "wingdings": {0xFE: TICKED, 0xFD: TICKED, 0xFC: "√", 0xFB: "×", 0xA8: EMPTY, 0x6F: EMPTY, 0x71: EMPTY, 0x78: TICKED},
    "symbol": {0xD6: "√", 0xB4: "×"},
}

# Private-use characters met in PDF text layers without a font name to go by: the
# Wingdings 2 reading is by far the most common on these forms.
PRIVATE_USE_GLYPHS: dict[str, str] = {chr(0xF000 + k): v for k, v in _SYMBOL_FONTS["wingdings 2"].items()}
PRIVATE_USE_GLYPHS.update({chr(0xF000 + k): v for k, v in _SYMBOL_FONTS["wingdings"].items() if chr(0xF000 + k) not in PRIVATE_USE_GLYPHS})


def symbol_code(code: str | None) -> int | None:
    """Given a `w:sym` code as written (hex), return its code point; None when it names no character
    (not hex, past U+10FFFF, a surrogate half): Word never writes such a code, so it is damage."""
    try:
        point = int(code or "", 16)
    except ValueError:
        return None
    if not 0 < point <= 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        return None
    return point


def symbol_to_text(font: str | None, code: str | None) -> str:
    """Given a `w:sym` font and hex code, return the character it shows ('' when unknown or no character)."""
    point = symbol_code(code)
    if point is None:
        return ""
    table = _SYMBOL_FONTS.get((font or "").strip().lower())
    low = point - 0xF000 if point >= 0xF000 else point
    if table and low in table:
        return table[low]
    if point >= 0xF000:
        return PRIVATE_USE_GLYPHS.get(chr(point), "")
    return chr(point)


@lru_cache(maxsize=512)
def word_symbol_font(name: str | None) -> dict[int, str] | None:
    """Given a font name from a Word run, return the glyph table of the symbol font it names, else None."""
    return _SYMBOL_FONTS.get(name.strip().lower()) if name else None


# PDF font names (subset tag dropped, lower-cased, spaces and hyphens removed) → Word family.
# OpenSymbol is LibreOffice's stand-in when Symbol is not installed: the text keeps Symbol's codes
# (「Ö」 drawn as √), and OpenSymbol has no letters of its own for them to be confused with.
_PDF_FONT_NAMES = {
    "wingdings2": "wingdings 2",
    "wingdings2regular": "wingdings 2",
    "wingdings": "wingdings",
    "wingdingsregular": "wingdings",
    "symbol": "symbol",
    "symbolmt": "symbol",
    "opensymbol": "symbol",
    # URW's Symbol (fonts-urw-base35, which ghostscript brings): fontconfig may give it for Symbol
    "standardsymbolsps": "symbol",
    "standardsyml": "symbol",
}


@lru_cache(maxsize=512)
def pdf_symbol_font(fontname: str) -> dict[int, str] | None:
    """Given a PDF char's font name (e.g. 「ABCDEF+Wingdings2」), return its symbol glyph table, else None."""
    key = fontname.rpartition("+")[2].lower().replace(" ", "").replace("-", "").replace(",", "")
    family = _PDF_FONT_NAMES.get(key)
    return _SYMBOL_FONTS[family] if family else None


def symbol_font_text(table: dict[int, str], text: str) -> str:
    """Given a symbol font's glyph table and text typed in that font, return it with known glyphs shown."""
    # A symbol font is reached by its low byte or by Word's private-use form F0xx of it; characters
    # the table does not know (spaces, CJK falling back to another font) are kept as typed.
    return "".join(table.get(ord(ch) - 0xF000 if "\uf000" <= ch <= "\uf0ff" else ord(ch), ch) for ch in text)


def map_private_use(text: str) -> str:
    """Given text from a PDF layer, return it with known private-use checkbox glyphs replaced."""
    if not any("\ue000" <= ch <= "\uf8ff" for ch in text):
        return text
    return "".join(PRIVATE_USE_GLYPHS.get(ch, ch) for ch in text)
