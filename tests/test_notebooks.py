"""The committed notebooks: thin, one set of defaults, outputs a planner can trust.

(Their outputs are compared cell by cell by nbval in `make test`; these checks catch what
nbval cannot: a table of NaN committed as the expected output, or defaults drifting.)
"""

import ast
import dataclasses
import json
import re
from pathlib import Path

import papermill
import pytest

from forecast.config import PlanConfig

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
DEFAULTS = {f.name: f.default for f in dataclasses.fields(PlanConfig)}


def _code(nb_path):
    nb = json.loads(nb_path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_have_the_plan_defaults(path):
    params = papermill.inspect_notebook(str(path))
    assert params, f"{path.name} has no parameters cell"
    for name, p in params.items():
        if name in DEFAULTS and not name.endswith("_path"):
            assert ast.literal_eval(p["default"]) == DEFAULTS[name], (path.name, name)
        assert p["help"], f"{path.name}: parameter {name} has no comment saying what it is"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_thin(path):
    for cell in _code(path):
        source = "".join(cell["source"])
        tree = ast.parse(source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(tree))
        assert "open(" not in source and "to_csv" not in source  # no file I/O in notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_hold_no_nan_error_or_machine_noise(path):
    cells = _code(path)
    for cell in cells:  # a cell that ends in an expression shows it
        body = ast.parse("".join(cell["source"])).body
        if body and isinstance(body[-1], ast.Expr):
            assert cell["outputs"], (path.name, "".join(cell["source"])[:80])
    for cell in cells:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", path.name
            text = "".join(out.get("text", "")) + "".join(
                "".join(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
            assert not re.search(r"\bNaN\b|\bnan\b|<NA>", text), (path.name, text[:300])
            assert "0x7f" not in text and "/tmp/" not in text, path.name  # addresses, paths
