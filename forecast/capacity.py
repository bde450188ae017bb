"""Fluid FIFO queue kernels: backlog and late volume for many sample paths at once.

The sort centre is a single first-in-first-out queue of parcels. On day ``d`` the day's
arrivals ``a[d]`` join the queue at the start of the day and may be processed that day;
the day processes ``min(capacity[d], queue)``, oldest parcels first. Volumes are fluid
(real numbers), so a cohort can be split across days.

Closed form
-----------
With cumulative arrivals ``A[d] = a[0] + ... + a[d]`` and the end-of-day backlog ``B[d]``
(the Lindley recursion ``B[d] = max(B[d-1] + a[d] - c[d], 0)``), the cumulative volume
processed is ``S[d] = A[d] - B[d]``. The recursion runs as a loop over days, each step one
vector operation over a block of paths held day-major (n_days, block) in the CPU cache.
Cohort ``d`` occupies the slice ``(A[d-1], A[d]]`` of the FIFO order, so the part of it
*not* processed by the end of its due day ``t = due[d]`` is::

    late[d] = clip(A[d] - max(A[d-1], S[t]), 0, a[d]) = clip(min(a[d], A[d] - S[t]), 0)

The kernels work on blocks of rows that stay in the CPU cache, so memory is bounded by the
output however many paths there are.
"""

from __future__ import annotations

import numpy as np

__all__ = ["backlog", "late_volume", "queue_outcomes"]

#: Paths per block; measured fastest on a 2-core machine (benchmarks/bench_capacity.py).
_BLOCK_ROWS = 2048


def _check_inputs(arrivals, capacity, due=None):
    """Validate shapes and values; return float64 arrays (and int64 ``due``)."""
    a = np.asarray(arrivals, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"arrivals must be a 2-D array (n_paths, n_days), got shape {a.shape}")
    n_paths, n_days = a.shape
    # min and sum are vectorised passes: all >= 0 with a finite sum means all finite
    if a.size and not (a.min() >= 0 and np.isfinite(a.sum())):
        bad = np.argwhere(~np.isfinite(a) | (a < 0))[0]
        raise ValueError(
            f"arrivals must be finite and >= 0, got {a[tuple(bad)]} at (path, day) {tuple(bad)}"
        )
    c = np.asarray(capacity, dtype=np.float64)
    if c.shape not in ((n_days,), (n_paths, n_days)):
        raise ValueError(
            f"capacity must have shape ({n_days},) or ({n_paths}, {n_days}) to match "
            f"arrivals, got {c.shape}"
        )
    if c.size and not (c.min() >= 0 and np.isfinite(c.sum())):
        raise ValueError("capacity must be finite and >= 0")
    if due is None:
        return a, c
    return a, c, _check_due(due, n_days)


def _check_due(due, n_days: int) -> np.ndarray:
    du = np.asarray(due)
    if du.shape != (n_days,):
        raise ValueError(f"due must have shape ({n_days},), got {du.shape}")
    if not np.issubdtype(du.dtype, np.integer):
        raise ValueError(f"due must be an integer array of day indices, got dtype {du.dtype}")
    du = du.astype(np.int64)
    early = np.flatnonzero(du < np.arange(n_days))
    if early.size:
        d = int(early[0])
        raise ValueError(f"due[d] must be >= d (a parcel cannot be due before it arrives), "
                         f"got due[{d}] = {int(du[d])}")
    return du


def _blocks(n_rows: int, block: int):
    for start in range(0, n_rows, block):
        yield slice(start, min(start + block, n_rows))


class _Work:
    """Day-major (n_days, block) work buffers, reused across blocks of paths.

    In day-major layout every operation of the day loop is one contiguous vector op over
    the block's paths; numpy's ``cumsum(axis=1)`` over 90-day rows runs scalar and is
    several times slower than these (benchmarks/bench_capacity.py).
    """

    def __init__(self, n_days: int, n_paths: int):
        block = min(_BLOCK_ROWS, max(n_paths, 1))
        self.a, self.cum, self.back, self.x, self.s = (
            np.empty((n_days, block)) for _ in range(5)
        )

    def scan(self, a_rows, c, rows) -> int:
        """Load a block of paths (transposed), run the queue; return the block's size."""
        k = rows.stop - rows.start
        at, cum, back, x = self.a[:, :k], self.cum[:, :k], self.back[:, :k], self.x[:, :k]
        np.copyto(at, a_rows.T)
        np.subtract(at, c[:, None] if c.ndim == 1 else c[rows].T, out=x)
        np.copyto(cum[0], at[0])
        np.maximum(x[0], 0.0, out=back[0])
        for d in range(1, at.shape[0]):  # Lindley: B[d] = max(B[d-1] + a[d] - c[d], 0)
            np.add(cum[d - 1], at[d], out=cum[d])
            np.add(back[d - 1], x[d], out=back[d])
            np.maximum(back[d], 0.0, out=back[d])
        return k

    def late(self, k: int, due_in, outside, out_rows) -> None:
        """Late volume of each cohort of the scanned block, written to ``out_rows``."""
        at, cum, back = self.a[:, :k], self.cum[:, :k], self.back[:, :k]
        served = np.subtract(cum, back, out=self.s[:, :k])  # S = A - B
        late = np.take(served, due_in, axis=0, out=self.x[:, :k], mode="clip")  # S[due]
        np.subtract(cum, late, out=late)  # A[d] - S[due[d]]
        np.minimum(late, at, out=late)
        np.maximum(late, 0.0, out=late)
        late[outside] = 0.0
        np.copyto(out_rows, late.T)


def late_volume(arrivals, capacity, due, *, out=None) -> np.ndarray:
    """Volume of each day's arrivals that misses its due day, in a fluid FIFO queue.

    Parameters
    ----------
    arrivals : array_like, shape (n_paths, n_days)
        Parcels arriving on each day of each path, finite and >= 0.
    capacity : array_like, shape (n_days,) or (n_paths, n_days)
        Parcels the network can process on each day (shared by all paths or per path).
    due : array_like of int, shape (n_days,)
        ``due[d] >= d`` is the last day index on which a parcel arriving on day ``d`` is on
        time. It may lie beyond the horizon (``>= n_days``).
    out : numpy.ndarray, optional
        Preallocated float64 C-contiguous output of shape (n_paths, n_days).

    Returns
    -------
    numpy.ndarray, shape (n_paths, n_days)
        ``late[p, d]``: volume of cohort ``d`` processed after day ``due[d]`` or still
        queued at the end of the horizon, when ``due[d] < n_days``; 0 where ``due[d]``
        lies beyond the horizon (its fate is not yet known).

    Raises
    ------
    ValueError
        On negative or non-finite arrivals or capacity, mismatched shapes, ``due[d] < d``.

    Examples
    --------
    Two days of 10 parcels, capacity 5 a day, same-day promise: half of each day is late.

    >>> late_volume([[10.0, 10.0]], [5.0, 5.0], [0, 1]).tolist()
    [[5.0, 10.0]]
    >>> late_volume([[10.0, 10.0]], [5.0, 5.0], [1, 2]).tolist()  # next-day promise
    [[0.0, 0.0]]
    """
    a, c, du = _check_inputs(arrivals, capacity, due)
    n_paths, n_days = a.shape
    if out is None:
        out = np.empty((n_paths, n_days))
    elif out.shape != a.shape or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float64 array of shape {a.shape}")
    if out.size == 0:
        return out
    due_in, outside = np.minimum(du, n_days - 1), np.flatnonzero(du >= n_days)
    work = _Work(n_days, n_paths)
    for rows in _blocks(n_paths, _BLOCK_ROWS):
        k = work.scan(a[rows], c, rows)
        work.late(k, due_in, outside, out[rows])
    return out


def backlog(arrivals, capacity) -> np.ndarray:
    """End-of-day backlog (parcels still queued) of a fluid FIFO queue, per path and day.

    Parameters
    ----------
    arrivals : array_like, shape (n_paths, n_days)
    capacity : array_like, shape (n_days,) or (n_paths, n_days)

    Returns
    -------
    numpy.ndarray, shape (n_paths, n_days)

    Examples
    --------
    >>> backlog([[10.0, 10.0, 0.0]], [5.0, 5.0, 5.0]).tolist()
    [[5.0, 10.0, 5.0]]
    """
    a, c = _check_inputs(arrivals, capacity)
    n_paths, n_days = a.shape
    out = np.empty((n_paths, n_days))
    if out.size == 0:
        return out
    work = _Work(n_days, n_paths)
    for rows in _blocks(n_paths, _BLOCK_ROWS):
        k = work.scan(a[rows], c, rows)
        np.copyto(out[rows], work.back[:, :k].T)
    return out


def queue_outcomes(arrivals, capacity, dues) -> tuple[np.ndarray, np.ndarray]:
    """Backlog and late volume for several due-day vectors from one pass of the queue.

    Used for tiered compensation: ``dues[k]`` is the due day of promise tier ``k``
    (e.g. 3, 4, 5 working days), and ``late[k]`` the volume later than that.

    Parameters
    ----------
    arrivals : array_like, shape (n_paths, n_days)
    capacity : array_like, shape (n_days,) or (n_paths, n_days)
    dues : array_like of int, shape (n_tiers, n_days)
        Each row as ``due`` in :func:`late_volume`.

    Returns
    -------
    backlog : numpy.ndarray, shape (n_paths, n_days)
    late : numpy.ndarray, shape (n_tiers, n_paths, n_days)

    Examples
    --------
    >>> b, late = queue_outcomes([[10.0, 10.0]], [5.0, 5.0], [[0, 1], [1, 2]])
    >>> b.tolist(), late[:, 0].tolist()
    ([[5.0, 10.0]], [[5.0, 10.0], [0.0, 0.0]])
    """
    dues = np.asarray(dues)
    if dues.ndim != 2:
        raise ValueError(f"dues must be a 2-D array (n_tiers, n_days), got shape {dues.shape}")
    a, c = _check_inputs(arrivals, capacity)
    n_paths, n_days = a.shape
    dues = np.stack([_check_due(due, n_days) for due in dues]) if len(dues) else dues
    back = np.empty((n_paths, n_days))
    late = np.empty((len(dues), n_paths, n_days))
    if back.size == 0:
        return back, late
    due_in, outside = np.minimum(dues, n_days - 1), [np.flatnonzero(d >= n_days) for d in dues]
    work = _Work(n_days, n_paths)
    for rows in _blocks(n_paths, _BLOCK_ROWS):
        k = work.scan(a[rows], c, rows)
        np.copyto(back[rows], work.back[:, :k].T)
        for t in range(len(dues)):
            work.late(k, due_in[t], outside[t], late[t, rows])
    return back, late
