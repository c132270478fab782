"""How well the reader reads the ten blind forms of tests/fixtures/unseen_layouts.py, as a table, run by hand:

    .venv/bin/python bench/unseen_layouts.py [--out DIR] [--only A,C] [--verbose]

Every value typed into the forms is read back from the Word file and its LibreOffice PDF and classed RIGHT,
MISSING, WRONG or EXTRA; the totals are recall (share of expected values read right) and precision (share of
the values the reader stored that are right). tests/normalize/test_unseen_layouts.py requires them all RIGHT.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.unseen_layouts import FORMS, Check, Form, Outcome, build, evaluate, fmt_value, scores, tally  # noqa: E402


def part_cell(checks: list[Check], part: str) -> str:
    mine = [c for c in checks if c.part == part and c.verdict != "EXTRA"]
    if not mine:
        return "-"
    return f"{sum(c.verdict == 'RIGHT' for c in mine)}/{len(mine)}"


def print_table(outcomes: list[Outcome]) -> None:
    print(
        f"{'form':4} {'fmt':4} {'status':10} {'rep':>3} {'template':24} {'report':>7} {'funding':>8} "
        f"{'indic.':>8} {'RIGHT':>5} {'MISS':>5} {'WRONG':>5} {'EXTRA':>5}"
    )
    for o in outcomes:
        t = tally(o.checks)
        print(
            f"{o.form.key:4} {o.fmt:4} {o.status:10} {o.n_reports:>3} {str(o.template):24} "
            f"{part_cell(o.checks, 'report'):>7} {part_cell(o.checks, 'funding'):>8} "
            f"{part_cell(o.checks, 'indicators'):>8} {t['RIGHT']:>5} {t['MISSING']:>5} {t['WRONG']:>5} {t['EXTRA']:>5}"
        )
        if o.error:
            print(f"     error: {o.error}")


def print_totals(outcomes: list[Outcome]) -> None:
    groups = {"all": outcomes, "docx": [o for o in outcomes if o.fmt == "docx"], "pdf": [o for o in outcomes if o.fmt == "pdf"]}
    print("\nTotals")
    for name, members in groups.items():
        checks = [c for o in members for c in o.checks]
        right, judged, right_stored, stored, non_null = scores(checks)
        right_non_null = sum(c.verdict == "RIGHT" and c.expected is not None for c in checks)
        print(
            f"  {name:5} read right {right}/{judged} = {100 * right / max(judged, 1):.1f} % of expected values "
            f"({right_non_null}/{non_null} = {100 * right_non_null / max(non_null, 1):.1f} % of the non-NULL ones); "
            f"right among stored {right_stored}/{stored} = {100 * right_stored / max(stored, 1):.1f} %"
        )


def print_list(outcomes: list[Outcome], verdicts: tuple[str, ...], title: str) -> None:
    print(f"\n{title}")
    for o in outcomes:
        rows = [c for c in o.checks if c.verdict in verdicts]
        if not rows:
            continue
        print(f"  [{o.form.key} {o.fmt}] {o.form.office}")
        for c in rows:
            tag = "" if len(verdicts) == 1 else f"{c.verdict:7} "
            print(f"    {tag}{c.where}: read {fmt_value(c.read)}  expected {fmt_value(c.expected)}")


def print_forms(forms: list[Form]) -> None:
    print("Forms")
    for f in forms:
        print(
            f"  {f.key}  {f.office}: {len(f.report)} report values, "
            f"{'not judged' if f.funding is None else len(f.funding)} funding rows, "
            f"{len(f.expected_indicators())} indicators"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jixiao_unseen_layouts",
        help="where the forms are written (kept for inspection with `jixiao show`)",
    )
    ap.add_argument("--only", default="", help="comma-separated form keys, e.g. A,C")
    ap.add_argument("--verbose", action="store_true", help="also print every RIGHT value")
    args = ap.parse_args(argv)
    forms = [make() for make in FORMS]
    if args.only:
        wanted = set(args.only.upper().split(","))
        forms = [f for f in forms if f.key in wanted]
    paths = build(forms, args.out)
    print(f"{len(paths)} files in {args.out}\n")
    print_forms(forms)
    outcomes = [evaluate(f, fmt, paths[(f.key, fmt)]) for f in forms for fmt in ("docx", "pdf")]
    print_table(outcomes)
    print_totals(outcomes)
    print_list(outcomes, ("WRONG",), "WRONG (read a different value, or a value where NULL was expected)")
    print_list(outcomes, ("MISSING",), "MISSING (read NULL where a value was expected)")
    print_list(outcomes, ("EXTRA",), "EXTRA (stored where nothing was typed)")
    if args.verbose:
        print_list(outcomes, ("RIGHT",), "RIGHT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
