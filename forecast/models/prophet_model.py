"""Prophet models: ``prophet`` (LNY phases, log scale, joint paths) and the references.

- ``prophet``: Prophet fitted to ``log1p(y)`` with the LNY phases of
  :mod:`forecast.calendar` as holidays (one effect per day of each phase, plus ``pre``/
  ``post`` stretches) and public holidays as one extra holiday; ``uncertainty_samples=0``.
  Paths come from our own joint simulation: local level + AR(1) on Prophet's residuals
  plus LNY-effect draws (:mod:`forecast.models.residuals`), calibrated on past LNYs.
- ``prophet-builtin``: what a user would otherwise pick: Prophet on ``y`` with
  ``add_country_holidays(country)`` and Prophet's own predictive sampler (trend
  uncertainty + independent daily noise).
- ``prophet-window``: as ``prophet-builtin`` but with one hand-made LNY holiday covering
  LNY-7 .. LNY+14 instead of the country holidays.

Randomness: Prophet's Stan fit is seeded with an integer drawn from the ``rng`` passed to
``fit``; its predictive sampler uses numpy's legacy global random state, which
:func:`numpy_global_state` seeds from the ``rng`` passed to ``sample_paths`` and restores
around the call (the one place the package touches that global state).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, lny_dates, lny_holiday_table
from forecast.models._core import robust_scale
from forecast.models.base import ForecastModel
from forecast.models.components import Components
from forecast.models.features import (
    FeatureSpec, level_similarity, lny_groups, public_holidays, regime_start,
)
from forecast.models.lny_uncertainty import (
    between_year_sd, draw_lny_effects, group_windows, lny_group_sd,
)
from forecast.models.residuals import LevelAR, clip_outliers, fit_level_ar
from forecast.models.regression import MIN_HISTORY_DAYS, check_history

_MIN_SIMILARITY = 0.5

__all__ = ["ProphetModel", "ProphetReference", "numpy_global_state"]

def _quiet_loggers() -> None:
    for name in ("cmdstanpy", "prophet", "prophet.plot", "prophet.forecaster"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").disabled = True


def _prophet_class():
    # Imported lazily (slow). On import, prophet.plot logs "Importing plotly failed" at
    # ERROR level and cmdstanpy's tqdm.auto warns in notebooks without ipywidgets: both
    # are noise here (no interactive plots, no progress bars), so neither may reach stderr.
    logging.getLogger("prophet.plot").disabled = True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import cmdstanpy  # noqa: F401  (else imported, noisily, by the first Prophet())
        from prophet import Prophet

    _quiet_loggers()  # prophet sets its own levels on import
    return Prophet


@contextlib.contextmanager
def numpy_global_state(rng: np.random.Generator):
    """Run a block with numpy's legacy global state seeded from ``rng``, then restore it.

    Prophet's sampler draws from ``np.random`` directly; this is the one wrapper around it.

    Examples
    --------
    >>> before = np.random.get_state()[1].copy()
    >>> with numpy_global_state(np.random.default_rng(0)):
    ...     a = np.random.random()
    >>> with numpy_global_state(np.random.default_rng(0)):
    ...     b = np.random.random()
    >>> a == b, bool((np.random.get_state()[1] == before).all())
    (True, True)
    """
    saved = np.random.get_state()
    np.random.set_state(np.random.RandomState(_stan_seed(rng)).get_state())
    try:
        yield
    finally:
        np.random.set_state(saved)


def _stan_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _lny_holidays(start, end, phases, dev_range) -> pd.DataFrame:
    table = lny_holiday_table(start, end, phases)
    extra = [
        (name, lny + pd.Timedelta(days=s), 0, e - s)
        for name, s, e in lny_groups(phases, dev_range) if name in ("pre", "post")
        for lny in lny_dates(start, end)
    ]
    return pd.concat([table, pd.DataFrame(extra, columns=table.columns)], ignore_index=True)


@dataclass(frozen=True)
class _State:
    prophet: object
    resid_end: float
    dyn: LevelAR
    lny_sd: dict
    groups: list
    last: pd.Timestamp


class ProphetModel(ForecastModel):
    """Prophet on ``log1p(y)`` with LNY phase holidays and joint, calibrated paths.

    Parameters
    ----------
    alias : str, default "prophet"
    country : str or None, default "HK"
    phases : tuple of LnyPhase, default DEFAULT_LNY_PHASES
    changepoint_prior_scale : float, default 0.05
    holidays_prior_scale : float, default 0.05
        Prior scale of holiday effects on Prophet's internal scale (``log1p(y) / max``):
        about 0.7 on the log scale for a series in the hundreds of thousands.
    resid_window : int, default 730
    calibrate : bool, default True
    max_folds : int, default 2
        Past LNYs backtested by the calibration.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = ProphetModel(calibrate=False).fit(toy_history(years=3))
    >>> m.sample_paths(7, n_paths=10, rng=np.random.default_rng(1)).shape
    (70, 4)
    """

    default_alias = "prophet"
    supports_joint = True

    def __init__(self, *, alias: str | None = None, country: str | None = "HK",
                 phases: tuple = DEFAULT_LNY_PHASES, changepoint_prior_scale: float = 0.05,
                 holidays_prior_scale: float = 0.05, resid_window: int = 730,
                 calibrate: bool = True, max_folds: int = 2) -> None:
        super().__init__(alias=alias)
        self.country, self.phases = country, tuple(phases)
        self.changepoint_prior_scale = changepoint_prior_scale
        self.holidays_prior_scale = holidays_prior_scale
        self.resid_window, self.calibrate, self.max_folds = resid_window, calibrate, max_folds
        for k in ("changepoint_prior_scale", "holidays_prior_scale", "resid_window"):
            if not getattr(self, k) > 0:
                raise ValueError(f"{k} must be > 0, got {getattr(self, k)!r}")

    def regime_start(self, ds, y) -> int:
        return regime_start(ds, y)

    def fit_series(self, uid, ds, y, *, rng, min_days=MIN_HISTORY_DAYS) -> _State:
        spec = FeatureSpec.for_history(ds, country=self.country, phases=self.phases)
        check_history(uid, ds, self.alias, min_days=min_days)
        similar = level_similarity(y, ds=ds)  # drop days far from today's level (closures...)
        groups = lny_groups(spec.phases, spec.dev_range)
        windows = group_windows(ds, similar, groups)
        first = int(np.argmax(similar >= _MIN_SIMILARITY))
        ds, y, similar = ds[first:], y[first:], similar[first:]
        end = ds[-1] + pd.Timedelta(days=400)
        pub = public_holidays(self.country, ds[0], end, exclude=spec.dev_range)
        hol = [pd.DataFrame({"holiday": "public_holiday", "ds": pub, "lower_window": 0,
                             "upper_window": 0})]
        if max(windows.values()) > 0:  # else: LNY effects from the prior only
            hol.append(_lny_holidays(ds[0] - pd.Timedelta(days=400), end, spec.phases, spec.dev_range))
        m = _prophet_class()(holidays=pd.concat(hol, ignore_index=True), uncertainty_samples=0,
                             yearly_seasonality=4 if int((similar >= 0.5).sum()) >= 400 else False,
                             weekly_seasonality=True, daily_seasonality=False,
                             changepoint_prior_scale=self.changepoint_prior_scale,
                             holidays_prior_scale=self.holidays_prior_scale)
        x = np.where(similar >= _MIN_SIMILARITY, np.log1p(y), np.nan)
        train = pd.DataFrame({"ds": ds, "y": x})
        m.fit(train, seed=_stan_seed(rng))
        fitted = m.predict(train[["ds"]])
        r = np.nan_to_num(x - fitted["yhat"].to_numpy())
        between = between_year_sd(ds, clip_outliers(r), spec.dev_range, weights=similar)
        r = r[regime_start(ds, y):]
        dyn = fit_level_ar(clip_outliers(r), window=self.resid_window)
        lny_sd = lny_group_sd(robust_scale(r[-self.resid_window:]), dyn.phi, windows, groups)
        lny_sd["_common"] = between
        return _State(m, float(r[-1]), dyn, lny_sd, groups, ds[-1])

    def draw_series(self, state: _State, h, n_paths, *, rng=None, shared=None) -> Components:
        ds = pd.date_range(state.last + pd.Timedelta(days=1), periods=h)
        yhat = state.prophet.predict(pd.DataFrame({"ds": ds}))["yhat"].to_numpy()
        center = yhat + state.dyn.center(h)
        level, noise = state.dyn.draw(h, n_paths, rng=rng, shared=shared)
        level = level + draw_lny_effects(ds, state.groups, state.lny_sd, n_paths, rng=rng,
                                         shared=shared)
        return Components(center, level, noise)

    @property
    def lny_effects_(self) -> pd.DataFrame:
        """Fitted LNY multipliers per series and phase (geometric mean over phase days)."""
        self.check_fitted()
        rows = []
        for uid, st in self.states_.items():
            lny = lny_dates(st.last, st.last + pd.Timedelta(days=400))[-1]
            phases = self.phases
            ds = pd.date_range(lny + pd.Timedelta(days=min(p.start for p in phases)),
                               lny + pd.Timedelta(days=max(p.end for p in phases)))
            comp = st.prophet.predict(pd.DataFrame({"ds": ds}))
            for p in phases:
                days = (ds >= lny + pd.Timedelta(days=p.start)) & (ds <= lny + pd.Timedelta(days=p.end))
                eff = comp.loc[days, p.name].mean() if p.name in comp else 0.0
                rows.append((uid, p.name, float(np.exp(eff))))
        return pd.DataFrame(rows, columns=["unique_id", "phase", "multiplier"])


class ProphetReference(ForecastModel):
    """Prophet as a user would run it: raw scale, its own (independent-noise) sampler.

    Parameters
    ----------
    alias : str, default "prophet-builtin"
    holidays : {"builtin", "window"}, default "builtin"
        ``"builtin"``: ``add_country_holidays(country)``; ``"window"``: one LNY holiday
        from ``window[0]`` to ``window[1]`` days around LNY.
    country : str, default "HK"
    window : tuple of int, default (-7, 14)

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = ProphetReference(holidays="window").fit(toy_history(years=2))
    >>> bool((m.sample_paths(5, n_paths=20, rng=np.random.default_rng(0)).y >= 0).all())
    True
    """

    default_alias = "prophet-builtin"

    def __init__(self, *, alias: str | None = None, holidays: str = "builtin",
                 country: str | None = "HK", window: tuple[int, int] = (-7, 14)) -> None:
        super().__init__(alias=alias)
        if holidays not in ("builtin", "window"):
            raise ValueError(f"holidays must be 'builtin' or 'window', got {holidays!r}")
        window = tuple(window)
        if len(window) != 2 or not window[0] <= 0 <= window[1]:
            raise ValueError(f"window must be (lower <= 0, upper >= 0) offsets, got {window!r}")
        self.holidays, self.country, self.window = holidays, country, window

    def fit_series(self, uid, ds, y, *, rng):
        Prophet = _prophet_class()
        if self.holidays == "window":
            lo, hi = self.window
            days = lny_dates(ds[0] - pd.Timedelta(days=400), ds[-1] + pd.Timedelta(days=400))
            hol = pd.DataFrame({"holiday": "lny_window", "ds": days, "lower_window": lo,
                                "upper_window": hi})
            m = Prophet(holidays=hol)
        else:
            m = Prophet()
            m.add_country_holidays(country_name=self.country)
        m.fit(pd.DataFrame({"ds": ds, "y": y}), seed=_stan_seed(rng))
        return (m, ds[-1])

    def draw_series(self, state, h, n_paths, *, rng) -> Components:
        m, last = state
        ds = pd.DataFrame({"ds": pd.date_range(last + pd.Timedelta(days=1), periods=h)})
        m.uncertainty_samples = n_paths
        with numpy_global_state(rng):
            samples = m.predictive_samples(ds)["yhat"]  # (h, n_paths)
        zeros = np.zeros((n_paths, h))
        return Components(np.zeros(h), zeros, samples.T, log_scale=False)
