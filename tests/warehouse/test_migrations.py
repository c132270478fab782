"""Frozen migrations: a warehouse built at any earlier version, with data in it, upgrades to the same
schema, the same rows and the same views as a fresh build."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from jixiao.ingest.run import ingest
from jixiao.warehouse import SCHEMA_VERSION, acknowledge, connect, correct, migrate, review
from jixiao.warehouse.schema import CORRECTABLE, MIGRATIONS, VIEW_NAMES


def _tables(con) -> dict[str, list[str]]:
    rows = con.execute("""SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
                          WHERE NOT internal AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE NOT internal)
                          GROUP BY table_name""").fetchall()
    return dict(rows)


def _schema(con) -> dict[str, list]:
    """Every table's and view's columns with type, default and nullability; constraints; sequences."""
    return {
        "columns": con.execute("""SELECT table_name, column_name, column_index, data_type, column_default, is_nullable
                                  FROM duckdb_columns() WHERE NOT internal ORDER BY ALL""").fetchall(),
        "constraints": con.execute("""SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints()
                                      ORDER BY ALL""").fetchall(),
        "sequences": con.execute("SELECT sequence_name FROM duckdb_sequences() ORDER BY ALL").fetchall(),
        "views": con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL").fetchall(),
    }


def _copy_rows(src, dst, tables: dict[str, list[str]]) -> None:
    """Insert src's rows of each table into dst, in the given columns (dst's rows of it go first)."""
    for table, columns in tables.items():
        if table == "schema_version":
            continue
        dst.execute(f"DELETE FROM {table}")
        rows = src.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        if rows:
            dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def _contents(con, tables, columns=None) -> dict[str, list[tuple]]:
    out = {}
    for t in tables:
        cols = ", ".join(columns[t]) if columns else "*"
        out[t] = con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall()
    return out


@pytest.fixture(scope="module")
def reference(seed_files, family_files, tmp_path_factory):
    """A fresh warehouse with rows in every table: the seed as .docx and PDF (a copy), a national form,
    a bundle, a meeting notice and an empty file; a correction and a review."""
    folder = tmp_path_factory.mktemp("ref_in")
    for name, src in [
        ("seed.docx", seed_files["docx-text"]),
        ("seed.pdf", seed_files["pdf-text"]),
        ("national.docx", family_files["docx/national_project/plain"]),
        ("bundle.pdf", family_files["pdf/bundle"]),
        ("notice.docx", family_files["docx/notice"]),
    ]:
        (folder / name).write_bytes(src.read_bytes())
    (folder / "empty.docx").write_bytes(b"")
    db = tmp_path_factory.mktemp("ref") / "fresh.duckdb"
    ingest([folder], db)
    con = connect(db)
    rid = con.execute("SELECT min(report_id) FROM reports WHERE duplicate_of IS NULL").fetchone()[0]
    correct(con, rid, "spent_yuan", Decimal("1000000"), "审核员", "原表实际支出为100万元")
    # these well-made files give no finding: one as the rules write it, and a review of it
    con.execute(
        "INSERT INTO findings (report_id, rule, severity, message, expected, actual) "
        "VALUES (?, 'subtotal_mismatch', 'warning', '投入的得分与其各行之和不符', '20', '12')",
        [rid],
    )
    review(con, rid, "subtotal_mismatch", "投入的得分与其各行之和不符", "explained", "已说明", "审核员")
    empty = con.execute("SELECT doc_id FROM documents WHERE status = 'failed'").fetchall()
    acknowledge(con, [d for (d,) in empty], "空文件，已向单位索要原件", "审核员")
    tables = _tables(con)
    assert all(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables if t not in ("pending", "link_pending")), (
        "every table of the reference holds rows, so every migration is tried on data"
    )
    yield con, tables
    con.close()


@pytest.mark.slow
@pytest.mark.parametrize("version", [n for n, _ in MIGRATIONS][:-1])
def test_a_warehouse_of_every_version_with_data_upgrades_like_a_fresh_one(reference, version, tmp_path):
    fresh, fresh_tables = reference
    old = duckdb.connect(str(tmp_path / f"v{version}.duckdb"))
    assert migrate(old, upto=version) == version
    then = _tables(old)  # the tables and columns this version had
    _copy_rows(fresh, old, then)
    assert migrate(old) == SCHEMA_VERSION

    assert _schema(old) == _schema(fresh)
    kept = [t for t in then if t not in ("schema_version", "pending")]
    assert _contents(old, kept, then) == _contents(fresh, kept, then)  # nothing stored before is lost or changed
    if "pending" in then:  # a migration may owe work (11 owes a relink, to mark copies), never drop it
        owed = set(old.execute("SELECT task FROM pending").fetchall())
        assert owed >= set(fresh.execute("SELECT task FROM pending").fetchall()) and owed <= {("link",)}

    # the views read an upgraded warehouse as they read a fresh one, row for row
    _copy_rows(fresh, old, fresh_tables)
    assert _contents(old, VIEW_NAMES) == _contents(fresh, VIEW_NAMES)
    old.close()


def test_migrations_are_numbered_files_and_run_once(tmp_path):
    numbers = [n for n, _ in MIGRATIONS]
    assert numbers == sorted(set(numbers)) and numbers[-1] == SCHEMA_VERSION
    con = connect(tmp_path / "w.duckdb")
    con.close()
    con = connect(tmp_path / "w.duckdb")  # a second open runs no migration again
    assert con.execute("SELECT list(version ORDER BY version) FROM schema_version").fetchone()[0] == numbers
    con.close()


def test_every_correctable_column_is_applied_by_v_reports(reference, tmp_path):
    """A correctable column must be in views.sql's v_reports too: each one's correction shows there."""
    fresh, tables = reference
    con = connect(tmp_path / "copy.duckdb")
    _copy_rows(fresh, con, tables)
    con.execute("DELETE FROM corrections")  # their ids would meet the sequence's
    rid = con.execute("SELECT report_id FROM reports WHERE duplicate_of IS NULL ORDER BY report_id LIMIT 1").fetchone()[0]
    samples = {"INTEGER": 2030, "VARCHAR": "更正后", "DECIMAL(18,2)": Decimal("123.45"), "DECIMAL(9,2)": Decimal("12.34")}
    for column, kind in CORRECTABLE.items():
        correct(con, rid, column, samples[kind], "审核员", "核对原表")
        shown, corrected = con.execute(f"SELECT {column}, corrected_columns FROM v_reports WHERE report_id = ?", [rid]).fetchone()
        assert shown == samples[kind] and column in corrected, column
    con.close()


def test_a_reader_of_an_older_warehouse_gets_it_upgraded(reference, tmp_path):
    """`query`, the desk and the Python API open read-only; a warehouse an older jixiao made (here: one
    migration short, its views from then) is upgraded first, so the current views answer."""
    import jixiao
    from jixiao.warehouse import connect_locked

    fresh, tables = reference
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    migrate(old, upto=MIGRATIONS[-2][0])
    _copy_rows(fresh, old, _tables(old))
    old.close()
    with jixiao.connect(path) as wh:
        assert len(wh.findings()) == 1 and not wh.reports().empty
    locked = connect_locked(path)
    assert locked.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    locked.close()
    stranger = tmp_path / "other.duckdb"  # a DuckDB file jixiao did not make is left as it is
    duckdb.connect(str(stranger)).execute("CREATE TABLE t (x INTEGER)").close()
    connect(stranger, read_only=True).close()
    assert duckdb.connect(str(stranger)).execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("t",)]
