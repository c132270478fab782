"""A fuzz corpus of damaged and odd report files, drawn from real fixtures with a fixed seed.

Each mutant is one way real archives damage a file, or one odd value inside an otherwise sound
file, made the way the world makes it: bytes flipped or cut off by a bad disk or a broken
download, a zip whose headers or streams are damaged, a part replaced, a member flagged
encrypted or packed with bzip2/lzma by an odd zip tool, a size field that lies, and XML
attributes and values no form holds (a `w:sym` code point past Unicode, a negative
`gridBefore`, a rate of thirty digits, a cell style naming a number format that is not there, a
merge over the whole sheet, a page box that is not numbers).

A mutant says what must come of it (`Mutant.odd_value`): a file with one odd value must be kept
(read, the value NULL with a finding), whatever is damaged may fail, but only with a sentence.

Run by hand for a longer hunt: `python -m tests.fuzz.corpus SOURCES_DIR OUT_DIR --count 3000`
writes mutants of the .docx/.xlsx/.pdf files in SOURCES_DIR; then `jixiao ingest OUT_DIR`.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# parts an office reader can do without: their loss costs no value of the form
SPARE_PARTS = re.compile(
    r"^(docProps/|word/(settings|webSettings|fontTable|footnotes|endnotes|footer\d*|header\d*)\.xml$|"
    r"word/theme/|xl/theme/|customXml/)"
)


@dataclass(frozen=True)
class Mutant:
    name: str  # what was done, for the file name and the test's message
    data: bytes
    suffix: str
    odd_value: bool  # one odd value in a sound file: the document must be kept


Mutator = Callable[[bytes, random.Random], "tuple[bytes, bool] | None"]  # (mutant, odd_value), None when it does not apply


# --- bytes ------------------------------------------------------------------------------


def truncate(data: bytes, rng: random.Random):
    return data[: rng.randrange(1, len(data))], False


def flip(data: bytes, rng: random.Random):
    out = bytearray(data)
    for _ in range(rng.randrange(1, 40)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out), False


# --- zip containers -----------------------------------------------------------------------


@dataclass
class _Entry:
    name: str
    central: int  # offset of its central directory header
    local: int  # offset of its local header
    method: int
    compressed: int

    def data_offset(self, data: bytes) -> int:
        name_len, extra_len = struct.unpack_from("<HH", data, self.local + 26)
        return self.local + 30 + name_len + extra_len


def _entries(data: bytes) -> list[_Entry]:
    """The central directory entries of a zip, read from its end record."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0:
        return []
    count, _, offset = struct.unpack_from("<HII", data, end + 10)
    out, pos = [], offset
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            break
        (method,) = struct.unpack_from("<H", data, pos + 10)
        (compressed,) = struct.unpack_from("<I", data, pos + 20)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        (local,) = struct.unpack_from("<I", data, pos + 42)
        out.append(_Entry(data[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace"), pos, local, method, compressed))
        pos += 46 + name_len + extra_len + comment_len
    return out


def _pick(entries: list[_Entry], rng: random.Random, spare: bool) -> _Entry | None:
    chosen = [e for e in entries if bool(SPARE_PARTS.match(e.name)) == spare and not e.name.endswith("/")]
    return rng.choice(chosen) if chosen else None


def zip_version(data: bytes, rng: random.Random):
    """Every header claims it needs zip version 9.5 (zipfile refuses with NotImplementedError)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):
        start = 0
        while (i := out.find(sig, start)) >= 0:
            out[i + offset : i + offset + 2] = struct.pack("<H", 95)
            start = i + 4
    return bytes(out), False


def zip_stream(data: bytes, rng: random.Random):
    """One deflated member's bytes damaged, its header intact (zlib error -3, or a bad CRC)."""
    entries = [e for e in _entries(data) if e.method == zipfile.ZIP_DEFLATED and e.compressed > 64]
    if not entries:
        return None
    entry = rng.choice(entries)
    out = bytearray(data)
    start = entry.data_offset(data)
    for _ in range(8):
        out[start + rng.randrange(entry.compressed)] = rng.randrange(256)
    return bytes(out), False


def _entry(data: bytes, name: str) -> _Entry:
    return next(e for e in _entries(data) if e.name == name)


def flag_encrypted(data: bytes, name: str) -> bytes:
    """The zip with one member's headers flagged encrypted (bit 0), its bytes left plain."""
    entry = _entry(data, name)
    out = bytearray(data)
    for at in (entry.central + 8, entry.local + 6):
        (flags,) = struct.unpack_from("<H", out, at)
        struct.pack_into("<H", out, at, flags | 0x1)
    return bytes(out)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with one member's uncompressed size in the central directory changed: the bytes are sound."""
    out = bytearray(data)
    struct.pack_into("<I", out, _entry(data, name).central + 24, size)
    return bytes(out)


def encrypted_member(data: bytes, rng: random.Random):
    """One member flagged encrypted though it is not: a spare part (the file must be read without it)
    or a part the form lives in (it must fail with a sentence)."""
    spare = rng.random() < 0.6
    entry = _pick(_entries(data), rng, spare)
    return None if entry is None else (flag_encrypted(data, entry.name), spare)


def size_field(data: bytes, rng: random.Random):
    """One member's declared size damaged to a huge value: the bytes themselves are sound, so the file must be read."""
    entries = _entries(data)
    if not entries:
        return None
    return declare_size(data, rng.choice(entries).name, rng.choice([0x7FFFFFF0, 0xFFFFFFF0, 400 * 1024 * 1024])), True


def repack(data: bytes, victim: str, method: int, damage: Callable[[bytes], bytes] | None = None) -> bytes:
    """The zip written again with one member packed by another method (and its stream damaged)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            part = src.read(info)
            info.compress_type = method if info.filename == victim else zipfile.ZIP_DEFLATED
            out.writestr(info, part)
    packed = buffer.getvalue()
    if damage is None:
        return packed
    entry = _entry(packed, victim)
    start = entry.data_offset(packed)
    body = damage(packed[start : start + entry.compressed])
    return packed[:start] + body + packed[start + entry.compressed :]


def other_method(data: bytes, rng: random.Random):
    """One member packed with bzip2 or lzma, its stream damaged: a spare part (read without it) or not."""
    spare = rng.random() < 0.6
    entry = _pick(_entries(data), rng, spare)
    if entry is None:
        return None
    method = rng.choice([zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])

    def damage(body: bytes) -> bytes:
        out = bytearray(body)
        for _ in range(6):
            out[rng.randrange(len(out) // 2, len(out))] ^= 0xFF
        return bytes(out)

    return repack(data, entry.name, method, damage), spare


def rewrite(data: bytes, part: str, change: Callable[[bytes], bytes | None]) -> bytes | None:
    """The zip written again with one part's bytes changed; None when change declines."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if part not in src.namelist():
        return None
    new = change(src.read(part))
    if new is None:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, new if info.filename == part else src.read(info))
    return buffer.getvalue()


def replaced_part(data: bytes, rng: random.Random):
    """An XML part replaced: cut short, not XML at all, or emptied."""
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".xml")]
    victim = rng.choice(names)
    kind = rng.randrange(3)
    out = rewrite(data, victim, lambda b: [b[: len(b) // 2], rng.randbytes(200), b""][kind])
    return None if out is None else (out, False)


# --- Word XML ------------------------------------------------------------------------------


def _document_xml(data: bytes, rng: random.Random, change: Callable[[str], str | None], odd: bool = True):
    def on_text(raw: bytes) -> bytes | None:
        new = change(raw.decode("utf-8"))
        return None if new is None else new.encode("utf-8")

    out = rewrite(data, "word/document.xml", on_text)
    return None if out is None else (out, odd)


def _nth(pattern: str, text: str, rng: random.Random) -> re.Match | None:
    found = list(re.finditer(pattern, text))
    return rng.choice(found) if found else None


def sym_char(data: bytes, rng: random.Random):
    """A `w:sym` whose code point is past Unicode, a surrogate or no hex at all, put into a paragraph."""
    char = rng.choice(["110000", "D800", "DFFF", "FFFFFFFFFFFF", "-41", "ZZ", ""])
    font = rng.choice(["Wingdings", "Wingdings 2", "Symbol", "SimSun"])

    def change(xml: str) -> str | None:
        m = _nth(r"<w:r>", xml, rng)
        if m is None:
            return None
        return xml[: m.start()] + f'<w:r><w:sym w:font="{font}" w:char="{char}"/></w:r>' + xml[m.start() :]

    return _document_xml(data, rng, change)


def grid_before(data: bytes, rng: random.Random):
    """A table row that skips a negative number of grid columns (or a number that is no number)."""
    value = rng.choice(["-3", "-1", "-100000", "x", "1.5"])

    def change(xml: str) -> str | None:
        m = _nth(r"<w:tr(?: [^>]*)?>", xml, rng)
        if m is None:
            return None
        return xml[: m.end()] + f'<w:trPr><w:gridBefore w:val="{value}"/></w:trPr>' + xml[m.end() :]

    return _document_xml(data, rng, change)


def grid_span(data: bytes, rng: random.Random):
    """A cell spanning a negative, zero or non-numeric number of columns."""
    value = rng.choice(["-2", "0", "abc", "", "2.5"])

    def change(xml: str) -> str | None:
        m = _nth(r'<w:gridSpan w:val="\d+"/>', xml, rng)
        if m is None:
            m = _nth(r"<w:tcPr>", xml, rng)
            if m is None:
                return None
            return xml[: m.end()] + f'<w:gridSpan w:val="{value}"/>' + xml[m.end() :]
        return xml[: m.start()] + f'<w:gridSpan w:val="{value}"/>' + xml[m.end() :]

    return _document_xml(data, rng, change)


def huge_figure(data: bytes, rng: random.Random):
    """A figure (a rate or an amount) typed with thirty digits or more."""
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(28, 60)))

    def change(xml: str) -> str | None:
        m = _nth(r"<w:t(?: [^>]*)?>(\d[\d,]*(?:\.\d+)?)(%?)</w:t>", xml, rng)
        if m is None:
            return None
        return xml[: m.start(1)] + "9" + digits + ("." + digits[:3] if rng.random() < 0.5 else "") + xml[m.end(1) :]

    return _document_xml(data, rng, change)


def char_ref(data: bytes, rng: random.Random):
    """A character reference XML forbids (&#1;) inside a run's text: left out, as Word's repair does."""

    def change(xml: str) -> str | None:
        m = _nth(r"<w:t(?: [^>]*)?>", xml, rng)
        return None if m is None else xml[: m.end()] + "&#1;" + xml[m.end() :]

    return _document_xml(data, rng, change)


def deep_nesting(data: bytes, rng: random.Random):
    """A paragraph wrapped in 300 content controls, deeper than any writer goes: crafted or damaged."""

    def change(xml: str) -> str | None:
        m = _nth(r"<w:p(?: [^>]*)?>", xml, rng)
        if m is None:
            return None
        return xml[: m.start()] + "<w:sdt><w:sdtContent>" * 300 + "</w:sdtContent></w:sdt>" * 300 + xml[m.start() :]

    return _document_xml(data, rng, change, odd=False)


# --- workbooks -------------------------------------------------------------------------------


def _sheet_xml(data: bytes, change: Callable[[str], str | None], odd: bool = True):
    out = rewrite(data, "xl/worksheets/sheet1.xml", lambda b: None if (s := change(b.decode("utf-8"))) is None else s.encode("utf-8"))
    return None if out is None else (out, odd)


def whole_sheet_merge(data: bytes, rng: random.Random):
    """A merged range over the whole sheet (A1:XFD1048576), or over whole columns."""
    ref = rng.choice(["A1:XFD1048576", "A1:XFD1048576", "B1:C1048576", "A2:XFD3"])

    def change(xml: str) -> str:
        if "<mergeCells" in xml:
            return re.sub(r"<mergeCells[^>]*>", lambda m: m.group(0) + f'<mergeCell ref="{ref}"/>', xml, count=1)
        return xml.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>', 1)

    return _sheet_xml(data, change)


def huge_dimension(data: bytes, rng: random.Random):
    """The sheet declares itself A1:XFD1048576."""
    return _sheet_xml(data, lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml, count=1))


def undefined_number_format(data: bytes, rng: random.Random):
    """A cell style that names a number format the workbook does not define."""
    fmt = rng.choice(["300", "999", "176", "50"])

    def change(raw: bytes) -> bytes | None:
        xml = raw.decode("utf-8")
        start = xml.find("<cellXfs")
        found = list(re.finditer(r'numFmtId="(\d+)"', xml[start:])) if start >= 0 else []
        if not found:
            return None
        pick = rng.choice(found)
        at = start + pick.start(1)
        return (xml[:at] + fmt + xml[at + len(pick.group(1)) :]).encode("utf-8")

    out = rewrite(data, "xl/styles.xml", change)
    return None if out is None else (out, True)


def style_index(data: bytes, rng: random.Random):
    """A cell naming a style past the end of the style table."""

    def change(xml: str) -> str | None:
        m = _nth(r'<c r="[A-Z]+\d+"( s="\d+")?', xml, rng)
        if m is None:
            return None
        if m.group(1):
            return xml[: m.start(1)] + ' s="9999"' + xml[m.end(1) :]
        return xml[: m.end()] + ' s="9999"' + xml[m.end() :]

    return _sheet_xml(data, change)


def cell_value(data: bytes, rng: random.Random):
    """A number cell holding no number, a shared string index past the table, or a serial past any date."""
    bad = rng.choice(["<v>abc</v>", "<v>1e400</v>", "<v>-1e400</v>", "<v>99999999999</v>"])

    def change(xml: str) -> str | None:
        m = _nth(r"<v>[^<]*</v>", xml, rng)
        return None if m is None else xml[: m.start()] + bad + xml[m.end() :]

    return _sheet_xml(data, change)


# --- PDFs ------------------------------------------------------------------------------------


def pdf_stream(data: bytes, rng: random.Random):
    """Bytes flipped inside one stream (a page's content, a font, an image)."""
    found = [m for m in re.finditer(rb"stream\r?\n", data) if data[m.start() - 3 : m.start()] != b"end"]
    if not found:
        return None
    m = rng.choice(found)
    end = data.find(b"endstream", m.end())
    if end - m.end() < 16:
        return None
    out = bytearray(data)
    for _ in range(rng.randrange(1, 12)):
        out[rng.randrange(m.end(), end)] = rng.randrange(256)
    return bytes(out), False


def pdf_contents(data: bytes, rng: random.Random):
    """A page's content stream (what draws its text and lines) damaged: flipped bytes or garbage."""
    found = []
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            body = zlib.decompressobj().decompress(data[m.end() : end])
        except zlib.error:
            continue
        if b" Tf" in body or b" re" in body:
            found.append((m.end(), end))
    if not found:
        return None
    start, end = rng.choice(found)
    out = bytearray(data)
    if rng.random() < 0.5:
        out[start:end] = rng.randbytes(end - start)
    else:
        for _ in range(rng.randrange(1, 8)):
            out[rng.randrange(start, end)] ^= 0xFF
    return bytes(out), False


def pdf_box(data: bytes, rng: random.Random):
    """A page's MediaBox or Rotate holding what is no number, or no right angle."""
    found = list(re.finditer(rb"/MediaBox\s*\[[^\]]*\]", data))
    if not found:
        return None
    m = rng.choice(found)
    new = rng.choice(
        [
            b"/MediaBox[0 0 /Foo 842]",
            b"/MediaBox[0 0 595 (x)]",
            b"/MediaBox[0 0 0 0]",
            b"/MediaBox[0 0 595 842]/Rotate 45",
            b"/MediaBox[0 0 595 842]/Rotate 1000000000000",
        ]
    )
    return data[: m.start()] + new + data[m.end() :], True


COMMON: list[Mutator] = [truncate, flip, flip]
BY_FORMAT: dict[str, list[Mutator]] = {
    "docx": COMMON
    + [
        zip_version,
        zip_stream,
        encrypted_member,
        size_field,
        other_method,
        replaced_part,
        sym_char,
        sym_char,
        grid_before,
        grid_span,
        huge_figure,
        huge_figure,
        char_ref,
        deep_nesting,
    ],
    "xlsx": COMMON
    + [
        zip_version,
        zip_stream,
        encrypted_member,
        size_field,
        other_method,
        replaced_part,
        whole_sheet_merge,
        huge_dimension,
        undefined_number_format,
        style_index,
        cell_value,
    ],
    "pdf": COMMON + [pdf_stream, pdf_contents, pdf_contents, pdf_box],
}


def mutants(sources: list[Path], count: int, seed: int) -> list[Mutant]:
    """count mutants of the sources (.docx, .xlsx, .pdf), drawn with seed: each a source and a mutator."""
    rng = random.Random(seed)
    usable = [p for p in sources if p.suffix.lstrip(".") in BY_FORMAT]
    originals = {p: p.read_bytes() for p in usable}
    formats = sorted({p.suffix.lstrip(".") for p in usable})
    out: list[Mutant] = []
    while len(out) < count:
        fmt = rng.choice(formats)  # the format first: a lone workbook among many documents still gets its share
        path = rng.choice([p for p in usable if p.suffix == "." + fmt])
        mutate = rng.choice(BY_FORMAT[fmt])
        made = mutate(originals[path], rng)
        if made is None:
            continue
        data, odd = made
        out.append(Mutant(f"{len(out):04d}_{path.stem}_{mutate.__name__}", data, path.suffix, odd))
    return out


def write(items: list[Mutant], folder: Path) -> dict[str, Mutant]:
    """Write the mutants into folder; return them by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {}
    for m in items:
        name = m.name + m.suffix
        (folder / name).write_bytes(m.data)
        by_name[name] = m
    return by_name


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    made = write(mutants(sorted(args.sources.iterdir()), args.count, args.seed), args.out)
    print(f"{len(made)} mutants in {args.out} ({sum(m.odd_value for m in made.values())} with one odd value)")
