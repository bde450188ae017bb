"""`forecast run` with default flags on the real files of ../shared/data (issue 10, 13).

For each file: plan from the full history with default flags (the demo's scenario: its
LNY 2026, or the next LNY after the history when the history runs past that window's
start); then LNY 2027 from the full history and LNY 2026 from the history cut at
2025-12-31 (the cut file is written to a temporary folder, never into the repository),
with the scenarios in benchmarks/real_scenarios/ (scaled to each network's volume). Prints
the exit status, wall and CPU time, the warnings, the LNY planned and the page-1
recommendation.

    .venv/bin/python benchmarks/run_real.py [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"
FORECAST = Path(sys.executable).with_name("forecast")
FILES = {"hk": ("hk_immd_daily_passengers.csv", "HK"),
         "kaohsiung": ("kaohsiung_metro_daily_ridership.csv", "TW")}


def run(data: Path, scenario: Path | None, country: str, out: Path) -> None:
    """``forecast run`` on ``data`` (``--config scenario`` unless None: the demo's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    config = [] if scenario is None else ["--config", str(scenario)]
    proc = subprocess.run([str(FORECAST), "run", "--data", str(data), "--id-col", "series",
                           *config, "--country", country, "--out", str(out), "--no-html"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(f"  exit {proc.returncode}, {wall:.0f} s wall, {cpu:.0f} s CPU")
    for line in proc.stderr.splitlines():
        if line.startswith(("forecast:", "  note:")):
            print(f"  {line}")
    if proc.returncode == 0:
        decision = pd.read_csv(out / "tables" / "decision.csv").set_index("plan")
        rec = decision.loc["recommended"]
        lny = json.loads((out / "manifest.json").read_text())["settings"].get("lny_year")
        print(f"  planned LNY {lny}" if lny else "  planned the scenario's own LNY")
        print(f"  recommended {rec['programme_workers']:.0f} programme workers, "
              f"P(on time) {rec['p_on_time']:.2f}, P(over budget) {rec['p_over_budget']:.2f}")
        manifest = json.loads((out / "manifest.json").read_text())
        print(f"  steps: {manifest['timings']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=SHARED,
                    help="folder of the real files (default: ../shared/data beside the repo)")
    shared = ap.parse_args().data
    if not all((shared / file).is_file() for file, _ in FILES.values()):
        sys.exit(f"no real files in {shared}: pass --data DIR, the folder holding "
                 + " and ".join(file for file, _ in FILES.values()))
    tmp = Path(tempfile.mkdtemp(prefix="run-real-"))
    env_cache = tmp / "cache"
    os.environ["FORECAST_CACHE_DIR"] = str(env_cache)  # cold: nothing reused
    for name, (file, country) in FILES.items():
        full = shared / file
        print(f"{name}: the full history with default flags (the demo's scenario, LNY 2026; "
              "the next LNY after the history if it runs past that window's start)")
        run(full, None, country, tmp / f"{name}-default")
        print(f"{name}: LNY 2027 from the full history ({file})")
        run(full, HERE / "real_scenarios" / f"{name}_2027.toml", country, tmp / f"{name}-2027")
        cut = tmp / f"{name}-to-2025-12-31.csv"
        df = pd.read_csv(full)
        df[df["ds"] <= "2025-12-31"].to_csv(cut, index=False)
        print(f"{name}: LNY 2026 from the history cut at 2025-12-31")
        run(cut, HERE / "real_scenarios" / f"{name}_2026.toml", country, tmp / f"{name}-2026")


if __name__ == "__main__":
    main()
