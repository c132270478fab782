"""DuckDB's full-text extension over the same sentences as bench/search.py, for comparison. Run by hand, in an
environment of its own: the fts extension has no build for the DuckDB this project uses (2.0.1), so this needs
DuckDB 1.5.5 and PyPI's duckdb-extension-fts 1.5.5:

    python -m venv /tmp/fts && /tmp/fts/bin/pip install duckdb==1.5.5 duckdb-extension-fts==1.5.5
    .venv/bin/python bench/search.py --keep /tmp/bench10k --export /tmp/sentences.parquet
    /tmp/fts/bin/python bench/search_duckdb_fts.py /tmp/sentences.parquet

The words are jieba's (cut by bench/search.py), joined by spaces; fts indexes them without stemming, stop words or
lower-casing and ranks by its BM25 (match_bm25). Prints the index time and, per query, the median and 95th
percentile of 20 searches and where the planted sentences rank.
"""

from __future__ import annotations

import glob
import os
import statistics
import sys
import time

import duckdb

PLANTED = {"上级专项资金拨付滞后，平台运维合同款延期支付。", "专项资金拨付滞后，运维费用未能按季度结算。"}
QUERIES = [("资金 拨付 滞后", None), ("资金 拨付 滞后", "problem"), ("预算 编制 预算编制 精准", None)]


def main(path: str) -> None:
    import duckdb_extension_fts

    con = duckdb.connect()
    con.execute(f"LOAD '{glob.glob(os.path.dirname(duckdb_extension_fts.__file__) + '/**/*.duckdb_extension', recursive=True)[0]}'")
    con.execute("CREATE TABLE s AS SELECT * FROM read_parquet(?)", [path])
    n = con.execute("SELECT count(*) FROM s").fetchone()[0]
    t = time.perf_counter()
    con.execute("PRAGMA create_fts_index('s', 'id', 'words', stemmer='none', stopwords='none', ignore='\\s+', strip_accents=0, lower=0)")
    print(f"DuckDB {duckdb.__version__} fts: indexed {n} sentences in {time.perf_counter() - t:.1f} s")
    for words, kind in QUERIES:
        where = " AND kind = $kind" if kind else ""
        sql = (
            f"SELECT sentence, score FROM (SELECT *, fts_main_s.match_bm25(id, $q) AS score FROM s) "
            f"WHERE score IS NOT NULL{where} ORDER BY score DESC LIMIT 20"
        )
        params = {"q": words, **({"kind": kind} if kind else {})}
        times = []
        for _ in range(20):
            t = time.perf_counter()
            hits = con.execute(sql, params).fetchall()
            times.append(time.perf_counter() - t)
        ranks = [i + 1 for i, (s, _) in enumerate(hits) if s in PLANTED]
        ordered = sorted(times)
        print(
            f"  {words}{' --kind ' + kind if kind else ''}: median {1000 * statistics.median(ordered):.1f} ms, "
            f"p95 {1000 * ordered[round(0.95 * (len(ordered) - 1))]:.1f} ms, planted at rank {ranks}"
        )


if __name__ == "__main__":
    main(sys.argv[1])
