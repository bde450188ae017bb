"""A data-only, checksummed store of computed results in the user's cache directory.

An entry is a folder named by a hex key holding named pandas frames (Parquet), numpy
arrays (one ``.npz``, read with ``allow_pickle=False``) and a JSON metadata dict, plus an
``entry.json`` that lists every file with its size and sha256 and a checksum over all of
it. Nothing read back is ever unpickled, so an entry cannot run code, whoever wrote it.

Writes are atomic (a temporary folder beside the entry, renamed into place when complete),
so a reader sees a whole entry or none. On load the checksum and every file's digest are
verified first; a corrupt, truncated, foreign or unreadable entry is removed with one
:class:`CacheWarning` and reported as a miss (``None``), never trusted and never a
traceback: the caller recomputes. The checksum detects damage, not forgery; what keeps a
forged entry harmless is that only data formats are parsed.

The store lives in ``platformdirs.user_cache_dir("forecast")`` unless the environment
variable ``FORECAST_CACHE_DIR`` or a ``root`` argument says otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CACHE_ENV", "CacheWarning", "cache_dir", "load", "save"]

#: Environment variable that overrides the default cache directory.
CACHE_ENV = "FORECAST_CACHE_DIR"

_FORMAT = "forecast-cache"
_VERSION = 1
_INDEX = "entry.json"
_META = "meta.json"
_ARRAYS = "arrays.npz"
_MAX_INDEX_BYTES = 1 << 20
_KEY = re.compile(r"[0-9a-f]{8,128}")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_CHUNK = 1 << 20


class CacheWarning(UserWarning):
    """A cache entry could not be trusted and was discarded (it will be recomputed)."""


class _Corrupt(Exception):
    """Internal: why an entry cannot be trusted."""


def cache_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The cache directory: ``root``, else ``$FORECAST_CACHE_DIR``, else the user's cache.

    Examples
    --------
    >>> cache_dir("/tmp/somewhere").as_posix()
    '/tmp/somewhere'
    """
    if root is not None:
        return Path(root)
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("forecast"))


def save(key: str, frames: Mapping[str, pd.DataFrame | np.ndarray], meta: Mapping, *,
         root: str | os.PathLike[str] | None = None) -> Path:
    """Store named frames and arrays with JSON metadata under ``key``, atomically.

    Parameters
    ----------
    key : str
        Lower-case hex digest naming the entry (8 to 128 characters), e.g. a
        :func:`forecast.hashing.config_hash` of what the result depends on.
    frames : Mapping[str, DataFrame or ndarray]
        What to store. Names are 1 to 100 characters from ``A-Z a-z 0-9 _ . -`` (not
        starting with ``.`` or ``-``). Frames need string column names; arrays must not
        have dtype ``object`` (they would need pickle).
    meta : Mapping
        JSON-serialisable metadata (finite numbers only), returned as is by :func:`load`.
    root : path, optional
        Cache directory (see :func:`cache_dir`).

    Returns
    -------
    pathlib.Path
        The entry's folder. If another process stored the same key first, its entry is
        kept and ours discarded (same key, same content).

    Raises
    ------
    ValueError
        A bad key, name, frame, array or metadata value (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = save("ab12cd34", {"paths": pd.DataFrame({"y": [1.0, 2.0]}),
    ...                       "late": np.arange(3)}, {"seed": 0}, root=root)
    >>> items, meta = load("ab12cd34", root=root)
    >>> items["late"].tolist(), meta
    ([0, 1, 2], {'seed': 0})
    """
    key = _check_key(key)
    if not isinstance(frames, Mapping):
        raise ValueError(f"cache.save: frames must be a mapping of name -> DataFrame or "
                         f"ndarray, got {type(frames).__name__}")
    tables, arrays = {}, {}
    for name, value in frames.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"cache.save: name {name!r} is not allowed; use 1-100 characters "
                             "from A-Z a-z 0-9 _ . - (not starting with . or -)")
        if isinstance(value, pd.DataFrame):
            bad = [c for c in value.columns if not isinstance(c, str)]
            if bad:
                raise ValueError(f"cache.save: frame {name!r} has non-str column name(s) "
                                 f"{bad[:3]}; Parquet needs str column names")
            tables[name] = value
        elif isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise ValueError(f"cache.save: array {name!r} has dtype {value.dtype}; "
                                 "only numeric, bool, str and datetime arrays can be stored")
            arrays[name] = value
        else:
            raise ValueError(f"cache.save: {name!r} must be a DataFrame or an ndarray, got "
                             f"{type(value).__name__}")
    if not isinstance(meta, Mapping):
        raise ValueError(f"cache.save: meta must be a mapping, got {type(meta).__name__}")
    try:
        meta_text = json.dumps(dict(meta), sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cache.save: meta must be JSON with finite numbers ({exc})") from None

    folder = cache_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / key
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", suffix=".tmp", dir=folder))
    try:
        (tmp / _META).write_text(meta_text, encoding="utf-8")
        for name, frame in tables.items():
            try:
                frame.to_parquet(tmp / f"{name}.parquet")
            except (TypeError, ValueError, ImportError) as exc:
                raise ValueError(f"cache.save: frame {name!r} cannot be stored as Parquet "
                                 f"({exc})") from None
            except Exception as exc:  # pyarrow's own errors (ArrowInvalid, ...)
                raise ValueError(f"cache.save: frame {name!r} cannot be stored as Parquet "
                                 f"({type(exc).__name__}: {exc})") from None
        if arrays:
            with (tmp / _ARRAYS).open("wb") as fh:
                np.savez(fh, **arrays)
        index = {"format": _FORMAT, "version": _VERSION, "key": key,
                 "frames": sorted(tables), "arrays": sorted(arrays),
                 "files": {p.name: {"size": p.stat().st_size, "sha256": _digest(p)}
                           for p in sorted(tmp.iterdir())}}
        index["checksum"] = _checksum(index)
        (tmp / _INDEX).write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
        for p in tmp.iterdir():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
        try:
            os.rename(tmp, final)
        except OSError:
            if final.is_symlink() or final.is_file():  # not an entry: replace it
                final.unlink()
                os.rename(tmp, final)
            elif not final.exists():
                raise
            # else another writer stored this key first: keep theirs (same key, same
            # content; if it is damaged, the next load discards it)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def load(key: str, *, root: str | os.PathLike[str] | None = None
         ) -> tuple[dict[str, pd.DataFrame | np.ndarray], dict] | None:
    """Read the entry stored under ``key``; ``None`` if there is none or it is damaged.

    A damaged entry (checksum or digest mismatch, truncation, a missing or extra file, a
    file of another kind under the entry's name, unreadable data) is removed with one
    :class:`CacheWarning` and ``None`` is returned.

    Returns
    -------
    (dict, dict) or None
        The named frames and arrays as stored, and the metadata.

    Examples
    --------
    >>> import tempfile
    >>> load("ab12cd34", root=tempfile.mkdtemp()) is None
    True
    """
    key = _check_key(key)
    entry = cache_dir(root) / key
    try:
        info = os.lstat(entry)
    except FileNotFoundError:
        return None
    except OSError as exc:
        _discard(entry, key, f"cannot be read ({exc.strerror or exc})")
        return None
    try:
        if not stat.S_ISDIR(info.st_mode):
            raise _Corrupt("is not a cache folder (a file or link is in its place)")
        return _read(entry, key)
    except _Corrupt as exc:
        reason = str(exc)
    except MemoryError:
        raise
    except Exception as exc:  # whatever a damaged file makes a parser raise
        reason = f"cannot be read ({type(exc).__name__}: {exc})"
    _discard(entry, key, reason)
    return None


def _read(entry: Path, key: str) -> tuple[dict, dict]:
    index_path = entry / _INDEX
    if not index_path.is_file() or index_path.is_symlink():
        raise _Corrupt(f"has no {_INDEX}")
    if index_path.stat().st_size > _MAX_INDEX_BYTES:
        raise _Corrupt(f"has an oversized {_INDEX}")
    try:
        index = json.loads(index_path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Corrupt(f"has an unreadable {_INDEX}") from None
    if not isinstance(index, dict) or index.get("format") != _FORMAT:
        raise _Corrupt("is not a forecast cache entry")
    if index.get("version") != _VERSION or index.get("key") != key:
        raise _Corrupt("was written by another version or for another key")
    claimed = index.pop("checksum", None)
    if claimed != _checksum(index):
        raise _Corrupt("fails its checksum")
    files = index["files"]
    present = {p.name for p in entry.iterdir()} - {_INDEX}
    if present != set(files):
        raise _Corrupt(f"has missing or unexpected files ({sorted(present ^ set(files))[:3]})")
    for name, expect in files.items():
        path = entry / name
        if path.is_symlink() or not path.is_file():
            raise _Corrupt(f"has {name} that is not a regular file")
        if path.stat().st_size != expect["size"]:
            raise _Corrupt(f"has a truncated or altered {name}")
        if _digest(path) != expect["sha256"]:
            raise _Corrupt(f"has an altered {name} (sha256 mismatch)")
    items: dict[str, pd.DataFrame | np.ndarray] = {}
    for name in index["frames"]:
        if not _NAME.fullmatch(name):
            raise _Corrupt(f"lists a bad frame name {name!r}")
        items[name] = pd.read_parquet(entry / f"{name}.parquet")
    if index["arrays"]:
        with np.load(entry / _ARRAYS, allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(index["arrays"]):
                raise _Corrupt(f"has {_ARRAYS} with other arrays than listed")
            for name in index["arrays"]:
                items[name] = npz[name]
    meta = json.loads((entry / _META).read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise _Corrupt(f"has a {_META} that is not a JSON object")
    return items, meta


def _discard(entry: Path, key: str, reason: str) -> None:
    warnings.warn(f"forecast cache: discarded entry {key[:16]} in {entry.parent}: it {reason}; "
                  "recomputing", CacheWarning, stacklevel=3)
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except OSError:
        pass  # a read-only cache: the entry stays a miss every time


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"cache key must be 8-128 lower-case hex characters, got {key!r}")
    return key


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _checksum(index: dict) -> str:
    text = json.dumps(index, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
