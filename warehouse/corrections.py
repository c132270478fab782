"""Corrections: a person's fix of a value the reader got wrong, kept beside the value read, never over it.

A correction re-runs its report's rules over the corrected values; a finding they no longer make is closed by a
review (verdict explained, the verdict the table's CHECK allows for "the finding has its explanation") whose note
names the correction. The finding itself stays, as findings are of what was read; v_findings shows it closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

import duckdb

from jixiao.base.db import one_value, transaction
from jixiao.base.i18n import _
from jixiao.base.messages import column_label
from jixiao.base.render import text_of

from .schema import CORRECTABLE


class CorrectionRefused(Exception):
    """A correction that cannot be made; one sentence."""


@dataclass(frozen=True)
class Correction:
    correction_id: int
    report_id: str
    column_name: str
    old_value: str | None
    new_value: str | None
    corrected_by: str
    corrected_at: datetime
    reason: str
    resolved: tuple[tuple[str, str], ...] = ()  # (rule, message) of the findings this correction closed


RESOLVED_VERDICT = "explained"


# Given the connection (in the correction's transaction) and a report, the (rule, message) of the findings its
# corrected values no longer give: the rules' business (jixiao.rules.resolved_findings), handed in by the caller
Resolver = Callable[[duckdb.DuckDBPyConnection, str], list[tuple[str, str]]]


def correct(
    con: duckdb.DuckDBPyConnection,
    report_id: str,
    column: str,
    value: Decimal | int | str | None,
    by: str,
    reason: str,
    resolves: Resolver | None = None,
) -> Correction:
    """Record that report_id's column should read value (None: unknown), keeping the value it read
    as before (after earlier corrections); return the correction. With resolves, the findings the corrected
    values resolve are closed by a review naming the correction."""
    if column not in CORRECTABLE:
        raise CorrectionRefused(_("「{column}」 cannot be corrected; these can: {value}.").format(column=column, value=", ".join(CORRECTABLE)))
    if not by.strip() or not reason.strip():
        raise CorrectionRefused(_("A correction needs who made it and why."))
    with transaction(con):
        # column is one of CORRECTABLE's names (checked above): the only text that reaches the SQL
        row = con.execute(f"SELECT {column}, duplicate_of FROM v_reports WHERE report_id = ?", [report_id]).fetchone()
        if row is None:
            raise CorrectionRefused(_("There is no report {report_id} in the warehouse.").format(report_id=report_id))
        if row[1] is not None:  # the views read the original: a correction here would change nothing anyone sees
            raise CorrectionRefused(
                _("Report {report_id} is a copy of {row} (the same report read from another file), which the views read; correct {row}.").format(
                    report_id=report_id, row=row[1]
                )
            )
        # as the column holds it (97 → 97.00), so old and new read alike; a value that does not fit fails here
        new = None if value is None else text_of(one_value(con.execute(f"SELECT CAST(? AS {CORRECTABLE[column]})", [value])))
        cid = one_value(
            con.execute(
                """INSERT INTO corrections (report_id, column_name, old_value, new_value, corrected_by, reason)
                             VALUES (?, ?, ?, ?, ?, ?) RETURNING correction_id""",
                [report_id, column, None if row[0] is None else text_of(row[0]), new, by, reason],
            )
        )
        made = corrections(con, [cid])[0]
        resolved = _close_resolved_findings(con, made, resolves(con, report_id)) if resolves else ()
    return replace(made, resolved=resolved)


def _close_resolved_findings(con: duckdb.DuckDBPyConnection, c: Correction, resolved: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Review each finding c resolves as explained by c (in the caller's transaction); return them."""
    note = _("Resolved by correction {id}: {column} {old} → {new} ({reason}).").format(
        id=c.correction_id, column=column_label(c.column_name), old=c.old_value or "NULL", new=c.new_value or "NULL", reason=c.reason
    )
    for rule, message in resolved:
        con.execute(
            """INSERT INTO finding_reviews (report_id, rule, message, verdict, note, reviewed_by)
                       VALUES (?, ?, ?, ?, ?, ?)""",
            [c.report_id, rule, message, RESOLVED_VERDICT, note, c.corrected_by],
        )
    return tuple(resolved)


def corrections(con: duckdb.DuckDBPyConnection, ids: list[int] | None = None) -> list[Correction]:
    """Every correction (or those of ids), oldest first."""
    where = "" if ids is None else " WHERE list_contains(?, correction_id)"
    rows = con.execute(
        f"SELECT correction_id, report_id, column_name, old_value, new_value, corrected_by, corrected_at, reason "
        f"FROM corrections{where} ORDER BY correction_id",
        [] if ids is None else [ids],
    ).fetchall()
    return [Correction(*row) for row in rows]
