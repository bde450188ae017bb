"""Calendar features for the regression models: trend, weekly, yearly, holidays, LNY.

LNY is described twice, on purpose: one 0/1 column per phase of ``forecast.calendar``
(the effects a planner reads, ``lny_effects_``) plus one column per day offset in
``dev_range`` that the models shrink towards zero (ridge), so that a series whose LNY
shape differs from the default phases (e.g. a surge on days 2-3) is still fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from forecast.calendar import (
    DEFAULT_LNY_PHASES,
    LNY_REACH,
    LnyPhase,
    WorkCalendar,
    days_to_lny,
    holiday_calendar,
    lunar_new_year,
)
from forecast.models._core import robust_scale
from forecast.models.zeros import closed_runs, trailing_closed_days, true_runs

__all__ = ["BLOCK_REACH", "FeatureSpec", "holiday_names", "lny_block", "lny_groups", "makeup_workdays",
           "public_holidays", "regime_start",
           "level_noise", "level_similarity", "local_level"]


def public_holidays(country: str | None, start, end, *, exclude=LNY_REACH) -> pd.DatetimeIndex:
    """Public holidays of ``country`` between ``start`` and ``end``, minus LNY-window days.

    Examples
    --------
    >>> public_holidays("HK", "2024-12-20", "2024-12-31").strftime("%m-%d").tolist()
    ['12-25', '12-26']
    """
    if country is None:
        return pd.DatetimeIndex([])
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    cal = holiday_calendar(country, start, end)["holidays"]
    days = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in cal))
    days = days[(days >= start) & (days <= end)]
    off = days_to_lny(days)
    return days[(off < exclude[0]) | (off > exclude[1])]


def makeup_workdays(country: str | None, ds: pd.DatetimeIndex) -> np.ndarray:
    """Whether each date is a weekend day worked in exchange for a holiday (a make-up day).

    Mainland China and Taiwan move working days onto weekends around their holidays (the
    ``holidays`` package's ``weekend_workdays``): such a Saturday or Sunday is a working
    day, which a weekday effect alone would forecast as a weekend.

    Examples
    --------
    >>> makeup_workdays("CN", pd.to_datetime(["2024-02-04", "2024-02-11"])).tolist()
    [True, False]
    >>> makeup_workdays("HK", pd.to_datetime(["2024-02-04"])).tolist()
    [False]
    """
    ds = pd.DatetimeIndex(ds)
    if country is None or len(ds) == 0:
        return np.zeros(len(ds), dtype=bool)
    work = holiday_calendar(country, ds.min(), ds.max())["workdays"]
    if not work:  # most countries: no date to look up
        return np.zeros(len(ds), dtype=bool)
    return np.fromiter((d in work for d in ds.date), bool, len(ds))


def lny_groups(phases, dev_range: tuple[int, int]) -> list[tuple[str, int, int]]:
    """Phases plus the ``pre``/``post`` stretches of ``dev_range`` outside them.

    Examples
    --------
    >>> [g[0] for g in lny_groups(DEFAULT_LNY_PHASES, (-28, 21))]
    ['pre', 'gift_surge', 'cutoff', 'eve', 'closure', 'restart', 'post']
    """
    lo, hi = min(p.start for p in phases), max(p.end for p in phases)
    groups = [(p.name, p.start, p.end) for p in sorted(phases, key=lambda p: p.start)]
    if dev_range[0] < lo:
        groups.insert(0, ("pre", dev_range[0], lo - 1))
    if dev_range[1] > hi:
        groups.append(("post", hi + 1, dev_range[1]))
    return groups


def holiday_names(country: str | None, ds: pd.DatetimeIndex, *, exclude=LNY_REACH) -> np.ndarray:
    """Name of the public holiday on each date ('' if none or inside the LNY range).

    Examples
    --------
    >>> holiday_names("HK", pd.to_datetime(["2024-12-25", "2024-12-27"])).tolist()
    ['Christmas Day', '']
    """
    ds = pd.DatetimeIndex(ds)
    out = np.full(len(ds), "", dtype=object)
    if country is None or len(ds) == 0:
        return out
    hol = public_holidays(country, ds.min(), ds.max(), exclude=exclude)
    cal = holiday_calendar(country, ds.min(), ds.max())["holidays"]
    idx = np.flatnonzero(ds.isin(hol))
    # one name per kind of day: "X (observed)" -> "X", "A; B" -> "A"
    out[idx] = [cal.get(d.date()).split(";")[0].split(" (")[0].strip() for d in ds[idx]]
    return out


#: Days from LNY searched for the holiday block (:func:`lny_block`).
BLOCK_REACH = (-10, 14)


def lny_block(country: str | None, ds: pd.DatetimeIndex, *,
              reach: tuple[int, int] = BLOCK_REACH) -> np.ndarray:
    """Whether each date lies in the run of days off (weekend or public holiday) around LNY.

    The block is the longest run of consecutive days off that contains LNY day 0 or the
    eve, within ``reach`` offsets: its length and position relative to LNY vary by year
    (a LNY on a Saturday, bridge days in Taiwan), and inside it every day is a day off,
    whatever its weekday. Without a country, nothing is in a block.

    Examples
    --------
    >>> ds = pd.date_range("2025-01-22", "2025-02-05")  # LNY Wed 29 Jan, TW: 25 Jan..2 Feb off
    >>> ds[lny_block("TW", ds)].strftime("%d").tolist()
    ['25', '26', '27', '28', '29', '30', '31', '01', '02']
    """
    ds = pd.DatetimeIndex(ds)
    out = np.zeros(len(ds), dtype=bool)
    if country is None or len(ds) == 0:
        return out
    years = range((ds.min() - pd.Timedelta(days=reach[1])).year,
                  (ds.max() - pd.Timedelta(days=reach[0])).year + 1)
    for year in years:
        a, b = _lny_block_days(country, year, reach)
        if a is not None:
            out |= (ds >= a) & (ds <= b)
    return out


@lru_cache(maxsize=512)
def _lny_block_days(country: str, year: int, reach: tuple[int, int]):
    """First and last day of the LNY holiday block of ``year`` (or ``(None, None)``)."""
    lny = pd.Timestamp(lunar_new_year(year))
    days = pd.date_range(lny + pd.Timedelta(days=reach[0]), lny + pd.Timedelta(days=reach[1]))
    off = ~WorkCalendar(country, "Mon-Fri").is_working(days)  # weekends and holidays
    k0 = -reach[0]
    if not off[k0]:
        k0 -= 1  # LNY day 0 on a working day: start from the eve
        if not off[k0]:
            return None, None
    a = b = k0
    while a > 0 and off[a - 1]:
        a -= 1
    while b < len(days) - 1 and off[b + 1]:
        b += 1
    return days[a], days[b]


def days_since_yearly(ds: pd.DatetimeIndex, month: int, day: int) -> np.ndarray:
    """Days from the same year's ``month``/``day`` to each date (negative before it).

    Examples
    --------
    >>> days_since_yearly(pd.to_datetime(["2024-11-10", "2024-11-13"]), 11, 11).tolist()
    [-1, 2]
    """
    d = pd.DatetimeIndex(ds).values.astype("datetime64[D]")
    anchor = (d.astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)).astype(
        "datetime64[D]") + (day - 1)
    return (d - anchor).astype(np.int64)


@dataclass(frozen=True)
class FeatureSpec:
    """Everything needed to build the same columns for training and future dates."""

    t0: pd.Timestamp
    knots: tuple[float, ...]
    country: str | None = "HK"
    phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES
    n_fourier: int = 4
    dev_range: tuple[int, int] = LNY_REACH
    holiday_names: tuple[str, ...] = ()
    #: (month, day) of e-commerce shopping days (6.18, 11.11, 12.12): one effect per day
    #: for ``peak_days`` days from each; shrunk to zero where a series has no such peaks
    peaks: tuple[tuple[int, int], ...] = ((6, 18), (11, 11), (12, 12))
    peak_days: int = 7
    #: inside the LNY holiday block (:func:`lny_block`) the weekday effects are switched
    #: off and one more effect is fitted (every day of the block is a day off)
    holiday_block: bool = False
    #: first day of a level step at the history's end
    #: (:func:`~forecast.models.level_steps.recent_step`): one effect from that day on
    step_from: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        if self.dev_range[0] > min(p.start for p in self.phases) or self.dev_range[1] < max(
            p.end for p in self.phases
        ):
            raise ValueError(f"dev_range {self.dev_range} must cover every LNY phase")
        if not 0 <= self.n_fourier <= 10:
            raise ValueError(f"n_fourier must lie in 0..10, got {self.n_fourier}")

    @classmethod
    def for_history(cls, ds: pd.DatetimeIndex, *, knot_days: int = 182, **kw) -> FeatureSpec:
        """Spec with trend knots every ``knot_days`` inside the history (none in the last)."""
        span = (ds[-1] - ds[0]).days
        knots = tuple(k / 365.25 for k in range(knot_days, span - knot_days + 1, knot_days))
        names = holiday_names(kw.get("country", "HK"), ds, exclude=kw.get("dev_range", LNY_REACH))
        return cls(t0=ds[0], knots=knots, holiday_names=tuple(sorted(set(names) - {""})), **kw)

    def matrix(self, ds: pd.DatetimeIndex) -> tuple[np.ndarray, dict[str, slice]]:
        """Design matrix and the column slice of each group.

        Groups: ``trend`` (intercept, slope, hinges), ``week`` (6; off on make-up working
        days, :func:`makeup_workdays`), ``workday`` (1: a make-up day's own effect against
        the reference weekday), ``year`` (Fourier),
        ``holiday`` (1), ``holiday_name`` (one per holiday seen in training), ``phase`` (one per phase), ``dev`` (one per offset in dev_range), ``peak``
        (one per e-commerce shopping day and day after it), ``block`` (1, with
        ``holiday_block``), ``step`` (1, with ``step_from``).
        """
        ds = pd.DatetimeIndex(ds)
        t = (ds - self.t0).days.to_numpy() / 365.25
        cols, groups = [], {}

        def add(name, block):
            start = sum(c.shape[1] for c in cols)
            cols.append(np.asarray(block, dtype=float).reshape(len(ds), -1))
            groups[name] = slice(start, start + cols[-1].shape[1])

        add("trend", np.column_stack([np.ones_like(t), t] + [np.maximum(t - k, 0) for k in self.knots]))
        block = lny_block(self.country, ds) if self.holiday_block else np.zeros(len(ds), dtype=bool)
        work = makeup_workdays(self.country, ds)  # a worked weekend day: a weekday's level
        add("week", (ds.day_of_week.to_numpy()[:, None] == np.arange(1, 7)[None, :])
            & ~(block | work)[:, None])
        add("workday", work)
        doy = 2 * np.pi * ds.day_of_year.to_numpy() / 365.25
        k = np.arange(1, self.n_fourier + 1)[None, :]
        add("year", np.column_stack([np.sin(doy[:, None] * k), np.cos(doy[:, None] * k)]))
        off = days_to_lny(ds)
        names = holiday_names(self.country, ds, exclude=self.dev_range)
        add("holiday", names != "")
        add("holiday_name", names[:, None] == np.array(self.holiday_names, dtype=object)[None, :])
        add("phase", np.column_stack([(off >= p.start) & (off <= p.end) for p in self.phases]))
        offsets = np.arange(self.dev_range[0], self.dev_range[1] + 1)
        add("dev", off[:, None] == offsets[None, :])
        cols_peak = []
        for month, day in self.peaks:
            since = days_since_yearly(ds, month, day)
            cols_peak += [since == k for k in range(self.peak_days)]
        add("peak", np.column_stack(cols_peak) if cols_peak else np.zeros((len(ds), 0)))
        if self.holiday_block:
            add("block", block)
        if self.step_from is not None:
            add("step", ds >= self.step_from)
        return np.column_stack(cols), groups

    def lny_effects(self, beta: np.ndarray, groups: dict) -> np.ndarray:
        """Fitted LNY log-effect per offset of ``dev_range``: its phase's plus its own."""
        lo = self.dev_range[0]
        effect = beta[groups["dev"]].copy()
        for j, p in enumerate(self.phases):
            effect[p.start - lo:p.end - lo + 1] += beta[groups["phase"]][j]
        return effect


def local_level(y: np.ndarray, *, ds: pd.DatetimeIndex | None = None, window: int = 28,
                skip: tuple[int, int] = LNY_REACH) -> np.ndarray:
    """The ``window``-day centred rolling median of ``log1p(y)``, LNY days left out.

    With ``ds``, days within ``skip`` offsets of LNY do not enter the medians and get the
    level interpolated across them: a deep LNY trough is an LNY effect, not a change of
    regime (it would otherwise look like one for two weeks). NaN in ``y`` are skipped too.

    Examples
    --------
    >>> ds = pd.date_range("2024-12-01", "2025-04-30")
    >>> y = np.where(np.abs(days_to_lny(ds)) <= 10, 100.0, 1000.0)  # a 21-day trough
    >>> bool(np.allclose(local_level(y, ds=ds), np.log1p(1000.0)))
    True
    """
    x = np.log1p(np.asarray(y, dtype=float))
    if ds is not None:
        off = days_to_lny(pd.DatetimeIndex(ds))
        x = np.where((off >= skip[0]) & (off <= skip[1]), np.nan, x)
    m = pd.Series(x).rolling(window, center=True, min_periods=7).median()
    if ds is not None:
        m = m.interpolate(limit_direction="both")
    return m.to_numpy()


def regime_start(ds: pd.DatetimeIndex, y: np.ndarray, *, max_ratio: float = 2.5,
                 min_days: int = 180, min_run: int = 28) -> int:
    """Index of the first day of the current regime of a series.

    The regime starts after the last run of at least ``min_run`` days whose local level
    (:func:`local_level`) differs from the latest one by more than a factor ``max_ratio``
    (a border closure, a pandemic, a network change) and by more than 4 times the local
    level's own noise (:func:`level_noise`: a noisy count needs a larger move), but keeps
    at least ``min_days`` days. Closed runs of zeros (:func:`~forecast.models.zeros.closed_runs`)
    are another regime, except one at the end (closed now), and the latest level is that
    of the last open days.

    Examples
    --------
    >>> ds = pd.date_range("2020-01-01", periods=1200)
    >>> y = np.where(np.arange(1200) < 300, 10.0, 1000.0)
    >>> int(regime_start(ds, y))
    301
    """
    y = np.asarray(y, dtype=float)
    closed = closed_runs(np.nan_to_num(y), ds=ds)
    m = local_level(np.where(closed, np.nan, y))
    seen = np.flatnonzero(np.isfinite(m))
    if not len(seen):
        return 0
    now = m[max(seen[-1] - 13, seen[0])]
    closed[len(closed) - trailing_closed_days(closed):] = False  # closed now: still open
    far = (np.abs(m - now) > max(np.log(max_ratio), 4 * level_noise(m))) | closed
    runs = [b for a, b in true_runs(far) if b - a >= min_run]
    start = int(runs[-1]) if runs else 0
    return min(start, max(len(ds) - min_days, 0))


def level_noise(m: np.ndarray, *, lag: int = 28) -> float:
    """Noise sd of a local level ``m`` (log scale): the robust sd of its changes over
    ``lag`` days (windows that do not overlap, taken at every day), divided by sqrt(2).

    Examples
    --------
    >>> y = np.random.default_rng(0).poisson(1000, 400).astype(float)
    >>> bool(level_noise(local_level(y)) < 0.01)
    True
    """
    m = np.asarray(m, dtype=float)
    return float(robust_scale(m[lag:] - m[:-lag]) / np.sqrt(2)) if len(m) > lag else 0.0


def level_similarity(y: np.ndarray, *, ds: pd.DatetimeIndex | None = None,
                     scale: float = 0.6) -> np.ndarray:
    """Weight of each day by how close its local level is to the latest one, in [0, 1]
    (all 0 for a series with no observed day).

    ``exp(-(d / scale)^2)`` with ``d`` the log ratio of the local level
    (:func:`local_level`; with ``ds``, LNY days left out, so an LNY trough keeps its
    weight) to the median of the last 91 days: days of a border closure or lockdown
    (level a fraction of today's) get almost no weight, while ordinary growth keeps most of
    it (a factor 1.5 gives 0.63).

    Examples
    --------
    >>> w = level_similarity(np.r_[np.full(100, 10.0), np.full(100, 1000.0)])
    >>> bool(w[:50].max() < 1e-6 and w[-50:].min() > 0.99)
    True
    """
    x = np.log1p(y)
    m = local_level(y, ds=ds)
    seen = x[np.isfinite(x)]  # the last 91 observed days (a closure at the end left out)
    if not len(seen):
        return np.zeros(len(x))
    return np.exp(-(((m - np.median(seen[-91:])) / scale) ** 2))
