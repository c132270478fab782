"""One segment of a document (one form, or one narrative report) read into a Report.

The same steps for every layout: find blocks by their headers in every table and read each with
its kind's reader; read the rows no block took as key-value rows; take the year and region from
the title lines; read the narrative after the form; then recognise the family from what was found
(`families.py`) and measure what was understood (coverage).
"""

from __future__ import annotations

from decimal import Decimal

import regex

from jixiao.base.labels import canonical_label, label_parts, simplified
from jixiao.base.model import LOW_COVERAGE_PCT, Coverage, Document, Field, Paragraph, Report, Table, Unread

from . import narrative
from .blocks import Block, add_title, caption_unit, continuation, find_header
from .families import Features, explain, recognise
from .head import detect_scope, fill_report, grade_in_text, money_from_fields, read_titles
from .indicators import read_indicators
from .keyvalues import inline_pairs, read_key_values
from .layout import Placed, is_title_row, join_page_cuts, paragraphs_after_tables, paragraphs_before_tables, placed_tables, starting
from .lexicon import Lexicon
from .lists import read_allocations, read_budget_lines, read_goals
from .missing import check_key_values, count_flattened, flattened_paragraphs, narrative_paragraphs
from .money import money_from_funding, read_money
from .reading import ReadContext, locator
from .text import clean_text

_LABEL_MAX = 40
_NAMED_UNREAD = 8  # cells a low_coverage finding names


def read_segment(doc: Document, lexicon: Lexicon) -> tuple[Report | None, Coverage, str | None]:
    """Given one segment, return its report (None when it holds no self-evaluation), its coverage, and — when
    it holds none — why not: the signs of a report it lacks (families.explain)."""
    report = Report(template="")
    ctx = ReadContext(report, lexicon)
    tables = [Placed(join_page_cuts(p.table, lexicon), p.before, p.text_between) for p in placed_tables(doc)]
    blocks = _read_blocks(ctx, doc, tables)
    titles = _title_lines(doc, tables)
    for p in _head_lines(doc):
        inline_pairs(ctx, p.text, None, None, p)
    read_titles(report, titles)
    flattened = flattened_paragraphs(doc, lexicon)
    narrative_texts = narrative_paragraphs(paragraphs_after_tables(doc) if tables else _body(doc), flattened)
    report.sections = narrative.sections([p.text for p in narrative_texts])
    report.facts = narrative.facts("\n".join(s.text for s in report.sections))
    if not tables:
        _narrative_fields(report, doc)
    scope = detect_scope(report, titles)
    features = _features(ctx, doc, tables, blocks, scope, titles)
    _, family = recognise(features)
    coverage = _coverage(ctx, tables, narrative_texts)
    if family is None:
        count_flattened(doc, flattened, coverage, None)
        return None, coverage, explain(features)
    report.template = family.name
    count_flattened(doc, flattened, coverage, report)
    fill_report(ctx, family.scope or scope)
    money_from_funding(ctx)
    money_from_fields(ctx)
    if family.name == "narrative_only":
        _narrative_head(ctx, doc)
    check_key_values(report, doc, coverage, flattened)
    _low_coverage(ctx, coverage)
    report.coverage = coverage
    return report, coverage, None


def _low_coverage(ctx: ReadContext, coverage: Coverage) -> None:
    pct = coverage.pct
    if pct is None or pct >= LOW_COVERAGE_PCT:
        return
    named = "; ".join(f"{u.place} 「{u.text[:30]}」" for u in coverage.unread[:_NAMED_UNREAD])
    ctx.finding(
        "low_coverage",
        "warning",
        "low_coverage",
        f"{pct}",
        f"{LOW_COVERAGE_PCT}",
        pct=f"{pct}",
        items=coverage.items,
        named=named,
        more=max(0, len(coverage.unread) - _NAMED_UNREAD),
    )


# --- blocks ------------------------------------------------------------------------------


def _read_blocks(ctx: ReadContext, doc: Document, tables: list[Placed]) -> list[Block]:
    """Find and read every block of every table; read the rows no block took as key-value rows."""
    used: set[tuple[int, int]] = set()
    blocks: list[Block] = []
    fraction_ok = doc.format in ("xlsx", "xls", "et")
    for i, placed in enumerate(tables):
        table = placed.table
        r = 0
        while r < table.n_rows:
            block = None if (table.index, r) in used else find_header(table, r, ctx.lexicon)
            if block is None:
                r += 1
                continue
            add_title(block, placed)
            for h in block.header_rows:
                used.add((table.index, h))
                for cell in starting(table, h):
                    ctx.mark(cell, "label" if clean_text(cell.text) else "passed")
            for cell in block.title_cells:
                ctx.mark(cell, "label")
            repeated: list[tuple[Table, int]] = []
            rows = continuation(block, tables, i, ctx.lexicon, repeated)
            consumed = _read_block(ctx, block, rows, _money_unit(ctx, doc, block, placed), fraction_ok)
            used.update((t.index, row) for t, row in consumed)
            for t, h in repeated:  # a header printed again where the block goes on in the next table
                used.add((t.index, h))
                for cell in starting(t, h):
                    ctx.mark(cell, "label" if clean_text(cell.text) else "passed")
            blocks.append(block)
            r = block.last_header_row + 1
    for placed in tables:
        table = placed.table
        rest = [r for r in range(table.n_rows) if (table.index, r) not in used]
        for r in rest:
            title = starting(table, r)[0] if is_title_row(table, r) else None
            if title is not None and (_knows(ctx, title.text) or _is_caption(title.text)):
                ctx.mark(title, "label")  # a section title, or a caption whose year and unit are read
        read_key_values(ctx, table, [r for r in rest if not is_title_row(table, r)])
        for r in rest:
            _unknown_block(ctx, table, r)
    return blocks


_HEADER_CELL = regex.compile(r"^[\p{Han}（）()、/\s]{2,14}$")


def _unknown_block(ctx: ReadContext, table: Table, r: int) -> None:
    """A title row or a row of three or more short labels that nothing understood looks like the head of
    a block the lexicon does not know: say so, for `jixiao labels`."""
    cells = [c for c in starting(table, r) if clean_text(c.text)]
    if not cells or any(id(c) in ctx.marks for c in cells):
        return
    titled = is_title_row(table, r) and len(cells[0].text) <= _LABEL_MAX
    if titled or (len(cells) >= 3 and all(_HEADER_CELL.match(c.text) for c in cells)):
        heads = " | ".join(c.text.replace("\n", "") for c in cells)
        ctx.finding("unknown_block", "info", "unknown_block", heads, row=locator(table, cells[0]).rsplit(".c", 1)[0], heads=heads)


def _read_block(ctx: ReadContext, block: Block, rows, unit: str | None, fraction_ok: bool):
    if block.kind in ("money", "money_by_source"):
        return read_money(ctx, block, rows, unit, fraction_ok)
    if block.kind == "indicators":
        return read_indicators(ctx, block, rows)
    if block.kind == "budget_lines":
        return read_budget_lines(ctx, block, rows, unit)
    if block.kind == "allocations":
        return read_allocations(ctx, block, rows, unit)
    return read_goals(ctx, block, rows)


def _money_unit(ctx: ReadContext, doc: Document, block: Block, placed: Placed) -> str | None:
    """The unit of a block's amounts: its title's, else the nearest caption (金额单位：万元) above the block in
    its table, before its table, before the form, or anywhere in the form. A block with amounts whose
    columns name no unit, where nothing states one, gets a finding: those amounts are NULL (万元 and 元
    differ ten thousand times; never guessed)."""
    if block.unit:
        return block.unit
    table = block.table
    above = [c.text for c in sorted(table.cells, key=lambda c: -c.row) if c.row < block.header_rows[0] and len(c.text) < 40]
    before = [p.text for p in placed.before] + [p.text for p in paragraphs_before_tables(doc)]
    anywhere = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for c in t.cells if len(c.text) < 40]
    unit = caption_unit(above) or caption_unit(before) or caption_unit(anywhere)
    unstated = [c for c in block.columns.values() if c.key.endswith("_yuan") or c.key.startswith("source:")]
    if unit is None and any(c.unit is None for c in unstated):
        ctx.finding("unit_unknown", "warning", "unit_unknown.block", title=block.title or "")
    return unit


def _knows(ctx: ReadContext, text: str) -> bool:
    return bool(ctx.lexicon.contexts_of(text))


_CAPTION = regex.compile(r"(?:自评表|评价表|报告表|绩效|单位\s*[:：]|年度)")


def _is_caption(text: str) -> bool:
    return bool(_CAPTION.search(simplified(text)))


# --- titles and narrative ----------------------------------------------------------------


def is_titled(text: str) -> bool:
    """Whether a line of text names a self-evaluation: 绩效 before 评价 or 自评, or 评价/自评 before 报告 or 表.

    Found by the first and last place of each word, in time linear in the text: the pattern
    「绩效.*(?:评价|自评)」 backtracks from every 绩效 to the line's end, so a 200 KB paragraph of
    them took half a minute."""
    for line in text.split("\n"):
        performance = line.find("绩效")
        if performance >= 0 and max(line.rfind("评价"), line.rfind("自评")) >= performance + 2:
            return True
        found = [i for i in (line.find("评价"), line.find("自评")) if i >= 0]
        if found and max(line.rfind("报告"), line.rfind("表")) >= min(found) + 2:
            return True
    return False


def _title_lines(doc: Document, tables: list[Placed]) -> list[str]:
    """Lines that may carry the year and region: paragraphs before the form, the short lines before
    each table, and title rows and caption cells inside the tables (in a report without a form: its
    title and first lines, a web page's chrome aside)."""
    texts = [p.text for p in paragraphs_before_tables(doc)[:12]]
    for placed in tables:
        texts += [p.text for p in placed.before]
        table = placed.table
        for r in range(min(table.n_rows, 3)):
            if is_title_row(table, r):
                texts.append(starting(table, r)[0].text)
    if not tables:
        lines = _lines(doc)
        title = _title(lines)
        texts = ([lines[title].text] if title is not None else []) + [p.text for p in lines[:6] if not narrative.is_portal_line(p.text)]
    return [t for t in texts if t.strip()]


def _head_lines(doc: Document) -> list[Paragraph]:
    """Short lines before the first table, where 「单位名称：… 填报日期：… 自评总分：…」 are written (in a
    report without a form: the first lines of the text, 「项目名称：…」 「主管部门：…」)."""
    lines = paragraphs_before_tables(doc) if doc.tables else [p for p in doc.paragraphs if p.text.strip()][:15]
    return [p for p in lines if len(p.text) < 120 and not narrative.is_portal_line(p.text)]


def _lines(doc: Document) -> list[Paragraph]:
    return [p for p in doc.paragraphs if p.text.strip()]


def _title(lines: list[Paragraph]) -> int | None:
    """The index of a narrative report's title among its lines (a web page's breadcrumb and date line aside)."""
    return narrative.title_index([p.text for p in lines])


def _body(doc: Document) -> list[Paragraph]:
    """A narrative-only report's body: the paragraphs after its title line (and after a web page's chrome)."""
    texts = _lines(doc)
    title = _title(texts)
    if title is None:
        title = next((i for i, p in enumerate(texts[:6]) if ("绩效" in p.text or "績效" in p.text) and not narrative.is_numbered(p.text)), -1)
    return [p for p in texts[title + 1 :] if not narrative.is_portal_line(p.text)]


def _narrative_fields(report: Report, doc: Document) -> None:
    """A report without a form: its project from its title when the title names one, else from a sentence
    that opens with it (「…项目由X组织实施」); its department and unit from 「由X主管，Y具体实施」. Each is a
    field with the paragraph it came from; nothing is taken from a title that names no project."""
    lines = _lines(doc)
    title = _title(lines)
    body = lines[title + 1 :] if title is not None else lines
    body = [p for p in body if not narrative.is_portal_line(p.text)][:8]
    found = narrative.head_facts([p.text for p in body])
    name = narrative.name_from_title(lines[title].text) if title is not None else None
    if name is not None and title is not None:
        p = lines[title]
        report.fields.append(Field("project_name", "标题", name, p.page, f"p{p.index + 1}"))
    for key in ("project_name", "department", "implementing_unit"):
        if key in found and not (key == "project_name" and name is not None):
            value, i = found[key]
            report.fields.append(Field(key, "正文", value, body[i].page, f"p{body[i].index + 1}"))


_NARRATIVE_MONEY = (
    ("budget_initial_yuan", "budget_total"),
    ("budget_adjusted_yuan", "budget_adjusted"),
    ("spent_yuan", "spent"),
    ("execution_rate_pct", "execution_rate"),
    ("score_total", "score_total"),
    ("score_max", "score_max"),
)


def _narrative_head(ctx: ReadContext, doc: Document) -> None:
    """A narrative-only report's money, score and grade from the figures its sentences state."""
    report = ctx.report
    first: dict[str, Decimal] = {}
    for fact in report.facts:
        first.setdefault(fact.key, fact.value)
    for column, key in _NARRATIVE_MONEY:
        if getattr(report, column) is None:
            setattr(report, column, first.get(key))
    if report.grade is None:
        report.grade = grade_in_text("\n".join(s.text for s in report.sections))


# --- recognition and coverage ---------------------------------------------------------------


def _features(ctx: ReadContext, doc: Document, tables: list[Placed], blocks: list[Block], scope: str, titles: list[str]) -> Features:
    flags = {f"scope:{scope}"}
    for block in blocks:
        kind = "money" if block.kind == "money" else block.kind
        flags.add(f"block:{kind}")
        flags.update(f"column:{kind}.{key}" for key in block.keys())
        if block.weight:
            flags.add(f"weight:{kind}={Decimal(block.weight).normalize():f}")
        if kind == "indicators" and not ({"level1", "level2"} & block.keys()):
            flags.add("outline")
    if blocks:
        flags.add("form")
    if any(f.key in ("project_name", "department_name", "department", "implementing_unit") and f.value for f in ctx.report.fields):
        flags.add("anchor")
    flags.update(f"fact:{f.key}" for f in ctx.report.facts)
    if any(is_titled(simplified(t)) for t in titles[:6]):
        flags.add("titled")
    if sum(1 for s in ctx.report.sections if s.heading and narrative.is_heading(s.heading) and narrative._HEADING.match(s.heading)) >= 2:
        flags.add("headings")
    labels = {canonical_label(t) for t in titles if len(t) < 60}
    for placed in tables:
        labels.update(label_parts(c.text)[0] for c in placed.table.cells if len(c.text) < _LABEL_MAX)
    return Features(frozenset(flags), frozenset(labels))


def _coverage(ctx: ReadContext, tables: list[Placed], narrative_paragraphs: list[Paragraph]) -> Coverage:
    """Count the non-empty cells and figure-bearing sentences, and those understood."""
    coverage = Coverage()
    for placed in tables:
        table = placed.table
        for cell in table.cells:
            text = clean_text(cell.text)
            if text is None:
                continue
            coverage.items += 1
            if id(cell) in ctx.marks:
                coverage.understood += 1
            else:
                coverage.unread.append(Unread(locator(table, cell), cell.page or table.page, text))
    for p in narrative_paragraphs:
        for sentence, understood in narrative.figure_sentences(p.text):
            coverage.items += 1
            if understood:
                coverage.understood += 1
            else:
                coverage.unread.append(Unread(f"p{p.index + 1}", p.page, sentence))
    return coverage
