"""Content hashes: what a plan, a cache entry and a published artefact depend on.

The hashes are content-based and stable across processes, machines and pandas versions:
the same frame, file or configuration always gives the same sha256 hex digest.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["config_hash", "file_hash", "frame_hash"]

_CHUNK = 1 << 20


def file_hash(path: str | os.PathLike[str]) -> str:
    """Return the sha256 hex digest of a file's bytes.

    Parameters
    ----------
    path : str or path-like
        File to hash; read in chunks, so large files are fine.

    Returns
    -------
    str
        64 lower-case hex characters.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> file_hash(p)[:16]
    'ba7816bf8f01cfea'
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"file_hash: {path} is not an existing file")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def frame_hash(df: pd.DataFrame) -> str:
    """Return a stable, content-based sha256 hex digest of a data frame.

    The digest covers the column names, their order, a coarse kind per column (number,
    datetime, text, bool) and the values in row order. The index is ignored. Numbers are
    hashed as float64 (so ``1`` and ``1.0`` agree, ``-0.0`` equals ``0.0`` and all NaNs
    are one value); datetimes as UTC nanoseconds; text as UTF-8. It does not depend on
    pandas' internal hashing, so it is stable across pandas versions.

    Parameters
    ----------
    df : pandas.DataFrame
        Frame to hash, e.g. the history returned by ``forecast.data.load_history``.

    Returns
    -------
    str
        64 lower-case hex characters.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unique_id": ["total"], "y": [1.0]})
    >>> b = pd.DataFrame({"unique_id": ["total"], "y": [1]}, index=[5])
    >>> frame_hash(a) == frame_hash(b)
    True
    >>> frame_hash(a) == frame_hash(a.assign(y=2.0))
    False
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"frame_hash expects a pandas DataFrame, got {type(df).__name__}")
    digest = hashlib.sha256()
    header = {"columns": [str(c) for c in df.columns], "n_rows": int(len(df))}
    kinds = []
    blocks = []
    for column in df.columns:
        kind, payload = _column_bytes(df[column])
        kinds.append(kind)
        blocks.append(payload)
    header["kinds"] = kinds
    digest.update(json.dumps(header, sort_keys=True).encode())
    for payload in blocks:
        digest.update(len(payload).to_bytes(8, "little"))
        digest.update(payload)
    return digest.hexdigest()


def _column_bytes(series: pd.Series) -> tuple[str, bytes]:
    """Canonical (kind, bytes) of one column."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool", series.to_numpy(dtype=np.uint8).tobytes()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series
        if getattr(series.dt, "tz", None) is not None:
            values = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = values.astype("datetime64[ns]").to_numpy().view(np.int64)
        return "datetime", ns.astype("<i8").tobytes()
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0  # -0.0 -> 0.0
        values[np.isnan(values)] = np.nan  # one canonical NaN bit pattern
        return "number", values.astype("<f8").tobytes()
    text = ["\x00<NA>" if _is_missing(v) else str(v) for v in series.tolist()]
    return "text", "\x1f".join(text).encode("utf-8")


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def config_hash(mapping: Mapping[str, object]) -> str:
    """Return the sha256 hex digest of a configuration's canonical JSON.

    Canonical JSON has sorted keys, no insignificant whitespace and UTF-8 text. Tuples
    hash like lists, dates and paths like their ISO / string forms, numpy scalars like
    Python numbers. Non-finite floats are rejected: they have no JSON form.

    Parameters
    ----------
    mapping : Mapping
        The configuration, e.g. the dict a scenario round-trips to (the same dict that
        papermill injects into the notebooks).

    Returns
    -------
    str
        64 lower-case hex characters.

    Examples
    --------
    >>> config_hash({"b": 1, "a": [1, 2]}) == config_hash({"a": (1, 2), "b": 1})
    True
    >>> config_hash({"a": 1}) == config_hash({"a": 2})
    False
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"config_hash expects a mapping, got {type(mapping).__name__}")
    try:
        text = json.dumps(
            mapping,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
    except ValueError as exc:  # NaN / inf
        raise ValueError(f"config_hash: configuration has a non-finite number ({exc})") from exc
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "isoformat"):  # date, datetime, pandas Timestamp
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise ValueError(
        f"config_hash: cannot hash a value of type {type(value).__name__} ({value!r}); "
        "allowed: JSON types, tuples, sets, dates, paths, numpy scalars and arrays"
    )
