"""One project across years: link reports of the same project, explain every link, never guess wide.

Reports join when (in this order) the mapping file `rules/project_map.csv` names them, they carry
the same project code, or their names and their units are equivalent — the same after
canonicalisation, or one an abbreviation of the other token by token (城管执法专项经费 of
城市管理综合执法专项经费, 区城市管理局 of 区城市管理和综合执法局) — within one region. Names that are
merely similar (农村道路建设项目 / 农村道路养护项目) stay apart: two keys are better than a wrong join.

A project is a group of reports linked to one another directly or through others (a connected
component). Its first report (earliest year, then report_id) is its head and gives its key; each
report's reason names the report it is linked to: the first with its code, else the earliest of
those whose name and unit it shares or abbreviates. All of that is a function of the group alone,
so linking everything afresh (`jixiao link`) and linking only what changed give the same projects,
keys and reasons.

**Linking what changed.** `link_index` keeps what linking last saw of every report. An ingest
compares `reports` with it: a report that is new, whose values or document changed, or that went
away is linked again together with every group it touches — its old group, and the groups of the
reports it now links to, found through the index (the same code; the same canonical name in its
region; for abbreviations, only names in its region that start with its first character, fall in
the length range an abbreviation allows and contain every one of its characters, or, the other way
round, whose characters are all among its own). The cost follows what changed, not the archive.
A full relink is done by `jixiao link`, by an ingest into a warehouse the index does not cover yet,
and whenever the mapping file or the linking code differs from the one the index was made with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import regex

from jixiao.base.data import read_csv
from jixiao.base.db import insert_rows, one_value, transaction, warehouse_language
from jixiao.base.errors import SettingError
from jixiao.base.i18n import _
from jixiao.base.labels import canonical_label
from jixiao.base.messages import render

_YEAR = regex.compile(r"[(（]?\s*(?:19|20)\d{2}\s*年度?\s*[)）]?")
_CODE_PREFIX = regex.compile(r"^\s*(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{3,}\s*[-—－_]\s*")
_GENERIC_TAIL = ("项目", "经费", "资金", "专项")
SHORTEST_SHARE = 0.4  # an abbreviation keeps at least this share of the long name's characters


def canonical_name(name: str | None) -> str:
    """Given a project or unit name, return the form names are compared in."""
    if not name:
        return ""
    s = _YEAR.sub("", name)
    s = _CODE_PREFIX.sub("", s)
    return canonical_label(s)


@lru_cache(maxsize=200_000)
def _canonical(name: str | None) -> str:
    return canonical_name(name)


@lru_cache(maxsize=20000)
def _tokens(name: str) -> tuple[str, ...]:
    import jieba

    jieba.setLogLevel(60)
    return tuple(t for t in jieba.lcut(name, HMM=False) if t.strip())


def warm_up() -> None:
    """Load jieba's dictionary (about a second and a half, once a process): an ingest does it while
    its readers read, so linking the new reports does not wait for it."""
    _tokens("城市管理")


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
    if len(core) < 2 or len(short) < SHORTEST_SHARE * len(long) or not _subsequence(short, long):
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


@lru_cache(maxsize=100_000)
def _units(a: str, b: str) -> str | None:
    return "same" if a == b else equivalent(a, b)


@dataclass(slots=True)
class _Report:
    report_id: str
    fiscal_year: int | None
    region: str | None
    name: str  # canonical
    unit: str  # canonical
    code: str | None
    raw_name: str | None
    raw_unit: str | None
    mapped: str | None = None  # the mapping file's key
    stamp: datetime | None = None  # its document's ingested_at
    scope: str | None = None
    doc_id: str | None = None

    @property
    def order(self) -> tuple[int, str]:
        return (self.fiscal_year or 9999, self.report_id)


@dataclass(frozen=True)
class MapEntry:
    project_key: str
    name: str
    unit: str


def load_project_map(path: Path | None = None) -> list[MapEntry]:
    """Read the analyst's mapping file: project_key,project_name[,implementing_unit] per line."""
    try:
        rows = read_csv("project_map.csv", path=path)
        return [MapEntry(r["project_key"].strip(), canonical_name(r["project_name"]), canonical_name(r.get("implementing_unit") or "")) for r in rows]
    except (OSError, UnicodeDecodeError, KeyError, AttributeError) as exc:  # the user's file: theirs to mend
        where = path or "rules/project_map.csv"
        why = f"it has no column {exc}" if isinstance(exc, KeyError) else getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingError(
            _(
                "The project mapping file {where} could not be read ({why}); it needs UTF-8 lines of "
                "project_key,project_name[,implementing_unit] under that header."
            ).format(where=where, why=why)
        ) from exc


def _mapped(rep: _Report, mapping: list[MapEntry]) -> str | None:
    for entry in mapping:
        if rep.name == entry.name and (not entry.unit or rep.unit == entry.unit):
            return entry.project_key
    return None


def _identity(head: _Report) -> str:
    named = head.name or head.code
    return f"{head.region or ''}|{head.unit}|{head.name}|{head.code or ''}" if named else f"report|{head.report_id}"


def _plain_key(head: _Report) -> str:
    """A project's key, stable from run to run: a hash of what names its head (region, unit, name,
    code). A report nothing names (no name, no code) is keyed by its report_id."""
    return f"p-{hashlib.sha1(_identity(head).encode()).hexdigest()[:10]}"


def _second_key(head: _Report) -> str:
    """The key of a project whose plain key a project with an earlier head (or the mapping file) holds:
    keys are unique by construction."""
    return f"p-{hashlib.sha1(f'{_identity(head)}|{head.report_id}'.encode()).hexdigest()[:10]}"


def settings_digest(mapping: list[MapEntry]) -> str:
    """What the index was made with: the mapping file's entries and the code that canonicalises and
    compares names (another version of either links everything again)."""
    import opencc

    import jixiao.base.labels

    digest = hashlib.sha1()
    for source in (jixiao.base.labels.__file__, __file__):
        digest.update(Path(source).read_bytes())
    digest.update(getattr(opencc, "__version__", "").encode())
    for entry in mapping:
        digest.update(f"{entry.project_key}\t{entry.name}\t{entry.unit}\n".encode())
    return digest.hexdigest()


# --- groups: which reports link, and why ---------------------------------------------------------


class _Groups:
    """The linked groups among a set of reports that holds every report linked to any of them.

    Reports of one region with the same canonical name and unit form a class (mapped and unnamed
    reports are left out of classes: they link by code alone); classes link when their names and
    units are equivalent, reports when they share a code."""

    def __init__(self, reports: list[_Report], lang: str = "zh") -> None:
        self.lang = lang  # the warehouse's: a reason is written in it, as findings are
        self.reps = sorted(reports, key=lambda r: r.order)
        n = len(self.reps)
        self.parent = list(range(n))
        self.code_members: dict[str, list[int]] = {}
        self.class_members: dict[tuple[str, str, str], list[int]] = {}
        for i, rep in enumerate(self.reps):
            if rep.code:
                self.code_members.setdefault(rep.code, []).append(i)
            if rep.name and rep.mapped is None:
                self.class_members.setdefault((rep.region or "", rep.name, rep.unit), []).append(i)
        self.class_links: dict[tuple, list[tuple[tuple, str, str]]] = {c: [] for c in self.class_members}
        self._link_classes()
        for members in (*self.code_members.values(), *self.class_members.values()):
            for i in members[1:]:
                self._union(members[0], i)
        for a, links in self.class_links.items():
            for b, _names, _units in links:
                self._union(self.class_members[a][0], self.class_members[b][0])

    def _find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:  # the smaller index stays the root: a group's root is its head
            self.parent[max(ra, rb)] = min(ra, rb)

    def _link_classes(self) -> None:
        """Every pair of classes whose names and units are equivalent, found through a character index."""
        by_region: dict[str, dict[str, list[str]]] = {}
        for region, name, unit in self.class_members:
            by_region.setdefault(region, {}).setdefault(name, []).append(unit)
        for region, names in by_region.items():
            for name, units in names.items():  # the same name, units that differ but are equivalent
                for i, u in enumerate(units):
                    for v in units[i + 1 :]:
                        if said := _units(u, v):
                            self._class_link((region, name, u), (region, name, v), "same", said)
            postings: dict[str, set[str]] = {}
            for name in names:
                for ch in set(name):
                    postings.setdefault(ch, set()).add(name)
            for short in names:
                for long in _longer_candidates(short, postings):
                    if not abbreviates(short, long):
                        continue
                    for u in names[short]:
                        for v in names[long]:
                            if said := _units(u, v):
                                self._class_link((region, short, u), (region, long, v), "abbreviation", said)

    def _class_link(self, a: tuple, b: tuple, names: str, units: str) -> None:
        self.class_links[a].append((b, names, units))
        self.class_links[b].append((a, names, units))

    def groups(self) -> dict[int, list[int]]:
        """head index → member indices, in order."""
        out: dict[int, list[int]] = {}
        for i in range(len(self.reps)):
            out.setdefault(self._find(i), []).append(i)
        return out

    def reason(self, i: int, head: int) -> str:
        """Why report i is in its group: the mapping file; the first report of its project; the first
        report with its code; the earliest report before it whose name and unit it shares or abbreviates
        (or, with none before it, the earliest after it)."""
        rep = self.reps[i]
        if rep.mapped is not None:
            return self._said("link_mapped", project_key=rep.mapped)
        if i == head:
            return self._said("link_first")
        if rep.code and self.code_members[rep.code][0] < i:
            return self._said("link_code", code=rep.code)
        best: tuple[int, str, str] | None = None
        if rep.name:
            key = (rep.region or "", rep.name, rep.unit)
            own = [j for j in self.class_members[key][:2] if j != i][:1]
            for j in own:
                best = (j, "same", "same")
            for other, names, units in self.class_links[key]:
                j = self.class_members[other][0]
                if best is None or j < best[0]:
                    best = (j, names, units)
        if best is None or (best[0] > i and rep.code and len(self.code_members[rep.code]) > 1):
            # linked through its code to later reports only: the first of those
            return self._said("link_code", code=rep.code)
        j, names, units = best
        a, b = (self.reps[j], rep) if j < i else (rep, self.reps[j])
        template = f"link_name_{'same' if names == 'same' else 'abbreviated'}_unit_{'same' if units == 'same' else 'renamed'}"
        return self._said(template, name=a.raw_name, other_name=b.raw_name, unit=a.raw_unit or "—", other_unit=b.raw_unit, region=a.region or "—")

    def _said(self, template: str, **parameters) -> str:
        """A reason in the warehouse's language, from its template in rules/messages.csv."""
        return render({**parameters, "key": template}, self.lang) or template


def _longer_candidates(short: str, postings: dict[str, set[str]]) -> set[str]:
    """Names that may abbreviate-extend `short`: they start with its first character, are longer but
    not past what an abbreviation allows, and contain every one of its characters (the rarest first)."""
    if len(short) < 2:
        return set()
    lists = sorted((postings.get(ch, set()) for ch in set(short)), key=len)
    found = set(lists[0])
    for more in lists[1:]:
        found &= more
        if not found:
            break
    top = len(short) / SHORTEST_SHARE
    return {n for n in found if n[0] == short[0] and len(short) < len(n) <= top}


# --- reading and writing the index --------------------------------------------------------------

_CURRENT = """
    SELECT r.report_id, r.doc_id, d.ingested_at, r.fiscal_year, r.region, r.scope, r.project_name,
           coalesce(r.implementing_unit, r.department) AS unit, r.project_code
    FROM reports r JOIN documents d USING (doc_id)"""
# reports linking has not seen as they are now (new, re-stored, or values changed): the whole comparison,
# for a warehouse whose stores did not say which documents they wrote (link_pending)
_CHANGED = (
    _CURRENT
    + """
    LEFT JOIN link_index l USING (report_id)
    WHERE l.report_id IS NULL OR l.stamp IS DISTINCT FROM d.ingested_at OR l.fiscal_year IS DISTINCT FROM r.fiscal_year
       OR l.region IS DISTINCT FROM r.region OR l.scope IS DISTINCT FROM r.scope OR l.project_name IS DISTINCT FROM r.project_name
       OR l.unit IS DISTINCT FROM coalesce(r.implementing_unit, r.department) OR l.project_code IS DISTINCT FROM r.project_code"""
)
_INDEX_COLUMNS = [
    "report_id",
    "doc_id",
    "stamp",
    "fiscal_year",
    "region",
    "scope",
    "project_name",
    "unit",
    "project_code",
    "name",
    "unit_name",
    "mapped",
    "head",
    "plain_key",
]
_INDEXED = f"SELECT {', '.join(_INDEX_COLUMNS)} FROM link_index"


def _from_reports(rows: list[tuple], mapping: list[MapEntry]) -> list[_Report]:
    out = []
    for rid, doc_id, stamp, year, region, scope, name, unit, code in rows:
        rep = _Report(rid, year, region, _canonical(name), _canonical(unit), code, name, unit, None, stamp, scope, doc_id)
        rep.mapped = _mapped(rep, mapping)
        out.append(rep)
    return out


def _from_index(rows: list[tuple]) -> list[_Report]:
    return [
        _Report(rid, year, region, name or "", unit_name or "", code, raw_name, raw_unit, mapped, stamp, scope, doc_id)
        for rid, doc_id, stamp, year, region, scope, raw_name, raw_unit, code, name, unit_name, mapped, _, _ in rows
    ]


def _project_row(key: str, members: list[_Report]) -> tuple:
    latest = max(members, key=lambda r: (r.fiscal_year or 0, r.report_id))
    years = sorted({r.fiscal_year for r in members if r.fiscal_year})
    return (key, latest.raw_name, latest.raw_unit, latest.region, years, len(members))


def link_projects(con: duckdb.DuckDBPyConnection, mapping: list[MapEntry] | None = None, full: bool = True) -> int:
    """Link reports into projects (inside the caller's transaction); return the number of projects.

    full: recompute projects, project_links, reports.project_key and copies for every report.
    Otherwise only for what changed since the last linking, when the index covers the warehouse and
    was made with the same mapping file and code (else everything is linked again)."""
    mapping = load_project_map() if mapping is None else mapping
    settings = settings_digest(mapping)
    if not full:
        made_with = one_value(con.execute("SELECT max(settings) FROM link_state"))
        covered = made_with == settings and (
            one_value(con.execute("SELECT count(*) FROM link_index")) > 0 or not one_value(con.execute("SELECT count(*) FROM reports"))
        )
        full = not covered
    if full:
        _link_all(con, mapping)
    else:
        _link_changed(con, mapping)
    con.execute("DELETE FROM link_state")
    con.execute("INSERT INTO link_state VALUES (?)", [settings])
    return one_value(con.execute("SELECT count(*) FROM projects"))


def _assign(groups: _Groups, holders: dict[str, list[tuple[tuple, str]]], map_keys: set[str]) -> tuple[dict[int, str], dict[str, str | None]]:
    """Keys for the groups that hold unmapped reports: each its plain key, unless the mapping file uses
    it or a group with an earlier head has it too (then its second key). holders: plain key → (head
    order, head id) of groups outside `groups` with that plain key. Returns (head index → key, and for
    outside groups whose key this changes, head id → key)."""
    mine: dict[str, list[tuple[tuple, int]]] = {}
    plain: dict[int, str] = {}
    for head, members in groups.groups().items():
        if any(groups.reps[i].mapped is None for i in members):
            plain[head] = _plain_key(groups.reps[head])
            mine.setdefault(plain[head], []).append((groups.reps[head].order, head))
    keys: dict[int, str] = {}
    outside: dict[str, str | None] = {}
    for k in set(mine) | set(holders):
        ranked = sorted([(order, True, head) for order, head in mine.get(k, [])] + [(order, False, rid) for order, rid in holders.get(k, [])])
        for n, (_order, _ours, who) in enumerate(ranked):
            first = n == 0 and k not in map_keys
            if isinstance(who, int):  # ours: a head's index (an outside group is named by its head's id)
                keys[who] = k if first else _second_key(groups.reps[who])
            else:
                outside[who] = k if first else None  # None: its second key (computed by the caller, who has its head)
    return keys, outside


def _rows_of(groups: _Groups, keys: dict[int, str]) -> tuple[list[tuple], list[tuple], dict[str, list[_Report]], list[tuple]]:
    """link_index rows, project_links rows, mapped reports by map key, and project rows of computed groups."""
    index, links, projects = [], [], []
    mapped: dict[str, list[_Report]] = {}
    for head, members in groups.groups().items():
        head_rep = groups.reps[head]
        plain = _plain_key(head_rep)
        unmapped = []
        for i in members:
            rep = groups.reps[i]
            index.append(
                (
                    rep.report_id,
                    rep.doc_id,
                    rep.stamp,
                    rep.fiscal_year,
                    rep.region,
                    rep.scope,
                    rep.raw_name,
                    rep.raw_unit,
                    rep.code,
                    rep.name,
                    rep.unit,
                    rep.mapped,
                    head_rep.report_id,
                    plain,
                )
            )
            if rep.mapped is not None:
                mapped.setdefault(rep.mapped, []).append(rep)
                links.append((rep.report_id, rep.mapped, groups.reason(i, head)))
            else:
                unmapped.append(rep)
                links.append((rep.report_id, keys[head], groups.reason(i, head)))
        if unmapped:
            projects.append(_project_row(keys[head], unmapped))
    return index, links, mapped, projects


_PROJECT_COLUMNS = ["project_key", "project_name", "unit", "region", "years", "n_reports"]


def _link_all(con: duckdb.DuckDBPyConnection, mapping: list[MapEntry]) -> None:
    reports = _from_reports(con.execute(_CURRENT).fetchall(), mapping)
    groups = _Groups(reports, warehouse_language(con))
    map_keys = {r.mapped for r in reports if r.mapped is not None}
    keys, _ = _assign(groups, {}, map_keys)
    index, links, mapped, projects = _rows_of(groups, keys)
    projects += [_project_row(key, members) for key, members in mapped.items()]
    for table in ("link_index", "link_pending", "project_links", "projects"):
        con.execute(f"DELETE FROM {table}")
    insert_rows(con, "link_index", _INDEX_COLUMNS, index)
    insert_rows(con, "project_links", ["report_id", "project_key", "reason"], links)
    insert_rows(con, "projects", _PROJECT_COLUMNS, projects)
    con.execute("""UPDATE reports SET project_key = l.project_key FROM project_links l
                   WHERE reports.report_id = l.report_id AND reports.project_key IS DISTINCT FROM l.project_key""")
    mark_duplicates(con)


def _ids_table(con: duckdb.DuckDBPyConnection, name: str, ids) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (report_id VARCHAR)")
    insert_rows(con, name, ["report_id"], [(i,) for i in ids])


def _neighbour_heads(con: duckdb.DuckDBPyConnection, fresh: list[_Report]) -> set[str]:
    """The heads of the indexed groups that reports new to linking link to (the index's rows of those
    reports themselves, stale, are in the temp table _stale and left out)."""
    heads: set[str] = set()
    live = "report_id NOT IN (SELECT report_id FROM _stale)"
    codes = sorted({r.code for r in fresh if r.code})
    if codes:
        heads |= {
            h
            for (h,) in con.execute(f"SELECT DISTINCT head FROM link_index WHERE project_code IN (SELECT unnest($1)) AND {live}", [codes]).fetchall()
        }
    classes = {(r.region or "", r.name, r.unit) for r in fresh if r.name and r.mapped is None}
    for region, name, unit in sorted(classes):
        n = len(name)
        candidates = con.execute(
            f"""
            SELECT name, unit_name, head FROM link_index
            WHERE {live} AND mapped IS NULL AND coalesce(region, '') = $region AND starts_with(name, $first)
              AND (name = $name
                   OR (length(name) > $n AND length(name) <= $top AND list_has_all(string_split(name, ''), $chars))
                   OR (length(name) < $n AND length(name) >= $bottom AND list_has_all($chars, string_split(name, ''))))""",
            {
                "region": region,
                "first": name[0],
                "name": name,
                "n": n,
                "top": n / SHORTEST_SHARE,
                "bottom": SHORTEST_SHARE * n,
                "chars": sorted(set(name)),
            },
        ).fetchall()
        for other, other_unit, head in candidates:
            if equivalent(name, other) and _units(unit, other_unit or ""):
                heads.add(head)
    return heads


def _link_changed(con: duckdb.DuckDBPyConnection, mapping: list[MapEntry]) -> None:
    """Link again the reports that changed since the last linking and every group they touch: those of
    the documents the stores since then marked in link_pending (else, as after an older jixiao stored,
    every report whose values differ from what the index saw)."""
    changed_docs = [d for (d,) in con.execute("SELECT DISTINCT doc_id FROM link_pending").fetchall()]
    if changed_docs:
        fresh = _from_reports(con.execute(f"{_CURRENT} WHERE r.doc_id IN (SELECT unnest($1::VARCHAR[]))", [changed_docs]).fetchall(), mapping)
        gone = [
            rid
            for (rid,) in con.execute("SELECT report_id FROM link_index WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))", [changed_docs]).fetchall()
        ]
        con.execute("DELETE FROM link_pending")
    else:
        fresh = _from_reports(con.execute(_CHANGED).fetchall(), mapping)
        gone = [rid for (rid,) in con.execute("SELECT report_id FROM link_index ANTI JOIN reports USING (report_id)").fetchall()]
    if not fresh and not gone:
        return
    _ids_table(con, "_stale", {r.report_id for r in fresh} | set(gone))
    stale = con.execute(f"{_INDEXED} WHERE report_id IN (SELECT report_id FROM _stale)").fetchall()
    heads = {row[12] for row in stale} | _neighbour_heads(con, fresh)
    _ids_table(con, "_heads", heads)
    kept = _from_index(
        con.execute(f"""{_INDEXED} WHERE head IN (SELECT report_id FROM _heads)
                                       AND report_id NOT IN (SELECT report_id FROM _stale)""").fetchall()
    )
    relinked = fresh + kept
    _ids_table(con, "_relinked", [r.report_id for r in relinked])
    # what the relinked reports held before: their keys, plain keys and map keys
    old_keys = {
        k
        for (k,) in con.execute("""SELECT DISTINCT project_key FROM project_links
                                             WHERE report_id IN (SELECT report_id FROM _relinked
                                                                 UNION ALL SELECT report_id FROM _stale)""").fetchall()
    }
    old_rows = stale + con.execute(f"{_INDEXED} WHERE report_id IN (SELECT report_id FROM _relinked)").fetchall()
    old_plain = {row[13] for row in old_rows}
    map_keys_before = {k for (k,) in con.execute("SELECT DISTINCT mapped FROM link_index WHERE mapped IS NOT NULL").fetchall()}
    outside_mapped = {
        k
        for (k,) in con.execute("""SELECT DISTINCT mapped FROM link_index WHERE mapped IS NOT NULL
                      AND report_id NOT IN (SELECT report_id FROM _relinked UNION ALL SELECT report_id FROM _stale)""").fetchall()
    }
    map_keys = outside_mapped | {r.mapped for r in relinked if r.mapped is not None}
    affected_maps = {row[11] for row in old_rows if row[11] is not None} | {r.mapped for r in relinked if r.mapped is not None}

    groups = _Groups(relinked, warehouse_language(con))
    contested = {_plain_key(groups.reps[h]) for h in groups.groups()} | old_plain | (map_keys ^ map_keys_before)
    holders: dict[str, list[tuple[tuple, str]]] = {}
    current: dict[str, tuple[str, _Report]] = {}  # outside head → (its key now, its head)
    for head, plain, year, name, unit, region, code, key in con.execute(
        """
            SELECT l.head, l.plain_key, h.fiscal_year, h.name, h.unit_name, h.region, h.project_code, any_value(p.project_key)
            FROM link_index l JOIN link_index h ON h.report_id = l.head JOIN project_links p ON p.report_id = l.report_id
            WHERE l.plain_key IN (SELECT unnest($1)) AND l.mapped IS NULL
              AND l.report_id NOT IN (SELECT report_id FROM _relinked UNION ALL SELECT report_id FROM _stale)
            GROUP BY ALL""",
        [sorted(contested)],
    ).fetchall():
        holders.setdefault(plain, []).append(((year or 9999, head), head))
        current[head] = (key, _Report(head, year, region, name or "", unit or "", code, None, None))
    keys, outside = _assign(groups, holders, map_keys)
    index, links, mapped, projects = _rows_of(groups, keys)

    # groups outside whose key this changes (one that gave up its plain key, or gets it back) step aside first ...
    moves = {}
    for head, key in outside.items():
        old, head_rep = current[head]
        if (key or _second_key(head_rep)) != old:
            moves[old] = key or _second_key(head_rep)
    for old in moves:
        for table in ("projects", "project_links", "reports"):
            con.execute(f"UPDATE {table} SET project_key = ? WHERE project_key = ?", [f"{old}\x00moving", old])
    # ... out with the old rows of what is linked again ...
    con.execute("DELETE FROM link_index WHERE report_id IN (SELECT report_id FROM _relinked UNION ALL SELECT report_id FROM _stale)")
    con.execute("DELETE FROM project_links WHERE report_id IN (SELECT report_id FROM _relinked UNION ALL SELECT report_id FROM _stale)")
    con.execute("DELETE FROM projects WHERE project_key IN (SELECT unnest($1))", [sorted(old_keys | affected_maps)])
    for old, new in moves.items():  # ... the groups outside take their keys ...
        for table in ("projects", "project_links", "reports"):
            con.execute(f"UPDATE {table} SET project_key = ? WHERE project_key = ?", [new, f"{old}\x00moving"])
    # ... and in with the new
    insert_rows(con, "link_index", _INDEX_COLUMNS, index)
    insert_rows(con, "project_links", ["report_id", "project_key", "reason"], links)
    if affected_maps:
        members = _from_index(con.execute(f"{_INDEXED} WHERE mapped IN (SELECT unnest($1))", [sorted(affected_maps)]).fetchall())
        by_key: dict[str, list[_Report]] = {}
        for rep in members:
            if rep.mapped is not None:  # (each is: they were picked by it)
                by_key.setdefault(rep.mapped, []).append(rep)
        projects += [_project_row(key, reps) for key, reps in by_key.items()]
    insert_rows(con, "projects", _PROJECT_COLUMNS, projects)
    con.execute("""UPDATE reports SET project_key = l.project_key FROM project_links l
                   WHERE reports.report_id = l.report_id AND l.report_id IN (SELECT report_id FROM _relinked)
                     AND reports.project_key IS DISTINCT FROM l.project_key""")
    # copies: the groups (name, year, scope, unit) the changed reports are in now or were in before
    groups_now = {(r.raw_name, r.fiscal_year, r.scope, r.raw_unit) for r in fresh}
    groups_before = {(row[6], row[3], row[5], row[7]) for row in stale}
    mark_duplicates(con, groups_now | groups_before)
    for name in ("_stale", "_heads", "_relinked"):
        con.execute(f"DROP TABLE {name}")


# The figures two copies of one report show alike; a copy that lost one (a .doc whose score table its
# conversion flattened) is still a copy, so NULL agrees with anything, and at least one figure must be
# stated in both (a form of scores alone has no money).
_FIGURES = ("budget_initial_yuan", "budget_adjusted_yuan", "spent_yuan", "execution_rate_pct", "score_total")


def _agree(a: tuple, b: tuple) -> bool:
    if any(x is not None and y is not None and x != y for x, y in zip(a, b)):
        return False
    return any(x is not None and y is not None for x, y in zip(a, b))


def mark_duplicates(con: duckdb.DuckDBPyConnection, groups: set[tuple] | None = None) -> None:
    """Point every report that repeats another one from another file (the same project, unit, year and
    figures: a .doc and its PDF, a form mailed twice) at the most complete of them — the most values
    read, then the highest coverage, then the smaller doc_id — so sums over `reports` can leave copies
    out (WHERE duplicate_of IS NULL) and keep the best copy, whatever order the files came in.
    groups: only the reports of these (project_name, fiscal_year, scope, unit) groups, else all.
    Inside the caller's transaction."""
    from jixiao.base.model import REPORT_COLUMNS

    if groups is not None:
        groups = {g for g in groups if g[0] is not None and g[1] is not None}
        if not groups:
            return
        con.execute("CREATE OR REPLACE TEMP TABLE _dup_groups (project_name VARCHAR, fiscal_year INTEGER, scope VARCHAR, unit VARCHAR)")
        insert_rows(con, "_dup_groups", ["project_name", "fiscal_year", "scope", "unit"], sorted(groups, key=repr))
        scope = """JOIN _dup_groups g ON g.project_name = r.project_name AND g.fiscal_year = r.fiscal_year
                   AND g.scope IS NOT DISTINCT FROM r.scope AND g.unit IS NOT DISTINCT FROM coalesce(r.implementing_unit, r.department)"""
    else:
        scope = ""
    values_read = " + ".join(f"(r.{c} IS NOT NULL)::INTEGER" for c in REPORT_COLUMNS)
    rows = con.execute(f"""
        WITH picked AS (
            SELECT r.* FROM reports r {scope}
            WHERE r.project_name IS NOT NULL AND r.fiscal_year IS NOT NULL
        )
        SELECT r.report_id, r.doc_id, r.project_name, r.fiscal_year, r.scope, coalesce(r.implementing_unit, r.department),
               {", ".join("r." + f for f in _FIGURES)},
               {values_read} + coalesce(i.n, 0) + coalesce(f.n, 0) AS n_values, coalesce(d.coverage_pct, 0)
        FROM picked r JOIN documents d USING (doc_id)
        LEFT JOIN (SELECT report_id, count(*) AS n FROM indicators WHERE report_id IN (SELECT report_id FROM picked) GROUP BY ALL) i USING (report_id)
        LEFT JOIN (SELECT report_id, count(*) AS n FROM funding WHERE report_id IN (SELECT report_id FROM picked) GROUP BY ALL) f
            USING (report_id)""").fetchall()
    by_group: dict[tuple, list[tuple]] = {}
    for row in rows:
        by_group.setdefault(row[2:6], []).append(row)
    copies: list[tuple[str, str]] = []
    for group in by_group.values():
        originals: list[tuple] = []
        for row in sorted(group, key=lambda r: (-r[-2], -r[-1], r[1], r[0])):
            figures = row[6 : 6 + len(_FIGURES)]
            original = next((o for o in originals if o[1] != row[1] and _agree(o[6 : 6 + len(_FIGURES)], figures)), None)
            if original is None:
                originals.append(row)
            else:
                copies.append((row[0], original[0]))
    if groups is None:
        con.execute("UPDATE reports SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL")
    else:
        con.execute(
            f"UPDATE reports SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL AND report_id IN (SELECT r.report_id FROM reports r {scope})"
        )
        con.execute("DROP TABLE _dup_groups")
    if copies:
        con.execute("CREATE OR REPLACE TEMP TABLE _copies (report_id VARCHAR, original VARCHAR)")
        insert_rows(con, "_copies", ["report_id", "original"], copies)
        con.execute("UPDATE reports SET duplicate_of = c.original FROM _copies c WHERE reports.report_id = c.report_id")
        con.execute("DROP TABLE _copies")


def relink(con: duckdb.DuckDBPyConnection, map_path: Path | None = None, full: bool = False) -> int:
    """Link projects in one transaction — what changed since the last linking, or everything (full) —
    and clear the owed 'link'; the map is map_path, $JIXIAO_PROJECT_MAP or the packaged one."""
    import os

    env = os.environ.get("JIXIAO_PROJECT_MAP")
    mapping = load_project_map(map_path or (Path(env) if env else None))
    with transaction(con):
        n = link_projects(con, mapping, full=full)
        con.execute("DELETE FROM pending WHERE task = 'link'")  # with the links: a kill leaves it pending
    return n
