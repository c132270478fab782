"""The label lexicon: `rules/lexicon.csv` (context, canonical key, label as people write it), and a user's own
lexicon in the same format merged over it (JIXIAO_LEXICON, else ~/.config/jixiao/lexicon.csv): labels an office
writes that the packaged one does not know are taught there, outside the installed package, so an upgrade keeps
them."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jixiao.base.data import read_csv
from jixiao.base.errors import SettingError
from jixiao.base.i18n import _
from jixiao.base.labels import canonical_label

USER_LEXICON_ENV = "JIXIAO_LEXICON"
HEADER = "context,key,label"

# The longest label the lexicon holds is 14 characters; a text this long is no label as written
# (spaced 「项 目 名 称」 and tails included), and canonicalising a megabyte of it costs time for nothing.
MAX_LABEL_CHARS = 200


@dataclass(frozen=True)
class Lexicon:
    entries: dict[tuple[str, str], str]  # (context, canonical label) → key
    by_label: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical label → contexts knowing it

    def key(self, context: str, label: str) -> str | None:
        """Given a context and a label as written, return its canonical key or None."""
        if len(label) > MAX_LABEL_CHARS:
            return None
        return self.entries.get((context, canonical_label(label)))

    def contexts_of(self, label: str) -> tuple[str, ...]:
        """The contexts in which a label as written is known (empty when none)."""
        if len(label) > MAX_LABEL_CHARS:
            return ()
        return self.by_label.get(canonical_label(label), ())


def load_lexicon(path: Path | None = None, user: Path | None = None) -> Lexicon:
    """Read a lexicon file (default: the packaged rules/lexicon.csv), with a user's file merged over it (a label
    the user's file gives another key in the same context takes that key); '#' lines are comments."""
    rows = read_csv("lexicon.csv", path=path) + (_user_rows(user) if user is not None else [])
    entries: dict[tuple[str, str], str] = {}
    by_label: dict[str, list[str]] = {}
    for row in rows:
        context, label = row["context"].strip(), canonical_label(row["label"])
        entries[(context, label)] = row["key"].strip()
        if context not in by_label.setdefault(label, []):
            by_label[label].append(context)
    return Lexicon(entries, {k: tuple(v) for k, v in by_label.items()})


def user_lexicon_path() -> Path:
    """Where the user's lexicon is (it need not exist): JIXIAO_LEXICON, else the user's configuration folder."""
    if os.environ.get(USER_LEXICON_ENV):
        return Path(os.environ[USER_LEXICON_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "jixiao" / "lexicon.csv"


def default_lexicon() -> Lexicon:
    """The packaged lexicon with the user's merged over it, read again when the user's file changes."""
    user = user_lexicon_path()
    try:
        stamp = user.stat().st_mtime_ns
    except OSError:
        return _lexicon(None, 0)
    return _lexicon(str(user), stamp)


@lru_cache(maxsize=4)
def _lexicon(user: str | None, stamp: int) -> Lexicon:
    return load_lexicon(user=Path(user) if user else None)


def _user_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a user's lexicon, each checked: a row that cannot be used stops with a sentence naming its line
    (a lexicon quietly half-read would leave labels unread with no one knowing why)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(
            _("The lexicon {path} cannot be read ({reason}); it must be a UTF-8 CSV file with the columns context,key,label.").format(
                path=path, reason=exc.__class__.__name__
            )
        ) from None
    rows = []
    known = _packaged_keys()
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines or [c.strip() for c in next(csv.reader([lines[0][1]]))] != HEADER.split(","):
        raise SettingError(_("The lexicon {path} must begin with the line 「{header}」.").format(path=path, header=HEADER))
    for n, line in lines[1:]:
        cells = [c.strip() for c in next(csv.reader([line]))]
        problem = _row_problem(cells, known)
        if problem:
            raise SettingError(_("Line {n} of the lexicon {path} ({line}): {problem}").format(n=n, path=path, line=line.strip(), problem=problem))
        rows.append(dict(zip(("context", "key", "label"), cells)))
    return rows


def check_entry(context: str, key: str, label: str) -> str | None:
    """Why a lexicon line cannot be used (one sentence), or None when it can."""
    return _row_problem([context.strip(), key.strip(), label.strip()], _packaged_keys())


def _row_problem(cells: list[str], known: dict[str, set[str]]) -> str | None:
    if len(cells) != 3 or not all(cells):
        return _("a line needs three values, context,key,label, none of them empty.")
    context, key, label = cells
    if context not in known:
        return _("「{context}」 is no context the lexicon has; the contexts are {contexts}.").format(
            context=context, contexts=", ".join(sorted(known))
        )
    if key not in known[context]:
        return _("「{key}」 is no key of the context {context}; its keys include {keys}.").format(
            key=key, context=context, keys=", ".join(sorted(known[context])[:12])
        )
    if not canonical_label(label):
        return _("the label 「{label}」 is empty once spaces and numbering are taken out.").format(label=label)
    return None


@lru_cache(maxsize=1)
def _packaged_keys() -> dict[str, set[str]]:
    """The keys each context of the packaged lexicon knows: a user's line teaches a new label for one of them."""
    keys: dict[str, set[str]] = {}
    for row in read_csv("lexicon.csv"):
        keys.setdefault(row["context"].strip(), set()).add(row["key"].strip())
    return keys


def add_entry(context: str, key: str, label: str, path: Path | None = None) -> Path:
    """Append one line to the user's lexicon (created with its header when new); return the file written."""
    problem = check_entry(context, key, label)
    if problem:
        raise SettingError(_("「{line}」 cannot be added to the lexicon: {problem}").format(line=",".join((context, key, label)), problem=problem))
    path = path or user_lexicon_path()
    if path.exists():
        _user_rows(path)  # a broken file is said before anything is added to it
    path.parent.mkdir(parents=True, exist_ok=True)
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([context.strip(), key.strip(), label.strip()])
    new = not path.exists() or not path.read_text(encoding="utf-8-sig").strip()
    with path.open("a", encoding="utf-8") as out:
        if new:
            out.write("# " + _("Labels taught by this office (jixiao labels --add); merged over the packaged lexicon.") + "\n")
            out.write(HEADER + "\n")
        elif not path.read_text(encoding="utf-8-sig").endswith("\n"):
            out.write("\n")
        out.write(line.getvalue())
    return path
