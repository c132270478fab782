"""Corrections: a person's fix of a value the reader got wrong, kept beside the value read, never over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from jixiao.db import one_value, transaction
from jixiao.i18n import _
from jixiao.render import text_of

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


def correct(con: duckdb.DuckDBPyConnection, report_id: str, column: str, value: Decimal | int | str | None,
            by: str, reason: str) -> Correction:
    """Record that report_id's column should read value (None: unknown), keeping the value it read
    as before (after earlier corrections); return the correction."""
    if column not in CORRECTABLE:
        raise CorrectionRefused(_("「{column}」 cannot be corrected; these can: {value}.").format(column=column, value=', '.join(CORRECTABLE)))
    if not by.strip() or not reason.strip():
        raise CorrectionRefused(_("A correction needs who made it and why."))
    with transaction(con):
        # column is one of CORRECTABLE's names (checked above): the only text that reaches the SQL
        row = con.execute(f"SELECT {column}, duplicate_of FROM v_reports WHERE report_id = ?", [report_id]).fetchone()
        if row is None:
            raise CorrectionRefused(_("There is no report {report_id} in the warehouse.").format(report_id=report_id))
        if row[1] is not None:  # the views read the original: a correction here would change nothing anyone sees
            raise CorrectionRefused(_("Report {report_id} is a copy of {row} (the same report read from another file), which "
                                      "the views read; correct {row}.").format(report_id=report_id, row=row[1]))
        # as the column holds it (97 → 97.00), so old and new read alike; a value that does not fit fails here
        new = None if value is None else text_of(one_value(con.execute(f"SELECT CAST(? AS {CORRECTABLE[column]})", [value])))
        cid = one_value(con.execute("""INSERT INTO corrections (report_id, column_name, old_value, new_value, corrected_by, reason)
                             VALUES (?, ?, ?, ?, ?, ?) RETURNING correction_id""",
                                    [report_id, column, None if row[0] is None else text_of(row[0]), new, by, reason]))
    return corrections(con, [cid])[0]


def corrections(con: duckdb.DuckDBPyConnection, ids: list[int] | None = None) -> list[Correction]:
    """Every correction (or those of ids), oldest first."""
    where = "" if ids is None else " WHERE list_contains(?, correction_id)"
    rows = con.execute(f"SELECT correction_id, report_id, column_name, old_value, new_value, corrected_by, corrected_at, reason "
                       f"FROM corrections{where} ORDER BY correction_id", [] if ids is None else [ids]).fetchall()
    return [Correction(*row) for row in rows]

