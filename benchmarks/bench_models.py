"""Speed and synthetic-truth checks of forecast.models (issue 3 acceptance numbers).

Usage::

    .venv/bin/python benchmarks/bench_models.py [--paths 200] [--skip-backtest]

1. Fit + 1,000 paths x 60 days on one series of 4 years daily (the demo ``total``),
   for ``statespace``, ``prophet`` and ``auto`` (calibration included, as by default).
2. LNY phase effects recovered on the demo data against ``DEMO_TRUTH``.
3. Backtest of every model over 5 LNYs (2021-2025) on the demo ``total``: comparison
   table and wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pandas as pd

from forecast.backtest import backtest, compare
from forecast.models import MODEL_ALIASES, make_model
from forecast.synthetic import DEMO_TRUTH, generate_demo

from backtest_real import markdown  # noqa: E402  (same folder)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=200, help="paths per backtest fold")
    ap.add_argument("--skip-backtest", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    demo = generate_demo()
    total = demo[demo.unique_id == "total"].reset_index(drop=True)
    four = total[total.ds > total.ds.max() - pd.Timedelta(days=4 * 365)]

    print("\n### fit + 1,000 paths x 60 days, one series, 4 years daily\n")
    rows = []
    for alias in ("statespace", "prophet", "auto", "lunar-naive"):
        make_model(alias).fit(four)  # warm-up: imports, Stan model load
        m, t_fit = timed(lambda: make_model(alias).fit(four))
        _, t_paths = timed(lambda: m.sample_paths(60, n_paths=1000, seed=0))
        rows.append((alias, t_fit, t_paths, t_fit + t_paths))
    print(markdown(pd.DataFrame(rows, columns=["model", "fit_s", "paths_s", "total_s"])))

    print("\n### LNY phase effects on the demo data (all series, 2016-2025)\n")
    truth = DEMO_TRUTH["lny_phases"]
    rows = []
    for alias in ("statespace", "prophet"):
        eff = make_model(alias, calibrate=False).fit(demo).lny_effects_
        for r in eff.itertuples():
            rows.append((alias, r.unique_id, r.phase, truth[r.phase], r.multiplier,
                         r.multiplier / truth[r.phase] - 1))
    eff = pd.DataFrame(rows, columns=["model", "unique_id", "phase", "truth", "estimate", "rel_error"])
    print(markdown(eff[eff.unique_id == "total"]))
    print("\nmax |relative error| over every series and phase:\n")
    print(markdown(eff.assign(abs_err=eff.rel_error.abs()).groupby("model", as_index=False).abs_err.max()))

    if not args.skip_backtest:
        res, wall = timed(lambda: backtest(total, list(MODEL_ALIASES), lny_years=range(2021, 2026),
                                           n_paths=args.paths, seed=0))
        print(f"\n### backtest, demo `total`, LNY 2021-2025, every model, {args.paths} paths: "
              f"{wall:.1f} s\n")
        print(markdown(compare(res)))


if __name__ == "__main__":
    main()
