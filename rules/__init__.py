"""Consistency rules (rules/checks/*.sql) and the data files of the lexicon, kept as files people read and extend."""

from __future__ import annotations

from .runner import (CheckSummary, Rule, RuleError, apply_rules, apply_rules_pending, check, default_rules, load_rules, parse_rule,
                     validate_rules)

__all__ = ["CheckSummary", "Rule", "RuleError", "apply_rules", "apply_rules_pending", "check", "default_rules", "load_rules", "parse_rule",
           "validate_rules"]
