"""Holiday-aware probabilistic demand models with joint sample paths.

Every model follows one interface::

    model = make_model("auto")          # or "statespace", "prophet", "lunar-naive", ...
    model.fit(df)                       # df: unique_id, ds, y (daily, no gaps)
    paths = model.sample_paths(56, n_paths=1000, seed=0)   # unique_id, ds, sample_id, y
    summary = model.predict(56, level=(80, 95))            # <alias>, <alias>-lo-80, ...

Aliases: ``lunar-naive`` (baseline), ``prophet`` (LNY phases, joint calibrated paths),
``prophet-builtin`` and ``prophet-window`` (Prophet as a user would run it: references),
``statespace`` (robust LNY regression + local level + AR(1)), ``statespace-recent`` (the
same, started from the last 56 days' mean residual level), and ``auto`` (the recommended
default: ``statespace``, or ``statespace-recent`` / ``prophet`` where it backtests clearly
better).
"""

from __future__ import annotations

from forecast.models.base import WINDOW, Components, ForecastModel, summarize_paths
from forecast.models.ensemble import AutoModel
from forecast.models.lunar_naive import LunarNaive
from forecast.models.prophet_model import ProphetModel, ProphetReference
from forecast.models.statespace import StateSpaceModel

__all__ = [
    "MODEL_ALIASES",
    "make_model",
    "ForecastModel",
    "Components",
    "LunarNaive",
    "ProphetModel",
    "ProphetReference",
    "StateSpaceModel",
    "AutoModel",
    "summarize_paths",
    "WINDOW",
]

_REGISTRY = {
    "lunar-naive": (LunarNaive, {}),
    "prophet": (ProphetModel, {}),
    "prophet-builtin": (ProphetReference, {"holidays": "builtin"}),
    "prophet-window": (ProphetReference, {"holidays": "window"}),
    "statespace": (StateSpaceModel, {}),
    "statespace-recent": (StateSpaceModel, {"level_days": 56}),
    "auto": (AutoModel, {}),
}
#: Every alias accepted by :func:`make_model`.
MODEL_ALIASES: tuple[str, ...] = tuple(_REGISTRY)


def make_model(alias: str, **options) -> ForecastModel:
    """Build an unfitted model from its alias.

    Parameters
    ----------
    alias : str
        One of :data:`MODEL_ALIASES`.
    **options
        Hyperparameters of that model class (e.g. ``country="TW"``). ``country`` is
        ignored by ``lunar-naive``, which has no holiday features.

    Examples
    --------
    >>> make_model("statespace", country="HK").alias
    'statespace'
    >>> make_model("nope")
    Traceback (most recent call last):
    ...
    ValueError: unknown model alias 'nope'; choose one of lunar-naive, prophet, prophet-builtin, prophet-window, statespace, statespace-recent, auto
    """
    if alias not in _REGISTRY:
        raise ValueError(f"unknown model alias {alias!r}; choose one of {', '.join(MODEL_ALIASES)}")
    cls, fixed = _REGISTRY[alias]
    opts = {**fixed, **options}
    if cls is LunarNaive:
        opts.pop("country", None)
    return cls(alias=alias, **opts)
