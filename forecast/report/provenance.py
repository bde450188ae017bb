"""Provenance of published artefacts: content hashes and the run manifest.

Every artefact that ``forecast run`` publishes can be traced back to the package version,
the configuration, the input data and the seed that produced it. The hashes here are
content-based and stable across processes, machines and pandas versions: the same frame
or the same configuration always gives the same sha256 hex digest.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecast.hashing import file_hash

__all__ = ["Provenance", "write_manifest", "MANIFEST_NAME"]

#: File name of the manifest written by :func:`write_manifest`.
MANIFEST_NAME = "manifest.json"
_MANIFEST_SCHEMA = 2
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


def write_manifest(
    out_dir: str | os.PathLike[str],
    *,
    version: str,
    config_hash: str,
    data_hash: str,
    seed: int,
    timings: Mapping[str, float],
    artefacts: Iterable[str | os.PathLike[str]],
    settings: Mapping[str, object] | None = None,
    warnings: Iterable[str] = (),
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
    settings : Mapping, optional
        The run's options (JSON values), e.g. the ``PlanConfig``: model, country, paths.
    warnings : iterable of str
        Every warning of the run, whole (page 1 of the briefing shows at most four).

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
        "settings": dict(settings or {}),
        "warnings": [str(w) for w in warnings],
    }
    path = out_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
    return path
