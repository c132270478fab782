"""The work a writer owes the warehouse after storing documents — their findings, and project links when documents
came or went — done at the end of every ingest and first by every command that writes (check, load, link)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from jixiao.base.db import transaction
from jixiao.base.errors import SettingError
from jixiao.base.i18n import _
from jixiao.ingest.progress import Reporter
from jixiao.ingest.summary import IngestSummary
from jixiao.rules import write_findings
from jixiao.warehouse import acknowledged_paths, count_findings, owes, relink, unchecked_documents


def finish(con, rules, summary: IngestSummary, progress: Reporter | None, findings_before: int) -> None:
    """The end of every engine's ingest: the work the stored documents owe, the findings it made, and the
    failures someone accepted set aside from those that make the run exit 1."""
    accepted = acknowledged_paths(con)
    summary.acknowledged += [(p, e, accepted[p]) for p, e in summary.failures if p in accepted]
    summary.failures = [(p, e) for p, e in summary.failures if p not in accepted]
    owed = finish_pending(con, rules, progress)
    for step, secs in owed.seconds.items():
        summary.seconds[step] += secs
    summary.problems.extend(p for p in owed.problems if p not in summary.problems)
    summary.findings = count_findings(con) - findings_before


def check_pending(con, rules) -> int:
    """Write the findings of the documents stored since rules last ran, in one transaction."""
    with transaction(con):
        return write_findings(con, rules, "pending")


@dataclass
class Owed:
    """What finishing the owed work did: seconds per step, and a sentence for each step that failed."""

    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def finish_pending(con, rules=None, progress: Reporter | None = None) -> Owed:
    """Do the work a writer owes the warehouse: findings of documents not yet checked, and project
    links when documents came or went since the last linking. Run first by every command that
    writes, and at the end of an ingest. progress hears each step's name.

    Linking that fails (a bug of ours) must not wedge the warehouse: its transaction is undone, the
    documents stay stored and the views read each report as its own project, the link stays owed
    (the next command tries again) and the failure is one sentence in Owed.problems."""
    owed = Owed()
    t0 = time.perf_counter()
    if unchecked_documents(con):
        if progress:
            progress.stage("checking rules")
        check_pending(con, rules)
    owed.seconds["rules"] = time.perf_counter() - t0
    if owes(con, "link"):
        if progress:
            progress.stage("linking projects")
        t0 = time.perf_counter()
        try:
            relink(con)
        except SettingError as exc:  # the user's mapping file
            owed.problems.append(str(exc))
        except Exception as exc:  # a bug in linking: said, and owed again, never a traceback
            owed.problems.append(link_failed(exc))
        owed.seconds["link"] = time.perf_counter() - t0
    return owed


def link_failed(exc: Exception) -> str:
    """The sentence for linking that failed."""
    first = (str(exc).splitlines() or [""])[0][:300]
    return _(
        "Linking reports across years failed, so projects are not linked yet; every document is stored and the "
        "views count each report as a project of its own until `jixiao link` succeeds. This is a fault of jixiao: "
        "please report it with this message ({detail})."
    ).format(detail=f"{type(exc).__name__}: {first}")
