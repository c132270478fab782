"""Reading one file: bytes → `DocumentResult` (extract, then normalize), each failure one sentence. This is what
runs in a reader process (`workers.WorkerPool` is given `read_path` by name), so it imports the readers and
never the warehouse: DuckDB stays out of the processes that read."""

from __future__ import annotations

import time
from pathlib import Path

from jixiao.base.errors import ExtractError, StepFailed, is_out_of_memory, raised_by_parser
from jixiao.base.i18n import N_, _
from jixiao.base.model import DocumentResult, doc_id_of
from jixiao.base.paths import on_disk, readable
from jixiao.extract import read_document, sniff_format
from jixiao.ingest.options import IngestOptions
from jixiao.ingest.workers import Note, WorkerPool
from jixiao.normalize import Lexicon, normalize_document

UNEXPECTED = {  # translated where said
    "extract": N_(
        "Reading the file stopped on something jixiao should handle and does not (a fault of the reader, not necessarily "
        "of the file); please report it with the file, documents.error_detail says what went wrong. Saving it again "
        "from Word, Excel, WPS or a PDF reader may get it read meanwhile."
    ),
    "normalize": N_(
        "The file was read, but understanding it stopped on something jixiao should handle and does not (a fault of the "
        "reader, not of the file); please report it with the file, documents.error_detail says what went wrong."
    ),
}


def read_bytes(data: bytes, path: str, lexicon: Lexicon | None = None, converted: bytes | None = None) -> DocumentResult:
    """Given a file's bytes, return what would be stored for it; failures become one sentence in `error`."""
    doc_id = doc_id_of(data)
    fmt = sniff_format(data, path) if data else "unknown"
    result = DocumentResult(doc_id, path, fmt if fmt != "encrypted-office" else "unknown", "failed")
    step = "extract"
    started = time.perf_counter()
    try:
        document = read_document(data, fmt, path, converted)
        result.n_pages, result.ocr = document.n_pages, document.ocr
        result.seconds["extract"] = time.perf_counter() - started
        step = "normalize"
        normalized = normalize_document(document, lexicon)
        result.reports, result.coverage = normalized.reports, normalized.coverage
        result.seconds["normalize"] = time.perf_counter() - started - result.seconds["extract"]
    except StepFailed as exc:
        result.error, result.error_kind, result.error_detail = str(exc), "file", exc.detail
        return result
    except RecursionError:
        result.error, result.error_kind = _("The file's structure is nested far deeper than any real report; it is damaged or crafted."), "file"
        return result
    except MemoryError:
        raise
    except Exception as exc:  # a bug, or a file no reader anticipated: the user gets a sentence, we get the exception
        if is_out_of_memory(exc):
            raise MemoryError(str(exc)) from exc
        result.error_detail = f"{step}: {type(exc).__name__}: {exc}"[:2000]
        if raised_by_parser(exc):  # a parser met bytes it could not parse: the file's, and it will fail again
            result.error, result.error_kind = (
                _(
                    "The file is damaged or written in a way its format's reader cannot parse; open it "
                    "and save it again (in Word, Excel, WPS or a PDF reader), then ingest the saved copy."
                ),
                "file",
            )
        else:  # damage to a file is said by the readers in words of their own; what reaches here is a fault of ours
            result.error, result.error_kind = _(UNEXPECTED[step]), "unexpected"
        return result
    result.status = "ok" if result.reports else "not_report"
    if not result.reports:
        result.not_report_reason = normalized.not_report_reason
    return result


def read_file(path: str | Path, lexicon: Lexicon | None = None) -> DocumentResult:
    p = Path(path)
    return read_bytes(p.read_bytes(), str(p), lexicon)


def warm_up() -> None:
    """What a reader's first document would load — the word cutter's dictionary (0.1–0.3 s), the lexicon, the
    narrative's patterns — loaded before the reader says it is ready (workers.py), so that a file's time limit
    measures the reading of that file."""
    from jixiao.base.words import words
    from jixiao.normalize.lexicon import default_lexicon
    from jixiao.normalize.narrative import fact_patterns

    words("预算执行率")
    default_lexicon()
    fact_patterns()


def read_path(path: str, doc_id: str, converted: str | None = None) -> DocumentResult:
    """Worker entry: read one file (and the conversion a batch made of it, if any); a file that
    changed or vanished since it was hashed fails plainly."""
    try:
        data = Path(on_disk(path)).read_bytes()
        made = Path(converted).read_bytes() if converted else None
    except OSError as exc:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file could not be opened ({strerror}).").format(strerror=exc.strerror), error_kind="file"
        )
    if doc_id_of(data) != doc_id:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file changed while it was being ingested; ingest it again."), error_kind="file"
        )
    return read_bytes(data, path, converted=made)


def extract_path(path: str, doc_id: str, converted: str | None = None):
    """Worker entry for `show --stage extract`: the file's Document, or a failed DocumentResult saying why."""
    try:
        data = Path(on_disk(path)).read_bytes()
        return read_document(data, None, path, Path(converted).read_bytes() if converted else None)
    except ExtractError as exc:
        return DocumentResult(doc_id, path, "unknown", "failed", str(exc), error_kind="file", error_detail=exc.detail)
    except OSError as exc:
        return DocumentResult(
            doc_id, path, "unknown", "failed", _("The file could not be opened ({strerror}).").format(strerror=exc.strerror), error_kind="file"
        )


def read_limited(path: Path, options: IngestOptions, stage: str = "normalize"):
    """Read one file in a reader process under the same time and memory limits as ingest (options'): its
    DocumentResult (stage normalize) or Document (stage extract); a failure is a failed DocumentResult."""
    target = f"{__name__}:extract_path" if stage == "extract" else f"{__name__}:read_path"
    doc_id = doc_id_of(path.read_bytes())
    with WorkerPool(1, options.timeout_s, options.memory_mb, target=target, file_timeout_s=options.file_timeout_s) as pool:
        [result] = [r for r in pool.run([(readable(str(path)), doc_id, None)]) if not isinstance(r, Note)]
    return result
