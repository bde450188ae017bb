"""Pure, vectorised numpy maths shared by the models (no pandas state, no classes).

Every model works on the ``log1p`` scale and describes its forecast for one series as
three arrays (see :func:`combine_components`):

- ``center`` (h,): the point path on the log scale;
- ``shared`` (n_paths, h): low-frequency deviations shared across the horizon within a
  path (level / trend uncertainty, LNY-effect uncertainty);
- ``noise`` (n_paths, h): day-to-day autocorrelated residual deviations.

Keeping the two deviation parts apart lets calibration rescale them separately: the
shared part drives the spread of multi-day totals, the noise part the daily spread.

``log1p`` is a log scale only for sizeable values, and its Poisson floor
(:func:`count_noise_sd`) only means something for counts: a measurement (a series that is
not integer-valued) is fitted in units that make it large
(:func:`forecast.models.zeros.measurement_unit`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, sparse

__all__ = [
    "robust_scale",
    "clip_outliers",
    "count_noise_sd",
    "weighted_ridge",
    "simulate_ar1",
    "ar1_filter",
    "simulate_random_walk",
    "combine_components",
]


def robust_scale(x: np.ndarray) -> float:
    """Median absolute deviation scaled to a normal standard deviation (NaN ignored).

    Examples
    --------
    >>> round(robust_scale(np.array([0.0, 1.0, -1.0, 2.0, -2.0, np.nan])), 3)
    1.483
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def clip_outliers(r: np.ndarray, *, k: float = 3.5, floor: float = 0.0) -> np.ndarray:
    """Winsorise residuals at ``k`` robust standard deviations around their median.

    The scale is at least ``floor`` (:func:`forecast.models._core.count_noise_sd` for a
    count series). NaN (closed days) stay NaN.

    Examples
    --------
    >>> bool(clip_outliers(np.array([0.0, 0.1, -0.1, 0.05, 9.0]), k=3.0).max() < 1)
    True
    """
    med = np.nanmedian(r) if np.isfinite(r).any() else 0.0
    s = max(robust_scale(r), floor, 1e-6)
    return np.clip(r, med - k * s, med + k * s)


def local_scale(x: np.ndarray, *, width: int = 29) -> float:
    """:func:`robust_scale` of ``x`` around its centred ``width``-day mean (NaN ignored).

    The day-to-day noise of a daily series without its slow swings: a residual that still
    holds an unfitted season varies a lot over months but little around its monthly mean.
    With too few finite values for a rolling mean it is :func:`robust_scale`.
    The factor ``sqrt(width / (width - 1))`` makes it unbiased for independent noise.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e = rng.normal(0, 0.05, 2000)
    >>> swing = 0.2 * np.sin(np.arange(2000) * 2 * np.pi / 365)
    >>> round(local_scale(e + swing), 2), round(robust_scale(e + swing), 2)
    (0.05, 0.19)
    """
    x = pd.Series(np.asarray(x, dtype=float))
    m = x.rolling(width, center=True, min_periods=width // 2 + 1).mean()
    out = robust_scale((x - m).to_numpy()) * float(np.sqrt(width / (width - 1)))
    return out if out > 0 else robust_scale(x.to_numpy())


def count_noise_sd(mean: np.ndarray) -> float:
    """Standard deviation of ``log1p(y)`` for a Poisson count ``y`` around ``mean``, pooled.

    The delta method gives ``var log1p(y) ~ m / (1 + m)^2`` for a count with mean ``m``; the
    root of its average over the days is a floor for any scale estimated from log1p
    residuals: below it, a robust scale (the median absolute deviation) only measures the
    ties of a discrete variable, and clipping or down-weighting at a multiple of it drops
    every non-zero count of a sparse series.

    Examples
    --------
    >>> round(count_noise_sd(np.full(10, 0.3)), 2), round(count_noise_sd(np.full(10, 1e4)), 3)
    (0.42, 0.01)
    """
    m = np.maximum(np.asarray(mean, dtype=float), 0.0)
    m = m[np.isfinite(m)]
    return float(np.sqrt(np.mean(m / (1.0 + m) ** 2))) if len(m) else 0.0


def weighted_ridge(X, y: np.ndarray, *, weights: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Weighted ridge least squares: ``argmin sum w (y - X b)^2 + sum penalty b^2``.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n, p)
        Design matrix. A sparse one (the calendar indicators are mostly zeros) keeps the
        ``X'WX`` product out of multithreaded BLAS, which on a small problem and a busy
        machine costs more in thread hand-offs than it computes.
    y, weights : ndarray, shape (n,)
    penalty : ndarray, shape (p,)
        Ridge penalty per coefficient (0: unpenalised; the system must stay positive
        definite, else a pseudo-inverse is used).

    Returns
    -------
    ndarray, shape (p,)

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), np.arange(4.0)])
    >>> b = weighted_ridge(X, 1 + 2 * np.arange(4.0), weights=np.ones(4), penalty=np.zeros(2))
    >>> np.round(b, 6).tolist()
    [1.0, 2.0]
    """
    if sparse.issparse(X):
        Xw = sparse.csr_matrix(X.multiply(weights[:, None]))
        A = (X.T @ Xw).toarray()
        rhs = Xw.T @ y
    else:
        Xw = X * weights[:, None]
        A, rhs = X.T @ Xw, Xw.T @ y
    A[np.diag_indices_from(A)] += penalty
    try:
        return linalg.cho_solve(linalg.cho_factor(A, check_finite=False), rhs, check_finite=False)
    except linalg.LinAlgError:
        return np.linalg.pinv(A, hermitian=True) @ rhs


def simulate_ar1(
    phi: float, sigma: float, h: int, n_paths: int, *, rng: np.random.Generator,
    shocks: np.ndarray | None = None,
) -> np.ndarray:
    """Zero-start AR(1) deviations ``e_t = phi e_{t-1} + sigma z_t``, shape (n_paths, h).

    ``z`` is standard normal, or resampled from ``shocks`` (standardised empirical
    innovations, which keeps their heavy tails).

    Examples
    --------
    >>> simulate_ar1(0.5, 1.0, 3, 2, rng=np.random.default_rng(0)).shape
    (2, 3)
    """
    if shocks is None or len(shocks) < 30:
        z = rng.standard_normal((n_paths, h)) * sigma
    else:
        z = shocks[rng.integers(0, len(shocks), (n_paths, h))] * sigma
    return ar1_filter(phi, z)


def ar1_filter(phi: float, z: np.ndarray) -> np.ndarray:
    """Zero-start AR(1) of given innovations: ``e_t = phi e_{t-1} + z_t``, shape of ``z``.

    Parameters
    ----------
    phi : float
    z : ndarray, shape (n_paths, h)
        Innovations (already scaled).

    Examples
    --------
    >>> ar1_filter(0.5, np.ones((1, 3))).tolist()
    [[1.0, 1.5, 1.75]]
    """
    out = np.empty_like(z)
    prev = np.zeros(z.shape[0])
    for t in range(z.shape[1]):
        prev = phi * prev + z[:, t]
        out[:, t] = prev
    return out


def simulate_random_walk(
    start_sd: float, step_sd: float, h: int, n_paths: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Random-walk level deviations: uncertain start plus cumulated steps, (n_paths, h).

    Examples
    --------
    >>> rw = simulate_random_walk(0.0, 1.0, 5, 4000, rng=np.random.default_rng(1))
    >>> bool(rw[:, 0].std() < rw[:, -1].std())
    True
    """
    start = rng.standard_normal((n_paths, 1)) * start_sd
    steps = rng.standard_normal((n_paths, h)) * step_sd
    return start + np.cumsum(steps, axis=1)


def combine_components(
    center: np.ndarray,
    shared: np.ndarray,
    noise: np.ndarray,
    *,
    shared_scale: float = 1.0,
    noise_scale: float = 1.0,
    log_scale: bool = True,
) -> np.ndarray:
    """Paths on the original scale, non-negative: ``expm1(center + a*shared + b*noise)``.

    With scales other than 1 each day's paths are multiplied by the ratio of that day's
    mean at ``a = b = 1`` to its mean at ``(a, b)``: the scales learnt by calibration
    change the spread, not the mean. On the log scale a narrower spread would otherwise
    lower the mean (Jensen), which matters for small counts: a depot at 0.3 parcels a day
    whose spread is tightened would lose a third of its volume.

    Parameters
    ----------
    center : ndarray, shape (h,)
    shared, noise : ndarray, shape (n_paths, h)
    shared_scale, noise_scale : float
    log_scale : bool
        False: the sum itself (clipped at 0), no mean correction.

    Returns
    -------
    ndarray, shape (n_paths, h), >= 0

    Examples
    --------
    >>> p = combine_components(np.log1p([10.0, 20.0]), np.zeros((1, 2)), np.zeros((1, 2)))
    >>> np.round(p, 6).tolist()
    [[10.0, 20.0]]
    >>> z, c = np.random.default_rng(0).normal(0, 0.8, (4000, 1)), np.log1p([5.0])
    >>> a = combine_components(c, np.zeros((4000, 1)), z).mean()
    >>> b = combine_components(c, np.zeros((4000, 1)), z, noise_scale=0.3).mean()
    >>> bool(abs(a / b - 1) < 0.02)
    True
    """
    z = center[None, :] + shared_scale * shared + noise_scale * noise
    if not log_scale:
        return np.maximum(z, 0.0)
    out = _positive(z)
    if shared_scale != 1.0 or noise_scale != 1.0:
        m_ref, m_out = _positive(center[None, :] + shared + noise).mean(axis=0), out.mean(axis=0)
        out *= np.where(m_out > 0, m_ref / np.where(m_out > 0, m_out, 1.0), 1.0)[None, :]
    return out


def _positive(z: np.ndarray) -> np.ndarray:
    """``expm1(z)`` clipped at 0, each day (column) scaled to keep the unclipped mean.

    ``log1p`` values below 0 back-transform to volumes in (-1, 0); clipping them alone
    would raise the mean of a small count by up to a sixth (a depot at 0.3 parcels a day
    forecast at 0.34). Days with no clipping (any sizeable volume) are unchanged.

    >>> z = np.random.default_rng(0).normal(np.log1p(0.3), 0.33, (20000, 1))
    >>> bool(abs(_positive(z).mean() / np.expm1(z).mean() - 1) < 1e-9), bool(_positive(z).min() >= 0)
    (True, True)
    """
    raw = np.expm1(np.minimum(z, 50.0))
    out = np.maximum(raw, 0.0)
    m_raw, m_out = raw.mean(axis=0), out.mean(axis=0)
    keep = (m_out > m_raw) & (m_raw > 0)
    return out * np.where(keep, m_raw / np.where(keep, m_out, 1.0), 1.0)[None, :]
