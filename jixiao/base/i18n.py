"""The language a person reads: Chinese by default, English on request.

Every sentence jixiao shows is written in English in the code, marked `_("…")` (or `N_("…")` where
it is translated later, at display), and translated through gettext catalogs: jixiao/locale/zh/
LC_MESSAGES/jixiao.po, extracted and compiled with Babel (scripts/catalogs; the build compiles the
.mo files that ship in the wheel). The language is, in this order: `--lang zh|en` (set_language),
JIXIAO_LANG, the locale's language when it is one of ours, else Chinese.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
_chosen: str | None = None


def _from_locale() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith(("C.", "POSIX.")):
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else None
    return None


def language() -> str:
    """The language sentences are shown in now."""
    if _chosen:
        return _chosen
    env = os.environ.get("JIXIAO_LANG", "").strip().lower()
    if env in LANGUAGES:
        return env
    return _from_locale() or DEFAULT


def set_language(lang: str | None) -> None:
    """Choose the language for this process and the readers it starts (they inherit JIXIAO_LANG)."""
    global _chosen
    if lang is not None:
        if lang not in LANGUAGES:
            raise ValueError(f"a language is one of {', '.join(LANGUAGES)}, not {lang!r}")
        _chosen = lang
        os.environ["JIXIAO_LANG"] = lang
    _bind_libraries()


def _bind_libraries() -> None:
    """Libraries that translate through the standard gettext (click's Usage:, Options, Error: …) read our
    catalog, whose Chinese of their sentences the command line keeps (cli.CLICK_SENTENCES)."""
    gettext.bindtextdomain("jixiao", str(resources.files("jixiao").joinpath("locale")))
    gettext.textdomain("jixiao")
    os.environ["LANGUAGE"] = language()


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of lang (English is the code's own: no catalog)."""
    if lang == "en":
        return gettext.NullTranslations()
    folder = resources.files("jixiao").joinpath("locale")
    return gettext.translation("jixiao", localedir=str(folder), languages=[lang], fallback=True)


def _(message: str) -> str:
    """message in the language shown now."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark message for the catalog without translating it here (it is translated where it is shown)."""
    return message


def in_language(message: str, lang: str) -> str:
    """message in a given language, whatever is chosen now (a finding rendered for the desk's reader)."""
    return translations(lang).gettext(message)
