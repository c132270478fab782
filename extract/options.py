"""How files are read: the choices a run makes once, where it starts, and passes down to the readers.

The environment is the documented way to set them (docs/formats.md), because reader processes
inherit it: the pool gives each reader its share of the cores as JIXIAO_OCR_THREADS. A reader's
entry point (`read_document`, or a format's reader called alone) builds `ReadOptions.from_env()`
once for the file; nothing below it reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PdfBackend = Literal["pdfium", "pdfplumber"]
OcrRuntime = Literal["openvino", "onnxruntime"]

OCR_VARIABLE = "JIXIAO_OCR"  # 0, off, no or false: no OCR; anything else: the default engine
OCR_THREADS_VARIABLE = "JIXIAO_OCR_THREADS"  # threads of one reader's OCR; unset: all the cores
OCR_RUNTIME_VARIABLE = "JIXIAO_OCR_RUNTIME"  # onnxruntime: RapidOCR's own runtime even where OpenVINO is installed
PDF_BACKEND_VARIABLE = "JIXIAO_PDF_BACKEND"  # pdfplumber: the reference reader instead of pdfium_pages

DEFAULT_OCR_ENGINE = "rapidocr"  # a name in extract/ocr.py's ENGINES
_OFF = ("0", "off", "no", "false")


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may choose: which OCR engine reads scanned pages (None: none does, and such pages
    are named as unread), on how many threads, and which backend reads text PDFs."""

    ocr_engine: str | None = DEFAULT_OCR_ENGINE
    ocr_threads: int | None = None  # None: all the cores, for a single reader
    ocr_runtime: OcrRuntime | None = None  # None: OpenVINO where it is installed, else onnxruntime
    pdf_backend: PdfBackend = "pdfium"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadOptions:
        """Given the environment (os.environ by default), return the options its JIXIAO_* variables ask for;
        a value that means nothing is the default, as it always was."""
        env = os.environ if environ is None else environ
        ocr = env.get(OCR_VARIABLE, "1").strip().lower()
        threads = env.get(OCR_THREADS_VARIABLE, "").strip()
        runtime = env.get(OCR_RUNTIME_VARIABLE, "").strip().lower()
        backend = env.get(PDF_BACKEND_VARIABLE, "pdfium").strip().lower()
        return cls(
            ocr_engine=None if ocr in _OFF else DEFAULT_OCR_ENGINE,
            ocr_threads=int(threads) if threads.isdigit() and int(threads) > 0 else None,
            ocr_runtime="onnxruntime" if runtime == "onnxruntime" else None,
            pdf_backend="pdfplumber" if backend == "pdfplumber" else "pdfium",
        )
