"""The pdfium fast path against pdfplumber, the reference: every PDF fixture read both ways gives the
same Document and the same stored records, to the last cell box; pages pdfium_pages does not map,
and files pdfium cannot open, go to pdfplumber."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from jixiao.extract import read_document
from jixiao.extract.pdfium_pages import backend, open_pdf
from tests.fixtures import builder
from tests.helpers import backend_differences, read_with_backend


def _agree(paths) -> None:
    problems = [p for path in paths for p in backend_differences(path)]
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])


@pytest.mark.slow
def test_seed_in_every_checkbox_style_reads_alike(seed_files):
    pdfs = [p for k, p in seed_files.items() if k.startswith("pdf-")]
    assert len(pdfs) == len(builder.CHECKBOX_STYLES)
    _agree(pdfs)


@pytest.mark.slow
def test_every_family_variant_reads_alike(family_files):
    pdfs = [p for k, p in family_files.items() if k.startswith("pdf/")]
    assert len(pdfs) > 20
    _agree(pdfs)


@pytest.mark.slow
def test_real_layouts_read_alike(real_layout_files):
    _agree([p for (fmt, _), p in real_layout_files.items() if fmt == "pdf"])


@pytest.mark.slow
def test_rows_and_cells_cut_by_page_breaks_read_alike(split_row_files):
    _agree([pdf for _, pdf in split_row_files.values()])


@pytest.mark.slow
def test_the_demo_archive_reads_alike(tmp_path):
    pdfs = [p for p in builder.build_demo_archive(tmp_path) if p.suffix == ".pdf"]
    assert pdfs
    _agree(pdfs)


def test_the_backends_really_differ_in_what_they_parse(seed_files):
    # the agreement above means something only if the two paths are different code: pdfium's
    # characters come with no pdfminer attributes, and pdfplumber's with them
    with open_pdf(seed_files["pdf-text"].read_bytes()) as pdf:
        chars = pdf.pages[1].chars
    assert chars and "matrix" not in chars[0] and "ncs" not in chars[0]
    assert any(c["text"] == "√" for c in chars)


def test_the_backend_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.delenv("JIXIAO_PDF_BACKEND", raising=False)
    assert backend() == "pdfium"
    monkeypatch.setenv("JIXIAO_PDF_BACKEND", "pdfplumber")
    assert backend() == "pdfplumber"
    monkeypatch.setenv("JIXIAO_PDF_BACKEND", " PDFium ")
    assert backend() == "pdfium"


@pytest.mark.slow
def test_a_rotated_page_is_read_by_pdfplumber(seed_files, tmp_path):
    # pdfium gives a rotated page in its displayed orientation, pdfminer in its stored one;
    # rather than map between them, the whole file goes to the reference
    pdf = pdfium.PdfDocument(seed_files["pdf-text"].read_bytes())
    pdf[3].set_rotation(90)
    rotated = tmp_path / "rotated.pdf"
    pdf.save(str(rotated))
    pdf.close()
    _agree([rotated])
    reference, _ = read_with_backend("pdfplumber", rotated)
    assert len(reference.tables) >= 1


@pytest.mark.slow
def test_a_page_cropped_or_moved_reads_alike(seed_files, tmp_path):
    # pdfminer measures from the media box whatever the crop box says; a media box away from the
    # origin goes to pdfplumber whole
    pdf = pdfium.PdfDocument(seed_files["pdf-text"].read_bytes())
    pdf[1].set_cropbox(40, 60, 560, 760)
    cropped = tmp_path / "cropped.pdf"
    pdf.save(str(cropped))
    pdf[2].set_mediabox(-10, -10, 602, 782)
    moved = tmp_path / "moved.pdf"
    pdf.save(str(moved))
    pdf.close()
    _agree([cropped, moved])


@pytest.mark.slow
def test_damaged_and_locked_files_fail_alike(seed_files, tmp_path):
    data = seed_files["pdf-text"].read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    garbled = tmp_path / "garbled.pdf"
    garbled.write_bytes(data[:2000] + bytes(len(data) - 4000) + data[-2000:])
    _agree([cut, garbled])
    with pytest.raises(Exception, match="PDF"):
        read_document(cut.read_bytes())


def test_glyphs_without_text_are_placeholders_in_both(family_files, tmp_path, monkeypatch):
    # a PDF whose fonts lost their ToUnicode maps: pdfminer shows (cid:N), pdfium the bare code with a
    # map error; both must count the page as unreadable (here with OCR off: nothing read, one sentence)
    data = family_files["pdf/national_project/plain"].read_bytes()
    assert data.count(b"/ToUnicode") >= 1
    unmapped = tmp_path / "unmapped.pdf"
    unmapped.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))  # same length: offsets stay right
    with open_pdf(unmapped.read_bytes()) as pdf:
        texts = [c["text"] for c in pdf.pages[0].chars]
    assert texts and all(t.startswith("(cid:") for t in texts)
    monkeypatch.setenv("JIXIAO_OCR", "0")
    _agree([unmapped])
    with pytest.raises(Exception, match="no readable text layer"):
        read_document(unmapped.read_bytes())


def test_ligatures_read_alike(tmp_path):
    # LibreOffice sets 「ffi」 as one glyph; pdfminer gives it as one three-letter char, pdfium as three
    # chars at one origin, which pdfium_pages joins again
    import docx

    document = docx.Document()
    for font in ("Noto Serif CJK SC", "DejaVu Serif"):
        document.add_paragraph().add_run("office efficient fluff final affine 项目经费 fi fl ffi").font.name = font
    document.save(tmp_path / "ligatures.docx")
    (pdf,) = builder.soffice_convert([tmp_path / "ligatures.docx"], "pdf", tmp_path)
    with open_pdf(pdf.read_bytes()) as opened:
        assert any(c["text"] in ("ffi", "ﬃ") for c in opened.pages[0].chars)  # the glyph really is a ligature
    _agree([pdf])
    (paragraph, *_) = read_document(pdf.read_bytes()).paragraphs
    assert paragraph.text.startswith("office efficient fluff final affine 项目经费 fi fl ffi")


@pytest.mark.slow
def test_the_switch_to_pdfplumber_is_logged_only_when_asked(seed_files, tmp_path):
    # handled without a word to the user; JIXIAO_LOG shows it to whoever maintains the installation
    import os
    import subprocess
    import sys

    pdf = pdfium.PdfDocument(seed_files["pdf-text"].read_bytes())
    pdf[3].set_rotation(90)
    rotated = tmp_path / "rotated.pdf"
    pdf.save(str(rotated))
    pdf.close()
    command = [sys.executable, "-c", "from jixiao.entry import run; run()", "ingest", str(rotated), "--db", str(tmp_path / "w.duckdb"), "--json"]
    env = {k: v for k, v in os.environ.items() if k != "JIXIAO_LOG"}
    quiet = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and "pdfplumber" not in quiet.stderr
    told = subprocess.run(command + ["--reread"], env={**env, "JIXIAO_LOG": "debug"}, capture_output=True, text=True, timeout=300)
    assert told.returncode == 0
    assert "DEBUG jixiao.extract.pdf" in told.stderr and "read by pdfplumber instead: page 4" in told.stderr
