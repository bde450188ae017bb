"""A forecast of one series as a log-scale center plus shared and daily deviations.

Every model describes its forecast for one series as three arrays:

- ``center`` (h,): the point path on the model scale (``log1p`` for the regression
  models);
- ``shared`` (n_paths, h): low-frequency deviations shared across the horizon within a
  path (level and trend uncertainty, LNY-effect uncertainty);
- ``noise`` (n_paths, h): day-to-day autocorrelated residual deviations;

and optionally ``closed`` (h,): days that are structurally closed (a known calendar fact,
like capacity 0), on which every path is exactly 0; and ``round_u`` (n_paths, h): uniform
draws that turn the paths of a count series (:func:`~forecast.models.zeros.is_count`) into counts by
randomised rounding, ``floor(y + u)``, which keeps each path's expected value (a depot at
0.3 parcels a day gets paths of 0s and 1s, not of 0.3s).

Keeping the two deviation parts apart lets calibration rescale them separately: the shared
part drives the spread of multi-day totals, the noise part the daily spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.models._core import combine_components

__all__ = ["Components"]


@dataclass(frozen=True)
class Components:
    """One series' forecast: ``center`` (h,), ``shared`` and ``noise`` (n_paths, h).

    Parameters
    ----------
    center : ndarray, shape (h,)
    shared, noise : ndarray, shape (n_paths, h)
    log_scale : bool, default True
        Paths are ``expm1(...)`` of the sum (else the sum itself), clipped at 0.
    closed : ndarray of bool, shape (h,) or (n_paths, h), optional
        Structurally closed days: every path (or each path, per row) is 0 there.
    round_u : ndarray, shape (n_paths, h), optional
        Uniform [0, 1) draws: paths become counts ``floor(y + u)``.

    Raises
    ------
    ValueError
        If the shapes disagree.

    Examples
    --------
    >>> c = Components(np.log1p([10.0, 20.0]), np.zeros((3, 2)), np.zeros((3, 2)),
    ...                closed=np.array([False, True]))
    >>> c.paths().round(6).tolist()
    [[10.0, 0.0], [10.0, 0.0], [10.0, 0.0]]
    >>> u = np.random.default_rng(0).random((4000, 1))
    >>> counts = Components(np.log1p([0.3]), np.zeros((4000, 1)), np.zeros((4000, 1)),
    ...                     round_u=u).paths()
    >>> sorted(np.unique(counts).tolist()), bool(abs(counts.mean() - 0.3) < 0.02)
    ([0.0, 1.0], True)
    """

    center: np.ndarray
    shared: np.ndarray
    noise: np.ndarray
    log_scale: bool = True
    closed: np.ndarray | None = None
    round_u: np.ndarray | None = None

    def __post_init__(self) -> None:
        h = self.center.shape[0]
        if self.shared.shape[1] != h or self.noise.shape != self.shared.shape:
            raise ValueError(
                f"Components: shapes disagree, center {self.center.shape}, shared "
                f"{self.shared.shape}, noise {self.noise.shape}"
            )
        if self.closed is not None and self.closed.shape not in ((h,), self.shared.shape):
            raise ValueError(f"Components: closed must have shape ({h},) or "
                             f"{self.shared.shape}, got {self.closed.shape}")
        if self.round_u is not None and self.round_u.shape != self.shared.shape:
            raise ValueError(f"Components: round_u must have shape {self.shared.shape}, got "
                             f"{self.round_u.shape}")

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return self.shared.shape[0]

    def paths(self, shared_scale: float = 1.0, noise_scale: float = 1.0) -> np.ndarray:
        """Non-negative paths on the original scale, shape (n_paths, h)."""
        out = combine_components(
            self.center, self.shared, self.noise, shared_scale=shared_scale,
            noise_scale=noise_scale, log_scale=self.log_scale,
        )
        if self.round_u is not None:
            out = np.floor(out + self.round_u)
        if self.closed is not None and self.closed.any():
            out[np.broadcast_to(self.closed, out.shape)] = 0.0
        return out
