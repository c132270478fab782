"""Scale benchmark, run by hand (never in the test suite):

    .venv/bin/python bench/scale.py [--reports 10000 50000 250000] [--out bench/out/scale] [--skip xlsx,stage]

Builds a synthetic warehouse the way a province's archive looks — about a hundred counties, thirty
units each, projects reported over two to five years under names that drift the way real ones do
(年度 prefixes, 专项 added, abbreviations such as 城管执法 for 城市管理综合执法, units renamed such as
城市管理局 → 城市管理和综合执法局, look-alikes that must stay apart, project codes on some), twenty
indicators, three funding rows, twelve fields, sections, facts and flags a report, copies of some
reports as a second file and bundles of three reports in one file — written straight into the
warehouse's tables by DuckDB (not 250,000 ingests), with linking owed as after an ingest.

Then it times, each in a process of its own (its peak RSS read from /proc/self/status, VmHWM):
`link` (full), `check`, each view, the desk's pages (in process, Starlette's TestClient), `query
--stage` over the warehouse written out as a stage, `export` as csv and xlsx, and the ingest of ten
new real .docx files (tests/fixtures builders: new years of projects the warehouse holds, one under
an abbreviated name, and new projects) into the warehouse and into an empty one (what reading costs
alone). After that ingest it relinks a copy in full and says whether the incremental path agreed.
Prints one table per size and, with --markdown, the table the docs carry.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEARS = (2019, 2020, 2021, 2022, 2023)
INDICATORS = 20
# county names the reader recognises as places (a title 「X县2024年度项目支出绩效自评表」 gives region X县)
_PLACE_A = "长宁安平江阳山兴华德丰新清泉明武永定临湘"
_PLACE_B = "沙乡源陵溪州城林岳桂邵衡株潭益常"
_SUFFIX = "县区市"
# agencies, with the new name some counties gave them from 2021 (the unit renamed across years)
AGENCIES = [
    ("城市管理局", "城市管理和综合执法局"),
    ("农业局", "农业农村局"),
    ("卫生局", "卫生健康局"),
    ("文化局", "文化旅游广电局"),
    ("教育局", None),
    ("财政局", None),
    ("交通运输局", None),
    ("水利局", None),
    ("民政局", None),
    ("自然资源局", None),
    ("生态环境局", None),
    ("住房和城乡建设局", None),
    ("人力资源和社会保障局", None),
    ("市场监督管理局", None),
    ("应急管理局", None),
    ("司法局", None),
    ("退役军人事务局", None),
    ("林业局", None),
    ("医疗保障局", None),
    ("科学技术局", None),
    ("工业和信息化局", None),
    ("商务局", None),
    ("发展和改革局", None),
    ("统计局", None),
    ("审计局", None),
    ("体育局", None),
    ("残疾人联合会", None),
    ("疾病预防控制中心", None),
    ("融媒体中心", None),
    ("档案馆", None),
]
# topics with an abbreviation real reports use for them in some years
TOPICS = [
    ("城市管理综合执法", "城管执法"),
    ("城乡环境卫生整治", "城乡环卫整治"),
    ("基本公共卫生服务", "基本公卫服务"),
    ("高标准农田建设", "高标农田建设"),
    ("食品药品安全监管", "食药安全监管"),
    ("道路交通安全管理", "道交安全管理"),
    ("社区居家养老服务", "社区养老服务"),
    ("城市生活垃圾分类", "城市垃圾分类"),
    ("退役军人服务保障", "退役军人服务"),
    ("农村公路建设养护", "农村公路养护"),
    ("义务教育学校营养改善", "义务教育营养改善"),
    ("中小学校舍维修改造", "中小学校舍维修"),
    ("公共文化服务体系建设", "公共文化服务"),
    ("疾病预防控制", "疾病防控"),
    ("防汛抗旱应急保障", "防汛抗旱"),
    ("河道综合治理", "河道治理"),
    ("森林防火专业队伍建设", "森林防火队伍建设"),
    ("全民健身设施建设", "全民健身设施"),
    ("就业创业补贴发放", "就业创业补贴"),
    ("残疾人康复救助", "残疾人康复"),
    ("污水处理厂运行维护", "污水处理厂运维"),
    ("网格化社会治理", "网格化治理"),
    ("农村饮水安全巩固提升", None),
    ("老旧小区改造", None),
    ("学前教育发展", None),
    ("乡村振兴衔接", None),
    ("水土保持", None),
    ("地质灾害防治", None),
    ("村级组织运转", None),
    ("政务服务中心运行", None),
    ("办公楼维修", None),
    ("信息化建设运维", None),
    ("业务工作", None),
    ("农村道路建设", None),
    ("农村道路养护", None),
]
TOWNS = ["", "", "", "黄花镇", "白沙镇", "青山乡", "东湖街道", "石门镇", "洞口乡", "金井镇"]
TAILS = ["项目", "经费", "专项经费", "资金", "专项资金"]
LEVELS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("产出指标", "成本指标"),
    ("效益指标", "社会效益指标"),
    ("效益指标", "经济效益指标"),
    ("效益指标", "可持续影响指标"),
    ("满意度指标", "服务对象满意度指标"),
]


def regions(n: int) -> list[str]:
    names = [a + b + s for s in _SUFFIX for a in _PLACE_A for b in _PLACE_B if a != b]
    random.Random(5).shuffle(names)
    return names[:n]


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def catalogue(n_reports: int, seed: int = 31):
    """The synthetic archive's reports as rows (dicts), about n_reports of them, copies included."""
    rng = random.Random(seed)
    n_regions = max(4, n_reports // 2500)
    places = regions(n_regions)
    per_region = n_reports / n_regions
    rows = []
    project = 0
    for r, place in enumerate(places):
        renamed = rng.random() < 0.5  # this county renamed some agencies in 2021
        made = 0
        taken: set[tuple[str, str]] = set()
        while made < per_region * 0.95:
            a = rng.randrange(len(AGENCIES))
            old, new = AGENCIES[a]
            topic, short = TOPICS[rng.randrange(len(TOPICS))]
            town = TOWNS[rng.randrange(len(TOWNS))]
            tail = TAILS[rng.randrange(len(TAILS))]
            if (old, town + topic) in taken:
                continue
            taken.add((old, town + topic))
            project += 1
            first = rng.choice(YEARS[:4])
            last = rng.choice([y for y in YEARS if y > first])
            code = f"43{r:04d}{project:07d}" if rng.random() < 0.3 else None
            drift = rng.random()
            budget = rng.randrange(100_000, 50_000_000) // 100 * 100 * 100  # cents, whole hundreds of yuan
            for year in range(first, last + 1):
                name = f"{town}{topic}{tail}"
                if drift < 0.10 and year % 2:
                    name = f"{year}年度{name}"
                elif drift < 0.20 and year >= 2021 and "专项" not in tail:
                    name = f"{town}{topic}专项{tail}"
                elif drift < 0.30 and short and year % 2 == 0:
                    name = f"{town}{short}{tail}"
                elif drift < 0.35 and year >= 2022:
                    name = f"{town}{topic}提质{tail}"  # renamed: a project of its own from then on
                agency = new if (renamed and new and year >= 2021) else old
                unit = f"{place}{agency}"
                spent = budget * rng.randrange(55, 101) // 100
                rate = round(100 * spent / budget, 2)
                wrong = rng.random() < 0.03  # the stated rate contradicts the figures
                score = rng.randrange(7000, 10000)
                rows.append(
                    {
                        "fiscal_year": year,
                        "region": place,
                        "project_name": name,
                        "project_code": code,
                        "unit": unit,
                        "budget_initial": budget * 9 // 10 // 100 * 100,
                        "budget": budget,
                        "spent": spent,
                        "rate": f"{rate + (5 if wrong else 0):.2f}",
                        "score": _yuan(score),
                        "grade": "优" if score >= 9000 else "良",
                        "copy": rng.random() < 0.05,
                        "project": project,
                    }
                )
                made += 1
    return rows


def generate(db: Path, n_reports: int, seed: int = 31) -> dict:
    """Write a synthetic warehouse of about n_reports reports to db; return what it holds."""
    import duckdb
    import pyarrow as pa

    from jixiao.warehouse import connect

    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    t0 = time.perf_counter()
    rows = catalogue(n_reports, seed)
    con = connect(db)
    docs, reports = {k: [] for k in ("doc_id", "path", "format", "n_reports", "size_bytes", "coverage_pct")}, []
    rng = random.Random(seed + 1)
    i = 0
    bundle: list[dict] = []
    for row in rows:
        i += 1
        copies = [("docx", row), ("pdf", row)] if row["copy"] else [("docx", row)]
        for fmt, r in copies:
            if fmt == "docx" and rng.random() < 0.03 and len(bundle) < 3:
                bundle.append(r)
                if len(bundle) < 3:
                    continue
                members, bundle = bundle, []
            else:
                members = [r]
            doc_id = hashlib.sha256(f"{seed}:{i}:{fmt}".encode()).hexdigest()
            first = members[0]
            docs["doc_id"].append(doc_id)
            docs["path"].append(f"/archive/{first['region']}/{first['fiscal_year']}/{first['unit']}/{first['project_name']}_{i}.{fmt}")
            docs["format"].append(fmt)
            docs["n_reports"].append(len(members))
            docs["size_bytes"].append(40_000 + rng.randrange(200_000))
            docs["coverage_pct"].append(f"{rng.randrange(8000, 10001) / 100:.2f}")
            for ordinal, m in enumerate(members, start=1):
                reports.append((f"{doc_id}:{ordinal}", doc_id, ordinal, m))
    rep = {
        "report_id": [r[0] for r in reports],
        "doc_id": [r[1] for r in reports],
        "ordinal": [r[2] for r in reports],
        "fiscal_year": [r[3]["fiscal_year"] for r in reports],
        "region": [r[3]["region"] for r in reports],
        "project_name": [r[3]["project_name"] for r in reports],
        "project_code": [r[3]["project_code"] for r in reports],
        "unit": [r[3]["unit"] for r in reports],
        "budget_initial": [_yuan(r[3]["budget_initial"]) for r in reports],
        "budget": [_yuan(r[3]["budget"]) for r in reports],
        "spent": [_yuan(r[3]["spent"]) for r in reports],
        "rate": [r[3]["rate"] for r in reports],
        "score": [r[3]["score"] for r in reports],
        "grade": [r[3]["grade"] for r in reports],
    }
    con.register("g_docs", pa.table(docs))
    con.register("g_reports", pa.table(rep))
    con.execute("BEGIN")
    con.execute("""
        INSERT INTO documents (doc_id, path, format, ocr, status, n_pages, n_reports, size_bytes, parser_version, coverage_pct, rules_checked)
        SELECT doc_id, path, format, false, 'ok', 2 * n_reports, n_reports, size_bytes, 'synthetic', CAST(coverage_pct AS DECIMAL(5,2)), true
        FROM g_docs""")
    con.execute("INSERT INTO document_paths SELECT doc_id, path FROM g_docs")
    con.execute("INSERT INTO file_index SELECT path, size_bytes, 1700000000000000000 + hash(path) % 1000000, doc_id FROM g_docs")
    con.execute("""
        INSERT INTO reports (report_id, doc_id, ordinal, template, scope, fiscal_year, region, project_name, project_code, department,
                             implementing_unit, project_kind, budget_initial_yuan, budget_adjusted_yuan, spent_yuan, execution_rate_pct,
                             score_total, score_max, grade, execution_score, execution_score_max)
        SELECT report_id, doc_id, ordinal, 'national_project', 'project', fiscal_year, region, project_name, project_code, unit, unit,
               '经常性项目', CAST(budget_initial AS DECIMAL(18,2)), CAST(budget AS DECIMAL(18,2)), CAST(spent AS DECIMAL(18,2)),
               CAST(rate AS DECIMAL(9,2)), CAST(score AS DECIMAL(9,2)), 100, grade,
               CAST(least(round(CAST(rate AS DECIMAL(9,2)) / 10, 2), 10) AS DECIMAL(9,2)), 10
        FROM g_reports""")
    levels = ", ".join(f"('{a}', '{b}')" for a, b in LEVELS)
    # the same report read from two files has the same figures: the pseudo-random ones hash what it says, not its id
    con.execute(f"""
        INSERT INTO indicators (report_id, seq, level1, level2, name, weight, target, actual, score, note, parent)
        WITH lv AS (SELECT row_number() OVER () - 1 AS k, * FROM (VALUES {levels}) t(level1, level2)),
        r AS (SELECT report_id, hash(project_name, fiscal_year, implementing_unit) AS h FROM reports)
        SELECT r.report_id, s.seq, lv.level1, lv.level2, '指标' || s.seq || '：' || lv.level2 || '完成情况',
               CAST(CASE WHEN s.seq <= 10 THEN 5 ELSE 4 END AS DECIMAL(9,2)),
               '≥' || (80 + hash(r.h, s.seq) % 20) || '%', (75 + hash(r.h, s.seq, 1) % 26) || '%',
               CAST(CASE WHEN s.seq <= 10 THEN 5 ELSE 4 END - (hash(r.h, s.seq) % 3) * 0.5 AS DECIMAL(9,2)),
               CASE WHEN hash(r.h, s.seq) % 7 = 0 THEN '受资金拨付进度影响，部分工作延后' END, NULL
        FROM r CROSS JOIN range(1, {INDICATORS + 1}) s(seq) JOIN lv ON lv.k = (s.seq - 1) * 8 // {INDICATORS}""")
    con.execute("""
        UPDATE reports SET score_total = i.score + reports.execution_score,
                           grade = CASE WHEN i.score + reports.execution_score >= 90 THEN '优' WHEN i.score + reports.execution_score >= 80 THEN '良'
                                        WHEN i.score + reports.execution_score >= 60 THEN '中' ELSE '差' END
        FROM (SELECT report_id, sum(score) AS score FROM indicators GROUP BY 1) i WHERE i.report_id = reports.report_id""")
    con.execute("""
        INSERT INTO indicator_groups (report_id, seq, level, level1, level2, weight, score, name)
        SELECT report_id, row_number() OVER (PARTITION BY report_id ORDER BY level1), 1, level1, NULL, sum(weight), sum(score), NULL
        FROM indicators GROUP BY report_id, level1""")
    con.execute("""
        INSERT INTO funding (report_id, seq, source, source_label, budget_initial_yuan, budget_adjusted_yuan, spent_yuan, execution_rate_pct)
        SELECT report_id, 1, 'total', '年度资金总额', budget_initial_yuan, budget_adjusted_yuan, spent_yuan, execution_rate_pct FROM reports
        UNION ALL
        SELECT report_id, 2, 'fiscal', '当年财政拨款', budget_initial_yuan, CAST(budget_adjusted_yuan * 0.8 AS DECIMAL(18,2)),
               CAST(spent_yuan * 0.8 AS DECIMAL(18,2)), NULL FROM reports
        UNION ALL
        SELECT report_id, 3, 'carryover', '上年结转资金', NULL, CAST(budget_adjusted_yuan * 0.2 AS DECIMAL(18,2)),
               CAST(spent_yuan * 0.2 AS DECIMAL(18,2)), NULL FROM reports""")
    con.execute("""
        INSERT INTO fields (report_id, key, label, value, page, locator)
        SELECT report_id, k.key, k.label, CASE k.key WHEN 'project_name' THEN project_name WHEN 'implementing_unit' THEN implementing_unit
               WHEN 'spent_yuan' THEN CAST(spent_yuan AS VARCHAR) WHEN 'budget_adjusted_yuan' THEN CAST(budget_adjusted_yuan AS VARCHAR)
               WHEN 'budget_initial_yuan' THEN CAST(budget_initial_yuan AS VARCHAR) WHEN 'execution_rate_pct' THEN CAST(execution_rate_pct AS VARCHAR)
               WHEN 'score_total' THEN CAST(score_total AS VARCHAR) WHEN 'grade' THEN grade WHEN 'department' THEN department
               WHEN 'project_code' THEN project_code WHEN 'fiscal_year' THEN CAST(fiscal_year AS VARCHAR) ELSE project_kind END,
               1, 't1.r' || k.row || '.c2'
        FROM reports CROSS JOIN (VALUES ('project_name', '项目名称', 1), ('project_code', '项目编号', 2), ('department', '主管部门', 3),
            ('implementing_unit', '实施单位', 4), ('fiscal_year', '年度', 5), ('budget_initial_yuan', '年初预算数', 6),
            ('budget_adjusted_yuan', '全年预算数', 7), ('spent_yuan', '全年执行数', 8), ('execution_rate_pct', '执行率', 9),
            ('score_total', '总分', 10), ('grade', '评价等级', 11), ('project_kind', '项目属性', 12)) k(key, label, row)""")
    con.execute("""
        INSERT INTO sections (report_id, seq, heading, text)
        SELECT report_id, s.seq, CASE s.seq WHEN 1 THEN '一、项目基本情况' ELSE '二、绩效目标完成情况' END,
               project_name || '由' || implementing_unit || '组织实施，年度预算' || budget_adjusted_yuan || '元，实际支出' || spent_yuan
               || '元。项目按计划推进，主要绩效目标基本完成，部分指标受资金拨付进度影响有所滞后，下一步将加强预算执行监控。'
        FROM reports CROSS JOIN range(1, 3) s(seq)""")
    con.execute("""
        INSERT INTO facts (report_id, key, value, unit, sentence)
        SELECT report_id, 'spent', spent_yuan, '元', '全年实际支出' || spent_yuan || '元' FROM reports
        UNION ALL SELECT report_id, 'execution_rate', execution_rate_pct, '%', '预算执行率' || execution_rate_pct || '%' FROM reports""")
    con.execute("""
        INSERT INTO flags (report_id, flag, label, value)
        SELECT report_id, 'recurring', '经常性项目', true FROM reports UNION ALL
        SELECT report_id, 'new_project', '新增项目', false FROM reports""")
    con.execute("""
        INSERT INTO findings (report_id, rule, severity, message, expected, actual)
        SELECT report_id, 'execution_rate_matches', 'error',
               '报告: 执行率 is stated as ' || execution_rate_pct || '% but the figures give '
                   || round(100 * spent_yuan / budget_adjusted_yuan, 2) || '%',
               CAST(round(100 * spent_yuan / budget_adjusted_yuan, 2) AS VARCHAR), CAST(execution_rate_pct AS VARCHAR)
        FROM reports WHERE abs(100 * spent_yuan / budget_adjusted_yuan - execution_rate_pct) > 0.01""")
    con.execute("INSERT INTO pending VALUES ('link') ON CONFLICT DO NOTHING")  # as every store marks it
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "reports", "indicators", "funding", "fields", "findings")
    }
    con.close()
    del duckdb
    return {"seconds": time.perf_counter() - t0, "counts": counts, "mb": db.stat().st_size / 2**20}


# --- the ten new files ----------------------------------------------------------------------------


def new_files(db: Path, folder: Path, n: int = 10) -> list[Path]:
    """n real .docx reports for 2024: new years of projects the warehouse holds (one under its topic's
    abbreviation, one with 专项 added), and new projects."""
    import duckdb

    from tests.fixtures import builder
    from tests.fixtures import families as F

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    known = con.execute(
        """SELECT project_name, implementing_unit, region FROM reports
                           WHERE fiscal_year = 2023 AND project_name NOT LIKE '%年度%' AND region LIKE '%县'
                           ORDER BY hash(report_id) LIMIT ?""",
        [n],
    ).fetchall()
    con.close()
    files = []
    for i, (name, unit, region) in enumerate(known[: n - 3]):
        if i == 0:
            for full, short in TOPICS:
                if short and full in name:
                    name = name.replace(full, short)
                    break
        elif i == 1 and "专项" not in name:
            name = name.replace("经费", "专项经费").replace("资金", "专项资金")
        spent = str(1_000_000 + 7919 * i)
        files.append(builder.write_docx(F._national_year(name, unit, 2024, spent, region=region), folder / f"new_{i:02d}.docx"))
    for i in range(len(files), n):
        region = known[i % len(known)][2]
        files.append(
            builder.write_docx(
                F._national_year(f"智慧停车示范{i}号工程项目", f"{region}发展和改革局", 2024, str(1_050_000 + i * 1000), region=region),
                folder / f"new_{i:02d}.docx",
            )
        )
    return files


# --- the steps, each in a process of its own ----------------------------------------------------


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, db: Path, extra: str) -> dict:
    """Run one step here (the child process) and return its figures."""
    out: dict = {}
    t0 = time.perf_counter()
    if name == "link":
        from jixiao.warehouse import connect, relink

        con = connect(db, create=False)
        out["projects"] = relink(con)
        con.close()
    elif name == "check":
        from jixiao.ingest.owed import finish_pending
        from jixiao.rules import check
        from jixiao.warehouse import connect

        con = connect(db, create=False)
        finish_pending(con)
        out["findings"] = sum(n for _, _, n, _ in check(con).findings)
        con.close()
    elif name == "ingest":
        from jixiao.ingest.run import ingest

        s = ingest([extra], db=db)
        out.update(stored=s.stored, reports=s.reports, failures=s.failures, problems=s.problems, steps={k: round(v, 3) for k, v in s.seconds.items()})
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        out["joined"] = con.execute("""SELECT count(*) FROM reports r JOIN documents d USING (doc_id)
                                       WHERE d.path LIKE '%/new_%' AND EXISTS (SELECT 1 FROM reports o WHERE o.project_key = r.project_key
                                                                               AND o.report_id <> r.report_id)""").fetchone()[0]
        con.close()
    elif name == "views":
        from jixiao.warehouse import connect_locked
        from jixiao.warehouse.schema import VIEW_NAMES

        con = connect_locked(db)
        rid = con.execute("SELECT report_id FROM reports ORDER BY report_id LIMIT 1 OFFSET 777").fetchall()[0][0]
        questions = {view: f"SELECT * FROM {view}" for view in VIEW_NAMES}  # the whole view, computed and fetched
        questions.update(
            {  # what an analyst asks of them (the examples of docs/warehouse.md)
                "v_reports, one report": f"SELECT * FROM v_reports WHERE report_id = '{rid}'",
                "v_spending < 80 %, by year": "SELECT fiscal_year, region, project_name, budget_yuan, spent_yuan, execution_rate_pct "
                "FROM v_spending WHERE execution_rate_pct < 80 ORDER BY fiscal_year, execution_rate_pct",
                "v_spending < 80 % three years running": "SELECT project_key, any_value(project_name), list(fiscal_year ORDER BY fiscal_year) "
                "FROM v_spending WHERE execution_rate_pct < 80 GROUP BY project_key "
                "HAVING count(DISTINCT fiscal_year) >= 3",
                "v_scores by year and level1": "SELECT fiscal_year, level1, round(avg(score_pct), 1) FROM v_scores GROUP BY ALL ORDER BY ALL",
            }
        )
        for label, sql in questions.items():
            times = []
            for _ in range(3):  # the best of three: the host is shared
                t = time.perf_counter()
                rows = con.sql(sql).to_arrow_table().num_rows
                times.append(time.perf_counter() - t)
            out[label] = (round(min(times), 3), rows)
        con.close()
    elif name == "desk":
        import duckdb
        from starlette.testclient import TestClient

        from jixiao.desk.app import create_app

        con = duckdb.connect(str(db), read_only=True)
        rid = con.execute("SELECT report_id FROM reports WHERE duplicate_of IS NULL ORDER BY report_id LIMIT 1 OFFSET 777").fetchone()[0]
        unit = con.execute("SELECT implementing_unit FROM reports ORDER BY report_id LIMIT 1 OFFSET 99").fetchone()[0]
        con.close()
        client = TestClient(create_app(db), base_url="http://127.0.0.1")
        pages = {
            "overview /": "/",
            "reports /reports": "/reports",
            "reports, year + under 80 %": "/reports?year=2022&under=80",
            "reports of a unit": f"/reports?unit={unit}",
            "reports, name search": "/reports?q=" + "河道",
            "reports with open findings": "/reports?findings=1",
            "a report /report/ID": f"/report/{rid}",
            "findings /findings": "/findings",
            "open findings": "/findings?verdict=open",
        }
        for label, url in pages.items():
            times = []
            for _ in range(3):  # the first, and the best of the next two (the host is shared)
                t = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t)
            out[label] = (round(times[0], 3), round(min(times[1:]), 3), response.status_code, len(response.content))
    elif name in ("csv", "xlsx", "parquet"):
        from jixiao.warehouse import connect
        from jixiao.warehouse.export import export

        target = Path(extra)
        shutil.rmtree(target, ignore_errors=True)
        con = connect(db, read_only=True)  # as `jixiao export` opens it
        written = export(con, target, name)
        con.close()
        out["files"] = len(written)
        out["mb"] = round(sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 2**20, 1)
    elif name == "stage":
        from jixiao.warehouse.stage import Stage, stage_connection

        con = stage_connection(Stage(extra))
        t = time.perf_counter()
        out["documents by status"] = con.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall()
        out["documents by status s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        out["indicators per level1"] = len(con.execute("SELECT level1, count(*), sum(score) FROM indicators GROUP BY 1").fetchall())
        out["indicators per level1 s"] = round(time.perf_counter() - t, 3)
        con.close()
    elif name == "agree":
        out["agree"] = agree(db, Path(extra))
    else:
        raise SystemExit(f"unknown step {name}")
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["peak_mb"] = round(_peak_mb(), 1)
    return out


def agree(db: Path, scratch: Path) -> str:
    """Relink a copy of db in full and compare its projects with db's (linked incrementally)."""
    import duckdb

    from jixiao.warehouse import connect
    from jixiao.warehouse.projects import link_projects

    copy = scratch / "full.duckdb"
    shutil.copy(db, copy)
    con = connect(copy, create=False)
    con.execute("BEGIN")
    link_projects(con)
    con.execute("COMMIT")
    con.close()
    sql = (
        "SELECT (SELECT list((report_id, project_key, duplicate_of) ORDER BY report_id) FROM reports), "
        "(SELECT list((project_key, project_name, unit, region, years, n_reports) ORDER BY project_key) FROM projects)"
    )
    a = duckdb.connect(str(db), read_only=True).execute(sql).fetchone()
    b = duckdb.connect(str(copy), read_only=True).execute(sql).fetchone()
    copy.unlink()
    return "yes" if a == b else "NO: " + ("reports differ" if a[0] != b[0] else "projects differ")


def run_step(name: str, db: Path, extra: str = "") -> dict:
    """Run a step in a new process; its figures (or the error it printed)."""
    out = subprocess.run([sys.executable, __file__, "--child", name, "--db", str(db), "--extra", extra], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1], "seconds": float("nan"), "peak_mb": float("nan")}
    return json.loads(lines[-1])


def write_stage(db: Path, stage: Path, per_shard: int = 500) -> int:
    """The warehouse's tables written out as a stage (shards of per_shard documents with manifests)."""
    import duckdb

    from jixiao.warehouse.schema import SCHEMA_VERSION
    from jixiao.warehouse.stage import SHARD_TABLES

    shutil.rmtree(stage, ignore_errors=True)
    (stage / "manifest").mkdir(parents=True)
    con = duckdb.connect(str(db), read_only=True)
    con.execute(f"""CREATE TEMP TABLE shard_of AS SELECT doc_id, (row_number() OVER (ORDER BY doc_id) - 1) // {per_shard} AS shard
                    FROM documents""")
    n = con.execute("SELECT max(shard) + 1 FROM shard_of").fetchone()[0]
    for table in SHARD_TABLES:
        key = "t.doc_id" if table in ("documents", "unread", "document_paths", "file_index") else "split_part(t.report_id, ':', 1)"
        con.execute(f"""COPY (SELECT t.*, 's' || s.shard AS shard_id FROM {table} t JOIN shard_of s ON s.doc_id = {key})
                        TO '{stage / "shards"}' (FORMAT parquet, PARTITION_BY (shard_id), OVERWRITE_OR_IGNORE, FILENAME_PATTERN '{table}_{{i}}')""")
    shards = sorted((stage / "shards").iterdir())
    for shard_dir in shards:
        shard_id = shard_dir.name.split("=", 1)[1]
        target = stage / "shards" / shard_id
        target.mkdir()
        checksums = {}
        for table in SHARD_TABLES:
            parts = list(shard_dir.glob(f"{table}_*.parquet"))
            if parts:
                parts[0].rename(target / f"{table}.parquet")
            else:  # a table without rows in this shard: an empty file with its columns
                con.execute(f"COPY (SELECT * FROM {table} LIMIT 0) TO '{target / (table + '.parquet')}' (FORMAT parquet)")
            checksums[table] = hashlib.sha256((target / f"{table}.parquet").read_bytes()).hexdigest()
        shard_dir.rmdir()
        manifest = {
            "shard_id": shard_id,
            "schema_version": SCHEMA_VERSION,
            "files": [],
            "rows": {},
            "written_at": "2024-01-01T00:00:00+00:00",
            "checksums": checksums,
        }
        (stage / "manifest" / f"{shard_id}.json").write_text(json.dumps(manifest))
    con.close()
    return n


def measure(n: int, out: Path, skip: set[str]) -> dict:
    work = out / str(n)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "w.duckdb"
    figures: dict = {"reports asked": n}
    made = generate(db, n)
    figures["generate"] = made
    print(f"{n}: generated {made['counts']} ({made['mb']:.0f} MB) in {made['seconds']:.1f} s", flush=True)
    figures["link"] = run_step("link", db)
    print(f"  link (full) {figures['link']}", flush=True)
    figures["views"] = run_step("views", db)
    print(f"  views {figures['views']}", flush=True)
    figures["desk"] = run_step("desk", db)
    print(f"  desk {figures['desk']}", flush=True)
    figures["check"] = run_step("check", db)
    print(f"  check {figures['check']}", flush=True)
    if "stage" not in skip:
        t = time.perf_counter()
        shards = write_stage(db, work / "stage")
        print(f"  stage of {shards} shards written in {time.perf_counter() - t:.1f} s", flush=True)
        figures["stage"] = run_step("stage", db, str(work / "stage"))
        figures["stage"]["shards"] = shards
        print(f"  query --stage {figures['stage']}", flush=True)
        shutil.rmtree(work / "stage")
    for fmt in ("csv", "xlsx"):
        if fmt in skip:
            continue
        figures[fmt] = run_step(fmt, db, str(work / f"export_{fmt}"))
        print(f"  export {fmt} {figures[fmt]}", flush=True)
        shutil.rmtree(work / f"export_{fmt}", ignore_errors=True)
    files = new_files(db, work / "new")
    empty = work / "empty.duckdb"
    figures["ingest_empty"] = run_step("ingest", empty, str(work / "new"))
    print(f"  ingest of {len(files)} files into an empty warehouse {figures['ingest_empty']}", flush=True)
    figures["ingest"] = run_step("ingest", db, str(work / "new"))
    print(f"  ingest of {len(files)} files {figures['ingest']}", flush=True)
    figures["agree"] = run_step("agree", db, str(work))
    print(f"  a full relink agrees with the incremental one: {figures['agree']}", flush=True)
    return figures


def table(results: list[dict]) -> str:
    cols = [str(r["generate"]["counts"]["reports"]) for r in results]
    lines = ["| step | " + " | ".join(f"{c} reports" for c in cols) + " |", "|---|" + "---:|" * len(cols)]

    def row(label: str, get) -> None:
        cells = []
        for r in results:
            try:
                cells.append(get(r))
            except (KeyError, TypeError, IndexError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("generate (bulk SQL)", lambda r: f"{r['generate']['seconds']:.1f} s, {r['generate']['mb']:.0f} MB")
    row("`link` (full)", lambda r: f"{r['link']['seconds']:.2f} s")
    row("`check` (every rule, all reports)", lambda r: f"{r['check']['seconds']:.2f} s")
    row("ingest 10 new .docx: wall", lambda r: f"{r['ingest']['seconds']:.2f} s")
    row("  the same into an empty warehouse", lambda r: f"{r['ingest_empty']['seconds']:.2f} s")
    row("  outside reading (wall − empty)", lambda r: f"{r['ingest']['seconds'] - r['ingest_empty']['seconds']:.2f} s")
    row("  its store / rules / link", lambda r: " / ".join(f"{r['ingest']['steps'].get(k, 0):.2f}" for k in ("store", "rules", "link")) + " s")
    row("  new reports that joined a project", lambda r: f"{r['ingest']['joined']} of {r['ingest']['reports']}")
    row("incremental links = full relink", lambda r: r["agree"]["agree"])
    for view in ("v_reports", "v_spending", "v_unit_year", "v_scores", "v_findings_summary", "v_findings"):
        row(f"view {view}, whole", lambda r, v=view: f"{r['views'][v][0]:.2f} s ({r['views'][v][1]:,} rows)")
    for question in ("v_reports, one report", "v_spending < 80 %, by year", "v_spending < 80 % three years running", "v_scores by year and level1"):
        row(f"query: {question}", lambda r, q=question: f"{r['views'][q][0]:.2f} s")
    for page in (
        "overview /",
        "reports /reports",
        "reports, year + under 80 %",
        "reports of a unit",
        "reports, name search",
        "reports with open findings",
        "a report /report/ID",
        "findings /findings",
        "open findings",
    ):
        row(f"desk {page}", lambda r, p=page: f"{r['desk'][p][1]:.2f} s")
    row("`query --stage` (documents by status)", lambda r: f"{r['stage']['documents by status s']:.2f} s ({r['stage']['shards']} shards)")
    row("`export --format csv`", lambda r: f"{r['csv']['seconds']:.1f} s, {r['csv']['mb']:.0f} MB")
    row("`export --format xlsx`", lambda r: f"{r['xlsx']['seconds']:.1f} s, {r['xlsx']['mb']:.0f} MB")
    row("peak RSS: link / check / ingest (writer)", lambda r: " / ".join(f"{r[k]['peak_mb']:.0f}" for k in ("link", "check", "ingest")) + " MB")
    row("peak RSS: desk / export xlsx", lambda r: f"{r['desk']['peak_mb']:.0f} / {r['xlsx']['peak_mb']:.0f} MB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, nargs="+", default=[10000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale")
    parser.add_argument("--skip", default="", help="steps to leave out, comma-separated: stage, csv, xlsx")
    parser.add_argument("--keep", action="store_true", help="keep the warehouses under --out")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(step(args.child, args.db, args.extra), ensure_ascii=False, default=str))
        return
    os.environ.setdefault("JIXIAO_OCR", "0")
    results = []
    for n in args.reports:
        results.append(measure(n, args.out, set(filter(None, args.skip.split(",")))))
        if not args.keep:
            shutil.rmtree(args.out / str(n), ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print()
    print(table(results))


if __name__ == "__main__":
    main()
