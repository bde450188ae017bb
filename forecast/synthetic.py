"""Synthetic demo data: daily parcel volumes of a Hong Kong delivery network.

The generator is the documented ground truth behind ``data/demo_parcels.csv``: every
effect below is in :data:`DEMO_TRUTH`, so tests can check that models recover it.

Expected volume of hub ``h`` on day ``t``::

    mu[h, t] = share[h] * level(t) * weekly[dow(t)] * peak(t) * lny(t) * typhoon(t)
               * exp(common_ar[t] + hub_ar[h, t])

- ``level(t)``: ``level_start`` growing by ``growth_per_year`` (log-linear), times each
  ``level_shifts`` factor from its date on.
- ``weekly``: day-of-week factors (Monday first).
- ``peak(t)``: e-commerce festivals (6.18, 11.11, 12.12): parcels arrive over the days after
  the shopping day, ``peaks[name][k]`` on day ``k`` after it.
- ``lny(t)``: the multiplier of the LNY phase (``forecast.calendar.DEFAULT_LNY_PHASES``)
  that day falls in, 1 outside the phases.
- ``typhoon(t)``: on a closure day (signal no. 8) volume drops to ``typhoon_closure``; the
  next day carries ``typhoon_catch_up``. Closure days are drawn once per seed
  (:func:`demo_events`).
- ``common_ar`` and ``hub_ar``: stationary AR(1) processes on the log scale (network-wide
  and per hub).

Counts are gamma-Poisson (negative binomial) around ``mu`` with shape ``nb_shape``
(variance ``mu + mu**2 / nb_shape``). The ``total`` series is the exact sum of the hubs.

Run ``python -m forecast.synthetic data/demo_parcels.csv`` to regenerate the file; it is
byte-for-byte reproducible for a given seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, lny_phase_frame

__all__ = ["DEMO_SEED", "DEMO_TRUTH", "generate_demo", "demo_events", "write_demo"]

DEMO_SEED = 20260124

#: Ground truth of the demo data set. Multipliers are relative to an ordinary day.
DEMO_TRUTH: dict = {
    "start": "2016-01-01",
    "end": "2025-12-31",
    "hubs": {  # share of network volume
        "kwai-chung": 0.34,
        "kowloon-bay": 0.26,
        "tsing-yi": 0.22,
        "chek-lap-kok": 0.18,
    },
    "level_start": 60_000.0,  # mean parcels/day on 2016-01-01 (whole network)
    "growth_per_year": 0.08,
    "level_shifts": {"2020-02-01": 1.15},  # e-commerce jump in early 2020
    "weekly": (1.12, 1.06, 1.03, 1.01, 1.04, 0.95, 0.79),  # Mon..Sun, mean 1.0
    "peaks": {  # month, day, multipliers on day 0, 1, 2, ... after the shopping day
        "6.18": (6, 18, (1.05, 1.30, 1.30, 1.20, 1.10)),
        "11.11": (11, 11, (1.10, 1.60, 1.70, 1.50, 1.30, 1.15, 1.05)),
        "12.12": (12, 12, (1.05, 1.25, 1.25, 1.15, 1.05)),
    },
    "lny_phases": {
        "gift_surge": 1.25,
        "cutoff": 0.80,
        "eve": 0.55,
        "closure": 0.30,
        "restart": 1.15,
    },
    "typhoons_per_year": 1.2,  # closure days, July to October
    "typhoon_closure": 0.15,
    "typhoon_catch_up": 1.40,
    "ar_phi": 0.5,  # AR(1) coefficient of the log noise, common and per hub
    "ar_sigma_common": 0.05,  # stationary sd of the common log noise
    "ar_sigma_hub": 0.03,  # stationary sd of each hub's own log noise
    "nb_shape": 400.0,
}


def demo_events(*, seed: int = DEMO_SEED, truth: dict = DEMO_TRUTH) -> pd.DataFrame:
    """Typhoon closure days of the demo data (``ds``, ``event``)."""
    events_rng, _ = np.random.default_rng(seed).spawn(2)
    years = range(pd.Timestamp(truth["start"]).year, pd.Timestamp(truth["end"]).year + 1)
    days = []
    for year in years:
        season = pd.date_range(f"{year}-07-01", f"{year}-10-31")
        n = events_rng.poisson(truth["typhoons_per_year"])
        days.extend(events_rng.choice(season, size=min(n, 3), replace=False))
    ds = pd.DatetimeIndex(sorted(set(days)))
    return pd.DataFrame({"ds": ds, "event": "typhoon_closure"})


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float):
    """Stationary AR(1) along the last axis, with marginal standard deviation ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=shape)
    out = np.empty(shape)
    out[:, 0] = rng.normal(0.0, sd, size=shape[0])
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + eps[:, t]
    return out


def _expected_network(ds: pd.DatetimeIndex, truth: dict, events: pd.DataFrame) -> np.ndarray:
    """Expected whole-network volume per day, before noise."""
    years = (ds - pd.Timestamp(truth["start"])).days.to_numpy() / 365.25
    mu = truth["level_start"] * np.exp(np.log1p(truth["growth_per_year"]) * years)
    for date, factor in truth["level_shifts"].items():
        mu = mu * np.where(ds >= pd.Timestamp(date), factor, 1.0)
    mu = mu * np.asarray(truth["weekly"])[ds.day_of_week]
    for month, day, profile in truth["peaks"].values():
        for year in sorted(set(ds.year)):
            start = pd.Timestamp(year=year, month=month, day=day)
            for k, factor in enumerate(profile):
                mu = mu * np.where(ds == start + pd.Timedelta(days=k), factor, 1.0)
    phases = lny_phase_frame(ds, DEFAULT_LNY_PHASES)
    for name, factor in truth["lny_phases"].items():
        mu = mu * np.where(phases[name].to_numpy() == 1, factor, 1.0)
    closure = ds.isin(events["ds"])
    after = ds.isin(events["ds"] + pd.Timedelta(days=1))
    mu = mu * np.where(closure, truth["typhoon_closure"], 1.0)
    return mu * np.where(after & ~closure, truth["typhoon_catch_up"], 1.0)


def generate_demo(*, seed: int = DEMO_SEED, truth: dict = DEMO_TRUTH) -> pd.DataFrame:
    """Generate the demo network's daily parcel volumes.

    Parameters
    ----------
    seed : int
        Seed of the generator; the committed file uses :data:`DEMO_SEED`.
    truth : dict
        The ground truth (see :data:`DEMO_TRUTH` and the module docstring).

    Returns
    -------
    pandas.DataFrame
        Tidy ``unique_id, ds, y``: one series per hub plus ``total`` (their sum).

    Examples
    --------
    >>> df = generate_demo()
    >>> sorted(df["unique_id"].unique())
    ['chek-lap-kok', 'kowloon-bay', 'kwai-chung', 'total', 'tsing-yi']
    >>> int((df["unique_id"] == "total").sum())
    3653
    """
    ds = pd.date_range(truth["start"], truth["end"], freq="D")
    _, noise_rng = np.random.default_rng(seed).spawn(2)
    events = demo_events(seed=seed, truth=truth)
    network = _expected_network(ds, truth, events)
    hubs = list(truth["hubs"])
    share = np.array([truth["hubs"][h] for h in hubs])[:, None]
    phi = truth["ar_phi"]
    common = _ar1(noise_rng, (1, len(ds)), phi, truth["ar_sigma_common"])
    own = _ar1(noise_rng, (len(hubs), len(ds)), phi, truth["ar_sigma_hub"])
    mu = share * network * np.exp(common + own)
    k = truth["nb_shape"]
    counts = noise_rng.poisson(noise_rng.gamma(k, mu / k)).astype(np.float64)
    ids = hubs + ["total"]
    values = np.vstack([counts, counts.sum(axis=0, keepdims=True)])
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, len(ds)),
            "ds": np.tile(ds.values, len(ids)),
            "y": values.ravel(),
        }
    )


def write_demo(path: str | Path, *, seed: int = DEMO_SEED) -> Path:
    """Write the demo data set as CSV (``unique_id,ds,y``, integer volumes)."""
    df = generate_demo(seed=seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.assign(ds=df["ds"].dt.strftime("%Y-%m-%d"), y=df["y"].astype(np.int64))
    text.to_csv(path, index=False, lineterminator="\n")
    return path


if __name__ == "__main__":  # pragma: no cover - exercised by `make data`
    target = sys.argv[1] if len(sys.argv) > 1 else "data/demo_parcels.csv"
    print(write_demo(target))
