"""Network planning throughput: hubs per minute in one process and on 1 and 2 Dask workers,
and ``forecast run --network`` on a 24-hub file with ``--workers 1`` vs ``--workers 2``.

Hubs are synthesised from the demo hubs (seeded): hub ``k`` is demo hub ``k mod 4`` scaled
by a lognormal level (sd 0.4) with lognormal day noise (sd 0.05); the file also holds the
network ``total`` (their sum) that the single-series pages plan.

    .venv/bin/python benchmarks/bench_network.py --hubs 100 --model lunar-naive
    .venv/bin/python benchmarks/bench_network.py --hubs 24 --cli   # the forecast run ratio

Wall is elapsed time; CPU is user + system of this process and every Dask worker process.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from forecast.config import PlanConfig
from forecast.data import DEMO_PATH, load_history
from forecast.cluster import dask_client
from forecast.distributed import run_network
from forecast.network_scenario import NetworkScenario

ROOT = Path(__file__).resolve().parents[1]


def synthetic_network(n_hubs: int, *, seed: int = 0) -> pd.DataFrame:
    """``n_hubs`` hubs scaled and perturbed from the demo hubs, plus their ``total``."""
    demo = load_history(DEMO_PATH)
    demo = demo[demo["unique_id"] != "total"]
    bases = [g for _, g in demo.groupby("unique_id")]
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_hubs):
        g = bases[k % len(bases)]
        y = g["y"].to_numpy() * rng.lognormal(0, 0.4) * rng.lognormal(0, 0.05, len(g))
        frames.append(pd.DataFrame({"unique_id": f"hub-{k:04d}", "ds": g["ds"].to_numpy(),
                                    "y": np.round(y)}))
    hubs = pd.concat(frames, ignore_index=True)
    total = hubs.groupby("ds", as_index=False)["y"].sum().assign(unique_id="total")
    return pd.concat([hubs, total[["unique_id", "ds", "y"]]], ignore_index=True)


def _cpu(procs) -> float:
    out = 0.0
    for p in procs:
        with_children = [p, *p.children(recursive=True)]
        for q in with_children:
            try:
                t = q.cpu_times()
                out += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return out


def bench_hubs(n_hubs: int, model: str, n_paths: int) -> list[dict]:
    history = synthetic_network(n_hubs)
    network = NetworkScenario.from_toml(DEMO_PATH.parent / "scenario.toml")
    config = PlanConfig(model=model, n_paths=n_paths, backtest_lny=0)
    rows, tables = [], {}
    for workers in (None, 1, 2):
        with dask_client(workers=workers) as client:
            me = psutil.Process()
            c0, t0 = _cpu([me]), time.perf_counter()
            run = run_network(history, network, config, client=client)
            wall, cpu = time.perf_counter() - t0, _cpu([me]) - c0
        tables[workers] = run.hub_table()
        label = "in process" if workers is None else f"{workers} Dask worker(s)"
        rows.append({"hubs": n_hubs, "model": model, "paths": n_paths, "run": label,
                     "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                     "hubs_per_min": round(60 * n_hubs / wall, 1),
                     "identical": tables[workers].equals(tables[None])})
    return rows


def bench_cli(n_hubs: int, model: str, n_paths: int) -> list[dict]:
    rows, hubs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "hubs.csv"
        synthetic_network(n_hubs).to_csv(data, index=False)
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            cmd = [str(Path(sys.executable).with_name("forecast")), "run", "--data", str(data),
                   "--model", model, "--paths", str(n_paths), "--backtest-lny", "0",
                   "--no-html", "--quiet", "--network", "--workers", str(workers),
                   "--out", str(out)]
            # a cold cache per run: nothing computed by the other run is reused
            env = {**os.environ, "FORECAST_CACHE_DIR": str(Path(tmp) / f"cache{workers}")}
            t0, c0 = time.perf_counter(), os.times()
            subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, env=env)
            wall, c1 = time.perf_counter() - t0, os.times()
            hubs[workers] = pd.read_csv(out / "tables" / "hubs.csv")
            manifest = (out / "manifest.json").read_text()
            network_s = float(manifest.split('"network":')[1].split(",")[0].strip(" }\n"))
            rows.append({"hubs": n_hubs, "model": model, "paths": n_paths,
                         "run": f"forecast run --workers {workers}", "wall_s": round(wall, 1),
                         "cpu_s": round(c1.children_user + c1.children_system
                                        - c0.children_user - c0.children_system, 1),
                         "network_step_s": network_s,
                         "identical": hubs[workers].equals(hubs[1])})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hubs", type=int, default=100)
    p.add_argument("--model", default="lunar-naive")
    p.add_argument("--paths", type=int, default=200)
    p.add_argument("--cli", action="store_true", help="time forecast run --network instead")
    args = p.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"Python {platform.python_version()}")
    rows = (bench_cli if args.cli else bench_hubs)(args.hubs, args.model, args.paths)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
