"""The lock, pyproject.toml and environment.yml agree; the public API is importable."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import forecast

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{LOCK.name}: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def test_lock_pins_every_declared_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not in the lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"lock pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}")


def test_installed_versions_match_the_lock():
    # the venv is built from the lock: a pin changed by hand without reinstalling, or an
    # environment built from something else, fails here
    from importlib.metadata import distributions

    pins = _lock()
    for dist in distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in pins:
            assert pins[name] == dist.version, (name, pins[name], dist.version)


def test_environment_yml_installs_the_lock_and_the_package():
    text = (ROOT / "environment.yml").read_text()
    items = [line.split("#")[0].strip() for line in text.splitlines()]
    assert "- python=3.11" in items
    assert f"- -r {LOCK.name}" in items and "- -e ." in items
    # nothing else is installed beside the lock (conda packages would drift from it)
    extra = [i for i in items if i.startswith("- ") and i not in
             ("- python=3.11", "- pip", "- pip:", f"- -r {LOCK.name}", "- -e .", "- conda-forge")]
    assert not extra, extra


def test_makefile_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*-r \$\(LOCK\)", makefile)
    assert f"LOCK := {LOCK.name}" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_version_and_public_api():
    assert forecast.__version__ and not forecast.__version__.startswith("0.0.0")
    for name in forecast.__all__:
        assert hasattr(forecast, name), name
