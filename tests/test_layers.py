"""The layers of the code, as docs/architecture.md states them, checked on the tree: folder → the folders
its modules may import. The ground floor (jixiao/base) imports only itself; each stage imports the ground
floor and itself; the top (jixiao/*.py and the desk) imports what it needs, and nothing reaches back up.
No list of files: a module belongs to the layer of the folder it is in."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE = "jixiao.base"
STAGES = ("extract", "normalize", "rules", "warehouse")
TOP = "jixiao"  # jixiao/*.py, the package's own modules (and `jixiao` itself: `from jixiao import __version__`)
DESK = "jixiao.desk"
INGEST = "jixiao.ingest"  # files in, rows out: drives the stages, under the command line and the desk
# folder (as it imports) → where its .py files lie in the tree (the stages install as jixiao.<stage>: pyproject's package-dir)
FOLDERS = {
    BASE: ROOT / "jixiao" / "base",
    **{f"jixiao.{s}": ROOT / s for s in STAGES},
    DESK: ROOT / "jixiao" / "desk",
    INGEST: ROOT / "jixiao" / "ingest",
    TOP: ROOT / "jixiao",
}
# folder → the folders its modules may import (its own always among them)
MAY_IMPORT = {
    BASE: {BASE},
    **{f"jixiao.{s}": {BASE, f"jixiao.{s}"} for s in STAGES},
    INGEST: {BASE, *(f"jixiao.{s}" for s in STAGES), INGEST},
    TOP: {BASE, *(f"jixiao.{s}" for s in STAGES), INGEST, TOP, DESK},  # the desk only from cli.py (below)
    DESK: {BASE, "jixiao.extract", "jixiao.rules", "jixiao.warehouse", TOP, DESK},
}
# the top's modules that import less than the top may: module → the folders and top modules it may import
TOP_MODULES = {
    "api": {BASE, "jixiao.warehouse"},
    "edits": {BASE, "jixiao.normalize", "jixiao.warehouse"},
}


def _folder(module: str) -> str:
    """The folder an imported module lies in: the longest folder name it starts with (jixiao.base.model →
    jixiao.base, jixiao.ingest.run → jixiao.ingest, jixiao.cli → jixiao)."""
    return max((f for f in FOLDERS if module == f or module.startswith(f + ".")), key=len)


def _imports(path: Path, package: str) -> set[str]:
    """The project's modules a file imports, as absolute names (`from jixiao import entry` → jixiao.entry,
    `from . import data` in the desk → jixiao.desk.data); lazy imports inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from within its own package (or one above it, ..)
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                if node.module:
                    out.add(f"{base}.{node.module}")
                else:  # from . import data
                    out.update(f"{base}.{a.name}" for a in node.names)
            elif node.module == "jixiao":  # from jixiao import entry
                out.update(f"jixiao.{a.name}" for a in node.names)
            elif node.module and node.module.startswith("jixiao."):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name == "jixiao" or a.name.startswith("jixiao."))
    return out


def _sources(folder: str) -> list[Path]:
    return sorted(FOLDERS[folder].glob("*.py"))


def _bad(path: Path, folder: str, allowed: set[str]) -> set[str]:
    return {m for m in _imports(path, folder) if _folder(m) not in allowed and m not in allowed}


def test_every_folder_of_the_package_has_its_layer():
    """A new folder of modules gets its rule here before it gets code: none goes unchecked."""
    known = set(FOLDERS.values())
    for root in (ROOT / "jixiao", *(ROOT / s for s in STAGES)):
        for path in root.rglob("*.py"):
            assert path.parent in known, f"{path.relative_to(ROOT)}: {path.parent.relative_to(ROOT)} has no layer in tests/test_layers.py"


@pytest.mark.parametrize("folder", [f for f in MAY_IMPORT if f != TOP])
def test_a_folder_imports_only_the_folders_below_it_and_itself(folder):
    for path in _sources(folder):
        bad = _bad(path, folder, MAY_IMPORT[folder])
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_top_imports_the_stages_and_the_ground_floor():
    for path in _sources(TOP):
        bad = _bad(path, TOP, MAY_IMPORT[TOP])
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("name", list(TOP_MODULES))
def test_jixiao_modules_do_not_reach_back(name):
    path = ROOT / "jixiao" / f"{name}.py"
    bad = _bad(path, TOP, TOP_MODULES[name])
    assert not bad, f"jixiao/{name}.py imports {sorted(bad)}"


def test_the_ground_floor_imports_only_itself():
    assert _sources(BASE), "jixiao/base holds the ground floor"
    for path in _sources(BASE):
        bad = {m for m in _imports(path, BASE) if _folder(m) != BASE}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_nothing_below_the_command_line_imports_the_desk():
    paths = [p for f in FOLDERS if f != DESK for p in _sources(f)] + sorted((ROOT / "scripts").glob("*.py"))
    for path in paths:
        # tests/ and bench/ drive the product from outside (bench/scale.py times the desk's pages in process)
        if path == ROOT / "jixiao" / "cli.py":
            continue
        folder = next((f for f in FOLDERS if FOLDERS[f] == path.parent), TOP)
        assert not {m for m in _imports(path, folder) if _folder(m) == DESK}, path


def test_a_reader_process_imports_no_warehouse():
    """What a reader process imports (the reading, the pool it serves) leaves DuckDB and the rules out: readers
    start faster and hold less memory under their cap, and nothing that writes is within their reach."""
    code = (
        "import sys, jixiao.ingest.reading, jixiao.ingest.workers\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'duckdb' or m.startswith(('jixiao.warehouse', 'jixiao.rules'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
