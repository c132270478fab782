"""A report as a phone photo, a multi-page TIFF, a JPEG 2000 scan, a portal's saved web page (.html), an .mht whose form
is a picture and an OFD: each reads with the same values as the Word original (tests/fixtures/more_formats.py)."""

from __future__ import annotations

import pytest

from jixiao.ingest.reading import read_file
from tests.extract.scanned import as_read, assert_prose_alike
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fixtures import more_formats as M

pytestmark = [pytest.mark.ocr]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("formats")
    v = F.VARIANTS[0]
    score = builder.write_docx(F.score_20_80_document(F.SCORE_20_80, v), out / "score.docx")
    national = builder.write_docx(F.national_document(F.NATIONAL, v), out / "national.docx")
    score_pdf, national_pdf = builder.soffice_convert([score, national], "pdf", out / "pdf")
    (exported,) = builder.soffice_convert([national], "html", out / "html")
    from tests.fixtures.ofd import pdf_to_ofd

    return {
        "score.docx": score,
        "national.docx": national,
        "national.ofd": pdf_to_ofd(national_pdf, out / "national.ofd"),
        "photo.jpg": M.phone_photo(score_pdf, out / "photo.jpg"),
        "scan.tiff": M.scanner_tiff(national_pdf, out / "scan.tiff"),
        "scan.jp2": M.records_jp2(score_pdf, out / "scan.jp2"),
        "portal.html": M.portal_html(exported, out / "portal.html"),
        "picture.mht": M.picture_mht(score_pdf, out / "picture.mht"),
    }


@pytest.mark.parametrize(
    "name,original,fmt,pages,ocr",
    [
        ("photo.jpg", "score.docx", "jpeg", 1, True),
        ("scan.tiff", "national.docx", "tiff", 3, True),
        ("scan.jp2", "score.docx", "jp2", 1, True),  # a format added by its line in the registry alone
        ("portal.html", "national.docx", "html", 1, False),
        ("picture.mht", "score.docx", "mht", 2, True),
        ("national.ofd", "national.docx", "ofd", 2, False),
    ],
)
def test_each_format_reads_like_the_word_original(files, name, original, fmt, pages, ocr):
    result = read_file(files[name])
    assert (result.status, result.format, result.n_pages, result.ocr) == ("ok", fmt, pages, ocr), result.error
    (report,) = result.reports
    (want,) = read_file(files[original]).reports
    got, want = as_read(report), as_read(want)
    assert_prose_alike(got, want, headings=False)
    assert got == want


def test_the_portals_own_lines_are_not_the_reports(files):
    """Breadcrumb, 发布日期/来源/浏览次数 and the footer are the portal's: not paragraphs of the report."""
    from jixiao.extract import read_document

    doc = read_document(files["portal.html"].read_bytes())
    text = "\n".join(p.text for p in doc.paragraphs)
    for line in ("当前位置", "发布日期", "浏览次数", "备案号", "政务公开"):
        assert line not in text
    assert doc.tables and any("项目名称" in c.text for c in doc.tables[0].cells)


def test_an_image_that_is_no_page_says_so(tmp_path):
    from PIL import Image

    path = tmp_path / "blank.png"
    Image.new("RGB", (1654, 2339), (255, 255, 255)).save(path)
    result = read_file(path)
    assert result.status == "failed" and result.error.startswith("OCR found no text in the image")
    damaged = tmp_path / "cut.jpg"
    damaged.write_bytes(files_head := b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    assert read_file(damaged).error.startswith("The image file is damaged or truncated") and files_head


def test_the_seed_as_ofd_reads_like_its_word_original(seed_files, tmp_path):
    """Eleven pages of tables and prose issued as OFD: every value, section and fact as the .docx gives them."""
    from tests.fixtures.ofd import pdf_to_ofd

    result = read_file(pdf_to_ofd(seed_files["pdf-text"], tmp_path / "seed.ofd"))
    assert (result.status, result.format, result.n_pages, result.coverage_pct) == ("ok", "ofd", 11, 100)
    (report,) = result.reports
    (want,) = read_file(seed_files["docx-text"]).reports
    assert as_read(report) == as_read(want)


def test_a_damaged_ofd_says_so(files, tmp_path):
    data = files["national.ofd"].read_bytes()
    (tmp_path / "cut.ofd").write_bytes(data[: len(data) // 2])
    result = read_file(tmp_path / "cut.ofd")
    assert result.status == "failed" and result.error_kind == "file" and "OFD" in result.error, result.error


def test_an_archive_is_walked_like_a_folder(files, seed_files, tmp_path):
    """「2022年度绩效自评材料.zip」 zipped on Windows (GBK names, a nested folder) holding the seed as .docx, the
    photo, the TIFF, the web pages and the OFD, and a .7z inside it with the seed's PDF: every member is
    read under its archive's path, with the values its loose file gives; an unchanged archive is not
    read again."""
    import os
    import subprocess
    import sys

    from tests.fixtures import more_formats as M
    from tests.helpers import rows

    inner = M.seven_zip(tmp_path / "inner.7z", {"扫描件/种子报告.pdf": seed_files["pdf-text"].read_bytes()})
    members = {
        "2022年度/政务服务/种子报告.docx": seed_files["docx-text"].read_bytes(),
        "2022年度/照片/手机拍照.jpg": files["photo.jpg"].read_bytes(),
        "2022年度/扫描/扫描件.tiff": files["scan.tiff"].read_bytes(),
        "2022年度/网页/公开.html": files["portal.html"].read_bytes(),
        "2022年度/网页/图片.mht": files["picture.mht"].read_bytes(),
        "2022年度/版式/自评表.ofd": files["national.ofd"].read_bytes(),
        "2022年度/更多.7z": inner.read_bytes(),
        "2022年度/说明.txt": "请查收".encode("gbk"),
    }
    folder = tmp_path / "in"
    folder.mkdir()
    archive = M.windows_zip(folder / "2022年度绩效自评材料.zip", members)
    db = tmp_path / "w.duckdb"
    jixiao = [sys.executable, "-m", "jixiao.cli"]
    run = subprocess.run(jixiao + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    stored = dict(rows(db, "SELECT p.path, d.status FROM document_paths p JOIN documents d USING (doc_id)"))
    prefix = f"{archive}!/"
    assert stored == {prefix + name: "ok" for name in members if name.endswith((".docx", ".jpg", ".tiff", ".html", ".mht", ".ofd"))} | {
        f"{prefix}2022年度/更多.7z!/扫描件/种子报告.pdf": "ok"
    }
    by_path = {
        p: (name, spent)
        for p, name, spent in rows(
            db,
            """SELECT d.path, r.project_name, r.spent_yuan FROM reports r
                                                                  JOIN documents d USING (doc_id)""",
        )
    }
    seed = read_file(seed_files["docx-text"]).reports[0]
    assert by_path[prefix + "2022年度/政务服务/种子报告.docx"] == (seed.project_name, seed.spent_yuan)
    assert by_path[f"{prefix}2022年度/更多.7z!/扫描件/种子报告.pdf"] == (seed.project_name, seed.spent_yuan)
    national = read_file(files["national.docx"]).reports[0]
    for name in ("扫描/扫描件.tiff", "网页/公开.html", "版式/自评表.ofd"):
        assert by_path[f"{prefix}2022年度/{name}"] == (national.project_name, national.spent_yuan), name
    again = subprocess.run(jixiao + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and '"unchanged": 7' in again.stdout and '"stored": 0' in again.stdout, again.stdout
    os.utime(archive, None)  # the archive changed (by its time): its members are looked at again, their bytes are stored
    third = subprocess.run(jixiao + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, text=True, timeout=300)
    assert '"already_stored": 7' in third.stdout and '"stored": 0' in third.stdout, third.stdout


def test_an_archive_bomb_is_refused_with_a_sentence(tmp_path):
    import zipfile

    from jixiao.ingest.listing import list_files

    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("报告.docx", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b"\0" * (1024 * 1024))
    (tmp_path / "locked.zip").write_bytes((tmp_path / "bomb.zip").read_bytes()[:200])
    listing = list_files([tmp_path])
    why = {p.name: reason for p, reason in listing.failed}
    assert "looks like a zip bomb" in why["bomb.zip"] and "damaged or not a complete zip file" in why["locked.zip"]
