"""Joint residual dynamics: a statsmodels local level + AR(1) on log-scale residuals.

The regression models (``statespace``, ``prophet``) leave a residual series on the log
scale. Its dynamics are a local level + AR(1) (``statsmodels``'
``UnobservedComponents(level="rwalk", autoregressive=1)``, fitted by
:mod:`forecast.models.kalman`):
a random-walk level (level drift, shared across the horizon within a path) plus AR(1)
day-to-day deviations, started from the filtered state at the last observation. The
uncertainty of the LNY effects is drawn by :mod:`forecast.models.lny_uncertainty`.

Every draw takes either an ``rng`` (independent paths per series) or ``shared`` draws
(:class:`forecast.models.joint.SharedDraws`: the same innovation dates and standard
normals for every series, see :mod:`forecast.models.joint`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecast.models._core import (
    ar1_filter, clip_outliers, robust_scale, simulate_ar1, simulate_random_walk,
)
from forecast.models.joint import SharedDraws, resample_by_date
from forecast.models.kalman import SHIFT_SD, filter_level_ar, fit_level_ar_grid, level_shift
from forecast.models.level_steps import local_clip, sustained

__all__ = ["LevelAR", "fit_level_ar", "clip_outliers", "level_drift_var", "recent_level",
           "year_ago_path", "year_change", "stable_share", "YEAR_AGO_WEIGHT",
           "YEAR_AGO_STABLE"]


@dataclass(frozen=True)
class LevelAR:
    """Fitted residual dynamics at the end of the history (log scale)."""

    level: float
    level_var: float
    ar0: float
    phi: float
    step_var: float
    noise_var: float
    shocks: np.ndarray | None = field(default=None, repr=False)
    #: days before the last observation of each shock (the joint bootstrap by date)
    shock_ages: np.ndarray | None = field(default=None, repr=False)
    #: a level shift found near the end (:func:`forecast.models.kalman.level_shift`): its
    #: days up to the end and its size (log scale); 0 without one
    shift_days: int = 0
    shift_size: float = 0.0

    def __post_init__(self) -> None:
        if not -1 < self.phi < 1:
            raise ValueError(f"LevelAR.phi must lie in (-1, 1), got {self.phi}")
        if min(self.level_var, self.step_var, self.noise_var) < 0:
            raise ValueError("LevelAR variances must be >= 0")

    def center(self, h: int) -> np.ndarray:
        """Expected residual path: filtered level plus the decaying AR state."""
        return self.level + self.ar0 * self.phi ** np.arange(1, h + 1)

    def draw(self, h: int, n_paths: int, *, rng: np.random.Generator | None = None,
             shared: SharedDraws | None = None):
        """(shared level deviations, AR noise), each (n_paths, h).

        With ``shared`` the level uses its common normals and the noise the innovations
        at its common dates (:func:`~forecast.models.joint.resample_by_date`); else
        ``rng`` draws them for this series alone.
        """
        if shared is None:
            level = simulate_random_walk(np.sqrt(self.level_var), np.sqrt(self.step_var), h,
                                         n_paths, rng=rng)
            noise = simulate_ar1(self.phi, np.sqrt(self.noise_var), h, n_paths, rng=rng,
                                 shocks=self.shocks)
            return level, noise
        shared.check(h, n_paths)
        level = (shared.level0[:, None] * np.sqrt(self.level_var)
                 + np.cumsum(shared.steps * np.sqrt(self.step_var), axis=1))
        z = resample_by_date(self.shocks, self.shock_ages, shared) * np.sqrt(self.noise_var)
        return level, ar1_filter(self.phi, z)


def _refilter(z: np.ndarray, raw: np.ndarray, days: int, fit: dict) -> dict:
    """The end state with a level shift ``days`` before the end, filtered on ``z`` (the
    clipped residuals) whose last ``days`` are ``raw`` clipped around the shifted level:
    an outlier after the shift (a typhoon day) pulls the new level no more than one before
    it would."""
    post = raw[-days:]
    jump = float(np.nanmedian(post) - np.nanmedian(raw[-days - 56:-days]))
    lo, hi = np.nanmin(z), np.nanmax(z)
    z = z.copy()
    z[-days:] = np.clip(post - jump, lo, hi) + jump
    out = filter_level_ar(z, np.array([fit["phi"]]), np.array([fit["ratio"]]),
                          shift_at=np.array([len(z) - days]),
                          shift_var=SHIFT_SD**2 / max(fit["s2"], 1e-12))
    return {k: float(out[k][0]) for k in ("level", "ar", "p_level")}


def _shocks(z: np.ndarray, phi: float) -> tuple[np.ndarray, np.ndarray]:
    """Standardised AR(1) innovations of ``z`` around its 28-day rolling mean, and their
    ages (days before the last value of ``z``)."""
    d = z - pd.Series(z).rolling(28, min_periods=1, center=True).mean().to_numpy()
    u = d[1:] - phi * d[:-1]
    ages = len(u) - 1 - np.arange(len(u))
    ok = np.isfinite(u)
    u, ages = u[ok], ages[ok]
    if len(u) < 2:
        return np.zeros(0), np.zeros(0, dtype=int)
    u = u - u.mean()
    sd = u.std()
    return (u / sd, ages) if sd > 0 else (np.zeros(0), np.zeros(0, dtype=int))


def fit_level_ar(z: np.ndarray, *, window: int = 730, raw: np.ndarray | None = None) -> LevelAR:
    """Fit a local level + AR(1) to the last ``window`` values of ``z`` (MLE).

    The maximum-likelihood fit of ``statsmodels``' ``UnobservedComponents(level="rwalk",
    autoregressive=1)``, computed by :func:`forecast.models.kalman.fit_level_ar_grid`
    (same likelihood, one vectorised filter pass over a parameter grid); a level shift in
    the last weeks (:func:`~forecast.models.kalman.level_shift`, tested on ``raw``, the
    residuals before their outliers were clipped, if given: clipping flattens a step)
    restarts the level there.
    Falls back to a
    plain AR(1) around the recent mean when the fit is degenerate. The standardised
    empirical innovations are kept (``shocks``) so that paths resample them instead of
    drawing normal ones: daily errors have heavier tails than a normal.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e = np.zeros(400)
    >>> for t in range(1, 400): e[t] = 0.6 * e[t - 1] + rng.normal(0, 0.1)
    >>> fit = fit_level_ar(2.0 + e)
    >>> bool(0.3 < fit.phi < 0.9) and abs(fit.level - 2.0) < 0.2
    True
    """
    z = np.asarray(z, dtype=float)[-window:]
    raw = z if raw is None else np.asarray(raw, dtype=float)[-window:]
    ok = np.isfinite(z)
    fit = fit_level_ar_grid(z) if ok.sum() >= 30 and np.nanstd(z) > 0 else None
    if fit is not None and np.isfinite(fit["llf"]) and fit["s2"] > 0:
        phi = float(np.clip(fit["phi"], -0.95, 0.98))
        shocks, ages = _shocks(z, phi)
        # (only when the last week sits away from the weeks before any candidate: most
        # series have no step, and the test costs one more filter pass)
        seen = np.flatnonzero(np.isfinite(raw))  # the last 7 observed days (outages skipped)
        last = max(7, len(raw) - seen[-7]) if len(seen) >= 7 else 7
        shift = level_shift(local_clip(raw), fit["phi"], fit["ratio"], fit["s2"]) if (
            sustained(raw, last, before=56, gap=max(56 - last, 0))) else None
        if shift is not None and not sustained(raw, shift["days"]):
            shift = None  # a few extreme days (a typhoon), not a new level
        end = fit if shift is None else _refilter(z, raw, shift["days"], fit)
        return LevelAR(
            level=end["level"], level_var=max(end["p_level"], 0.0), ar0=end["ar"], phi=phi,
            step_var=fit["ratio"] * fit["s2"], noise_var=max(fit["s2"], 1e-10),
            shocks=shocks, shock_ages=ages,
            shift_days=0 if shift is None else shift["days"],
            shift_size=0.0 if shift is None else end["level"] - float(
                np.nanmedian(raw[-shift["days"] - 56:-shift["days"]])),
        )
    tail = z[ok][-90:] if ok.any() else np.zeros(2)
    d = tail - tail.mean()
    phi = float(np.clip(np.corrcoef(d[:-1], d[1:])[0, 1], -0.9, 0.95)) if d.std() > 0 else 0.0
    return LevelAR(level=float(tail.mean()), level_var=float(d.var() / len(d)), ar0=float(d[-1]),
                   phi=phi, step_var=0.0, noise_var=float(max(d.var() * (1 - phi**2), 1e-10)))


#: Prior sd of the yearly drift of a series' deseasonalised log level (10% a year), pooled
#: with the drift measured in the history as if it were :data:`PRIOR_DRIFT_YEARS` years.
PRIOR_DRIFT_SD_YEAR = 0.10
PRIOR_DRIFT_YEARS = 1.0


def level_drift_var(d: np.ndarray, *, block: int = 28, max_lag: int = 364,
                    prior_sd_year: float = PRIOR_DRIFT_SD_YEAR,
                    prior_years: float = PRIOR_DRIFT_YEARS) -> float:
    """Daily random-walk variance of a deseasonalised log level, from its variogram.

    ``d`` is trend plus residual (the series without its calendar effects; NaN for days
    not used). With ``m`` its ``block``-day centred mean, a random-walk level with daily
    step variance ``q`` gives ``0.5 E (m_{t+L} - m_t)^2 = c + q L / 2``; ``q`` is twice the
    least-squares slope over lags ``block, 2 block, .. max_lag`` (those with half a year
    of pairs at least) pooled with the prior ``prior_sd_year^2 / 365`` as if it were
    ``prior_years`` of history. Growth, recoveries and level shifts in the history all
    count: this is how far the level has wandered over a lead, which the model's flat
    trend does not foresee.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> walk = np.cumsum(rng.normal(0, 0.01, 2000))  # step variance 1e-4
    >>> q = level_drift_var(walk, prior_years=0.0)
    >>> bool(5e-5 < q < 2e-4)
    True
    """
    d = np.asarray(d, dtype=float)
    m = pd.Series(d).rolling(block, center=True, min_periods=block // 2).mean().to_numpy()
    lags, v = [], []
    for lag in range(block, max_lag + 1, block):
        diff = m[lag:] - m[:-lag]
        diff = diff[np.isfinite(diff)]
        if len(diff) < 182:
            break
        lags.append(lag)
        v.append(0.5 * float(np.mean(diff**2)))
    q0 = prior_sd_year**2 / 365.0
    if len(lags) < 3:
        return q0
    slope = float(np.polyfit(lags, v, 1)[0])
    q_hat = max(2.0 * slope, 0.0)
    years = np.isfinite(d).sum() / 365.0
    return float((q_hat * years + q0 * prior_years) / (years + prior_years))


def recent_level(dyn: LevelAR, z: np.ndarray, *, days: int = 56) -> LevelAR:
    """``dyn`` restarted from the mean of the last ``days`` residuals ``z``.

    The level becomes that mean, the AR state the last residual's deviation from it, and
    the level variance at least the AR(1)-inflated variance of the mean.

    Examples
    --------
    >>> dyn = LevelAR(level=0.0, level_var=0.0, ar0=0.0, phi=0.5, step_var=0.0, noise_var=0.01)
    >>> round(recent_level(dyn, np.r_[np.zeros(100), np.full(56, 0.2)]).level, 3)
    0.2
    """
    tail = np.asarray(z, dtype=float)[-days:]
    tail = tail[np.isfinite(tail)]
    if len(tail) < 2:
        return dyn
    m = float(tail.mean())
    infl = (1 + dyn.phi) / (1 - dyn.phi) if dyn.phi > 0 else 1.0
    var_mean = float(tail.var()) * infl / len(tail)
    return replace(dyn, level=m, ar0=float(tail[-1] - m), level_var=max(dyn.level_var, var_mean))


#: Share of last year's change over the same days that :func:`year_ago_path` carries,
#: and the year-on-year change (log scale) at which it is down to 1/e of that: without a
#: yearly fit, one year of history cannot tell a season from a trend or a one-off (a
#: COVID recovery, a new hub's ramp-up), and a level that moved a lot over the year is not
#: a season to repeat. Measured on 13-month histories at lead 28 (``benchmarks/RESULTS.md``,
#: "Last year's change over the same days"): with 0.5 and 0.2 the power-load stand-ins
#: whose season rises or falls through LNY went from 1.12x, 0.87x and 0.55x the
#: Prophet-window anchor to 0.92x, 0.71x and 0.45x (daily coverage 0.51-0.66 ->
#: 0.62-0.78), the real HK and Kaohsiung series from 0.85x and 0.81x to 0.85x and 0.82x;
#: with a share of 1, 0.82x, 0.60x, 0.38x, but 0.88x and 0.84x on the real series.
YEAR_AGO_WEIGHT, YEAR_AGO_STABLE = 0.5, 0.2


def year_ago_path(d: np.ndarray, similar: np.ndarray, h: int, *, days: int = 29,
                  weight: float = YEAR_AGO_WEIGHT, stable: float = YEAR_AGO_STABLE) -> np.ndarray:
    """Last year's change of the level over the next ``h`` days, to carry into the paths.

    With ``m`` the ``days``-day centred mean of ``d`` (interpolated across gaps), ``t0`` the
    day a year before the history's last and ``e`` the last day with a centred mean:
    ``m[t0 + k] - m[t0]`` less ``k / 365`` of the year's change ``m[e] - m[e - 365]``
    (growth stays with the trend; with under a year of centred means, as in a history
    from a partial LNY, the change since the first full window, ``m[e] - m[f]``, times
    ``365 / (e - f)``, from 300 days), times ``weight``, times the mean ``similar`` over
    ``t0 .. t0 + k`` (a year ago far from today's level, as in a border closure, is not a
    season), times ``exp(-(year / stable)^2)`` (a level that moved a lot over the year, as
    in a recovery or a new hub's ramp-up, is not one either). Days ahead whose day a year
    before is past ``e`` repeat the last change.

    Parameters
    ----------
    d : ndarray, shape (n,)
        Trend plus residual on the log scale (the series without its calendar and LNY
        effects; NaN for days not used, e.g. closed).
    similar : ndarray, shape (n,)
        :func:`~forecast.models.features.level_similarity` of each day, in [0, 1] (NaN: 0).
    h : int
        Days ahead.
    days : int, default 29
        Days of the centred mean (at least half of them observed).
    weight : float, default :data:`YEAR_AGO_WEIGHT`
        Share of last year's change carried.
    stable : float, default :data:`YEAR_AGO_STABLE`
        Year-on-year change (log scale) at which the share is down to 1/e of ``weight``.

    Returns
    -------
    ndarray, shape (h,)
        Log-scale shift of each day ahead, finite; zeros without a centred mean a year
        before the last one (histories under 366 days, or a year ago not observed).

    Examples
    --------
    >>> t = np.arange(400)
    >>> d = 0.1 * np.sin(2 * np.pi * t / 365.25)  # a season, no growth
    >>> p = year_ago_path(d, np.ones(400), 30, weight=1.0)
    >>> bool(abs(p[-1] - (d[64] - d[34])) < 0.01)
    True
    """
    m, end = _centred(d, days)
    t0, year = len(d) - 1 - 365, _year_change(m, end)
    if not np.isfinite(year) and t0 >= 0:  # under a year of centred means: pro rata
        first = int(np.argmax(np.isfinite(m))) + days // 2  # its first full window
        year = (m[end] - m[first]) * 365.0 / (end - first) if end - first >= 300 else np.nan
    if t0 < 0 or end <= t0 or not np.isfinite(m[t0]) or not np.isfinite(year):
        return np.zeros(h)
    k = np.minimum(np.arange(1, h + 1), end - t0)
    path = m[t0 + k] - m[t0] - k / 365.0 * year
    s = np.cumsum(np.nan_to_num(similar[t0:]))
    gate = s[k] / (k + 1)
    return weight * stable_share(year, stable=stable) * gate * path


def _centred(d: np.ndarray, days: int) -> tuple[np.ndarray, int]:
    """The ``days``-day centred mean of ``d`` (at least half observed, interpolated across
    gaps) and the last day that has one (-1: none)."""
    half = days // 2
    m = (pd.Series(d, dtype=float).rolling(days, center=True, min_periods=half).mean()
         .interpolate(limit_area="inside").to_numpy())
    seen = np.flatnonzero(np.isfinite(m[:max(len(d) - half, 0)]))
    return m, int(seen[-1]) if len(seen) else -1


def year_change(d: np.ndarray, *, days: int = 29) -> float:
    """Change of the level over its last year (log scale), NaN without a year of it.

    The ``days``-day centred mean of ``d`` (trend plus residual, NaN for days not used) on
    the last day that has one, less its value 365 days before.

    Examples
    --------
    >>> round(year_change(0.2 * np.arange(500) / 365), 3)  # growing 0.2 a year
    0.2
    >>> bool(np.isnan(year_change(np.zeros(300))))
    True
    """
    return _year_change(*_centred(d, days))


def _year_change(m: np.ndarray, end: int) -> float:
    return float(m[end] - m[end - 365]) if end - 365 >= 0 else np.nan


def stable_share(year: float, *, stable: float = YEAR_AGO_STABLE) -> float:
    """``exp(-(year / stable)^2)``: how far a level that changed by ``year`` (log scale) over
    its last year is taken to repeat its season; 1 when the change is unknown (NaN)."""
    return 1.0 if not np.isfinite(year) else float(np.exp(-((year / stable) ** 2)))
