"""Archive benchmark, run by hand (never in the test suite):

    .venv/bin/python bench/archive.py [--files 500] [--repeat 3] [--unchanged 10000] [--out bench/out] [--reuse]

Generates an archive of mixed .docx / LibreOffice PDF / bundled PDF reports from the fixture
builder, ingests it with one reader process and with all cores, and prints docs/s, pages/s,
seconds per stage, the readers' peak RSS, the speed-up (beside the bare parsers' own speed-up
over the same files in as many processes: what the machine allows), and — on the same files, in this
process — our read (extract + normalize) against the bare parsers (python-docx `Document()`;
pdfplumber `extract_tables()` + `extract_text()` per page). Then it times re-ingesting an
unchanged archive of --unchanged small files. Targets from the issue are printed beside each.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx  # noqa: E402
import pdfplumber  # noqa: E402

from jixiao.ingest.options import IngestOptions  # noqa: E402
from jixiao.ingest.reading import read_file  # noqa: E402
from jixiao.ingest.run import ingest  # noqa: E402
from tests.fixtures import builder  # noqa: E402
from tests.fixtures import families as F  # noqa: E402


def national_form(i: int) -> dict:
    form = copy.deepcopy(F.NATIONAL)
    form["project_name"] = f"公共服务站点建设项目{i:04d}"
    spent = 1000000 + (i * 7919) % 200000
    rate = Decimal(spent) / Decimal(12000)
    form["money"][0] = ("年度资金总额", "1000000", "1200000", str(spent), "10", f"{rate:.2f}%", f"{rate / 10:.2f}")
    form["money"][1] = ("当年财政拨款", "1000000", "1100000", str(spent - 100000), "—", f"{Decimal(spent - 100000) / 11000:.2f}%", "—")
    return form


def generate(out: Path, n: int, seed: int = 7) -> list[Path]:
    """Write n files: ~45 % .docx, ~45 % PDF, ~10 % bundled PDFs of three forms; every file distinct."""
    rng = random.Random(seed)
    work = out / "docx-for-pdf"
    work.mkdir(parents=True, exist_ok=True)
    files, to_pdf = [], []
    for i in range(n):
        kind = rng.random()
        variant = F.VARIANTS[i % len(F.VARIANTS)]
        if kind < 0.10:
            forms = [national_form(i * 10 + k) for k in range(3)]
            to_pdf.append(builder.write_docx(F.bundle_document(forms, variant), work / f"bundle_{i:04d}.docx", variant.checkbox))
            continue
        family = list(F.FAMILY_DOCUMENTS)[i % len(F.FAMILY_DOCUMENTS)]
        form, render = F.FAMILY_DOCUMENTS[family]
        form = national_form(i) if family == "national_project" else copy.deepcopy(form)
        if family != "national_project":  # every file distinct: no two generated files share their bytes
            key = "department" if family == "national_department" else ("title" if family == "narrative_only" else "project_name")
            form[key] = form[key].replace("某某", f"第{i:04d}") if "某某" in form[key] else f"{form[key]}{i:04d}"
        target = out if kind < 0.55 else work
        path = builder.write_docx(render(form, variant), target / f"{family}_{i:04d}.docx", variant.checkbox)
        (files if target is out else to_pdf).append(path)
    files += builder.soffice_convert(to_pdf, "pdf", out)
    shutil.rmtree(work)
    return files


def tiny_archive(out: Path, n: int, template: Path) -> None:
    """n distinct small .docx files (a notice with a numbered line): the unchanged re-ingest case."""
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    body = parts["word/document.xml"]
    for i in range(n):
        unique = body.replace(b"</w:body>", f"<w:p><w:r><w:t>{i}</w:t></w:r></w:p></w:body>".encode())
        with zipfile.ZipFile(out / f"notice_{i:05d}.docx", "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, unique if name == "word/document.xml" else data)


def ingest_afresh(folder: Path, db: Path, jobs: int):
    """The summary of an ingest of folder into a new warehouse at db (an earlier one and its WAL removed)."""
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    return ingest([folder], db, IngestOptions(jobs=jobs))


def bare_cost(files: list[Path]) -> dict[str, float]:
    out = {"docx": 0.0, "pdf": 0.0, "pdf_pages": 0}
    for path in files:
        start = time.perf_counter()
        if path.suffix == ".docx":
            docx.Document(str(path))
            out["docx"] += time.perf_counter() - start
        else:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_tables()
                    page.extract_text()
                out["pdf_pages"] += len(pdf.pages)
            out["pdf"] += time.perf_counter() - start
    return out


def _bare_one(path: Path) -> int:
    if path.suffix == ".docx":
        docx.Document(str(path))
        return 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()
        return len(pdf.pages)


def bare_parallel(files: list[Path], jobs: int) -> float:
    """Wall seconds for the bare parsers over the files in `jobs` spawned processes, largest first as
    ingest orders them: the machine's own speed-up, to set ours against."""
    import multiprocessing as mp

    start = time.perf_counter()
    with mp.get_context("spawn").Pool(jobs) as pool:
        for _ in pool.imap_unordered(_bare_one, sorted(files, key=lambda f: -f.stat().st_size)):
            pass
    return time.perf_counter() - start


def our_cost(files: list[Path]) -> dict[str, float]:
    out = {"docx": 0.0, "pdf": 0.0}
    for path in files:
        start = time.perf_counter()
        read_file(path)
        out["docx" if path.suffix == ".docx" else "pdf"] += time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--unchanged", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--repeat", type=int, default=3, help="ingests with 1 and with all processes, alternating")
    parser.add_argument("--reuse", action="store_true", help="ingest the archive a previous run generated in --out")
    args = parser.parse_args()
    archive = args.out / "archive"
    t0 = time.perf_counter()
    if args.reuse and archive.is_dir():
        for stale in args.out.glob("*.duckdb*"):
            stale.unlink()
        files = sorted(archive.iterdir())
    else:
        if args.out.exists():
            shutil.rmtree(args.out)
        archive.mkdir(parents=True)
        files = generate(archive, args.files)
    n_docx = sum(1 for f in files if f.suffix == ".docx")
    print(
        f"{'reused' if args.reuse else 'generated'} {len(files)} files ({n_docx} docx, {len(files) - n_docx} pdf) in {time.perf_counter() - t0:.0f} s"
    )

    cores = os.cpu_count() or 1
    # 1 and all processes alternate, --repeat times each: a shared machine's speed drifts by 10-20 %
    # over minutes, and alternating keeps that drift out of the ratio; medians are reported.
    # The bare parsers run the same way between them: two busy processes here can each run up to
    # ~20 % slower than one alone (shared host cores), and that is the machine's limit, not ours.
    runs: dict[int, list] = {1: [], cores: []}
    bare_runs: dict[int, list[float]] = {1: [], cores: []}
    for _ in range(args.repeat):
        for jobs in runs:
            runs[jobs].append(ingest_afresh(archive, args.out / f"jobs{jobs}.duckdb", jobs))
        for jobs in bare_runs:
            bare_runs[jobs].append(bare_parallel(files, jobs))
    median = {jobs: sorted(rs, key=lambda s: s.wall_seconds)[len(rs) // 2] for jobs, rs in runs.items()}
    bare_median = {jobs: sorted(ws)[len(ws) // 2] for jobs, ws in bare_runs.items()}
    one, many = median[1], median[cores]
    print(f"\n{'processes':>9} {'wall s':>8} {'docs/s':>7} {'pages/s':>8} {'reports':>7}  seconds per stage (summed over readers), median run")
    for jobs, s in median.items():
        stages = ", ".join(f"{k} {v:.1f}" for k, v in sorted(s.seconds.items()))
        print(f"{jobs:>9} {s.wall_seconds:8.1f} {s.stored / s.wall_seconds:7.1f} {s.pages / s.wall_seconds:8.1f} {s.reports:7}  {stages}")
    for jobs, rs in runs.items():
        print(
            f"{jobs} process(es), every run: "
            + ", ".join(f"{s.wall_seconds:.1f} s" for s in rs)
            + "; bare parsers alone: "
            + ", ".join(f"{w:.1f} s" for w in bare_runs[jobs])
        )
    print(f"statuses: {dict(many.status)}; failures: {many.failures[:3]}")

    bare = bare_cost(files)
    ours = our_cost(files)
    pdf_pages = bare["pdf_pages"] or 1
    ratio_docx = ours["docx"] / bare["docx"] if bare["docx"] else float("nan")
    ratio_pdf = (ours["pdf"] / pdf_pages) / (bare["pdf"] / pdf_pages) if bare["pdf"] else float("nan")
    speedup = one.wall_seconds / many.wall_seconds
    bare_speedup = bare_median[1] / bare_median[cores]

    unchanged_s = None
    if args.unchanged:
        tiny = args.out / "unchanged"
        tiny_archive(tiny, args.unchanged, next(f for f in files if f.suffix == ".docx"))
        db = args.out / "unchanged.duckdb"
        first = ingest([tiny], db=db)
        again = ingest([tiny], db=db)
        unchanged_s = again.wall_seconds
        print(
            f"\nunchanged archive: {args.unchanged} files; first ingest {first.wall_seconds:.1f} s, "
            f"again {again.wall_seconds:.1f} s ({again.unchanged} recognised unchanged)"
        )

    print("\nmeasure                                   value      target   ")
    rows = [
        ("text PDF, ours / bare pdfplumber per page", f"{ratio_pdf:.2f}x", "≤ 1.3x", ratio_pdf <= 1.3),
        ("docx, ours / bare python-docx open", f"{ratio_docx:.2f}x", "≤ 2x", ratio_docx <= 2),
        (f"{cores} processes / 1 process speed-up", f"{speedup:.2f}x", "≥ 1.8x", speedup >= 1.8),
        ("  the bare parsers' own, same rounds", f"{bare_speedup:.2f}x", "", None),
        ("peak RSS per reader process", f"{many.worker_peak_rss_mb:.0f} MB", "≤ 400 MB", many.worker_peak_rss_mb <= 400),
    ]
    if unchanged_s is not None:
        rows.append((f"unchanged re-ingest of {args.unchanged} files", f"{unchanged_s:.1f} s", "≤ 15 s", unchanged_s <= 15))
    for name, value, target, ok in rows:
        print(f"{name:42} {value:>9}  {target:>8}  {'' if ok is None else 'met' if ok else 'MISSED'}")
    print(
        f"\nper document in this process: docx ours {1000 * ours['docx'] / max(n_docx, 1):.1f} ms vs bare "
        f"{1000 * bare['docx'] / max(n_docx, 1):.1f} ms; PDF ours {1000 * ours['pdf'] / pdf_pages:.1f} ms/page vs bare "
        f"{1000 * bare['pdf'] / pdf_pages:.1f} ms/page over {int(pdf_pages)} pages"
    )


if __name__ == "__main__":
    main()
