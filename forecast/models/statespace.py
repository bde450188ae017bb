"""``statespace``: robust log-scale regression with LNY phases, then random-walk level + AR(1).

Two stages, both fast and deterministic:

1. Weighted ridge regression of ``log1p(y)`` (:func:`forecast.models.regression.fit_regression`)
   on trend hinges, weekday, yearly Fourier, public holidays (one common and one per
   holiday), e-commerce peak days, LNY phases, per-offset LNY deviations (shrunk to the
   phase) and the LNY holiday block (the run of days off around LNY, whose length varies
   by year; weekday effects are off inside it). Weights decay with age
   (``half_life_days``), with distance from today's level (:func:`level_similarity`: a
   border closure or lockdown barely counts) and for outliers (Huber, two passes), so
   typhoon days or a data glitch do not bend the LNY effects; with three or more past LNY
   windows, one that is off as a whole counts less
   (:func:`~forecast.models.regression.year_weights`). Structural closures and
   closed regimes (:mod:`forecast.models.zeros`) get weight 0 and are put back as facts:
   paths are exactly 0 on future closed days. Without yearly seasonality (under
   :data:`YEARLY_MIN_DAYS` at today's level) the LNY effects are then measured against
   the level around their window (:mod:`forecast.models.lny_reference`).
2. The residual of the current regime (:func:`regime_start`, and after the last closed
   run) is modelled by a random-walk level + AR(1) (:mod:`forecast.models.residuals`);
   closed days are missing values there. The trend is held flat at its last value; the
   level's random-walk variance is at least the drift of the deseasonalised series in the
   history (:func:`~forecast.models.residuals.level_drift_var`), so the spread grows
   with the lead up to next year's LNY (~400 days).

Paths: ``center`` = calendar effects + last trend value + filtered level + decaying AR
state (without yearly seasonality, plus part of last year's change over the same days,
:func:`~forecast.models.residuals.year_ago_path`); ``shared`` = random-walk level +
LNY-effect draws (per phase, per LNY day, a year-to-year shift of the whole LNY window and
a year-to-year factor on every LNY effect, :mod:`forecast.models.lny_uncertainty`);
``noise`` = AR(1) with resampled empirical innovations. A count
(:func:`~forecast.models.zeros.is_count`) gives count paths (randomised rounding). A level step
28-91 days back (:func:`~forecast.models.level_steps.recent_step`) is refitted as an effect.

Short and partial histories: any history of at least
:data:`~forecast.models.regression.MIN_HISTORY_DAYS` open days is fitted (shorter is a
``ValueError`` naming the minimum). LNY effects are estimated from the LNY days observed;
phases never observed stay at the prior (no effect) and every phase's draws combine its
standard error with a prior sd by offset from LNY
(:data:`~forecast.models.lny_uncertainty.PRIOR_LNY_SD`,
:func:`~forecast.models.lny_uncertainty.lny_group_sd`). Such fallbacks are listed by
:meth:`StateSpaceModel.fallbacks` and end up in ``calibration_.fallback`` (and a
:class:`~forecast.models.base.ShortHistoryWarning`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, days_to_lny, in_lny_window
from forecast.models._core import count_noise_sd, local_scale
from forecast.models.base import ForecastModel
from forecast.models.components import Components
from forecast.models.features import (
    BLOCK_REACH, FeatureSpec, holiday_names, level_similarity, lny_groups, local_level,
    makeup_workdays, regime_start,
)
from forecast.models.joint import SharedDraws, hub_rng
from forecast.models.lny_reference import local_lny_reference, relevel_lny_effects
from forecast.models.regression import MIN_HISTORY_DAYS, OFF, check_history, fit_regression
from forecast.models.regression import window_years
from forecast.models.lny_uncertainty import (
    between_year_sd, prior_lny_sd, depth_sd, draw_lny_effects, group_windows, lny_group_sd,
    unseen_lny_notes,
)
from forecast.models.residuals import (
    LevelAR, clip_outliers, fit_level_ar, level_drift_var, recent_level, year_ago_path,
)
from forecast.models.level_steps import recent_step, step_fits_better
from forecast.models.zeros import (
    MIN_OPEN_LEVEL, Closures, closed_runs, find_closures, is_count, leading_closed_days,
    trailing_closed_days)

__all__ = ["StateSpaceModel", "StateSpaceFit", "clear_fit_cache", "fit_statespace"]

#: Fits kept for reuse (statespace and statespace-recent, and their calibration folds,
#: share the regression and the dynamics fit on the same history).
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64
#: Days at today's level needed to fit yearly seasonality.
YEARLY_MIN_DAYS = 400


def clear_fit_cache() -> None:
    """Forget the cached fits (benchmarks time cold fits; results never depend on it)."""
    _CACHE.clear()


@dataclass(frozen=True)
class StateSpaceFit:
    """A fitted series (everything :meth:`StateSpaceModel.draw_series` needs)."""

    spec: FeatureSpec
    beta: np.ndarray
    groups: dict
    trend_end: float
    dyn: LevelAR
    lny_sd: dict
    last: pd.Timestamp
    windows: dict
    closures: Closures
    resid: np.ndarray
    #: documented fallbacks used (short or partial history): warned about
    notes: tuple[str, ...] = ()
    #: zeros taken as facts (closures, closed runs): recorded
    facts: tuple[str, ...] = ()
    #: a count (:func:`~forecast.models.zeros.is_count`): integer paths (randomised rounding)
    counts: bool = False
    #: the series' ``unique_id`` (keys its hub-local stream in joint draws)
    uid: str = ""
    #: without a yearly fit: part of last year's change over the days ahead (log scale)
    year_ago: np.ndarray | None = None

    @property
    def n_windows(self) -> float:
        """LNY windows seen, the most-seen phase counted (0: LNY effects from the prior)."""
        return max((v for k, v in self.windows.items() if k not in ("pre", "post")), default=0.0)


def fit_statespace(ds: pd.DatetimeIndex, y: np.ndarray, *, uid: str = "series",
                   alias: str = "statespace", country: str | None = "HK",
                   phases=DEFAULT_LNY_PHASES, half_life_days: float = 730.0,
                   dev_penalty: float | str = "auto", resid_window: int = 730,
                   holiday_block: bool = True, min_days: int = MIN_HISTORY_DAYS) -> StateSpaceFit:
    """Fit the regression and the residual dynamics of one series (filtered level).

    See the module docstring; :class:`StateSpaceModel` adds the recent-level variant and
    calibration. Deterministic, so fits are cached by content.

    Raises
    ------
    ValueError
        Fewer than ``min_days`` open days (default
        :data:`~forecast.models.regression.MIN_HISTORY_DAYS`; calibration folds of a
        short history fit shorter ones).
    """
    key = (hashlib.blake2b(np.ascontiguousarray(y, dtype=float).tobytes(), digest_size=16)
           .hexdigest(), ds[0].value, len(ds), uid, alias, country, tuple(phases),
           half_life_days, dev_penalty, resid_window, holiday_block, min_days)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    fit = _fit(ds, y, uid=uid, alias=alias, country=country, phases=tuple(phases),
               half_life_days=half_life_days, dev_penalty=dev_penalty,
               resid_window=resid_window, holiday_block=holiday_block, min_days=min_days)
    _CACHE[key] = fit
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return fit


def _fit(ds, y, *, uid, alias, country, phases, half_life_days, dev_penalty, resid_window,
         holiday_block, min_days) -> StateSpaceFit:
    notes, facts = [], []
    closed = closed_runs(y, ds=ds)
    first = leading_closed_days(closed)
    check_history(uid, ds, alias, open_from=first, min_days=min_days)
    if first:
        facts.append(f"the first {first} days are a closed run (not yet open): not used")
        ds, y, closed = ds[first:], y[first:], closed[first:]
    spec = FeatureSpec.for_history(ds, country=country, phases=phases, holiday_block=holiday_block)
    names = holiday_names(country, ds, exclude=spec.dev_range)
    closures = find_closures(ds, y, names=names, dev_range=spec.dev_range, exclude=closed)
    # zeros that are facts are not fitted (a make-up working day is open on a closed weekday)
    out = closed | closures.fit_mask(ds, y, names, makeup_workdays(country, ds))
    if closures:
        facts.append("closures (paths are 0 there; days closed in some LNYs only: each path "
                     f"repeats one past LNY's, recent ones likelier): {closures.describe()}")
    similar = level_similarity(np.where(out, np.nan, y))
    outage = (y == 0) & ~out & (np.median(y[y > 0]) >= MIN_OPEN_LEVEL)  # not a sparse zero
    # an LNY day seen at today's level: its local level without LNY days (a trough is no regime)
    visible = np.nan_to_num(level_similarity(np.where(out, np.nan, y), ds=ds)) * ~out
    w = 0.5 ** ((ds[-1] - ds).days.to_numpy() / half_life_days) * np.nan_to_num(similar) * ~out
    glist = lny_groups(spec.phases, spec.dev_range)
    windows = group_windows(ds, visible, glist)
    override = {"year": OFF} if (np.nan_to_num(similar) * ~out > 0.5).sum() < YEARLY_MIN_DAYS else {}
    if override:
        notes.append(f"less than {YEARLY_MIN_DAYS} days at today's level: no yearly seasonality")
    offsets = np.arange(spec.dev_range[0], spec.dev_range[1] + 1)
    dev_phase = np.full(len(offsets), -1)
    for j, p in enumerate(spec.phases):
        dev_phase[(offsets >= p.start) & (offsets <= p.end)] = j
    off = days_to_lny(ds)
    dev_days = np.where((off >= spec.dev_range[0]) & (off <= spec.dev_range[1]),
                        off - spec.dev_range[0], -1)
    # LNY days never seen at today's level (before a history starts, or in a regime far
    # from today's, e.g. a closed border): their effects stay at the prior's 0
    seen = np.bincount(dev_days[dev_days >= 0], weights=visible[dev_days >= 0],
                       minlength=len(offsets)) >= 0.5
    seen |= np.isin(offsets, closures.lny_offsets)  # closed: paths are 0, no prior needed
    block = (offsets >= BLOCK_REACH[0]) & (offsets <= BLOCK_REACH[1])
    if spec.holiday_block and not seen[block].any():
        # no holiday block day seen: switching the weekday effects off there would put
        # every such day at the reference weekday's level, not at the prior's "no effect"
        spec = replace(spec, holiday_block=False)
        notes.append("no LNY holiday-block day seen: weekday effects kept over the holiday")
    X, groups = spec.matrix(ds)
    tr = groups["trend"]
    off_columns = np.zeros(X.shape[1], dtype=bool)
    off_columns[groups["dev"]] = ~seen
    off_columns[groups["phase"]] = [not seen[dev_phase == j].any() for j in range(len(spec.phases))]
    notes += unseen_lny_notes(spec.phases, seen, spec.dev_range)
    window_year, first_year = window_years(ds)
    kw = dict(weights=w, dev_penalty=dev_penalty, override=override, dev_phase=dev_phase,
              dev_days=dev_days, window_year=window_year, off_columns=off_columns)
    beta, r, w_fit, pen, yw = fit_regression(np.log1p(y), X, groups, **kw)
    step = 0 if override else recent_step(np.where(out | outage, np.nan, X[:, tr] @ beta[tr] + r))
    if step:  # the last trend segment took part of it: refit with the step as an effect
        s_spec, kw["off_columns"] = replace(spec, step_from=ds[-step]), np.r_[off_columns, False]
        s_X, s_groups = s_spec.matrix(ds)
        s_fit = fit_regression(np.log1p(y), s_X, s_groups, **kw)
        step *= step_fits_better(r, s_fit[1], step, skip=out)  # else the trend fits it
        if step:
            spec, X, groups, (beta, r, w_fit, pen, yw) = s_spec, s_X, s_groups, s_fit
    level = np.zeros(len(y))  # no season fitted: LNY effects against the level around
    if override:  # their window (the season there), which the residual then holds
        effects = np.where(dev_days >= 0, spec.lny_effects(beta, groups)[dev_days], 0.0)
        effects[outage] = np.nan  # a zero of an open series does not set a level
        level = local_lny_reference(ds, r, w_fit, spec.dev_range, trend=X[:, tr] @ beta[tr],
                                    lny=effects)
        beta = relevel_lny_effects(beta, groups, level, w_fit, dev_days, dev_phase, seen)
        r, level = np.log1p(y) - X @ beta, np.nan_to_num(level)
    odd = [f"LNY {first_year + k} ({v:.2f})" for k, v in enumerate(yw) if v < 0.995]
    if odd:
        facts.append("LNY windows whose level as a whole sat apart from the other LNYs' "
                     "count less in the LNY effects (weight; 1 for a usual year): "
                     + ", ".join(odd))
    # each LNY day's own effect is uncertain too: its ridge posterior sd (days seen and the
    # penalty), at most its offset's prior. The noise is the day-to-day one, as in the
    # penalty: a season left in the residual recurs next year, not an LNY-effect error
    noise_var = local_scale(np.where(w > 0.01 * w.max(), r, np.nan)) ** 2
    n_day = np.bincount(dev_days[dev_days >= 0], weights=w_fit[dev_days >= 0],
                        minlength=len(offsets))
    dev_sd = np.minimum(np.sqrt(noise_var / (n_day + pen)), [prior_lny_sd(o, o) for o in offsets])
    trend = X[:, tr] @ beta[tr]
    r = np.where(out, np.nan, r)
    floor = count_noise_sd(np.expm1(np.log1p(y) - r)[~out])
    rc = clip_outliers(r, floor=floor)
    between = between_year_sd(ds, rc - level, spec.dev_range,  # year-to-year, not the season
                              weights=np.nan_to_num(similar) * ~out)
    start = regime_start(ds, np.where(out, np.nan, y))
    now = trailing_closed_days(closed)
    if now:  # closed now: forecast as reopening, the level drifting over the closed days
        lny = bool(in_lny_window(ds[-now:][:1])[0])
        notes.insert(0, f"closed (y = 0) for the last {now} days, since {ds[-now].date()}"
                        + (" (over the LNY)" if lny else "") + ": forecast as reopening at "
                        "its level before the closure"
                        + ("" if lny else "; leave the series out if it stays closed"))
    runs = np.flatnonzero(closed[:len(closed) - now])
    if len(runs):
        start = max(start, int(runs[-1]) + 1)  # dynamics after the last closed regime
        facts.append(f"{int(closed.sum())} days in closed runs (last ends {ds[runs[-1]].date()})"
                     ": not fitted, dynamics start after them")
    resid = clip_outliers(r[start:], floor=floor)  # clipped within the current regime
    # (zeros at an open level are outages, not a new level: out of the level-shift test)
    open_zero = (y == 0) & (np.nan_to_num(local_level(y)) >= np.log1p(MIN_OPEN_LEVEL))
    dyn = fit_level_ar(resid, window=resid_window, raw=np.where(open_zero, np.nan, r)[start:])
    shift, size = (dyn.shift_days, dyn.shift_size) if dyn.shift_days else (
        step, float(beta[groups["step"]][0]) if step else 0.0)  # in the filter, or refitted
    if shift:  # first among the notes: it moves the whole forecast
        notes.insert(0, f"level shift x{np.exp(size):.2f} found {shift} days before the "
                        f"history's end (since {ds[-shift].date()}): forecast from the new level")
    # long leads: the level drifts as much as the deseasonalised series did (trend moves
    # included), not only as much as the residual around the fitted trend did
    drift = level_drift_var(np.where(w > 0, trend + r, np.nan)[start:])
    dyn = replace(dyn, step_var=max(dyn.step_var, drift))
    if now:  # the level drifted unseen over the closed days
        dyn = replace(dyn, level_var=dyn.level_var + now * dyn.step_var)
    lny_sd = lny_group_sd(max(local_scale(resid[-resid_window:]), floor), dyn.phi, windows, glist)
    # how deep the LNY goes varies by year: a factor on every LNY effect (odd years out)
    effect = spec.lny_effects(beta, groups)
    depth = depth_sd(ds, rc - level, effect, spec.dev_range, weights=np.nan_to_num(similar) * ~out,
                     day_var=local_scale(rc) ** 2, phi=dyn.phi,
                     usual={first_year + k for k, v in enumerate(yw) if v >= 0.5})
    lny_sd.update(_common=between, _days=dev_sd, _depth=depth * effect)
    ago = (year_ago_path(np.where((w > 0) & ~outage, trend + r, np.nan), similar,
                         YEARLY_MIN_DAYS) if override else None)  # its note says so
    if ago is not None and ago.any():
        notes = [n + " (part of last year's change over the same days carried instead)"
                 if n.endswith("no yearly seasonality") else n for n in notes]
    return StateSpaceFit(spec, beta, groups, float(trend[-1]), dyn, lny_sd, ds[-1], windows,
                         closures, resid[-max(resid_window, 56):], tuple(notes), tuple(facts),
                         is_count(y), str(uid), ago)


class StateSpaceModel(ForecastModel):
    """Robust LNY regression on the log scale with local level + AR(1) residual dynamics.

    Parameters
    ----------
    alias : str, default "statespace"
    country : str or None, default "HK"
        Public holidays (``holidays`` package ISO code) modelled as one effect.
    phases : tuple of LnyPhase, default DEFAULT_LNY_PHASES
    half_life_days : float, default 730
        Age at which an observation's weight halves.
    dev_penalty : float or "auto", default "auto"
        Ridge penalty on per-offset LNY deviations from the phase effects; "auto": set
        from the spread of the deviations in the history (empirical Bayes,
        :func:`forecast.models.regression.dev_shrinkage`).
    resid_window : int, default 730
        Days of residuals used to fit the level + AR(1) dynamics.
    calibrate : bool, default True
        Learn path-spread scales from backtests on past LNYs (``calibration_``).
    holiday_block : bool, default True
        Inside the run of days off around LNY (:func:`forecast.models.features.lny_block`,
        from ``country``'s calendar) switch weekday effects off and fit one block effect.
    level_days : int, default 0
        0: start the paths from the Kalman-filtered level. ``n > 0``: from the mean
        residual of the last ``n`` days (:func:`forecast.models.residuals.recent_level`),
        which follows growth that the filter, with a near-zero level variance, ignores.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = StateSpaceModel(calibrate=False).fit(toy_history(years=3))
    >>> m.sample_paths(7, n_paths=10, rng=np.random.default_rng(1)).shape
    (70, 4)
    """

    default_alias = "statespace"
    supports_joint = True

    def __init__(self, *, alias: str | None = None, country: str | None = "HK",
                 phases: tuple = DEFAULT_LNY_PHASES, half_life_days: float = 730.0,
                 dev_penalty: float | str = "auto", resid_window: int = 730, calibrate: bool = True,
                 max_folds: int = 5, holiday_block: bool = True, level_days: int = 0) -> None:
        super().__init__(alias=alias)
        self.country, self.phases = country, tuple(phases)
        self.half_life_days, self.dev_penalty = half_life_days, dev_penalty
        self.resid_window, self.calibrate, self.max_folds = resid_window, calibrate, max_folds
        self.holiday_block, self.level_days = holiday_block, level_days
        for k in ("half_life_days", "resid_window"):
            if not getattr(self, k) > 0:
                raise ValueError(f"{k} must be > 0, got {getattr(self, k)!r}")
        if dev_penalty != "auto" and not (isinstance(dev_penalty, (int, float))
                                          and dev_penalty > 0):
            raise ValueError(f"dev_penalty must be a number > 0 or 'auto', got {dev_penalty!r}")
        if not (isinstance(level_days, int) and level_days >= 0):
            raise ValueError(f"level_days must be an int >= 0, got {level_days!r}")
        if not (isinstance(max_folds, int) and max_folds >= 0):
            raise ValueError(f"max_folds must be an int >= 0, got {max_folds!r}")

    def regime_start(self, ds, y) -> int:
        return regime_start(ds, y)

    def fit_series(self, uid, ds, y, *, rng=None, min_days=MIN_HISTORY_DAYS) -> StateSpaceFit:
        fit = fit_statespace(ds, y, uid=uid, alias=self.alias, country=self.country,
                             phases=self.phases, half_life_days=self.half_life_days,
                             dev_penalty=self.dev_penalty, resid_window=self.resid_window,
                             holiday_block=self.holiday_block, min_days=min_days)
        if self.level_days:
            fit = replace(fit, dyn=recent_level(fit.dyn, fit.resid, days=self.level_days))
        return fit

    def fallbacks(self, state: StateSpaceFit) -> list[str]:
        return list(state.notes)

    def facts(self, state: StateSpaceFit) -> list[str]:
        return list(state.facts)

    def draw_series(self, state: StateSpaceFit, h, n_paths, *, rng=None,
                    shared: SharedDraws | None = None) -> Components:
        ds = pd.date_range(state.last + pd.Timedelta(days=1), periods=h)
        X, groups = state.spec.matrix(ds)
        tr = groups["trend"]
        b = state.beta.copy()
        b[tr] = 0.0
        center = X @ b + state.trend_end + state.dyn.center(h)
        if state.year_ago is not None:  # its last day held beyond
            center = center + np.pad(state.year_ago, (0, h), mode="edge")[:h]
        level, noise = state.dyn.draw(h, n_paths, rng=rng, shared=shared)
        glist = lny_groups(state.spec.phases, state.spec.dev_range)
        level = level + draw_lny_effects(ds, glist, state.lny_sd, n_paths, rng=rng,
                                         shared=shared)
        closed = None
        local = rng if shared is None else hub_rng(shared, state.uid)
        if state.closures:
            closed = state.closures.draw_mask(
                ds, n_paths, rng=local, u=None if shared is None else shared.closure_u,
                names=holiday_names(state.spec.country, ds, exclude=state.spec.dev_range),
                work=makeup_workdays(state.spec.country, ds))
        u = local.random((n_paths, h)) if state.counts else None
        return Components(center, level, noise, closed=closed, round_u=u)

    @property
    def lny_effects_(self) -> pd.DataFrame:
        """Fitted LNY multipliers per series and phase (geometric mean over phase days)."""
        self.check_fitted()
        rows = []
        for uid, st in self.states_.items():
            effect, lo = st.spec.lny_effects(st.beta, st.groups), st.spec.dev_range[0]
            rows += [(uid, p.name, float(np.exp(effect[p.start - lo:p.end - lo + 1].mean())))
                     for p in st.spec.phases]
        return pd.DataFrame(rows, columns=["unique_id", "phase", "multiplier"])
