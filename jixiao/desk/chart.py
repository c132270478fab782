"""The overview's picture: execution rate by unit and year as grouped horizontal bars, drawn as SVG
on the server (no script, no chart library), with the 80 % line auditors look for."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from urllib.parse import quote

from jixiao.base.i18n import _

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
LABEL_W, BAR_H, GAP, PLOT_W, TOP = 230, 12, 8, 420, 34
AXIS_MAX = 120  # percent; a rate above it is drawn to the edge and written out


def execution_chart(rates: list[dict], mark_pct: int = 80) -> str:
    """rates: rows of unit, fiscal_year, rate (percent). An SVG element, or '' when there is nothing to draw."""
    if not rates:
        return ""
    years = sorted({r["fiscal_year"] for r in rates})
    units = list(dict.fromkeys(r["unit"] for r in rates))
    by = {(r["unit"], r["fiscal_year"]): r["rate"] for r in rates}
    colour = {y: COLOURS[i % len(COLOURS)] for i, y in enumerate(years)}
    group_h = len(years) * BAR_H + GAP
    height = TOP + len(units) * group_h + 24
    width = LABEL_W + PLOT_W + 70

    def x(pct: Decimal | float) -> float:
        return LABEL_W + PLOT_W * min(float(pct), AXIS_MAX) / AXIS_MAX

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(_("Execution rate (by unit and year)"))}" class="chart">'
    ]
    for i, y in enumerate(years):  # legend
        out.append(
            f'<rect x="{LABEL_W + i * 70}" y="6" width="12" height="12" fill="{colour[y]}"/>'
            f'<text x="{LABEL_W + i * 70 + 16}" y="16" font-size="12">{y}</text>'
        )
    for tick in range(0, AXIS_MAX + 1, 20):
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP - 4}" y2="{height - 20}" stroke="#ddd"/>'
            f'<text x="{x(tick):.1f}" y="{height - 6}" font-size="11" text-anchor="middle">{tick}%</text>'
        )
    out.append(
        f'<line x1="{x(mark_pct):.1f}" x2="{x(mark_pct):.1f}" y1="{TOP - 4}" y2="{height - 20}" stroke="#c00" '
        f'stroke-dasharray="4 3"><title>{mark_pct}%</title></line>'
    )
    for u, unit in enumerate(units):
        top = TOP + u * group_h
        name = unit if len(unit) <= 16 else unit[:15] + "…"
        out.append(
            f'<a href="/reports?unit={quote(unit)}"><text x="{LABEL_W - 8}" y="{top + len(years) * BAR_H / 2 + 4:.1f}" '
            f'font-size="12" text-anchor="end" fill="#1d5fa7"><title>{escape(unit)}</title>{escape(name)}</text></a>'
        )
        for i, y in enumerate(years):
            rate = by.get((unit, y))
            if rate is None:
                continue
            bar_top = top + i * BAR_H
            out.append(
                f'<rect class="bar" x="{LABEL_W}" y="{bar_top}" width="{x(rate) - LABEL_W:.1f}" height="{BAR_H - 2}" '
                f'fill="{colour[y]}"><title>{escape(unit)} {y}: {rate}%</title></rect>'
                f'<text x="{x(rate) + 4:.1f}" y="{bar_top + BAR_H - 3}" font-size="10">{rate}%</text>'
            )
    out.append("</svg>")
    return "".join(out)
