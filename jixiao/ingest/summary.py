"""What an ingest did, counted as it goes: files by what they came to, failures with their sentences, seconds
per step, coverage of what was read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.base.model import LOW_COVERAGE_PCT, Coverage, DocumentResult


class Seconds(dict[str, float]):
    """Seconds per step: a step not timed yet reads as 0 and is not added by the reading (as a Counter, of floats)."""

    def __missing__(self, key: str) -> float:
        return 0.0


@dataclass
class IngestSummary:
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): not files, or not a report format
    unchanged: int = 0  # recognised by path, size and mtime without reading
    still_failed: int = 0  # stored as failed before and not retried: listed in failures again
    not_opened: int = 0  # paths that failed before they had bytes (a broken link, a pipe named explicitly)
    filtered: int = 0  # files --include/--exclude left out
    already_stored: int = 0  # read and hashed: the same bytes are stored already
    staged: int = 0  # (ray engine) read into the stage by an earlier run, loaded without reading again
    stored: int = 0
    reports: int = 0
    findings: int = 0
    status: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, error)
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)  # (path, error, reason): failures accepted (jixiao ignore)
    problems: list[str] = field(default_factory=list)  # steps after reading that failed (linking), a sentence each
    seconds: Seconds = field(default_factory=lambda: Seconds())  # per step: hash, extract, normalize, store (worker seconds add up)
    wall_seconds: float = 0.0
    pages: int = 0
    worker_peak_rss_mb: float = 0.0
    coverage: Coverage = field(default_factory=Coverage)  # over the documents read this run
    low_coverage: int = 0  # documents read that were understood less than LOW_COVERAGE_PCT

    @property
    def coverage_pct(self) -> Decimal | None:
        return self.coverage.pct

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "unchanged": self.unchanged,
            "still_failed": self.still_failed,
            "not_opened": self.not_opened,
            "filtered": self.filtered,
            "already_stored": self.already_stored,
            "staged": self.staged,
            "stored": self.stored,
            "reports": self.reports,
            "findings": self.findings,
            "status": dict(self.status),
            "failures": [{"path": p, "error": e} for p, e in self.failures],
            "acknowledged": [{"path": p, "error": e, "reason": r} for p, e, r in self.acknowledged],
            "problems": self.problems,
            "pages": self.pages,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "wall_seconds": round(self.wall_seconds, 3),
            "worker_peak_rss_mb": round(self.worker_peak_rss_mb, 1),
            "coverage_pct": None if self.coverage_pct is None else str(self.coverage_pct),
            "low_coverage": self.low_coverage,
        }


def tally(summary: IngestSummary, result: DocumentResult) -> None:
    """Count a document stored (or staged) in the summary."""
    for step, secs in result.seconds.items():
        summary.seconds[step] += secs
    summary.stored += 1
    summary.reports += result.n_reports
    summary.pages += result.n_pages or 0
    summary.worker_peak_rss_mb = max(summary.worker_peak_rss_mb, result.peak_rss_mb or 0.0)
    summary.status[result.status] += 1
    if result.coverage is not None and result.status == "ok":
        summary.coverage = Coverage(summary.coverage.items + result.coverage.items, summary.coverage.understood + result.coverage.understood)
        summary.low_coverage += result.coverage_pct is not None and result.coverage_pct < LOW_COVERAGE_PCT
    if result.status == "failed":
        summary.failures.append((result.path, result.error or ""))
