"""The notebooks run top to bottom against a warehouse built from the fixture archive."""

from __future__ import annotations

import copy
import json
import os
import re
import warnings
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from jixiao.cli import main
from tests.fixtures import builder
from tests.fixtures import families as F

pytestmark = [pytest.mark.slow]

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
_PROBE = """import json as _json, matplotlib.pyplot as _plt
def _said(ax):
    legend = ax.get_legend()
    return {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "legend_title": legend.get_title().get_text() if legend else ""}
print("FIGURES", _json.dumps([[_said(ax) for ax in _plt.figure(n).axes] for n in _plt.get_fignums()], ensure_ascii=False))"""


@pytest.fixture(scope="module")
def fixture_warehouse(tmp_path_factory):
    """The cross-year archive, every family, and one report with planted contradictions."""
    folder = tmp_path_factory.mktemp("nb_archive")
    for name, blocks in F.cross_year_archive().items():
        builder.write_docx(blocks, folder / name)
    for family, (form, render) in F.FAMILY_DOCUMENTS.items():
        builder.write_docx(render(form, F.VARIANTS[0]), folder / f"{family}.docx")
    planted = copy.deepcopy(builder.load_seed())
    planted["funding"][1][1][6] = "80.00%"  # 支出率 that 94.44 ÷ 127 does not give
    planted["allocations"][0][1] = "117"
    builder.build_seed(folder, data=planted, name="planted")
    inflated = copy.deepcopy(F.NATIONAL)  # 480 of ≥500 人次 trained, and still all 10 points
    inflated["project_name"] = "便民服务培训项目"
    inflated["indicators"][1] = inflated["indicators"][1][:6] + ("10", "")
    builder.write_docx(F.national_document(inflated, F.VARIANTS[0]), folder / "inflated.docx")
    db = tmp_path_factory.mktemp("nb_db") / "w.duckdb"
    assert CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)]).exit_code == 0
    return db


@pytest.mark.parametrize("name", ["spending_across_years.ipynb", "findings_review.ipynb", "targets_and_self_scores.ipynb"])
def test_notebook_runs(name, fixture_warehouse, monkeypatch):
    monkeypatch.setenv("JIXIAO_DB", str(fixture_warehouse))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "outputs are not committed"
    # keep every figure open, and at the end say what a reader sees on them: titles, axis labels, legend entries
    notebook.cells.insert(0, nbformat.v4.new_code_cell("%config InlineBackend.close_figures = False"))
    notebook.cells.append(nbformat.v4.new_code_cell(_PROBE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}, env=dict(os.environ)).execute()
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert "Error" not in text.split("Traceback")[0] and "Traceback" not in text
    assert "Glyph" not in text  # a missing CJK glyph warning would show here
    shown = json.loads(text.split("FIGURES ", 1)[1].splitlines()[0])
    legends = [t for fig in shown for ax in fig for t in ax["legend"]]
    labels = [t for fig in shown for ax in fig for t in (ax["title"], ax["xlabel"], ax["ylabel"], ax["legend_title"]) if t]
    assert not [t for t in legends if t in ("nan", "None", "")], legends  # no entry for a value that is not there
    assert not [t for t in labels if re.fullmatch(r"[a-z_]+", t)], labels  # no column name for a title or label
    assert all(ax["title"] for fig in shown for ax in fig), shown
    if name.startswith("spending"):
        assert "城管执法专项经费" in text and "74.36" in text
        images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        assert len(images) >= 2
    elif name.startswith("targets"):
        assert "便民服务培训项目" in text and "培训人次" in text and "full_score_target_missed" in text  # the inflated self-score
        assert "met_rate_pct" in text
        images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        assert len(images) == 1
    else:
        assert "execution_rate_matches" in text and "allocations_sum" in text
