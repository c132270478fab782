"""Where a narrative report's title is: never a numbered heading that happens to end in 情况, and a title
with its first heading run into it (as OCR joins them) still a title naming its project."""

from __future__ import annotations

from decimal import Decimal

import docx

from jixiao.ingest.reading import read_file

BODY = [
    "泉塘街道政务热线运行经费用于保障热线正常运行，包括坐席人员经费及系统维护等。",
    "二、项目资金使用及管理情况",
    "项目年初预算200万元，实际支出186.5万元，执行率为93.25%，剩余13.5万元已上缴财政。",
    "三、绩效目标完成情况",
    "全年受理群众来电1.2万余件，按时办结率98%。",
    "四、存在的问题及改进措施",
    "部分坐席设备老化，下一步将加快更新。",
]


def _write(path, lines):
    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    d.save(path)
    return path


def test_a_title_run_into_its_first_heading_names_the_project(tmp_path):
    path = _write(tmp_path / "glued.docx", ["雨花区2022年度泉塘街道政务热线运行经费绩效自评报告一、项目概况"] + BODY)
    result = read_file(path)
    assert result.status == "ok", result.not_report_reason
    (report,) = result.reports
    assert report.project_name == "泉塘街道政务热线运行经费"
    assert (report.budget_initial_yuan, report.spent_yuan, report.execution_rate_pct) == (
        Decimal("2000000.00"),
        Decimal("1865000.00"),
        Decimal("93.25"),
    )


def test_a_numbered_heading_ending_in_qingkuang_is_no_title(tmp_path):
    """「三、绩效目标完成情况」 names 绩效 and ends as a title would; taken for one, the figures above it were lost."""
    path = _write(tmp_path / "untitled.docx", ["一、项目概况"] + BODY)
    result = read_file(path)
    assert result.status == "ok", result.not_report_reason
    (report,) = result.reports
    assert report.spent_yuan == Decimal("1865000.00") and report.execution_rate_pct == Decimal("93.25")
    assert report.project_name != "绩效目标完成情况"
