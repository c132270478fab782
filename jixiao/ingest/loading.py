"""Loading a stage (the Parquet shards `ingest --engine ray` writes) into a warehouse, then the work the loaded
documents owe, as after an ingest."""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.ingest.owed import finish_pending
from jixiao.rules import default_rules, validate_rules
from jixiao.warehouse import count_findings
from jixiao.warehouse.stage import Stage, load_stage


@dataclass
class Loaded:
    """What loading a stage did."""

    shards: int = 0
    documents: int = 0  # written: documents the warehouse did not hold (or replaced, with reread)
    findings: int = 0
    problems: list[str] = field(default_factory=list)  # steps after loading that failed (linking), a sentence each


def load(con, stage: Stage, reread: bool = False) -> Loaded:
    """Load stage into the warehouse con holds: what a killed run owed first, then the shards (documents matched by
    their bytes, so a stage loaded twice adds nothing), then the findings and links they owe."""
    rules = default_rules()
    validate_rules(con, rules)
    before = count_findings(con)
    problems = finish_pending(con, rules).problems
    shards, written = load_stage(con, stage, reread)
    problems += [p for p in finish_pending(con, rules).problems if p not in problems]
    return Loaded(shards, written, count_findings(con) - before, problems)
