"""Zeros that are facts, not effects: structural closures and closed regimes.

On the ``log1p`` scale a zero next to days in the thousands is an effect of about -9. Fitted
as an effect it bends its neighbours (a phase shared with open days, a common holiday
effect, the residual dynamics) and, drawn as noise, it scatters paths. Two kinds of zeros
are therefore taken out of the regression and the dynamics and put back as facts:

- **structural closures** (:func:`find_closures`): a calendar key on which the series is
  zero almost every time it occurs while the days around it are open: a weekday (closed
  on Sundays), an LNY offset (closed on LNY days 1-3), a named public holiday. Those days
  get weight 0 in the fit and every path is exactly 0 on future days with the same key
  (like capacity 0);
- **closures in some years only** (``Closures.lny_years``): LNY days that are zero in
  some years and open in others (closed over LNY in 2 of 4 years, a closure that moves by a
  day or changes length). Those zero days get weight 0 (the effects are learnt from the
  open years) and each path repeats one past LNY's closures, drawn with recent LNYs likelier
  (half-life :data:`CLOSURE_HALF_LIFE` LNYs), one draw per path and LNY (shared by the hubs
  of a joint draw), so the paths are a mixture of the holidays seen;
- **closed regimes** (:func:`closed_runs`): a run of zeros too long to be chance at the
  series' open level (a site not yet open, a closed border). Its days get weight 0 and the
  residual dynamics start after it, so it does not inflate the spread.

Zeros of a sparse series (a depot with a few parcels a day) are neither: a zero there is an
ordinary count, and the open level decides that (``min_level``, ``max_run_prob``).

Those levels are counts. A measurement (a series that is not integer-valued: energy in
GWh, tonnes) has no natural unit, so it is fitted in units that make it large
(:func:`measurement_unit`): its forecast does not depend on the unit it came in, and its
zeros are closures or outages as a large count's are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import LNY_REACH, days_to_lny, in_lny_window, lny_year_of

__all__ = ["CLOSURE_HALF_LIFE", "CLOSURE_YEARS", "MIN_OPEN_LEVEL", "MIN_ZERO_SHARE", "Closures",
           "find_closures", "closed_runs", "is_count", "leading_closed_days", "measurement_unit",
           "trailing_closed_days", "true_runs"]

#: A zero is implausible where the local (29-day rolling median) level is at least this.
MIN_OPEN_LEVEL = 20.0
#: Share of a key's open occurrences that must be zero for a structural closure.
MIN_ZERO_SHARE = 0.8
#: LNYs after which a past LNY's closures are half as likely to repeat in a path.
CLOSURE_HALF_LIFE = 2.0
#: Past LNYs whose closures a path may repeat (the most recent ones).
CLOSURE_YEARS = 5


@dataclass(frozen=True)
class Closures:
    """Calendar keys on which a series is structurally closed.

    Attributes
    ----------
    weekdays : tuple of int
        Days of the week (Monday 0).
    lny_offsets : tuple of int
        Days from LNY.
    holidays : tuple of str
        Names of public holidays (as :func:`forecast.models.features.holiday_names`).
    lny_years : tuple of (int, tuple of int)
        When some LNY days were closed in some years only: every past LNY observed at an
        open level, with the offsets closed that year (empty if none); :meth:`draw_mask`
        repeats one of them per path.

    Examples
    --------
    >>> c = Closures(weekdays=(6,))
    >>> c.mask(pd.date_range("2024-01-05", periods=3)).tolist()  # Fri, Sat, Sun
    [False, False, True]
    """

    weekdays: tuple[int, ...] = ()
    lny_offsets: tuple[int, ...] = ()
    holidays: tuple[str, ...] = ()
    lny_years: tuple[tuple[int, tuple[int, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.weekdays or self.lny_offsets or self.holidays or self.lny_years)

    def mask(self, ds, names: np.ndarray | None = None,
             work: np.ndarray | None = None) -> np.ndarray:
        """Whether each date is closed, shape (len(ds),); ``names``: holiday names of ds;
        ``work``: make-up working days of ds (open on a closed weekday)."""
        ds = pd.DatetimeIndex(ds)
        out = np.isin(ds.day_of_week, self.weekdays)
        if work is not None:
            out &= ~np.asarray(work, dtype=bool)
        if self.lny_offsets:
            out |= np.isin(days_to_lny(ds), self.lny_offsets)
        if self.holidays and names is not None:
            out |= np.isin(names, self.holidays)
        return out

    def fit_mask(self, ds, y: np.ndarray, names: np.ndarray | None = None,
                 work: np.ndarray | None = None) -> np.ndarray:
        """Days left out of a fit, shape (len(ds),): :meth:`mask`, and the zero days at the
        offsets closed in some years only (their effects are learnt from the open years)."""
        out = self.mask(ds, names, work)
        if self.lny_years:
            some = sorted({o for _, offsets in self.lny_years for o in offsets})
            out |= np.isin(days_to_lny(pd.DatetimeIndex(ds)), some) & (np.asarray(y) == 0)
        return out

    def draw_mask(self, ds, n_paths: int, *, rng: np.random.Generator | None = None,
                  u: np.ndarray | None = None, names: np.ndarray | None = None,
                  work: np.ndarray | None = None) -> np.ndarray:
        """Closed days per path, shape (n_paths, len(ds)).

        :meth:`mask` on every path; with ``lny_years``, each path's LNY repeats the closures
        of one past LNY: ``k`` LNYs before it (``k`` < :data:`CLOSURE_YEARS`, weights
        halving every :data:`CLOSURE_HALF_LIFE`), or the nearest LNY the history holds
        (the more recent on a tie). ``k`` comes from a uniform: one per path and LNY from
        ``rng``, or ``u`` (shape (n_paths,), one per path for every LNY of ``ds``: a joint
        draw's), and ``k`` does not depend on the series, so the hubs of a joint draw
        repeat the same past LNY.

        Examples
        --------
        >>> c = Closures(lny_years=((2024, ()), (2025, (0, 1))))
        >>> ds = pd.date_range("2026-02-16", periods=3)  # LNY 2026-02-17 is the middle day
        >>> c.draw_mask(ds, 3, u=np.array([0.1, 0.5, 0.9])).astype(int).tolist()
        [[0, 1, 1], [0, 0, 0], [0, 0, 0]]
        """
        ds = pd.DatetimeIndex(ds)
        out = np.broadcast_to(self.mask(ds, names, work), (n_paths, len(ds))).copy()
        if not self.lny_years:
            return out
        off = days_to_lny(ds)
        year = lny_year_of(ds, off)
        if u is None:
            years = np.unique(year)
            u = rng.random((n_paths, len(years)))[:, np.searchsorted(years, year)]
        else:
            u = np.broadcast_to(np.asarray(u, dtype=float)[:, None], out.shape)
        weight = 0.5 ** (np.arange(CLOSURE_YEARS) / CLOSURE_HALF_LIFE)
        back = np.minimum(np.searchsorted(np.cumsum(weight) / weight.sum(), u, side="right"),
                          CLOSURE_YEARS - 1)
        wanted = year[None, :] - 1 - back  # (n_paths, len(ds)): the LNY to repeat
        past = np.array([y for y, _ in self.lny_years])[::-1]  # recent first: wins ties
        pick = np.abs(wanted[..., None] - past).argmin(axis=-1)
        for k, (_, offsets) in enumerate(self.lny_years[::-1]):
            if offsets:
                out |= (pick == k) & np.isin(off, offsets)[None, :]
        return out

    def describe(self) -> str:
        """One line for a record, e.g. ``weekdays [6], LNY offsets [0, 1, 2]``."""
        parts = [f"{k} {list(v)}" for k, v in (("weekdays", self.weekdays),
                                              ("LNY offsets", self.lny_offsets),
                                              ("holidays", self.holidays)) if v]
        if self.lny_years:
            parts.append("LNY days closed in some years only (offsets by LNY) "
                         + ", ".join(f"{y}: {list(o)}" for y, o in self.lny_years))
        return ", ".join(parts)


def true_runs(zero: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of every run of True."""
    z = np.r_[False, zero, False].astype(np.int8)
    d = np.diff(z)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def closed_runs(y: np.ndarray, *, ds=None, min_days: int = 7,
                max_run_prob: float = 5e-5) -> np.ndarray:
    """Days inside runs of zeros that are not chance: a closed regime, shape (n,) bool.

    With ``ds``, runs inside an LNY window (:data:`forecast.calendar.LNY_REACH`) are left
    to :func:`find_closures` (a site closed for a week every LNY is a calendar fact, not a
    regime), except a run that reaches the history's end (a site closed now).
    A run of ``L >= min_days`` zeros is closed if ``p0 ** L < max_run_prob``, ``p0`` the
    chance of a zero on an ordinary day: the larger of the share of zeros outside such
    runs (an overdispersed count has many) and ``exp(-m)`` (a Poisson count at ``m``, the
    mean of ``y`` over every day: low when the series is mostly closed). Both err towards
    ordinary zeros.

    Examples
    --------
    >>> y = np.r_[np.zeros(30), np.full(100, 50.0)]
    >>> int(closed_runs(y).sum())
    30
    >>> sparse = np.where(np.arange(400) % 40 == 0, 1.0, 0.0)  # one parcel every 40 days
    >>> int(closed_runs(sparse).sum())
    0
    """
    y = np.asarray(y, dtype=float)
    runs = [(a, b) for a, b in true_runs(y == 0) if b - a >= min_days]
    if ds is not None:  # (a run to the end of the history is closed now, LNY or not)
        in_window = in_lny_window(ds)
        runs = [(a, b) for a, b in runs if b == len(y) or not in_window[a:b].all()]
    out = np.zeros(len(y), dtype=bool)
    if not runs:
        return out
    for a, b in runs:
        out[a:b] = True
    rest = y[~out]
    p0 = max(float(np.mean(rest == 0)) if len(rest) else 1.0, float(np.exp(-y.mean())))
    for a, b in runs:
        out[a:b] = (b - a) * np.log(max(p0, 1e-300)) < np.log(max_run_prob)
    return out


def trailing_closed_days(closed: np.ndarray) -> int:
    """Number of days of a closed run at the end (a site closed now).

    Examples
    --------
    >>> trailing_closed_days(np.array([True, False, True, True]))
    2
    """
    return leading_closed_days(np.asarray(closed)[::-1])


def leading_closed_days(closed: np.ndarray) -> int:
    """Number of days of a closed run at the start (a site not yet open).

    Examples
    --------
    >>> leading_closed_days(np.array([True, True, False, True]))
    2
    """
    return int(np.argmin(closed)) if not closed.all() else len(closed)


def find_closures(ds: pd.DatetimeIndex, y: np.ndarray, *, names: np.ndarray | None = None,
                  dev_range: tuple[int, int] = LNY_REACH, exclude: np.ndarray | None = None,
                  min_level: float = MIN_OPEN_LEVEL, min_share: float = MIN_ZERO_SHARE,
                  ) -> Closures:
    """Calendar keys on which ``y`` is zero while the series is open around them.

    Parameters
    ----------
    ds : DatetimeIndex, shape (n,)
    y : ndarray, shape (n,)
    names : ndarray of str, shape (n,), optional
        Public holiday name of each day ('' if none).
    dev_range : (int, int)
        LNY offsets considered.
    exclude : ndarray of bool, shape (n,), optional
        Days not to count (a closed regime).
    min_level : float
        Occurrences count only where the 29-day rolling median of ``y`` is at least this
        (a zero there is implausible as a count).
    min_share : float
        Share of counted occurrences that must be zero. Weekdays need 8 counted
        occurrences, LNY offsets and holidays one.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=70)
    >>> y = np.where(ds.day_of_week == 6, 0.0, 100.0)
    >>> find_closures(ds, y).weekdays
    (6,)
    """
    ds = pd.DatetimeIndex(ds)
    y = np.asarray(y, dtype=float)
    level = pd.Series(y).rolling(29, center=True, min_periods=8).median().to_numpy()
    ok = np.nan_to_num(level) >= min_level
    if exclude is not None:
        ok &= ~exclude
    zero = y == 0

    def closed_keys(keys: np.ndarray, candidates, min_count: int):
        out = []
        for k in candidates:
            sel = ok & (keys == k)
            if sel.sum() >= min_count and zero[sel].mean() >= min_share:
                out.append(k)
        return tuple(out)

    if not (zero & ok).any():
        return Closures()
    off = days_to_lny(ds)
    weekdays = closed_keys(ds.day_of_week.to_numpy(), range(7), 8)
    offsets = closed_keys(off, range(dev_range[0], dev_range[1] + 1), 1)
    holidays = ()
    if names is not None:
        names = np.asarray(names, dtype=object)
        holidays = closed_keys(names, sorted(set(names[zero & ok]) - {""}), 1)
    found = Closures(tuple(int(w) for w in weekdays), tuple(int(o) for o in offsets),
                     tuple(str(h) for h in holidays))
    # LNY days zero in some years only (not explained by a weekday or holiday closure): a
    # closure if the offset is zero in 2+ years or next to another zero that year (a
    # single zero day in one year is an outage)
    rest = ok & ~found.mask(ds, names)
    inside = (off >= dev_range[0]) & (off <= dev_range[1])
    near = rest & zero & inside
    paired = near & (np.r_[False, near[:-1]] | np.r_[near[1:], False])
    offsets = np.arange(dev_range[0], dev_range[1] + 1)
    often = offsets[[zero[rest & (off == o)].sum() >= 2 for o in offsets]]
    closed = near & (paired | np.isin(off, often))
    if not closed.any():
        return found
    year = lny_year_of(ds, off)
    some = np.unique(off[closed])
    years = []
    for lny in np.unique(year[inside]):  # the LNYs whose closure days were all observed
        this = year == lny
        if np.isin(some, off[this & rest]).all():
            years.append((int(lny), tuple(int(o) for o in np.unique(off[this & closed]))))
    if len({o for _, o in years}) < 2:  # the same every year: structural (or unseen)
        return found
    return dataclasses.replace(found, lny_years=tuple(years))


#: A measurement's median positive day is fitted at this level or above
#: (:func:`measurement_unit`): ``log1p`` is ``log`` there to 1e-6 and the count floor is 0.001.
MEASUREMENT_LEVEL = 1e6
#: A measurement with scattered zeros (not a closed weekday, not a closed run of a week or
#: more) on more than this share of its other days is intermittent and is fitted as given
#: (:func:`measurement_unit`).
MEASUREMENT_MAX_ZEROS = 0.1
#: A series with at least this share of integer values is a count (a day filled by
#: interpolation leaves a count a count).
COUNT_MIN_INTEGERS = 0.9


def is_count(y: np.ndarray) -> bool:
    """Whether a series is a count: at least :data:`COUNT_MIN_INTEGERS` of its finite values
    are integers (else a measurement, :func:`measurement_unit`).

    Examples
    --------
    >>> is_count(np.array([3.0, 0.0, 12.0])), is_count(np.array([1.25, 2.5]))
    (True, False)
    """
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    return bool(np.mean(y == np.round(y)) >= COUNT_MIN_INTEGERS) if len(y) else True


def measurement_unit(y: np.ndarray) -> float:
    """Factor a series is multiplied by before fitting (its paths are divided by it after).

    1 for a count (at least :data:`COUNT_MIN_INTEGERS` of its values integers): its noise
    floor is real. For a measurement, the smallest power of ten (at least 1) that puts its
    median positive value at :data:`MEASUREMENT_LEVEL` or above, so that the same load in
    GWh or in MWh gets the same forecast, in its own unit; its zeros are then closures or
    outages (facts, see the module docstring). An intermittent measurement, with
    scattered zeros on more than :data:`MEASUREMENT_MAX_ZEROS` of its days (counted from
    its first positive day, leaving out runs of 7 or more zeros and the weekdays zero on
    80% of their days or more: closures), keeps 1: there ``log1p``'s offset softens the
    zeros as it does for a sparse count, and its forecast depends on its unit. So does a
    series without a positive value.

    Parameters
    ----------
    y : ndarray, shape (n,)
        One series' history, daily without gaps, ``>= 0`` (NaN ignored).

    Returns
    -------
    float
        1.0 or a power of ten (at most 1e300).

    Examples
    --------
    >>> measurement_unit(np.array([3.0, 0.0, 12.0])), measurement_unit(np.array([1.25, 2.5]))
    (1.0, 1000000.0)
    >>> measurement_unit(np.array([123456.7, 234567.8]))
    10.0
    >>> measurement_unit(np.tile([0.0, 0.3, 0.0, 1.2, 0.0], 20))  # intermittent
    1.0
    >>> measurement_unit(np.tile([0.3, 0.4, 0.5, 0.4, 0.3, 0.2, 0.0], 10))  # closed on a weekday
    10000000.0
    """
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    positive = y > 0
    if is_count(y) or not positive.any():
        return 1.0
    zero = ~positive[np.argmax(positive):]
    run = np.zeros(len(zero), dtype=bool)
    for a, b in true_runs(zero):
        run[a:b] = b - a >= 7  # a closed regime
    day = np.arange(len(zero)) % 7  # the weekday, up to a shift
    seen = np.bincount(day[~run], minlength=7)
    shut = (np.bincount(day[~run], weights=zero[~run], minlength=7) >= 0.8 * seen) & (seen >= 4)
    other = ~run & ~shut[day]  # nor a closed weekday (zero on 80% of its days, as a closure)
    if not other.any() or zero[other].mean() > MEASUREMENT_MAX_ZEROS:
        return 1.0
    power = np.ceil(np.log10(MEASUREMENT_LEVEL) - np.log10(np.median(y[positive])))
    return float(10.0 ** min(max(power, 0.0), 300.0))
