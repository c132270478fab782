"""Beyond money in the warehouse: a problem planted in two years of one project is found by `jixiao search`
ranked first, v_problems follows it across the years, and v_indicators answers as SCHEMA.md states."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from jixiao.cli import main
from jixiao.ingest.run import ingest
from jixiao.warehouse import connect
from tests.fixtures import builder
from tests.fixtures import families as F

PROJECT = "城市管理综合执法专项经费"
PLANTED = {2021: "财政资金拨付滞后，部分执法装备采购推迟到次年。", 2022: "上级资金拨付滞后，协管人员经费未能按月发放。"}


def narrative(year: int, project: str, problem: str, achieved: str) -> list[tuple]:
    return [
        ("p", f"某某区{year}年度{project}绩效自评报告", {"center": True, "size": 16}),
        ("p", "一、项目概况", {}),
        ("p", f"{project}用于保障相关工作正常开展，资金由区财政统一拨付。", {}),
        ("p", "二、项目资金使用及管理情况", {}),
        ("p", "项目年初预算200万元，实际支出186.5万元，执行率为93.25%。", {}),
        ("p", "三、绩效目标完成情况", {}),
        ("p", achieved, {}),
        ("p", "四、存在的问题及改进措施", {}),
        ("p", f"1、{problem}2、宣传工作仍需加强。", {}),
        ("p", "五、下一步工作打算", {}),
        ("p", "下一步将加强与财政部门沟通，确保资金及时拨付到位。", {}),
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, family_files):
    folder = tmp_path_factory.mktemp("beyond_in")
    for year, problem in PLANTED.items():
        builder.write_docx(narrative(year, PROJECT, problem, f"全年开展执法检查{1100 + year - 2021}余次。"), folder / f"{year}_city.docx")
    # decoys: the words apart, in other sentences and projects
    builder.write_docx(
        narrative(2022, "农村道路养护项目", "预算编制不够精准，年中调整较多。", "资金拨付进度符合要求，养护里程滞后于计划的路段已补齐。"),
        folder / "2022_roads.docx",
    )
    (folder / "national.docx").write_bytes(family_files["docx/national_project/plain"].read_bytes())
    db = tmp_path_factory.mktemp("beyond_db") / "w.duckdb"
    ingest([folder], db)
    return db, folder


def _search(db, *args) -> list[dict]:
    run = CliRunner().invoke(main, ["search", *args, "--db", str(db), "--json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.output)


@pytest.mark.slow
def test_a_problem_planted_in_two_years_is_found_first(warehouse):
    db, _ = warehouse
    hits = _search(db, "资金拨付滞后")
    assert [(h["fiscal_year"], h["sentence"], h["kind"]) for h in hits[:2]] == sorted(
        [(2021, PLANTED[2021], "problem"), (2022, PLANTED[2022], "problem")], key=lambda h: [x["fiscal_year"] for x in hits[:2]].index(h[0])
    )
    assert {h["project_name"] for h in hits[:2]} == {PROJECT} and all(h["path"].endswith("_city.docx") for h in hits[:2])
    con = connect(db, read_only=True)
    keys = {con.execute("SELECT project_key FROM reports WHERE report_id = ?", [h["report_id"]]).fetchone()[0] for h in hits[:2]}
    con.close()
    assert len(keys) == 1  # one project across the two years
    assert hits[0]["score"] >= hits[1]["score"] > hits[2]["score"]


def test_kind_and_year_narrow_the_search(warehouse):
    db, _ = warehouse
    problems = _search(db, "资金拨付滞后", "--kind", "problem")
    assert {h["kind"] for h in problems} == {"problem"} and {h["sentence"] for h in problems[:2]} == set(PLANTED.values())
    assert [h["sentence"] for h in _search(db, "资金拨付滞后", "--kind", "problem", "--year", "2022")][:1] == [PLANTED[2022]]
    assert {h["fiscal_year"] for h in _search(db, "资金拨付", "--year", "2021")} == {2021}
    improvements = _search(db, "资金及时拨付", "--kind", "improvement")
    assert improvements and {h["kind"] for h in improvements} == {"improvement"}
    assert _search(db, "量子计算机的") == []  # no sentence has these words; 的 alone is no match


def test_search_prints_each_hit_with_its_report_year_and_sentence(warehouse):
    db, _ = warehouse
    run = CliRunner().invoke(main, ["search", "资金拨付滞后", "--kind", "problem", "--limit", "2", "--db", str(db)])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[0] == "2 sentences found"
    assert PLANTED[2021] in run.output and PLANTED[2022] in run.output and f"2021  {PROJECT}  [problem]" in run.output


@pytest.mark.slow
def test_the_index_follows_the_warehouse(warehouse, tmp_path):
    """An ingest that adds a report makes the next search index it (the stamp changed); the index lives beside the file."""
    db, folder = warehouse
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    assert len(_search(copy, "资金拨付滞后", "--kind", "problem")) == 2
    more = tmp_path / "more"
    more.mkdir()
    builder.write_docx(narrative(2023, PROJECT, "资金拨付滞后的问题仍然存在。", "全年开展执法检查1300余次。"), more / "2023_city.docx")
    ingest([more], copy)
    assert {h["fiscal_year"] for h in _search(copy, "资金拨付滞后", "--kind", "problem")} == {2021, 2022, 2023}
    assert (tmp_path / "copy.duckdb.search" / "jixiao-stamp").exists()


def test_v_problems_follows_a_topic_across_years(warehouse):
    db, _ = warehouse
    con = connect(db, read_only=True)
    rows = con.execute("SELECT project_name, topic, years, recurring, problems FROM v_problems WHERE recurring").fetchall()
    others = con.execute("SELECT project_name, topic, years, recurring FROM v_problems WHERE NOT recurring ORDER BY ALL").fetchall()
    con.close()
    assert rows == [(PROJECT, "funds_late", [2021, 2022], True, [PLANTED[2021], PLANTED[2022]])]
    assert others == [
        ("农村道路养护", "budget_imprecise", [2022], False),
        ("农村道路养护", None, [2022], False),
        (PROJECT, None, [2021, 2022], False),
    ]  # 宣传工作仍需加强: no topic, never recurring


SCHEMA_COLUMNS = [
    "report_id",
    "seq",
    "project_key",
    "fiscal_year",
    "unit",
    "level1",
    "level2",
    "name",
    "kind",
    "target_op",
    "actual_op",
    "target_value",
    "target_value_high",
    "actual_value",
    "target_unit",
    "actual_unit",
    "target_grade",
    "actual_grade",
    "met",
    "weight",
    "score",
    "points_lost",
]


def test_v_indicators_as_the_contract_states(warehouse):
    db, _ = warehouse
    con = connect(db, read_only=True)
    columns = [c[0] for c in con.execute("SELECT * FROM v_indicators LIMIT 0").description]
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'v_indicators'").fetchall())
    rows = con.execute("""SELECT name, kind, target_op, target_value, actual_value, target_unit, met, weight, score, points_lost, unit,
                                 fiscal_year, target, actual
                          FROM v_indicators ORDER BY seq""").fetchall()
    con.close()
    assert columns[: len(SCHEMA_COLUMNS)] == SCHEMA_COLUMNS
    assert types["target_value"] == types["actual_value"] == "DECIMAL(18,4)" and types["met"] == "BOOLEAN"
    assert types["points_lost"] == types["weight"] == "DECIMAL(9,2)"
    assert rows[1] == (
        "培训人次",
        "quantity",
        "≥",
        Decimal("500.0000"),
        Decimal("480.0000"),
        "人次",
        False,
        Decimal("10.00"),
        Decimal("9.00"),
        Decimal("1.00"),
        "某某镇便民服务中心",
        2022,
        "≥500人次",
        "480人次",
    )
    assert [r[6] for r in rows] == [True, False, True, True, True, True, True]
    assert sum(r[9] for r in rows) == Decimal("2.00")


@pytest.mark.slow
def test_labels_lists_the_indicator_names_no_kind_places(tmp_path):
    form = F.copy.deepcopy(F.NATIONAL)
    row = form["indicators"][4]
    form["indicators"][4] = (row[0], "特色指标", "农产品品牌影响力", *row[3:])  # neither its name nor its level names a kind
    folder = tmp_path / "in"
    folder.mkdir()
    builder.write_docx(F.national_document(form, F.VARIANTS[0]), folder / "brand.docx")
    db = tmp_path / "w.duckdb"
    ingest([folder], db)
    run = CliRunner().invoke(main, ["labels", "--json", "--db", str(db)])
    assert run.exit_code == 0, run.output
    unplaced = json.loads(run.output)["indicators"]
    assert [(u["name"], u["count"], u["level2"]) for u in unplaced] == [("农产品品牌影响力", 1, "特色指标")]
    text = CliRunner().invoke(main, ["labels", "--db", str(db)]).output
    assert "1 indicator names no kind places" in text and "农产品品牌影响力" in text
