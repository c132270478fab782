"""Query results as text: a table, CSV, JSON or Markdown, every value whole in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

FORMATS = ("table", "csv", "json", "markdown")


def text_of(value, null: str = "") -> str:
    """A value as it should read: NULL as null (empty for files), lists comma-joined, booleans as
    true/false, numbers whole (never rounded or cut)."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(text_of, value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def printable(value, null: str = "") -> str:
    """A value as text safe to show on a terminal: control characters (ESC and OSC sequences that clear
    the screen or set the clipboard, a name's own line breaks aside) written as visible escapes, never sent."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text_of(value, null))


def shown_path(path) -> str:
    """A path as printed on one line: a name that is not UTF-8 decoded (jixiao.base.paths), control characters
    and line breaks made visible."""
    from jixiao.base.paths import readable

    return printable(readable(str(path))).replace("\n", "\\n")


def json_value(value):
    """A value as JSON holds it exactly: Decimals and dates as text (also json.dumps' default hook)."""
    if isinstance(value, Decimal):
        return str(value)  # exact: a JSON number would pass through a float in most readers
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):  # a STRUCT or MAP
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, timedelta):  # an INTERVAL, in seconds
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def as_csv(columns: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([text_of(v) for v in row] for row in rows)
    return out.getvalue()


def as_json(columns: list[str], rows: list[tuple]) -> str:
    return json.dumps([{c: json_value(v) for c, v in zip(columns, row)} for row in rows], ensure_ascii=False, indent=2)


def as_json_results(results: list[tuple[str, list[str], list[tuple]]]) -> str:
    """Several statements' results as one JSON document: [{"statement": sql, "rows": [...]}, ...]."""
    return json.dumps(
        [{"statement": sql, "rows": [{c: json_value(v) for c, v in zip(columns, row)} for row in rows]} for sql, columns, rows in results],
        ensure_ascii=False,
        indent=2,
    )


def as_markdown(columns: list[str], rows: list[tuple]) -> str:
    def cell(v) -> str:
        return printable(v).replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def as_plain(columns: list[str], rows: list[tuple]) -> str:
    """Aligned columns for pipes and logs: no box, no wrapping, nothing cut; CJK counts double width."""
    from rich.cells import cell_len

    texts = [[printable(v, "NULL").replace("\n", " ") for v in row] for row in rows]
    widths = [max([cell_len(c)] + [cell_len(r[i]) for r in texts]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - cell_len(v)) for v, w in zip(values, widths)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in texts]) + "\n"


def print_table(columns: list[str], rows: list[tuple], terminal: bool) -> None:
    """A boxed table on a terminal (numbers never wrapped or cut: long text folds instead), aligned text elsewhere."""
    import sys

    if not terminal:
        sys.stdout.write(as_plain(columns, rows))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    numeric = [all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in rows) for i in range(len(columns))]
    table = Table(show_lines=False)
    for i, name in enumerate(columns):
        widest = max([len(text_of(row[i], "NULL")) for row in rows] + [1])
        if numeric[i]:
            table.add_column(name, justify="right", no_wrap=True, min_width=widest)
        else:
            table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(v, "NULL")) for v in row))  # Text: a value's 「[red]」 is no markup
    Console().print(table)
