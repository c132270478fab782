"""Documents are written in groups, one transaction a group: every value exact, one bad document costs only itself."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.base.model import REPORT_COLUMNS
from jixiao.ingest.reading import read_file
from jixiao.warehouse import Pending, connect, store_group
from jixiao.warehouse.store import _rows

TABLES = ("funding", "indicators", "indicator_groups", "flags", "sections", "facts", "fields")


@pytest.mark.slow
def test_a_group_stores_every_value_as_read(seed_files, family_files):
    """Every report column and every row of every family, written together, reads back equal to the model."""
    results = [read_file(p) for p in [seed_files["docx-text"], *family_files.values()]]
    con = connect(":memory:")
    done = store_group(con, [Pending(r) for r in results])
    assert [p.result.status for p in done] == [r.status for r in results]  # none turned failed
    assert sum(r.status == "ok" for r in results) > 20
    for result in results:
        for ordinal, report in enumerate(result.reports, start=1):
            rid = f"{result.doc_id}:{ordinal}"
            stored = con.execute(f"SELECT {', '.join(REPORT_COLUMNS)} FROM reports WHERE report_id = ?", [rid]).fetchone()
            assert stored == tuple(getattr(report, c) for c in REPORT_COLUMNS), rid
            for table in TABLES:
                order = "seq" if table in ("funding", "indicators", "indicator_groups", "sections") else "rowid"
                back = con.execute(f"SELECT * EXCLUDE (report_id) FROM {table} WHERE report_id = ? ORDER BY {order}", [rid]).fetchall()
                want = [row[1:] for row in _rows(report, rid, table)]
                assert back == want, (rid, table)
    money = con.execute("SELECT spent_yuan FROM reports WHERE project_name = '政务服务及政务大厅运转经费'").fetchone()[0]
    assert money == Decimal("944400.00") and isinstance(money, Decimal)


def test_a_document_the_database_refuses_fails_alone(seed_files, family_files):
    """A value beyond its column's range makes the group's transaction fail; the group is then stored
    one document at a time, the refused one as failed with the database's reason."""
    good = [read_file(p) for p in list(family_files.values())[:3]]
    bad = read_file(seed_files["docx-text"])
    bad.reports[0].execution_rate_pct = Decimal("123456789.12")  # DECIMAL(9,2) cannot hold it
    con = connect(":memory:")
    done = store_group(con, [Pending(good[0]), Pending(bad), Pending(good[1]), Pending(good[2])])
    assert [p.result.status for p in done] == ["ok", "failed", "ok", "ok"]
    assert "nothing of it was kept" in done[1].result.error and "123456789.12" in done[1].result.error
    rows = con.execute("SELECT doc_id, status, n_reports FROM documents ORDER BY path").fetchall()
    assert sorted(rows) == sorted([(r.doc_id, "ok", r.n_reports) for r in good] + [(bad.doc_id, "failed", 0)])
    assert con.execute("SELECT count(*) FROM reports WHERE doc_id = ?", [bad.doc_id]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == sum(r.n_reports for r in good)
