"""Searching the narrative at 10,000 reports. Run by hand (never in the tests):

    .venv/bin/python bench/search.py [--reports 10000] [--repeat 20] [--keep DIR]

It stores a warehouse of generated reports through the warehouse's own store (each a project of one of
2,000 units' projects over 2018–2023, its narrative of achievements, numbered problems drawn from a pool of
problems offices write, causes and next steps; decoy sentences hold two of the three words 资金 / 拨付 / 滞后),
plants one problem in 2021 and 2022 of one project, then prints:

1. how long the first search takes (making the index: every sentence cut by jieba and indexed by tantivy);
2. per query, in the process (index open, jieba loaded: what the desk and the Python API pay), the median and
   the 95th percentile of --repeat searches, and where the planted sentences rank;
3. `jixiao search` as a command, end to end (interpreter, imports, jieba's dictionary, the search), median of 5,
   and the same process's import and dictionary cost alone, so the search's own share shows.

DuckDB's full-text extension (fts) was the other engine to measure: it is not published for DuckDB 2.0.1, the
DuckDB this project uses (PyPI has duckdb-extension-fts up to 1.5.5; DuckDB 2.0.1 refuses that build, and forcing
it with allow_extensions_metadata_mismatch crashes the process), and `INSTALL fts` needs DuckDB's own server, which
this machine cannot reach. So only tantivy is measured here; `--export FILE.parquet` writes the sentences with their
jieba words for bench/search_duckdb_fts.py, which measures DuckDB 1.5.5's fts on them in a separate environment.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from jixiao.base.model import DocumentResult, Report, Section
from jixiao.normalize.outcomes import describe
from jixiao.warehouse import Pending, connect, search, store_many
from jixiao.warehouse.search import sentences

PLANTED_PROJECT = "智慧城管平台运维经费"
PLANTED = {2021: "上级专项资金拨付滞后，平台运维合同款延期支付。", 2022: "专项资金拨付滞后，运维费用未能按季度结算。"}
QUERIES = [
    ("资金拨付滞后", None, ()),
    ("资金拨付滞后", "problem", ()),
    ("资金拨付滞后", "problem", (2021, 2022)),
    ("预算编制不精准", None, ()),
    ("群众满意度", "achievement", ()),
]

ACHIEVED = [
    "全年完成{n}个站点的建设任务，群众满意度达到{p}%。",
    "开展业务培训{n}场次，参训人员{m}人次。",
    "项目按期完工，验收合格率100%。",
    "累计服务群众{m}人次，办理时限压缩至{d}个工作日。",
    "资金支付进度符合要求，年度绩效目标基本实现。",
    "完成设备更新{n}台套，系统运行稳定。",
]
PROBLEMS = [
    "预算编制不够精准，年中调整较多。",
    "绩效目标设置不够细化，部分指标难以量化。",
    "部分设备老化，维护成本逐年上升。",
    "项目实施进度滞后于计划，部分工程延期完成。",
    "资金拨付程序较多，审批环节耗时较长。",
    "专业技术人员不足，工作力量较为薄弱。",
    "部分资金到位较晚，影响了年初工作安排。",
    "宣传力度不够，群众知晓率有待提高。",
    "资金使用效益有待进一步提高。",
    "绩效管理意识不强，自评工作不够深入。",
    "政府采购流程较长，采购进度滞后。",
    "基层财政资金紧张，配套资金拨付困难。",
]
CAUSES = ["主要原因是项目前期论证不够充分。", "受上级政策调整影响，部分项目推迟实施。", "由于人员变动频繁，工作衔接不够顺畅。"]
NEXT = [
    "下一步将加强预算编制的科学性和精准性。",
    "下一步将加强与财政部门沟通，确保资金及时拨付到位。",
    "将进一步完善绩效指标体系，细化量化考核标准。",
    "建议加快项目实施进度，提高资金使用效益。",
]


def _report(rng: random.Random, project: str, unit: str, year: int, planted: str | None) -> Report:
    fill = {"n": rng.randint(3, 90), "m": rng.randint(100, 9000), "p": rng.randint(90, 99), "d": rng.randint(3, 15)}
    achieved = "\n".join(f"{i}、{s.format(**fill)}" for i, s in enumerate(rng.sample(ACHIEVED, 3), 1))
    problems = rng.sample(PROBLEMS, 3)
    if planted:
        problems[rng.randrange(3)] = planted
    report = Report(
        "narrative_only",
        fiscal_year=year,
        project_name=project,
        implementing_unit=unit,
        sections=[
            Section(1, "一、项目概况", f"{project}由{unit}负责实施，资金由区财政统一拨付。"),
            Section(2, "三、绩效目标完成情况", achieved),
            Section(3, "四、存在的问题及原因分析", "\n".join(f"{i}、{s}" for i, s in enumerate(problems, 1)) + "\n" + rng.choice(CAUSES)),
            Section(4, "五、下一步改进措施", "\n".join(f"（{n}）{s}" for n, s in zip("一二", rng.sample(NEXT, 2)))),
        ],
    )
    return describe(report)


def build(db: Path, n_reports: int) -> None:
    rng = random.Random(32)
    years = list(range(2018, 2024))
    projects = [(f"某某项目{i:04d}号专项经费", f"某某区第{i % 2000:04d}单位") for i in range(n_reports // len(years) + 1)]
    projects[7] = (PLANTED_PROJECT, "区城市管理局")
    con = connect(db)
    batch: list[Pending] = []
    made = 0
    for project, unit in projects:
        for year in years:
            if made == n_reports:
                break
            planted = PLANTED.get(year) if project == PLANTED_PROJECT else None
            doc_id = f"{made:064x}"
            batch.append(
                Pending(DocumentResult(doc_id, f"bench/{year}/{made}.docx", "docx", "ok", reports=[_report(rng, project, unit, year, planted)]))
            )
            made += 1
            if len(batch) == 500:
                store_many(con, batch)
                batch = []
    if batch:
        store_many(con, batch)
    con.close()


def export(con, path: Path) -> None:
    """The indexed sentences, one row each with their report's year, their kind and their words (as search cuts them)."""
    from jixiao.base.words import search_words

    rows = [
        (i, report_id, seq, year, kind, sentence, " ".join(search_words(sentence)))
        for i, (report_id, seq, year, kind, sentence) in enumerate(
            (rid, seq, year, kind, s)
            for rid, seq, year, kind, text in con.execute(
                "SELECT n.report_id, n.seq, r.fiscal_year, n.kind, n.text FROM narrative_items n JOIN reports r USING (report_id)"
            ).fetchall()
            for s in sentences(text)
        )
    ]
    out = duckdb.connect()
    out.execute("CREATE TABLE s (id INTEGER, report_id VARCHAR, seq INTEGER, year INTEGER, kind VARCHAR, sentence VARCHAR, words VARCHAR)")
    out.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    out.execute("COPY s TO ? (FORMAT parquet)", [str(path)])
    print(f"wrote {len(rows)} sentences to {path}")


def _ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {1000 * statistics.median(ordered):7.1f} ms   p95 {1000 * p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="build the warehouse here and keep it")
    parser.add_argument("--export", type=Path, default=None, help="write the sentences and their words to this Parquet file")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-search-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.duckdb"
    try:
        if not db.exists():
            started = time.perf_counter()
            build(db, args.reports)
            print(f"stored {args.reports} reports in {time.perf_counter() - started:.1f} s")
        shutil.rmtree(folder / "bench.duckdb.search", ignore_errors=True)
        con = connect(db, read_only=True)
        texts = [t for (t,) in con.execute("SELECT text FROM narrative_items").fetchall()]
        print(f"{len(texts)} narrative items, {sum(len(sentences(t)) for t in texts)} sentences")
        if args.export:
            export(con, args.export)
        started = time.perf_counter()
        search(con, "资金拨付滞后", db_path=db)
        print(f"first search (makes the index): {time.perf_counter() - started:.1f} s")
        print(f"\nin the process, {args.repeat} searches each (tantivy, jieba loaded):")
        for words, kind, years in QUERIES:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                hits = search(con, words, db_path=db, kind=kind, years=years)
                times.append(time.perf_counter() - t)
            ranks = sorted(i + 1 for i, h in enumerate(hits) if h.sentence in PLANTED.values())
            where = f"   planted at rank {ranks}" if words == "资金拨付滞后" else ""
            label = f"{words}" + (f" --kind {kind}" if kind else "") + "".join(f" --year {y}" for y in years)
            print(f"  {label:<45} {_ms(times)}   {len(hits)} hits{where}")
        top = search(con, "资金拨付滞后", db_path=db, kind="problem")[:2]
        print("  first two:", [(h.fiscal_year, h.project_name, h.sentence) for h in top])
        con.close()
        jixiao = [sys.executable, "-m", "jixiao.cli"]
        cold = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([*jixiao, "search", "资金拨付滞后", "--kind", "problem", "--db", str(db)], check=True, capture_output=True)
            cold.append(time.perf_counter() - t)
        base = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", "import jixiao.cli, jixiao.warehouse.search; from jixiao.base.words import words; words('资金')"],
                check=True,
                capture_output=True,
            )
            base.append(time.perf_counter() - t)
        print(f"\n`jixiao search` as a command, end to end: {_ms(cold)}")
        print(f"  of which starting Python, importing and loading jieba's dictionary: {_ms(base)}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
