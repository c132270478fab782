"""Run the consistency rules in rules/checks/*.sql over the warehouse and store what they find."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import regex

from jixiao.base.db import insert_rows, one_value, transaction, warehouse_language
from jixiao.base.errors import StepFailed
from jixiao.base.i18n import _
from jixiao.base.messages import render
from jixiao.base.model import REPORT_TABLES, SEVERITIES


class RuleError(StepFailed):
    step = "rules"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    meaning: str
    sql: str
    source: str  # the file it came from


# Helpers every rule may use (see rules/checks/README.md).
MACROS = (
    # one unit of the last decimal place a DECIMAL(9,2) value was written with: the document's own rounding
    "CREATE OR REPLACE TEMP MACRO jx_unit(x) AS CASE WHEN x IS NULL THEN NULL WHEN x = round(x, 0) THEN 1"
    " WHEN x = round(x, 1) THEN 0.1 ELSE 0.01 END",
    # yuan shown as 万元 for messages: 944400 → 94.44万元
    "CREATE OR REPLACE TEMP MACRO jx_wan(x) AS CASE WHEN x IS NULL THEN 'NULL' ELSE rtrim(rtrim(printf('%.4f', x / 10000), '0'), '.') || '万元' END",
)

_HEADER = regex.compile(r"^--\s*(id|severity|meaning)\s*:\s*(.+?)\s*$", regex.M)


def parse_rule(text: str, source: str) -> Rule:
    """Given a rule file's text, return the Rule its header describes."""
    header = {k: v for k, v in _HEADER.findall(text)}
    missing = [k for k in ("id", "severity", "meaning") if k not in header]
    if missing:
        raise RuleError(_("Rule file {source} has no {value} in its header.").format(source=source, value=", ".join(missing)))
    if header["severity"] not in SEVERITIES:
        raise RuleError(_("Rule file {source} has severity {header!r}; use error, warning or info.").format(source=source, header=header["severity"]))
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip().rstrip(";")
    return Rule(header["id"], header["severity"], header["meaning"], body, source)


def load_rules(folder: Path | None = None) -> tuple[Rule, ...]:
    """Read every rule file (default: the packaged rules/checks), sorted by id."""
    if folder is not None:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("*.sql"))]
    else:
        base = resources.files("jixiao.rules").joinpath("checks")
        files = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(base.iterdir(), key=lambda p: p.name) if p.name.endswith(".sql")]
    rules = sorted((parse_rule(text, name) for name, text in files), key=lambda r: r.id)
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RuleError(_("Two rule files share an id: {value}.").format(value=sorted({i for i in ids if ids.count(i) > 1})))
    return tuple(rules)


@lru_cache(maxsize=1)
def default_rules() -> tuple[Rule, ...]:
    return load_rules()


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    for macro in MACROS:
        con.execute(macro)


def _select(rule: Rule) -> str:
    return f"SELECT * FROM ({rule.sql}) AS q(report_id, message, expected, actual)"


def validate_rules(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...]) -> None:
    """Plan each rule (EXPLAIN: bound against the schema, run on nothing, whatever the warehouse holds) so
    that a broken file is named before any document is stored."""
    _prepare(con)
    for rule in rules:
        try:
            con.execute(f"EXPLAIN {_select(rule)}")
        except duckdb.Error as exc:
            raise RuleError(
                _("Rule {id} ({source}) does not run: {value}").format(id=rule.id, source=rule.source, value=str(exc).splitlines()[0])
            ) from exc


_SCOPES = {
    "all": "SELECT report_id, doc_id FROM reports",
    "pending": "SELECT report_id, doc_id FROM reports JOIN documents USING (doc_id) WHERE NOT coalesce(rules_checked, FALSE)",
}
# The tables that hold a report's own rows: a rule judges one report at a time, so for a few reports
# it reads these tables cut down to theirs (temp tables of the same names, which DuckDB reads first).
REPORT_ROW_TABLES = ("reports", *REPORT_TABLES)


def _tables_read(rules: tuple[Rule, ...]) -> list[str]:
    text = " ".join(rule.sql for rule in rules)
    return [t for t in REPORT_ROW_TABLES if regex.search(rf"\b{t}\b", text)]


def write_findings(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...] | None = None, scope: str | list[str] = "all") -> int:
    """Replace the rules' findings of the reports in scope with what the rules find now, mark their
    documents checked, and return how many findings there are now in scope. The one findings writer.

    scope: "all", "pending" (documents stored since rules last ran: ingest checks in batches, and a
    run killed in between leaves documents unchecked, which the next run checks first), or a list
    of doc_ids. Findings made while reading (value_unreadable, …) are not rules' and stay as they
    are. Runs in the caller's transaction.

    A rule judges one report at a time (rules/checks/README.md), so for a scope short of "all" each
    rule reads only the rows of the reports in scope: the cost follows the documents checked, not
    the warehouse.
    """
    rules = default_rules() if rules is None else rules
    _prepare(con)
    if isinstance(scope, str):
        con.execute(f"CREATE OR REPLACE TEMP TABLE jx_scope AS {_SCOPES[scope]}")  # scope: one of two constants
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE jx_scope AS SELECT report_id, doc_id FROM reports WHERE list_contains($ids, doc_id)", {"ids": list(scope)}
        )
    ids = [r.id for r in rules]
    in_scope = " AND report_id IN (SELECT report_id FROM jx_scope)"
    con.execute(f"DELETE FROM findings WHERE list_contains($ids, rule){in_scope}", {"ids": ids})
    lang = warehouse_language(con)
    shadowed = [] if scope == "all" else _tables_read(rules)
    database = one_value(con.execute("SELECT current_database()")).replace('"', '""')
    try:
        for table in shadowed:  # names from the constant above
            con.execute(
                f'CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM "{database}".main.{table} WHERE report_id IN (SELECT report_id FROM jx_scope)'
            )
        for rule in rules:
            try:  # the rule's SQL is packaged data (rules/checks), not user input
                found = con.execute(
                    f"SELECT report_id, message, CAST(expected AS VARCHAR), CAST(actual AS VARCHAR) FROM ({_select(rule)})"
                    f" WHERE report_id IN (SELECT report_id FROM jx_scope)"
                ).fetchall()
            except duckdb.Error as exc:
                raise RuleError(
                    _("Rule {id} ({source}) failed: {value}").format(id=rule.id, source=rule.source, value=str(exc).splitlines()[0])
                ) from exc
            # a rule returns its message as parameters (a JSON object naming its template): rendered here in the
            # warehouse's language, kept for rendering in any other
            rows = [
                (rid, rule.id, rule.severity, render(params, lang, fallback=rule.meaning), expected, actual, params)
                for rid, params, expected, actual in found
            ]
            insert_rows(con, "findings", ["report_id", "rule", "severity", "message", "expected", "actual", "parameters"], rows)
    finally:
        for table in shadowed:
            try:
                con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
            except duckdb.Error:  # the transaction failed: rolling it back drops them
                pass
    found = one_value(con.execute(f"SELECT count(*) FROM findings WHERE list_contains($ids, rule){in_scope}", {"ids": ids}))
    if scope == "pending" or scope == "all":  # documents without reports count as checked too
        con.execute("UPDATE documents SET rules_checked = TRUE WHERE NOT coalesce(rules_checked, FALSE)")
    else:
        con.execute("UPDATE documents SET rules_checked = TRUE WHERE list_contains($ids, doc_id)", {"ids": list(scope)})
    con.execute("DROP TABLE jx_scope")
    return int(found)


def findings_as_corrected(con: duckdb.DuckDBPyConnection, report_id: str, rules: tuple[Rule, ...] | None = None) -> list[tuple[str, str]]:
    """Given a report, return (rule, message) of each finding the rules make of it with its corrections applied.

    Findings stay those of what was read (a check rewrites them from `reports`); this asks what they would be if
    the reader had read the corrected values, so a correction can say which findings it resolves. The report's
    rows are temp tables of the tables' names, `reports` taken from v_reports; the caller's transaction sees them
    and they are dropped before returning.
    """
    rules = default_rules() if rules is None else rules
    _prepare(con)
    lang = warehouse_language(con)
    database = one_value(con.execute("SELECT current_database()")).replace('"', '""')
    tables = _tables_read(rules)
    try:
        for table in tables:  # names from the constant REPORT_ROW_TABLES
            source = "v_reports" if table == "reports" else table
            extra = " EXCLUDE (corrected_columns)" if table == "reports" else ""
            con.execute(f'CREATE OR REPLACE TEMP TABLE {table} AS SELECT *{extra} FROM "{database}".main.{source} WHERE report_id = ?', [report_id])
        found: list[tuple[str, str]] = []
        for rule in rules:  # packaged SQL, as in write_findings
            rows = con.execute(f"SELECT message FROM ({_select(rule)}) WHERE report_id = ?", [report_id]).fetchall()
            found += [(rule.id, render(params, lang, fallback=rule.meaning) or rule.meaning) for (params,) in rows]
        return found
    finally:
        for table in tables:
            con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")


def resolved_findings(con: duckdb.DuckDBPyConnection, report_id: str) -> list[tuple[str, str]]:
    """Given a report, return the (rule, message) of its rules' findings that its corrected values no longer give.

    A finding is resolved when its message is gone and its rule finds fewer things than before: a rule whose
    message only changed (a mismatch corrected into another mismatch) still finds the problem.
    """
    rules = default_rules()
    before = con.execute(
        "SELECT rule, message FROM findings WHERE report_id = ? AND list_contains(?, rule) ORDER BY rule, message", [report_id, [r.id for r in rules]]
    ).fetchall()
    after = findings_as_corrected(con, report_id, rules)
    fewer = Counter(rule for rule, _m in after)
    counted = Counter(rule for rule, _m in before)
    return [(rule, message) for rule, message in before if (rule, message) not in after and fewer[rule] < counted[rule]]


@dataclass
class CheckSummary:
    rules: int
    findings: list[tuple[str, str, int, str]]  # (rule, severity, count, an example message)

    def as_dict(self) -> dict:
        return {"rules": self.rules, "findings": [{"rule": r, "severity": s, "count": n, "example": m} for r, s, n, m in self.findings]}


def check(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...] | None = None) -> CheckSummary:
    """Re-run every rule over the whole warehouse in one transaction; return counts per rule."""
    rules = default_rules() if rules is None else rules
    with transaction(con):
        write_findings(con, rules, "all")
    rows = con.execute("""
        SELECT rule, severity, count(*), min(message)
        FROM findings GROUP BY rule, severity
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule""").fetchall()
    return CheckSummary(len(rules), [(r, s, int(n), m) for r, s, n, m in rows])
