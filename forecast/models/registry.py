"""The single-model aliases and their constructor (``auto`` is built on top of these).

Kept apart from :mod:`forecast.models` so that :class:`forecast.models.ensemble.AutoModel`
can build its components without importing the package that exports it.
"""

from __future__ import annotations

from forecast.models.base import ForecastModel, check_options
from forecast.models.lunar_naive import LunarNaive
from forecast.models.prophet_model import ProphetModel, ProphetReference
from forecast.models.statespace import StateSpaceModel

__all__ = ["COMPONENT_ALIASES", "REGISTRY", "build_model"]

#: alias -> (class, fixed options)
REGISTRY: dict[str, tuple[type, dict]] = {
    "lunar-naive": (LunarNaive, {}),
    "prophet": (ProphetModel, {}),
    "prophet-builtin": (ProphetReference, {"holidays": "builtin"}),
    "prophet-window": (ProphetReference, {"holidays": "window"}),
    "statespace": (StateSpaceModel, {}),
    "statespace-recent": (StateSpaceModel, {"level_days": 56}),
}
#: Every alias that :func:`build_model` accepts.
COMPONENT_ALIASES: tuple[str, ...] = tuple(REGISTRY)


def build_model(alias: str, registry: dict, **options) -> ForecastModel:
    """An unfitted model of ``registry[alias]`` with ``options`` (checked).

    ``country`` is dropped for classes without it (``lunar-naive`` has no holidays).

    Raises
    ------
    ValueError
        Unknown alias (the allowed ones are named) or unknown option.
    """
    if alias not in registry:
        raise ValueError(f"unknown model alias {alias!r}; choose one of {', '.join(registry)}")
    cls, fixed = registry[alias]
    opts = {**fixed, **options}
    if "country" not in cls.param_names():
        opts.pop("country", None)
    check_options(cls, opts, alias=alias)
    return cls(alias=alias, **opts)
