"""Checkbox glyphs: the characters that mean ticked or empty, and symbol-font code points mapped to them.

Word writes Wingdings boxes as `w:sym` (font + private-use code point); PDFs exported from such
files show the same private-use characters. Both become the plain ☑ / □ here so that one
checkbox parser serves every format.
"""

from __future__ import annotations

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


def symbol_to_text(font: str | None, code: str | None) -> str:
    """Given a `w:sym` font and hex code, return the character it shows ('' when unknown)."""
    if not code:
        return ""
    try:
        point = int(code, 16)
    except ValueError:
        return ""
    table = _SYMBOL_FONTS.get((font or "").strip().lower())
    low = point - 0xF000 if point >= 0xF000 else point
    if table and low in table:
        return table[low]
    if point >= 0xF000:
        return PRIVATE_USE_GLYPHS.get(chr(point), "")
    return chr(point)


def map_private_use(text: str) -> str:
    """Given text from a PDF layer, return it with known private-use checkbox glyphs replaced."""
    if not any("\ue000" <= ch <= "\uf8ff" for ch in text):
        return text
    return "".join(PRIVATE_USE_GLYPHS.get(ch, ch) for ch in text)
