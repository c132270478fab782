"""Forms whose rows meet a page break, rendered by LibreOffice at paddings found by trying them.

Filler paragraphs push a form down page 1 until the break falls where each case needs it. The
form's ten grid columns are three Chinese characters wide, so labels wrap (项目名\\n称) and 93.65%
wraps as 93.65\\n%. With rows allowed to split, a row that does not fit leaves its first lines
on page 1 and the rest at the top of page 2; with rows kept whole, the break always falls
between rows, which is what must not be glued. Three more forms cut what a row rule alone
misses: a header row cut after its first lines beside level labels that ended, a merged label
whose text lies wholly below the break, a tall merged title cut with text on both sides.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from tests.fixtures.builder import FCell, soffice_convert, write_docx

FILLER = "这是用来把表格推到页面底部的填充段落。"
VALUE = (
    "根据《湖南省财政厅关于加强预算绩效管理的通知》和市政府2019年第5次常务会议纪要，本项目经市发改委批复立项，"
    "用于政务服务大厅的日常运转、窗口人员培训、设备购置与维护，以及“互联网+政务服务”平台的升级改造，"
    "资金由市本级财政全额安排。"
)
LABELS = {"项目名称", "项目编号", "项目实施单位", "执行率", "到位率", "项目立项依据", "项目主管部门", "资金总额", "实施内容"}

# name: (filler paragraphs, point size of one small nudge paragraph or None); the comment says what
# LibreOffice 7 with Noto CJK puts at the bottom of page 1 // at the top of page 2
CUT_ROWS = {
    "label-cut-values-ended": (15, None),  # 实施内 | 窗口服务  //  容 | (empty)
    "label-whole-value-cut": (16, None),  # 资金总\n额 | three lines  //  (empty) | 造，资金由…
    "label-and-value-cut": (17, None),  # 资金总 | one line  //  额 | the other three
    "two-labels-cut": (23, None),  # 项目名 | … | 项目编 | A-01  //  称 | | 号 |
    "number-cut": (21, 5),  # 项目实 | … | 93.65 | 到位率 | 100.0  //  施单位 | | | % | | 0%
    "merged-label-cut": (19, 5),  # 立\n项\n情 (merged over two rows) | 项目立\n项依据 | …  //  况 | | …
    "merged-and-row-label-cut": (20, 5),  # 立 | 项目立 | …  //  项\n情\n况 | 项依据 | …
}
# the same form where the break falls between two rows
ROW_BREAKS = {
    "break-between-rows": (18, None),  # 项目主\n管部门 | …  //  资金总\n额 | …
    "break-before-other-columns": (22, None),  # the 项目名称 row  //  the 项目实施单位 row
    "merged-row-moved-down": (20, None),  # the row that opens a merged label goes whole to page 2
}
# rows kept whole (w:cantSplit): one line each, labels exactly filling their column, so the break
# falls between two rows whose label cells look like a wrapped label
WHOLE_ROWS = {"whole-rows-a": 13, "whole-rows-b": 15, "whole-rows-c": 19, "whole-rows-d": 23}
# rows kept whole, a tall row holding only a long label moved to page 2 with three lines free above it
MOVED_ROW = {"tall-row-moved": 14}


def cut_form() -> list[list[FCell]]:
    """A project form with narrow label columns and a label merged over two rows, as Word would hold it."""
    C = FCell
    return [
        [C("项目名称"), C("政务服务及政务大厅运转专项资金", 5), C("项目编号"), C("A-01", 3)],
        [C("项目实施单位"), C("长沙市雨花区政务服务中心", 5), C("执行率"), C("93.65%"), C("到位率"), C("100.00%")],
        [C("立项情况", rows=2, vertical=True), C("项目立项依据"), C(VALUE, 8)],
        [C("项目主管部门"), C("长沙市雨花区人民政府办公室", 8)],
        [C("资金总额"), C(VALUE, 9)],
        [C("实施内容"), C("窗口服务", 9)],
    ]


def indicator_form() -> list[list[FCell]]:
    """An indicator table under its title row: the header's level labels fit one line, the other labels wrap."""
    C = FCell
    head = [C("一级指标", 2), C("二级指标", 2), C("三级指标", 2), C("年度指标值"), C("实际完成值"), C("偏差原因分析及改进措施"), C("分值"), C("得分")]
    rows = [[C("绩效指标", 11)], head]
    for i in range(6):
        rows.append([C("产出指标", 2), C("数量指标", 2), C(f"指标{i + 1}", 2), C("100"), C("98"), C(""), C("10"), C("9")])
    return rows


SURVEY = "对照年初绩效目标，本年度共开展服务对象满意度调查两次，回收有效问卷一千二百份，群众对窗口服务的总体满意度为百分之九十六。"


def satisfaction_form() -> list[list[FCell]]:
    """Indicators with two labels merged over two rows; one is typed under two blank lines to centre it by hand.

    LibreOffice lays a cell cut by a page break out from the top of each part, vertical centring or not,
    so blank lines stand for what a centred label looks like when Word or WPS cuts it: nothing above the
    break, the label below it."""
    C = FCell
    rows = [[C("一级指标"), C("二级指标", 2), C("三级指标", 3), C("指标值", 2), C("得分", 2)]]
    rows += [[C("产出指标"), C("数量指标", 2), C(f"指标{i + 1}", 3), C("100", 2), C("10", 2)] for i in range(3)]
    rows.append([C("满意度指标", rows=2), C("\n\n服务对象满意度指标", 2, rows=2), C("群众满意度", 3), C("≥90%", 2), C("10", 2)])
    rows.append([C(SURVEY, 3), C("≥90%", 2), C("10", 2)])
    rows += [[C("效益指标"), C("社会效益", 2), C(f"效益{i + 1}", 3), C("良好", 2), C("10", 2)] for i in range(3)]
    return rows


def budget_form() -> list[list[FCell]]:
    """A budget block under a vertical title merged over all its rows; 其中 is merged over the rows it opens."""
    C = FCell

    def amounts() -> list[FCell]:
        return [C("100.00", 2), C("100.00", 2), C("93.65", 2)]

    return [
        [C("年度预算执行情况（元）", rows=6, vertical=True), C("项目", 3), C("年初预算数", 2), C("全年预算数", 2), C("全年执行数", 2)],
        [C("年度资金总额", 3), *amounts()],
        [C("其中", rows=3), C("当年财政拨款", 2), *amounts()],
        [C("上年结转资金", 2), *amounts()],
        [C("其他资金", 2), *amounts()],
        [C("财政专户管理资金", 3), *amounts()],
    ]


# a header row or a merged cell cut by the break: name → (form, filler paragraphs, nudge size or None)
MERGED_CUTS = {
    # 一级指标 | 二级指标 | 三级指标 | 年度\n指标 | 实际\n完成 | 偏差\n原因 | 分值 | 得分  //  | | | 值 | 值 | 分析\n及改\n进措\n施 | |
    "header-row-cut": (indicator_form, 21, 5),
    # the label merged over two rows has only its blank lines on page 1, beside a cut row  //  服务对象满意度\n指标 | 度共开展…
    "merged-label-below-break": (satisfaction_form, 17, 6),
    # 年\n度 (over the header and 年度资金总额)  //  预\n算\n执\n行… | 其中 | 当年财政拨款 | … (rows whose cells do not pair)
    "title-cut": (budget_form, 22, None),
}

RATE_LABELS = [("执行率", "到位率"), ("支出率", "结余率"), ("完成率", "满意度"), ("自评分", "权重分"), ("预算数", "执行数")]


def _rate_rows(n: int, start: float) -> list[list[FCell]]:
    """n one-line rows of two rates each; labels exactly fill their column, every row's figures differ."""
    C = FCell
    return [[C(a), C(f"{start - i:.2f}%", 4), C(b), C(f"{start + 6 - i * 1.5:.2f}%", 4)] for i, (a, b) in enumerate((RATE_LABELS * n)[:n])]


def rates_form() -> list[list[FCell]]:
    """Twenty one-line rows of rates."""
    return _rate_rows(20, 93.65)


def moved_row_form() -> list[list[FCell]]:
    """Rates rows with one tall row whose only text is a long label, as a form left partly blank."""
    C = FCell
    tall = [C("项目立项依据及可行性研究报告结论"), C("", 4), C(""), C("", 4)]
    return _rate_rows(12, 93.65) + [tall] + _rate_rows(40, 80.0)


def _blocks(rows, fillers: int, nudge: int | None) -> list[tuple]:
    blocks: list[tuple] = [("p", FILLER, {}) for _ in range(fillers)]
    if nudge:
        blocks.append(("p", "。", {"size": nudge}))  # moves the form by less than a filler line
    return blocks + [("table", rows), ("p", "表后正文。", {})]


def build(out: Path) -> dict[str, tuple[Path, Path]]:
    """Write every case as .docx, convert them all in one LibreOffice run; name → (docx, pdf)."""
    docs = {
        name: write_docx(_blocks(cut_form(), *pad), out / f"{name}.docx", rows_can_split=True) for name, pad in {**CUT_ROWS, **ROW_BREAKS}.items()
    }
    docs.update(
        {name: write_docx(_blocks(form(), n, nudge), out / f"{name}.docx", rows_can_split=True) for name, (form, n, nudge) in MERGED_CUTS.items()}
    )
    docs.update({name: write_docx(_blocks(rates_form(), n, None), out / f"{name}.docx") for name, n in WHOLE_ROWS.items()})
    docs.update({name: write_docx(_blocks(moved_row_form(), n, None), out / f"{name}.docx") for name, n in MOVED_ROW.items()})
    pdfs = soffice_convert(list(docs.values()), "pdf", out / "pdf")
    return {name: (docx, pdf) for (name, docx), pdf in zip(docs.items(), pdfs)}


def seam(pdf_path: Path) -> tuple[list[str], list[str]] | None:
    """What pdfplumber's table finder gives at the break: page 1's last table row and page 2's first, or None."""
    with pdfplumber.open(pdf_path) as pdf:
        if len(pdf.pages) < 2:
            return None
        before, after = pdf.pages[0].find_tables(), pdf.pages[1].find_tables()
        if not before or not after:
            return None
        last, first = before[-1].extract()[-1], after[0].extract()[0]
    return [t for t in last if t is not None], [t for t in first if t is not None]
