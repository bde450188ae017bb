"""Speed, synthetic-truth and demo-acceptance checks of forecast.models.

Usage::

    .venv/bin/python benchmarks/bench_models.py [--reps 5] [--paths 200] [--skip-backtest]

1. Speed, side by side in this one process: ``auto`` (fit with its calibration backtests +
   1,000 paths x 60 days) against the anchor, Prophet with a hand-made LNY window
   -14..+14 (``prophet-window``, fit + 1,000 paths), on 6 years of the demo ``total`` and on
   the full real series of ``../shared/data`` when present. The first, cold call of each
   model (imports, holiday tables, Stan model load) is reported on its own; then ``--reps``
   alternating repetitions give medians of wall and CPU time (CPU includes child processes:
   Stan runs in one) and the median of the per-repetition ratio ``auto / anchor``. The
   statespace fit cache is cleared before every call, so no figure is a warm-cache one.
2. LNY phase effects recovered on the demo data against ``DEMO_TRUTH``.
3. A deep LNY trough (volume at ~40% of normal for a week) with 1, 2 and 5 past LNYs:
   phase effects recovered by ``statespace``.
4. Backtest of every model over 5 LNYs (2021-2025) on the demo ``total``.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import resource
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.backtest import backtest, compare
from forecast.models import MODEL_ALIASES, make_model
from forecast.synthetic import DEMO_TRUTH, generate_demo

from backtest_real import ANCHOR, ANCHOR_OPTIONS, DATA, load, markdown, random_kw  # noqa: E402

#: A deep LNY trough: volume at 35-45% of normal from the eve to the end of the restart.
DEEP_TRUTH = {"gift_surge": 1.10, "cutoff": 0.75, "eve": 0.45, "closure": 0.38, "restart": 0.55}


def cpu_seconds() -> float:
    """User + system CPU time of this process and its (finished) children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def fit_and_draw(alias: str, df: pd.DataFrame, country: str) -> tuple[float, float]:
    """Wall and CPU seconds of fit + 1,000 paths x 60 days."""
    opts = {"country": country, **(ANCHOR_OPTIONS if alias == ANCHOR else {})}
    try:  # statespace fits are cached by content: time a cold fit every time
        from forecast.models.statespace import clear_fit_cache
        clear_fit_cache()
    except ImportError:  # the code before the cache
        pass
    w0, c0 = time.perf_counter(), cpu_seconds()
    m = make_model(alias, **opts)
    has_rng = "rng" in inspect.signature(m.fit).parameters
    m.fit(df, **({"rng": np.random.default_rng(0)} if has_rng else {}))
    m.sample_paths(60, n_paths=1000, **random_kw(m.sample_paths, 1))
    return time.perf_counter() - w0, cpu_seconds() - c0


def speed(series: dict[str, tuple[pd.DataFrame, str]], reps: int) -> None:
    rows = []
    for name, (df, country) in series.items():
        cold = {a: fit_and_draw(a, df, country) for a in ("auto", ANCHOR)}
        runs = {a: [] for a in ("auto", ANCHOR)}
        for _ in range(reps):
            for a in runs:
                runs[a].append(fit_and_draw(a, df, country))
        ratio = statistics.median(x[0] / y[0] for x, y in zip(runs["auto"], runs[ANCHOR]))
        for a in runs:
            rows.append((name, f"{len(df)} d", a, cold[a][0], cold[a][1],
                         statistics.median(r[0] for r in runs[a]),
                         statistics.median(r[1] for r in runs[a]),
                         ratio if a == "auto" else 1.0))
    print(markdown(pd.DataFrame(rows, columns=[
        "series", "history", "model", "cold_wall_s", "cold_cpu_s", "median_wall_s",
        "median_cpu_s", "median_ratio_wall"])))


def deep_trough(years: int, seed: int) -> pd.DataFrame:
    from forecast.models.testing import toy_history

    kw = {"lny_truth": DEEP_TRUTH} if "lny_truth" in inspect.signature(toy_history).parameters else {}
    # history ends 2025-12-31: LNY 2025, 2024, ... lie inside it
    return toy_history(years=years + 0.1, seed=seed, **kw), bool(kw)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--paths", type=int, default=200, help="paths per backtest fold")
    ap.add_argument("--skip-backtest", action="store_true")
    ap.add_argument("--data", type=Path, default=DATA,
                    help="folder of the real files (default: ../shared/data beside the repo)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*(no past LNY backtest fold|seen|yearly).*")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    demo = generate_demo()
    total = demo[demo.unique_id == "total"].reset_index(drop=True)
    six = total[total.ds > total.ds.max() - pd.Timedelta(days=6 * 365)].reset_index(drop=True)
    series = {"demo total, 6 years": (six, "HK")}
    if args.data.is_dir():
        series["HK immigration total"] = (
            load(args.data / "hk_immd_daily_passengers.csv", "total"), "HK")
        series["Kaohsiung metro total"] = (
            load(args.data / "kaohsiung_metro_daily_ridership.csv", "total"), "TW")
    else:
        print(f"(no real files in {args.data}: their rows are left out; pass --data DIR)")

    print(f"\n### fit + 1,000 paths x 60 days: auto vs {ANCHOR} {ANCHOR_OPTIONS}, "
          f"{args.reps} alternating repetitions after one cold call each\n")
    t0 = time.perf_counter()
    speed(series, args.reps)
    print(f"\n(speed section: {time.perf_counter() - t0:.0f} s wall)")

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

    print(f"\n### deep LNY trough {DEEP_TRUTH}: statespace phase effects, 1 / 2 / 5 past LNYs, "
          "5 seeds (median and max |relative error| over seeds)\n")
    rows = []
    for years in (1, 2, 5):
        errs = []
        for seed in range(5):
            df, deep = deep_trough(years, seed)
            if not deep:
                print("(toy_history has no lny_truth option: skipped)")
                break
            try:
                e = make_model("statespace", calibrate=False).fit(df).lny_effects_
            except ValueError as exc:
                print(f"- {years} LNY(s), seed {seed}: refused: {exc}")
                continue
            errs.append({r.phase: r.multiplier / DEEP_TRUTH[r.phase] - 1 for r in e.itertuples()})
        if errs:
            err = pd.DataFrame(errs)
            for phase in DEEP_TRUTH:
                rows.append((years, phase, DEEP_TRUTH[phase], float(err[phase].median()),
                             float(err[phase].abs().max())))
    if rows:
        print(markdown(pd.DataFrame(rows, columns=["past_lny", "phase", "truth",
                                                   "median_rel_error", "max_abs_rel_error"])))

    if not args.skip_backtest:
        models = [m for m in MODEL_ALIASES]
        t0 = time.perf_counter()
        res = backtest(total, models, lny_years=range(2021, 2026), n_paths=args.paths,
                       **random_kw(backtest, 0))
        wall = time.perf_counter() - t0
        print(f"\n### backtest, demo `total`, LNY 2021-2025, every model, {args.paths} paths: "
              f"{wall:.1f} s\n")
        print(markdown(compare(res)))


if __name__ == "__main__":
    main()
