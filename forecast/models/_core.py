"""Pure, vectorised numpy maths shared by the models (no pandas state, no classes).

Every model works on the ``log1p`` scale and describes its forecast for one series as
three arrays (see :func:`combine_components`):

- ``center`` (h,): the point path on the log scale;
- ``shared`` (n_paths, h): low-frequency deviations shared across the horizon within a
  path (level / trend uncertainty, LNY-effect uncertainty);
- ``noise`` (n_paths, h): day-to-day autocorrelated residual deviations.

Keeping the two deviation parts apart lets calibration rescale them separately: the
shared part drives the spread of multi-day totals, the noise part the daily spread.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse

__all__ = [
    "robust_scale",
    "weighted_ridge",
    "simulate_ar1",
    "simulate_random_walk",
    "combine_components",
]


def robust_scale(x: np.ndarray) -> float:
    """Median absolute deviation scaled to a normal standard deviation.

    Examples
    --------
    >>> round(robust_scale(np.array([0.0, 1.0, -1.0, 2.0, -2.0])), 3)
    1.483
    """
    x = np.asarray(x, dtype=float)
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


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
    out = np.empty_like(z)
    prev = np.zeros(n_paths)
    for t in range(h):
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

    Examples
    --------
    >>> p = combine_components(np.log1p([10.0, 20.0]), np.zeros((1, 2)), np.zeros((1, 2)))
    >>> np.round(p, 6).tolist()
    [[10.0, 20.0]]
    """
    z = center[None, :] + shared_scale * shared + noise_scale * noise
    out = np.expm1(np.minimum(z, 50.0)) if log_scale else z
    return np.maximum(out, 0.0)

