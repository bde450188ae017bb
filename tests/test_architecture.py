"""The package's shape: data flows one way, no import cycles, no private name shared."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "forecast"


def test_layers_and_no_cycles_hold():
    # the contracts live in pyproject.toml ([tool.importlinter])
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def _private_imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("forecast"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}: {node.module}.{alias.name}"


def test_no_private_name_is_imported_across_modules():
    # (tests may open a module's internals; the package's modules may not share them)
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _private_imports(path)]
    assert not found, "\n".join(found)


def test_the_scanner_finds_a_private_import(tmp_path, monkeypatch):
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    bad = tmp_path / "bad.py"
    bad.write_text("from forecast.models.base import _check_frame, __version__, ok\n")
    assert list(_private_imports(bad)) == ["bad.py:1: forecast.models.base._check_frame"]


def test_modules_stay_small():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 430}
    assert not long, f"split these modules by concept: {long}"
