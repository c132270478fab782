"""Scans as offices make them (askew, sealed, blurred, JPEG, 150-dpi grey, photographed), built from the
LibreOffice PDFs by tests/fixtures/office_scans.py, read by OCR: every figure as the Word original has it."""

from __future__ import annotations

import pytest

from jixiao.ingest.reading import read_file
from tests.extract.scanned import as_read, assert_prose_alike
from tests.fixtures import office_scans as O

pytestmark = [pytest.mark.ocr, pytest.mark.slow]

DOCUMENTS = {  # name → (PDF key, Word key) in the session fixtures
    "national": ("pdf/national_project/plain", "docx/national_project/plain"),
    "score": ("pdf/score_20_80/plain", "docx/score_20_80/plain"),  # a provincial form, one page
    "seed": ("pdf-text", "docx-text"),  # eleven pages of tables and prose
}
# each degradation once on the national form (two pages), the common ones on a provincial form, all of
# them together on the seed: about thirty pages of OCR
CASES = [("national", s.name) for s in O.SCANS if s.name not in ("askew-2", "office")]
CASES += [("score", name) for name in ("askew-2", "red-seal", "jpeg", "grey-150")]
CASES += [("seed", "office")]


@pytest.fixture(scope="module")
def files(seed_files, family_files):
    return {**seed_files, **family_files}


@pytest.fixture(scope="module")
def scanned(files, tmp_path_factory):
    """(document, scan) → the read of that document scanned so; each scan is built and read once."""
    out = tmp_path_factory.mktemp("office_scans")
    reads = {}

    def read(document: str, name: str):
        if (document, name) not in reads:
            pdf = O.office_scan(files[DOCUMENTS[document][0]], O.scan(name), out / f"{document}-{name}.pdf")
            reads[document, name] = read_file(pdf)
        return reads[document, name]

    return read


@pytest.mark.parametrize("document,name", CASES)
def test_an_office_scan_reads_like_the_word_original(scanned, files, document, name):
    result = scanned(document, name)
    assert result.status == "ok" and result.ocr is True, result.error
    (report,) = result.reports
    (original,) = read_file(files[DOCUMENTS[document][1]]).reports
    got, want = as_read(report), as_read(original)
    # prose by similarity: OCR misreads a rare character now and then; its figures are facts, compared exactly
    assert_prose_alike(got, want)
    assert got == want


@pytest.mark.parametrize("name", ["red-seal", "blue-seal"])
def test_a_sealed_page_is_a_stored_finding(scanned, name):
    from jixiao.warehouse import Pending, connect, store_group

    result = scanned("national", name)
    (report,) = result.reports
    sealed = [f for f in report.findings if f.rule == "page_sealed"]
    assert [(f.severity, f.actual) for f in sealed] == [("info", "1")] and "页1盖章" in sealed[0].message
    con = connect(":memory:")
    store_group(con, [Pending(result)])
    assert con.execute("SELECT rule, severity, actual FROM findings WHERE rule = 'page_sealed'").fetchall() == [("page_sealed", "info", "1")]


def test_an_unsealed_scan_has_no_seal_finding(scanned):
    (report,) = scanned("national", "askew+2").reports
    assert not [f for f in report.findings if f.rule == "page_sealed"]


def test_onnxruntime_reads_a_scan_as_openvino_does(scanned, files, tmp_path):
    """OpenVINO runs the OCR models where installed (about twice as fast here); onnxruntime, RapidOCR's
    own runtime, stays the reference: the same scan reads to the same values, prose and boxes under both."""
    from dataclasses import asdict

    from jixiao.extract import ocr
    from tests.helpers import ocr_runtime

    assert ocr.runtime() == "openvino"
    fast = scanned("national", "red-seal")
    pdf = O.office_scan(files[DOCUMENTS["national"][0]], O.scan("red-seal"), tmp_path / "national-red-seal.pdf")
    with ocr_runtime("onnxruntime"):
        assert ocr.runtime() == "onnxruntime"
        reference = read_file(pdf)
    (got,), (want,) = fast.reports, reference.reports
    assert as_read(got) == as_read(want)
    assert [asdict(f) for f in got.fields] == [asdict(f) for f in want.fields]


def test_readers_on_a_share_of_the_cores_read_a_scan_as_one_on_all(scanned, files, tmp_path):
    """Readers of several files share the cores: on two cores each runs its OCR on one thread (two
    readers with both threads each read no more pages together than one), and reads the same values,
    prose and boxes as the in-process read on every core. A lone file's reader has every core."""
    import os
    from dataclasses import asdict

    from jixiao.base.model import DocumentResult, doc_id_of

    def read_in_pool(paths):
        from jixiao.ingest.workers import WorkerPool

        with WorkerPool(2, timeout_s=600, target="tests.helpers:read_path_saying_ocr_threads") as pool:
            tasks = [(str(p), doc_id_of(p.read_bytes()), None) for p in paths]
            return {r.path: r for r in pool.run(tasks) if isinstance(r, DocumentResult)}

    cores = os.cpu_count() or 1
    whole = scanned("national", "red-seal")
    pdf = O.office_scan(files[DOCUMENTS["national"][0]], O.scan("red-seal"), tmp_path / "national-red-seal.pdf")
    word = files[DOCUMENTS["national"][1]]
    shared = read_in_pool([pdf, word])
    assert {r.error_detail for r in shared.values()} == {f"ocr threads {max(1, cores // 2)}"}
    (got,), (want,) = shared[str(pdf)].reports, whole.reports
    assert as_read(got) == as_read(want)
    assert [asdict(f) for f in got.fields] == [asdict(f) for f in want.fields]
    [alone] = read_in_pool([word]).values()
    assert alone.error_detail == f"ocr threads {cores}"


def _page_image(pdf, page: int = 1):
    import cv2
    import pypdfium2 as pdfium

    from jixiao.extract.ocr import DPI

    doc = pdfium.PdfDocument(str(pdf))
    try:
        rgb = doc[page - 1].render(scale=DPI / 72, rev_byteorder=True).to_numpy()[:, :, :3].copy()
    finally:
        doc.close()
    return rgb, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.mark.parametrize("name,angle", [("askew+2", 2.0), ("askew-1", -1.0)])
def test_the_skew_is_measured_from_the_ruling_lines(files, tmp_path, name, angle):
    from jixiao.extract.ocr import skew_angle

    pdf = O.office_scan(files[DOCUMENTS["national"][0]], O.scan(name), tmp_path / "scan.pdf", pages=(1, 1))
    assert skew_angle(_page_image(pdf)[1]) == pytest.approx(angle, abs=0.15)


def test_an_upright_page_is_not_resampled(files):
    from jixiao.extract.ocr import remove_seals, straighten

    rgb, gray = _page_image(files[DOCUMENTS["national"][0]])
    cleaned, seals = remove_seals(rgb)
    assert seals == [] and (cleaned == gray).all()
    assert straighten(cleaned) is cleaned


def test_a_photographed_tables_keystone_is_undone(files, tmp_path):
    import numpy as np

    from jixiao.extract.ocr import _table_quad, remove_seals, straighten

    pdf = O.office_scan(files[DOCUMENTS["national"][0]], O.scan("photo"), tmp_path / "photo.pdf", pages=(1, 1))
    gray, _ = remove_seals(_page_image(pdf)[0])
    (tl, tr, br, bl) = _table_quad(gray)
    assert abs(tl[1] - tr[1]) > 15 and abs((tr[0] - tl[0]) - (br[0] - bl[0])) > 15  # the photo's keystone
    (tl, tr, br, bl) = _table_quad(straighten(gray))
    assert np.abs([tl[1] - tr[1], bl[1] - br[1], tl[0] - bl[0], tr[0] - br[0]]).max() <= 3
