"""The Python face of the warehouse for notebooks: `jixiao.connect(path)` and pandas DataFrames.

Money and rates come back as `decimal.Decimal` (exact, as stored); call `.astype(float)` on a
column before plotting.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from jixiao.base.messages import render
from jixiao.warehouse import connect as _connect


class Warehouse:
    """A read-only view of a warehouse file with helpers for the common questions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str | Path | None = None):
        self.con = con
        self.path = path  # where the search index lives beside it (FILE.search/)

    def sql(self, query: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame whose DECIMAL columns hold exact Decimals."""
        cursor = self.con.execute(query, params or [])
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def table(self, name: str) -> pd.DataFrame:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a table name: {name!r}")
        return self.sql(f"SELECT * FROM {name}")

    def reports(self, copies: bool = False) -> pd.DataFrame:
        """Reports with corrections applied (v_reports), as the desk shows them; copies of a report read from
        another file (duplicate_of) are left out unless asked for."""
        where = "" if copies else " WHERE r.duplicate_of IS NULL"
        return self.sql(f"SELECT r.*, d.path, d.format FROM v_reports r JOIN documents d USING (doc_id){where} ORDER BY fiscal_year, project_name")

    def projects(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM projects ORDER BY project_name")

    def spending(self, below_pct: float | None = None) -> pd.DataFrame:
        """One row per project and year (v_spending); below_pct keeps the years under that execution rate."""
        where = "" if below_pct is None else " WHERE execution_rate_pct < $below"
        return self.sql(f"SELECT * FROM v_spending{where} ORDER BY project_key, fiscal_year", {"below": below_pct} if below_pct is not None else None)

    def unit_year(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM v_unit_year ORDER BY unit, fiscal_year")

    def scores(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM v_scores ORDER BY fiscal_year, project_name, level1, level2")

    def findings(self, severity: str | None = None) -> pd.DataFrame:
        """Findings with their review verdicts (v_findings), on the corrected reports; a copy's findings are
        grouped with its original (original_report_id)."""
        where = "" if severity is None else " WHERE f.severity = $severity"
        found = self.sql(
            f"""SELECT r.fiscal_year, r.project_name, f.rule, f.severity, f.message, f.expected, f.actual,
                                    f.verdict, f.review_note, f.report_id, f.original_report_id, d.path, f.parameters
                             FROM v_findings f JOIN v_reports r USING (report_id) JOIN documents d USING (doc_id){where}
                             ORDER BY r.fiscal_year, r.project_name, f.original_report_id, f.rule""",
            {"severity": severity} if severity else None,
        )
        # the message in the reader's language (jixiao.base.i18n), from the finding's parameters
        found["message"] = [
            render(p if isinstance(p, str) else None, fallback=m)  # a finding from before parameters: NaN here
            for p, m in zip(found["parameters"], found["message"])
        ]
        return found.drop(columns="parameters")

    def indicators(self, missed_only: bool = False) -> pd.DataFrame:
        """Indicators as comparable values (v_indicators): kind, target and actual as written and as values, met,
        points lost; missed_only keeps those whose target was missed (met false)."""
        where = " WHERE met = FALSE" if missed_only else ""
        return self.sql(f"SELECT * FROM v_indicators{where} ORDER BY fiscal_year, unit, project_key, report_id, seq")

    def problems(self, recurring_only: bool = False) -> pd.DataFrame:
        """The problems each project's reports name, by topic across years (v_problems)."""
        where = " WHERE recurring" if recurring_only else ""
        return self.sql(f"SELECT * FROM v_problems{where} ORDER BY n_years DESC, project_name, topic")

    def search(self, words: str, kind: str | None = None, years: tuple[int, ...] = (), limit: int = 20) -> pd.DataFrame:
        """Sentences of the narrative that match Chinese words, best first (as `jixiao search`)."""
        from jixiao.warehouse import search

        hits = search(self.con, words, db_path=self.path, kind=kind, years=tuple(years), limit=limit)
        return pd.DataFrame(
            [h.as_dict() for h in hits], columns=["fiscal_year", "project_name", "unit", "kind", "sentence", "score", "report_id", "seq", "path"]
        )

    def findings_summary(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM v_findings_summary ORDER BY fiscal_year, rule")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(path: str | Path = "jixiao.duckdb", read_only: bool = True) -> Warehouse:
    """Open a warehouse for analysis (read-only unless asked)."""
    return Warehouse(_connect(path, read_only=read_only), path)
