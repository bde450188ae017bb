"""The model interface shared by every forecaster, and tidy path summaries.

A model's constructor only stores its hyperparameters (explicit keyword arguments) and its
``alias``. ``fit(df, *, rng)`` fits one state per ``unique_id`` (trailing-underscore
attributes; a measurement, a series that is not integer-valued, is fitted in units that
make it large, :func:`forecast.models.zeros.measurement_unit`, and its paths come back in
its own unit) and, for models that calibrate, learns path-spread scale factors from
backtests on past LNYs inside the history (``calibration_``, see
:mod:`forecast.models.calibration`). ``sample_paths(h, *, n_paths, rng)`` returns joint
sample paths; ``predict`` summarises them.

Randomness: every method that draws takes a keyword-only ``rng``
(:class:`numpy.random.Generator`); ``rng=None`` draws fresh entropy (not reproducible).
``sample_paths(..., dependence="joint")`` (the default for a model that supports it)
draws :func:`forecast.models.joint.shared_draws` from ``rng`` once
and every series' paths from them (:mod:`forecast.models.joint`: path ``i`` is one world
for every series); ``dependence="independent"`` gives each series its own stream from
``rng.spawn``, in the sorted order of ``unique_id``.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd

from forecast.models.calibration import calibrate_series
from forecast.models.checks import (
    check_frame, check_levels, check_options, check_positive, check_rng, check_series,
)
from forecast.models.components import Components
from forecast.models.joint import SharedDraws, check_dependence, shared_draws
from forecast.models.zeros import measurement_unit

__all__ = ["ForecastModel", "ShortHistoryWarning", "check_frame", "check_levels", "check_options",
           "check_rng", "summarize_paths"]


class ShortHistoryWarning(UserWarning):
    """A model fell back to its documented prior (short or partial history, no past LNY)."""


def summarize_paths(paths: pd.DataFrame, alias: str, *, level=(80, 95)) -> pd.DataFrame:
    """Quantile summary of tidy sample paths in statsforecast naming.

    The point column ``<alias>`` is the per-day median of the paths (the forecast that
    minimises absolute error, used for WAPE).

    Parameters
    ----------
    paths : DataFrame
        Columns ``unique_id, ds, sample_id, y``.
    alias : str
        Column name prefix.
    level : sequence of int
        Central interval levels in percent, each in 1..99.

    Examples
    --------
    >>> p = pd.DataFrame({"unique_id": "a", "ds": pd.Timestamp("2024-01-01"),
    ...                   "sample_id": range(5), "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> summarize_paths(p, "m", level=(80,)).columns.tolist()
    ['unique_id', 'ds', 'm', 'm-lo-80', 'm-hi-80']
    """
    levels = check_levels(level)
    g = paths.groupby(["unique_id", "ds"], sort=True)["y"]
    out = g.median().rename(alias).to_frame()
    for lv in levels:
        out[f"{alias}-lo-{lv}"] = g.quantile(0.5 - lv / 200)
        out[f"{alias}-hi-{lv}"] = g.quantile(0.5 + lv / 200)
    return out.reset_index()


class ForecastModel:
    """Base class: per-series fitting, joint path sampling and summaries.

    Subclasses declare their hyperparameters as keyword-only arguments of ``__init__``
    (stored as attributes of the same name) and implement ``fit_series(uid, ds, y, *, rng)
    -> state`` and ``draw_series(state, h, n_paths, *, rng, shared) -> Components``. A
    subclass with a ``calibrate`` hyperparameter (and ``max_folds``) is calibrated on past
    LNYs by :meth:`fit` when it is true. A subclass whose ``draw_series`` accepts
    ``shared`` draws (:mod:`forecast.models.joint`) sets ``supports_joint = True``.
    """

    default_alias = "model"
    #: whether ``draw_series`` accepts ``shared`` draws (joint paths across series)
    supports_joint = False

    def __init__(self, *, alias: str | None = None) -> None:
        self.alias = alias or self.default_alias

    # -- hyperparameters --------------------------------------------------------------
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """Names of the hyperparameters (keyword arguments of ``__init__`` but ``alias``)."""
        sig = inspect.signature(cls.__init__)
        return tuple(n for n, p in sig.parameters.items()
                     if n not in ("self", "alias") and p.kind is p.KEYWORD_ONLY)

    def get_params(self) -> dict:
        """Hyperparameters as a dict (``alias`` not included)."""
        return {n: getattr(self, n) for n in self.param_names()}

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__).parameters
        opts = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()
                         if not _same(sig[k].default, v))
        return f"{type(self).__name__}(alias={self.alias!r}{', ' if opts else ''}{opts})"

    def clone(self, **overrides) -> ForecastModel:
        """An unfitted copy with the same hyperparameters (``overrides`` replace some).

        Raises
        ------
        ValueError
            If an override is not a hyperparameter of this model.
        """
        check_options(type(self), overrides, alias=self.alias)
        return type(self)(alias=self.alias, **{**self.get_params(), **overrides})

    # -- fitting ----------------------------------------------------------------------
    def fit(self, df: pd.DataFrame, *, rng: np.random.Generator | None = None) -> ForecastModel:
        """Fit one state per ``unique_id`` of a tidy ``unique_id, ds, y`` frame.

        Parameters
        ----------
        df : DataFrame
            ``unique_id, ds, y``: daily, no gaps, ``y >= 0``.
        rng : numpy.random.Generator, optional
            Stream of every draw made while fitting (calibration backtests, Prophet's
            optimiser seed); equal streams give equal fits.

        Returns
        -------
        self

        Warns
        -----
        ShortHistoryWarning
            When a series is fitted with a documented fallback (named in
            ``calibration_.fallback``).
        """
        df = check_frame(df)
        rng = check_rng(rng)
        groups = list(df.groupby("unique_id", sort=True))
        self.states_, self.last_ds_, self.scales_, records = {}, {}, {}, []
        self.units_ = {}
        for (uid, g), child in zip(groups, rng.spawn(len(groups))):
            fit_rng, cal_rng = child.spawn(2)
            ds, y = pd.DatetimeIndex(g["ds"]), g["y"].to_numpy(dtype=float)
            check_series(uid, ds, y)
            self.units_[uid] = measurement_unit(y)  # GWh or MWh: the same forecast
            y = y * self.units_[uid]
            state = self.fit_series(uid, ds, y, rng=fit_rng)
            self.states_[uid] = state
            self.last_ds_[uid] = ds[-1]
            if getattr(self, "calibrate", False):
                rec = calibrate_series(self, uid, ds, y, rng=cal_rng,
                                       max_folds=self.max_folds, state=state)
                self.scales_[uid] = (rec["shared_scale"], rec["noise_scale"])
                records.append(rec)
                if rec["fallback"]:
                    warnings.warn(f"{self.alias}: series {uid!r}: {rec['fallback']}",
                                  ShortHistoryWarning, stacklevel=2)
        self.calibration_ = pd.DataFrame(records) if records else None
        return self

    def fit_series(self, uid: str, ds: pd.DatetimeIndex, y: np.ndarray, *,
                   rng: np.random.Generator, min_days: int | None = None):
        """Fit one series (daily ``ds``, ``y`` >= 0); returns the model's state.

        Models with ``calibrate`` take ``min_days``, the shortest history they fit (their
        own minimum by default; calibration fits a short history's folds on fewer days).
        """
        raise NotImplementedError

    def draw_series(self, state, h: int, n_paths: int, *, rng: np.random.Generator | None = None,
                    shared: SharedDraws | None = None) -> Components:
        """Raw (uncalibrated) path components of one fitted series for ``h`` days.

        Draws from ``rng`` (this series alone) or, for a model with ``supports_joint``,
        from ``shared`` (:mod:`forecast.models.joint`).
        """
        raise NotImplementedError

    def regime_start(self, ds: pd.DatetimeIndex, y: np.ndarray) -> int:
        """Index where the history the model uses starts (models that trim override)."""
        return 0

    def fallbacks(self, state) -> list[str]:
        """Documented fallbacks a fitted state used (models with priors override)."""
        return []

    def facts(self, state) -> list[str]:
        """What a fitted state took as given (structural closures, closed runs)."""
        return []

    def check_fitted(self) -> None:
        """``ValueError`` unless :meth:`fit` has run."""
        if not hasattr(self, "states_"):
            raise ValueError(f"{self.alias}: call fit(df) before sample_paths or predict")

    # -- sampling ---------------------------------------------------------------------
    def series_paths(self, uid: str, h: int, n_paths: int, *,
                     rng: np.random.Generator | None = None,
                     shared: SharedDraws | None = None) -> np.ndarray:
        """Calibrated paths of one fitted series, shape (n_paths, h), ``>= 0``.

        Parameters
        ----------
        uid : str
            A fitted ``unique_id``.
        h, n_paths : int
        rng : numpy.random.Generator, optional
            Stream of an independent draw (used when ``shared`` is None).
        shared : SharedDraws, optional
            Draws shared with the other series (:func:`forecast.models.joint.shared_draws`
            for the same ``h`` and ``n_paths``): the joint paths of ``uid``, a pure function
            of its fitted state and ``shared`` (any process gives the same array).

        Raises
        ------
        ValueError
            If ``uid`` was not fitted, the model does not support ``shared`` draws, or they
            were drawn for another ``h`` or ``n_paths``.
        """
        self.check_fitted()
        if uid not in self.states_:
            raise ValueError(f"{self.alias}: series {uid!r} was not fitted; fitted: "
                             f"{sorted(self.states_)[:10]}")
        if shared is not None:
            self._check_joint()
            shared.check(h, n_paths)
            comps = self.draw_series(self.states_[uid], h, n_paths, shared=shared)
        else:
            comps = self.draw_series(self.states_[uid], h, n_paths, rng=check_rng(rng))
        a, b = self.scales_.get(uid, (1.0, 1.0))
        return comps.paths(a, b) / self.units_.get(uid, 1.0)

    def _check_joint(self) -> None:
        if not self.supports_joint:
            raise ValueError(f"{self.alias}: joint paths are not supported by "
                             f"{type(self).__name__}; use dependence='independent'")

    def sample_paths(self, h: int, *, n_paths: int = 1000,
                     rng: np.random.Generator | None = None,
                     dependence: str | None = None) -> pd.DataFrame:
        """Sample paths for the ``h`` days after each series' last observation.

        Parameters
        ----------
        h : int
            Horizon in days (up to about 400: next year's LNY from this year's data).
        n_paths : int, default 1000
            Number of sample paths per series.
        rng : numpy.random.Generator, optional
            Random stream; equal streams give equal paths.
        dependence : {"joint", "independent"}, optional
            ``"joint"``: path ``sample_id = i`` of every series comes from the same shared
            draws (:mod:`forecast.models.joint`: daily innovations resampled at the same
            historical dates, common level and LNY-effect normals), so a sum over series
            along ``sample_id`` has the spread of a network total. Exactly
            ``shared = shared_draws(rng, n_paths, h)`` then :meth:`series_paths` per
            series with ``shared``, so a series' paths depend on ``rng`` and its own
            fit only (not on the other series, nor on their number or order).
            ``"independent"``: one stream per series from ``rng.spawn``, in sorted order.
            Default: ``"joint"`` for a model that supports it, else ``"independent"``.

        Returns
        -------
        DataFrame
            Columns ``unique_id, ds, sample_id, y``; ``y >= 0``.

        Raises
        ------
        ValueError
            If ``dependence`` is not one of ``"joint"``, ``"independent"``, or is
            ``"joint"`` for a model without joint paths.
        """
        self.check_fitted()
        h, n_paths = check_positive("h", h), check_positive("n_paths", n_paths)
        rng = check_rng(rng)
        if dependence is None:
            dependence = "joint" if self.supports_joint else "independent"
        if check_dependence(dependence) == "joint":
            self._check_joint()
            shared = shared_draws(rng, n_paths, h)
            draws = {uid: {"shared": shared} for uid in self.states_}
        else:
            draws = {uid: {"rng": child}
                     for child, uid in zip(rng.spawn(len(self.states_)), self.states_)}
        frames = []
        for uid in self.states_:
            paths = self.series_paths(uid, h, n_paths, **draws[uid])
            ds = pd.date_range(self.last_ds_[uid] + pd.Timedelta(days=1), periods=h)
            frames.append(pd.DataFrame({
                "unique_id": uid,
                "ds": np.tile(ds.values, n_paths),
                "sample_id": np.repeat(np.arange(n_paths), h),
                "y": paths.ravel(),
            }))
        return pd.concat(frames, ignore_index=True)

    def predict(self, h: int, *, level=(80, 95), n_paths: int = 1000,
                rng: np.random.Generator | None = None) -> pd.DataFrame:
        """Quantile summary of :meth:`sample_paths` (median and central intervals).

        Per series and day, so the same for joint and independent paths in distribution
        (drawn with the default ``dependence``).

        Returns
        -------
        DataFrame
            ``unique_id, ds, <alias>, <alias>-lo-<level>, <alias>-hi-<level>, ...``
        """
        check_levels(level)
        return summarize_paths(self.sample_paths(h, n_paths=n_paths, rng=rng), self.alias,
                               level=level)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b
