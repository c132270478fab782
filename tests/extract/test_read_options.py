"""ReadOptions: the environment's JIXIAO_* variables read once into a value the readers are given, and an
OCR engine chosen by name behind the OcrEngine protocol (a stand-in engine here: no models are loaded)."""

from __future__ import annotations

import io

import pytest

from jixiao.base.errors import ExtractError
from jixiao.extract import ReadOptions, ocr, read_document
from jixiao.extract.image import read_image


def test_the_environment_gives_the_options():
    assert ReadOptions.from_env({}) == ReadOptions("rapidocr", None, None, "pdfium")
    assert ReadOptions.from_env(
        {"JIXIAO_OCR": " Off ", "JIXIAO_OCR_THREADS": "3", "JIXIAO_OCR_RUNTIME": "onnxruntime", "JIXIAO_PDF_BACKEND": " PDFplumber "}
    ) == ReadOptions(None, 3, "onnxruntime", "pdfplumber")
    # values that mean nothing are the defaults, as they always were
    assert (
        ReadOptions.from_env({"JIXIAO_OCR": "yes", "JIXIAO_OCR_THREADS": "0", "JIXIAO_OCR_RUNTIME": "tensorrt", "JIXIAO_PDF_BACKEND": "mupdf"})
        == ReadOptions()
    )


def test_the_old_questions_read_the_environment(monkeypatch):
    from jixiao.extract.pdfium_pages import backend

    monkeypatch.setenv("JIXIAO_OCR_THREADS", "2")
    monkeypatch.setenv("JIXIAO_PDF_BACKEND", "pdfplumber")
    monkeypatch.setenv("JIXIAO_OCR", "0")
    assert (ocr.ocr_threads(), backend(), ocr.ocr_available()) == (2, "pdfplumber", False)
    assert not ocr.ocr_available(ReadOptions(ocr_engine=None))
    assert not ocr.ocr_available(ReadOptions(ocr_engine="no such engine"))


def _page_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (850, 1100), "white")
    ImageDraw.Draw(image).rectangle((100, 100, 400, 140), fill="black")  # ink, so the page is not blank
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(100, 100))
    return out.getvalue()


_LINE = "项目名称：农村道路养护项目，主管部门：县交通运输局"


class _OneBox:
    """An engine that reads one text box (of more than the 20 characters a page of text has at least) at the
    top of whatever it is shown first."""

    package = "cv2"
    seen: list[tuple[int, int]] = []

    @classmethod
    def tuned(cls, threads, runtime):
        return cls()

    def read(self, image):
        self.seen.append(image.shape)
        if len(self.seen) > 1:
            return []
        return [([[200, 200], [1500, 200], [1500, 260], [200, 260]], _LINE, 0.99)]


@pytest.fixture
def one_box_engine(monkeypatch):
    _OneBox.seen = []
    monkeypatch.setitem(ocr.ENGINES, "one-box", _OneBox)
    ocr._engine.cache_clear()
    yield _OneBox
    ocr._engine.cache_clear()


def test_an_engine_chosen_by_name_reads_the_scanned_page(one_box_engine):
    document = read_image(_page_png(), ReadOptions(ocr_engine="one-box"))
    assert document.ocr and document.n_pages == 1
    assert [b.text for b in document.blocks] == [_LINE]
    assert one_box_engine.seen and all(len(shape) == 2 for shape in one_box_engine.seen)  # grayscale bands


def test_options_given_win_over_the_environment(one_box_engine, monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR", "0")
    document = read_document(_page_png(), options=ReadOptions(ocr_engine="one-box"))
    assert [b.text for b in document.blocks] == [_LINE]
    monkeypatch.delenv("JIXIAO_OCR")
    with pytest.raises(ExtractError, match="OCR is not available"):
        read_document(_page_png(), options=ReadOptions(ocr_engine=None))
