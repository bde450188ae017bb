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

from importlib import import_module

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
    "is_count",
    "WINDOW",
]

#: Every alias accepted by :func:`make_model` (the classes behind them are in
#: :mod:`forecast.models.registry`; a test keeps the two lists equal). Written out here so
#: that reading it (``forecast --help``) imports no model library.
MODEL_ALIASES: tuple[str, ...] = ("lunar-naive", "prophet", "prophet-builtin",
                                  "prophet-window", "statespace", "statespace-recent", "auto")

# everything else is loaded on first use
_WHERE = {
    "WINDOW": "forecast.calendar",
    "ForecastModel": "forecast.models.base",
    "ShortHistoryWarning": "forecast.models.base",
    "summarize_paths": "forecast.models.base",
    "Components": "forecast.models.components",
    "AutoModel": "forecast.models.ensemble",
    "LunarNaive": "forecast.models.lunar_naive",
    "ProphetModel": "forecast.models.prophet_model",
    "ProphetReference": "forecast.models.prophet_model",
    "StateSpaceModel": "forecast.models.statespace",
    "SharedDraws": "forecast.models.joint",
    "shared_draws": "forecast.models.joint",
    "is_count": "forecast.models.zeros",
}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecast.models' has no attribute {name!r}")


def _registry() -> dict:
    from forecast.models.ensemble import AutoModel
    from forecast.models.registry import REGISTRY

    return {**REGISTRY, "auto": (AutoModel, {})}


def make_model(alias: str, **options):
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
    from forecast.models.registry import build_model

    return build_model(alias, _registry(), **options)
