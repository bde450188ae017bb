"""Provenance of published artefacts: content hashes and the run manifest.

Every artefact that ``forecast run`` publishes can be traced back to the package version,
the configuration, the input data and the seed that produced it. The hashes here are
content-based and stable across processes, machines and pandas versions: the same frame
or the same configuration always gives the same sha256 hex digest.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Provenance",
    "file_hash",
    "frame_hash",
    "config_hash",
    "write_manifest",
    "MANIFEST_NAME",
]

#: File name of the manifest written by :func:`write_manifest`.
MANIFEST_NAME = "manifest.json"
_MANIFEST_SCHEMA = 1
_CHUNK = 1 << 20
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Provenance:
    """Where a published result came from.

    Parameters
    ----------
    version : str
        Version of the ``forecast`` package that produced the result.
    config_hash : str
        Hex digest of the configuration (see :func:`config_hash`).
    data_hash : str
        Hex digest of the input data (see :func:`frame_hash` or :func:`file_hash`).
    seed : int
        Seed of the run's random number generator.

    Examples
    --------
    >>> p = Provenance("0.1.0", config_hash="ab" * 32, data_hash="cd" * 32, seed=7)
    >>> p.footer()
    'forecast 0.1.0 · config abababababab · data cdcdcdcdcdcd · seed 7'
    """

    version: str
    config_hash: str
    data_hash: str
    seed: int

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValueError(f"Provenance.version must be a non-empty str, got {self.version!r}")
        for name in ("config_hash", "data_hash"):
            value = getattr(self, name)
            if not isinstance(value, str) or len(value) < 8 or not set(value) <= _HEX:
                raise ValueError(
                    f"Provenance.{name} must be a lower-case hex digest of at least 8 "
                    f"characters, got {value!r}"
                )
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise ValueError(f"Provenance.seed must be an int, got {self.seed!r}")
        if self.seed < 0:
            raise ValueError(f"Provenance.seed must be >= 0, got {self.seed}")
        object.__setattr__(self, "seed", int(self.seed))

    def footer(self, *, digits: int = 12) -> str:
        """One line for a page footer, hashes shortened to ``digits`` characters."""
        return (
            f"forecast {self.version} · config {self.config_hash[:digits]} · "
            f"data {self.data_hash[:digits]} · seed {self.seed}"
        )


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


def write_manifest(
    out_dir: str | os.PathLike[str],
    *,
    version: str,
    config_hash: str,
    data_hash: str,
    seed: int,
    timings: Mapping[str, float],
    artefacts: Iterable[str | os.PathLike[str]],
) -> Path:
    """Write ``manifest.json`` describing a published run into ``out_dir``.

    Parameters
    ----------
    out_dir : str or path-like
        The published directory; it must exist and contain every artefact.
    version, config_hash, data_hash, seed
        Provenance of the run (see :class:`Provenance`).
    timings : Mapping[str, float]
        Seconds per step (e.g. per notebook), recorded rounded to milliseconds.
    artefacts : iterable of path
        Published files, absolute or relative to ``out_dir``. Each is listed with its
        path relative to ``out_dir``, sha256 and size in bytes, sorted by path.

    Returns
    -------
    pathlib.Path
        Path of the manifest. The file is JSON with sorted keys and no wall-clock time,
        so two runs differ only where their timings or artefacts differ.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / "summary.csv").write_text("a,b\\n1,2\\n")
    >>> path = write_manifest(out, version="0.1.0", config_hash="ab" * 32,
    ...                       data_hash="cd" * 32, seed=1, timings={"01-history": 1.5},
    ...                       artefacts=["summary.csv"])
    >>> json.loads(path.read_text())["artefacts"][0]["size"]
    8
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ValueError(f"write_manifest: out_dir {out_dir} is not an existing directory")
    provenance = Provenance(version, config_hash=config_hash, data_hash=data_hash, seed=seed)
    root = out_dir.resolve()
    listed: dict[str, dict[str, object]] = {}
    for artefact in artefacts:
        path = Path(artefact)
        path = (path if path.is_absolute() else out_dir / path).resolve()
        if not path.is_file():
            raise ValueError(f"write_manifest: artefact {artefact} is not an existing file")
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            raise ValueError(
                f"write_manifest: artefact {artefact} is outside out_dir {out_dir}"
            ) from None
        if relative == MANIFEST_NAME:
            continue
        listed[relative] = {
            "path": relative,
            "sha256": file_hash(path),
            "size": path.stat().st_size,
        }
    clean_timings = {}
    for step, seconds in timings.items():
        seconds = float(seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"write_manifest: timing of {step!r} must be >= 0, got {seconds}")
        clean_timings[str(step)] = round(seconds, 3)
    manifest = {
        "schema": _MANIFEST_SCHEMA,
        "package": "forecast",
        "version": provenance.version,
        "config_hash": provenance.config_hash,
        "data_hash": provenance.data_hash,
        "seed": provenance.seed,
        "timings": clean_timings,
        "total_seconds": round(sum(clean_timings.values()), 3),
        "artefacts": [listed[key] for key in sorted(listed)],
    }
    path = out_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
    return path
