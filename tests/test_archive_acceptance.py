"""Issue 26: a whole archive, ingested the way a user runs it — `jixiao ingest FOLDER --db W.duckdb`,
default settings, in a subprocess — must give a warehouse one can use, and every command after it
must work.

The archive (tests/fixtures/archive.py, ≥ 150 files) mixes every layout family and format, bundles,
legacy files by LibreOffice and by second producers, text PDFs, office scans, copies, projects over
two years, reports that name no project, files that are no report, and junk. Invariants:

- no command prints a traceback;
- every file has exactly one status: its path is in `document_paths` once, its document in
  `documents` once, with the status the manifest says; the summary's counts add up, and it names
  every file that failed;
- only the junk fails, each failure one sentence, blamed on the file (error_kind 'file');
- every report has a project_key; `v_spending` holds every report that is no copy and has a year,
  each distinct report once; copies are grouped, projects linked as the manifest says;
- the key values (project name, year, spent) are those the manifest gives;
- `check`, `link`, `export` (csv, xlsx), `query`, `serve` (one page) and a second `ingest` (nothing
  read) exit cleanly.

Then the files that need no OCR (~150) are ingested in the manifest's order with --jobs 2 and in reverse
order with --jobs 1, and hypothesis draws sub-archives of them in random orders (--jobs 2, then --jobs
1 in another order): the same invariants, and the same warehouse content (tests/helpers.table_digests)
whatever the order of the files and the number of readers.

Measurements (files, seconds, peak RSS of the readers) are printed and written to
<pytest basetemp>/archive-measurements.json. JIXIAO_ARCHIVE_DRAWS sets the hypothesis draws (default
24); JIXIAO_ARCHIVE_SHRINK=1 lets hypothesis shrink a failing draw (each step is two ingests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fixtures import archive as A
from tests.helpers import table_digests

pytestmark = [pytest.mark.slow, pytest.mark.ocr]

JIXIAO = [sys.executable, "-m", "jixiao.cli"]
READ = ("ok", "not_report", "failed")  # statuses of files a folder walk reads
DRAWS = int(os.environ.get("JIXIAO_ARCHIVE_DRAWS", "24"))
MEASURED: dict = {}


# --- running commands as a user does --------------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak: dict = field(default_factory=dict)  # role → {rss_mb, vms_mb, pids}

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def tail(self, n: int = 3000) -> str:
        return f"$ {' '.join(self.args[2:])}\nexit {self.returncode}\n--- stdout\n{self.stdout[-n:]}\n--- stderr\n{self.stderr[-n:]}"


def _role(proc, root_pid: int) -> str:
    try:
        name = proc.name()
        cmd = " ".join(proc.cmdline())
    except Exception:
        return "gone"
    if proc.pid == root_pid:
        return "writer"
    if "soffice" in name or "soffice" in cmd or "oosplash" in name:
        return "libreoffice"
    return "reader"


def run(args: list[str], timeout: float = 1800, sample: bool = False, env: dict | None = None) -> Run:
    """Run a jixiao command in a subprocess; with sample, record the peak RSS and address space of the
    process tree by role (the writer, its readers, LibreOffice) every 0.1 s."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak: dict[str, dict] = {}
    done = threading.Event()

    def sampler() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                tree = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            for p in tree:
                try:
                    mem = p.memory_info()
                except psutil.Error:
                    continue
                role = _role(p, proc.pid)
                slot = peak.setdefault(role, {"rss_mb": 0.0, "vms_mb": 0.0, "pids": set()})
                slot["rss_mb"] = max(slot["rss_mb"], mem.rss / 2**20)
                slot["vms_mb"] = max(slot["vms_mb"], mem.vms / 2**20)
                slot["pids"].add(p.pid)
            done.wait(0.1)

    thread = threading.Thread(target=sampler, daemon=True) if sample else None
    if thread:
        thread.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    done.set()
    if thread:
        thread.join()
    peak = {
        role: {"rss_mb": round(v["rss_mb"], 1), "vms_mb": round(v["vms_mb"], 1), "processes": len(v["pids"])}
        for role, v in peak.items()
        if role != "gone"
    }
    return Run(list(args), proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.perf_counter() - t0, peak)


def no_traceback(r: Run) -> list[str]:
    """A traceback, or an exception's bare repr, in a command's output."""
    if "Traceback (most recent call last)" in r.output or re.search(r"^[\w.]+(Error|Exception): ", r.output, re.M):
        lines = r.output.strip().splitlines()
        return [f"traceback in `{' '.join(r.args[2:4])}`: " + " | ".join(lines[-4:])]
    return []


SUMMARY = re.compile(
    r"^(?P<files>\d+) files?: (?P<stored>\d+) read \((?P<ok>\d+) ok, (?P<not_report>\d+) not_report, (?P<failed>\d+) failed\), "
    r"(?P<unchanged>\d+) unchanged, (?P<already_stored>\d+) already stored"
    r"(?:, (?P<still_failed>\d+) failed before and not retried[^,;]*)?(?:, (?P<not_opened>\d+) could not be opened)?"
    r"(?:, (?P<staged>\d+) read into the stage[^,;]*)?(?:; (?P<skipped>\d+) more files? skipped \([^)]*\))?"
    r"(?:; (?P<filtered>\d+) more files? left out[^;]*)?; (?P<reports>\d+) reports?, (?P<findings>\d+) findings? → .* in [\d.]+ s$",
    re.M,
)


def parse_summary(stdout: str) -> dict | None:
    """The summary line of a plain `ingest`, as the numbers of its --json summary."""
    m = SUMMARY.search(stdout)
    if not m:
        return None
    n = {k: int(v) if v else 0 for k, v in m.groupdict().items()}
    return {
        "files": n["files"],
        "stored": n["stored"],
        "unchanged": n["unchanged"],
        "already_stored": n["already_stored"],
        "still_failed": n["still_failed"],
        "not_opened": n["not_opened"],
        "staged": n["staged"],
        "reports": n["reports"],
        "skipped": n["skipped"],
        "status": {k: n[k] for k in READ if n[k]},
        "failures": [{"path": m.group(1)} for m in re.finditer(r"^  failed: (.+?): (?=[A-Z])", stdout[m.end() :], re.M)],
    }


# --- what the manifest says, what the warehouse holds ---------------------------------------------------


def _text(value):
    """A name as a reader compares it: simplified, NFKC, without spaces."""
    from jixiao.base.labels import simplified

    return simplified(unicodedata.normalize("NFKC", value)).replace(" ", "") if isinstance(value, str) else value


class Warehouse:
    """The rows the invariants look at, read once from a warehouse file."""

    def __init__(self, db: Path):
        con = duckdb.connect(str(db), read_only=True)
        try:
            q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
            self.paths = q("SELECT path, doc_id FROM document_paths")
            self.documents = {
                d: (s, e, k, n, p)
                for d, s, e, k, n, p in q("SELECT doc_id, status, error, error_kind, n_reports, path FROM documents WHERE replaced_by IS NULL")
            }
            self.n_documents = q("SELECT count(*), count(DISTINCT doc_id) FROM documents")[0]
            self.reports = {
                r[0]: r
                for r in q(
                    "SELECT report_id, doc_id, ordinal, fiscal_year, project_name, CAST(spent_yuan AS VARCHAR), project_key, duplicate_of "
                    "FROM reports"
                )
            }
            self.spending = [r for r in q("SELECT report_id, project_key, fiscal_year FROM v_spending")]
        finally:
            con.close()
        self.doc_of_path = {}
        for path, doc in self.paths:
            self.doc_of_path.setdefault(path, []).append(doc)
        self.reports_of_doc: dict[str, list[tuple]] = {}
        for r in sorted(self.reports.values(), key=lambda r: (r[1], r[2])):
            self.reports_of_doc.setdefault(r[1], []).append(r)


def _abs(root: str, rel: str) -> str:
    """A file's path as the warehouse stores it (a GBK name decoded: jixiao/base/paths.py)."""
    from jixiao.base.paths import readable

    return readable(os.path.join(root, rel))


def status_problems(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[str]:
    """Every file read has its path in document_paths once, its document in documents once, with the
    status the manifest says and as many reports; no file that is not read is stored."""
    out = []
    for e in entries:
        path = _abs(manifest.root, e.path)
        docs = w.doc_of_path.get(path, [])
        if e.status not in READ:
            if docs:
                out.append(f"{e.path}: {e.status} by the manifest, but stored")
            continue
        if len(docs) != 1:
            out.append(f"{e.path}: {len(docs)} rows in document_paths (want 1)")
            continue
        if docs[0] not in w.documents:
            out.append(f"{e.path}: its document {docs[0]} is not in documents")
            continue
        status, error, _, n_reports, _ = w.documents[docs[0]]
        if status != e.status:
            out.append(f"{e.path}: status {status} (want {e.status}; {e.what}){': ' + error if error else ''}")
        elif status == "ok" and n_reports != len(e.reports):
            out.append(f"{e.path}: {n_reports} reports (want {len(e.reports)}; {e.what})")
    known = {_abs(manifest.root, e.path) for e in entries}
    out += [f"{p}: stored, but not a file of this run" for p in w.doc_of_path if p not in known]
    total, distinct = w.n_documents
    if total != distinct:
        out.append(f"documents holds {total} rows for {distinct} doc_ids")
    return out


def failure_problems(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[str]:
    """Only the junk fails; each failure is one sentence blamed on the file (error_kind 'file')."""
    out = []
    for e in entries:
        docs = w.doc_of_path.get(_abs(manifest.root, e.path), [])
        if len(docs) != 1 or docs[0] not in w.documents:
            continue
        status, error, kind, _, _ = w.documents[docs[0]]
        if status != "failed":
            continue
        if e.status != "failed":
            out.append(f"{e.path}: failed, but it is {e.what}: [{kind}] {error}")
            continue
        if not error or "\n" in error or len(error) > 300 or not error.rstrip().endswith((".", "。")) or "Traceback" in error:
            out.append(f"{e.path}: not one sentence: {error!r}")
        elif "Error:" in error or "Error)" in error or "Exception" in error:
            out.append(f"{e.path}: an exception's name in the sentence: {error!r}")
        if kind != "file":
            out.append(f"{e.path}: error_kind {kind} (junk is the file's fault: 'file'): {error}")
        if e.error_mentions and e.error_mentions.lower() not in (error or "").lower():
            out.append(f"{e.path}: the sentence does not say {e.error_mentions!r}: {error}")
    return out


def _manifest_reports(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[tuple[A.Entry, A.Expect, tuple]]:
    """(entry, expected report, stored report row) for every ok file whose stored reports match its count."""
    out, seen = [], set()
    for e in entries:
        if e.status != "ok":
            continue
        docs = w.doc_of_path.get(_abs(manifest.root, e.path), [])
        if len(docs) != 1 or docs[0] in seen:
            continue
        seen.add(docs[0])
        stored = w.reports_of_doc.get(docs[0], [])
        if len(stored) == len(e.reports):
            out += list(zip([e] * len(stored), e.reports, stored))
    return out


def project_key_problems(w: Warehouse) -> list[str]:
    missing = [r for r in w.reports.values() if r[6] is None]
    if missing:
        return [f"{len(missing)} of {len(w.reports)} reports have no project_key, e.g. {missing[0][0]} ({missing[0][4]})"]
    return []


def spending_problems(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[str]:
    """v_spending holds every report that is no copy and has a year; each distinct report of the
    manifest (a report and its copies) with a year exactly once."""
    out = []
    in_view = {r[0] for r in w.spending}
    lost = [r for r in w.reports.values() if r[7] is None and r[3] is not None and r[0] not in in_view and w.documents.get(r[1], ("",))[0] == "ok"]
    if lost:
        out.append(
            f"{len(lost)} reports with a year that are no copy are not in v_spending, e.g. " + "; ".join(f"{r[0]} {r[3]} {r[4]}" for r in lost[:5])
        )
    rows: dict[str, list[str]] = {}
    for e, x, r in _manifest_reports(manifest, entries, w):
        if x.fiscal_year is not None:
            rows.setdefault(x.report, [])
            if r[0] in in_view:
                rows[x.report].append(f"{e.path}#{r[2]}")
    for report, where in sorted(rows.items()):
        if len(where) != 1:
            out.append(f"report {report}: {len(where)} rows in v_spending (want 1){': ' + ', '.join(where) if where else ''}")
    return out


def linking_problems(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[str]:
    """Copies of one report (another file, the same project, year and figures) are one duplicate group;
    reports of one project share its project_key, reports of two projects do not."""
    out = []
    triples = _manifest_reports(manifest, entries, w)
    group = {r[0]: r[7] or r[0] for _, _, r in triples}
    by_report: dict[str, set] = {}
    by_group: dict[str, set] = {}
    for _e, x, r in triples:
        if x.fiscal_year is not None and x.project_name is not None:  # a copy can only be told by name, year and figures
            by_report.setdefault(x.report, set()).add(group[r[0]])
        by_group.setdefault(group[r[0]], set()).add(x.report)
    for report, groups in sorted(by_report.items()):
        if len(groups) > 1:
            out.append(f"report {report}: its copies are {len(groups)} originals (want 1 group)")
    for _g, reports in by_group.items():
        if len(reports) > 1:
            out.append(f"reports {sorted(reports)} are marked copies of one another")
    keys_of_project: dict[str, set] = {}
    projects_of_key: dict[str, set] = {}
    for _, x, r in triples:
        if r[6] is None:
            continue
        keys_of_project.setdefault(x.project, set()).add(r[6])
        projects_of_key.setdefault(r[6], set()).add(x.project)
    for project, keys in sorted(keys_of_project.items()):
        if len(keys) > 1:
            out.append(f"project {project}: {len(keys)} project_keys (want 1)")
    for key, projects in sorted(projects_of_key.items()):
        if len(projects) > 1:
            out.append(f"project_key {key} joins projects {sorted(projects)}")
    return out


def value_problems(manifest: A.Manifest, entries: list[A.Entry], w: Warehouse) -> list[str]:
    """The year, project name and spent of every report, as the manifest gives them. A value read by OCR
    may be missing (NULL, with coverage saying so: a scan at JPEG quality 40 loses a character of a label
    now and then), never wrong; a value of a file with a text layer must be there."""
    out = []
    for e, x, r in _manifest_reports(manifest, entries, w):
        got = {"fiscal_year": r[3], "project_name": r[4], "spent_yuan": r[5]}
        want = {"fiscal_year": x.fiscal_year, "project_name": x.project_name, "spent_yuan": x.spent_yuan}
        for k, v in want.items():
            if v is None:
                continue
            if got[k] is None and e.ocr_pages:
                MEASURED.setdefault("ocr_values_missed", []).append(f"{e.path}#{r[2]} {k}")
                continue
            if (_text(got[k]) != _text(v)) if k == "project_name" else (got[k] != v):
                out.append(f"{e.path}#{r[2]} ({e.kind}, {e.producer}): {k} {got[k]!r}, want {v!r}")
    return out


def summary_problems(summary: dict | None, entries: list[A.Entry], manifest: A.Manifest, w: Warehouse) -> list[str]:
    """The summary's counts add up, and agree with the files and the warehouse."""
    if summary is None:
        return ["no summary was printed"]
    out = []
    read = [e for e in entries if e.status in READ]
    parts = ("stored", "unchanged", "already_stored", "still_failed", "not_opened", "staged")
    if summary["files"] != sum(summary.get(k, 0) for k in parts):
        out.append(f"files {summary['files']} != {' + '.join(f'{k} {summary.get(k, 0)}' for k in parts)}")
    if sum(summary["status"].values()) != summary["stored"]:
        out.append(f"status counts {summary['status']} do not add up to stored {summary['stored']}")
    if summary["files"] != len(read):
        out.append(f"files {summary['files']}, but {len(read)} files to read")
    skipped = summary["skipped"] if isinstance(summary["skipped"], int) else len(summary["skipped"])
    if skipped != sum(1 for e in entries if e.status == "skipped"):
        out.append(f"skipped {skipped}, want {sum(1 for e in entries if e.status == 'skipped')}")
    docs = {}
    for e in read:
        for d in w.doc_of_path.get(_abs(manifest.root, e.path), []):
            docs[d] = e
    want = {}
    for e in docs.values():
        want[e.status] = want.get(e.status, 0) + 1
    if summary["stored"] and summary["status"] != want:
        out.append(f"status {summary['status']}, want {want} (one per distinct file)")
    reports = sum(len(e.reports) for e in docs.values() if e.status == "ok")
    if summary["stored"] and summary["reports"] != reports:
        out.append(f"reports {summary['reports']}, want {reports}")
    listed = {f["path"] for f in summary.get("failures", [])}
    unlisted = [e.path for e in read if e.status == "failed" and _abs(manifest.root, e.path) not in listed]
    if unlisted:
        out.append(f"failed files the summary does not name among its failures: {unlisted}")
    return out


def invariants(manifest: A.Manifest, entries: list[A.Entry], db: Path, runs: list[Run], summary: dict | None) -> list[str]:
    out = [p for r in runs for p in no_traceback(r)]
    w = Warehouse(db)
    out += summary_problems(summary, entries, manifest, w)
    out += status_problems(manifest, entries, w)
    out += failure_problems(manifest, entries, w)
    out += project_key_problems(w)
    out += spending_problems(manifest, entries, w)
    out += linking_problems(manifest, entries, w)
    return out


# --- the whole archive -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> A.Manifest:
    missing = [t for t in ("soffice", "abiword", "ssconvert", "pdftoppm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"the archive needs {', '.join(missing)}: run scripts/setup")
    t0 = time.perf_counter()
    m = A.cached(tmp=tmp_path_factory.mktemp("archive"))
    MEASURED["archive_build_or_cache_s"] = round(time.perf_counter() - t0, 1)
    MEASURED["composition"] = m.composition()
    return m


@pytest.fixture(scope="module")
def ingested(manifest, tmp_path_factory) -> tuple[Path, Run]:
    """The archive ingested as a user does: the folder, a warehouse, no option."""
    db = tmp_path_factory.mktemp("warehouse") / "archive.duckdb"
    r = run(JIXIAO + ["ingest", manifest.root, "--db", str(db)], sample=True)
    MEASURED["ingest"] = {"seconds": round(r.seconds, 1), "exit": r.returncode, "peak": r.peak}
    _save_measurements(tmp_path_factory)
    print(f"\narchive: {len(manifest.entries)} files; ingest {r.seconds:.1f} s, exit {r.returncode}; peak {r.peak}")
    return db, r


def _save_measurements(tmp_path_factory) -> None:
    path = tmp_path_factory.getbasetemp() / "archive-measurements.json"
    path.write_text(json.dumps(MEASURED, ensure_ascii=False, indent=1), encoding="utf-8")


def test_the_archive_is_what_the_issue_asks_for(manifest):
    c = manifest.composition()
    assert c["files"]["total"] >= 150
    assert {"docx", "pdf", "doc", "wps", "xls", "et", "xlsx", "scan", "mixed-pdf", "junk", "not_report"} <= set(c["kind"])
    assert {"libreoffice", "abiword-rtf", "gnumeric", "xlwt", "openpyxl", "python-docx", "office_scan"} <= set(c["producer"])
    assert c["reports"]["projects_in_two_or_more_years"] >= 2 and c["reports"]["without_name"] >= 3
    assert 25 <= c["scans"]["ocr_pages"] <= 45
    scans = [e.scan for e in manifest.entries if e.scan]
    assert {s["dpi"] for s in scans} >= {200, 300} and {s["paper"] for s in scans} == {"A4", "letter"}
    assert {s["pages"] for s in scans} >= {1, 2, 7, 12} and any(s.get("page_pt") == [1275, 1650] for s in scans)
    assert min(s["jpeg"] for s in scans) <= 40 and max(s["jpeg"] for s in scans) >= 90
    assert {s["seal"] for s in scans} >= {"red", "blue", None}
    assert min(abs(s["angle"]) for s in scans) <= 0.5 and max(abs(s["angle"]) for s in scans) >= 3.0


def test_ingest_ends_with_its_summary_and_no_traceback(ingested):
    db, r = ingested
    assert no_traceback(r) == [], r.tail()
    assert r.returncode == 1, r.tail()  # the junk failed; everything else was read
    assert parse_summary(r.stdout) is not None, r.tail()


def test_every_file_has_exactly_one_status(manifest, ingested):
    db, r = ingested
    w = Warehouse(db)
    problems = status_problems(manifest, manifest.entries, w) + summary_problems(parse_summary(r.stdout), manifest.entries, manifest, w)
    assert problems == [], "\n".join(problems)


def test_only_the_junk_fails_each_with_one_sentence(manifest, ingested):
    db, _ = ingested
    problems = failure_problems(manifest, manifest.entries, Warehouse(db))
    assert problems == [], "\n".join(problems)


def test_every_report_has_a_project_key(ingested):
    db, _ = ingested
    problems = project_key_problems(Warehouse(db))
    assert problems == [], "\n".join(problems)


def test_v_spending_holds_every_report_that_is_no_copy(manifest, ingested):
    db, _ = ingested
    problems = spending_problems(manifest, manifest.entries, Warehouse(db))
    assert problems == [], "\n".join(problems)


def test_copies_are_grouped_and_projects_linked(manifest, ingested):
    db, _ = ingested
    problems = linking_problems(manifest, manifest.entries, Warehouse(db))
    assert problems == [], "\n".join(problems)


def test_key_values_are_the_manifests(manifest, ingested):
    db, _ = ingested
    problems = value_problems(manifest, manifest.entries, Warehouse(db))
    assert problems == [], f"{len(problems)} values differ:\n" + "\n".join(problems)


# the commands a user runs next, on the same warehouse, in this order


def test_check_exits_cleanly(ingested):
    db, _ = ingested
    r = run(JIXIAO + ["check", "--db", str(db)], timeout=600)
    MEASURED["check_s"] = round(r.seconds, 1)
    assert (r.returncode, no_traceback(r)) == (0, []), r.tail()
    assert re.search(r"^\d+ rules checked: \d+ findings", r.stdout, re.M), r.tail()


def test_link_exits_cleanly(ingested):
    db, _ = ingested
    r = run(JIXIAO + ["link", "--db", str(db)], timeout=600)
    MEASURED["link_s"] = round(r.seconds, 1)
    assert (r.returncode, no_traceback(r)) == (0, []), r.tail()
    assert re.search(r"^\d+ projects?$", r.stdout, re.M), r.tail()
    assert project_key_problems(Warehouse(db)) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_exits_cleanly(ingested, tmp_path, fmt):
    db, _ = ingested
    out = tmp_path / fmt
    r = run(JIXIAO + ["export", "--format", fmt, "--out", str(out), "--db", str(db)], timeout=600)
    assert (r.returncode, no_traceback(r)) == (0, []), r.tail()
    written = list(out.iterdir()) if out.exists() else []
    assert written and all(p.stat().st_size > 0 for p in written), r.tail()
    if fmt == "csv":
        spending = out / "v_spending.csv"
        assert spending.exists() and len(spending.read_text(encoding="utf-8-sig").splitlines()) > 1, sorted(p.name for p in written)


def test_query_exits_cleanly(ingested):
    db, _ = ingested
    r = run(JIXIAO + ["query", "SELECT fiscal_year, count(*) AS n FROM v_spending GROUP BY ALL ORDER BY ALL", "--db", str(db)], timeout=300)
    assert (r.returncode, no_traceback(r)) == (0, []), r.tail()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_shows_the_overview_and_a_report(ingested):
    db, _ = ingested
    report = Warehouse(db).spending[:1] or [(next(iter(Warehouse(db).reports)),)]
    port = _free_port()
    proc = subprocess.Popen(
        JIXIAO + ["serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    pages = {}
    try:
        deadline = time.monotonic() + 90
        for page in ("/", f"/report/{report[0][0]}"):
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=30) as answer:
                        pages[page] = (answer.status, answer.read().decode("utf-8", "replace"))
                    break
                except urllib.error.HTTPError as exc:
                    pages[page] = (exc.code, exc.read().decode("utf-8", "replace"))
                    break
                except (urllib.error.URLError, ConnectionError):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    r = Run(JIXIAO + ["serve"], proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), 0)
    assert no_traceback(r) == [], r.tail()
    assert {p: s for p, (s, _) in pages.items()} == {"/": 200, f"/report/{report[0][0]}": 200}, (
        r.tail() + "\n" + "\n".join(f"{p}: {s} {t[-800:]}" for p, (s, t) in pages.items())
    )
    assert "review desk for" in r.stdout, r.tail()


def test_a_second_ingest_reads_nothing(manifest, ingested, tmp_path_factory):
    db, _ = ingested
    r = run(JIXIAO + ["ingest", manifest.root, "--db", str(db), "--json"], timeout=600)
    MEASURED["second_ingest_s"] = round(r.seconds, 1)
    _save_measurements(tmp_path_factory)
    assert no_traceback(r) == [], r.tail()
    assert r.returncode == 1, r.tail()  # the junk is listed again, as it failed before
    summary = json.loads(r.stdout)
    junk = {_abs(manifest.root, e.path) for e in manifest.entries if e.status == "failed"}
    assert (summary["stored"], summary["status"]) == (0, {}), r.tail()
    assert {f["path"] for f in summary["failures"]} == junk, r.tail()


# --- other orders, other readers, random sub-archives ---------------------------------------------------


def _pool(manifest: A.Manifest) -> list[A.Entry]:
    """Files a sub-archive draws from: every file a walk reads that needs no OCR."""
    return [e for e in manifest.entries if e.status in READ and not e.ocr_pages and e.kind != "scan"]


def _ingest_files(manifest: A.Manifest, entries: list[A.Entry], db: Path, *extra: str) -> tuple[Run, dict | None]:
    r = run(
        JIXIAO + ["ingest", *(os.path.join(manifest.root, e.path) for e in entries), "--db", str(db), "--json", *extra], timeout=900
    )  # the names as the file system holds them (a GBK name's bytes), not as they are stored
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def _digest_difference(a: dict, b: dict) -> list[str]:
    return [f"{t}: {a[t]} / {b[t]}" for t in a if a[t] != b[t]]


def test_the_archive_without_scans_is_the_same_in_reverse_order_with_one_reader(manifest, tmp_path):
    """Every file that needs no OCR (~150, several commit groups), named in the manifest's order with
    two readers, then in reverse order with one: the same warehouse."""
    pool = _pool(manifest)
    forward, f_summary = _ingest_files(manifest, pool, tmp_path / "forward.duckdb", "--jobs", "2")
    backward, b_summary = _ingest_files(manifest, pool[::-1], tmp_path / "backward.duckdb", "--jobs", "1")
    MEASURED["no_scans"] = {
        "files": len(pool),
        "jobs2_s": round(forward.seconds, 1),
        "jobs1_s": round(backward.seconds, 1),
        "worker_peak_rss_mb": [s and s.get("worker_peak_rss_mb") for s in (f_summary, b_summary)],
    }
    assert no_traceback(forward) + no_traceback(backward) == [], forward.tail() + backward.tail()
    assert f_summary is not None and b_summary is not None, forward.tail() + backward.tail()
    difference = _digest_difference(table_digests(tmp_path / "forward.duckdb"), table_digests(tmp_path / "backward.duckdb"))
    assert difference == []


@settings(
    max_examples=DRAWS,
    deadline=None,
    derandomize=False,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if os.environ.get("JIXIAO_ARCHIVE_SHRINK") else ()),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_sub_archives_in_any_order_with_any_readers(manifest, data):
    pool = _pool(manifest)
    names = data.draw(st.lists(st.sampled_from([e.path for e in pool]), min_size=1, max_size=8, unique=True), label="files")
    other = data.draw(st.permutations(names), label="other order")
    by_path = manifest.by_path()
    first, second = [by_path[p] for p in names], [by_path[p] for p in other]
    with tempfile.TemporaryDirectory(prefix="jixiao-sub-") as work:
        work = Path(work)
        run_a, summary_a = _ingest_files(manifest, first, work / "a.duckdb", "--jobs", "2")
        problems = [f"[--jobs 2, drawn order] {p}" for p in invariants(manifest, first, work / "a.duckdb", [run_a], summary_a)]
        run_b, summary_b = _ingest_files(manifest, second, work / "b.duckdb", "--jobs", "1")
        problems += [f"[--jobs 1, other order] {p}" for p in invariants(manifest, second, work / "b.duckdb", [run_b], summary_b)]
        expected_exit = 1 if any(e.status == "failed" for e in first) else 0
        for label, r in (("--jobs 2", run_a), ("--jobs 1", run_b)):
            if r.returncode != expected_exit:
                problems.append(f"[{label}] exit {r.returncode}, want {expected_exit}: {r.stderr[-500:]}")
        if summary_a is not None and summary_b is not None:  # both ran to their end
            da, db_ = table_digests(work / "a.duckdb"), table_digests(work / "b.duckdb")
            if da != db_:
                run_c, _ = _ingest_files(manifest, first, work / "c.duckdb", "--jobs", "1")  # which of the two makes the difference
                dc = table_digests(work / "c.duckdb")
                problems.append(
                    "warehouse content differs between the two runs: "
                    + "; ".join(_digest_difference(da, db_))
                    + f" | drawn order, --jobs 2 vs --jobs 1: {_digest_difference(da, dc) or 'same'}"
                    + f" | --jobs 1 in the two orders: {_digest_difference(dc, db_) or 'same'}"
                )
    assert problems == [], "\n".join(problems)
