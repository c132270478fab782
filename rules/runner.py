"""Run the consistency rules in rules/checks/*.sql over the warehouse and store what they find."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import regex

from jixiao.db import transaction
from jixiao.errors import StepFailed
from jixiao.model import SEVERITIES


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
    "CREATE OR REPLACE TEMP MACRO jx_wan(x) AS CASE WHEN x IS NULL THEN 'NULL'"
    " ELSE rtrim(rtrim(printf('%.4f', x / 10000), '0'), '.') || '万元' END",
)

_HEADER = regex.compile(r"^--\s*(id|severity|meaning)\s*:\s*(.+?)\s*$", regex.M)


def parse_rule(text: str, source: str) -> Rule:
    """Given a rule file's text, return the Rule its header describes."""
    header = {k: v for k, v in _HEADER.findall(text)}
    missing = [k for k in ("id", "severity", "meaning") if k not in header]
    if missing:
        raise RuleError(f"Rule file {source} has no {', '.join(missing)} in its header.")
    if header["severity"] not in SEVERITIES:
        raise RuleError(f"Rule file {source} has severity {header['severity']!r}; use error, warning or info.")
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
        raise RuleError(f"Two rule files share an id: {sorted({i for i in ids if ids.count(i) > 1})}.")
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
    """Run each rule on no rows so that a broken file is named before any document is stored."""
    _prepare(con)
    for rule in rules:
        try:
            con.execute(f"{_select(rule)} LIMIT 0")
        except duckdb.Error as exc:
            raise RuleError(f"Rule {rule.id} ({rule.source}) does not run: {str(exc).splitlines()[0]}")


def apply_rules(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...] | None = None, doc_id: str | None = None) -> int:
    """Replace the rule findings (of one document, or of all) with what the rules find now; return how many.

    Findings made while reading (value_unreadable, …) are not rules' and stay as they are.
    Runs in the caller's transaction.
    """
    rules = default_rules() if rules is None else rules
    _prepare(con)
    scope = "" if doc_id is None else " AND report_id IN (SELECT report_id FROM reports WHERE doc_id = $doc)"
    where = "" if doc_id is None else " WHERE report_id IN (SELECT report_id FROM reports WHERE doc_id = $doc)"
    params = {} if doc_id is None else {"doc": doc_id}
    ids = [r.id for r in rules]
    con.execute(f"DELETE FROM findings WHERE list_contains($ids, rule){scope}", {"ids": ids, **params})
    total = 0
    for rule in rules:
        try:
            con.execute(
                f"INSERT INTO findings SELECT report_id, $rule, $severity, coalesce(message, $meaning),"
                f" CAST(expected AS VARCHAR), CAST(actual AS VARCHAR) FROM ({_select(rule)}){where}",
                {"rule": rule.id, "severity": rule.severity, "meaning": rule.meaning, **params})
        except duckdb.Error as exc:
            raise RuleError(f"Rule {rule.id} ({rule.source}) failed: {str(exc).splitlines()[0]}")
    total = con.execute(f"SELECT count(*) FROM findings WHERE list_contains($ids, rule){scope}", {"ids": ids, **params}).fetchone()[0]
    return int(total)


_PENDING = "SELECT report_id FROM reports JOIN documents USING (doc_id) WHERE NOT coalesce(rules_checked, FALSE)"


def apply_rules_pending(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...] | None = None) -> int:
    """Write the findings of every document stored since rules last ran, in one transaction; return how many.

    Ingest stores documents one transaction each and checks them in batches: a run killed in
    between leaves documents unchecked, and the next run checks them first.
    """
    rules = default_rules() if rules is None else rules
    _prepare(con)
    ids = [r.id for r in rules]
    with transaction(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE jx_pending AS {_PENDING}")
        con.execute("DELETE FROM findings WHERE list_contains($ids, rule) AND report_id IN (SELECT report_id FROM jx_pending)", {"ids": ids})
        for rule in rules:
            try:
                con.execute(f"INSERT INTO findings SELECT report_id, $rule, $severity, coalesce(message, $meaning),"
                            f" CAST(expected AS VARCHAR), CAST(actual AS VARCHAR) FROM ({_select(rule)})"
                            f" WHERE report_id IN (SELECT report_id FROM jx_pending)",
                            {"rule": rule.id, "severity": rule.severity, "meaning": rule.meaning})
            except duckdb.Error as exc:
                raise RuleError(f"Rule {rule.id} ({rule.source}) failed: {str(exc).splitlines()[0]}")
        found = con.execute("SELECT count(*) FROM findings WHERE list_contains($ids, rule)"
                            " AND report_id IN (SELECT report_id FROM jx_pending)", {"ids": ids}).fetchone()[0]
        con.execute("UPDATE documents SET rules_checked = TRUE WHERE NOT coalesce(rules_checked, FALSE)")
        con.execute("DROP TABLE jx_pending")
    return int(found)


@dataclass
class CheckSummary:
    rules: int
    findings: list[tuple[str, str, int, str]]  # (rule, severity, count, an example message)

    def as_dict(self) -> dict:
        return {"rules": self.rules,
                "findings": [{"rule": r, "severity": s, "count": n, "example": m} for r, s, n, m in self.findings]}


def check(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...] | None = None) -> CheckSummary:
    """Re-run every rule over the whole warehouse in one transaction; return counts per rule."""
    rules = default_rules() if rules is None else rules
    with transaction(con):
        apply_rules(con, rules)
    rows = con.execute("""
        SELECT rule, severity, count(*), min(message)
        FROM findings GROUP BY rule, severity
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule""").fetchall()
    return CheckSummary(len(rules), [(r, s, int(n), m) for r, s, n, m in rows])
