"""The review desk over a real ingested archive, through HTTP in-process: what each page shows, where a
value's box lies, what a correction and a review change, and what the desk refuses."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from html import unescape

import duckdb
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from jixiao.cli import main
from jixiao.desk import create_app
from tests.desk.conftest import in_chinese
from tests.helpers import rows

BASE = "http://127.0.0.1:8000"


def _report_of(db, path_end: str) -> str:
    [(rid,)] = rows(db, "SELECT report_id FROM reports JOIN documents USING (doc_id) WHERE path LIKE ?", [f"%{path_end}"])
    return rid


def _client(db, tmp_path, **kw) -> TestClient:
    return TestClient(create_app(db, pages_dir=tmp_path / "pages", user="审核员", **kw), base_url=BASE)


def _form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html)[1]


def _viewer(html: str) -> tuple[list, dict]:
    sizes = json.loads(unescape(re.search(r'data-sizes="([^"]*)"', html)[1]))
    boxes = json.loads(unescape(re.search(r'data-boxes="([^"]*)"', html)[1]))
    return sizes, boxes


def _field_of_value(html: str, column: str) -> str:
    return re.search(rf'id="value-{column}"[^>]*data-field="(\d+)"', html)[1]


@pytest.mark.slow
def test_overview_counts_charts_and_lists_failed_files(desk_db, tmp_path):
    html = _client(desk_db, tmp_path).get("/").text
    assert re.search(r'id="n-reports">5<', html) and re.search(r'id="n-failed">1<', html)
    assert re.search(r'id="n-open">2<', html)  # the planted report's two contradictions
    assert "broken.pdf" in html and "The PDF is damaged" in html
    not_reports = re.search(r'<table id="not-reports">(.*?)</table>', html, re.S)[1]  # which signs of a report it lacks
    assert "notice.docx" in not_reports and "Not taken as a report." in not_reports and "other_form" in not_reports
    # one bar per unit and year that has a rate, titled with its value as the warehouse holds it
    bars = re.findall(r'<rect class="bar"[^>]*><title>([^<]+)</title>', html)
    expected = rows(desk_db, "SELECT unit, fiscal_year, weighted_execution_rate_pct FROM v_unit_year")
    assert sorted(bars) == sorted(f"{u} {y}: {r}%" for u, y, r in expected) and len(bars) == 5
    for year, n in rows(desk_db, "SELECT fiscal_year, count(*) FROM reports GROUP BY 1"):
        assert re.search(rf'href="/reports\?year={year}">{year}</a></td>\s*<td class="n">{n}<', html)


def test_report_list_filters_by_rate_year_and_unit(desk_db, tmp_path):
    client = _client(desk_db, tmp_path)
    under = client.get("/reports", params={"under": "81"}).text
    assert "农村道路养护项目" in under and "政务服务及政务大厅运转经费" in under and "农村道路建设项目" not in under
    assert "城市管理综合执法专项经费" not in client.get("/reports", params={"year": "2021"}).text
    by_unit = client.get("/reports", params={"unit": "区交通运输局"}).text
    assert by_unit.count('href="/report/') == 2


def test_lists_come_a_page_at_a_time_with_their_filters(desk_db, tmp_path, monkeypatch):
    """Counted and cut in SQL: every report once over the pages, in the list's order, each page linking
    to the next with the same filters; a page past the end shows the last."""
    from jixiao.desk import data

    monkeypatch.setattr(data, "PAGE_ROWS", 2)
    client = _client(desk_db, tmp_path)
    seen, url = [], "/reports"
    while url:
        html = client.get(url).text
        seen += re.findall(r'href="/report/([^"]+)"', html)
        following = re.search(r'href="([^"]+)" rel="next"', html)
        url = "/reports" + unescape(following[1]) if following else None
    ordered = rows(
        desk_db,
        """SELECT report_id FROM reports WHERE duplicate_of IS NULL
                               ORDER BY fiscal_year DESC NULLS LAST, coalesce(implementing_unit, department), project_name, report_id""",
    )
    assert seen == [rid for (rid,) in ordered] and len(seen) == 5
    assert "Reports 1–2 of 5 (page 1/3)" in client.get("/reports").text
    with in_chinese():
        assert "第 1–2 份，共 5 份（第 1/3 页）" in client.get("/reports").text
    last = client.get("/reports", params={"page": "9"}).text
    assert "Reports 5–5 of 5 (page 3/3)" in last and 'rel="next"' not in last
    # the filter travels with the page links
    assert re.search(r'href="\?under=101&amp;page=2" rel="next"', client.get("/reports", params={"under": "101"}).text)
    findings = client.get("/findings", params={"verdict": "open"}).text
    assert "Findings 1–2 of 2" in findings and 'rel="next"' not in findings
    with in_chinese():
        assert "第 1–2 条，共 2 条" in client.get("/findings", params={"verdict": "open"}).text


def test_a_pdf_value_is_shown_with_its_own_cell(desk_db, tmp_path):
    rid = _report_of(desk_db, "2021_planted.pdf")
    html = _client(desk_db, tmp_path).get(f"/report/{rid}").text
    sizes, boxes = _viewer(html)
    assert len(sizes) == rows(desk_db, "SELECT n_pages FROM documents WHERE path LIKE '%planted.pdf'")[0][0]
    n = _field_of_value(html, "spent_yuan")
    page, x0, y0, x1, y1, how = boxes[n]
    [(want,)] = rows(desk_db, "SELECT [page, x0, y0, x1, y1] FROM fields WHERE report_id = ? AND key = 'funding.county.spent_yuan'", [rid])
    assert [page, x0, y0, x1, y1] == want and how == "cell"
    assert "944,400.00" in html and "支出金额: 94.44 (page 3)" in html
    with in_chinese():
        assert "支出金额：94.44（第 3 页）" in _client(desk_db, tmp_path).get(f"/report/{rid}").text
    # the box lies on its page, where the page's own text has 94.44
    import pdfplumber

    path = rows(desk_db, "SELECT path FROM documents WHERE path LIKE '%planted.pdf'")[0][0]
    with pdfplumber.open(path) as pdf:
        words = pdf.pages[page - 1].crop((x0, y0, x1, y1)).extract_text()
    assert "94.44" in words


@pytest.mark.slow
def test_a_word_file_is_converted_once_and_its_values_found_by_text(desk_db, tmp_path):
    rid = _report_of(desk_db, "2021_rural_roads_build.docx")
    client = _client(desk_db, tmp_path)
    html = client.get(f"/report/{rid}").text
    converted = list((tmp_path / "pages").glob("*.pdf"))
    assert len(converted) == 1
    made = converted[0].stat().st_mtime_ns
    sizes, boxes = _viewer(html)
    page, x0, y0, x1, y1, how = boxes[_field_of_value(html, "spent_yuan")]
    assert how == "text" and 0 <= x0 < x1 <= sizes[page - 1][0] and 0 <= y0 < y1 <= sizes[page - 1][1]
    import pdfplumber

    [(spent,)] = rows(desk_db, "SELECT value FROM fields WHERE report_id = ? AND key LIKE '%spent_yuan' LIMIT 1", [rid])
    with pdfplumber.open(converted[0]) as pdf:
        assert spent in pdf.pages[page - 1].crop((x0, y0, x1, y1)).extract_text()
    client.get(f"/report/{rid}")
    assert converted[0].stat().st_mtime_ns == made  # not converted again
    png = client.get(f"/source/{converted[0].stem}/{page}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_source_pages_come_only_from_stored_documents(desk_db, tmp_path):
    client = _client(desk_db, tmp_path)
    [(doc_id, path)] = rows(desk_db, "SELECT doc_id, path FROM documents WHERE path LIKE '%planted.pdf'")
    assert client.get(f"/source/{doc_id}/1.png").status_code == 200
    assert client.get(f"/source/{doc_id}/99.png").status_code == 404
    assert client.get(f"/source/{'0' * 64}/1.png").status_code == 404  # not in the warehouse
    assert client.get("/source/..%2F..%2Fetc%2Fpasswd/1.png").status_code == 404
    assert client.get("/source/" + path.replace("/", "%2F") + "/1.png").status_code == 404


def test_a_moved_or_changed_source_is_said_not_guessed(desk_db, tmp_path):
    rid = _report_of(desk_db, "2021_planted.pdf")
    [(path,)] = rows(desk_db, "SELECT path FROM documents WHERE path LIKE '%planted.pdf'")
    copy = tmp_path / "planted.pdf"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(desk_db))
    con.execute("UPDATE documents SET path = ? WHERE path = ?", [str(copy), path])
    con.execute("UPDATE document_paths SET path = ? WHERE path = ?", [str(copy), path])
    con.close()
    client = _client(desk_db, tmp_path)
    assert "source-missing" not in client.get(f"/report/{rid}").text
    copy.write_bytes(copy.read_bytes() + b"\n% changed")
    html = client.get(f"/report/{rid}").text
    assert 'id="source-missing"' in html and "no longer at" in html
    assert "944,400.00" in html  # the values are still shown


@pytest.mark.slow
def test_a_correction_is_kept_apart_and_changes_v_spending(desk_db, tmp_path):
    rid = _report_of(desk_db, "2021_planted.pdf")
    client = _client(desk_db, tmp_path)
    key = _form_key(client.get(f"/report/{rid}").text)
    with in_chinese():  # the column as a Chinese reader names it
        answer = client.post(
            f"/report/{rid}/correct",
            headers={"HX-Request": "true", "X-Form-Key": key},
            data={"column": "execution_rate_pct", "value": "74.36%", "reason": "94.44 ÷ 127", "by": "王审核"},
        )
    assert "已更正 执行率（%）：80.00 → 74.36" in answer.text
    assert rows(desk_db, "SELECT execution_rate_pct FROM reports WHERE report_id = ?", [rid]) == [(Decimal("80.00"),)]
    assert rows(desk_db, "SELECT execution_rate_pct FROM v_spending WHERE report_id = ?", [rid]) == [(Decimal("74.36"),)]
    assert rows(desk_db, "SELECT column_name, old_value, new_value, corrected_by, reason FROM corrections") == [
        ("execution_rate_pct", "80.00", "74.36", "王审核", "94.44 ÷ 127")
    ]
    # a value the column cannot hold is refused with its sentence, and nothing is written
    bad = client.post(
        f"/report/{rid}/correct",
        headers={"HX-Request": "true", "X-Form-Key": key},
        data={"column": "spent_yuan", "value": "很多", "reason": "x", "by": "王审核"},
    )
    assert "「很多」 is not a value spent can hold;" in bad.text
    assert 'id="rate-differs"' not in answer.text  # 74.36 is what 94.44 ÷ 127 gives
    spent = client.post(
        f"/report/{rid}/correct",
        headers={"HX-Request": "true", "X-Form-Key": key},
        data={"column": "spent_yuan", "value": "95万元", "reason": "原表", "by": "王审核"},
    )
    assert "Spent ÷ budget gives 74.80%" in spent.text  # the stated rate no longer fits the corrected figure: said beside it
    assert rows(desk_db, "SELECT count(*) FROM corrections") == [(2,)]
    listed = CliRunner().invoke(main, ["corrections", "--db", str(desk_db)]).output
    assert "execution_rate_pct: 80.00 → 74.36" in listed
    # the export says which values were corrected, and by whom
    out = tmp_path / "export"
    assert CliRunner().invoke(main, ["export", "--db", str(desk_db), "--format", "csv", "--out", str(out)]).exit_code == 0
    import csv

    with (out / "v_reports.csv").open(encoding="utf-8-sig") as f:
        exported = {row["report_id"]: row for row in csv.DictReader(f)}
    assert exported[rid]["execution_rate_pct"] == "74.36" and "execution_rate_pct" in exported[rid]["corrected_columns"]
    assert (out / "corrections.csv").read_text(encoding="utf-8-sig").count("王审核") == 2


@pytest.mark.slow
def test_a_review_is_recorded_and_survives_reingest(desk_db, desk_archive, tmp_path):
    rid = _report_of(desk_db, "2021_planted.pdf")
    client = _client(desk_db, tmp_path)
    page = client.get("/findings", params={"rule": "execution_rate_matches"}).text
    assert page.count('class="finding ') == 1
    [(message,)] = rows(desk_db, "SELECT message FROM findings WHERE rule = 'execution_rate_matches'")
    row = client.post(
        "/findings/review",
        headers={"HX-Request": "true", "X-Form-Key": _form_key(page)},
        data={
            "report_id": rid,
            "rule": "execution_rate_matches",
            "message": message,
            "verdict": "confirmed",
            "note": "原表支出率填错",
            "by": "王审核",
        },
    )
    assert "verdict-confirmed" in row.text and "原表支出率填错" in row.text
    for again in ([], ["--reread"]):
        assert CliRunner().invoke(main, ["ingest", str(desk_archive), "--db", str(desk_db), *again]).exit_code == 1
        assert rows(desk_db, "SELECT verdict, review_note, reviewed_by FROM v_findings WHERE rule = 'execution_rate_matches'") == [
            ("confirmed", "原表支出率填错", "王审核")
        ]
    confirmed = client.get("/findings", params={"verdict": "confirmed"}).text
    assert confirmed.count('class="finding ') == 1 and "<b>Confirmed wrong</b>" in confirmed
    with in_chinese():
        assert "<b>确认有误</b>" in client.get("/findings", params={"verdict": "confirmed"}).text
    assert client.get("/findings", params={"verdict": "open"}).text.count('class="finding ') == 1


def test_changes_without_the_form_key_are_refused(desk_db, tmp_path):
    rid = _report_of(desk_db, "2021_planted.pdf")
    client = _client(desk_db, tmp_path)
    answer = client.post(f"/report/{rid}/correct", data={"column": "spent_yuan", "value": "1", "reason": "x", "by": "y"})
    assert answer.status_code == 403
    answer = client.post(
        f"/report/{rid}/correct", headers={"X-Form-Key": "guessed"}, data={"column": "spent_yuan", "value": "1", "reason": "x", "by": "y"}
    )
    assert answer.status_code == 403
    assert rows(desk_db, "SELECT count(*) FROM corrections") == [(0,)]


@pytest.mark.parametrize("host", ["evil.example", "192.168.1.5:8000", "127.0.0.1.evil.example"])
def test_loopback_answers_only_to_loopback_names(desk_db, tmp_path, host):
    client = _client(desk_db, tmp_path)
    assert client.get("/", headers={"host": host}).status_code == 421
    for own in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert client.get("/", headers={"host": own}).status_code == 200, own


def test_another_address_needs_the_token_on_every_request(desk_db, tmp_path):
    client = TestClient(
        create_app(desk_db, pages_dir=tmp_path / "pages", token="s3cret-token", loopback=False),
        base_url="http://10.0.0.7:8000",
        follow_redirects=False,
    )
    assert client.get("/").status_code == 401
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert client.get("/static/desk.css").status_code == 401
    opened = client.get("/reports", params={"token": "s3cret-token"})
    assert opened.status_code == 303 and opened.headers["location"] == "http://10.0.0.7:8000/reports"
    assert client.get("/reports").status_code == 200  # the cookie carries it from now on
    fresh = TestClient(create_app(desk_db, pages_dir=tmp_path / "pages", token="s3cret-token", loopback=False), base_url="http://10.0.0.7:8000")
    assert fresh.get("/", headers={"authorization": "Bearer s3cret-token"}).status_code == 200


def test_pages_keep_to_themselves(desk_db, tmp_path):
    answer = _client(desk_db, tmp_path).get("/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    html = answer.text
    assert "<script>" not in html and "https://" not in html  # no inline script, nothing from elsewhere
    assert _client(desk_db, tmp_path).get("/static/htmx.min.js").text.startswith("var htmx=")


def test_an_unknown_report_and_a_busy_warehouse_are_sentences(desk_db, tmp_path):
    client = _client(desk_db, tmp_path)
    answer = client.get("/report/nothing:1")
    assert answer.status_code == 404 and "There is no report nothing:1 in this warehouse." in answer.text
    holder = duckdb.connect(str(desk_db))  # another writer holds the file (here: this process, another config)
    try:
        answer = client.get("/")
        assert answer.status_code == 503 and 'id="error"' in answer.text
    finally:
        holder.close()


def test_serve_refuses_a_missing_warehouse_and_a_taken_port(tmp_path, desk_db):
    run = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert run.exit_code == 3 and "There is no warehouse at" in run.output
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = CliRunner().invoke(main, ["serve", "--db", str(desk_db), "--port", str(port)])
    assert run.exit_code == 2 and f"Cannot listen on 127.0.0.1:{port}" in run.output


def test_a_page_that_claims_to_be_huge_is_shown_within_a_pixel_budget(tmp_path):
    """A PDF page of 5 × 5 metres (/MediaBox [0 0 14400 14400]) would render to 470 million pixels at the
    desk's scale; it is shown at most MAX_PIXELS."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    from jixiao.desk.sources import MAX_PIXELS, _png

    doc = pdfium.PdfDocument.new()
    doc.new_page(14400, 14400)
    path = tmp_path / "huge.pdf"
    doc.save(str(path))
    doc.close()
    image = Image.open(io.BytesIO(_png(str(path), path.stat().st_mtime_ns, 1)))
    assert image.width * image.height <= MAX_PIXELS and image.width == image.height > 1000


def test_search_finds_a_sentence_with_its_report_and_year(desk_db, tmp_path):
    client = _client(desk_db, tmp_path)
    html = client.get("/search", params={"q": "预算数与决算数存在差距", "kind": "problem"}).text
    rows = re.findall(r'<tr><td>(\d{4})</td><td><a href="/report/([^"]+)">([^<]+)</a></td>.*?<td class="sentence">([^<]+)</td></tr>', html, re.S)
    assert rows and rows[0][0] == "2021" and rows[0][2] == "政务服务及政务大厅运转经费"
    assert "预算数与决算数存在差距的原因" in rows[0][3]
    assert client.get(f"/report/{rows[0][1]}").status_code == 200
    assert "No sentence holds these words." in client.get("/search", params={"q": "量子计算机"}).text
    assert 'id="nav-search"' in client.get("/").text


@pytest.mark.slow
def test_a_copy_names_its_original_by_year_and_project_and_a_missing_region_leaves_no_gap(desk_db, tmp_path, chinese):
    """A copy's page links to its original as 「2021 年度 政务服务…」, never by its 64-character id; a report with no
    region shows its year, unit and layout without an empty 「· ·」."""
    original = _report_of(desk_db, "2021_planted.pdf")
    copy = _report_of(desk_db, "2022_rural_roads_upkeep.docx")
    con = duckdb.connect(str(desk_db))
    con.execute("UPDATE reports SET duplicate_of = ?, region = NULL WHERE report_id = ?", [original, copy])
    con.close()
    html = _client(desk_db, tmp_path).get(f"/report/{copy}").text
    link = re.search(r'<a href="/report/([^"]+)" id="original">([^<]+)</a>', html)
    assert link.groups() == (original, "2021 年度 政务服务及政务大厅运转经费")
    meta = " ".join(re.search(r'<p class="meta">(.*?)<br>', html, re.S)[1].split())
    assert meta == "2022 年度 · 区交通运输局 · 版式 national_project · 项目支出"
    assert original not in re.sub(r'href="[^"]*"|value="[^"]*"', "", html)  # the id only in links and forms
