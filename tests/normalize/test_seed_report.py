"""The seed report read exactly, from Word and from its LibreOffice PDF, in every checkbox style."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jixiao.ingest.reading import read_file
from tests.conftest import SEED_STYLES

VARIANTS = [f"{fmt}-{style}" for fmt in ("docx", "pdf") for style in SEED_STYLES]


@pytest.fixture(scope="module")
def reports(seed_files):
    return {name: read_file(path) for name, path in seed_files.items()}


@pytest.fixture(params=VARIANTS)
def result(request, reports):
    return reports[request.param]


def test_document_row(result):
    assert result.status == "ok", result.error
    assert result.error is None
    assert result.n_reports == 1
    assert result.format == ("pdf" if result.path.endswith(".pdf") else "docx")
    if result.format == "pdf":
        assert result.n_pages >= 8


def test_report_columns(result):
    r = result.reports[0]
    assert r.template == "hunan_project_report"
    assert r.scope == "project"
    assert r.fiscal_year == 2021
    assert r.region == "雨花区"
    assert r.project_name == "政务服务及政务大厅运转经费"
    assert r.implementing_unit == "区行政审批服务局"
    assert r.department is None
    assert r.project_code is None
    assert r.project_kind == "经常性"
    assert (r.period_start, r.period_end) == (date(2021, 1, 1), date(2021, 12, 31))
    assert r.budget_initial_yuan == Decimal("1270000.00")
    assert r.budget_adjusted_yuan is None
    assert r.received_yuan == Decimal("1270000.00")
    assert r.spent_yuan == Decimal("944400.00")
    assert r.execution_rate_pct == Decimal("74.36")
    assert r.score_total == Decimal("97")
    assert r.score_max == Decimal("100")
    assert r.grade is None and r.execution_score is None


def test_funding_rows(result):
    (row,) = result.reports[0].funding  # the empty rows and the empty 合计 are not stored
    assert row.source == "county" and row.source_label == "区县财政"
    assert row.budget_initial_yuan == row.received_yuan == Decimal("1270000.00")
    assert row.received_rate_pct == Decimal("100")
    assert row.received_date == date(2021, 1, 7)
    assert row.spent_yuan == Decimal("944400.00")
    assert row.execution_rate_pct == Decimal("74.36")
    assert row.carryover_yuan is None and row.balance_yuan is None


def test_flags(result):
    flags = {f.flag: f.value for f in result.reports[0].flags}
    for key in (
        "government_procurement",
        "tendering",
        "treasury_centralized_payment",
        "reimbursement_system",
        "investment_review",
        "contract_management",
    ):
        assert flags[key] is True, key
    for key in ("project_agency", "dual_control_account", "special_account", "prior_similar_project", "third_party_evaluation"):
        assert flags[key] is False, key
    labels = {f.flag: f.label for f in result.reports[0].flags}
    assert labels["government_procurement"] == "是否实施政府采购及采购金额"


def test_allocations_and_budget_lines(result):
    r = result.reports[0]
    assert [(a.issued_date, a.amount_yuan, a.doc_number, a.note) for a in r.allocations] == [
        (date(2021, 1, 7), Decimal("1270000.00"), "雨财安字【2021】1号", None)
    ]
    assert [(b.seq, b.economic_class, b.content, b.adjustment, b.spent_yuan, b.basis) for b in r.budget_lines] == [
        (1, "政务公开审批", "政务服务及政务大厅运转费用", None, Decimal("944400.00"), None)
    ]


EXPECTED_LEAVES = [
    ("投入", "项目立项", "项目立项规范性", "4.00", "4"),
    ("投入", "项目立项", "绩效目标合理性", "4.00", "4"),
    ("投入", "项目立项", "绩效指标明确性", "4.00", "4"),
    ("投入", "资金落实", "资金到位率", "4.00", "4"),
    ("投入", "资金落实", "到位及时率", "4.00", "4"),
    ("过程", "业务管理", "管理制度健全性", "4.00", "4"),
    ("过程", "业务管理", "制度执行有效性", "4.00", "4"),
    ("过程", "业务管理", "项目质量可控性", "4.00", "4"),
    ("过程", "财务管理", "管理制度健全性", "4.00", "4"),
    ("过程", "财务管理", "资金使用合规性", "10.00", "10"),
    ("过程", "财务管理", "财务监控有效性", "4.00", "4"),
    ("个性指标", None, "个性指标", "50.00", "47"),
]


def test_indicators_are_leaves_only(result):
    got = [(i.level1, i.level2, i.name, i.weight, i.score) for i in result.reports[0].indicators]
    assert got == [(l1, l2, n, Decimal(w), Decimal(s)) for l1, l2, n, w, s in EXPECTED_LEAVES]
    assert [i.seq for i in result.reports[0].indicators] == list(range(1, 13))
    first = result.reports[0].indicators[0]
    assert first.target == "4"
    assert first.note == "项目的申请、设立过程是否符合相关要求，用以反映和考核项目立项的规范情况。"
    assert sum(i.weight for i in result.reports[0].indicators) == Decimal(100)


def test_facts_from_narrative(result):
    facts = {f.key: f.value for f in result.reports[0].facts}
    assert facts == {
        "budget_total": Decimal("1270000"),
        "spent": Decimal("944400"),
        "execution_rate": Decimal("74.36"),
        "balance": Decimal("325600"),
        "returned": Decimal("76600"),
        "carried_forward": Decimal("249000"),
        "expense:办公费用": Decimal("709300"),
        "expense:印刷费": Decimal("27900"),
        "expense:邮电费": Decimal("20000"),
        "expense:差旅费": Decimal("28100"),
        "expense:其他商品和服务支出": Decimal("159100"),
    }
    units = {f.key: f.unit for f in result.reports[0].facts}
    assert units["execution_rate"] == "pct" and units["spent"] == "yuan"
    spent = next(f for f in result.reports[0].facts if f.key == "spent")
    assert "实际支出94.44万元" in spent.sentence


def test_sections(result):
    headings = [s.heading for s in result.reports[0].sections]
    assert headings == [
        "项目概况",
        "二、项目资金使用及管理情况",
        "三、项目资金安排情况。",
        "四、项目资金使用情况。",
        "五、项目资金绩效完成情况。",
        "六、主要经验及做法、存在的问题及原因分析或有关建议",
        "七、其他需要说明的问题",
    ]
    overview = result.reports[0].sections[0].text.split("\n")
    assert len(overview) == 2 and overview[0].startswith("根据雨政办发[2011]55号三定方案")


def test_fields_trace_values_to_cells(result):
    fields = {f.key: f for f in result.reports[0].fields if f.key}
    assert fields["project_name"].value == "政务服务及政务大厅运转经费"
    assert fields["project_name"].locator == "t1.r2.c3"
    assert fields["funding.county.spent_yuan"].value == "94.44"
    assert fields["feasibility_conclusion"].label.replace("\n", "") == "可行性研究报告结论"
    assert not [f.label for f in result.reports[0].fields if f.key is None]  # every seed label is in the lexicon
    if result.format == "pdf":
        assert fields["project_name"].page == 2


def test_same_values_from_word_and_pdf(reports):
    def key_values(res):
        r = res.reports[0]
        return (
            r.project_name,
            r.budget_initial_yuan,
            r.spent_yuan,
            len(r.funding),
            len(r.indicators),
            [(f.key, f.value) for f in r.facts],
            [s.heading for s in r.sections],
        )

    assert len({repr(key_values(res)) for res in reports.values()}) == 1
