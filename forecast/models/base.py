"""The model interface shared by every forecaster, and tidy path summaries.

A model's constructor only stores hyperparameters and its ``alias``. ``fit(df)`` fits one
state per ``unique_id`` (trailing-underscore attributes) and, for models that calibrate,
learns path-spread scale factors from backtests on past LNYs inside the history
(``calibration_``). ``sample_paths`` returns joint sample paths; ``predict`` summarises them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.models._core import combine_components

__all__ = ["Components", "ForecastModel", "summarize_paths", "WINDOW"]

#: Offsets (days from LNY, inclusive) of the LNY window whose total the planner cares about.
WINDOW: tuple[int, int] = (-7, 14)


@dataclass(frozen=True)
class Components:
    """One series' forecast as log-scale center plus shared and daily deviations.

    See :func:`forecast.models._core.combine_components`.
    """

    center: np.ndarray
    shared: np.ndarray
    noise: np.ndarray
    log_scale: bool = True

    def __post_init__(self) -> None:
        h = self.center.shape[0]
        if self.shared.shape[1] != h or self.noise.shape != self.shared.shape:
            raise ValueError(
                f"Components: shapes disagree, center {self.center.shape}, shared "
                f"{self.shared.shape}, noise {self.noise.shape}"
            )

    def paths(self, shared_scale: float = 1.0, noise_scale: float = 1.0) -> np.ndarray:
        """Non-negative paths on the original scale, shape (n_paths, h)."""
        return combine_components(
            self.center, self.shared, self.noise, shared_scale=shared_scale,
            noise_scale=noise_scale, log_scale=self.log_scale,
        )


def _check_frame(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ValueError(f"df is missing column(s) {sorted(missing)}; need unique_id, ds, y")
    if df.empty:
        raise ValueError("df is empty: nothing to fit")
    out = df[["unique_id", "ds", "y"]].copy()
    out["unique_id"] = out["unique_id"].astype(str)
    out["ds"] = pd.to_datetime(out["ds"])
    out["y"] = out["y"].astype(float)
    if out["y"].isna().any() or (out["y"] < 0).any() or not np.isfinite(out["y"]).all():
        bad = out[~(out["y"] >= 0) | ~np.isfinite(out["y"])].iloc[0]
        raise ValueError(
            f"y must be finite and >= 0; series {bad.unique_id!r} has y={bad.y} on "
            f"{bad.ds.date()} (load data with forecast.data.load_history)"
        )
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def _check_series(uid: str, ds: pd.DatetimeIndex, y: np.ndarray) -> None:
    if len(ds) > 1 and (np.diff(ds.values).astype("timedelta64[D]") != np.timedelta64(1, "D")).any():
        raise ValueError(f"series {uid!r}: ds must be daily with no gaps or duplicates")
    if np.all(y == y[0]):
        raise ValueError(
            f"series {uid!r} is constant (every y = {y[0]:g}): there is no pattern to "
            "model; forecast it by hand or drop it"
        )


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
    levels = _check_levels(level)
    g = paths.groupby(["unique_id", "ds"], sort=True)["y"]
    out = g.median().rename(alias).to_frame()
    for lv in levels:
        out[f"{alias}-lo-{lv}"] = g.quantile(0.5 - lv / 200)
        out[f"{alias}-hi-{lv}"] = g.quantile(0.5 + lv / 200)
    return out.reset_index()


def _check_levels(level) -> tuple[int, ...]:
    levels = tuple(level)
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, (int, np.integer)) or not 0 < lv < 100:
            raise ValueError(f"level must hold ints in 1..99, got {level!r}")
    return levels


class ForecastModel:
    """Base class: per-series fitting, joint path sampling and summaries.

    Subclasses implement ``_fit_one(uid, ds, y) -> state`` and
    ``_draw_one(state, h, n_paths, rng) -> Components``, and set ``default_alias``.
    """

    default_alias = "model"
    #: hyperparameter names and defaults; subclasses extend
    defaults: dict = {"calibrate": False}

    def __init__(self, *, alias: str | None = None, **params) -> None:
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown option(s) {sorted(unknown)}; allowed: "
                f"{sorted(self.defaults)}"
            )
        self.alias = alias or self.default_alias
        self.params = {**self.defaults, **params}
        self._check_params()

    def _check_params(self) -> None:  # subclasses validate their options
        pass

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if self.defaults[k] != v)
        return f"{type(self).__name__}(alias={self.alias!r}{', ' if opts else ''}{opts})"

    def clone(self, **overrides) -> ForecastModel:
        """An unfitted copy with the same hyperparameters (``overrides`` replace some)."""
        return type(self)(alias=self.alias, **{**self.params, **overrides})

    # -- fitting ----------------------------------------------------------------------
    def fit(self, df: pd.DataFrame) -> ForecastModel:
        """Fit one state per ``unique_id`` of a tidy ``unique_id, ds, y`` frame.

        Returns
        -------
        self
        """
        from forecast.models.calibration import calibrate_series

        df = _check_frame(df)
        self.states_, self.last_ds_, self.scales_, records = {}, {}, {}, []
        for uid, g in df.groupby("unique_id", sort=True):
            ds, y = pd.DatetimeIndex(g["ds"]), g["y"].to_numpy()
            _check_series(uid, ds, y)
            self.states_[uid] = self._fit_one(uid, ds, y)
            self.last_ds_[uid] = ds[-1]
            if self.params["calibrate"]:
                rec = calibrate_series(self, uid, ds, y)
                self.scales_[uid] = (rec["shared_scale"], rec["noise_scale"])
                records.append(rec)
        self.calibration_ = pd.DataFrame(records) if records else None
        return self

    def _fit_one(self, uid: str, ds: pd.DatetimeIndex, y: np.ndarray):
        raise NotImplementedError

    def _draw_one(self, state, h: int, n_paths: int, *, rng: np.random.Generator) -> Components:
        raise NotImplementedError

    def _regime_start(self, ds: pd.DatetimeIndex, y: np.ndarray) -> int:
        """Index where the history the model uses starts (models that trim override)."""
        return 0

    def _check_fitted(self) -> None:
        if not hasattr(self, "states_"):
            raise ValueError(f"{self.alias}: call fit(df) before sample_paths or predict")

    # -- sampling ---------------------------------------------------------------------
    def _paths_one(self, uid: str, h: int, n_paths: int, *, rng: np.random.Generator) -> np.ndarray:
        comps = self._draw_one(self.states_[uid], h, n_paths, rng=rng)
        a, b = self.scales_.get(uid, (1.0, 1.0))
        return comps.paths(a, b)

    def sample_paths(self, h: int, *, n_paths: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Joint sample paths for the ``h`` days after each series' last observation.

        Parameters
        ----------
        h : int
            Horizon in days.
        n_paths : int, default 1000
            Number of sample paths per series.
        seed : int, default 0
            Seed of the random stream; equal seeds give equal paths.

        Returns
        -------
        DataFrame
            Columns ``unique_id, ds, sample_id, y``; ``y >= 0``.
        """
        self._check_fitted()
        h, n_paths = _check_positive("h", h), _check_positive("n_paths", n_paths)
        rngs = np.random.default_rng(seed).spawn(len(self.states_))
        frames = []
        for rng, uid in zip(rngs, self.states_):
            paths = self._paths_one(uid, h, n_paths, rng=rng)
            ds = pd.date_range(self.last_ds_[uid] + pd.Timedelta(days=1), periods=h)
            frames.append(pd.DataFrame({
                "unique_id": uid,
                "ds": np.tile(ds.values, n_paths),
                "sample_id": np.repeat(np.arange(n_paths), h),
                "y": paths.ravel(),
            }))
        return pd.concat(frames, ignore_index=True)

    def predict(
        self, h: int, *, level=(80, 95), n_paths: int = 1000, seed: int = 0
    ) -> pd.DataFrame:
        """Quantile summary of :meth:`sample_paths` (median and central intervals).

        Returns
        -------
        DataFrame
            ``unique_id, ds, <alias>, <alias>-lo-<level>, <alias>-hi-<level>, ...``
        """
        _check_levels(level)
        return summarize_paths(self.sample_paths(h, n_paths=n_paths, seed=seed), self.alias,
                               level=level)


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)
