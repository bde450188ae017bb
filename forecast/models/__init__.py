"""Holiday-aware probabilistic demand models with joint sample paths.

Every model follows one interface::

    model = make_model("auto")          # or "statespace", "prophet", "lunar-naive", ...
    rng = np.random.default_rng(seed)   # the caller's seed, once
    model.fit(df, rng=rng)              # df: unique_id, ds, y (daily, no gaps)
    paths = model.sample_paths(56, n_paths=1000, rng=rng)  # unique_id, ds, sample_id, y
    summary = model.predict(56, level=(80, 95), rng=rng)  # <alias>, <alias>-lo-80, ...

Paths of several series are joint by default (``dependence="joint"``,
:mod:`forecast.models.joint`): path ``sample_id = i`` is one world for every series, so a
network total is a sum along ``sample_id``. To draw hubs apart (one process each)::

    shared = shared_draws(rng, n_paths, h)                 # once
    paths = model.series_paths(uid, h, n_paths, shared=shared)  # (n_paths, h), per hub

Aliases: ``lunar-naive`` (baseline), ``prophet`` (LNY phases, joint calibrated paths),
``prophet-builtin`` and ``prophet-window`` (Prophet as a user would run it: references),
``statespace`` (robust LNY regression + local level + AR(1)), ``statespace-recent`` (the
same, started from the last 56 days' mean residual level), and ``auto`` (the recommended
default: ``statespace``, or ``statespace-recent`` where it backtests clearly better).

``WINDOW`` is re-exported from :mod:`forecast.calendar` (the one LNY window).
"""

from __future__ import annotations

from forecast.calendar import WINDOW
from forecast.models.base import ForecastModel, ShortHistoryWarning, summarize_paths
from forecast.models.components import Components
from forecast.models.ensemble import AutoModel
from forecast.models.joint import SharedDraws, shared_draws
from forecast.models.lunar_naive import LunarNaive
from forecast.models.prophet_model import ProphetModel, ProphetReference
from forecast.models.registry import REGISTRY, build_model
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
    "ShortHistoryWarning",
    "SharedDraws",
    "shared_draws",
    "summarize_paths",
    "WINDOW",
]

_REGISTRY = {**REGISTRY, "auto": (AutoModel, {})}
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

    Raises
    ------
    ValueError
        Unknown alias or option (the allowed ones are named).

    Examples
    --------
    >>> make_model("statespace", country="HK").alias
    'statespace'
    >>> make_model("nope")
    Traceback (most recent call last):
    ...
    ValueError: unknown model alias 'nope'; choose one of lunar-naive, prophet, prophet-builtin, prophet-window, statespace, statespace-recent, auto
    >>> make_model("lunar-naive", colour="red")
    Traceback (most recent call last):
    ...
    ValueError: lunar-naive: unknown option(s) ['colour']; allowed: ['lag', 'level_days']
    """
    return build_model(alias, _REGISTRY, **options)
