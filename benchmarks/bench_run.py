"""Wall and CPU time of the main job, `forecast run`, on the embedded demo data.

Each run starts from a cold cache (a new, empty ``FORECAST_CACHE_DIR``) and publishes into
a new folder. With ``--vs OTHER`` (another installation's ``forecast`` executable, e.g. an
older checkout's ``.venv/bin/forecast``) the two are run in turn, A B A B ..., with the
same options, and the ratio A/B is reported pair by pair, so that a comparison holds when
the machine's speed drifts.

    .venv/bin/python benchmarks/bench_run.py [--repeat 3] [--vs /old/.venv/bin/forecast]
        [-- extra forecast run options, e.g. --paths 1000 --backtest-lny 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORECAST = Path(sys.executable).with_name("forecast")


def run_once(executable: str, options: list[str]) -> tuple[float, float, dict]:
    """(wall s, CPU s of the child processes, manifest timings) of one cold run."""
    out = Path(tempfile.mkdtemp(prefix="bench-run-")) / "out"
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([executable, "run", "--out", str(out), "--quiet", *options], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    steps = json.loads((out / "manifest.json").read_text()).get("timings", {})
    shutil.rmtree(out.parent)
    shutil.rmtree(cache)
    return wall, cpu, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--vs", help="another forecast executable to run in turn (B)")
    ap.add_argument("options", nargs="*", help="forecast run options for both")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}; options: {' '.join(args.options) or '(defaults)'}")
    a, b = [], []
    for k in range(args.repeat):
        a.append(run_once(str(FORECAST), args.options))
        print(f"A run {k + 1}: {a[-1][0]:.1f} s wall, {a[-1][1]:.1f} s CPU", flush=True)
        if args.vs:
            b.append(run_once(args.vs, args.options))
            print(f"B run {k + 1}: {b[-1][0]:.1f} s wall, {b[-1][1]:.1f} s CPU "
                  f"(A/B wall {a[-1][0] / b[-1][0]:.2f})", flush=True)
    for label, runs in (("A " + str(FORECAST), a), ("B " + str(args.vs), b)):
        if runs:
            print(f"{label}: median {statistics.median(r[0] for r in runs):.1f} s wall, "
                  f"{statistics.median(r[1] for r in runs):.1f} s CPU over {len(runs)} runs")
    if b:
        ratios = [x[0] / y[0] for x, y in zip(a, b)]
        print(f"A/B wall ratio: median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
    print("steps of the last A run (manifest timings, s):")
    for name, seconds in a[-1][2].items():
        print(f"  {name:32s} {seconds:7.1f}")


if __name__ == "__main__":
    main()
