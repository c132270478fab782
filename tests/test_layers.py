"""The layers of the code, as docs/architecture.md states them, checked on the tree:
each stage imports only the ground floor and itself, and nothing reaches back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GROUND = {"jixiao.base.model", "jixiao.base.errors", "jixiao.base.labels", "jixiao.base.data", "jixiao.base.db", "jixiao.base.notes",
          "jixiao.base.processes", "jixiao.base.scratch", "jixiao.base.logs", "jixiao.base.render", "jixiao.base.i18n",
          "jixiao.base.messages", "jixiao.base.paths", "jixiao.base.words", "jixiao.base"}
# folder → what its modules may import from the project besides themselves and the ground floor
ALLOWED = {
    "extract": {"jixiao.extract"},
    "normalize": {"jixiao.normalize"},
    "rules": {"jixiao.rules"},
    "warehouse": {"jixiao.warehouse"},
}
JIXIAO_ALLOWED = {  # modules of jixiao/ itself
    "workers": set(),  # given its function by name: no import of the pipeline
    "progress": set(),
    "api": {"jixiao.warehouse"},
    "edits": {"jixiao.normalize", "jixiao.warehouse"},
}


def test_nothing_below_the_command_line_imports_the_desk():
    for path in sorted(ROOT.glob("*/*.py")):
        # tests/ and bench/ drive the product from outside (bench/scale.py times the desk's pages in process)
        if path.parent.name in ("tests", "bench", "desk") or path.name == "cli.py":
            continue
        own = f"jixiao.{path.parent.name}" if path.parent.name != "jixiao" else "jixiao"
        assert not {m for m in _imports(path, own) if m.startswith("jixiao.desk")}, path


def _imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside its own package
                out.add(package)
            elif node.module == "jixiao":  # from jixiao import notes
                out.update(f"jixiao.{a.name}" for a in node.names)
            elif node.module and node.module.startswith("jixiao"):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("jixiao"))
    return out


def _allowed(module: str, extra: set[str], own: str) -> bool:
    return module in GROUND or any(module == p or module.startswith(p + ".") for p in extra | {own})


@pytest.mark.parametrize("folder", list(ALLOWED))
def test_a_stage_imports_the_ground_floor_and_itself(folder):
    own = f"jixiao.{folder}"
    for path in sorted((ROOT / folder).glob("*.py")):
        bad = {m for m in _imports(path, own) if not _allowed(m, ALLOWED[folder], own)}
        assert not bad, f"{folder}/{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", list(JIXIAO_ALLOWED))
def test_jixiao_modules_do_not_reach_back(name):
    path = ROOT / "jixiao" / f"{name}.py"
    bad = {m for m in _imports(path, "jixiao") if m not in GROUND and not any(m.startswith(p) for p in JIXIAO_ALLOWED[name])}
    assert not bad, f"jixiao/{name}.py imports {sorted(bad)}"


def test_the_ground_floor_imports_only_itself():
    for module in GROUND - {"jixiao.base"}:
        path = ROOT / "jixiao" / "base" / f"{module.split('.')[2]}.py"
        bad = {m for m in _imports(path, "jixiao.base") if m not in GROUND}
        assert not bad, f"{path.name} imports {sorted(bad)}"
