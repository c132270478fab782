"""Coverage, measured and shown: per document in the warehouse, per report as a finding, per cell on request."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from jixiao.cli import main
from jixiao.ingest.reading import read_file
from tests.fixtures import builder
from tests.fixtures import families as F
from tests.fixtures.builder import FCell as C
from tests.fixtures.forms import Variant


def _weak_form() -> list[tuple]:
    """A national form whose office added a block the lexicon does not know (资金监管情况)."""
    parts = F.national_parts(F.NATIONAL, Variant())
    rows = [row for part in parts if part.name in ("head", "money") for row in part.rows]
    rows.append([C("资金监管情况", 9)])
    rows.append([C("监管环节", 3), C("监管方式", 2), C("检查次数", 2), C("发现问题", 2)])
    for stage, how, n, found in [
        ("拨付", "现场核查", "4", "无"),
        ("使用", "抽查凭证", "6", "票据不全"),
        ("验收", "第三方评估", "2", "整改完成"),
        ("归档", "资料审查", "3", "资料补齐"),
        ("公示", "网上公开", "1", "按时公示"),
        ("回访", "电话回访", "5", "群众满意"),
    ]:
        rows.append([C(stage, 3), C(how, 2), C(n, 2), C(found, 2)])
    return [("p", "项目支出绩效自评表", {}), ("p", "（2022年度）", {}), ("table", rows)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coverage")
    builder.build_seed(folder, "text", "seed")
    builder.write_docx(_weak_form(), folder / "weak.docx")
    return folder


def test_weak_report_gets_a_low_coverage_finding_naming_its_cells(archive):
    result = read_file(archive / "weak.docx")
    (report,) = result.reports
    assert result.coverage_pct < Decimal(85)
    low = next(f for f in report.findings if f.rule == "low_coverage")
    assert "t1.r" in low.message and "监管环节" in low.message
    assert low.expected == "85" and Decimal(low.actual) == result.coverage_pct
    assert any(f.rule == "unknown_block" and "资金监管情况" in f.message for f in report.findings)
    assert report.spent_yuan == Decimal("1155600.00")  # what it knows it still reads


def test_seed_is_fully_understood(archive):
    result = read_file(archive / "seed.docx")
    assert result.coverage_pct == Decimal("100.00") and result.coverage.unread == []
    assert not any(f.rule == "low_coverage" for f in result.reports[0].findings)


@pytest.mark.slow
def test_ingest_stores_coverage_and_prints_it(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    out = CliRunner().invoke(main, ["ingest", str(archive), "--db", str(db)])
    assert out.exit_code == 0, out.output
    line = next(line for line in out.output.splitlines() if line.startswith("coverage:"))
    assert "1 documents under 85" in line
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict(con.execute("SELECT regexp_extract(path, '[a-z]+\\.docx'), coverage_pct FROM documents").fetchall())
        assert got["seed.docx"] == Decimal("100.00") and got["weak.docx"] < Decimal("85")
        unread = con.execute("""SELECT u.place, u.text FROM unread u JOIN documents d USING (doc_id)
                                WHERE d.path LIKE '%weak.docx' ORDER BY u.place""").fetchall()
        assert ("t1.r9.c1", "监管环节") in unread and len(unread) >= 20
    finally:
        con.close()
    labels = CliRunner().invoke(main, ["labels", "--db", str(db)])
    assert labels.exit_code == 0
    assert any("资金监管情况" in line and "weak.docx" in line for line in labels.output.splitlines())


def test_show_unread_lists_the_cells_not_understood(archive):
    out = CliRunner().invoke(main, ["show", str(archive / "weak.docx"), "--unread"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "understood" in lines[0] and "%" in lines[0]
    assert any(line.split()[0] == "t1.r10.c1" and line.split()[-1] == "拨付" for line in lines[1:])


@pytest.mark.slow
def test_a_not_report_says_which_signs_of_a_report_it_lacks(tmp_path):
    """A meeting notice and a page of text: readable files that are no report; show --unread, the read result
    and the warehouse say why (the form's and the narrative's signs they lack), the failed files' error stays
    theirs alone."""
    folder = tmp_path / "files"
    builder.write_docx(F.meeting_notice(), folder / "notice.docx")
    builder.write_docx([("p", "2022年度绩效自评报告", {}), ("p", "本单位认真开展了自评工作。", {})], folder / "titled.docx")
    notice = read_file(folder / "notice.docx")
    assert notice.status == "not_report" and notice.error is None
    reason = notice.not_report_reason
    assert "A form (other_form) needs" in reason and "a named project, department or unit" in reason
    assert "needs 2 of its 3 signs and shows 0" in reason  # no title, figure or heading of a report narrative
    titled = read_file(folder / "titled.docx")
    assert "shows 1 (a title naming a performance evaluation" in titled.not_report_reason
    assert "missing: a sentence stating the amount spent or the execution rate" in titled.not_report_reason
    out = CliRunner().invoke(main, ["show", str(folder / "notice.docx"), "--unread"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].startswith(f"{folder / 'notice.docx'}: not a report. Not taken as a report.")
    db = tmp_path / "w.duckdb"
    assert CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)]).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = dict(con.execute("SELECT regexp_extract(path, '[a-z]+\\.docx'), not_report_reason FROM documents").fetchall())
    finally:
        con.close()
    assert stored == {"notice.docx": reason, "titled.docx": titled.not_report_reason}
