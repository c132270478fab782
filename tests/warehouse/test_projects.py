"""One project across years: drifting names, two layouts and a renamed unit link; look-alikes stay apart."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jixiao.cli import main
from tests.fixtures import builder
from tests.fixtures import families as F


def _con(db):
    return duckdb.connect(str(db), read_only=True)


def test_one_project_over_three_years_links_with_reasons(cross_year_db):
    con = _con(cross_year_db)
    rows = con.execute("""SELECT r.fiscal_year, r.project_name, r.implementing_unit, r.template, l.project_key, l.reason
                          FROM reports r JOIN project_links l USING (report_id)
                          WHERE r.project_name LIKE '%城%执法%' ORDER BY r.fiscal_year""").fetchall()
    assert [(y, n, t) for y, n, _, t, _, _ in rows] == [
        (2020, "城市管理综合执法专项经费", "national_project"),
        (2021, "城管执法专项经费", "hunan_project_report"),
        (2022, "城市管理综合执法专项经费", "national_project"),
    ]
    assert len({key for *_, key, _ in rows}) == 1
    reasons = [reason for *_, reason in rows]
    assert reasons[0] == "first report of the project"
    assert "abbreviates" in reasons[1] and "城管执法专项经费" in reasons[1]
    assert "unit renamed" in reasons[2] and "区城市管理和综合执法局" in reasons[2]
    key = rows[0][4]
    project = con.execute("SELECT project_name, unit, region, years, n_reports FROM projects WHERE project_key = ?", [key]).fetchone()
    assert project == ("城市管理综合执法专项经费", "区城市管理和综合执法局", "雨花区", [2020, 2021, 2022], 3)


def test_similar_names_stay_apart(cross_year_db):
    con = _con(cross_year_db)
    keys = con.execute("SELECT project_name, project_key FROM reports WHERE project_name LIKE '农村道路%'").fetchall()
    assert len(keys) == 2 and keys[0][1] != keys[1][1]
    assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 3


def test_v_spending_follows_the_project(cross_year_db):
    con = _con(cross_year_db)
    rows = con.execute("""SELECT fiscal_year, budget_yuan, spent_yuan, execution_rate_pct, previous_year, spent_change_yuan
                          FROM v_spending WHERE project_name LIKE '%执法%' ORDER BY fiscal_year""").fetchall()
    assert rows == [
        (2020, Decimal("1200000.00"), Decimal("1140000.00"), Decimal("95.00"), None, None),
        (2021, Decimal("1270000.00"), Decimal("944400.00"), Decimal("74.36"), 2020, Decimal("-195600.00")),
        (2022, Decimal("1200000.00"), Decimal("1188000.00"), Decimal("99.00"), 2021, Decimal("243600.00")),
    ]


def test_views_for_units_scores_and_findings(cross_year_db):
    con = _con(cross_year_db)
    unit = con.execute("""SELECT n_projects, budget_yuan, spent_yuan, weighted_execution_rate_pct FROM v_unit_year
                          WHERE unit = '区交通运输局' AND fiscal_year = 2021""").fetchone()
    assert unit == (1, Decimal("1200000.00"), Decimal("1020000.00"), Decimal("85.00"))
    scores = con.execute("""SELECT level1, sum(weight), sum(score) FROM v_scores
                            WHERE fiscal_year = 2021 AND project_name = '城管执法专项经费' GROUP BY level1 ORDER BY level1""").fetchall()
    assert scores == [
        ("个性指标", Decimal("50.00"), Decimal("47.00")),
        ("投入", Decimal("20.00"), Decimal("20.00")),
        ("过程", Decimal("30.00"), Decimal("30.00")),
    ]
    assert con.execute("SELECT count(*) FROM v_findings_summary").fetchone()[0] == 0  # the archive is consistent


def test_mapping_file_overrides(cross_year_db, tmp_path, monkeypatch):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(cross_year_db, db)
    mapping = tmp_path / "map.csv"
    mapping.write_text("project_key,project_name,implementing_unit\nroads,农村道路建设项目,\nroads,农村道路养护项目,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["link", "--db", str(db), "--map", str(mapping)])
    assert result.exit_code == 0, result.output
    con = _con(db)
    assert con.execute("SELECT DISTINCT project_key FROM reports WHERE project_name LIKE '农村道路%'").fetchall() == [("roads",)]
    assert con.execute("SELECT reason FROM project_links WHERE project_key = 'roads'").fetchall() == [("mapping file: roads",)] * 2


@pytest.mark.slow
def test_exports_round_trip(cross_year_db, tmp_path):
    runner = CliRunner()
    con = _con(cross_year_db)
    for fmt in ("parquet", "csv"):
        out = tmp_path / fmt
        assert runner.invoke(main, ["export", "--format", fmt, "--out", str(out), "--db", str(cross_year_db)]).exit_code == 0
        for table in ("reports", "funding", "v_spending", "facts"):
            original = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            path = out / f"{table}.{fmt}"
            if fmt == "parquet":
                reader = f"read_parquet('{path}')"  # DECIMAL stays DECIMAL
            else:  # a CSV is read back with the table's own column types
                types = ", ".join(f"'{name}': '{kind}'" for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall())
                reader = f"read_csv('{path}', header = true, columns = {{{types}}})"
            back = duckdb.connect().execute(f"SELECT * FROM {reader} ORDER BY ALL").fetchall()
            assert back == original, table
    out = tmp_path / "xlsx"
    assert runner.invoke(main, ["export", "--format", "xlsx", "--out", str(out), "--chinese", "--db", str(cross_year_db)]).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(out / "jixiao.xlsx", read_only=True)
    sheet = book["报告"]  # --chinese names the sheets too
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("报告编号", "文件编号") and "项目名称" in rows[0]
    header = list(rows[0])
    spent = {r[header.index("报告编号")]: r[header.index("实际支出（元）")] for r in rows[1:]}
    [rid] = [r[0] for r in rows[1:] if r[header.index("项目名称")] == "城管执法专项经费"]
    assert spent[rid] == 944400 and isinstance(spent[rid], (int, float))  # money as numbers
    stored = dict(con.execute("SELECT report_id, spent_yuan FROM reports").fetchall())
    assert {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in spent.items()} == stored
    assert set(book.sheetnames) >= {"报告", "资金", "逐年支出", "单位年度", "核查发现"}


def test_a_table_longer_than_a_sheet_goes_on_in_further_sheets(cross_year_db, tmp_path, monkeypatch):
    """A sheet holds Excel's 1,048,576 rows at most (here made 4: a header and three rows): a longer table
    goes on in sheets named after it, each under the same header, every row once, and the export says so."""
    from openpyxl import load_workbook

    import jixiao.warehouse.workbook as workbook

    monkeypatch.setattr(workbook, "SHEET_ROWS", 4)
    result = CliRunner().invoke(main, ["export", "--format", "xlsx", "--out", str(tmp_path), "--db", str(cross_year_db)])
    assert result.exit_code == 0, result.output
    con = _con(cross_year_db)
    n = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
    names = ["indicators"] + [f"indicators ({k})" for k in range(2, -(-n // 3) + 1)]
    assert (
        f"indicators has {n} rows, more than an Excel sheet holds (3 under its header), so it is split across the sheets {', '.join(names)}."
    ) in result.output
    book = load_workbook(tmp_path / "jixiao.xlsx", read_only=True)
    assert [s for s in book.sheetnames if s.startswith("indicators")] == names
    header, back = None, []
    for name in names:
        sheet_rows = list(book[name].iter_rows(values_only=True))
        assert header in (None, sheet_rows[0]) and 2 <= len(sheet_rows) <= 4
        header = sheet_rows[0]
        back += [r[:3] for r in sheet_rows[1:]]
    assert sorted(back) == sorted(con.execute("SELECT report_id, seq, level1 FROM indicators").fetchall())
    documents = list(book["documents"].iter_rows(values_only=True))  # timestamps as Excel dates
    stamp, doc_id = documents[0].index("ingested_at"), documents[0].index("doc_id")
    stored = dict(con.execute("SELECT doc_id, ingested_at FROM documents").fetchall())
    assert all(abs((r[stamp] - stored[r[doc_id]]).total_seconds()) < 0.001 for r in documents[1:]) and len(documents) == 4


def test_python_api_returns_dataframes(cross_year_db):
    import jixiao

    with jixiao.connect(cross_year_db) as wh:
        spending = wh.spending()
        assert list(spending.columns[:3]) == ["project_key", "fiscal_year", "project_name"]
        below = wh.spending(below_pct=80)
        assert below["fiscal_year"].tolist() == [2021] and below["spent_yuan"].tolist() == [Decimal("944400.00")]
        assert len(wh.projects()) == 3 and wh.findings().empty
        assert set(wh.unit_year()["unit"]) >= {"区交通运输局", "区城市管理局"}


@pytest.mark.slow
def test_region_from_the_unit_links_a_year_whose_form_names_no_place(tmp_path):
    """天长市's 2021 form names the city in its title, the 2022 form names no place: the region that leads
    the unit's name (天长市水利局 → 天长市) puts both years in one region, so they link."""
    import copy

    from tests.fixtures.forms import Variant

    form = copy.deepcopy(F.NATIONAL)
    form.update(project_name="小型水库除险加固项目", department="天长市水利局", unit="天长市水利局")
    titled = F._national_year("小型水库除险加固项目", "天长市水利局", 2021, "1140000", region="天长市")
    builder.write_docx(titled, tmp_path / "2021.docx")
    untitled = [("p", "项目支出绩效自评表", {}), ("p", "（2022年度）", {}), ("table", F.national_rows(form, Variant()))]
    builder.write_docx(untitled, tmp_path / "2022.docx")
    db = tmp_path / "w.duckdb"
    assert CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", str(db)]).exit_code == 0
    con = _con(db)
    rows = con.execute("SELECT fiscal_year, region, project_key FROM reports ORDER BY fiscal_year").fetchall()
    assert [(y, region) for y, region, _ in rows] == [(2021, "天长市"), (2022, "天长市")]
    assert rows[0][2] == rows[1][2]


def _unnamed_department_forms(folder, n: int = 3) -> None:
    """Department-wide forms whose 部门（单位）名称 cell was left blank, each with its own figures: nothing
    names them, so each is a project of its own."""
    import copy

    for i in range(n):
        form = copy.deepcopy(F.DEPARTMENT)
        form["department"] = ""
        total = list(form["money"][0])
        total[3] = str(11500000 - 100000 * i)  # 全年执行数
        total[5] = ""
        form["money"][0] = tuple(total)
        builder.write_docx(F.national_document(form, F.VARIANTS[0], department=True), folder / f"unnamed_{i}.docx")


@pytest.mark.slow
def test_reports_nothing_names_are_projects_of_their_own(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _unnamed_department_forms(folder)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = _con(db)
    rows = con.execute("SELECT project_name, project_key, fiscal_year FROM reports ORDER BY report_id").fetchall()
    assert len(rows) == 3 and all(name is None and key is not None and year == 2022 for name, key, year in rows)
    assert len({key for _, key, _ in rows}) == 3
    assert con.execute("SELECT count(*) FROM v_spending").fetchone()[0] == 3
    con.close()
    for command in (["link"], ["check"]):  # and again: the keys stay unique and the same
        assert CliRunner().invoke(main, [*command, "--db", str(db)]).exit_code == 0
    assert _con(db).execute("SELECT project_key FROM reports ORDER BY report_id").fetchall() == [(k,) for _, k, _ in rows]


@pytest.mark.slow
def test_linking_that_fails_leaves_the_warehouse_usable(tmp_path, monkeypatch):
    """A fault in linking (here: linking made to raise) is one sentence; the documents stay stored, the views
    read every report as its own project, and the next command that can link does."""
    import jixiao.ingest.owed
    from jixiao.ingest.run import ingest

    folder = tmp_path / "in"
    folder.mkdir()
    for name, blocks in list(F.cross_year_archive().items())[:3]:
        builder.write_docx(blocks, folder / name)
    db = tmp_path / "w.duckdb"
    real = jixiao.ingest.owed.relink  # where the owed work calls it

    def broken(con, map_path=None):
        raise RuntimeError("linking went wrong")

    monkeypatch.setattr(jixiao.ingest.owed, "relink", broken)
    summary = ingest([folder], db)
    assert summary.stored == 3 and not summary.failures
    [problem] = summary.problems
    assert problem.startswith("Linking reports across years failed") and "RuntimeError: linking went wrong" in problem
    con = _con(db)
    assert con.execute("SELECT count(*) FROM reports WHERE project_key IS NULL").fetchone()[0] == 3
    assert con.execute("SELECT count(*), count(DISTINCT project_key) FROM v_spending").fetchone() == (3, 3)
    assert con.execute("SELECT task FROM pending").fetchall() == [("link",)]
    con.close()
    out = CliRunner().invoke(main, ["check", "--db", str(db)])
    assert out.exit_code == 1 and "Linking reports across years failed" in out.output and "Traceback" not in out.output
    monkeypatch.setattr(jixiao.ingest.owed, "relink", real)
    assert CliRunner().invoke(main, ["check", "--db", str(db)]).exit_code == 0
    con = _con(db)
    assert con.execute("SELECT count(DISTINCT project_key), count(*) FROM v_spending").fetchone() == (1, 3)
    assert con.execute("SELECT count(*) FROM pending").fetchone()[0] == 0


@pytest.mark.slow
def test_the_most_complete_copy_is_the_original_whatever_came_first(tmp_path):
    """A copy that lost its score table (as a .doc whose import flattened it) is still a copy of the
    complete report; the complete one is the original, whichever file was ingested first, and the
    views read it."""
    from tests.fixtures.forms import assemble

    v = F.VARIANTS[0]
    parts = F.national_parts(F.NATIONAL, v)
    complete = assemble(parts, v, ["项目支出绩效自评表"], "2022")
    weaker = assemble([p for p in parts if p.name != "indicators"], v, ["项目支出绩效自评表"], "2022")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    builder.write_docx(weaker, first / "weaker.docx")
    builder.write_docx(complete, second / "complete.docx")
    db = tmp_path / "w.duckdb"
    for folder in (first, second):  # the weaker copy is stored first
        assert CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)]).exit_code == 0
    con = _con(db)
    rows = dict(
        con.execute("""SELECT d.path LIKE '%/complete.docx', r.duplicate_of IS NULL
                               FROM reports r JOIN documents d USING (doc_id)""").fetchall()
    )
    assert rows == {True: True, False: False}
    score = con.execute("SELECT score_total FROM reports r JOIN documents d USING (doc_id) WHERE d.path LIKE '%/complete.docx'").fetchone()[0]
    assert score is not None and con.execute("SELECT score_total FROM v_spending").fetchall() == [(score,)]


# --- linking what changed gives what linking everything gives ------------------------------------


def _linked(con) -> tuple:
    """What linking decides: every report's project and copy mark, every link with its reason, every project."""
    return (
        con.execute("SELECT report_id, project_key, duplicate_of FROM reports ORDER BY ALL").fetchall(),
        con.execute("SELECT report_id, project_key, reason FROM project_links ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM projects ORDER BY ALL").fetchall(),
    )


@pytest.mark.slow
def test_linking_file_by_file_gives_what_a_full_relink_gives(tmp_path):
    """The cross-year archive ingested one file at a time (each ingest links only its new report against
    the index), then `jixiao link` links everything afresh: the same projects, keys and reasons."""
    db = tmp_path / "w.duckdb"
    for name, blocks in F.cross_year_archive().items():
        folder = tmp_path / name.removesuffix(".docx")
        folder.mkdir()
        builder.write_docx(blocks, folder / name)
        assert CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)]).exit_code == 0
    con = _con(db)
    step_by_step = _linked(con)
    assert con.execute("SELECT count(*) FROM link_index").fetchone()[0] == 5
    con.close()
    assert CliRunner().invoke(main, ["link", "--db", str(db)]).exit_code == 0
    con = _con(db)
    assert _linked(con) == step_by_step
    keys = dict(con.execute("SELECT project_name, project_key FROM reports").fetchall())
    assert keys["城管执法专项经费"] == keys["城市管理综合执法专项经费"] != keys["农村道路建设项目"] != keys["农村道路养护项目"]


_NAMES = [
    "城市管理综合执法专项经费",
    "城管执法专项经费",
    "2021年度城管执法经费",
    "城市管理综合执法专项经费",
    "农村道路建设项目",
    "农村道路养护项目",
    "河道综合治理项目",
    "河道治理项目",
    "河道治理",
    None,
]
_UNITS = ["区城市管理局", "区城市管理和综合执法局", "区交通运输局", "区水利局", None]
_report_spec = st.tuples(
    st.sampled_from(_NAMES),
    st.sampled_from(_UNITS),
    st.sampled_from(["雨花区", "天心区", None]),
    st.sampled_from([None, None, None, "A-001", "A-002"]),
    st.sampled_from([2020, 2021, 2022, None]),
    st.sampled_from([100, 200]),
)
# a step stores a new file, or reads a stored one again and gets other reports (none: it failed)
_step = st.one_of(
    st.tuples(st.just("new"), st.lists(_report_spec, min_size=1, max_size=3)),
    st.tuples(st.just("again"), st.integers(0, 50), st.lists(_report_spec, max_size=2)),
)


def _document(doc_id: str, specs: list[tuple]):
    from jixiao.base.model import Coverage, DocumentResult, Report

    reports = [
        Report(
            "national_project",
            fiscal_year=year,
            region=region,
            project_name=name,
            project_code=code,
            department=unit,
            implementing_unit=unit,
            budget_adjusted_yuan=Decimal(1000),
            spent_yuan=Decimal(spent),
        )
        for name, unit, region, code, year, spent in specs
    ]
    return DocumentResult(
        doc_id,
        f"/in/{doc_id[:8]}.docx",
        "docx",
        "ok" if reports else "failed",
        None if reports else "The file is damaged.",
        reports=reports,
        coverage=Coverage(10, 9),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_step, min_size=1, max_size=7), mapped=st.sampled_from(["none", "roads", "a plain key"]), recorded=st.booleans())
# the mapping file's key comes into use (the group holding it as its own takes its second key) and goes again
@pytest.mark.slow
@example(
    steps=[
        ("new", [("城市管理综合执法专项经费", "区城市管理局", "雨花区", None, 2020, 100)]),
        ("new", [("河道治理", None, "雨花区", None, 2021, 100)]),
        ("again", 1, []),
        ("new", [("河道治理", None, "雨花区", None, 2021, 100), ("城管执法专项经费", "区城市管理局", "雨花区", "A-001", 2021, 100)]),
        ("again", 2, [("城管执法专项经费", "区城市管理局", "雨花区", "A-001", 2019, 100)]),
    ],
    mapped="a plain key",
    recorded=True,
)
def test_linking_what_changed_agrees_with_linking_everything(steps, mapped, recorded):
    """Over random archives — drifting names, renamed units, codes, copies, files read again with other
    reports or none, a mapping file, one whose key is a key linking would give a group — the index-driven
    linking after each step gives the projects, keys, reasons and copies a full relink gives; whether it
    learns what changed from the stores (link_pending) or, as after an older jixiao stored, by comparing
    every report with the index."""
    import hashlib

    from jixiao.base.db import transaction
    from jixiao.warehouse import migrate
    from jixiao.warehouse.projects import MapEntry, _plain_key, _Report, canonical_name, link_projects
    from jixiao.warehouse.store import Pending, store_many

    mapping = {
        "none": [],
        "roads": [MapEntry("roads", canonical_name("农村道路建设项目"), "")],
        # the mapping file uses the key the 城市管理局 group of 雨花区 would get: that group must take another
        "a plain key": [
            MapEntry(
                _plain_key(
                    _Report("x", None, "雨花区", canonical_name("城市管理综合执法专项经费"), canonical_name("区城市管理局"), None, None, None)
                ),
                canonical_name("河道治理"),
                "",
            )
        ],
    }[mapped]
    con = duckdb.connect(":memory:")
    migrate(con)
    docs: list[str] = []
    for n, step in enumerate(steps):
        if step[0] == "again" and docs:
            doc_id, specs = docs[step[1] % len(docs)], step[2]
        else:
            doc_id, specs = hashlib.sha256(str(n).encode()).hexdigest(), step[1] if step[0] == "new" else step[2]
            docs.append(doc_id)
        store_many(con, [Pending(_document(doc_id, specs), None, 100, replace=True)])
        if not recorded:
            con.execute("DELETE FROM link_pending")
        with transaction(con):
            link_projects(con, mapping, full=False)
        incremental = _linked(con)
        con.execute("BEGIN")
        link_projects(con, mapping, full=True)
        assert _linked(con) == incremental
        con.execute("ROLLBACK")
    con.close()
