"""A person's typed value for a correction, read the way the reader reads the form (used by the
command line and the review desk alike)."""

from __future__ import annotations

from decimal import Decimal

from jixiao.base.i18n import _
from jixiao.base.messages import column_label
from jixiao.normalize.fit import MONEY_LIMIT, RATE_LIMIT
from jixiao.normalize.values import parse_money, parse_percent, parse_score
from jixiao.warehouse.schema import CORRECTABLE, MONEY, RATE


def typed_value(column: str, text: str) -> Decimal | int | str | None:
    """A correction's value as its column holds it, read the way the form would be read (94.44万元,
    74.36%, NULL); raise ValueError with one sentence when text is no value the column can hold."""
    kind = CORRECTABLE.get(column)
    if text.strip().upper() == "NULL" or kind is None:
        return None if kind is not None else text  # an unknown column is refused by name below
    if kind not in (MONEY, RATE, "INTEGER"):
        return text.strip()
    value: Decimal | int | None
    try:
        if kind == MONEY:
            value = parse_money(text)
        elif kind == RATE:
            value = parse_percent(text) if column.endswith("_pct") else parse_score(text)
        else:
            value = int(text) if text.strip().isdigit() else None
    except ValueError:
        value = None
    limit = MONEY_LIMIT if kind == MONEY else RATE_LIMIT
    if value is None or abs(Decimal(value)) >= limit:  # the view casts it to the column's type: it must fit
        raise ValueError(
            _("「{text}」 is not a value {column} can hold; write it as the form does (94.44万元, 74.36%, 97), or NULL.").format(
                text=text, column=column_label(column)
            )
        )
    return value
