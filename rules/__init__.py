"""Consistency rules (rules/checks/*.sql) and the data files of the lexicon, kept as files people read and extend."""

from __future__ import annotations

from .runner import (
    CheckSummary,
    Rule,
    RuleError,
    check,
    default_rules,
    findings_as_corrected,
    load_rules,
    parse_rule,
    resolved_findings,
    validate_rules,
    write_findings,
)

__all__ = [
    "CheckSummary",
    "Rule",
    "RuleError",
    "check",
    "default_rules",
    "findings_as_corrected",
    "load_rules",
    "parse_rule",
    "resolved_findings",
    "validate_rules",
    "write_findings",
]
