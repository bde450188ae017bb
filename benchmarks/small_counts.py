"""Do small counts keep their mean? Path mean / true mean on Poisson histories (issue 10).

For each daily rate (0.3 and 3 parcels a day) and history (13 months, 3 years, both ending
2025-01-05, so the 56 forecast days hold LNY 2025), six seeds of a Poisson history with no
pattern are fitted with ``statespace`` and 1,000 paths drawn. Printed per case: the ratio of
the path mean to the true rate for each seed, their mean, and the mean share of path-days
>= 1 against the true P(y >= 1).

    .venv/bin/python benchmarks/small_counts.py        # ~20 s
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from forecast.models import make_model


def main() -> None:
    warnings.simplefilter("ignore")  # short-history notes: expected here
    t0 = time.perf_counter()
    print("| rate | history | path mean / rate, per seed | mean | P(path-day >= 1) | true |")
    print("|---|---|---|---|---|---|")
    for rate in (0.3, 3.0):
        for label, start in (("13 months", "2023-12-01"), ("3 years", "2022-01-01")):
            ratios, reach = [], []
            for seed in range(6):
                ds = pd.date_range(start, "2025-01-05")
                y = np.random.default_rng(seed).poisson(rate, len(ds)).astype(float)
                df = pd.DataFrame({"unique_id": "depot", "ds": ds, "y": y})
                model = make_model("statespace").fit(df, rng=np.random.default_rng(1))
                p = model.sample_paths(56, n_paths=1000, rng=np.random.default_rng(2))
                ratios.append(p.y.mean() / rate)
                reach.append((p.y >= 1).mean())
            print(f"| {rate} | {label} | {', '.join(f'{r:.2f}' for r in ratios)} | "
                  f"{np.mean(ratios):.3f} | {np.mean(reach):.3f} | {1 - np.exp(-rate):.3f} |")
    print(f"\n{time.perf_counter() - t0:.0f} s wall")


if __name__ == "__main__":
    main()
