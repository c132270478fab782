"""Reading speed and memory beside the bare parsers, in one run. Run by hand (never in the tests):

    .venv/bin/python bench/parse_speed.py [--repeat 10] [--files 120] [--rounds 3] [--markdown]

It builds its files with the fixture builder, then prints:

1. text PDF, per page: our extract with pdfium (the default), our extract with
   JIXIAO_PDF_BACKEND=pdfplumber, our whole read (extract + normalize), bare pdfplumber
   (`extract_tables()` + `extract_text()`), bare pypdfium2 (a text page's whole text);
2. scanned PDF, per page at 200 dpi, each in a fresh process so its peak RSS is its own: our OCR
   read of a scanned page (models run by OpenVINO, then with JIXIAO_OCR_RUNTIME=onnxruntime),
   bare RapidOCR on the same page image at the same dpi;
3. .docx, per document: our extract and whole read, bare python-docx `Document()`;
4. the ingest of a generated archive (.docx, PDFs, bundles) with 1 and with 2 reader processes,
   alternating, median of --rounds: the speed-up, beside the bare parsers' own over the same
   files in as many processes (what the machine allows), and the readers' peak RSS;
5. the ingest of a scanned archive (bench/unseen_layouts.py's ten forms, exported by LibreOffice
   and scanned as offices do: askew, a red seal, JPEG) with 1 reader, with 2 (each reader's OCR
   on its share of the cores, the default) and with 2 each on all cores (JIXIAO_OCR_THREADS=0),
   median of --scan-rounds: wall seconds a page, start-up included, and pages a second.

--markdown prints the speed table of docs/speed.md at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from jixiao.extract import read_document  # noqa: E402
from jixiao.ingest.reading import read_file  # noqa: E402
from tests.fixtures import builder  # noqa: E402
from tests.fixtures import families as F  # noqa: E402
from tests.helpers import environ, pdf_backend  # noqa: E402

DPI = 200  # what the OCR reader renders at


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def with_backend(name: str, fn):
    def run():
        with pdf_backend(name):
            fn()

    return run


def bare_pdfplumber(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()


def bare_pypdfium2(path: Path) -> None:
    pdf = pdfium.PdfDocument(path)
    for page in pdf:
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()


def text_pdfs(paths: list[Path], repeat: int) -> dict[str, float]:
    """ms per page over the given PDFs, each measure the median of `repeat` runs per file."""
    pages = 0
    total = {"pdfium": 0.0, "pdfplumber": 0.0, "read": 0.0, "bare pdfplumber": 0.0, "bare pypdfium2": 0.0}
    for path in paths:
        data = path.read_bytes()
        n = read_document(data).n_pages
        pages += n
        total["pdfium"] += median_seconds(with_backend("pdfium", lambda: read_document(data)), repeat)
        total["pdfplumber"] += median_seconds(with_backend("pdfplumber", lambda: read_document(data)), repeat)
        total["read"] += median_seconds(with_backend("pdfium", lambda: read_file(path)), repeat)
        total["bare pdfplumber"] += median_seconds(lambda: bare_pdfplumber(path), repeat)
        total["bare pypdfium2"] += median_seconds(lambda: bare_pypdfium2(path), repeat)
    return {k: 1000 * v / pages for k, v in total.items()} | {"pages": pages}


# --- scans, each measured in a process of its own -------------------------------------------

_OURS = """
import json, resource, sys, time
from jixiao.extract import read_document
data = open(sys.argv[1], "rb").read()
read_document(data)  # models loaded, caches warm: what a reader costs on its second scanned file
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); doc = read_document(data); times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"s": times[len(times) // 2] / doc.n_pages, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_BARE = """
import json, resource, sys, time
import numpy as np, pypdfium2 as pdfium
from rapidocr_onnxruntime import RapidOCR
page = pdfium.PdfDocument(sys.argv[1])[0]
image = np.ascontiguousarray(page.render(scale=int(sys.argv[3]) / 72).to_numpy()[:, :, :3])
engine = RapidOCR()
engine(image)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); engine(image); times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"s": times[len(times) // 2], "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(script: str, *args, env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def scans(text_pdf: Path, work: Path, repeat: int) -> dict[str, dict]:
    """Our OCR read (models run by OpenVINO, the default, and by onnxruntime) and bare RapidOCR
    (onnxruntime) on the same one-page scan (the form's densest page)."""
    page = builder.scan_pdf(text_pdf, DPI, work / "scan_page.pdf", pages=(2, 2))
    return {
        "ours": _child(_OURS, page, repeat),
        "onnxruntime": _child(_OURS, page, repeat, env={"JIXIAO_OCR_RUNTIME": "onnxruntime"}),
        "bare": _child(_BARE, page, repeat, DPI),
    }


# --- docx ------------------------------------------------------------------------------------


def docx_files(paths: list[Path], repeat: int) -> dict[str, float]:
    total = {"extract": 0.0, "read": 0.0, "bare": 0.0}
    for path in paths:
        data = path.read_bytes()
        total["extract"] += median_seconds(lambda: read_document(data), repeat)
        total["read"] += median_seconds(lambda: read_file(path), repeat)
        total["bare"] += median_seconds(lambda: docx.Document(str(path)), repeat)
    return {k: 1000 * v / len(paths) for k, v in total.items()}


# --- the 2-process ingest ----------------------------------------------------------------------


def two_processes(work: Path, n_files: int, rounds: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    import archive as A  # the archive benchmark's generator and bare parallel pass

    files = A.generate(work / "archive", n_files)
    runs: dict[int, list] = {1: [], 2: []}
    bare: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):  # alternating keeps a shared machine's drift out of the ratio
        for jobs in runs:
            runs[jobs].append(A.ingest_afresh(work / "archive", work / f"jobs{jobs}.duckdb", jobs))
            bare[jobs].append(A.bare_parallel(files, jobs))
    one = statistics.median(s.wall_seconds for s in runs[1])
    two = statistics.median(s.wall_seconds for s in runs[2])
    last = runs[2][-1]
    return {
        "files": len(files),
        "pages": last.pages,
        "one": one,
        "two": two,
        "speedup": one / two,
        "rounds": [(a.wall_seconds, b.wall_seconds, x, y) for a, b, x, y in zip(runs[1], runs[2], bare[1], bare[2])],
        "bare speedup": statistics.median(bare[1]) / statistics.median(bare[2]),
        "rss": max(s.worker_peak_rss_mb for s in runs[2]),
        "stored": last.stored,
        "stages": {k: round(v, 2) for k, v in sorted(last.seconds.items())},
    }


# --- a scanned archive -------------------------------------------------------------------------

SCAN_RUNS = {"1 reader": (1, None), "2 readers": (2, None), "2 readers, each on all cores": (2, "0")}


def scanned_archive(work: Path, rounds: int) -> dict:
    """Seconds a page of whole ingests of ten scanned reports, in each of SCAN_RUNS's set-ups."""
    sys.path.insert(0, str(ROOT / "bench"))
    import archive as A

    from tests.fixtures import office_scans as O
    from tests.fixtures import unseen_layouts as U

    forms = [make() for make in U.FORMS]
    paths = U.build(forms, work / "unseen")
    folder = work / "scans"
    folder.mkdir()
    for form in forms:
        O.office_scan(paths[(form.key, "pdf")], O.scan("askew+2" if form.key in "ACEG" else "office"), folder / f"scan_{form.key}.pdf")
    walls: dict[str, list[float]] = {name: [] for name in SCAN_RUNS}
    for _ in range(rounds):
        for name, (jobs, threads) in SCAN_RUNS.items():
            with environ("JIXIAO_OCR_THREADS", threads) if threads else contextlib.nullcontext():
                summary = A.ingest_afresh(folder, work / "scans.duckdb", jobs)
            walls[name].append(summary.wall_seconds)
    pages = summary.pages
    return {"files": len(forms), "pages": pages, "ok": summary.status["ok"], "s": {name: statistics.median(w) / pages for name, w in walls.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="runs per file and measure (median)")
    parser.add_argument("--files", type=int, default=120, help="files in the generated archive for the 2-process ingest")
    parser.add_argument("--rounds", type=int, default=3, help="ingests with 1 and 2 processes, alternating")
    parser.add_argument("--scan-rounds", type=int, default=2, help="ingests of the scanned archive in each set-up")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    try:
        docs = [builder.build_seed(work, style, f"seed_{style}") for style in ("text", "wingdings")]
        for family in ("national_project", "score_20_80", "narrative_only"):
            form, render = F.FAMILY_DOCUMENTS[family]
            docs.append(builder.write_docx(render(form, F.VARIANTS[0]), work / f"{family}.docx"))
        pdfs = builder.soffice_convert(docs, "pdf", work / "pdf")

        t = text_pdfs(pdfs, args.repeat)
        print(f"text PDF, {len(pdfs)} files, {t['pages']} pages, ms per page (median of {args.repeat} runs per file)")
        print(f"  ours, extract, pdfium             {t['pdfium']:7.2f}")
        print(f"  ours, extract, pdfplumber backend {t['pdfplumber']:7.2f}")
        print(f"  ours, whole read (pdfium)         {t['read']:7.2f}")
        print(f"  bare pdfplumber tables + text     {t['bare pdfplumber']:7.2f}")
        print(f"  bare pypdfium2 text               {t['bare pypdfium2']:7.2f}")

        s = scans(pdfs[0], work, max(2, args.repeat // 5))
        print(f"scanned page at {DPI} dpi, s per page and the process's peak RSS")
        print(f"  ours (grid, OCR, layout)          {s['ours']['s']:7.2f} s  {s['ours']['rss']:6.0f} MB")
        print(f"  ours, JIXIAO_OCR_RUNTIME=onnxruntime {s['onnxruntime']['s']:4.2f} s  {s['onnxruntime']['rss']:6.0f} MB")
        print(f"  bare RapidOCR, same image         {s['bare']['s']:7.2f} s  {s['bare']['rss']:6.0f} MB")

        d = docx_files(docs, args.repeat)
        print(f".docx, {len(docs)} files, ms per document")
        print(f"  ours, extract {d['extract']:.2f}; whole read {d['read']:.2f}; bare python-docx Document() {d['bare']:.2f}")

        a = two_processes(work, args.files, args.rounds)
        print(f"ingest of {a['files']} files ({a['pages']} PDF pages, {a['stored']} stored), median of {args.rounds} rounds")
        print(
            f"  1 process {a['one']:.2f} s, 2 processes {a['two']:.2f} s: {a['speedup']:.2f}x "
            f"(bare parsers, same files and rounds: {a['bare speedup']:.2f}x); readers' peak RSS {a['rss']:.0f} MB"
        )
        print(f"  seconds per stage, last 2-process run: {a['stages']}")
        print(
            "  every round, 1 then 2 processes (bare parsers 1 then 2): "
            + "; ".join(f"{one:.2f} s, {two:.2f} s ({x:.2f} s, {y:.2f} s)" for one, two, x, y in a["rounds"])
        )

        c = scanned_archive(work, args.scan_rounds)
        print(
            f"ingest of {c['files']} scanned reports ({c['pages']} pages, {c['ok']} read ok), wall s a page "
            f"and pages a second, median of {args.scan_rounds} rounds"
        )
        for name, spp in c["s"].items():
            print(f"  {name:30} {spp:5.2f} s  {1 / spp:5.2f} pages/s")

        if args.markdown:
            print("\n| measure | ours | bare | target |\n|---|---|---|---|")
            print(
                f"| text PDF, ms a page (extract) | {t['pdfium']:.1f} (pdfplumber backend {t['pdfplumber']:.1f}; "
                f"whole read {t['read']:.1f}) | pdfplumber {t['bare pdfplumber']:.1f}; pypdfium2 text {t['bare pypdfium2']:.1f} | ≤ 10 |"
            )
            print(
                f"| scanned page at {DPI} dpi, s a page | {s['ours']['s']:.2f} (onnxruntime {s['onnxruntime']['s']:.2f}) "
                f"| RapidOCR {s['bare']['s']:.2f} | ≤ 1.5 |"
            )
            print(
                f"| scanned archive, {c['pages']} pages, s a page (ingest, 2 readers) | {c['s']['2 readers']:.2f} "
                f"(1 reader {c['s']['1 reader']:.2f}; 2 on all cores each {c['s']['2 readers, each on all cores']:.2f}) | | ≤ 1.5 |"
            )
            print(
                f"| peak RSS of a reader after a scan | {s['ours']['rss']:.0f} MB (onnxruntime {s['onnxruntime']['rss']:.0f} MB) "
                f"| RapidOCR {s['bare']['rss']:.0f} MB | ≤ 1 GB |"
            )
            print(f"| .docx, ms a document (extract) | {d['extract']:.1f} (whole read {d['read']:.1f}) | python-docx {d['bare']:.1f} | |")
            print(
                f"| ingest, 2 processes / 1 ({a['files']} files) | {a['speedup']:.2f}x ({a['one']:.1f} s → {a['two']:.1f} s) "
                f"| {a['bare speedup']:.2f}x | ≥ 1.8 |"
            )
            print(f"| peak RSS per reader, text files | {a['rss']:.0f} MB | | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
