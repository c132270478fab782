"""The whole job for one file (read → normalize) and for many (ingest into a warehouse)."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from jixiao.errors import StepFailed
from jixiao.extract import read_document, sniff_format
from jixiao.model import DocumentResult
from jixiao.normalize import Lexicon, normalize

# Office lock files and OS clutter met in real archive folders; never reports.
_SKIP_NAMES = ("~$", ".~lock", "Thumbs.db", ".DS_Store", "desktop.ini")


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Given files and folders, yield the files, folders walked recursively in sorted order."""
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.startswith(_SKIP_NAMES):
                        yield Path(root) / name
        elif p.exists():
            yield p
        else:
            raise FileNotFoundError(f"No such file or folder: {p}")


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(data: bytes, path: str, lexicon: Lexicon | None = None) -> DocumentResult:
    """Given a file's bytes, return what would be stored for it; failures become one sentence in `error`."""
    doc_id = doc_id_of(data)
    fmt = sniff_format(data, path) if data else "unknown"
    result = DocumentResult(doc_id, path, fmt if fmt != "encrypted-office" else "unknown", "failed")
    step = "extract"
    try:
        document = read_document(data, fmt, path)
        result.n_pages, result.ocr = document.n_pages, document.ocr
        step = "normalize"
        result.reports = normalize(document, lexicon)
    except StepFailed as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # a bug or a file no reader anticipated: name the step, keep the batch going
        result.error = f"The {step} step failed unexpectedly ({type(exc).__name__}: {exc})."
        return result
    result.status = "ok" if result.reports else "not_report"
    return result


def read_file(path: str | Path, lexicon: Lexicon | None = None) -> DocumentResult:
    p = Path(path)
    return read_bytes(p.read_bytes(), str(p), lexicon)


@dataclass
class IngestSummary:
    files: int = 0
    stored: int = 0
    already_stored: int = 0
    reports: int = 0
    status: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, error)

    def as_dict(self) -> dict:
        return {"files": self.files, "stored": self.stored, "already_stored": self.already_stored,
                "reports": self.reports, "status": dict(self.status),
                "failures": [{"path": p, "error": e} for p, e in self.failures]}


def ingest(paths: Iterable[str | Path], db: str | Path = "jixiao.duckdb", reread: bool = False,
           lexicon: Lexicon | None = None, on_file: Callable[[Path, DocumentResult | None], None] | None = None) -> IngestSummary:
    """Read every file under paths into the warehouse at db; return what happened.

    A file whose bytes are already stored is not read again (unless reread); a file that fails
    is stored as failed with its reason and the batch goes on.
    """
    from jixiao.rules import default_rules, validate_rules
    from jixiao.warehouse import connect, store, stored_status

    summary = IngestSummary()
    files = list(iter_files(paths))
    rules = default_rules()
    con = connect(db)
    try:
        validate_rules(con, rules)
        for path in files:
            summary.files += 1
            data = path.read_bytes()
            doc_id = doc_id_of(data)
            if not reread and stored_status(con, doc_id) is not None:
                store(con, read_stub(doc_id, path))  # records the path only
                summary.already_stored += 1
                if on_file:
                    on_file(path, None)
                continue
            result = read_bytes(data, str(path), lexicon)
            store(con, result, path_size=len(data), replace=reread, rules=rules)
            summary.stored += 1
            summary.reports += result.n_reports
            summary.status[result.status] += 1
            if result.status == "failed":
                summary.failures.append((str(path), result.error or ""))
            if on_file:
                on_file(path, result)
    finally:
        con.close()
    return summary


def read_stub(doc_id: str, path: Path) -> DocumentResult:
    """A placeholder result for a file whose bytes are stored already: only its path is new."""
    return DocumentResult(doc_id, str(path), "unknown", "ok")
