import re
import tomllib
from pathlib import Path

import forecast

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    text = (ROOT / "environment.yml").read_text()
    listed = set()
    for line in text.split("dependencies:", 1)[1].splitlines():
        item = line.split("#")[0].strip()
        if item.startswith("- ") and not item.endswith(":"):
            listed.add(_name(item[2:]))
    listed -= {"python", "pip", "-e"}
    assert listed == wanted, (sorted(wanted - listed), sorted(listed - wanted))


def test_version_and_public_api():
    assert forecast.__version__ and not forecast.__version__.startswith("0.0.0")
    for name in forecast.__all__:
        assert hasattr(forecast, name), name
