"""Time per document for each format, beside the bare parser it wraps. Run by hand:

    .venv/bin/python bench/parse_speed.py [--repeat 20] [FILE ...]

Without files it builds the seed report (.docx and its LibreOffice PDF) first. For each file it
prints the median seconds of: jixiao's whole read (extract + normalize), jixiao's extract alone,
and the bare parser (python-docx `Document(path)`; pdfplumber `extract_tables()` +
`extract_text()` on every page), with our cost as a ratio to the bare one.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx  # noqa: E402
import pdfplumber  # noqa: E402

from jixiao.extract import read_document  # noqa: E402
from jixiao.pipeline import read_file  # noqa: E402


def bare_docx(path: Path) -> None:
    docx.Document(str(path))


def bare_pdf(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()


def median_seconds(fn, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    files = args.files
    if not files:
        from tests.fixtures import builder

        out = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
        docx_path = builder.build_seed(out, "text", "seed")
        files = [docx_path, *builder.soffice_convert([docx_path], "pdf", out)]
    print(f"{'file':28} {'format':6} {'pages':>5} {'jixiao read':>12} {'extract':>10} {'bare':>10} {'ratio':>6}")
    for path in files:
        data = path.read_bytes()
        doc = read_document(data)
        bare = bare_pdf if doc.format == "pdf" else bare_docx
        ours = median_seconds(read_file, path, args.repeat)
        extract = median_seconds(lambda p: read_document(p.read_bytes()), path, args.repeat)
        base = median_seconds(bare, path, args.repeat)
        print(f"{path.name[:28]:28} {doc.format:6} {doc.n_pages or '-':>5} {ours:11.4f}s {extract:9.4f}s {base:9.4f}s {ours / base:5.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB (repeat={args.repeat}, median per document)")


if __name__ == "__main__":
    main()
