"""One project across years: link reports of the same project, explain every link, never guess wide.

Reports join when (in this order) the mapping file `rules/project_map.csv` names them, they carry
the same project code, or their names and their units are equivalent — the same after
canonicalisation, or one an abbreviation of the other token by token (城管执法专项经费 of
城市管理综合执法专项经费, 区城市管理局 of 区城市管理和综合执法局) — within one region. Names that are
merely similar (农村道路建设项目 / 农村道路养护项目) stay apart: two keys are better than a wrong join.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import regex

from jixiao.data import read_csv
from jixiao.db import insert_rows, transaction
from jixiao.errors import SettingError
from jixiao.i18n import _
from jixiao.labels import canonical_label


_YEAR = regex.compile(r"[(（]?\s*(?:19|20)\d{2}\s*年度?\s*[)）]?")
_CODE_PREFIX = regex.compile(r"^\s*(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{3,}\s*[-—－_]\s*")
_GENERIC_TAIL = ("项目", "经费", "资金", "专项")


def canonical_name(name: str | None) -> str:
    """Given a project or unit name, return the form names are compared in."""
    if not name:
        return ""
    s = _YEAR.sub("", name)
    s = _CODE_PREFIX.sub("", s)
    return canonical_label(s)


@lru_cache(maxsize=20000)
def _tokens(name: str) -> tuple[str, ...]:
    import jieba

    jieba.setLogLevel(60)
    return tuple(t for t in jieba.lcut(name, HMM=False) if t.strip())


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def abbreviates(short: str, long: str) -> bool:
    """Whether `short` abbreviates `long`: its characters appear in order in `long`, and each of its
    jieba tokens is a token of `long` or abbreviates one (城管 → 城市管理), and it is not a mere tail."""
    if not short or not long or len(short) >= len(long):
        return False
    core = short
    for tail in _GENERIC_TAIL:
        core = core.removesuffix(tail)
    if len(core) < 2 or len(short) < 0.4 * len(long) or not _subsequence(short, long):
        return False
    if short[0] != long[0]:
        return False
    long_tokens = _tokens(long)
    # a short token stands for a run of up to four long tokens whose first word it starts (城管 → 城市+管理)
    windows = ["".join(long_tokens[i:j]) for i in range(len(long_tokens)) for j in range(i + 1, min(i + 5, len(long_tokens) + 1))]
    return all(t in long or any(w[0] == t[0] and _subsequence(t, w) for w in windows) for t in _tokens(short))


def equivalent(a: str, b: str) -> str | None:
    """Return how two canonical names are the same ('same', 'abbreviation'), or None."""
    if not a or not b:
        return None
    if a == b:
        return "same"
    if abbreviates(a, b) or abbreviates(b, a):
        return "abbreviation"
    return None


@dataclass
class _Report:
    report_id: str
    fiscal_year: int | None
    region: str | None
    name: str
    unit: str
    code: str | None
    raw_name: str | None
    raw_unit: str | None


@dataclass(frozen=True)
class MapEntry:
    project_key: str
    name: str
    unit: str


def load_project_map(path: Path | None = None) -> list[MapEntry]:
    """Read the analyst's mapping file: project_key,project_name[,implementing_unit] per line."""
    try:
        rows = read_csv("project_map.csv", path=path)
        return [MapEntry(r["project_key"].strip(), canonical_name(r["project_name"]), canonical_name(r.get("implementing_unit") or ""))
                for r in rows]
    except (OSError, UnicodeDecodeError, KeyError, AttributeError) as exc:  # the user's file: theirs to mend
        where = path or "rules/project_map.csv"
        why = f"it has no column {exc}" if isinstance(exc, KeyError) else getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingError(_("The project mapping file {where} could not be read ({why}); it needs UTF-8 lines of "
                             "project_key,project_name[,implementing_unit] under that header.").format(where=where, why=why)) from exc


def _key_for(head: _Report, taken: set[str]) -> str:
    """A project's key, stable from run to run: a hash of what names it (region, unit, name, code). A
    report nothing names (no name, no code) is a project of its own, keyed by its report_id, as is a
    group whose names an earlier group already took: keys are unique by construction."""
    named = head.name or head.code
    identity = f"{head.region or ''}|{head.unit}|{head.name}|{head.code or ''}" if named else f"report|{head.report_id}"
    key = f"p-{hashlib.sha1(identity.encode()).hexdigest()[:10]}"
    if key in taken:
        key = f"p-{hashlib.sha1(f'{identity}|{head.report_id}'.encode()).hexdigest()[:10]}"
    taken.add(key)
    return key


def link_projects(con: duckdb.DuckDBPyConnection, mapping: list[MapEntry] | None = None) -> int:
    """Recompute projects, project_links and reports.project_key (inside the caller's transaction); return #projects."""
    mapping = load_project_map() if mapping is None else mapping
    rows = con.execute("""
        SELECT report_id, fiscal_year, region, project_name, coalesce(implementing_unit, department), project_code
        FROM reports ORDER BY fiscal_year NULLS LAST, report_id""").fetchall()
    reports = [_Report(rid, year, region, canonical_name(name), canonical_name(unit), code, name, unit)
               for rid, year, region, name, unit, code in rows]
    parent = {r.report_id: r.report_id for r in reports}
    reason: dict[str, str] = {}
    by_id = {r.report_id: r for r in reports}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: _Report, b: _Report, why: str) -> None:
        ra, rb = find(a.report_id), find(b.report_id)
        if ra == rb:
            return
        first, second = sorted((ra, rb), key=lambda r: ((by_id[r].fiscal_year or 9999), r))
        parent[second] = first
        reason.setdefault(b.report_id, why)

    mapped: dict[str, str] = {}
    for rep in reports:
        for entry in mapping:
            if rep.name == entry.name and (not entry.unit or rep.unit == entry.unit):
                mapped[rep.report_id] = entry.project_key
                reason[rep.report_id] = f"mapping file: {entry.project_key}"
                break
    by_code: dict[str, _Report] = {}
    for rep in reports:
        if rep.code:
            if rep.code in by_code:
                union(by_code[rep.code], rep, f"same project code {rep.code}")
            else:
                by_code[rep.code] = rep
    blocks: dict[tuple[str, str], list[_Report]] = {}
    for rep in reports:
        if rep.name and rep.report_id not in mapped:
            blocks.setdefault((rep.region or "", rep.name[0]), []).append(rep)
    for block in blocks.values():
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                names = equivalent(a.name, b.name)
                if names is None:
                    continue
                units = "same" if a.unit == b.unit else equivalent(a.unit, b.unit)
                if units is None:
                    continue
                why = ("same name" if names == "same" else f"name 「{b.raw_name}」 abbreviates or extends 「{a.raw_name}」")
                why += (f", same unit {a.raw_unit or '—'}" if units == "same" else f", unit renamed 「{a.raw_unit}」 → 「{b.raw_unit}」")
                why += f", region {a.region or '—'}"
                union(a, b, why)
    members: dict[str, list[_Report]] = {}
    for rep in reports:
        root = mapped.get(rep.report_id) or find(rep.report_id)
        members.setdefault(root, []).append(rep)
    con.execute("DELETE FROM project_links")
    con.execute("DELETE FROM projects")
    link_rows, project_rows = [], []
    taken = {root for root in members if root not in by_id}  # the mapping file's own keys
    for root, group in members.items():
        head = by_id.get(root, group[0])
        key = root if root not in by_id else _key_for(head, taken)
        latest = max(group, key=lambda r: (r.fiscal_year or 0, r.report_id))
        years = sorted({r.fiscal_year for r in group if r.fiscal_year})
        project_rows.append((key, latest.raw_name, latest.raw_unit, latest.region, years, len(group)))
        for rep in group:
            link_rows.append((rep.report_id, key, reason.get(rep.report_id, "first report of the project")))
    if project_rows:
        insert_rows(con, "projects", ["project_key", "project_name", "unit", "region", "years", "n_reports"], project_rows)
        insert_rows(con, "project_links", ["report_id", "project_key", "reason"], link_rows)
    con.execute("UPDATE reports SET project_key = l.project_key FROM project_links l WHERE reports.report_id = l.report_id")
    mark_duplicates(con)
    return len(project_rows)


# The figures two copies of one report show alike; a copy that lost one (a .doc whose score table its
# conversion flattened) is still a copy, so NULL agrees with anything, and at least one figure must be
# stated in both (a form of scores alone has no money).
_FIGURES = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct", "score_total")


def _agree(a: tuple, b: tuple) -> bool:
    if any(x is not None and y is not None and x != y for x, y in zip(a, b)):
        return False
    return any(x is not None and y is not None for x, y in zip(a, b))


def mark_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """Point every report that repeats another one from another file (the same project, unit, year and
    figures: a .doc and its PDF, a form mailed twice) at the most complete of them — the most values
    read, then the highest coverage, then the smaller doc_id — so sums over `reports` can leave copies
    out (WHERE duplicate_of IS NULL) and keep the best copy, whatever order the files came in.
    Inside the caller's transaction."""
    from jixiao.model import REPORT_COLUMNS

    values_read = " + ".join(f"(r.{c} IS NOT NULL)::INTEGER" for c in REPORT_COLUMNS)
    rows = con.execute(f"""
        SELECT r.report_id, r.doc_id, r.project_name, r.fiscal_year, r.scope, coalesce(r.implementing_unit, r.department),
               {", ".join("r." + f for f in _FIGURES)},
               {values_read} + coalesce(i.n, 0) + coalesce(f.n, 0) AS n_values, coalesce(d.coverage_pct, 0)
        FROM reports r JOIN documents d USING (doc_id)
        LEFT JOIN (SELECT report_id, count(*) AS n FROM indicators GROUP BY ALL) i USING (report_id)
        LEFT JOIN (SELECT report_id, count(*) AS n FROM funding GROUP BY ALL) f USING (report_id)
        WHERE r.project_name IS NOT NULL AND r.fiscal_year IS NOT NULL""").fetchall()
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[2:6], []).append(row)
    copies: list[tuple[str, str]] = []
    for group in groups.values():
        originals: list[tuple] = []
        for row in sorted(group, key=lambda r: (-r[-2], -r[-1], r[1], r[0])):
            figures = row[6:6 + len(_FIGURES)]
            original = next((o for o in originals if o[1] != row[1] and _agree(o[6:6 + len(_FIGURES)], figures)), None)
            if original is None:
                originals.append(row)
            else:
                copies.append((row[0], original[0]))
    con.execute("UPDATE reports SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL")
    if copies:
        con.execute("CREATE OR REPLACE TEMP TABLE _copies (report_id VARCHAR, original VARCHAR)")
        insert_rows(con, "_copies", ["report_id", "original"], copies)
        con.execute("UPDATE reports SET duplicate_of = c.original FROM _copies c WHERE reports.report_id = c.report_id")
        con.execute("DROP TABLE _copies")


def relink(con: duckdb.DuckDBPyConnection, map_path: Path | None = None) -> int:
    """Recompute project links in one transaction; the map is map_path, $JIXIAO_PROJECT_MAP or the packaged one."""
    import os

    env = os.environ.get("JIXIAO_PROJECT_MAP")
    mapping = load_project_map(map_path or (Path(env) if env else None))
    with transaction(con):
        n = link_projects(con, mapping)
        con.execute("DELETE FROM pending WHERE task = 'link'")  # with the links: a kill leaves it pending
    return n
