"""``statespace``: robust log-scale regression with LNY phases, then random-walk level + AR(1).

Two stages, both fast and deterministic:

1. Weighted ridge regression of ``log1p(y)`` on trend hinges, weekday, yearly Fourier,
   public holidays (one common and one per holiday), e-commerce peak days, LNY phases,
   per-offset LNY deviations (shrunk to zero) and the LNY holiday block (the run of days
   off around LNY, whose length varies by year; weekday effects are off inside it). Weights decay with age
   (``half_life_days``), with distance from today's level (:func:`level_similarity`: a
   border closure or lockdown barely counts) and for outliers (Huber, two passes), so
   typhoon days or a data glitch do not bend the LNY effects.
2. The residual of the current regime (:func:`regime_start`) is modelled by a statsmodels
   ``UnobservedComponents`` random-walk level + AR(1), see :mod:`forecast.models.residuals`;
   the trend is held flat at its last value.

Paths: ``center`` = calendar effects + last trend value + filtered level + decaying AR
state; ``shared`` = random-walk level + LNY-effect draws (per phase, plus a year-to-year
shift of the whole LNY window); ``noise`` = AR(1) with resampled empirical innovations.

Bad input: no complete LNY window in the history -> ``ValueError``. Documented fallback:
when every past LNY lies in a different regime (effective windows < 0.5, e.g. a border
that was closed), LNY effects are set to zero with a wide prior (``UNKNOWN_LNY_SD``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from forecast.calendar import DEFAULT_LNY_PHASES
from forecast.models._core import robust_scale, weighted_ridge
from forecast.models.base import ForecastModel
from forecast.models.components import Components
from forecast.models.features import FeatureSpec, level_similarity, lny_groups, regime_start
from forecast.models.residuals import (
    LevelAR, between_year_sd, clip_outliers, draw_lny_effects, fit_level_ar, lny_group_sd,
    recent_level,
)

__all__ = ["StateSpaceModel", "require_lny_history"]

_OFF = 1e9
_PENALTY = {"trend": 1.0, "week": 1e-3, "year": 1e-3, "holiday": 1.0, "holiday_name": 2.0,
            "phase": 1e-3, "peak": 1.0, "block": 1.0}


def require_lny_history(uid: str, ds: pd.DatetimeIndex, spec: FeatureSpec, alias: str) -> int:
    """Number of complete LNY windows in the history; ``ValueError`` if there is none."""
    n = spec.complete_windows(ds)
    if n < 1:
        raise ValueError(
            f"{alias}: series {uid!r} ({ds[0].date()}..{ds[-1].date()}) has no complete past "
            f"LNY window (LNY{spec.dev_range[0]:+d}..LNY{spec.dev_range[1]:+d} days); at least "
            "one is needed to estimate LNY effects"
        )
    return n


@dataclass(frozen=True)
class _State:
    spec: FeatureSpec
    beta: np.ndarray
    groups: dict
    trend_end: float
    dyn: LevelAR
    lny_sd: dict
    last: pd.Timestamp
    n_windows: float


def fit_regression(x: np.ndarray, X: np.ndarray, groups: dict, *, age_days: np.ndarray,
                   half_life_days: float, dev_penalty: float, override: dict | None = None,
                   weights: np.ndarray | None = None, n_pass: int = 2):
    """Robust, age-weighted ridge fit; returns (beta, residuals, weights).

    ``override`` maps group names to penalties (a huge one switches a group off).
    """
    penalty = np.zeros(X.shape[1])
    for name, sl in groups.items():
        penalty[sl] = (override or {}).get(name, _PENALTY.get(name, dev_penalty))
    penalty[groups["trend"].start] = 0.0  # intercept
    w_age = 0.5 ** (age_days / half_life_days) * (1.0 if weights is None else weights)
    w = w_age.copy()
    Xs = sparse.csr_matrix(X)
    for _ in range(n_pass + 1):
        beta = weighted_ridge(Xs, x, weights=w, penalty=penalty)
        r = x - Xs @ beta
        s = max(robust_scale(r), 1e-6)
        w = w_age * np.minimum(1.0, 2.5 * s / np.maximum(np.abs(r), 1e-12))
    return beta, r, w


class StateSpaceModel(ForecastModel):
    """Robust LNY regression on the log scale with local level + AR(1) residual dynamics.

    Parameters
    ----------
    alias : str, default "statespace"
    country : str or None, default "HK"
        Public holidays (``holidays`` package ISO code) modelled as one effect.
    phases : tuple of LnyPhase, default DEFAULT_LNY_PHASES
    half_life_days : float, default 730
        Age at which an observation's weight halves.
    dev_penalty : float, default 2.0
        Ridge penalty on per-offset LNY deviations from the phase effects.
    resid_window : int, default 730
        Days of residuals used to fit the level + AR(1) dynamics.
    calibrate : bool, default True
        Learn path-spread scales from backtests on past LNYs (``calibration_``).
    holiday_block : bool, default True
        Inside the run of days off around LNY (:func:`forecast.models.features.lny_block`,
        from ``country``'s calendar) switch weekday effects off and fit one block effect.
    level_days : int, default 0
        0: start the paths from the Kalman-filtered level. ``n > 0``: from the mean
        residual of the last ``n`` days (:func:`forecast.models.residuals.recent_level`),
        which follows growth that the filter, with a near-zero level variance, ignores.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = StateSpaceModel(calibrate=False).fit(toy_history(years=3))
    >>> m.sample_paths(7, n_paths=10, rng=np.random.default_rng(1)).shape
    (70, 4)
    """

    default_alias = "statespace"

    def __init__(self, *, alias: str | None = None, country: str | None = "HK",
                 phases: tuple = DEFAULT_LNY_PHASES, half_life_days: float = 730.0,
                 dev_penalty: float = 2.0, resid_window: int = 730, calibrate: bool = True,
                 max_folds: int = 5, holiday_block: bool = True, level_days: int = 0) -> None:
        super().__init__(alias=alias)
        self.country, self.phases = country, tuple(phases)
        self.half_life_days, self.dev_penalty = half_life_days, dev_penalty
        self.resid_window, self.calibrate, self.max_folds = resid_window, calibrate, max_folds
        self.holiday_block, self.level_days = holiday_block, level_days
        for k in ("half_life_days", "dev_penalty", "resid_window"):
            if not getattr(self, k) > 0:
                raise ValueError(f"{k} must be > 0, got {getattr(self, k)!r}")
        if not (isinstance(level_days, int) and level_days >= 0):
            raise ValueError(f"level_days must be an int >= 0, got {level_days!r}")
        if not (isinstance(max_folds, int) and max_folds >= 0):
            raise ValueError(f"max_folds must be an int >= 0, got {max_folds!r}")

    def regime_start(self, ds, y) -> int:
        return regime_start(ds, y)

    def fit_series(self, uid, ds, y, *, rng=None) -> _State:
        spec = FeatureSpec.for_history(ds, country=self.country, phases=self.phases,
                                      holiday_block=self.holiday_block)
        require_lny_history(uid, ds, spec, self.alias)
        similar = level_similarity(y)  # days far from today's level barely count
        n_win = spec.effective_windows(ds, similar)
        X, groups = spec.matrix(ds)
        x = np.log1p(y)
        age = (ds[-1] - ds).days.to_numpy().astype(float)
        off = {"year": _OFF} if (similar > 0.5).sum() < 400 else {}
        if n_win < 0.5:  # documented fallback: LNY effects unknown (module docstring)
            n_win = 0.0
            off.update(phase=_OFF, dev=_OFF)
        beta, r, _w = fit_regression(x, X, groups, age_days=age, half_life_days=self.half_life_days,
                                     dev_penalty=self.dev_penalty, override=off, weights=similar)
        tr = groups["trend"]
        trend = X[:, tr] @ beta[tr]
        between = between_year_sd(ds, clip_outliers(r), spec.dev_range, weights=similar)
        r = r[regime_start(ds, y):]  # dynamics from the current regime only
        dyn = fit_level_ar(clip_outliers(r), window=self.resid_window)
        if self.level_days:
            dyn = recent_level(dyn, clip_outliers(r), days=self.level_days)
        glist = lny_groups(spec.phases, spec.dev_range)
        lny_sd = lny_group_sd(robust_scale(r[-self.resid_window:]), dyn.phi, n_win, glist)
        lny_sd["_common"] = between
        return _State(spec, beta, groups, float(trend[-1]), dyn, lny_sd, ds[-1], n_win)

    def draw_series(self, state: _State, h, n_paths, *, rng) -> Components:
        ds = pd.date_range(state.last + pd.Timedelta(days=1), periods=h)
        X, groups = state.spec.matrix(ds)
        tr = groups["trend"]
        b = state.beta.copy()
        b[tr] = 0.0
        center = X @ b + state.trend_end + state.dyn.center(h)
        shared, noise = state.dyn.draw(h, n_paths, rng=rng)
        glist = lny_groups(state.spec.phases, state.spec.dev_range)
        shared = shared + draw_lny_effects(ds, glist, state.lny_sd, n_paths, rng=rng)
        return Components(center, shared, noise)

    @property
    def lny_effects_(self) -> pd.DataFrame:
        """Fitted LNY multipliers per series and phase (geometric mean over phase days)."""
        self.check_fitted()
        rows = []
        for uid, st in self.states_.items():
            ph, dev = st.beta[st.groups["phase"]], st.beta[st.groups["dev"]]
            for j, p in enumerate(st.spec.phases):
                days = np.arange(p.start, p.end + 1) - st.spec.dev_range[0]
                rows.append((uid, p.name, float(np.exp(ph[j] + dev[days].mean()))))
        return pd.DataFrame(rows, columns=["unique_id", "phase", "multiplier"])
