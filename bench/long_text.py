"""Seconds to normalize one form beside a long text, by the text's shape and where it stands. Run by hand:

    .venv/bin/python bench/long_text.py [--size 1000000] [--shape 绩效资金 ...] [--where para cell ...]

Each shape (a unit repeated to --size characters) is put where a pattern of the reader looks: the
first line (title and year), a narrative paragraph after the form (facts), a value cell, a label
cell, a cell holding a checkbox question, an indicator level cell and a money cell. Time linear in
the text shows as about twice the seconds for twice the size (--size 500000 against 1000000); the
tests (tests/normalize/test_long_text.py) assert what is read, never how fast.
"""

from __future__ import annotations

import argparse
import time

from jixiao.base.model import Cell, Document, Paragraph, Table
from jixiao.normalize import default_lexicon, normalize_document

SHAPES = [
    "绩效资金",
    "评价自评",
    "项目支出绩效自评报告",
    "1234567890",
    "支出12.5万元，",
    "执行率95.5%，",
    "2021年度",
    "雨花区",
    "  \t ",
    "绩效\n",
    "……",
    "绩效评价自评报告表年度2021雨花区支出12.5万元执行率95%。",
    "一、（一）1、",
    "万元元千元亿元",
    "1,234,",
    "2021年1月1日至",
    "二〇二一年十二月",
    "项",
    "abc",
    "√□",
    "√是□否",
    "(（",
    "项目名称：",
    "是否",
    "1、",
    "1 2 ",
    "四川省汶川县",
    "（盖章）",
    "10分",
    "(50分)",
    "20 21 年",
    "项 ",
    "：",
    "单位名称：",
    "(项",
    "是否有:",
    "项√",
    "办公费1万元",
    "结余1万元",
    "〇",
    " 1",
]
WHERES = ["para", "narrative", "cell", "label", "question", "level", "money"]


def document(text: str, where: str) -> Document:
    head = Paragraph("项目支出绩效自评表", None, 0)
    named = Table(0, (Cell("项目名称", 0, 0), Cell("x", 0, 1)), 1, 2)
    if where == "para":
        return Document("docx", (Paragraph(text, None, 0),))
    if where == "narrative":
        return Document("docx", (Paragraph("项目支出绩效自评报告", None, 0), Paragraph(text, None, 1)))
    if where == "label":
        return Document("docx", (head, Table(0, (Cell(text, 0, 0), Cell("项目名称", 0, 1), Cell("x", 0, 2)), 1, 3)))
    if where == "cell":
        return Document("docx", (head, Table(0, (Cell("项目名称", 0, 0), Cell(text, 0, 1)), 1, 2)))
    if where == "question":
        return Document("docx", (head, Table(0, (Cell("项目名称", 0, 0), Cell("x", 0, 1), Cell("√是□否\n" + text, 1, 0, 1, 2)), 2, 2)))
    if where == "level":
        heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
        row = [text, text, "x", "1", "1", "10", text]
    else:
        heads = ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
        row = ["年度资金总额"] + [text] * 6
    cells = [Cell(h, 0, i) for i, h in enumerate(heads)] + [Cell(t, 1, i) for i, t in enumerate(row)]
    return Document("docx", (head, named, Table(1, tuple(cells), 2, len(heads))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--shape", nargs="*", default=SHAPES)
    parser.add_argument("--where", nargs="*", default=WHERES)
    args = parser.parse_args()
    default_lexicon()
    timed = []
    for shape in args.shape:
        text = (shape * (args.size // len(shape) + 1))[: args.size]
        for where in args.where:
            t0 = time.perf_counter()
            normalize_document(document(text, where))
            timed.append((time.perf_counter() - t0, shape, where))
            print(f"{timed[-1][0]:7.2f} s  {where:9s} {shape!r}", flush=True)
    timed.sort(reverse=True)
    print(f"\n{len(timed)} cases of {args.size:,} characters: {sum(t for t, _, _ in timed):.1f} s in all; slowest:")
    for seconds, shape, where in timed[:5]:
        print(f"{seconds:7.2f} s  {where:9s} {shape!r}")


if __name__ == "__main__":
    main()
