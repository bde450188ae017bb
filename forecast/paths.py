"""Where the package's own files live: the demo data, the default scenario, the notebooks.

A light module (standard library only), so that ``forecast --help`` starts fast.
"""

from pathlib import Path

__all__ = ["DEMO_PATH", "DEFAULT_SCENARIO_PATH", "NOTEBOOKS_DIR"]

_ROOT = Path(__file__).resolve().parents[1]
#: The embedded synthetic demo history (see ``data/README.md``).
DEMO_PATH = _ROOT / "data" / "demo_parcels.csv"
#: The documented default scenario for the demo network.
DEFAULT_SCENARIO_PATH = _ROOT / "data" / "scenario.toml"
#: The planner notebooks that ``forecast run`` executes.
NOTEBOOKS_DIR = _ROOT / "notebooks"
