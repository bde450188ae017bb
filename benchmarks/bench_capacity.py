"""Benchmark the capacity kernel, a discrete-event reference, and the planning calls.

Run from the repository root::

    .venv/bin/python benchmarks/bench_capacity.py            # full (about 30 s)
    .venv/bin/python benchmarks/bench_capacity.py --quick    # smaller, for a smoke test
    .venv/bin/python benchmarks/bench_capacity.py --model statespace  # planning on a real model

Prints markdown tables (the capacity section of benchmarks/RESULTS.md). All timings are
best-of-N wall clock in this one process; ratios divide by one ``np.cumsum(x, axis=1)``
pass over the same (n_paths, n_days) float64 array.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import simpy

from forecast.capacity import late_volume
from forecast.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def markdown(frame: pd.DataFrame, index: bool = False) -> str:
    """A GitHub markdown table (pandas' to_markdown needs tabulate, not a dependency)."""
    frame = frame.reset_index() if index else frame

    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def naive_closed_form(a, c, due):
    """The closed form on whole arrays: numpy scans along axis 1, no blocking."""
    cum = np.cumsum(a, axis=1)
    x = np.cumsum(a - c, axis=1)
    back = x - np.minimum(np.minimum.accumulate(x, axis=1), 0.0)
    served = cum - back
    n = a.shape[1]
    late = np.clip(np.minimum(a, cum - served[:, np.minimum(due, n - 1)]), 0.0, None)
    late[:, due >= n] = 0.0
    return late


def simpy_late(arrivals, capacity, due):
    """Discrete-event FIFO of one path: cohorts queue in a Store, a server works each day."""
    env = simpy.Environment()
    store = simpy.Store(env)
    n = len(arrivals)
    late = np.zeros(n)
    head = []  # partly processed cohort taken from the store: [day, remaining]

    def source():
        for day in range(n):
            if arrivals[day] > 0:
                yield store.put([day, float(arrivals[day])])
            yield env.timeout(1)

    def server():
        yield env.timeout(0.5)  # work after the day's arrivals
        for day in range(n):
            budget = float(capacity[day])
            while budget > 0 and (head or store.items):
                if not head:
                    head.append((yield store.get()))
                cohort = head[0]
                take = min(budget, cohort[1])
                cohort[1] -= take
                budget -= take
                if day > due[cohort[0]]:
                    late[cohort[0]] += take
                if cohort[1] <= 0:
                    head.clear()
            yield env.timeout(1)

    env.process(source())
    env.process(server())
    env.run()
    for day, remaining in head + list(store.items):
        if due[day] < n:
            late[day] += remaining
    return late


def kernel_table(n_paths, n_days, repeat):
    rng = np.random.default_rng(0)
    a = rng.gamma(20.0, 150_000 / 20, size=(n_paths, n_days))
    c_shared = np.full(n_days, 150_000.0)
    c_path = rng.gamma(50.0, 150_000 / 50, size=(n_paths, n_days))
    due = np.arange(n_days) + 3 + (np.arange(n_days) % 7 == 5)
    out = np.empty_like(a)
    rows = []
    base, base_med = best_of(lambda: np.cumsum(a, axis=1, out=out), repeat)
    rows.append(("np.cumsum(x, axis=1, out=buf) (baseline)", base, base_med))
    rows.append(("np.cumsum(x, axis=1) (allocates)",
                 *best_of(lambda: np.cumsum(a, axis=1), repeat)))
    rows.append(("late_volume, shared capacity, out=buf",
                 *best_of(lambda: late_volume(a, c_shared, due, out=out), repeat)))
    rows.append(("late_volume, shared capacity (allocates)",
                 *best_of(lambda: late_volume(a, c_shared, due), repeat)))
    rows.append(("late_volume, per-path capacity, out=buf",
                 *best_of(lambda: late_volume(a, c_path, due, out=out), repeat)))
    rows.append(("naive numpy closed form (whole arrays)",
                 *best_of(lambda: naive_closed_form(a, c_path, due), max(1, repeat // 2))))
    k = 20
    t_des, _ = best_of(lambda: [simpy_late(a[p], c_path[p], due) for p in range(k)], 1)
    per_path = t_des / k
    rows.append((f"SimPy discrete-event ({k} paths, extrapolated)", per_path * n_paths, np.nan))
    fast = late_volume(a[:k], c_path[:k], due)
    des = np.stack([simpy_late(a[p], c_path[p], due) for p in range(k)])
    naive = naive_closed_form(a[:500], c_path[:500], due)
    agree_des = float(np.max(np.abs(fast - des)))
    agree_naive = float(np.max(np.abs(late_volume(a[:500], c_path[:500], due) - naive)))
    frame = pd.DataFrame(rows, columns=["method", "best_s", "median_s"])
    frame["ratio_to_cumsum"] = frame["best_s"] / base
    return frame, agree_des, agree_naive


def memory_check(n_paths, n_days):
    """Peak extra memory of one call (tracemalloc), then untraced timings vs cumsum."""
    a = np.random.default_rng(1).gamma(20.0, 7_500.0, size=(n_paths, n_days))
    out = np.zeros_like(a)
    cap, due = np.full(n_days, 150_000.0), np.arange(n_days) + 3
    tracemalloc.start()
    late_volume(a, cap, due, out=out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seconds, _ = best_of(lambda: late_volume(a, cap, due, out=out), 3)
    base, _ = best_of(lambda: np.cumsum(a, axis=1, out=out), 3)
    return seconds, base, peak / 2**20, a.nbytes / 2**20


def real_series_check():
    """Kernel vs SimPy on real LNY windows (HK immigration passengers as 'arrivals')."""
    path = SHARED / "hk_immd_daily_passengers.csv"
    if not path.exists():
        return None
    df = pd.read_csv(path, parse_dates=["ds"])
    y = df[df["series"] == df["series"].iloc[0]].set_index("ds")["y"]
    from forecast.calendar import lunar_new_year, promise_deadlines

    rows = []
    for year in (2024, 2025, 2026):
        lny = pd.Timestamp(lunar_new_year(year))
        dates = pd.date_range(lny - pd.Timedelta(days=28), lny + pd.Timedelta(days=18))
        if dates[-1] > y.index[-1]:
            continue
        a = y.reindex(dates).to_numpy()[None, :]
        cap = np.full(len(dates), 0.98 * np.median(a))  # a tight network
        cap[28:31] = 0.0  # LNY days 1-3 shut
        due = (promise_deadlines(dates, 3, "HK") - dates[0]).days.to_numpy()
        fast = late_volume(a, cap, due)[0]
        des = simpy_late(a[0], cap, due)
        rows.append({"lny": lny.date(), "late_share": fast.sum() / a[0][due < len(dates)].sum(),
                     "max_abs_diff_vs_simpy": float(np.max(np.abs(fast - des)))})
    return pd.DataFrame(rows)


def planning_table(n_paths, model):
    from forecast.data import load_history
    from forecast.models import make_model
    from forecast.planning import cost_optimal_headcount, required_headcount, tradeoff_curve
    from forecast.sensitivity import compare_scenarios, tornado
    from forecast.simulation import Simulator, simulate

    s = Scenario.from_toml(ROOT / "data" / "scenario.toml")
    hist = load_history(ROOT / "data" / "demo_parcels.csv")
    hist = hist[(hist["unique_id"] == "total") & (hist["ds"] >= "2019-01-01")]
    h = (pd.Timestamp(s.window.end) - hist["ds"].max()).days
    t0 = time.perf_counter()
    paths = (make_model(model).fit(hist, rng=np.random.default_rng(0))
             .sample_paths(h, n_paths=n_paths, rng=np.random.default_rng(1)))
    rows = [(f"{model}: fit 2019-2025 + sample paths", time.perf_counter() - t0, "")]
    sim = Simulator(paths, s, rng=np.random.default_rng(2))
    timed = [
        ("simulate", lambda: simulate(paths, s, rng=np.random.default_rng(2))),
        ("Simulator (draws shared by every headcount)",
         lambda: Simulator(paths, s, rng=np.random.default_rng(2))),
        ("required_headcount(target=0.95, alpha=0.9)", lambda: required_headcount(sim)),
        ("cost_optimal_headcount", lambda: cost_optimal_headcount(sim)),
        ("tradeoff_curve (21 headcounts)", lambda: len(tradeoff_curve(sim))),
        ("compare_scenarios",
         lambda: len(compare_scenarios(paths, s, optimised=s.programme.workers,
                                       rng=np.random.default_rng(3)))),
        ("tornado", lambda: len(tornado(paths, s, rng=np.random.default_rng(3)))),
    ]
    for name, fn in timed:
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        if name == "simulate":
            res, note = result, f"P(over budget) = {result.prob_over_budget:.3f}"
        else:
            note = f"{result} workers" if name.startswith(("required", "cost_optimal")) else ""
        rows.append((name, seconds, note))
    return pd.DataFrame(rows, columns=["call", "seconds", "result"]), res, s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model", default="lunar-naive",
                        help="demand model alias for the planning table (e.g. statespace)")
    args = parser.parse_args()
    n_paths, repeat = (20_000, 3) if args.quick else (100_000, 7)
    flags = (" --quick" if args.quick else "") + (
        f" --model {args.model}" if args.model != "lunar-naive" else "")
    print(f"# Capacity benchmarks\n\nCommand: `.venv/bin/python benchmarks/bench_capacity.py"
          f"{flags}`  \nMachine: {platform.machine()}, "
          f"Python {platform.python_version()}, numpy {np.__version__}\n")
    frame, agree_des, agree_naive = kernel_table(n_paths, 90, repeat)
    print(f"## Kernel: {n_paths:,} paths x 90 days, float64\n")
    print(markdown(frame))
    print(f"\nmax |late_volume - SimPy| over 20 paths: {agree_des:.3g} parcels; "
          f"max |late_volume - naive closed form| over 500 paths: {agree_naive:.3g}\n")
    m_paths = 200_000 if args.quick else 1_000_000
    seconds, base, peak, input_mb = memory_check(m_paths, 90)
    print(f"## Memory at {m_paths:,} paths x 90 days (out= preallocated)\n\n"
          f"Peak extra memory traced during the call: {peak:.1f} MiB (input array "
          f"{input_mb:.0f} MiB). Time {seconds:.3f} s vs np.cumsum {base:.3f} s "
          f"(ratio {seconds / base:.2f}), best of 3.\n")
    real = real_series_check()
    if real is not None:
        print("## Real series: HK immigration daily passengers as arrivals, LNY +-4 weeks\n")
        print("Capacity 0.98 x window median, zero on LNY days 1-3, promise 3 HK working days.\n")
        print(markdown(real), "\n")
    n_plan = 200 if args.quick else 1000
    table, res, s = planning_table(n_plan, args.model)
    print(f"## Planning calls on the demo network ({n_plan} {args.model} paths, "
          f"data/scenario.toml, window {s.window.start} .. {s.window.end})\n")
    print(markdown(table), "\n")
    print("### simulate summary_frame (HK$ and parcels)\n")
    print(markdown(res.summary_frame(), index=True))


if __name__ == "__main__":
    main()
