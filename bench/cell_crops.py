"""An experiment kept for whoever takes it further: recognise ruled cells from crops, without text
detection, and compare each cell's text with what the reader gets today (detection, then
recognition of the detected boxes). Run by hand:

    .venv/bin/python bench/cell_crops.py [SCAN.pdf] [--pages 1,2,5]

Without a file it builds the seed report and scans it as offices do (tests/fixtures/office_scans.py).
In each cell, with the ruling lines erased, text lines are the runs of inked rows and a line's
segments the runs of inked columns split at gaps over 1.2 line heights; each segment is cropped
with a margin of the page around it (0.3 line heights) and all are recognised in one batch. Printed per page: the seconds of both, the cells, and
the cells whose text differs (spaces ignored), the detector's text first.

Last runs (seed, "office" scan, OpenVINO): detection costs ~0.55 s of a ~2.1 s page, so the crops
save at most that on form pages and nothing on prose. With these settings 2–4 of 45–131 cells per
form page differ: the empty box of 「√是□否」 dropped, full-width brackets read half-width. White
margins instead of the page's lost more (a lone 一, a trailing 。, the 口 after a ticked option), and
so did wider margins of the page (0.6–1.0 line heights: the tick of 「□是√否」, stray commas);
gaps of 2.5 line heights joined options the detector keeps apart. The crops read a vertical label
(绩效目标情况) and a box group's order better than the detector. Not adopted: an empty box carries
a yes/no answer, and a wrong answer is worse than a slow page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from jixiao.extract import ocr  # noqa: E402

MARGIN = 0.3  # of the line height: the page around each crop
GAP = 1.2  # of the line height: a wider gap starts another segment


def _runs(profile, min_gap: int) -> list[tuple[int, int]]:
    """[start, end) of the True runs of profile, runs closer than min_gap joined."""
    on = np.flatnonzero(profile)
    out: list[list[int]] = []
    for i in on:
        if out and i - out[-1][1] <= min_gap:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b + 1) for a, b in out]


def _without_lines(gray):
    """The page with its ruling lines painted white."""
    binary = ocr._binary(gray)
    h, w = binary.shape
    mask = np.zeros_like(binary)
    for kernel in ((max(w // 40, 10), 1), (1, max(h // 60, 10))):
        lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        mask |= cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    clean = gray.copy()
    clean[mask > 0] = 255
    return clean


def _segments(clean, cell) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (x0, y0, x1, y1) of the text segments in a cell (points) of the line-free page."""
    x0, y0, x1, y1 = (int(round(v / ocr.PT)) for v in cell)
    ink = clean[y0:y1, x0:x1] < 140
    out = []
    for a, b in _runs(ink.sum(axis=1) > 0, 3):
        if ink[a:b].sum() < 15:  # a speck
            continue
        for c, d in _runs(ink[a:b].sum(axis=0) > 0, max(int(GAP * (b - a)), 12)):
            if ink[a:b, c:d].sum() >= 12:
                out.append((x0 + c, y0 + a, x0 + d, y0 + b))
    return out


def read_cells(gray, tables) -> list:
    """RapidOCR-shaped (box, text, confidence) results of every ruled cell, read from crops."""
    clean = _without_lines(gray)
    boxes = [box for table in tables for cell in table.cells for box in _segments(clean, cell)]
    crops = []
    for x0, y0, x1, y1 in boxes:
        m = int(MARGIN * (y1 - y0)) + 2
        crops.append(cv2.cvtColor(clean[max(y0 - m, 0):y1 + m, max(x0 - m, 0):x1 + m], cv2.COLOR_GRAY2BGR))
    texts, _ = ocr._engine().text_rec(crops) if crops else ([], 0)
    return [([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], text, score)
            for (x0, y0, x1, y1), (text, score) in zip(boxes, texts) if score >= 0.5 and text.strip()]


def cell_texts(chars, tables) -> dict:
    out = {}
    for table in tables:
        for cell in table.cells:
            inside = [c for c in chars if cell[0] <= (c["x0"] + c["x1"]) / 2 <= cell[2] and cell[1] <= (c["top"] + c["bottom"]) / 2 <= cell[3]]
            inside.sort(key=lambda c: (round(c["top"] / 5), c["x0"]))
            out[tuple(round(v) for v in cell)] = "".join(c["text"] for c in inside).replace(" ", "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path)
    parser.add_argument("--pages", help="0-based page numbers, comma-separated (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from tests.fixtures.office_scans import seed_office_scan

        doc = pdfium.PdfDocument(str(args.pdf or seed_office_scan(Path(tmp))))
        ocr._engine()  # models loaded before timing
        for i in map(int, args.pages.split(",")) if args.pages else range(len(doc)):
            image = doc[i].render(scale=ocr.DPI / 72, rev_byteorder=True).to_numpy()
            gray = ocr.straighten(ocr.remove_seals(np.ascontiguousarray(image[:, :, :3]))[0])
            tables = ocr.edges_to_tables(ocr.ruling_edges(gray))
            if not tables:
                print(f"page {i}: no ruled table")
                continue
            t0 = time.perf_counter()
            detected = ocr.read_bands(gray)
            t1 = time.perf_counter()
            cropped = read_cells(gray, tables)
            t2 = time.perf_counter()
            a, b = cell_texts(ocr.boxes_to_chars(detected), tables), cell_texts(ocr.boxes_to_chars(cropped), tables)
            differ = [(a[k], b[k]) for k in a if a[k] != b[k]]
            print(f"page {i}: detection + recognition {t1 - t0:.2f} s (whole page), cell crops {t2 - t1:.2f} s "
                  f"(cells only); {len(a)} cells, {len(differ)} differ")
            for got, crop in differ:
                print(f"    {got[:60]!r}\n    {crop[:60]!r}")


if __name__ == "__main__":
    main()
