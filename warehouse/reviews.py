"""Reviews of findings: a person's verdict (confirmed, explained, false alarm) with a note, kept beside
the finding. Findings are rewritten at every check, so a review names its finding by report, rule and
message, and the latest review of each counts (v_findings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from jixiao.base.db import one_value, transaction
from jixiao.base.i18n import _

VERDICTS = {"confirmed": "确认有误", "explained": "已说明", "false_alarm": "误报", "open": "待复核"}


class ReviewRefused(Exception):
    """A review that cannot be recorded; one sentence."""


@dataclass(frozen=True)
class Review:
    review_id: int
    report_id: str
    rule: str
    message: str
    verdict: str
    note: str | None
    reviewed_by: str
    reviewed_at: datetime


def review(con: duckdb.DuckDBPyConnection, report_id: str, rule: str, message: str, verdict: str, note: str | None, by: str) -> Review:
    """Record a verdict on the finding (report_id, rule, message); 'open' takes an earlier verdict back."""
    if verdict not in VERDICTS:
        raise ReviewRefused(_("「{verdict}」 is not a verdict; these are: {value}.").format(verdict=verdict, value=", ".join(VERDICTS)))
    if not by.strip():
        raise ReviewRefused(_("A review needs who made it."))
    with transaction(con):
        found = one_value(con.execute("SELECT count(*) FROM findings WHERE report_id = ? AND rule = ? AND message = ?", [report_id, rule, message]))
        if not found:
            raise ReviewRefused(_("Report {report_id} has no finding {rule} with that message.").format(report_id=report_id, rule=rule))
        rid = one_value(
            con.execute(
                """INSERT INTO finding_reviews (report_id, rule, message, verdict, note, reviewed_by)
                             VALUES (?, ?, ?, ?, ?, ?) RETURNING review_id""",
                [report_id, rule, message, verdict, (note or "").strip() or None, by.strip()],
            )
        )
    return reviews(con, [rid])[0]


def reviews(con: duckdb.DuckDBPyConnection, ids: list[int] | None = None) -> list[Review]:
    """Every review (or those of ids), oldest first."""
    where = "" if ids is None else " WHERE list_contains(?, review_id)"
    rows = con.execute(
        f"SELECT review_id, report_id, rule, message, verdict, note, reviewed_by, reviewed_at FROM finding_reviews{where} ORDER BY review_id",
        [] if ids is None else [ids],
    ).fetchall()
    return [Review(*row) for row in rows]
