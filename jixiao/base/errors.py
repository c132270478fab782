"""Errors that name the step that failed and, where known, the page, in one sentence."""

from __future__ import annotations


class StepFailed(Exception):
    """A step (extract, normalize, rules, load) could not finish for one document."""

    step = "jixiao"

    def __init__(self, sentence: str, page: int | None = None, detail: str | None = None):
        super().__init__(sentence)
        self.sentence = sentence
        self.page = page
        self.detail = detail  # the exception behind the sentence, for documents.error_detail

    def __str__(self) -> str:
        where = f" (page {self.page})" if self.page else ""
        return f"{self.sentence}{where}"


class ExtractError(StepFailed):
    step = "extract"


class LoadError(StepFailed):
    step = "load"


class SettingError(Exception):
    """A setting the user gave (an option, an environment variable) cannot be used; one sentence."""


# How native libraries say they ran out of memory under the worker's cap: NumPy, OpenCV, ONNX Runtime, OpenVINO, C++.
_OUT_OF_MEMORY = (
    "Unable to allocate",
    "Failed to allocate",
    "Insufficient memory",
    "bad_alloc",
    "out of memory",
    "Cannot allocate memory",
    "can't alloc",
    "Can't alloc",
)  # the last two: OpenVINO's CPU plugin


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an exception means the process ran out of memory, whatever library raised it."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)
    return any(sign in text for sign in _OUT_OF_MEMORY)


# Libraries that parse a file's bytes: an exception raised inside one of them is about the file (a
# parser meeting what it cannot parse); one raised in our own code, or in NumPy/OpenCV called by it,
# is a fault of jixiao, whatever file it happened on.
_PARSERS = (
    "pdfminer",
    "pdfplumber",
    "pypdfium2",
    "openpyxl",
    "lxml",
    "xml",
    "zipfile",
    "olefile",
    "msoffcrypto",
    "PIL",
    "zlib",
    "bz2",
    "lzma",
    "struct",
    "codecs",
    "encodings",
)


def raised_by_parser(exc: BaseException) -> bool:
    """Whether exc was raised inside a parser of the file's bytes (its innermost Python frame is one's)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "") or ""
    return module.split(".")[0] in _PARSERS
