"""Wall time of the main job, `forecast run`, on the embedded demo data.

Target (issue 5): at most 4 minutes on a 2-core machine, HTML exports included.

    .venv/bin/python benchmarks/bench_run.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORECAST = Path(sys.executable).with_name("forecast")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}")
    for k in range(args.repeat):
        out = Path(tempfile.mkdtemp(prefix="bench-run-"))
        t0 = time.perf_counter()
        subprocess.run([str(FORECAST), "run", "--out", str(out), "--quiet"], check=True)
        wall = time.perf_counter() - t0
        steps = json.loads((out / "manifest.json").read_text())["timings"]
        print(f"run {k + 1}: forecast run (defaults, cold cache): {wall:.1f} s wall")
        for name, seconds in steps.items():
            print(f"  {name:32s} {seconds:7.1f} s")
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
