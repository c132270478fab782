"""Layout family: the Hunan 项目支出绩效报告表 with its 绩效评价自评表 and narrative report.

One form table split into full-width sections (项目基本情况, 资金安排使用情况, 预算执行情况,
资金指标明细, 项目组织实施管理情况, 绩效评价自评表 …), followed by the narrative report.
"""

from __future__ import annotations

from jixiao.model import Allocation, BudgetLine, Document, Finding, FundingRow, Paragraph, Report, Table

from . import narrative
from .lexicon import Lexicon
from .reading import OutlineRow, ReadContext, fill_report_columns, header_columns, outline_to_indicators, read_key_values
from .text import canonical_label, label_parts, split_outline
from .values import find_fiscal_year, find_region, parse_date, parse_money, parse_percent, parse_score

TEMPLATE = "hunan_project_report"
_MONEY_COLUMNS = ("carryover_yuan", "budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan", "balance_yuan")
_RATE_COLUMNS = ("received_rate_pct", "execution_rate_pct")


def _sections(table: Table, lexicon: Lexicon) -> list[tuple[str | None, str | None, list[int]]]:
    """Given the form table, return (section key, unit in its caption, its rows) in order."""
    out: list[tuple[str | None, str | None, list[int]]] = [(None, None, [])]
    for r in range(table.n_rows):
        cells = table.row_cells(r)
        if len(cells) == 1 and cells[0].colspan == table.n_cols and cells[0].row == r and table.n_cols > 1:
            _, unit, _ = label_parts(cells[0].text)
            out.append((lexicon.key("section", cells[0].text), unit, []))
        else:
            out[-1][2].append(r)
    return [s for s in out if s[2] or s[0]]


def match(doc: Document, lexicon: Lexicon) -> float:
    """Given a document, return how well it fits this family (0..1)."""
    score = 0.0
    for table in doc.tables:
        keys = {k for k, _, _ in _sections(table, lexicon)}
        score = max(score, 0.35 * ("funding" in keys) + 0.35 * ("indicators" in keys) + 0.2 * ("basic_info" in keys))
    if any("项目支出绩效报告表" in canonical_label(p.text) for p in doc.paragraphs[:40]):
        score += 0.1
    return min(score, 1.0)


def read(doc: Document, lexicon: Lexicon) -> list[Report]:
    """Given a document of this family, return its one report."""
    report = Report(template=TEMPLATE, scope="project")
    ctx = ReadContext(report, lexicon)
    form = max(doc.tables, key=lambda t: sum(1 for k, _, _ in _sections(t, lexicon) if k))
    for table in doc.tables:
        if table.parent is None and (table is form or table.index > form.index):
            _read_form(ctx, table)
    _read_title(report, doc, form)
    fill_report_columns(ctx)
    after = [b.text for b in doc.blocks[doc.blocks.index(doc.tables[-1]) + 1:] if isinstance(b, Paragraph)]
    report.sections = narrative.sections(after)
    report.facts = narrative.facts("\n".join(s.text for s in report.sections))
    return [report]


def _read_title(report: Report, doc: Document, form: Table) -> None:
    before = [b.text for b in doc.blocks[: doc.blocks.index(form)] if isinstance(b, Paragraph) and b.text.strip()]
    for text in before + [p.text for p in doc.paragraphs[:10]]:
        if report.fiscal_year is None and "年" in text:
            report.fiscal_year = find_fiscal_year(text)
        if report.region is None:
            report.region = find_region(text)


def _read_form(ctx: ReadContext, table: Table) -> None:
    for key, unit, rows in _sections(table, ctx.lexicon):
        if key == "funding":
            _read_funding(ctx, table, rows, unit)
        elif key == "budget_lines":
            _read_budget_lines(ctx, table, rows, unit)
        elif key == "allocations":
            _read_allocations(ctx, table, rows, unit)
        elif key == "indicators":
            rest = _read_indicators(ctx, table, rows)
            read_key_values(ctx, table, rest)
        else:
            read_key_values(ctx, table, rows)


def _split_header(ctx: ReadContext, table: Table, rows: list[int], context: str) -> tuple[list[int], list[int]]:
    """Leading rows that hold a column label of this context are the header; the rest are data."""
    header: list[int] = []
    for r in rows:
        starting = [c for c in table.row_cells(r) if c.row == r]
        if any(ctx.lexicon.key(context, c.text) for c in starting) and not ctx.lexicon.key("funding.source", starting[0].text if starting else ""):
            header.append(r)
        else:
            break
    return header, rows[len(header):]


def _read_funding(ctx: ReadContext, table: Table, rows: list[int], unit: str | None) -> None:
    header, data = _split_header(ctx, table, rows, "funding.column")
    columns = header_columns(ctx, table, header, "funding.column")
    grid = table.grid()
    for r in data:
        src_col = next((c for c, (k, _, _) in columns.items() if k == "source"), 0)
        label_cell = grid[r][src_col]
        if label_cell is None or not label_cell.text.strip():
            continue
        row = FundingRow(source=ctx.lexicon.key("funding.source", label_cell.text) or "", source_label=label_cell.text.strip())
        any_value = False
        for c, (key, col_unit, head) in columns.items():
            cell = grid[r][c]
            if key == "source" or cell is None or cell is label_cell:
                continue
            text = ctx.value(cell)
            if text is None:
                continue
            any_value = True
            what = f"{canonical_label(head.text)} of {row.source_label}"
            if key in _MONEY_COLUMNS:
                value = ctx.parse(parse_money, text, what, table, cell, unit=col_unit if col_unit not in (None, "%") else unit)
            elif key in _RATE_COLUMNS:
                value = ctx.parse(parse_percent, text, what, table, cell)
            else:
                value = ctx.parse(parse_date, text, what, table, cell)
            setattr(row, key, value)
            ctx.record(f"funding.{row.source or 'unknown'}.{key}", canonical_label(head.text), text, table, cell)
        if not any_value:
            continue  # rows the document leaves empty are not stored
        if not row.source:
            row.source = None  # type: ignore[assignment]
            ctx.report.findings.append(Finding("unmapped_label", "info",
                                               f"Funding row 「{row.source_label}」 is not a known source; add it to rules/lexicon.csv.",
                                               None, row.source_label))
        ctx.report.funding.append(row)


def _read_simple_table(ctx: ReadContext, table: Table, rows: list[int], context: str):
    """Yield (row, {key: (cell, unit)}) for the data rows under a one-row header, up to a 合计 row."""
    header, data = rows[:1], rows[1:]
    columns = header_columns(ctx, table, header, context)
    grid = table.grid()
    for r in data:
        first = grid[r][0]
        if first is not None and canonical_label(first.text) in ("合计", "总计", "小计"):
            continue
        cells = {key: (grid[r][c], unit) for c, (key, unit, _) in columns.items()}
        if all(ctx.value(cell) is None for cell, _ in cells.values()):
            continue
        yield r, cells


def _read_budget_lines(ctx: ReadContext, table: Table, rows: list[int], unit: str | None) -> None:
    for r, cells in _read_simple_table(ctx, table, rows, "budget_lines.column"):
        def text(key: str) -> str | None:
            return ctx.value(cells[key][0]) if key in cells else None
        spent_cell, spent_unit = cells.get("spent_yuan", (None, None))
        spent = ctx.parse(parse_money, text("spent_yuan"), "实际支出", table, spent_cell, unit=spent_unit or unit)
        ctx.report.budget_lines.append(BudgetLine(len(ctx.report.budget_lines) + 1, text("economic_class"), text("content"),
                                                  text("adjustment"), spent, text("basis")))


def _read_allocations(ctx: ReadContext, table: Table, rows: list[int], unit: str | None) -> None:
    for r, cells in _read_simple_table(ctx, table, rows, "allocations.column"):
        def text(key: str) -> str | None:
            return ctx.value(cells[key][0]) if key in cells else None
        date_cell = cells.get("issued_date", (None, None))[0]
        amount_cell, amount_unit = cells.get("amount_yuan", (None, None))
        ctx.report.allocations.append(Allocation(
            ctx.parse(parse_date, text("issued_date"), "下达时间", table, date_cell),
            ctx.parse(parse_money, text("amount_yuan"), "下达金额", table, amount_cell, unit=amount_unit or unit),
            text("doc_number"), text("note")))


def _read_indicators(ctx: ReadContext, table: Table, rows: list[int]) -> list[int]:
    """Read the scored outline (一、/（一）/1、) into leaf indicators; return the rows after 总分."""
    header, data = rows[:1], rows[1:]
    columns = {key: c for c, (key, _, _) in header_columns(ctx, table, header, "indicators.column").items()}
    grid = table.grid()
    items = []
    rest: list[int] = []
    for i, r in enumerate(data):
        name_cell = grid[r][columns.get("name", 0)]
        if name_cell is None or not name_cell.text.strip():
            continue
        def cell(key: str):
            return grid[r][columns[key]] if key in columns else None
        if ctx.lexicon.key("indicators.total", name_cell.text):
            ctx.report.score_max = ctx.parse(parse_score, ctx.value(cell("weight")), "总分 weight", table, cell("weight"))
            ctx.report.score_total = ctx.parse(parse_score, ctx.value(cell("score")), "总分", table, cell("score"))
            ctx.record("score_total", name_cell.text, ctx.value(cell("score")), table, cell("score"))
            rest = data[i + 1:]
            break
        level, name = split_outline(" ".join(name_cell.text.split()))
        items.append(OutlineRow(level, name, name_cell, cell("weight"), cell("score"), cell("target"), cell("actual"), cell("note")))
    outline_to_indicators(ctx, table, items)
    return rest
