"""Each rule fires on a report with figures planted to contradict, and stays quiet on the seed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from jixiao.ingest.owed import check_pending
from jixiao.ingest.reading import read_file
from jixiao.rules import RuleError, default_rules, load_rules, parse_rule, write_findings
from jixiao.warehouse import Pending, connect, store_many
from tests.fixtures import builder

RULE_IDS = {
    "execution_rate_matches",
    "received_rate_matches",
    "balance_matches",
    "total_matches_sources",
    "score_within_weight",
    "subtotals_match",
    "total_score_matches",
    "weights_sum",
    "execution_score_matches",
    "grade_matches_score",
    "facts_agree",
    "expense_items_sum",
    "allocations_sum",
    "dates_in_year",
    "required_fields",
    "full_score_target_missed",
    "score_loss_without_reason",
    "copied_targets",
    "qualitative_actual",
}
WARNINGS = {"dates_in_year", "required_fields", "full_score_target_missed", "score_loss_without_reason", "copied_targets", "qualitative_actual"}


def _funding(d, label):
    return next(values for name, values in d["funding"] if name == label)


def _score_row(d, name):
    return next(row for row in d["scores"] + [d["score_total"]] if row[0] == name)


def _replace_in_narrative(d, old, new, count=1):
    for i, text in enumerate(d["narrative"]):
        if old in text:
            d["narrative"][i] = text.replace(old, new, count)
            return
    raise AssertionError(old)


def plant_execution_rate(d):
    _funding(d, "区县财政")[6] = "80.00%"


def plant_received_rate(d):
    _funding(d, "区县财政")[3] = "90%"


def plant_balance(d):
    _funding(d, "区县财政")[7] = "30"


def plant_total(d):
    _funding(d, "合计")[1:3] = ["127", "120"]  # 本年度安排 127 as in its one row, 实际到位 120 where the row says 127


def plant_score_above_weight(d):
    _score_row(d, "1、项目立项规范性")[3] = "5"
    _score_row(d, "（一）项目立项")[3] = "13"  # subtotals and total follow, so only the weight is broken
    _score_row(d, "一、投入")[3] = "21"
    _score_row(d, "总   分")[3] = "98"


def plant_subtotal(d):
    _score_row(d, "（一）项目立项")[1] = "10.00"


def plant_total_score(d):
    _score_row(d, "总   分")[3] = "95"


def plant_weights(d):
    _score_row(d, "总   分")[1] = "90"


def plant_narrative_spent(d):
    _replace_in_narrative(d, "实际支出94.44万元", "实际支出96万元")


def plant_expense_item(d):
    _replace_in_narrative(d, "印刷费2.79万元", "印刷费3.79万元")


def plant_allocation(d):
    d["allocations"][0][1] = "117"


def plant_allocation_date(d):
    d["allocations"][0][0] = "2020年12月28日"


def plant_no_name(d):
    d["basic"]["项目名称"] = ""


PLANTED = [
    (plant_execution_rate, {"execution_rate_matches", "facts_agree"}),  # the narrative's 74.36 % now disagrees too
    (plant_received_rate, {"received_rate_matches"}),
    (plant_balance, {"balance_matches"}),
    (plant_total, {"total_matches_sources"}),
    (plant_score_above_weight, {"score_within_weight"}),
    (plant_subtotal, {"subtotals_match"}),
    (plant_total_score, {"total_score_matches"}),
    (plant_weights, {"weights_sum"}),
    (plant_narrative_spent, {"facts_agree"}),
    (plant_expense_item, {"expense_items_sum"}),
    (plant_allocation, {"allocations_sum"}),
    (plant_allocation_date, {"dates_in_year"}),
    (plant_no_name, {"required_fields"}),
]


def _warehouse_with(path: Path):
    con = connect(":memory:")
    store_many(con, [Pending(read_file(path))])
    check_pending(con, default_rules())
    return con


def _findings(con):
    return con.execute("SELECT rule, severity, message, expected, actual FROM findings ORDER BY rule").fetchall()


@pytest.fixture(scope="module")
def seed_con(seed_files):
    return _warehouse_with(seed_files["docx-text"])


def test_rule_files_cover_the_contract():
    assert {r.id for r in default_rules()} == RULE_IDS
    severities = {r.id: r.severity for r in default_rules()}
    assert all(severities[i] == "warning" for i in WARNINGS)
    assert all(severities[i] == "error" for i in RULE_IDS - WARNINGS)


@pytest.mark.parametrize("fmt", ["docx-text", "pdf-text", "pdf-wingdings"])
def test_seed_is_clean(seed_files, fmt):
    con = _warehouse_with(seed_files[fmt])
    assert _findings(con) == []


@pytest.mark.parametrize("plant, fired", PLANTED, ids=[p.__name__ for p, _ in PLANTED])
def test_planted_contradiction_fires(plant, fired, tmp_path):
    data = copy.deepcopy(builder.load_seed())
    plant(data)
    con = _warehouse_with(builder.build_seed(tmp_path, data=data, name=plant.__name__))
    found = _findings(con)
    assert {f[0] for f in found} == fired, found
    for rule, severity, message, expected, actual in found:
        assert message and severity in ("error", "warning")
        assert rule == "required_fields" or (expected is not None and actual is not None)


def test_messages_carry_the_figures(tmp_path):
    data = copy.deepcopy(builder.load_seed())
    plant_execution_rate(data)
    con = _warehouse_with(builder.build_seed(tmp_path, data=data))
    rule, severity, message, expected, actual = next(f for f in _findings(con) if f[0] == "execution_rate_matches")
    assert (severity, expected, actual) == ("error", "74.36", "80.00")
    assert "区县财政" in message and "94.44万元" in message and "127万元" in message
    facts = next(f for f in _findings(con) if f[0] == "facts_agree")
    assert facts[3:] == ("80.00", "74.36") and "执行率为74.36%" in facts[2]


@pytest.mark.parametrize(
    "update, rule",
    [
        ("UPDATE reports SET grade = '良'", "grade_matches_score"),  # 97 is 优
        ("UPDATE reports SET execution_rate_pct = 96.2, execution_score = 9.0, execution_score_max = 10, score_max = 110", "execution_score_matches"),
        ("UPDATE reports SET execution_score = 11, execution_score_max = 10, execution_rate_pct = 100, score_max = 110", "score_within_weight"),
    ],
)
def test_rules_on_forms_with_grades_and_execution_scores(seed_files, update, rule):
    """The seed's family has neither; the stored seed with one figure changed stands in for those forms."""
    con = _warehouse_with(seed_files["docx-text"])
    con.execute(update)
    write_findings(con)
    assert rule in {f[0] for f in _findings(con)}


def test_grade_and_execution_score_quiet_when_consistent(seed_files):
    con = _warehouse_with(seed_files["docx-text"])
    con.execute(
        "UPDATE reports SET grade = '优', execution_score = 7.44, execution_score_max = 10, score_max = 110, score_total = 104.44"
    )  # 74.36 % × 10 = 7.436
    write_findings(con)
    assert _findings(con) == []


@pytest.mark.parametrize("column, rule", [("spent_yuan", "execution_rate_matches"), ("received_yuan", "received_rate_matches")])
def test_a_figure_near_its_columns_limit_is_checked_not_an_overflow(seed_files, column, rule):
    """100 × a figure of 16 digits overflowed DECIMAL(18,2), and the failing rule stopped the whole ingest
    after every file was stored (found by the fuzz corpus: a thirty-digit misread cut to fit)."""
    con = _warehouse_with(seed_files["docx-text"])
    con.execute(f"UPDATE funding SET {column} = 9999999999999999.00 WHERE source_label = '区县财政'")
    write_findings(con)
    assert rule in {f[0] for f in _findings(con)}


@pytest.mark.slow
def test_check_recomputes_without_duplicates(tmp_path, seed_files):
    from click.testing import CliRunner

    from jixiao.cli import main

    db = tmp_path / "w.duckdb"
    data = copy.deepcopy(builder.load_seed())
    plant_balance(data)
    path = builder.build_seed(tmp_path, data=data, name="planted")
    CliRunner().invoke(main, ["ingest", str(path), str(seed_files["docx-text"]), "--db", str(db)])
    for _ in range(2):
        out = CliRunner().invoke(main, ["check", "--db", str(db)])
        assert out.exit_code == 0, out.output
        assert f"{len(RULE_IDS)} rules checked: 1 findings" in out.output and "balance_matches" in out.output


def test_a_broken_rule_file_is_named(tmp_path):
    (tmp_path / "bad.sql").write_text("-- id: bad\n-- severity: error\n-- meaning: x\nSELECT nope FROM nowhere", encoding="utf-8")
    con = connect(":memory:")
    from jixiao.rules import validate_rules

    with pytest.raises(RuleError, match="bad.sql"):
        validate_rules(con, load_rules(tmp_path))
    with pytest.raises(RuleError, match="severity"):
        parse_rule("-- id: x\n-- severity: fatal\n-- meaning: y\nSELECT 1", "x.sql")


def test_sub_items_add_up_to_their_indicator(tmp_path):
    """A 三级指标 divided into numbered sub-items (一、道路维护里程 20 over 1、… 10 and 2、… 10) is a
    subtotal too: a parent score that its sub-items do not add up to is a finding."""
    from tests.fixtures import families as F

    form = copy.deepcopy(F.SCORE_20_80)
    parent = list(form["indicators"][0])
    parent[6] = "19"  # the sub-items still score 10 + 10; the total is left alone (the parent is no leaf)
    form["indicators"][0] = tuple(parent)
    _, render = F.FAMILY_DOCUMENTS["score_20_80"]
    path = builder.write_docx(render(form, F.VARIANTS[0]), tmp_path / "sub_items.docx")
    con = _warehouse_with(path)
    assert _findings(con) == [("subtotals_match", "error", "「道路维护里程」 scores 19 but its rows add up to 20", "20.00", "19.00")]


@pytest.mark.slow
def test_every_family_fixture_is_clean(family_files):
    """The family fixtures are consistent forms: no rule may fire on any of them, from Word or PDF."""
    con = connect(":memory:")
    for path in family_files.values():
        store_many(con, [Pending(read_file(path))])
    check_pending(con, default_rules())
    assert _findings(con) == []
    assert con.execute("SELECT count(DISTINCT template) FROM reports").fetchone()[0] == 5


def test_a_finding_is_data_shown_in_either_language(tmp_path):
    """A rule's finding keeps its parameters; its message is written in the warehouse's language and can be
    shown in the other from them, without reading the file again."""
    import json

    from jixiao.base.messages import render

    data = copy.deepcopy(builder.load_seed())
    plant_execution_rate(data)
    con = _warehouse_with(builder.build_seed(tmp_path, data=data))
    message, parameters = con.execute("SELECT message, parameters FROM findings WHERE rule = 'execution_rate_matches'").fetchone()
    params = json.loads(parameters)
    assert params["key"] == "execution_rate_matches" and params["place"] == "区县财政"
    assert render(parameters, "en") == message == "区县财政: the execution rate (执行率) is stated as 80.00 % but 94.44万元 ÷ 127万元 = 74.36 %"
    assert render(parameters, "zh") == "区县财政：执行率填报为80.00%，但94.44万元÷127万元=74.36%"


@pytest.mark.slow
def test_checking_new_documents_alone_finds_what_checking_everything_finds(tmp_path, seed_files):
    """An ingest runs the rules over the documents it stored only (each rule reads those reports' rows):
    every planted contradiction, stored one file after another with the seed, gives the findings a check
    of the whole warehouse gives, and the seed's report none."""
    con = connect(":memory:")
    store_many(con, [Pending(read_file(seed_files["docx-text"]))])
    check_pending(con, default_rules())
    for plant, _ in PLANTED:
        data = copy.deepcopy(builder.load_seed())
        plant(data)
        store_many(con, [Pending(read_file(builder.build_seed(tmp_path, data=data, name=plant.__name__)))])
        assert con.execute("SELECT count(*) FROM documents WHERE NOT rules_checked").fetchone()[0] == 1
        check_pending(con, default_rules())
    one_by_one = con.execute("SELECT * FROM findings ORDER BY ALL").fetchall()
    assert {rule for rule, *_ in _findings(con)} == set().union(*(fired for _, fired in PLANTED))
    write_findings(con, default_rules(), "all")
    assert con.execute("SELECT * FROM findings ORDER BY ALL").fetchall() == one_by_one
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0  # no cut-down table left
