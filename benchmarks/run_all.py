"""Run every benchmark in turn (`make bench`); results belong in benchmarks/RESULTS.md.

The real-data backtest needs ../shared/data (not part of the repository) and is skipped
when it is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"

JOBS = [["bench_capacity.py"], ["bench_models.py"], ["bench_run.py"], ["backtest_power.py"]]
if SHARED.is_dir():
    JOBS.append(["backtest_real.py"])
else:
    print(f"skipping backtest_real.py: {SHARED} not found", file=sys.stderr)

for job in JOBS:
    print(f"\n=== {' '.join(job)} ===", flush=True)
    subprocess.run([sys.executable, str(HERE / job[0]), *job[1:]], check=True)
