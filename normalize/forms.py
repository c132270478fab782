"""Reading the 自评表 grid forms (national, department, provincial variants) by their labels.

These forms share one shape: key-value rows (项目名称 | …), a money block whose header row names
its columns (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分) over source rows, a goals
block, an indicator block whose header names its columns (一级指标 | 二级指标 | 三级指标 | …), a
总分 row and perhaps a 自评等级. Families differ in labels and weights, which the lexicon and
these functions absorb; each family module only says how to recognise itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import regex

from jixiao.model import Cell, Document, Finding, FundingRow, IndicatorGroup, Paragraph, Report, Table

from . import checkbox, narrative
from .lexicon import Lexicon
from .reading import OutlineRow, ReadContext, fill_report_columns, outline_to_indicators, read_key_values
from .text import canonical_label, label_parts, split_outline
from .values import find_fiscal_year, find_region, parse_money, parse_percent, parse_score

MONEY_KEYS = ("carryover_yuan", "budget_initial_yuan", "budget_adjusted_yuan", "received_yuan", "spent_yuan", "balance_yuan")
_CODE_NAME = regex.compile(r"^\s*(?P<code>(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{8,})\s*[-—－_]\s*(?P<name>\S.*)$")
_GRADES = ("优", "良", "中", "差")


@dataclass
class Block:
    """A header row found in a table and the grid columns it names (column → (key, unit, header cell))."""

    table: Table
    header_row: int  # the last header row: data starts below it
    columns: dict[int, tuple[str, str | None, Cell]]
    unit: str | None  # unit named in the header row's own labels (项目资金（万元）)
    weight: str | None  # points named there (预算执行情况(10分))
    label: str  # the block's own label (项目资金, 预算执行情况)

    def keys(self) -> set[str]:
        return {k for k, _, _ in self.columns.values()}


def find_block(table: Table, lexicon: Lexicon, context: str, required: set[str], at_least: int) -> Block | None:
    """Return the first header row of a table whose cells name at least `at_least` columns including
    `required`; a second header row that divides a spanning label is read with it."""
    grid = table.grid()
    for r in range(table.n_rows):
        columns: dict[int, tuple[str, str | None, Cell]] = {}
        seen: set[int] = set()
        unit = weight = None
        label = ""
        for c in range(table.n_cols):
            cell = grid[r][c]
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            name, cell_unit, cell_weight = label_parts(cell.text)
            key = lexicon.key(context, cell.text)
            if key:
                columns[c] = (key, cell_unit, cell)
            elif name and not columns:
                label = label or name
                unit = unit or cell_unit
                weight = weight or cell_weight
        below = _divisions(grid, r, lexicon, context)
        for parent_col, parts in below.items():
            columns.pop(parent_col, None)  # the spanning label gives way to the labels dividing it
            columns.update(parts)
        keys = {k for k, _, _ in columns.values()}
        if required <= keys and len(keys) >= at_least:
            return Block(table, r + 1 if below else r, columns, unit, weight, label)
    return None


def _divisions(grid: list[list[Cell | None]], r: int, lexicon: Lexicon, context: str) -> dict[int, dict[int, tuple[str, str | None, Cell]]]:
    """Column labels in row r+1 that divide a label of row r spanning several columns (年度指标值 over
    指标性质 | 指标值 | 度量单位), by the spanning label's column; empty unless every text of row
    r+1 is such a label: a data row is never taken for a header."""
    if r + 1 >= len(grid):
        return {}
    out: dict[int, dict[int, tuple[str, str | None, Cell]]] = {}
    for c, cell in enumerate(grid[r + 1]):
        above = grid[r][c]
        if cell is None or cell is above or cell.col != c or not cell.text.strip():
            continue
        if above is None or above.colspan < 2 or above.row != r:
            return {}  # text under a one-column label: row r+1 is data
        key = lexicon.key(context, cell.text)
        if key is None:
            return {}
        out.setdefault(above.col, {})[c] = (key, label_parts(cell.text)[1], cell)
    return {col: parts for col, parts in out.items() if len({k for k, _, _ in parts.values()}) == len(parts) > 1}


def money_block(table: Table, lexicon: Lexicon) -> Block | None:
    return find_block(table, lexicon, "funding.column", {"spent_yuan"}, 3)


def indicator_block(table: Table, lexicon: Lexicon) -> Block | None:
    return find_block(table, lexicon, "indicators.column", {"name", "score"}, 4)


def table_labels(doc: Document) -> set[str]:
    """Canonical texts of every short cell and paragraph: what recognisers look for."""
    out = {canonical_label(p.text) for p in doc.paragraphs if len(p.text) < 60}
    for t in doc.tables:
        out.update(label_parts(c.text)[0] for c in t.cells if len(c.text) < 40)
    return out


# --- reading -------------------------------------------------------------------------

def read_form(doc: Document, lexicon: Lexicon, template: str, scope: str) -> Report:
    """Given one form (a segment of a document), return its report."""
    report = Report(template=template, scope=scope)  # type: ignore[arg-type]
    ctx = ReadContext(report, lexicon)
    tables = [t for t in doc.tables if t.parent is None]
    used: set[tuple[int, int]] = set()  # (table, row) read by a block
    for table in tables:
        money = money_block(table, lexicon)
        indicators = indicator_block(table, lexicon)
        if money is not None:
            used.update((table.index, r) for r in _read_money(ctx, doc, money))
        if indicators is not None:
            used.update((table.index, r) for r in _read_indicators(ctx, indicators))
        goals = find_block(table, lexicon, "goals.column", {"goal_expected", "goal_actual"}, 2)
        if goals is not None:
            used.update((table.index, r) for r in _read_goals(ctx, goals))
        rest = [r for r in range(table.n_rows) if (table.index, r) not in used]
        read_key_values(ctx, table, rest)
    _read_title(report, doc)
    fill_report_columns(ctx)
    _names_and_grade(ctx)
    after = [b.text for b in doc.blocks[doc.blocks.index(tables[-1]) + 1:] if isinstance(b, Paragraph)] if tables else []
    report.sections = narrative.sections(after)
    report.facts = narrative.facts("\n".join(s.text for s in report.sections))
    return report


def _read_title(report: Report, doc: Document) -> None:
    texts = [p.text for p in doc.paragraphs[:12] if p.text.strip()]
    for text in texts:
        if report.fiscal_year is None and "年" in text:
            report.fiscal_year = find_fiscal_year(text)
        if report.region is None:
            report.region = find_region(text)


def _caption_unit(doc: Document, table: Table) -> str | None:
    """The unit a caption near the table states: 「单位：万元」 in a paragraph or a cell."""
    texts = [p.text for p in doc.paragraphs if len(p.text) < 40] + [c.text for c in table.cells if len(c.text) < 40]
    for text in texts:
        m = regex.search(r"(?:单位|金额单位)\s*[:：]\s*(万元|千元|元)", text)
        if m:
            return m.group(1)
    return None


def _read_money(ctx: ReadContext, doc: Document, block: Block) -> list[int]:
    """Read the money block's source rows; return the rows it used (header included)."""
    table, grid = block.table, block.table.grid()
    unit = block.unit or _caption_unit(doc, table)
    if unit is None and any(k in MONEY_KEYS for k in block.keys()):
        unit = "元"
        ctx.report.findings.append(Finding("unit_assumed", "warning",
                                           f"The money block 「{block.label or 'money'}」 states no unit; amounts were read as 元.", None, None))
    first_col = min(block.columns)
    used = [block.header_row]
    breakdown = None
    for r in range(block.header_row + 1, block.table.n_rows):
        label_cell = grid[r][first_col - 1] if first_col > 0 else None
        header_cell = grid[block.header_row][first_col - 1] if first_col > 0 else None
        values = {c: grid[r][c] for c in block.columns}
        if any(v is not None and v.row == r and ctx.lexicon.key("indicators.column", v.text) for v in values.values()):
            break  # the indicator block's header
        label = label_cell.text if label_cell is not None and label_cell is not header_cell else ""
        if label and ctx.lexicon.key("funding.breakdown", label) and not any(ctx.value(v) for v in values.values() if v is not label_cell):
            breakdown = ctx.lexicon.key("funding.breakdown", label)
            used.append(r)
            continue
        source = ctx.lexicon.key("funding.source", label) if label else "total"
        if not source and label and (ctx.lexicon.key("field", label) or ctx.lexicon.key("goals.column", label)):
            break
        if not label and label_cell is not header_cell:
            break
        if source is None and not any(ctx.value(v) for v in values.values()):
            break
        row = FundingRow(source=source or "", source_label=label.strip() or block.label)
        row_breakdown = breakdown if source not in ("total",) else None
        for c, (key, col_unit, head) in block.columns.items():
            cell = values[c]
            text = ctx.value(cell)
            if text is None or cell is label_cell:
                continue
            what = f"{canonical_label(head.text)} of {row.source_label}"
            if key in MONEY_KEYS:
                setattr(row, key, ctx.parse(parse_money, text, what, table, cell, unit=col_unit if col_unit not in (None, "%") else unit))
            elif key in ("execution_rate_pct", "received_rate_pct"):
                setattr(row, key, ctx.parse(parse_percent, text, what, table, cell, fraction_ok=doc.format in ("xlsx", "xls")))
            elif key in ("points", "score") and source == "total":
                value = ctx.parse(parse_score, text, what, table, cell)
                if key == "points":
                    ctx.report.execution_score_max = value
                else:
                    ctx.report.execution_score = value
            ctx.record(f"funding.{source or 'unknown'}.{key}", canonical_label(head.text), text, table, cell)
        used.append(r)
        if row_breakdown:
            ctx.record("funding.breakdown", row.source_label, row_breakdown, table, label_cell)
        if all(getattr(row, k) is None for k in MONEY_KEYS + ("execution_rate_pct", "received_rate_pct")):
            continue
        if not source:
            row.source = None  # type: ignore[assignment]
            ctx.record(None, label, None, table, label_cell)
            ctx.report.findings.append(Finding("unmapped_label", "info",
                                               f"Money row 「{label.strip()}」 is not a known source; add it to rules/lexicon.csv.", None, label))
        row.breakdown = row_breakdown
        ctx.report.funding.append(row)
    if ctx.report.execution_score_max is None and ctx.report.execution_score is not None and block.weight:
        ctx.report.execution_score_max = parse_score(block.weight)
    return used


def _read_indicators(ctx: ReadContext, block: Block) -> list[int]:
    """Read the indicator block (一级/二级/三级指标 columns) up to 总分; return the rows used."""
    table, grid = block.table, block.table.grid()
    cols = {key: c for c, (key, _, _) in block.columns.items()}
    used = [block.header_row]
    items: list[OutlineRow] = []
    groups: dict[tuple[int, str], tuple[str, str | None]] = {}
    for r in range(block.header_row + 1, table.n_rows):
        row = table.row_cells(r)
        total = next((c for c in row if ctx.lexicon.key("indicators.total", c.text)), None)
        if total is not None:
            _read_total(ctx, table, r, cols)
            used.append(r)
            break
        if any(ctx.lexicon.key("field", c.text) for c in row if c.row == r and c.col < cols.get("name", 0)):
            break
        name_cell = grid[r][cols["name"]]
        if name_cell is None or not name_cell.text.strip() or name_cell.row != r:
            used.append(r)
            continue

        def at(key: str) -> Cell | None:
            return grid[r][cols[key]] if key in cols else None

        levels: list[str | None] = []
        for key, depth in (("level1", 1), ("level2", 2)):
            cell = at(key)
            name, _, weight = label_parts(cell.text) if cell is not None else ("", None, None)
            level = split_outline(name)[1] or None
            if level is None and items and (depth == 1 or levels[0] == items[-1].level1):
                level = items[-1].level1 if depth == 1 else items[-1].level2  # a blank level cell continues the one above
            levels.append(level)
            if cell is not None and (depth, id(cell)) not in groups and weight:
                groups[(depth, id(cell))] = (levels[-1], weight)
                ctx.report.indicator_groups.append(IndicatorGroup(
                    len(ctx.report.indicator_groups) + 1, depth, levels[0], levels[1] if depth == 2 else None,
                    parse_score(weight), None))
        level, name = split_outline(" ".join(name_cell.text.split()))
        target = _composite(ctx, at("nature"), at("target"), at("measure_unit"))
        actual = _composite(ctx, None, at("actual"), at("measure_unit") if ctx.value(at("actual")) else None)
        items.append(OutlineRow(level, name, name_cell, at("weight"), at("score"), target, actual, at("note"),
                                level1=levels[0] or "", level2=levels[1]))
        used.append(r)
    outline_to_indicators(ctx, table, items)
    return used


def _read_goals(ctx: ReadContext, block: Block) -> list[int]:
    """年度总体目标: a header row (预期目标 | 实际完成情况) over the row that holds the two texts."""
    table, grid = block.table, block.table.grid()
    r = block.header_row + 1
    if r >= table.n_rows:
        return [block.header_row]
    for c, (key, _, head) in block.columns.items():
        cell = grid[r][c]
        if cell is not None and cell is not head:
            ctx.record(key, canonical_label(head.text), ctx.value(cell), table, cell)
    return [block.header_row, r]


def _composite(ctx: ReadContext, nature: Cell | None, value: Cell | None, unit: Cell | None) -> Cell | None:
    """A target written over three columns (指标性质 ≥ | 指标值 100 | 度量单位 人) read as one text: ≥100人."""
    if value is None:
        return None
    parts = [ctx.value(nature) or "", ctx.value(value) or "", ctx.value(unit) or ""]
    if not parts[1]:
        return None
    if nature is None and unit is None:
        return value
    if parts[0] in ("=", "＝"):
        parts[0] = ""  # 「= 100 %」 is written 100%
    return replace(value, text="".join(parts))


def _read_total(ctx: ReadContext, table: Table, r: int, cols: dict[str, int]) -> None:
    grid = table.grid()
    weight = grid[r][cols["weight"]] if "weight" in cols else None
    score = grid[r][cols["score"]] if "score" in cols else None
    label = next(c for c in table.row_cells(r) if ctx.lexicon.key("indicators.total", c.text))
    if weight is not None and weight is not label:
        ctx.report.score_max = ctx.parse(parse_score, ctx.value(weight), "总分 points", table, weight)
    if score is not None and score is not label:
        ctx.report.score_total = ctx.parse(parse_score, ctx.value(score), "总分", table, score)
        ctx.record("score_total", label.text, ctx.value(score), table, score)


def _names_and_grade(ctx: ReadContext) -> None:
    report = ctx.report
    first = {f.key: f.value for f in reversed(report.fields) if f.key}
    if report.scope == "department":
        report.project_name = first.get("department_name") or report.project_name
    if report.project_name and not report.project_code:
        m = _CODE_NAME.match(report.project_name)
        if m:  # 「51000021R000000019951-工资性支出」: a code, then the name
            report.project_code, report.project_name = m.group("code"), m.group("name").strip()
    grade = first.get("grade")
    if grade:
        ticked = checkbox.ticked_option(grade) if checkbox.has_checkboxes(grade) else grade.strip()
        report.grade = ticked[0] if ticked and ticked[0] in _GRADES else None
        if report.grade is None:
            report.findings.append(Finding("value_unreadable", "warning", f"自评等级 「{grade}」 is not one of 优/良/中/差; stored as NULL.", None, grade))
