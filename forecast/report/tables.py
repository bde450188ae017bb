"""Summary tables for the notebooks and the briefing (tidy in, tidy out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, WINDOW, LnyPhase
from forecast.report.typography import format_count, format_money, format_percent, format_workers
from forecast.statistics import central_interval

__all__ = [
    "backtest_scores",
    "phase_forecast",
    "simulation_summary",
    "scenario_table",
    "decision_summary",
    "recommendation",
    "assumptions",
    "tradeoff_table",
    "backtest_table",
    "phase_table",
    "briefing_facts",
    "decision_rule_text",
    "roster_sentence",
    "checks_and_facts",
    "decision_rows",
]


def phase_forecast(paths: pd.DataFrame, *, lny: pd.Timestamp | str,
                   phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES,
                   level: int = 80) -> pd.DataFrame:
    """Forecast mean daily volume in each phase of the LNY ``lny``: median and central
    interval over paths.

    Each path's phase mean is computed first, so the interval reflects the joint paths
    (a run of high days moves the whole phase), not single days. Only the phases of ``lny``
    count: paths that plan next year's LNY also cover this year's.

    Parameters
    ----------
    paths : DataFrame
        ``unique_id, ds, sample_id, y`` of one series.
    lny : Timestamp or str
        The planned LNY day (``PlanRun.lny``).
    phases : tuple of LnyPhase
    level : int
        Central interval in percent.

    Returns
    -------
    DataFrame
        One row per phase the paths cover: ``phase, first_day, days, median, lo-<level>,
        hi-<level>`` (parcels a day).

    Examples
    --------
    >>> ds = pd.date_range("2025-06-01", "2026-03-01")  # LNY 2025-01-29 is before the paths
    >>> paths = pd.DataFrame({"unique_id": "t", "ds": np.tile(ds, 2),
    ...                       "sample_id": np.repeat([0, 1], len(ds)), "y": 1.0})
    >>> t = phase_forecast(paths, lny="2026-02-17")
    >>> t["first_day"].astype(str).tolist()[:2], t["median"].tolist()
    (['2026-01-27', '2026-02-07'], [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    off = (pd.to_datetime(paths["ds"]) - pd.Timestamp(lny)).dt.days
    rows = []
    for p in phases:
        inside = paths[(off >= p.start) & (off <= p.end)]
        if inside.empty:
            continue
        per_path = inside.groupby("sample_id")["y"].mean().to_numpy()
        (lo, hi), med = central_interval(per_path, level), float(np.median(per_path))
        rows.append({"phase": p.name, "first_day": inside["ds"].min().date(),
                     "days": p.length, "median": med, f"lo-{level}": lo, f"hi-{level}": hi})
    return pd.DataFrame(rows)


#: Columns of :func:`forecast.backtest.compare` (``seconds``, the machine's speed, left out).
BACKTEST_COLUMNS = ("model", "crps", "scaled_crps", "pinball_10", "pinball_50", "pinball_90",
                    "coverage_80", "coverage_95", "window_coverage_80", "wape", "n_folds")


def backtest_scores(run) -> pd.DataFrame:
    """The backtest scores of a :class:`~forecast.plan.PlanRun`, one row per model.

    Wall-clock columns are left out (the same inputs give the same table on any machine);
    a skipped backtest (``backtest_lny=0``) gives the same columns and no rows.
    """
    if run.backtest.empty:
        return pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    return run.backtest[[c for c in BACKTEST_COLUMNS if c in run.backtest.columns]]


_MONEY = ("compensation", "labour_cost", "programme_cost", "total_cost", "spend")
_COUNTS = ("demand", "arrivals", "late", "peak_backlog", "backlog_days", "end_backlog")


def _fmt(metric: str, value: float) -> str:
    if metric in _MONEY:
        return format_money(value)
    if metric in _COUNTS:
        return format_count(value)
    return format_percent(value)


def simulation_summary(results) -> pd.DataFrame:
    """:meth:`SimulationResults.summary_frame` formatted for people (HK$, counts, %)."""
    frame = results.summary_frame()
    return pd.DataFrame({col: [_fmt(m, v) for m, v in frame[col].items()] for col in frame},
                        index=frame.index)


def decision_rows(t: pd.DataFrame, target: float) -> pd.DataFrame:
    """Rows of :meth:`SimulationResults.decision_summary` formatted, one column per plan."""
    return pd.DataFrame({
        "programme workers": t["programme_workers"].map(format_workers),
        f"P(on-time >= {target:.0%}), programme-day parcels": t["p_on_time"].map(format_percent),
        "on-time rate, parcels due in the window (mean)":
            t["on_time_rate_mean"].map(format_percent),
        "late parcels in the window (mean)": t["late_mean"].map(format_count),
        "late parcels (worst 10%, average)": t["late_worst"].map(format_count),
        "compensation (mean)": t["compensation_mean"].map(format_money),
        "compensation (worst 10%, average)": t["compensation_worst"].map(format_money),
        "labour cost (mean)": t["labour_cost_mean"].map(format_money),
        "programme bonus + compensation (mean)": t["spend_mean"].map(format_money),
        "P(programme bonus + compensation > budget)": t["p_over_budget"].map(format_percent),
    }, index=t.index).T


def scenario_table(frame: pd.DataFrame, *, target: float = 0.95) -> pd.DataFrame:
    """:func:`forecast.sensitivity.compare_scenarios` formatted, one column per variant."""
    return decision_rows(frame, target)


def decision_summary(run) -> pd.DataFrame:
    """The decision table of a :class:`~forecast.plan.PlanRun`, formatted."""
    return decision_rows(run.decision_table(), run.config.target)


def recommendation(run) -> str:
    """The decision: headcount, what set it, what it buys (page 1 cuts it to 400 characters;
    an infeasible plan points to its reason in the warnings).

    Scopes: the service probability judges parcels arriving on programme days;
    compensation covers the whole planning window; the budget compares programme bonus +
    compensation.
    """
    rec = run.decision_table().loc["recommended"]
    r, cfg, s = run.recommendation, run.config, run.scenario
    days = f"{s.programme.start:%d %b} to {s.programme.end:%d %b %Y}"
    if r.feasible:
        head = (f"Keep {r.workers:,} holiday-programme workers on duty {days} (planned: "
                f"{s.programme.workers:,.0f}). Set by {_BINDING[r.binding]}.")
    else:
        head = (f"No programme size meets every target (why: under \"Check before acting\"). "
                f"Closest: {r.workers:,} workers {days} (planned: "
                f"{s.programme.workers:,.0f}).")
    return (
        f"{head} {format_percent(rec['p_on_time'])} of futures deliver >= {cfg.target:.0%} "
        f"of programme-day parcels on time; window compensation "
        f"{format_money(rec['compensation_mean'])} expected, "
        f"{format_money(rec['compensation_worst'])} in the worst 10%; budget risk "
        f"{format_percent(rec['p_over_budget'])}."
    )


_BINDING = {"service": "the service target", "tail": "the tail limit",
            "budget": "the budget risk", "cost": "the least expected cost (targets met with room)",
            "none": "no constraint"}


def assumptions(scenario) -> pd.DataFrame:
    """The scenario's key assumptions as ``assumption, value`` rows."""
    s = scenario
    rows = [
        ("planning window", f"{s.window.start} .. {s.window.end}"),
        ("promise", f"{s.promise.working_days} working days ({s.promise.calendar}, "
                    f"{s.promise.workweek})"),
        ("operations over LNY", s.operations.mode),
        ("baseline roster", f"{s.staffing.baseline:,.0f} workers/day"),
        ("holiday programme", f"{s.programme.workers:,.0f} workers, {s.programme.start} .. "
                              f"{s.programme.end}, bonus HK${s.programme.bonus_per_worker_day:,.0f}"
                              "/worker-day"),
        ("productivity", f"{s.productivity.mean:,.0f} parcels/worker-day (cv "
                         f"{s.productivity.cv:.0%})"),
        ("attendance", f"normal {s.attendance.normal:.0%}, baseline roster over LNY "
                       f"{s.attendance.lny:.0%}, programme {s.attendance.programme:.0%}"),
        ("compensation", f"HK${s.compensation.flat:,.0f} per late parcel"
                         + "".join(f", HK${x:,.0f} more from {k} working days late"
                                   for k, x in s.compensation.tiers)
                         + f", at most HK${s.compensation.cap_per_parcel:,.0f} per parcel"),
        ("labour", f"HK${s.labour.daily_wage:,.0f}/worker-day, x{s.labour.holiday_premium:g} "
                   "on public holidays"),
        ("budget", format_money(s.budget)),
        *([("open backlog at the window's start",
            ", ".join(f"{d:%d %b}: {format_count(v)}" for d, v in s.backlog.parcels))]
          if s.backlog.parcels else []),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value"]).set_index("assumption")


def tradeoff_table(curve: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast.planning.tradeoff_curve` formatted for people, one row per headcount.

    Examples
    --------
    >>> curve = pd.DataFrame({"workers": [0, 150, 300], "mean_total_cost": [3e6, 2e6, 2.5e6],
    ...                       "worst_total_cost": [9e6, 5e6, 4e6], "mean_late": [9e4, 1e4, 0],
    ...                       "prob_on_target": [0.1, 0.8, 1.0], "marginal_saving": [900, 50, 0],
    ...                       "marginal_cost": [750, 750, 750]})
    >>> t = tradeoff_table(curve)
    >>> t.index.tolist(), bool(t.isna().any().any())
    ([0, 150, 300], False)
    """
    table = pd.DataFrame({
        "expected cost": curve["mean_total_cost"].map(format_money),
        "cost, worst 10% (average)": curve["worst_total_cost"].map(format_money),
        "late parcels (mean)": curve["mean_late"].map(format_count),
        "P(on-time target)": curve["prob_on_target"].map(format_percent),
        "saving of one more worker": curve["marginal_saving"].map(format_money),
        "cost of one more worker": curve["marginal_cost"].map(format_money),
    })
    # set the index after building: building with index= would re-align the columns
    # (indexed 0..n-1) on the headcounts and leave NaN in every row but 0
    return table.set_axis(pd.Index(curve["workers"].astype(int).to_numpy(),
                                   name="programme workers"))


def backtest_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast.backtest.compare`'s table for people: skill and coverage.

    Scaled CRPS (CRPS / mean volume: lower is better) to three decimals; daily coverage
    and WAPE as whole percentages (nominal: 80% and 95%); the LNY-window totals inside
    their 80% interval counted over the folds (one window per fold). Empty in, empty out.

    Examples
    --------
    >>> t = pd.DataFrame({"model": ["auto"], "scaled_crps": [0.03712], "coverage_80": [0.8125],
    ...                   "coverage_95": [0.95], "window_coverage_80": [1.0], "wape": [0.0433],
    ...                   "n_folds": [3]})
    >>> backtest_table(t).iloc[0].tolist()
    ['0.037', '81%', '95%', '3 of 3', '4%', '3']
    """
    if frame.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "scaled CRPS": frame["scaled_crps"].map(lambda v: f"{v:.3f}"),
        "daily 80% coverage": frame["coverage_80"].map(format_percent),
        "daily 95% coverage": frame["coverage_95"].map(format_percent),
        "LNY-window total in 80% interval": [
            "n/a" if not np.isfinite(c) else f"{c * n:.0f} of {n:.0f}"
            for c, n in zip(frame["window_coverage_80"], frame["n_folds"])],
        "WAPE": frame["wape"].map(lambda v: f"{100 * v:.0f}%"),  # can exceed 100%
        "folds": frame["n_folds"].map(lambda n: f"{n:.0f}"),
    }).set_axis(pd.Index(frame["model"].to_numpy(), name="model"))


def phase_table(paths: pd.DataFrame, *, lny: pd.Timestamp | str, level: int = 80) -> pd.DataFrame:
    """:func:`phase_forecast` for people: parcels a day to three significant figures."""
    frame = phase_forecast(paths, lny=lny, level=level)
    for col in ("median", f"lo-{level}", f"hi-{level}"):
        frame[col] = frame[col].map(format_count)
    return frame.set_index("phase")


def _model_fact(run) -> str | None:
    """The demand model and how it backtested against the references, in one sentence."""
    bt = run.backtest
    model = run.config.model
    used = (f"{model} (paths from {run.chosen_model})" if run.chosen_model != model else model)
    if bt.empty or model not in set(bt["model"]):
        return f"Demand model: {used}; no backtest was run."
    score = bt.set_index("model")["scaled_crps"]
    refs = {"prophet-window": "Prophet with a hand-made LNY window",
            "lunar-naive": "last year's volume at the same LNY day"}
    others = "; ".join(f"{score[k]:.3f} for {label}" for k, label in refs.items() if k in score)
    years = ", ".join(map(str, run.backtest_years))
    return (f"Demand model: {used}. Backtested on LNY {years} (forecast 28 days ahead), its "
            f"error is {score[model]:.3f} of daily volume (scaled CRPS; lower is better)"
            + (f", against {others}." if others else "."))


def briefing_facts(run, *, as_one_site: str = "") -> list[str]:
    """Page-1 key facts of a :class:`~forecast.plan.PlanRun`, each naming its scope.

    ``as_one_site`` (a network run's page 1, whose table is the network's): the volumes
    are said to be those of the total planned that way, and the Monte Carlo error of that
    plan is left out.
    """
    s, rec = run.scenario, run.recommended
    demand, scored = rec.per_path["demand"], rec.per_path["arrivals"]
    mean, lo, hi = run.window_total_interval(80)
    w0, w1 = run.lny + pd.Timedelta(days=WINDOW[0]), run.lny + pd.Timedelta(days=WINDOW[1])
    lo_w, hi_w = run.spread_interval()
    queued = sum(v for _, v in s.backlog.parcels)
    scope = f"Volumes of the {as_one_site} ({run.unique_id})" if as_one_site else "Volumes"
    facts = [
        f"{scope}: {format_count(demand.mean())} parcels to handle in the planning window "
        f"({s.window.start:%d %b} to {s.window.end:%d %b}"
        + (f", {format_count(queued)} of them already queued at its start" if queued else "")
        + "); "
        f"{format_count(scored.mean())} fall due inside it and are scored, "
        f"{format_count(demand.mean() - scored.mean())} fall due after it. Around LNY "
        f"({w0:%d %b} to {w1:%d %b}): {format_count(mean)} (80% interval "
        f"{format_count(lo)} to {format_count(hi)}).",
    ]
    if not as_one_site:
        facts.append(f"Monte Carlo error: the same rule on {len(run.spread)} bootstrap "
                     f"resamples of the {run.config.n_paths:,} simulated futures recommends "
                     f"{format_workers(lo_w)} to {format_workers(hi_w)} workers.")
    model = _model_fact(run)
    if model:
        facts.append(model)
    return facts


def decision_rule_text(run) -> str:
    """How the recommendation is chosen, with this plan's numbers (page 2 of the PDF)."""
    cfg, s, r = run.config, run.scenario, run.recommendation
    tail = (f"; and (3) keep the average compensation of the worst 10% of futures under "
            f"{format_money(cfg.tail_limit)}" if cfg.tail_limit else "")
    found = [f"the service target alone needs {format_workers(r.service_workers)}"
             if r.service_workers is not None else "no headcount meets the service target",
             f"the least expected cost lies at {format_workers(r.cost_optimal_workers)}"]
    if r.tail_workers is not None:
        found.append(f"the tail limit needs {format_workers(r.tail_workers)}")
    return (
        "The recommendation is the holiday-programme headcount with the least expected cost "
        "(labour + late-delivery compensation over the planning window) among those that "
        f"(1) give at least a {cfg.alpha:.0%} chance that {cfg.target:.0%} or more of the "
        "parcels arriving on programme days are delivered within "
        f"{s.promise.working_days} working days; (2) keep the chance that the programme "
        f"bonus plus compensation exceed the {format_money(s.budget)} budget at or below "
        f"{cfg.budget_risk:.0%}{tail}. Every headcount is judged on the same "
        f"{cfg.n_paths:,} simulated futures (demand paths with productivity and attendance "
        f"draws). Here {', '.join(found)}; "
        + (f"the recommendation, {format_workers(r.workers)}, is set by {_BINDING[r.binding]}."
           if r.feasible else f"no headcount meets every constraint ({r.reason}); "
           f"{format_workers(r.workers)} is the closest.")
        + " When no headcount meets every constraint, the briefing says so and shows the "
        "closest."
    )


def roster_sentence(roster) -> str:
    """The per-phase roster against the flat programme, in one or two sentences."""
    r, f = roster.summary.loc["roster"], roster.summary.loc["flat"]
    saving = 1 - r["expected_cost"] / f["expected_cost"] if f["expected_cost"] else 0.0
    text = (f"Staffing each LNY phase separately, under the same rule: expected cost "
            f"{format_money(r['expected_cost'])} against {format_money(f['expected_cost'])} "
            f"for the flat programme of {format_workers(roster.flat_workers)} ({saving:.0%} "
            f"less); on-time chance {format_percent(r['p_on_time'])} "
            f"(flat {format_percent(f['p_on_time'])}), budget risk "
            f"{format_percent(r['p_over_budget'])} (flat {format_percent(f['p_over_budget'])}).")
    if not roster.feasible:
        text += " Neither meets every target (see page 1); the roster misses them by less."
    return text


def checks_and_facts(run) -> str:
    """Markdown: the sanity warnings (or that there are none), then the key facts."""
    warnings = [f"- **Check:** {w}" for w in run.warnings] or ["- No sanity warning."]
    return "\n".join([*warnings, *(f"- {fact}" for fact in briefing_facts(run))])
