"""The Excel and CSV exports an analyst opens: the views first, rows in order, filters, formats, Chinese throughout."""

from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from jixiao.cli import main
from jixiao.warehouse.export import EXPORTED, chinese_headers, file_stem, header_for


@pytest.fixture(scope="module")
def chinese_book(cross_year_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx")
    result = CliRunner().invoke(main, ["export", "--format", "xlsx", "--out", str(out), "--chinese", "--db", str(cross_year_db)])
    assert result.exit_code == 0, result.output
    return out / "jixiao.xlsx"


def _rows(book, sheet):
    rows = list(book[sheet].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


@pytest.mark.slow
def test_the_analyst_views_come_first_in_year_and_unit_order(chinese_book):
    book = load_workbook(chinese_book)
    assert book.sheetnames[:4] == ["逐年支出", "单位年度", "自评得分", "文件"]
    header, rows = _rows(book, "单位年度")
    assert header[:2] == ["单位", "年度"]
    assert [(r[1], r[0]) for r in rows] == [
        (2020, "区城市管理局"),
        (2021, "区交通运输局"),
        (2021, "区城市管理局"),
        (2022, "区交通运输局"),
        (2022, "区城市管理和综合执法局"),
    ]  # 交 before 城 in code-point order
    header, rows = _rows(book, "逐年支出")
    years = [r[header.index("年度")] for r in rows]
    assert years == sorted(years) == [2020, 2021, 2021, 2022, 2022]


def test_every_sheet_has_a_filter_widths_and_number_formats(chinese_book):
    book = load_workbook(chinese_book)
    spending = book["逐年支出"]
    header, rows = _rows(book, "逐年支出")
    assert spending.auto_filter.ref == f"A1:{spending.cell(1, len(header)).column_letter}{len(rows) + 1}"
    assert all(book[name].auto_filter.ref and book[name].auto_filter.ref.startswith("A1:") for name in book.sheetnames)
    money = spending.cell(2, header.index("实际支出（元）") + 1)
    rate = spending.cell(2, header.index("执行率（%）") + 1)
    assert (money.value, money.number_format) == (1140000, "#,##0.00")
    assert (rate.value, rate.number_format) == (95, '0.00"%"')  # 95.00 held, 95.00% shown
    assert spending.cell(2, header.index("执行率为计算值") + 1).value == "否"  # a boolean as a word
    width = {h: spending.column_dimensions[spending.cell(1, i + 1).column_letter].width for i, h in enumerate(header)}
    # 「城市管理综合执法专项经费」 is 12 Chinese characters, two columns each
    assert width["项目名称"] == 26 and width["年度"] == 8 and width["实际支出（元）"] >= 14


def test_every_header_is_chinese_and_says_what_its_table_means(chinese_book):
    book = load_workbook(chinese_book, read_only=True)
    english = {name: [h for h in next(book[name].iter_rows(values_only=True)) if re.fullmatch(r"[a-z0-9_]+", h or "")] for name in book.sheetnames}
    assert {name: left for name, left in english.items() if left} == {}
    assert "实际值" in next(book["核查发现"].iter_rows(values_only=True))
    assert "实际完成值" in next(book["绩效指标"].iter_rows(values_only=True))
    assert "更正原因" in next(book["更正记录"].iter_rows(values_only=True))
    assert "关联依据" in next(book["项目关联"].iter_rows(values_only=True))


def test_the_report_sheet_names_its_source_file(chinese_book, cross_year_db):
    header, rows = _rows(load_workbook(chinese_book, read_only=True), "报告")
    assert header[:3] == ["报告编号", "文件编号", "源文件名"]
    by_name = {r[header.index("项目名称")]: r[2] for r in rows}
    assert by_name["城管执法专项经费"] == "2021_city_management.docx"
    assert len(by_name) == 4 and all(name.endswith(".docx") for name in by_name.values())


def test_the_workbook_names_the_filter_ranges_excel_wants(chinese_book):
    workbook_xml = zipfile.ZipFile(chinese_book).read("xl/workbook.xml").decode()
    assert (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">&apos;逐年支出&apos;!$A$1:$Q$6</definedName>'
        in workbook_xml.replace("'", "&apos;")
    )


def test_chinese_csv_files_are_named_in_chinese(cross_year_db, tmp_path):
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(tmp_path), "--chinese", "--db", str(cross_year_db)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == len(EXPORTED) and "逐年支出.csv" in names and "单位年度.csv" in names
    assert all(not re.search(r"[a-z]", n.removesuffix(".csv")) for n in names)
    lines = (tmp_path / "单位年度.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "单位,年度,项目数,预算（元）,实际支出（元）,加权执行率（%）,平均自评得分,最低自评得分,最高自评得分"
    assert lines[1] == "区城市管理局,2020,1,1200000.00,1140000.00,95.00,97.50,97.50,97.50"
    spending = (tmp_path / "逐年支出.csv").read_text(encoding="utf-8-sig").splitlines()
    assert spending[1].split(",")[10] == "否"


def test_every_exported_column_has_its_chinese_header(cross_year_db):
    headers = chinese_headers()
    con = duckdb.connect(str(cross_year_db), read_only=True)
    missing = [f"{t}.{c}" for t in EXPORTED for c, *_ in con.execute(f"DESCRIBE {t}").fetchall() if header_for(t, c, headers) == c]
    assert missing == []
    assert len({file_stem(t, headers) for t in EXPORTED}) == len(EXPORTED)  # one file per table


def test_unit_year_scores_leave_copies_out(cross_year_db, tmp_path):
    """Two projects of one unit in 2022 (a correction moves the 执法 project to 区交通运输局): average, lowest and
    highest self-score; a copy's score, once the report is marked as one, is none of them."""
    db = tmp_path / "w.duckdb"
    shutil.copy(cross_year_db, db)
    con = duckdb.connect(str(db))
    [(rid,)] = con.execute("SELECT report_id FROM reports WHERE fiscal_year = 2022 AND project_name LIKE '%执法%'").fetchall()
    con.close()
    result = CliRunner().invoke(
        main, ["correct", rid, "implementing_unit", "区交通运输局", "--reason", "原表实施单位", "--by", "审核员", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db))
    query = """SELECT n_projects, score_total_avg, score_total_min, score_total_max FROM v_unit_year
               WHERE unit = '区交通运输局' AND fiscal_year = 2022"""
    assert con.execute(query).fetchone() == (2, Decimal("96.95"), Decimal("96.00"), Decimal("97.90"))
    con.execute("UPDATE reports SET duplicate_of = 'elsewhere' WHERE report_id = ?", [rid])
    assert con.execute(query).fetchone() == (2, Decimal("96.00"), Decimal("96.00"), Decimal("96.00"))
