"""The DuckDB warehouse: schema and migrations, storing documents, read-only queries."""

from __future__ import annotations

from jixiao.base.errors import LoadError

from .acknowledged import (
    Acknowledged,
    AcknowledgeRefused,
    acknowledge,
    acknowledged,
    acknowledged_paths,
    acknowledged_reasons,
    documents_at,
    unacknowledge,
)
from .connection import WarehouseUnavailable, connect, connect_locked
from .corrections import Correction, CorrectionRefused, correct, corrections
from .projects import link_projects, relink
from .queries import UnknownBlock, UnmappedLabel, UnplacedIndicator, unknown_blocks, unmapped_labels, unplaced_indicators
from .reviews import VERDICTS, Review, ReviewRefused, review, reviews
from .schema import MIGRATIONS, SCHEMA_VERSION, migrate
from .search import Hit, search
from .state import count_findings, failed_documents, known_files, owes, stored_documents, unchecked_documents
from .store import FileStat, Pending, delete_document, remember_only, report_id, store_group, store_many

__all__ = [
    "AcknowledgeRefused",
    "Acknowledged",
    "acknowledge",
    "acknowledged",
    "acknowledged_paths",
    "acknowledged_reasons",
    "documents_at",
    "unacknowledge",
    "Correction",
    "CorrectionRefused",
    "correct",
    "corrections",
    "VERDICTS",
    "Review",
    "ReviewRefused",
    "review",
    "reviews",
    "count_findings",
    "failed_documents",
    "known_files",
    "owes",
    "stored_documents",
    "unchecked_documents",
    "LoadError",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "connect",
    "connect_locked",
    "WarehouseUnavailable",
    "delete_document",
    "migrate",
    "report_id",
    "store_group",
    "store_many",
    "Pending",
    "FileStat",
    "remember_only",
    "UnmappedLabel",
    "unmapped_labels",
    "UnknownBlock",
    "unknown_blocks",
    "UnplacedIndicator",
    "unplaced_indicators",
    "Hit",
    "search",
    "link_projects",
    "relink",
]
