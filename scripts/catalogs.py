"""The translation catalogs: collect every sentence a person reads, keep the Chinese of each, compile.

    .venv/bin/python scripts/catalogs.py          # update jixiao/locale/zh/LC_MESSAGES/jixiao.po and compile the .mo
    .venv/bin/python scripts/catalogs.py --check  # exit 1 when a sentence has no Chinese or the .mo is not the .po's

Sentences come from Babel's extraction of `_()`, `N_()` and `ngettext()` calls in the package and in the
desk's Jinja templates (jixiao/desk/templates/*.html, through Jinja2's own Babel extractor), and from
the command line's help (every command's help and epilog, every option's help), which click keeps as
plain strings. A new sentence is added to the .po untranslated, for a person to translate; a sentence no
longer used is dropped. The compiled .mo ships in the wheel (pyproject's package-data).
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "jixiao" / "locale" / "zh" / "LC_MESSAGES" / "jixiao.po"
MO = PO.with_suffix(".mo")
SOURCES = ["jixiao", "extract", "normalize", "rules", "warehouse"]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Python everywhere; the desk's templates call _() and ngettext() (Jinja globals) the same way
METHODS = [("**.py", "python"), ("desk/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"desk/templates/**.html": {"silent": "false"}}  # a template that does not parse is an error, not an empty file


def _click_sentences() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from jixiao.cli import main

    out: list[str] = []

    def walk(command) -> None:
        for text in (command.help, command.epilog, getattr(command, "short_help", None)):
            if text:
                out.append(_clean(text))
        for param in command.params:
            if getattr(param, "help", None):
                out.append(param.help)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(main)
    return out


def _clean(text: str) -> str:
    import inspect

    return inspect.cleandoc(text)


def collect():
    from datetime import datetime

    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    fixed = datetime(2026, 1, 1, tzinfo=UTC)  # a catalog's dates would make every build differ
    catalog = Catalog(project="jixiao", locale="zh", charset="utf-8", creation_date=fixed, revision_date=fixed)
    for folder in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            str(ROOT / folder), METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("i18n",)
        ):
            catalog.add(message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments)
    for text in _click_sentences():
        catalog.add(text, locations=[("jixiao/cli.py", 0)])
    return catalog


def main() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    fresh = collect()
    old = read_po(PO.open("rb"), locale="zh") if PO.exists() else None
    for message in fresh:
        if message.id and old is not None and old.get(message.id) is not None:
            message.string = old.get(message.id).string
    missing = [m.id for m in fresh if m.id and not (all(m.string) if m.pluralizable else m.string)]
    buffer = io.BytesIO()
    write_mo(buffer, fresh)
    if args.check:
        stale = not MO.exists() or MO.read_bytes() != buffer.getvalue()
        for text in missing:
            print(f"no Chinese for: {text!r}")
        if stale:
            print(f"{MO.relative_to(ROOT)} is not the compiled {PO.relative_to(ROOT)}: run scripts/catalogs.py")
        sys.exit(1 if missing or stale else 0)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as out:
        write_po(out, fresh, width=0, sort_output=True, omit_header=False)
    MO.write_bytes(buffer.getvalue())
    print(f"{len(fresh)} sentences, {len(missing)} without Chinese → {PO.relative_to(ROOT)}, {MO.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
