"""``auto``: per series, the calibrated model that backtests best on past LNYs.

Each component is fitted with calibration on, which backtests it on the past LNYs in the
history (``calibration_``). By default (``combine="best"``) the first component
(``statespace``) keeps all the weight unless another one's scaled CRPS over those folds is
lower by more than ``margin`` (20%): with two to five past LNYs the inner scores are weak
evidence, and on the real series measured a CRPS-weighted mixture with ``prophet`` was
no better than ``statespace`` alone (worse on Kaohsiung) and over-covered (daily 80% coverage up to 0.91, see
``benchmarks/RESULTS.md``). ``combine="mixture"`` gives component ``k`` a weight
proportional to ``scaled_crps_k ** -power``. With no usable past LNY fold all weight goes
to the first component. A path of a mixture is a whole path of one component, so joint
dependence is kept.

The default components are ``statespace`` (paths start from the Kalman-filtered residual
level) and ``statespace-recent`` (the same fit started from the mean residual of the last
56 days, which follows growth the filter ignores when it fits a near-zero level variance);
the two share their regression fits, so the second costs little. ``prophet`` is no longer
a default component: measured on the demo and the real series it never earned the 20%
margin over ``statespace``, and its Stan fits (one per calibration fold) were most of
``auto``'s time (``benchmarks/RESULTS.md``); pass ``components=("statespace",
"statespace-recent", "prophet")`` to consider it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.models.base import ForecastModel, ShortHistoryWarning, check_frame, check_rng
from forecast.models.joint import hub_rng
from forecast.models.registry import REGISTRY, build_model

__all__ = ["AutoModel", "mixture_weights", "allocate_paths"]


def mixture_weights(scores: np.ndarray, *, power: float = 2.0, combine: str = "mixture",
                    margin: float = 0.0) -> np.ndarray:
    """Weights from per-component backtest scores (lower is better).

    Without finite scores (no past LNY fold), all weight goes to the first component.
    With ``combine="best"``, another component replaces the first only when its score is
    lower by more than the relative ``margin`` (a few past LNYs are weak evidence).

    Examples
    --------
    >>> mixture_weights(np.array([1.0, 2.0])).round(2).tolist()
    [0.8, 0.2]
    >>> mixture_weights(np.array([1.0, 2.0]), combine="best").tolist()
    [1.0, 0.0]
    >>> mixture_weights(np.array([1.0, 0.95]), combine="best", margin=0.1).tolist()
    [1.0, 0.0]
    """
    s = np.asarray(scores, dtype=float)
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        w = np.zeros(len(s))
        w[0] = 1.0
        return w
    if combine == "best":
        w = np.zeros(len(s))
        k = int(np.argmin(s))
        w[k if s[k] < s[0] * (1.0 - margin) else 0] = 1.0
        return w
    w = s ** -power
    return w / w.sum()


def allocate_paths(weights: np.ndarray, n: int) -> np.ndarray:
    """Paths per component: ``n`` split in proportion to ``weights`` (largest remainders).

    Examples
    --------
    >>> allocate_paths(np.array([0.5, 0.25, 0.25]), 10).tolist()
    [5, 3, 2]
    """
    raw = weights * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


class AutoModel(ForecastModel):
    """Recommended default: ``statespace``, or a variant that backtests clearly better.

    Parameters
    ----------
    alias : str, default "auto"
    components : tuple of str, default ("statespace", "statespace-recent")
        Single-model aliases (:data:`forecast.models.registry.COMPONENT_ALIASES`).
    combine : {"best", "mixture"}, default "best"
    power : float, default 2.0
        Weight exponent on inverse scaled CRPS (``combine="mixture"``).
    margin : float, default 0.2
        Relative improvement in inner-backtest scaled CRPS another component needs to
        replace the first one (``combine="best"``), in [0, 1).
    country : str or None, default "HK"
        Passed to every component.

    Attributes
    ----------
    selection_ : DataFrame
        One row per series and component: ``unique_id, model, n_folds, scaled_crps,
        coverage_80, coverage_95, window_coverage_80, weight``, the component's scores on
        its calibration folds (past LNYs, after its spread calibration): what ``auto``
        chose from, and what a report can show instead of backtesting the components again.
    calibration_ : DataFrame
        Every component's calibration record, with a ``model`` column.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = AutoModel(components=("statespace",)).fit(toy_history(years=3),
    ...                                               rng=np.random.default_rng(0))
    >>> m.selection_[["model", "n_folds", "weight"]].to_dict("records")
    [{'model': 'statespace', 'n_folds': 1, 'weight': 1.0}]
    """

    default_alias = "auto"

    def __init__(self, *, alias: str | None = None,
                 components: tuple[str, ...] = ("statespace", "statespace-recent"),
                 combine: str = "best", power: float = 2.0, margin: float = 0.2,
                 country: str | None = "HK") -> None:
        super().__init__(alias=alias)
        components = tuple(components)
        if combine not in ("mixture", "best"):
            raise ValueError(f"combine must be 'mixture' or 'best', got {combine!r}")
        if not 0 <= margin < 1:
            raise ValueError(f"margin must lie in [0, 1), got {margin!r}")
        bad = [c for c in components if c not in REGISTRY]
        if not components or bad:
            raise ValueError(f"components must be a non-empty tuple of model aliases from "
                             f"{', '.join(REGISTRY)}; got {components!r}")
        self.components, self.combine, self.power = components, combine, power
        self.margin, self.country = margin, country

    def fit(self, df: pd.DataFrame, *, rng: np.random.Generator | None = None) -> AutoModel:
        """Fit every component (with calibration) and weight them per series.

        Parameters
        ----------
        df : DataFrame
            ``unique_id, ds, y``.
        rng : numpy.random.Generator, optional
            One stream per component is spawned from it.

        Returns
        -------
        self
        """
        df = check_frame(df)
        rng = check_rng(rng)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")  # kept, and re-raised below through the
                self.models_ = [  # caller's filters
                    build_model(a, REGISTRY, country=self.country).fit(df, rng=r)
                    for a, r in zip(self.components, rng.spawn(len(self.components)))]
        except ValueError as err:  # name the model the user chose, then its component's error
            raise ValueError(f"{self.alias}, component {err}") from err
        self.states_, self.last_ds_, self.scales_ = {}, dict(self.models_[0].last_ds_), {}
        rows, cal = [], []
        for uid in self.models_[0].states_:
            recs = [_inner_scores(m, uid) for m in self.models_]
            w = mixture_weights(np.array([r["scaled_crps"] for r in recs]), power=self.power,
                                combine=self.combine, margin=self.margin)
            self.states_[uid] = w
            rows += [{"unique_id": uid, "model": m.alias, **r, "weight": wk}
                     for m, r, wk in zip(self.models_, recs, w)]
        for m in self.models_:
            if m.calibration_ is not None:
                cal.append(m.calibration_.assign(model=m.alias))
        self.selection_ = pd.DataFrame(rows, columns=[
            "unique_id", "model", "n_folds", "scaled_crps", "coverage_80", "coverage_95",
            "window_coverage_80", "weight"])
        self.calibration_ = pd.concat(cal, ignore_index=True) if cal else None
        # a component's short-history warning matters where the component draws paths;
        # raised here, as the components raised them (from this module, through the
        # caller's filters), once the model is whole
        used = tuple(f"{m.alias}: series {uid!r}:" for uid, w in self.states_.items()
                     for m, wk in zip(self.models_, w) if wk > 0)
        for w in caught:
            if not issubclass(w.category, ShortHistoryWarning) or str(w.message).startswith(used):
                warnings.warn(w.message, stacklevel=1)
        return self

    @property
    def weights_(self) -> pd.DataFrame:
        """``unique_id, model, scaled_crps, weight``: the columns of ``selection_`` that
        decide the weights."""
        return self.selection_[["unique_id", "model", "scaled_crps", "weight"]]

    @property
    def supports_joint(self) -> bool:
        """Joint paths when every component supports them."""
        return all(type(m).supports_joint for m in getattr(self, "models_", ()))

    def series_paths(self, uid, h, n_paths, *, rng=None, shared=None) -> np.ndarray:
        """Paths of one series: ``n_paths`` split over the components by weight.

        Joint (``shared``): every component with weight draws all ``n_paths`` from the
        shared draws, and path ``i`` is component ``k_i``'s path ``i``, with the
        assignment ``k`` a permutation of the allocation from the hub's own stream
        (:func:`forecast.models.joint.hub_rng`): path ``i`` keeps the shared draws of
        row ``i`` whichever component it comes from.
        """
        self.check_fitted()
        counts = allocate_paths(self.states_[uid], n_paths)
        if shared is not None:
            shared.check(h, n_paths)
            used = np.flatnonzero(counts)
            if len(used) == 1:
                return self.models_[used[0]].series_paths(uid, h, n_paths, shared=shared)
            which = hub_rng(shared, uid).permutation(np.repeat(np.arange(len(counts)), counts))
            out = np.empty((n_paths, h))
            for k in used:
                rows = which == k
                out[rows] = self.models_[k].series_paths(uid, h, n_paths, shared=shared)[rows]
            return out
        rngs = check_rng(rng).spawn(len(self.models_) + 1)
        parts = [m.series_paths(uid, h, c, rng=r)
                 for m, c, r in zip(self.models_, counts, rngs) if c > 0]
        paths = np.concatenate(parts, axis=0)
        return paths[rngs[-1].permutation(n_paths)]

    @property
    def lny_effects_(self):
        """LNY multipliers of the first component that reports them."""
        for m in self.models_:
            if hasattr(type(m), "lny_effects_"):
                return m.lny_effects_
        raise ValueError("no component of auto reports LNY effects")


def _inner_scores(model: ForecastModel, uid: str) -> dict:
    """A component's scores on its calibration folds (after scaling), NaN without folds."""
    c = model.calibration_
    row = c[c.unique_id == uid].iloc[0] if c is not None and (c.unique_id == uid).any() else None
    get = (lambda k: float(row[k])) if row is not None else (lambda k: np.nan)
    return {"n_folds": int(row["n_folds"]) if row is not None else 0,
            "scaled_crps": get("scaled_crps_after"), "coverage_80": get("cov80_after"),
            "coverage_95": get("cov95_after"), "window_coverage_80": get("window_cov80_after")}
