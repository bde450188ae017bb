"""The network plan in words and tables: ``tables/hubs.csv``, ``tables/network.csv`` and the
briefing's network page (see :class:`forecast.distributed.NetworkRun`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.network_scenario import HUB_MISMATCH
from forecast.report.briefing_model import MAX_NETWORK_TEXT
from forecast.report.names import shorten
from forecast.report.tables import decision_rows
from forecast.report.typography import format_count, format_money, format_percent, format_workers

__all__ = ["MAX_PAGE_HUBS", "hub_summary", "n_hubs", "network_checks", "network_decision",
           "network_fact", "network_frames", "network_recommendation", "network_rows",
           "network_sentence"]

#: Hubs listed on the briefing's network page (the busiest; all are in tables/hubs.csv).
MAX_PAGE_HUBS = 30


def n_hubs(n: int) -> str:
    """A count of hubs in words.

    Examples
    --------
    >>> n_hubs(1), n_hubs(1200)
    ('1 hub', '1,200 hubs')
    """
    return f"{n:,} hub{'s' if n != 1 else ''}"


def network_frames(net) -> dict[str, pd.DataFrame]:
    """``hubs`` (one row per hub, left-out hubs with their reason) and ``network`` (the
    network as planned and as recommended) for the CSV tables."""
    return {"hubs": net.hub_table(), "network": net.plan.decision_table()}


def network_recommendation(net, config, scenario) -> str:
    """The network decision for page 1, at most 400 characters."""
    plan, rec = net.plan, net.plan.decision_table().loc["recommended"]
    alloc = plan.allocation
    days = f"{scenario.programme.start:%d %b} to {scenario.programme.end:%d %b %Y}"
    n = len(plan.hubs)
    hubs = (n_hubs(n) if not net.skipped else
            f"{n} of {n + len(net.skipped)} hubs (partial)")
    head = (f"Network of {hubs}: keep {format_workers(rec['programme_workers'])} "
            f"holiday-programme workers on duty {days}, split by hub as on the network page "
            f"(planned: {format_workers(sum(plan.as_planned.workers.values()))}).")
    if not alloc.feasible:
        head = (f"Network of {hubs}: no split meets the service target; closest: "
                f"{format_workers(rec['programme_workers'])} workers {days}.")
    skipped = (f" Left out: {', '.join(sorted(net.skipped))} (see the network page)."
               if net.skipped else "")
    if _hubs_overlap(net):
        head = ("Check the hubs first: they do not add up to the network total (below). "
                + head)
    text = (f"{head} {format_percent(rec['p_on_time'])} of futures deliver >= "
            f"{config.target:.0%} of the network's programme-day parcels on time; "
            f"compensation {format_money(rec['compensation_mean'])} expected; budget risk "
            f"{format_percent(rec['p_over_budget'])}.{skipped}")
    return shorten(text, 400)


def network_checks(net) -> str:
    """Markdown for notebook 05: the network plan's warnings (hubs left out, hubs that do
    not add up to the total, a missed constraint), or that there are none."""
    return "\n".join([f"- **Check:** {w}" for w in net.plan.warnings]
                     or ["- No network warning."])


def _hubs_overlap(net) -> bool:
    """Whether the network plan warned that the hubs do not add up to the network total."""
    return any(w.lower().startswith(HUB_MISMATCH) for w in net.plan.warnings)


def network_sentence(net) -> str:
    """One sentence for the network page: the rule, and what the table shows (first, when
    the hubs do not add up to the network total, that its network row sums them)."""
    shown = min(len(net.plan.hubs), MAX_PAGE_HUBS)
    more = (f" The {shown} busiest hubs are listed; every hub is in tables/hubs.csv."
            if len(net.plan.hubs) > MAX_PAGE_HUBS else "")
    check = ("Check the hubs first: they do not add up to the network total (page 1), and "
             "the network row below is their sum. " if _hubs_overlap(net) else "")
    return (check + "Programme workers per hub: each hub starts at its own least expected "
            "cost, then workers are added where they cut the network's late parcels most per "
            "HK$ until the network service target holds. 'One more worker saves' is the expected "
            "compensation one extra programme worker at that hub avoids; 'costs', what that "
            "worker is expected to cost." + more)[:MAX_NETWORK_TEXT]


def network_rows(net, target: float) -> tuple[tuple[str, ...], ...]:
    """The network page's table: header, one row per hub (busiest first), the network;
    ``target`` is the on-time share the chance column is about."""
    t = net.plan.hub_table().join(net.forecasts)
    t = t.sort_values("window_demand_mean", ascending=False).head(MAX_PAGE_HUBS)
    rows = [("hub", "planned", "recommended", f"P(>= {target:.0%} on time)",
             "compensation, expected", "one more worker saves", "one more worker costs")]
    for uid, r in t.iterrows():
        rows.append((str(uid)[:40], format_workers(r["planned_workers"]),
                     format_workers(r["programme_workers"]), format_percent(r["p_on_time"]),
                     format_money(r["compensation_mean"]), _per_worker(r["value_of_one_more"]),
                     _per_worker(r["cost_of_one_more"])))
    d = net.plan.decision_table()
    rows.append(("network", format_workers(d.loc["as planned", "programme_workers"]),
                 format_workers(d.loc["recommended", "programme_workers"]),
                 format_percent(d.loc["recommended", "p_on_time"]),
                 format_money(d.loc["recommended", "compensation_mean"]), "", ""))
    return tuple(rows)


def _per_worker(amount: float) -> str:
    """HK$ per worker to three figures (``HK$ 15,500``): the two per-worker columns are
    compared with each other, and ``HK$ 15k`` both sides hid why the split stopped.

    >>> _per_worker(15_462.3), _per_worker(float("nan"))
    ('HK$ 15,500', '')
    """
    return "" if not np.isfinite(amount) else f"HK$ {format_count(amount)}"


def hub_summary(net, target: float) -> pd.DataFrame:
    """The network page's hub table as a frame (one row per hub, busiest first)."""
    rows = network_rows(net, target)
    return pd.DataFrame(list(rows[1:]), columns=list(rows[0])).set_index(rows[0][0])


def network_decision(net, target: float) -> pd.DataFrame:
    """The network as planned vs recommended, formatted like the single-series decision."""
    return decision_rows(net.plan.decision_table(), target)


def scope_note(net, run) -> str:
    """The line atop the pages that plan the network total as one site (network run)."""
    return (f"These pages plan the network total ({run.unique_id}) as one site, for the "
            f"roster by phase and the key figures: {format_workers(run.recommendation.workers)} "
            "workers. Page 1's recommendation is the split between the hubs ("
            f"{format_workers(net.plan.decision_table().loc['recommended', 'programme_workers'])}"
            " workers, network page).")


def network_fact(net, run) -> str:
    """Page 1's note on scopes when the network is planned."""
    n = len(net.plan.hubs)
    hubs = "the hub is" if n == 1 else f"the {n_hubs(n)} are"
    return (f"Network plan: {hubs} fitted and simulated one by one "
            "on jointly drawn paths (one future per path across hubs), and the programme "
            "workers are split between them (network page). The trade-off, the roster and "
            f"the decision rule's page treat the network total ({run.unique_id}) as one site: "
            f"planned that way, the rule would pick {run.recommendation.workers:,} workers; "
            "staff the split above.")
