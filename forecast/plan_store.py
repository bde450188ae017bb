"""Frozen results as data: dataclasses to frames, arrays and JSON metadata, and back.

:mod:`forecast.cache` stores named frames and arrays with JSON metadata and nothing else
(no pickle). :func:`pack` flattens a results dataclass (and the dataclasses it holds) into
those three kinds, keyed by dotted field names; :func:`unpack` rebuilds one class from
them. Fields the caller already holds (a scenario, a config) are passed in, not stored.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

__all__ = ["pack", "unpack"]


def pack(obj, *, prefix: str = "", skip: tuple[str, ...] = (), frames=None, meta=None):
    """Flatten the dataclass ``obj``: ``(frames, meta)`` for :func:`forecast.cache.save`.

    DataFrames, arrays and DatetimeIndexes become frames or arrays, nested dataclasses are
    flattened under ``<field>.``, tuples become lists and numpy scalars Python numbers;
    fields named in ``skip`` are left out, at every level.

    Examples
    --------
    >>> @dataclasses.dataclass
    ... class R:
    ...     x: np.ndarray
    ...     n: int
    >>> frames, meta = pack(R(np.arange(3), np.int64(4)))
    >>> sorted(frames), meta
    (['x'], {'n': 4})
    >>> unpack(R, frames, meta).n
    4
    """
    frames = {} if frames is None else frames
    meta = {} if meta is None else meta
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        value, key = getattr(obj, f.name), prefix + f.name
        if isinstance(value, pd.DatetimeIndex):
            frames[key] = value.to_numpy()
        elif isinstance(value, (pd.DataFrame, np.ndarray)):
            frames[key] = value
        elif dataclasses.is_dataclass(value):
            pack(value, prefix=key + ".", skip=skip, frames=frames, meta=meta)
        else:
            meta[key] = _plain(value)
    return frames, meta


def unpack(cls, frames: dict, meta: dict, *, prefix: str = "", **known):
    """Rebuild ``cls`` from what :func:`pack` stored; ``known`` gives the other fields."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = prefix + f.name
        if f.name in known:
            kwargs[f.name] = known[f.name]
        elif key in frames:
            value = frames[key]
            kwargs[f.name] = (pd.DatetimeIndex(value) if isinstance(value, np.ndarray)
                              and value.dtype.kind == "M" else value)
        elif key in meta:
            value = meta[key]
            is_tuple = isinstance(value, list) and str(f.type).startswith("tuple")
            kwargs[f.name] = tuple(value) if is_tuple else value
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"stored results lack {key!r}")
    return cls(**kwargs)


def _plain(value):
    """JSON-ready: numpy scalars to Python, tuples to lists (recursively)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
