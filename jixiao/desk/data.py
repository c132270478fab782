"""What the desk's pages show, read from the warehouse with fixed SQL (nothing from a request reaches
SQL but as a bound parameter). Each function returns plain rows (dicts) for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from jixiao.base.db import one_value
from jixiao.base.i18n import _
from jixiao.base.messages import render
from jixiao.base.model import LOW_COVERAGE_PCT
from jixiao.warehouse.schema import CORRECTABLE

UNITS_IN_CHART = 20


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def overview(con: duckdb.DuckDBPyConnection) -> dict:
    """Counts by status, year and unit; execution rate by unit and year; failed and low-coverage files."""
    status = dict(con.execute("SELECT status, count(*) FROM documents WHERE replaced_by IS NULL GROUP BY status").fetchall())
    # one pass over each table: copies are not correctable, so `reports` counts them as v_reports would
    totals = _dicts(
        con.execute("""
        SELECT (SELECT count(*) FILTER (WHERE duplicate_of IS NULL) FROM reports) AS reports,
               (SELECT count(*) FILTER (WHERE duplicate_of IS NOT NULL) FROM reports) AS copies,
               f.findings, f.open_findings, (SELECT count(*) FROM corrections) AS corrections
        FROM (SELECT count(*) AS findings, count(*) FILTER (WHERE verdict = 'open') AS open_findings FROM v_findings) f""")
    )[0]
    years = _dicts(
        con.execute("""
        SELECT fiscal_year, count(*) AS reports, sum(coalesce(budget_adjusted_yuan, budget_initial_yuan)) AS budget_yuan,
               sum(spent_yuan) AS spent_yuan
        FROM v_reports WHERE duplicate_of IS NULL GROUP BY fiscal_year ORDER BY fiscal_year NULLS LAST""")
    )
    units = _dicts(
        con.execute(
            """
        SELECT coalesce(implementing_unit, department, ?) AS unit, count(*) AS reports,
               count(DISTINCT fiscal_year) AS years
        FROM v_reports WHERE duplicate_of IS NULL GROUP BY ALL ORDER BY reports DESC, unit LIMIT 50""",
            [_("(not stated)")],
        )
    )
    # the chart, aggregated in SQL: v_unit_year computed once, its largest units by budget kept
    rates = _dicts(
        con.execute(f"""
        WITH unit_year AS MATERIALIZED (SELECT unit, fiscal_year, budget_yuan, weighted_execution_rate_pct FROM v_unit_year
                                        WHERE unit IS NOT NULL),
        top AS (SELECT unit FROM unit_year GROUP BY unit ORDER BY sum(budget_yuan) DESC NULLS LAST, unit LIMIT {UNITS_IN_CHART})
        SELECT unit, fiscal_year, weighted_execution_rate_pct AS rate
        FROM unit_year JOIN top USING (unit)
        WHERE weighted_execution_rate_pct IS NOT NULL AND fiscal_year IS NOT NULL
        ORDER BY unit, fiscal_year""")
    )
    failed = _dicts(
        con.execute("""
        SELECT doc_id, path, format, error FROM documents WHERE status = 'failed' AND replaced_by IS NULL ORDER BY path LIMIT 200""")
    )
    # the 200 lowest first, then what they need; a document's first report is doc_id:1 (warehouse.report_id)
    low = _dicts(
        con.execute(
            """
        WITH low AS (SELECT doc_id, path, coverage_pct, n_reports FROM documents WHERE coverage_pct < ? AND replaced_by IS NULL AND status = 'ok'
                     ORDER BY coverage_pct, path LIMIT 200)
        SELECT l.doc_id, l.path, l.coverage_pct, CASE WHEN l.n_reports > 0 THEN l.doc_id || ':1' END AS report_id,
               count(u.doc_id) AS unread
        FROM low l LEFT JOIN unread u ON u.doc_id = l.doc_id
        GROUP BY ALL ORDER BY l.coverage_pct, l.path""",
            [LOW_COVERAGE_PCT],
        )
    )
    not_reports = _dicts(
        con.execute("""
        SELECT doc_id, path, format, not_report_reason AS reason FROM documents
        WHERE status = 'not_report' AND replaced_by IS NULL ORDER BY path LIMIT 200""")
    )
    return {
        "status": status,
        "totals": totals,
        "years": years,
        "units": units,
        "rates": rates,
        "failed": failed,
        "not_reports": not_reports,
        "low": low,
        "low_pct": LOW_COVERAGE_PCT,
    }


@dataclass
class ReportFilter:
    year: int | None = None
    unit: str | None = None
    text: str | None = None
    under_pct: Decimal | None = None  # execution rate below this
    with_findings: bool = False


PAGE_ROWS = 100  # rows a list page shows; the rest are a page away


@dataclass
class Page:
    """One page of a list: its rows, the filtered total, and where it starts (0-based)."""

    rows: list[dict]
    total: int
    offset: int
    size: int = PAGE_ROWS

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)

    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def report_list(con: duckdb.DuckDBPyConnection, f: ReportFilter, page: int = 1, size: int = PAGE_ROWS) -> Page:
    """One page of the reports the filter keeps (copies left out), filtered, counted and ordered in SQL."""
    where = ["r.duplicate_of IS NULL"]
    args: list[object] = []
    if f.year is not None:
        where.append("r.fiscal_year = ?")
        args.append(f.year)
    if f.unit:
        where.append("coalesce(r.implementing_unit, r.department) = ?")
        args.append(f.unit)
    if f.text:  # a path is looked for among the documents first: no join of every report with its document
        where.append("(contains(r.project_name, ?) OR r.doc_id IN (SELECT doc_id FROM documents WHERE contains(path, ?)))")
        args += [f.text, f.text]
    if f.under_pct is not None:
        where.append("r.execution_rate_pct < ?")
        args.append(f.under_pct)
    if f.with_findings:
        where.append("r.report_id IN (SELECT original_report_id FROM v_findings WHERE verdict = 'open')")
    kept = f"FROM v_reports r WHERE {' AND '.join(where)}"
    total = one_value(con.execute(f"SELECT count(*) {kept}", args))
    offset = max(0, min(page - 1, (total - 1) // size if total else 0)) * size
    order = "fiscal_year DESC NULLS LAST, unit, project_name, report_id"
    rows = _dicts(
        con.execute(
            f"""
        WITH listed AS (  -- the page first, then its documents and open findings
            SELECT r.report_id, r.doc_id, r.fiscal_year, r.region, r.project_name, coalesce(r.implementing_unit, r.department) AS unit,
                   coalesce(r.budget_adjusted_yuan, r.budget_initial_yuan) AS budget_yuan, r.spent_yuan, r.execution_rate_pct,
                   r.score_total, r.corrected_columns
            {kept}
            ORDER BY {order} LIMIT {int(size)} OFFSET {int(offset)}
        )
        SELECT l.* EXCLUDE (doc_id), d.path, d.format,
               (SELECT count(*) FROM v_findings x WHERE x.original_report_id = l.report_id AND x.verdict = 'open') AS open_findings
        FROM listed l JOIN documents d USING (doc_id) ORDER BY {order}""",
            args,
        )
    )
    return Page(rows, total, offset, size)


def years_and_units(con: duckdb.DuckDBPyConnection) -> tuple[list[int], list[str]]:
    years = [y for (y,) in con.execute("SELECT DISTINCT fiscal_year FROM v_reports WHERE fiscal_year IS NOT NULL ORDER BY 1 DESC").fetchall()]
    units = [
        u
        for (u,) in con.execute("""SELECT DISTINCT coalesce(implementing_unit, department) FROM v_reports
                                          WHERE coalesce(implementing_unit, department) IS NOT NULL ORDER BY 1""").fetchall()
    ]
    return years, units


@dataclass
class ReportView:
    report: dict
    document: dict
    paths: list[str]
    values: list[dict]  # the correctable columns: name, value, source field (key, label, value, page, box)
    fields: list[dict]
    funding: list[dict]
    indicators: list[dict]
    findings: list[dict]
    corrections: list[dict]
    pages: list[int] = field(default_factory=list)  # pages its values came from
    original_title: str | None = None  # a copy's original, as a person names it: year and project


def report_title(con: duckdb.DuckDBPyConnection, report_id: str) -> str:
    """A report as a person names it, 「2021 年度 城管执法专项经费」, never by its 64-character id."""
    row = con.execute("SELECT fiscal_year, project_name FROM v_reports WHERE report_id = ?", [report_id]).fetchone()
    year, name = row or (None, None)
    return " ".join(part for part in (_("Year {year}").format(year=year) if year else None, name or _("(no name)")) if part)


def report_view(con: duckdb.DuckDBPyConnection, report_id: str) -> ReportView | None:
    rows = _dicts(con.execute("SELECT * FROM v_reports WHERE report_id = ?", [report_id]))
    if not rows:
        return None
    report = rows[0]
    document = _dicts(con.execute("SELECT * FROM documents WHERE doc_id = ?", [report["doc_id"]]))[0]
    stored = document_of(con, report["doc_id"])
    assert stored is not None  # its document was read just above
    paths = stored[1]
    fields = _dicts(
        con.execute(
            """SELECT row_number() OVER () AS n, key, label, value, page, locator, x0, y0, x1, y1
                                   FROM fields WHERE report_id = ? ORDER BY page NULLS LAST, locator""",
            [report_id],
        )
    )
    values = [{"column": c, "value": report[c], "corrected": c in report["corrected_columns"], "source": _source_of(c, fields)} for c in CORRECTABLE]
    # the rate the (corrected) figures give, on the base execution_rate_matches uses, where it differs
    base = report["budget_adjusted_yuan"] or report["received_yuan"] or report["budget_initial_yuan"]
    if report["spent_yuan"] is not None and base and report["execution_rate_pct"] is not None:
        computed = (100 * report["spent_yuan"] / base).quantize(Decimal("0.01"))
        if abs(computed - report["execution_rate_pct"]) > Decimal("0.01"):
            next(v for v in values if v["column"] == "execution_rate_pct")["computed"] = computed
    funding = _dicts(con.execute("SELECT * EXCLUDE (report_id) FROM funding WHERE report_id = ? ORDER BY seq", [report_id]))
    indicators = _dicts(con.execute("SELECT * EXCLUDE (report_id) FROM indicators WHERE report_id = ? ORDER BY seq", [report_id]))
    # its own findings first, then its copies' (the same report read from another file)
    findings = _shown(
        _dicts(
            con.execute(
                """SELECT * FROM v_findings WHERE original_report_id = ?
                                            ORDER BY report_id <> original_report_id, severity, rule, message""",
                [report_id],
            )
        )
    )
    corrections = _dicts(con.execute("SELECT * FROM corrections WHERE report_id = ? ORDER BY correction_id DESC", [report_id]))
    pages = sorted({f["page"] for f in fields if f["page"] is not None})
    original = report_title(con, report["duplicate_of"]) if report["duplicate_of"] else None
    return ReportView(report, document, paths, values, fields, funding, indicators, findings, corrections, pages, original)


def _source_of(column: str, fields: list[dict]) -> dict | None:
    """The field a report column was read from: its own key, else the funding total's, else the one
    funding row's (a report with one source reads its figures from that row)."""
    with_value = [f for f in fields if f["value"] is not None]
    for pick in (
        [f for f in with_value if f["key"] == column],
        [f for f in with_value if f["key"] == f"funding.total.{column}"],
        [f for f in with_value if (f["key"] or "").startswith("funding.") and f["key"].endswith(f".{column}")],
    ):
        if len(pick) == 1 or (pick and column == pick[0]["key"]):
            return pick[0]
    return None


def _shown(findings: list[dict]) -> list[dict]:
    """Each finding with `shown`: its message in the reader's language, from its parameters (the stored
    message, in the warehouse's language, still names it for reviews)."""
    for f in findings:
        f["shown"] = render(f.get("parameters"), fallback=f["message"])
    return findings


def findings_list(
    con: duckdb.DuckDBPyConnection, rule: str | None, severity: str | None, verdict: str | None, page: int = 1, size: int = PAGE_ROWS
) -> Page:
    """One page of the findings the filter keeps, filtered, counted and ordered in SQL."""
    where, args = [], []
    for column, value in (("f.rule", rule), ("f.severity", severity), ("f.verdict", verdict)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    kept = f"FROM v_findings f {('WHERE ' + ' AND '.join(where)) if where else ''}"
    total = one_value(con.execute(f"SELECT count(*) {kept}", args))
    offset = max(0, min(page - 1, (total - 1) // size if total else 0)) * size
    order = "CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, f.rule, f.original_report_id, f.report_id, f.message"
    rows = _shown(
        _dicts(
            con.execute(
                f"""
        WITH listed AS (SELECT f.* {kept} ORDER BY {order} LIMIT {int(size)} OFFSET {int(offset)})
        SELECT f.*, r.project_name, r.fiscal_year, d.path
        FROM listed f LEFT JOIN reports r USING (report_id) LEFT JOIN documents d ON d.doc_id = r.doc_id
        ORDER BY {order}""",
                args,
            )
        )
    )
    return Page(rows, total, offset, size)


def finding(con: duckdb.DuckDBPyConnection, report_id: str, rule: str, message: str) -> dict | None:
    rows = _dicts(
        con.execute(
            """SELECT f.*, r.project_name, r.fiscal_year, d.path
                                 FROM v_findings f LEFT JOIN reports r USING (report_id) LEFT JOIN documents d ON d.doc_id = r.doc_id
                                 WHERE f.report_id = ? AND f.rule = ? AND f.message = ?""",
            [report_id, rule, message],
        )
    )
    return _shown(rows)[0] if rows else None


def rules_and_counts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return _dicts(
        con.execute("""SELECT rule, count(*) AS n, count(*) FILTER (WHERE verdict = 'open') AS open
                                 FROM v_findings GROUP BY rule ORDER BY rule""")
    )


def all_corrections(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return _dicts(
        con.execute("""SELECT c.*, r.project_name, r.fiscal_year FROM corrections c LEFT JOIN reports r USING (report_id)
                                 ORDER BY c.correction_id DESC""")
    )


def document_of(con: duckdb.DuckDBPyConnection, doc_id: str) -> tuple[str, list[str]] | None:
    """A document's format and the paths ingest found it at; None for a doc_id not stored."""
    row = con.execute("SELECT format, path FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
    if row is None:
        return None
    others = [p for (p,) in con.execute("SELECT path FROM document_paths WHERE doc_id = ? AND path <> ? ORDER BY path", [doc_id, row[1]]).fetchall()]
    return row[0], [row[1], *others]


def documents_to_show(con: duckdb.DuckDBPyConnection, formats: list[str]) -> list[tuple[str, str, list[str]]]:
    """(doc_id, format, paths ingest found it at) of the current documents in formats that hold reports, most recent
    first: the latest fiscal year among a document's reports, then the latest ingested."""
    rows = con.execute(
        """
        SELECT d.doc_id, d.format, d.path,
               (SELECT list(p.path ORDER BY p.path) FROM document_paths p WHERE p.doc_id = d.doc_id AND p.path <> d.path)
        FROM documents d JOIN (SELECT doc_id, max(fiscal_year) AS year FROM reports GROUP BY doc_id) r USING (doc_id)
        WHERE d.replaced_by IS NULL AND list_contains(?, d.format)
        ORDER BY r.year DESC NULLS LAST, d.ingested_at DESC, d.doc_id""",
        [formats],
    ).fetchall()
    return [(doc_id, fmt, [path, *(others or [])]) for doc_id, fmt, path, others in rows]
