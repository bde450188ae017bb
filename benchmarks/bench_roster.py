"""Per-day roster vs the flat programme on the demo data: expected cost and run time.

The plan's own constraints (service target and confidence, budget risk, tail limit) on
the plan's simulator (same demand paths and supply draws); the flat recommendation is
the plan's, passed in so that the timing is the roster search's alone.

    .venv/bin/python benchmarks/bench_roster.py [--n-paths 1000] [--by phase day]
        [--budget-risk 0.25]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from forecast.plan import PlanConfig, plan_from_files
from forecast.decision import recommend
from forecast.roster import optimise_roster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-paths", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--by", nargs="+", default=["phase", "day"], choices=["phase", "day"])
    ap.add_argument("--max-evaluations", type=int, default=1000)
    ap.add_argument("--budget-risk", type=float, default=None,
                    help="plan with this budget risk instead of the config's (the flat "
                         "recommendation is then recomputed)")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}")
    config = PlanConfig(model="lunar-naive", n_paths=args.n_paths, backtest_lny=0,
                        seed=args.seed)
    run = plan_from_files(config)
    sim = run.simulator()
    risk = config.budget_risk if args.budget_risk is None else args.budget_risk
    options = {"target": config.target, "alpha": config.alpha, "budget_risk": risk,
               "tail_limit": config.tail_limit or None}
    wall, cpu = time.perf_counter(), time.process_time()
    rec = run.recommendation if args.budget_risk is None else recommend(sim, **options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"plan: lunar-naive, {args.n_paths} paths, seed {args.seed}; constraints {options}")
    print(f"flat recommendation: {rec.workers} workers ({rec.binding}, feasible="
          f"{rec.feasible}){'' if args.budget_risk is None else f', {wall:.1f} s wall'}")
    best_flat = sim.metrics(rec.cost_optimal_workers)["total_cost"].mean()
    print(f"(unconstrained least-cost flat programme: {rec.cost_optimal_workers} workers, "
          f"expected cost HK${best_flat:,.0f})")
    for by in args.by:
        wall, cpu = time.perf_counter(), time.process_time()
        roster = optimise_roster(sim, **options, by=by, flat_workers=rec.workers,
                                 max_evaluations=args.max_evaluations)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        s = roster.summary
        print(f"\nby={by}: {roster.evaluations} evaluations, {wall:.1f} s wall, {cpu:.1f} s "
              f"CPU, converged={roster.converged}, binding={roster.binding}, "
              f"feasible={roster.feasible} (flat: {roster.flat_feasible})")
        print(s.T.to_string(float_format=lambda v: f"{v:,.4g}"))
        print(f"expected cost: roster HK${s.loc['roster', 'expected_cost']:,.0f} vs flat "
              f"HK${s.loc['flat', 'expected_cost']:,.0f} (saving HK${roster.saving:,.0f}, "
              f"{roster.saving / s.loc['flat', 'expected_cost']:.1%})")
        table = roster.days.groupby("phase", sort=False)["workers"].agg(["size", "min", "max"])
        print(table.rename(columns={"size": "days"}).to_string())


if __name__ == "__main__":
    main()
