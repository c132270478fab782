"""Pages without a text layer, read by OCR into the same shapes the text-PDF reader uses.

A scanned page is rendered (pypdfium2), its ruling lines found in the image (OpenCV), and the
cells built from them by pdfplumber's own edge → intersection → cell steps; an OCR engine reads the
text boxes: RapidOCR (PP-OCR Chinese models shipped inside its wheel, nothing downloaded), the one in
ENGINES today, behind the one-method `OcrEngine` protocol so another could stand beside it. Each box
becomes per-character pseudo-chars with its confidence, so `pdf.py` groups lines, rejoins
wrapped cell text and joins tables across pages exactly as for a text PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import regex

from .options import ReadOptions

if TYPE_CHECKING:
    import numpy as np

DPI = 200
PT = 72 / DPI  # points per pixel at the render resolution
# A scanned page claiming to be larger than any paper a form is printed on (A3's long side, 1191 pt,
# with a margin) is a scanner writing pixels as points (1 px = 1 pt, or 1/96 inch): 200 dpi of the size
# it claims would blow a 1700×2200-px scan up to 3542×4583 px, four times the memory for no more detail.
# Such a page is rendered at its image's own resolution instead; any page at most MAX_PIXELS.
_LARGEST_PAPER_PT = 1300
MAX_PIXELS = 8_000_000  # 200 dpi of A3 is 7.7 million

# OCR slips these forms make that the layout makes certain: 万兀 for 万元, a full-width ％.
_SLIPS = [
    (regex.compile(r"(?<=\d\s*)[兀无](?=[，,。;；\s]|$)|(?<=[万千亿])兀"), "元"),
    (regex.compile(r"％"), "%"),
    # a stray bracket or bar between two Chinese characters is a speck or a box edge, never text
    (regex.compile(r"(?<=\p{Han})[\[\]|｜](?=\p{Han})"), ""),
    # 项/項 read as 顶/頂 before 目: 「顶目」 is no word, 「项目」 heads half a form's labels
    (regex.compile(r"顶(?=目)"), "项"),
    (regex.compile(r"頂(?=目)"), "項"),
]


# A text box as an engine returns it: its four corners (pixels of the image it was given), its text,
# and the engine's confidence in that text (0 to 1).
TextBox = tuple[list[list[float]], str, float]


class OcrEngine(Protocol):
    """An OCR engine: one image in, the text boxes it reads there out."""

    def read(self, image: np.ndarray) -> list[TextBox]:
        """Given a grayscale image (a page, or a band of one), return its text boxes."""
        ...


class RapidOcr:
    """RapidOCR tuned for pages of forms: no downscaling, no angle classifier (scans are upright, see
    read_bands), the detector's normalisation by table, and OpenVINO running its models where installed.

    It reaches into RapidOCR's private attributes (text_det, text_rec, text_cls and their sessions), which
    is why pyproject.toml pins rapidocr-onnxruntime below its next minor release."""

    package = "rapidocr_onnxruntime"  # what must be installed for it (ocr_available)

    def __init__(self, rapid: Any):
        self._rapid = rapid  # a rapidocr_onnxruntime.RapidOCR

    @classmethod
    def tuned(cls, threads: int | None, runtime: str) -> RapidOcr:
        """Given the threads it may use (None: all) and what runs its models, return the engine set up as above."""
        from rapidocr_onnxruntime import RapidOCR

        if threads:
            import cv2

            cv2.setNumThreads(threads)
        # The default downscales pages to 2000 px, which at 200 dpi drops whole lines of body text.
        engine = RapidOCR(max_side_len=3000, **{f"{model}.intra_op_num_threads": threads for model in ("Det", "Rec", "Cls") if threads})
        if runtime == "openvino":
            # The same ONNX models, run by OpenVINO: about twice onnxruntime's speed on them here.
            _fewer_malloc_arenas()
            engine.text_det.infer = _OpenVinoModel(engine.text_det.infer.session._model_path, threads)
            engine.text_rec.session = _OpenVinoModel(engine.text_rec.session.session._model_path, threads)
        engine.text_cls = None  # never called (scans are upright, see read_bands); its session is memory
        preprocess = engine.text_det.get_preprocess
        engine.text_det.get_preprocess = lambda longest: _normalize_by_table(preprocess(longest))
        return cls(engine)

    def read(self, image: np.ndarray) -> list[TextBox]:
        # scans are upright; the angle classifier flips short cells (≥90% → %06z)
        results, _ = self._rapid(image, use_cls=False)
        return list(results or [])


# The engines ReadOptions.ocr_engine may name; each is built by its `tuned(threads, runtime)`.
ENGINES: dict[str, type[RapidOcr]] = {"rapidocr": RapidOcr}


def ocr_available(options: ReadOptions | None = None) -> bool:
    """Whether scanned pages can be read: an engine is chosen (JIXIAO_OCR is not 0) and its packages are installed."""
    from importlib.util import find_spec

    name = (options or ReadOptions.from_env()).ocr_engine
    if name is None or name not in ENGINES:
        return False
    return find_spec("cv2") is not None and find_spec(ENGINES[name].package) is not None


def engine_for(options: ReadOptions) -> OcrEngine:
    """The engine the options choose, loaded once per process (its models are hundreds of MB)."""
    if options.ocr_engine is None:
        raise ValueError("no OCR engine is chosen")
    return _engine(options.ocr_engine, options.ocr_threads, runtime(options))


@lru_cache(maxsize=1)
def _engine(name: str, threads: int | None, runtime: str) -> OcrEngine:
    return ENGINES[name].tuned(threads, runtime)


def _fewer_malloc_arenas() -> None:
    """Let glibc give threads started from now on two malloc arenas between them: OpenVINO's
    threads would each reserve 64 MB of address space, and a reader's memory cap is on address
    space (2.7 GB of the 3 GB default after a scanned page, 2.2 GB with this)."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX from <malloc.h>
        except (OSError, AttributeError):  # a libc without mallopt (musl): nothing to tune
            pass


def _normalize_by_table(op):
    """RapidOCR's detector preprocessing `op` with its normalisation of an 8-bit page looked up in a
    table of the 256 values that normalisation gives: the same model input, bit for bit, at a tenth of
    the cost (it worked in float64 over every pixel)."""
    import cv2
    import numpy as np

    compute = op.normalize
    table = compute(np.arange(256, dtype=np.uint8)[None, :, None].repeat(3, axis=2)).astype(np.float32)
    op.normalize = lambda img: cv2.LUT(img, table) if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 else compute(img)
    return op


def runtime(options: ReadOptions | None = None) -> str:
    """What runs the OCR models: OpenVINO where it is installed, else onnxruntime (RapidOCR's own);
    JIXIAO_OCR_RUNTIME=onnxruntime (options.ocr_runtime) forces the latter."""
    from importlib.util import find_spec

    if (options or ReadOptions.from_env()).ocr_runtime == "onnxruntime" or find_spec("openvino") is None:
        return "onnxruntime"
    return "openvino"


def ocr_threads() -> int | None:
    """The threads one reader's OCR may use, from JIXIAO_OCR_THREADS (the reader pool sets it to its
    share of the cores); None: all of them, for a single reader."""
    return ReadOptions.from_env().ocr_threads


class _OpenVinoModel:
    """An ONNX model compiled by OpenVINO for the CPU, called as RapidOCR calls its sessions."""

    def __init__(self, path: str, threads: int | None):
        import openvino

        core = openvino.Core()
        # No cache of compiled kernels per input shape: every text line has its own width, and that
        # cache alone grew a reader by some 100 MB a page.
        config: dict[str, str | int | bool] = {"PERFORMANCE_HINT": "LATENCY", "CPU_RUNTIME_CACHE_CAPACITY": "0"}
        if threads:
            # Several readers share the cores: each runs on its share, unpinned. Pinned, every
            # reader's threads sat on the same first cores (two 1-thread readers took twice as long).
            config |= {"INFERENCE_NUM_THREADS": threads, "ENABLE_CPU_PINNING": False}
        self._request = core.compile_model(core.read_model(path), "CPU", config).create_infer_request()

    def __call__(self, batch):
        # RapidOCR makes a fresh input for every call and decodes the output before the next one
        return [self._request.infer({0: batch}, share_inputs=True)[0]]


# A checkbox group as OCR reads it: □ comes back as 口, ☑ or √ as V, v or 区.
_BOX_GROUP = regex.compile(r"(?:^|(?<=[:：]\s*))((?:[V√vY口□☑区]\s*[\p{Han}]{1,6}\s*){2,})$")


def fix_slips(text: str) -> str:
    """Undo OCR slips in one text box where the text's shape makes the intent certain."""
    for pattern, replacement in _SLIPS:
        text = pattern.sub(replacement, text)
    return text


_LONE_TICK = regex.compile(r"^[Vv](?=\s*(?:经常性|一次性|新增|延续|是|否|优|良))")


def fix_checkboxes(text: str) -> str:
    """In a cell's OCR text, turn boxed options (V优口良口中) back into ☑/□; at high resolution
    OCR drops empty boxes, leaving a lone V before the ticked option."""
    text = _LONE_TICK.sub("☑", text)
    m = _BOX_GROUP.search(text)
    if m and "口" in m.group(1):  # only a run of two or more boxed options, and at least one empty box
        group = regex.sub(r"([V√vY口□☑区])(?=\s*[\p{Han}])", lambda b: "□" if b.group(1) in "口□" else "☑", m.group(1))
        text = text[: m.start(1)] + group
    return text


@dataclass
class OcrTable:
    """What pdf.py needs of a found table: its bbox and its cell boxes (points)."""

    bbox: tuple[float, float, float, float]
    cells: list[tuple[float, float, float, float]]


@dataclass
class OcrPage:
    """A page read by OCR, shaped like the pdfplumber page attributes pdf.py uses."""

    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    tables: list[OcrTable] = field(default_factory=list)
    images: tuple = ()
    seals: list[str] = field(default_factory=list)  # ink colours of the seals removed before OCR

    def find_tables(self) -> list[OcrTable]:
        return self.tables

    def flush_cache(self) -> None:
        pass


def _char_width(ch: str) -> float:
    return 0.55 if ch.isascii() else 1.0


def boxes_to_chars(results, pt: float = PT) -> list[dict]:
    """Given RapidOCR results (box, text, confidence) in pixels, return per-character pseudo-chars in points
    (pt: points per pixel)."""
    chars: list[dict] = []
    for box, text, confidence in results or []:
        text = fix_slips(text.strip())
        if not text:
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs) * pt, max(xs) * pt, min(ys) * pt, max(ys) * pt
        units = sum(_char_width(ch) for ch in text) or 1
        step = (x1 - x0) / units
        x = x0
        for ch in text:
            w = step * _char_width(ch)
            chars.append(
                {
                    "text": ch,
                    "x0": x,
                    "x1": x + w,
                    "top": top,
                    "bottom": bottom,
                    "size": (bottom - top) * 0.8,
                    "upright": True,
                    "conf": float(confidence),
                }
            )
            x += w
    return chars


def ruling_edges(gray, pt: float = PT) -> list[dict]:
    """Given a page image (grey), return its ruling lines as pdfplumber-style edges, in points (pt: points per pixel)."""
    import cv2

    binary = _binary(gray)
    h, w = binary.shape
    edges: list[dict] = []
    for orientation, kernel in (("h", (max(w // 40, 10), 1)), ("v", (1, max(h // 60, 10)))):
        mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, cw, ch = cv2.boundingRect(contour)
            if orientation == "h":
                mid = (y + ch / 2) * pt
                edges.append({"orientation": "h", "x0": x * pt, "x1": (x + cw) * pt, "top": mid, "bottom": mid, "width": cw * pt})
            else:
                mid = (x + cw / 2) * pt
                edges.append({"orientation": "v", "x0": mid, "x1": mid, "top": y * pt, "bottom": (y + ch) * pt, "height": ch * pt})
    return edges


def edges_to_tables(edges: list[dict]) -> list[OcrTable]:
    """Cells from ruling lines by pdfplumber's own steps; one OcrTable per group of touching cells."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    merged = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    cells = intersections_to_cells(edges_to_intersections(merged, 3, 3))
    tables = []
    for group in cells_to_tables(cells):
        x0 = min(c[0] for c in group)
        top = min(c[1] for c in group)
        x1 = max(c[2] for c in group)
        bottom = max(c[3] for c in group)
        if len(group) >= 2:
            tables.append(OcrTable((x0, top, x1, bottom), list(group)))
    return tables


def scan_key(pdfium_page) -> bytes | None:
    """What a scanned page draws, as a digest: its boxes and rotation, and each image's placement, size,
    filters and encoded bytes. Two pages with the same key render alike, so one OCR serves both (a
    copier's 2,000 copies of one page cost one read). None for a page drawing anything but images
    (text, paths): such pages are read each on their own."""
    import hashlib

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    digest = hashlib.sha256(repr((pdfium_page.get_mediabox(), pdfium_page.get_cropbox(), pdfium_page.get_rotation())).encode())
    for obj in pdfium_page.get_objects():
        if isinstance(obj, pdfium.PdfImage):
            digest.update(repr((obj.level, obj.get_matrix().get(), obj.get_px_size(), obj.get_filters())).encode())
            digest.update(bytes(obj.get_data()))
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            digest.update(repr(("form", obj.level, obj.get_matrix().get())).encode())
        else:
            return None
    return digest.digest()


def ocr_page(pdfium_page, options: ReadOptions | None = None) -> OcrPage:
    """Given a pypdfium2 page, return it read by OCR as an OcrPage (by the engine the options choose)."""
    import numpy as np

    scale = render_scale(pdfium_page)
    bitmap = pdfium_page.render(scale=scale, rev_byteorder=True)  # RGB order: seals are told by hue
    rgb = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])
    bitmap.close()  # pdfium's buffer, released now rather than when the page is done
    gray, seals = remove_seals(rgb)
    del rgb
    gray = straighten(gray)
    results = read_bands(gray, engine_for(options or ReadOptions.from_env()))
    page = OcrPage(pdfium_page.get_width(), pdfium_page.get_height(), seals=seals)
    page.chars = boxes_to_chars(results, 1 / scale)
    page.tables = edges_to_tables(ruling_edges(gray, 1 / scale))
    return page


def render_scale(pdfium_page) -> float:
    """Pixels per point to render a scanned page at: 200 dpi of its size, unless it claims to be larger
    than any paper form (then its largest image's own resolution, never more than 200 dpi of the claimed
    size); and never more than MAX_PIXELS in all."""
    width, height = pdfium_page.get_width(), pdfium_page.get_height()
    scale = DPI / 72
    if max(width, height) > _LARGEST_PAPER_PT:
        native = _image_scale(pdfium_page)
        if native:
            scale = min(scale, native)
    if width * height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (width * height)) ** 0.5
    return scale


def _image_scale(pdfium_page) -> float | None:
    """Pixels per point of the largest image drawn on the page (the scan), None when it has none."""
    import pypdfium2.raw as pdfium_c

    best: tuple[float, float] | None = None
    for obj in pdfium_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        pixels = obj.get_px_size()
        if right - left > 1 and (best is None or pixels[0] * pixels[1] > best[0]):
            best = (pixels[0] * pixels[1], pixels[0] / (right - left))
    return best[1] if best else None


def read_bands(gray, engine: OcrEngine) -> list[TextBox]:
    """The engine's (box, text, confidence) results for a page read band by band (boxes in page pixels).

    The text detector's memory grows with the image it is given: a 200-dpi A4 page in two bands
    peaks near 600 MB instead of 900, and is no slower. Bands are cut where no text line can
    cross: a blank row, or a ruling line."""
    import numpy as np

    out = []
    for top, bottom in _bands(gray):
        results = engine.read(np.ascontiguousarray(gray[top:bottom]))
        out += [([[x, y + top] for x, y in box], text, score) for box, text, score in results]
    return out


BAND_ROWS = 1200  # pixels a detection band holds at most, about: a 200-dpi A4 page is two


def _bands(gray) -> list[tuple[int, int]]:
    """Row ranges covering the page, cut near equal heights at rows free of text."""
    import numpy as np

    h, w = gray.shape
    n = -(-h // BAND_ROWS)
    dark = gray < 128
    cuts = [0]
    span = h // (4 * n)
    for k in range(1, n):
        target = k * h // n
        window = dark[target - span : target + span]
        # a table's vertical ruling lines cross every row between its rows: columns inked down (nearly)
        # the whole window are such lines, not text, and do not keep a row from being free
        lines = window.mean(axis=0) > 0.8
        ink = window[:, ~lines].sum(axis=1)
        # blank (a few specks of JPEG noise or of a line left slightly askew aside), or a ruling line
        free = (ink <= max(2, w // 400)) | (ink >= (w - lines.sum()) // 2)
        near = np.flatnonzero(free)
        if len(near):
            cuts.append(int(target - span + near[np.abs(near - span).argmin()]))
    return list(zip(cuts, cuts[1:] + [h]))


# --- seals: coloured ink stamped over the figures ---------------------------------------------------

_INK_HUES = {"red": ((0, 10), (160, 180)), "blue": ((95, 135),)}  # OpenCV hue, 0…180


def remove_seals(rgb):
    """Given a page image (RGB), return it in grey with every round seal's ink turned to paper, and the
    seals' ink colours. Under a seal the grey is the brightest channel: red or blue ink is bright in its
    own channel while black print is dark in all three, so text stamped over survives."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(rgb, None, fx=_SEAL_SCALE, fy=_SEAL_SCALE, interpolation=cv2.INTER_AREA)  # seals are big
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    seals: list[str] = []
    for colour, hues in _INK_HUES.items():
        for box in _seal_boxes(_ink_mask(hsv, hues, 40)):
            x, y, w, h = (round(v / _SEAL_SCALE) for v in box)
            region = (slice(y, y + h), slice(x, x + w))
            gray[region] = _lift_ink(rgb[region], gray[region], hues)
            seals.append(colour)
    return gray, seals


_SEAL_SCALE = 0.25  # seals are found on a quarter-size page, then lifted at full size


def _ink_mask(hsv, hues, min_saturation: int):
    """Pixels of an ink: saturated enough, not dark, of one of the hue ranges."""
    import numpy as np

    in_hue = np.zeros(hsv.shape[:2], bool)
    for lo, hi in hues:
        in_hue |= (hsv[:, :, 0] >= lo) & (hsv[:, :, 0] <= hi)
    return ((hsv[:, :, 1] > min_saturation) & (hsv[:, :, 2] > 70) & in_hue).astype(np.uint8)


def _lift_ink(rgb, gray, hues):
    """One seal's region in grey with its ink lifted to paper."""
    import cv2
    import numpy as np

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    mask = _ink_mask(hsv, hues, 40)
    if not mask.any():
        return gray
    # blur and JPEG smear ink past its edge in paler, less saturated pixels: widen the mask over them
    ink = cv2.dilate(_ink_mask(hsv, hues, 20), np.ones((9, 9), np.uint8)) > 0
    under = rgb.max(axis=2).astype(np.float32)
    # ink on bare paper is as bright as the ink's own channel: scale that up to white, so what was
    # printed under it keeps its contrast and the ink's smeared edge leaves no ghost
    paper = np.percentile(under[mask > 0], 25) - 10
    lifted = np.clip(under * (255 / max(paper, 128)), 0, 255).astype(np.uint8)
    return np.where(ink, lifted, gray)


def _seal_boxes(mask) -> list[tuple[int, int, int, int]]:
    """Boxes (pixels of the mask) of the round seals in a mask of one ink: blobs 25–60 mm across, about as
    tall as wide. A line of coloured text is wide and flat, a signature smaller, so neither counts."""
    import cv2

    if not mask.any():  # a grey scan, or a page without this colour
        return []
    mm = DPI * _SEAL_SCALE / 25.4
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed)
    boxes = []
    for x, y, w, h, area in stats[1:n]:
        if 25 * mm <= w <= 60 * mm and 0.7 <= h / w <= 1.4 and area > 0.15 * w * h:
            pad = 2
            boxes.append((max(0, x - pad), max(0, y - pad), w + 2 * pad, h + 2 * pad))
    return boxes


# --- geometry: pages laid askew on the glass, or photographed --------------------------------------

MAX_SKEW = 5.0  # degrees; beyond this a page is turned, not askew, and is left alone


def straighten(gray):
    """Given a page image (grey), return it turned upright by its ruling lines (or text lines), and its
    table's outline warped back to a rectangle when the page was photographed at an angle."""
    angle = skew_angle(gray)
    if angle is not None and 0.1 <= abs(angle) <= MAX_SKEW:
        gray = _rotate(gray, angle)
    return unwarp(gray)


def _binary(gray):
    """Ink as 255 on 0, by a local threshold: it follows a photo's uneven light and a grey scan's paper."""
    import cv2

    return cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2)


def skew_angle(gray) -> float | None:
    """The page's skew in degrees (counter-clockwise positive), measured from its long near-horizontal
    lines: ruling lines where there are any, else lines of text smeared into bars."""
    import cv2
    import numpy as np

    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    binary = _binary(small[h // 25 : -h // 25, w // 25 : -w // 25])  # a photo's paper edge is no line of the page
    for source in (binary, cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))):
        lines = cv2.HoughLinesP(source, 1, np.pi / 360, threshold=w // 6, minLineLength=w // 4, maxLineGap=4)
        if lines is None:
            continue
        # a coarse angle step finds the lines fast; each line's angle comes from its own end points
        angles, weights = [], []
        for x1, y1, x2, y2 in lines.reshape(-1, 4):
            angle = np.degrees(np.arctan2(y1 - y2, x2 - x1))
            if abs(angle) <= MAX_SKEW + 1:
                angles.append(angle)
                weights.append(np.hypot(x2 - x1, y2 - y1))
        if len(angles) >= 2:
            return float(_weighted_median(angles, weights))
    return None


def _weighted_median(values, weights) -> float:
    import numpy as np

    order = np.argsort(values)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(values)[order][np.searchsorted(cum, cum[-1] / 2)])


def _rotate(gray, angle: float):
    import cv2

    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def unwarp(gray):
    """Given an upright page image, return it with its largest table's outline warped to a rectangle when
    the outline is a keystone (a page photographed at an angle); a square outline leaves the page untouched."""
    import cv2
    import numpy as np

    quad = _table_quad(gray)
    if quad is None:
        return gray
    tl, tr, br, bl = quad
    left, right = (tl[0] + bl[0]) / 2, (tr[0] + br[0]) / 2
    top, bottom = (tl[1] + tr[1]) / 2, (bl[1] + br[1]) / 2
    target = np.float32([[left, top], [right, top], [right, bottom], [left, bottom]])
    if np.abs(quad - target).max() < 4:  # square already: a page is not resampled for nothing
        return gray
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(gray, matrix, gray.shape[::-1], flags=cv2.INTER_LINEAR, borderValue=255)


def _table_quad(gray):
    """The corners (tl, tr, br, bl, pixels) of the page's largest ruled outline, or None when the page
    has no table covering a tenth of it."""
    import cv2
    import numpy as np

    h, w = gray.shape
    lines = _line_mask(_binary(gray))
    contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    if cv2.contourArea(outline) < 0.1 * w * h:
        return None
    pts = outline[:, 0, :].astype(np.float32)
    s, d = pts.sum(axis=1), pts[:, 0] - pts[:, 1]
    return np.float32([pts[s.argmin()], pts[d.argmax()], pts[s.argmax()], pts[d.argmin()]])


def _line_mask(binary):
    """Long horizontal and vertical strokes of a binary page: its ruling lines, mended where a slight
    slant or JPEG noise broke them."""
    import cv2

    h, w = binary.shape
    mask = None
    for kernel in ((max(w // 40, 10), 1), (1, max(h // 60, 10))):
        part = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        mask = part if mask is None else mask | part
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
