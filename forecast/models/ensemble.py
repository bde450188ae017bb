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
level), ``statespace-recent`` (the same model started from the mean residual of the last
56 days, which follows growth the filter ignores when it fits a near-zero level variance)
and ``prophet``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models.base import ForecastModel

__all__ = ["AutoModel", "mixture_weights"]


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


def _allocate(weights: np.ndarray, n: int) -> np.ndarray:
    raw = weights * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


class AutoModel(ForecastModel):
    """Recommended default: ``statespace``, or a variant that backtests clearly better.

    Parameters
    ----------
    alias : str, default "auto"
    components : tuple of str, default ("statespace", "statespace-recent", "prophet")
        Aliases passed to :func:`forecast.models.make_model`.
    combine : {"best", "mixture"}, default "best"
    power : float, default 2.0
        Weight exponent on inverse scaled CRPS (``combine="mixture"``).
    margin : float, default 0.2
        Relative improvement in inner-backtest scaled CRPS another component needs to
        replace the first one (``combine="best"``), in [0, 1).
    country : str or None, default "HK"
        Passed to every component.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = AutoModel(components=("statespace",)).fit(toy_history(years=3))
    >>> m.weights_.columns.tolist()
    ['unique_id', 'model', 'scaled_crps', 'weight']
    """

    default_alias = "auto"
    defaults = {"components": ("statespace", "statespace-recent", "prophet"), "combine": "best",
                "power": 2.0, "margin": 0.2, "country": "HK", "calibrate": False}

    def _check_params(self) -> None:
        if self.params["combine"] not in ("mixture", "best"):
            raise ValueError(f"combine must be 'mixture' or 'best', got {self.params['combine']!r}")
        if not 0 <= self.params["margin"] < 1:
            raise ValueError(f"margin must lie in [0, 1), got {self.params['margin']!r}")
        if not self.params["components"] or "auto" in self.params["components"]:
            raise ValueError("components must be a non-empty tuple of model aliases (not 'auto')")

    def fit(self, df: pd.DataFrame) -> AutoModel:
        """Fit every component (with calibration) and weight them per series."""
        from forecast.models import make_model

        p = self.params
        self.models_ = [make_model(a, country=p["country"]).fit(df) for a in p["components"]]
        self.states_, self.last_ds_, self.scales_ = {}, dict(self.models_[0].last_ds_), {}
        rows, cal = [], []
        for uid in self.models_[0].states_:
            scores = []
            for m in self.models_:
                c = m.calibration_
                scores.append(float(c.loc[c.unique_id == uid, "scaled_crps_after"].iloc[0])
                              if c is not None else np.nan)
            w = mixture_weights(np.array(scores), power=p["power"], combine=p["combine"],
                                margin=p["margin"])
            self.states_[uid] = w
            rows += [(uid, m.alias, s, wk) for m, s, wk in zip(self.models_, scores, w)]
        for m in self.models_:
            if m.calibration_ is not None:
                cal.append(m.calibration_.assign(model=m.alias))
        self.weights_ = pd.DataFrame(rows, columns=["unique_id", "model", "scaled_crps", "weight"])
        self.calibration_ = pd.concat(cal, ignore_index=True) if cal else None
        return self

    def _paths_one(self, uid, h, n_paths, *, rng) -> np.ndarray:
        counts = _allocate(self.states_[uid], n_paths)
        rngs = rng.spawn(len(self.models_) + 1)
        parts = [m._paths_one(uid, h, c, rng=r)
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
