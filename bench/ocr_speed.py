"""Seconds per scanned page and peak memory: jixiao's OCR (`ocr_page`: seal removal, deskew, keystone,
RapidOCR, ruling lines) beside bare RapidOCR on the same page images at the same resolution. Run by hand:

    .venv/bin/python bench/ocr_speed.py [--pages 4] [--threads N] [--before OCR.py] [SCAN.pdf]

Without a file it builds the seed report (LibreOffice) and scans it as offices do (askew, a red seal,
JPEG; tests/fixtures/office_scans.py). Each side runs in a fresh process, so the peak RSS printed is
that side's alone (its models included); the first page, which loads the models, is not timed.
Our side runs the models as the reader does (OpenVINO where installed; JIXIAO_OCR_RUNTIME=onnxruntime
for RapidOCR's own runtime); bare RapidOCR runs onnxruntime. `--threads` sets onnxruntime's intra-op
threads of every model and runs our side on onnxruntime too (default: onnxruntime's own choice).
`--before` times another extract/ocr.py as a third side, e.g. the last release's:
`git show v1:extract/ocr.py > /tmp/ocr_before.py`.

`--families` instead scans the national form (two pages, LibreOffice) in each way offices do
(tests/fixtures/office_scans.SCANS) and prints, per scan family, the peak RSS of a reader under the
ingest's default limits (`jixiao show`, its own process, the default --memory-mb) and its status,
beside bare RapidOCR's peak on the same pages rendered at 200 dpi of the size the PDF claims.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _ocr_module(before: Path | None):
    """This tree's OCR module, or the one in the file `before`."""
    if before is None:
        from jixiao.extract import ocr

        return ocr
    import importlib.util

    spec = importlib.util.spec_from_file_location("ocr_before", before)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def _set_threads(ocr, threads: int | None) -> None:
    if threads:
        from rapidocr_onnxruntime import RapidOCR

        params = {f"{part}.intra_op_num_threads": threads for part in ("Det", "Rec", "Cls")}
        engine = RapidOCR(max_side_len=3000, **params)
        # untuned, on onnxruntime; this tree's OCR module takes engines behind its OcrEngine protocol
        adapter = ocr.RapidOcr(engine) if hasattr(ocr, "RapidOcr") else engine
        ocr._engine = lambda *choice: adapter


def measure(side: str, pdf: Path, pages: int, threads: int | None, before: Path | None) -> dict:
    """Seconds per page (models loaded) and peak RSS of one side, in this process."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    ocr = _ocr_module(before if side == "before" else None)
    _set_threads(ocr, threads)
    doc = pdfium.PdfDocument(str(pdf))
    n = min(len(doc), pages + 1)

    if side == "bare":  # RapidOCR as shipped (onnxruntime), at our render size: not the engine ours tunes
        from rapidocr_onnxruntime import RapidOCR

        bare = RapidOCR(max_side_len=3000, **{f"{part}.intra_op_num_threads": threads for part in ("Det", "Rec", "Cls") if threads})

    def one(i: int) -> None:
        if side in ("ours", "before"):
            ocr.ocr_page(doc[i])
        else:  # the same render, straight into RapidOCR
            image = doc[i].render(scale=ocr.DPI / 72, rev_byteorder=True).to_numpy()
            bare(cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY), use_cls=False)

    one(0)  # loads the models
    start = time.perf_counter()
    for i in range(1, n):
        one(i)
    seconds = (time.perf_counter() - start) / max(n - 1, 1)
    runtime = "onnxruntime" if side == "bare" or threads or not hasattr(ocr, "runtime") else ocr.runtime()
    return {
        "side": side,
        "runtime": runtime,
        "pages": n - 1,
        "s_per_page": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def families() -> None:
    """Peak RSS per scan family: a reader under the default limits beside bare RapidOCR."""
    from tests.fixtures import builder
    from tests.fixtures import families as F
    from tests.fixtures.office_scans import SCANS, office_scan

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docx = builder.write_docx(F.national_document(F.NATIONAL, F.VARIANTS[0]), work / "national.docx")
        (pdf,) = builder.soffice_convert([docx], "pdf", work / "pdf")
        print(f"{'scan family':<18} {'pages':>5} {'reader status':<14} {'reader peak RSS MB':>18} {'bare RapidOCR peak RSS MB':>26}")
        for spec in SCANS:
            scan = office_scan(pdf, spec, work / f"{spec.name}.pdf")
            shown = subprocess.run([sys.executable, "-m", "jixiao.cli", "show", str(scan)], capture_output=True, text=True, cwd=ROOT)
            read = json.loads(shown.stdout) if shown.returncode == 0 else {"status": "failed", "peak_rss_mb": None, "n_pages": "?"}
            bare = subprocess.run([sys.executable, __file__, str(scan), "--pages", "9", "--side", "bare"], capture_output=True, text=True, cwd=ROOT)
            bare_peak = json.loads(bare.stdout.strip().splitlines()[-1])["peak_rss_mb"] if bare.returncode == 0 else "failed"
            peak = round(read["peak_rss_mb"]) if read.get("peak_rss_mb") else "—"
            print(f"{spec.name:<18} {read.get('n_pages', '?'):>5} {read['status']:<14} {peak:>18} {bare_peak:>26}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path)
    parser.add_argument("--pages", type=int, default=4, help="pages timed after the first (default 4)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--before", type=Path, help="another extract/ocr.py, timed as a third side")
    parser.add_argument("--side", choices=("ours", "bare", "before"), help=argparse.SUPPRESS)  # one side, in a child
    parser.add_argument("--families", action="store_true", help="peak RSS of a reader per scan family, beside bare RapidOCR")
    args = parser.parse_args()
    if args.families:
        families()
        return
    if args.side:
        print(json.dumps(measure(args.side, args.pdf, args.pages, args.threads, args.before)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        from tests.fixtures.office_scans import seed_office_scan

        pdf = args.pdf or seed_office_scan(Path(tmp))
        threads = ["--threads", str(args.threads)] if args.threads else []
        threads += ["--before", str(args.before)] if args.before else []
        rows = []
        for side in ("bare", "before", "ours") if args.before else ("bare", "ours"):
            out = subprocess.run(
                [sys.executable, __file__, str(pdf), "--pages", str(args.pages), "--side", side, *threads],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'side':<6} {'runtime':<12} {'pages':>5} {'s/page':>7} {'peak RSS MB':>12}   threads: {args.threads or 'default'}")
    for row in rows:
        print(f"{row['side']:<6} {row['runtime']:<12} {row['pages']:>5} {row['s_per_page']:>7} {row['peak_rss_mb']:>12}")


if __name__ == "__main__":
    main()
