"""Layout families as declarations (`rules/families.toml`): which blocks and labels name a layout.

The one protocol every family follows: a `name` (stored as `reports.template`), a `scope` where
the layout fixes it, and `match(features)`, how well a segment fits; all are registered in one
place, the declarations file, read by `families()`. Reading does not depend on the family: every
form is read by the same block reader (`form.read_segment`), and the family only names what was
recognised. A new family is a new [[family]] entry, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jixiao.base.i18n import N_, _

MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class Family:
    name: str  # reports.template
    scope: str | None  # project or department when the layout fixes it; None: as the head says
    needs: tuple[str, ...]
    signs: tuple[str, ...]
    base: float = 0.0

    def match(self, features: Features) -> float | None:
        """How well a segment's features fit (0..1), or None when a need is not met."""
        if not all(holds(need, features) for need in self.needs):
            return None
        if not self.signs:
            return self.base
        share = sum(holds(sign, features) for sign in self.signs) / len(self.signs)
        return self.base + (1 - self.base) * share


@dataclass(frozen=True)
class Features:
    """What a segment showed the reader: blocks, columns, weights, labels and the rest (see families.toml)."""

    flags: frozenset[str]  # block:…, column:…, weight:…, scope:…, outline, anchor, form, fact:…, titled, headings
    labels: frozenset[str]  # canonical texts of short cells and lines

    def has(self, feature: str) -> bool:
        if feature.startswith("label:"):
            return feature[6:] in self.labels
        if feature.startswith("mention:"):
            return any(feature[8:] in label for label in self.labels)
        return feature in self.flags


def holds(feature: str, features: Features) -> bool:
    """Whether a declared feature (with not: and A|B) holds among a segment's features."""
    if feature.startswith("not:"):
        return not holds(feature[4:], features)
    return any(features.has(option) for option in feature.split("|"))


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    """The declared families, in file order (earlier wins a tie)."""
    data = tomllib.loads(resources.files("jixiao.rules").joinpath("families.toml").read_text(encoding="utf-8"))
    return tuple(
        Family(f["template"], f.get("scope"), tuple(f.get("needs", ())), tuple(f.get("signs", ())), float(f.get("base", 0.0))) for f in data["family"]
    )


def recognise(features: Features) -> tuple[float, Family | None]:
    """Return (score, family) of the best-fitting family, or (best score, None) when none fits.

    A family fits at MATCH_THRESHOLD or above; a catch-all (no signs) fits whenever its needs hold.
    """
    best: tuple[float, Family | None] = (0.0, None)
    top = 0.0
    for family in families():
        score = family.match(features)
        if score is None:
            continue
        top = max(top, score)
        if (score >= MATCH_THRESHOLD or not family.signs) and (best[1] is None or score > best[0]):
            best = (score, family)
    return best if best[1] is not None else (top, None)


# What the declared features mean, in words a person checking a file acts on (`explain`)
_SIGN_WORDS = {
    "form": N_("a table block the lexicon knows (a row heading money, indicators, budget lines, allocations or goals)"),
    "not:form": N_("no form"),
    "anchor": N_("a named project, department or unit (项目名称, 部门（单位）名称, 主管部门, 实施单位 …)"),
    "titled": N_("a title naming a performance evaluation (…绩效…自评/评价…报告/表)"),
    "fact:spent|fact:execution_rate": N_("a sentence stating the amount spent or the execution rate"),
    "fact:budget_total|headings": N_("a sentence stating the budget, or two numbered headings (一、 二、)"),
    "scope:project": N_("a project named in the head"),
    "scope:department": N_("a department or unit named in the head"),
    "block:money": N_("a money table"),
    "block:indicators": N_("an indicator table"),
    "block:money_by_source": N_("a money table with sources as columns"),
    "not:block:money": N_("no money table"),
    "not:block:money_by_source": N_("no money table with sources as columns"),
}


def _words(feature: str) -> str:
    return _(_SIGN_WORDS[feature]) if feature in _SIGN_WORDS else feature


def explain(features: Features) -> str:
    """Why no family fits a segment, in one paragraph: what the catch-all form family lacks (a form and a named
    project or unit), and — without a form — how many of a report narrative's signs it shows against how many
    it needs, which are missing; with a form, which need of the closest form family it lacks."""
    parts = []
    for family in families():
        unmet = [need for need in family.needs if not holds(need, features)]
        if not family.signs and unmet:
            parts.append(_("a form ({name}) needs {needs} — not found").format(name=family.name, needs="; ".join(_words(n) for n in unmet)))
    narrative = [f for f in families() if "not:form" in f.needs and f.signs]
    if not features.has("form"):
        for family in narrative:
            shown = [sign for sign in family.signs if holds(sign, features)]
            need = next(k for k in range(len(family.signs) + 1) if family.base + (1 - family.base) * k / len(family.signs) >= MATCH_THRESHOLD)
            missing = [s for s in family.signs if s not in shown]
            part = _("a report without a form ({name}) needs {need} of its {n} signs and shows {shown}").format(
                name=family.name, need=need, n=len(family.signs), shown=len(shown)
            )
            if shown:
                part += _(" ({signs})").format(signs="; ".join(_words(s) for s in shown))
            if missing:
                part += _("; missing: {signs}").format(signs="; ".join(_words(s) for s in missing))
            parts.append(part)
    else:
        forms = [(sum(not holds(n, features) for n in f.needs), f) for f in families() if f.signs and f not in narrative]
        closest, family = min(forms, key=lambda x: x[0])
        unmet = [n for n in family.needs if not holds(n, features)]
        if unmet:
            parts.append(
                _("the closest layout ({name}) needs {needs} — not found").format(name=family.name, needs="; ".join(_words(n) for n in unmet))
            )
    return _("Not taken as a report.") + " " + " ".join(_("{part}.").format(part=p[0].upper() + p[1:]) for p in parts)
