"""Joint sample paths across series: one set of shared random draws, used by every hub.

A path is one world shared by every series (same ``sample_id``), so a network total is the
sum of its hub paths along ``sample_id``. What makes hubs move together is that every
series draws its path ``i`` from the *same* random draws (:class:`SharedDraws`):

- **daily innovations, a joint bootstrap by date**: the AR(1) residual noise of each
  series is driven by its own standardised empirical innovations
  (:class:`~forecast.models.residuals.LevelAR`), resampled at the same historical dates for
  every series (``dates``, counted in days back from each series' last observation). A
  day on which a typhoon, a cold snap or a promotion hit every hub in the history is
  drawn for every hub at once, so the paths carry the cross-series correlation of the
  residuals (and its tails) without estimating a covariance matrix. A series with no
  innovation at a drawn date (a closed day, a shorter history) takes one of its own
  innovations at a position given by the common uniform ``date_u``;
- **level and LNY-effect surprises, a common standard normal**: the random-walk level
  (start and daily steps), the year-to-year shift of the LNY window, each LNY phase's
  effect and each LNY day's own effect are drawn from the same standard normals for every
  series (``level0``, ``steps``, ``lny_common``, ``lny_phase`` by the phase's first offset,
  ``lny_day`` by horizon day), scaled by each series' own standard deviations. Hubs'
  surprises are thus comonotone: a year whose LNY surge is stronger than fitted is
  stronger at every hub;
- what is local to a hub (the randomised rounding of a count series, the choice of
  ``auto``'s mixture component per path) comes from :func:`hub_rng`, a stream keyed by
  ``(seed, unique_id)``.

Each series keeps its own marginal distribution (the draws are standard normals and
uniform dates, as in an independent draw) and its own calibrated spread scales, so the
per-series paths are unchanged in distribution; only their dependence changes.

Why this method. hierarchicalforecast offers three samplers for coherent distributions:
``Normality`` (a Gaussian with a covariance of in-sample residuals, shrunk), ``Bootstrap``
(Panagiotelis et al. 2023: base forecasts plus in-sample errors resampled in the same
blocks of time for every series) and ``PERMBU`` (Ben Taieb et al. 2017: marginal samples
re-ordered by the ranks of in-sample residuals, an empirical copula, then summed bottom
up); bayesRecon reconciles by conditioning base forecasts on the hierarchy (Gaussian in
closed form, or importance sampling / MCMC for counts). All of them start from samples or
residuals of every series *together* and a summing matrix. Here the network layer draws
hubs on separate workers and must never gather every hub's residuals, and the daily
errors are heavy-tailed (normal theory understates joint tails). The joint bootstrap by
date is the one whose joint step is a single object (the date indices and normals, of
size ``O(n_paths h)`` whatever the number of hubs) that every hub applies to its own
state: it is the cross-sectional joint bootstrap of Panagiotelis et al. applied to the
innovations of our residual model, with block length 1 (the AR(1) carries the day-to-day
dependence). The low-frequency
surprises cannot be bootstrapped the same way (a few past LNYs give a few numbers per
hub), so they get the comonotone normal: the upper bound for how much the hubs' level and
LNY-effect errors move together. On the real series (``benchmarks/RESULTS.md``, "Network
coherence (issue 11)") the two hubs' LNY-window errors had the same sign and a similar
size in five of six folds, and the sum of joint hub paths spread the window total as much
as a model of the total did (sd ratio 0.96-1.0), where independent hubs gave 0.78. No
reconciliation step is needed for a bottom-up plan: the network total is defined as the
sum of the hub paths.

Contract for running hubs apart (one process per hub, Dask workers)::

    shared = shared_draws(rng, n_paths, h)            # once, on the client
    paths_k = model_k.series_paths(uid_k, h, n_paths, shared=shared)  # on any worker

The paths of hub ``k`` are a pure function of (its fitted state and spread scales,
``shared``, ``h``, ``n_paths``): equal to the ``uid_k`` rows of
``model.sample_paths(h, n_paths=n_paths, rng=rng, dependence="joint")`` with the same
``rng``, whichever process draws them and in whatever order. Every hub must use the same
``shared`` and end its history on the same day (the dates are counted back from each
series' last observation). ``shared`` pickles (five float arrays of ``(n_paths, h)`` plus
2 kB a path: 18 MB for 1,000 paths of 400 days); instead of shipping it to every worker,
a worker can rebuild it from a seed, ``shared_draws(np.random.default_rng(seed), n_paths,
h)``, which is deterministic.

Limits. The comonotone level and LNY-effect surprises suit a few large hubs that share
their customers (the measured case); for many small hubs whose surprises are partly their
own they overstate that part of the total's spread. The next step would be a common
factor with a loading per hub (learnt from the hubs' past LNY fold errors) plus an own
normal from :func:`hub_rng`. Lagged cross-dependence (a shock at one hub on day ``t``
reaching another on ``t + 1``) is not carried: dates are resampled one day at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = ["DEPENDENCE", "SHARED_DATES", "LNY_OFFSETS", "SharedDraws", "shared_draws",
           "hub_rng", "check_dependence", "resample_by_date"]

#: The allowed values of ``dependence`` in ``sample_paths``.
DEPENDENCE: tuple[str, ...] = ("joint", "independent")
#: Days back from the last observation that the common dates reach by default (the
#: default ``resid_window`` of the regression models: their innovations span that far).
SHARED_DATES = 730
#: LNY offsets (first day of a phase relative to LNY) that have a common phase normal.
LNY_OFFSETS: tuple[int, int] = (-120, 120)


@dataclass(frozen=True)
class SharedDraws:
    """The random draws every series of a joint draw shares (path ``i`` = row ``i``).

    Attributes
    ----------
    seed : int
        Entropy of the hub-local streams (:func:`hub_rng`).
    dates : ndarray of int, shape (n_paths, h)
        Historical date of each path day's innovation, in days before the last
        observation (0 = the last day), in ``[0, n_dates)``.
    date_u : ndarray, shape (n_paths, h)
        Uniforms in [0, 1): the position among its own innovations a series uses when it
        has none on the drawn date.
    noise_z : ndarray, shape (n_paths, h)
        Standard normals for series without enough empirical innovations.
    level0 : ndarray, shape (n_paths,)
        Standard normal of the level's starting error.
    steps : ndarray, shape (n_paths, h)
        Standard normals of the level's random-walk steps.
    lny_common : ndarray, shape (n_paths,)
        Standard normal of the year-to-year shift of the whole LNY window.
    lny_phase : ndarray, shape (n_paths, LNY_OFFSETS[1] - LNY_OFFSETS[0] + 1)
        Standard normal of each LNY phase's effect, column = the phase's first offset
        minus ``LNY_OFFSETS[0]``.
    lny_day : ndarray, shape (n_paths, h)
        Standard normals of each LNY day's own effect, by horizon day.
    block_u : ndarray, shape (n_paths,)
        Uniforms in [0, 1): start of a resampled block of errors (``lunar-naive``).
    closure_u : ndarray, shape (n_paths,)
        Uniforms in [0, 1): which past LNY's closures a path repeats where LNY days were
        closed in some years only (:meth:`forecast.models.zeros.Closures.draw_mask`), the
        same past LNY for every hub.
    lny_depth : ndarray, shape (n_paths,)
        Standard normal of how deep this year's LNY goes: a factor on every LNY effect
        (:func:`forecast.models.lny_uncertainty.depth_sd`).
    """

    seed: int
    dates: np.ndarray
    date_u: np.ndarray
    noise_z: np.ndarray
    level0: np.ndarray
    steps: np.ndarray
    lny_common: np.ndarray
    lny_phase: np.ndarray
    lny_day: np.ndarray
    block_u: np.ndarray
    closure_u: np.ndarray
    lny_depth: np.ndarray

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return self.dates.shape[0]

    @property
    def h(self) -> int:
        """Horizon in days."""
        return self.dates.shape[1]

    def check(self, h: int, n_paths: int) -> SharedDraws:
        """``self`` if it was drawn for ``h`` days and ``n_paths`` paths, else ``ValueError``."""
        if (self.n_paths, self.h) != (n_paths, h):
            raise ValueError(f"shared draws are for n_paths={self.n_paths}, h={self.h}; got "
                             f"n_paths={n_paths}, h={h}: draw them with the same n_paths and h")
        return self

    def phase_normal(self, start: int) -> np.ndarray:
        """Common normals (n_paths,) of the LNY phase starting at offset ``start``."""
        if not LNY_OFFSETS[0] <= start <= LNY_OFFSETS[1]:
            raise ValueError(f"LNY phase start {start} is outside the offsets with shared draws "
                             f"{LNY_OFFSETS[0]}..{LNY_OFFSETS[1]}")
        return self.lny_phase[:, start - LNY_OFFSETS[0]]


def shared_draws(rng: np.random.Generator, n_paths: int, h: int, *,
                 n_dates: int = SHARED_DATES) -> SharedDraws:
    """Draw the random numbers every series of a joint draw shares.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only stream used; equal streams give equal draws.
    n_paths, h : int
        Paths and horizon days.
    n_dates : int, default SHARED_DATES
        The common innovation dates are drawn uniformly among the ``n_dates`` days before
        each series' last observation (use the same value for every hub).

    Returns
    -------
    SharedDraws

    Examples
    --------
    >>> s = shared_draws(np.random.default_rng(0), 4, 7)
    >>> s.dates.shape, bool(s.dates.max() < SHARED_DATES)
    ((4, 7), True)
    """
    for name, v in (("n_paths", n_paths), ("h", h), ("n_dates", n_dates)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    n_off = LNY_OFFSETS[1] - LNY_OFFSETS[0] + 1
    return SharedDraws(
        seed=int(rng.integers(0, 2**63 - 1)),
        dates=rng.integers(0, n_dates, (n_paths, h)),
        date_u=rng.random((n_paths, h)),
        noise_z=rng.standard_normal((n_paths, h)),
        level0=rng.standard_normal(n_paths),
        steps=rng.standard_normal((n_paths, h)),
        lny_common=rng.standard_normal(n_paths),
        lny_phase=rng.standard_normal((n_paths, n_off)),
        lny_day=rng.standard_normal((n_paths, h)),
        block_u=rng.random(n_paths),
        closure_u=rng.random(n_paths),
        lny_depth=rng.standard_normal(n_paths),
    )


def hub_rng(shared: SharedDraws, uid: str) -> np.random.Generator:
    """The hub-local stream of ``uid``: a pure function of ``(shared.seed, uid)``.

    Examples
    --------
    >>> s = shared_draws(np.random.default_rng(0), 2, 3)
    >>> bool(hub_rng(s, "a").random() == hub_rng(s, "a").random() != hub_rng(s, "b").random())
    True
    """
    key = int.from_bytes(hashlib.blake2b(str(uid).encode(), digest_size=8).digest(), "little")
    return np.random.default_rng([shared.seed, key])


def check_dependence(dependence: str) -> str:
    """``dependence`` if it is one of :data:`DEPENDENCE`, else a ``ValueError``.

    Examples
    --------
    >>> check_dependence("joint")
    'joint'
    """
    if dependence not in DEPENDENCE:
        raise ValueError(f"dependence must be one of {', '.join(map(repr, DEPENDENCE))}; got "
                         f"{dependence!r}")
    return dependence


def resample_by_date(shocks: np.ndarray | None, ages: np.ndarray | None,
                     shared: SharedDraws) -> np.ndarray:
    """Standardised innovations at the common dates, shape (n_paths, h).

    Parameters
    ----------
    shocks : ndarray, shape (m,), or None
        A series' standardised innovations (finite).
    ages : ndarray of int, shape (m,), or None
        Days before the series' last observation of each innovation.
    shared : SharedDraws

    Returns
    -------
    ndarray, shape (n_paths, h)
        ``shocks`` at ``shared.dates``; where a series has no innovation on a date, its
        innovation number ``floor(date_u * m)``; the common normals ``noise_z`` when the
        series has fewer than 30 innovations (as :func:`~forecast.models._core.simulate_ar1`).

    Examples
    --------
    >>> s = shared_draws(np.random.default_rng(0), 3, 4, n_dates=40)
    >>> z = resample_by_date(np.arange(40.0), 39 - np.arange(40), s)
    >>> bool(np.all(z == 39 - s.dates))
    True
    """
    if shocks is None or ages is None or len(shocks) < 30:
        return shared.noise_z
    n_dates = int(max(shared.dates.max() + 1, ages.max() + 1))
    by_age = np.full(n_dates, np.nan)
    by_age[ages] = shocks
    z = by_age[shared.dates]
    missing = np.isnan(z)
    if missing.any():
        z[missing] = shocks[np.minimum((shared.date_u[missing] * len(shocks)).astype(int),
                                       len(shocks) - 1)]
    return z
