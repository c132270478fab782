"""The one loader for the data files people edit (rules/lexicon.csv, facts.csv, project_map.csv,
warehouse/headers.csv): UTF-8 CSV with a header row, '#' lines and blank lines skipped."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path


def read_csv(name: str, package: str = "jixiao.rules", path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of a packaged data file (or of path, a user's own file in the same format)."""
    text = Path(path).read_text(encoding="utf-8") if path is not None else resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")))
