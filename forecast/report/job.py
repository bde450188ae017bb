"""The main job behind ``forecast run``: compute the plan once and publish it.

Into ``out_dir`` it writes the executed notebooks (``notebooks/*.ipynb`` and ``.html``),
the key figures (``figures/*.png``), summary tables (``tables/*.csv``), the manager's
briefing (``briefing.pdf``) and ``manifest.json`` (package version, config and data hashes,
seed, timings, and a sha256 of every artefact).

Publishing is atomic (:class:`~forecast.report.staging.Staging`): the report is built in a
hidden folder beside ``out_dir`` and swapped in only when every artefact is written and
verified, so an earlier report stays whole, with a true manifest, whatever stops a run.
The same data, config, seed and date give the same bytes in every artefact; only the
manifest's ``timings`` and ``total_seconds`` differ between runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import __version__
from forecast.hashing import config_hash
from forecast.report import (
    capacity_plots, network_plots, network_tables, plots, roster_plots, tables,
)
from forecast.report.names import csv_frame, shorten
from forecast.report.briefing import Briefing, BriefingFigures, PlanOutcome, render_briefing
from forecast.report.briefing_model import MAX_TEXT
from forecast.cluster import dask_client
from forecast.distributed import NetworkRun, network_from_files, start_plan
from forecast.plan import PlanConfig, PlanRun, load_settled
from forecast.statistics import central_interval
from forecast.report.provenance import MANIFEST_NAME, Provenance, write_manifest
from forecast.report.publish import notebook_parameters, publish
from forecast.report.staging import Staging, temporary_files

__all__ = ["NOTEBOOKS_DIR", "NOTEBOOKS", "NETWORK_NOTEBOOK", "run_job"]

#: The planner notebooks, executed in this order.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = ("01-history", "02-demand-forecast", "03-capacity", "04-briefing")
#: Executed too when the network is planned (``network=True``).
NETWORK_NOTEBOOK = "05-network"


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def _warn(text: str) -> None:
    """A warning on the terminal, worded as the command's others (always shown)."""
    print(f"forecast: warning: {text}", file=sys.stderr, flush=True)


#: Seconds between the "still working" lines of work that reports no progress of its own.
HEARTBEAT_SECONDS = 10.0


@contextlib.contextmanager
def _heartbeat(progress: bool, what: str, *, every: float | None = None):
    """Say ``what`` is still running every ``every`` seconds (:data:`HEARTBEAT_SECONDS`)
    until the block ends: work on a Dask cluster reports no steps of its own."""
    every = HEARTBEAT_SECONDS if every is None else every
    if not every > 0:
        raise ValueError(f"every must be > 0 seconds, got {every!r}")
    if not progress:
        yield
        return
    done, t0 = threading.Event(), time.perf_counter()

    def beat():
        while not done.wait(every):
            _say(True, f"  ... {what}: still working, {time.perf_counter() - t0:.0f} s")

    beater = threading.Thread(target=beat, daemon=True, name="heartbeat")
    beater.start()
    try:
        yield
    finally:
        done.set()
        beater.join()


#: In a network briefing, what pages 3-4 show of the single-series plan of the total.
AS_ONE_SITE = "network total planned as one site"


def _figures(run: PlanRun, folder: Path, net: NetworkRun | None = None) -> dict[str, Path]:
    network = net is not None
    folder.mkdir(parents=True, exist_ok=True)
    figs = {
        "fan_chart": plots.plot_fan(run.history, run.paths, history_days=45),
        "late_parcels": capacity_plots.plot_late_distribution(run.recommended),
        "cost_exceedance": capacity_plots.plot_cost_exceedance(run.recommended),
        "staffing_tradeoff": capacity_plots.plot_tradeoff(
            run.tradeoff, recommended=run.recommended_workers,
            title="Staffing trade-off" + (f", {AS_ONE_SITE}" if network else ""),
            label="chosen as one site" if network else "recommended"),
        "backlog_fan": capacity_plots.plot_backlog_fan(run.recommended),
        "tornado": capacity_plots.plot_tornado(run.tornado),
        "roster": roster_plots.plot_roster(run.roster),
        **({"hubs": network_plots.plot_hubs(net.hub_table(),
                                            max_hubs=network_tables.MAX_PAGE_HUBS)}
           if net is not None else {}),
    }
    out = {}
    for name, fig in figs.items():
        out[name] = folder / f"{name}.png"
        fig.savefig(out[name], dpi=150)
    return out


def _tables(run: PlanRun, folder: Path, net: NetworkRun | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "decision": run.decision_table(),
        "simulation_summary": run.recommended.summary_frame(),
        "per_path": run.recommended.per_path,
        "tradeoff": run.tradeoff,
        "scenarios": run.scenarios,
        "tornado": run.tornado,
        "roster": run.roster.days,
        "forecast": run.forecast_summary(),
        "phase_forecast": tables.phase_forecast(run.paths, lny=run.lny),
        "backtest": tables.backtest_scores(run),
        **(network_tables.network_frames(net) if net is not None else {}),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        keep_index = frame.index.name is not None
        csv_frame(_whole_workers(frame)).to_csv(path, index=keep_index, float_format="%.4f",
                                                lineterminator="\n")
        paths.append(path)
    return paths


def _whole_workers(frame: pd.DataFrame) -> pd.DataFrame:
    """Headcount columns (``*workers*``) that hold whole numbers written as integers (a
    missing one, e.g. a hub left out, as an empty cell)."""
    def whole(col) -> bool:
        if frame[col].dtype.kind != "f":
            return False
        v = frame[col].dropna().to_numpy()
        return bool(np.isfinite(v).all() and (v == np.round(v)).all() and (abs(v) < 2**53).all())

    cols = [c for c in frame.columns if "workers" in str(c) and whole(c)]
    return frame.astype({c: "Int64" for c in cols}) if cols else frame


def _figures_and_tables(run: PlanRun, out: Path, net: NetworkRun | None):
    return _figures(run, out / "figures", net), _tables(run, out / "tables", net)


def _outcome(name: str, row) -> PlanOutcome:
    return PlanOutcome(name, int(round(row["programme_workers"])), float(row["p_on_time"]),
                       float(row["late_mean"]), float(row["late_worst"]),
                       float(row["compensation_mean"]), float(row["compensation_worst"]),
                       float(row["labour_cost_mean"]), float(row["p_over_budget"]),
                       float(row["on_time_rate_mean"]))


def _briefing(run: PlanRun, figures: dict[str, Path], date: dt.date,
              net: NetworkRun | None = None) -> Briefing:
    # page 1's table compares what page 1 recommends: the network's split when it is planned
    decision = run.decision_table() if net is None else net.plan.decision_table()
    volume_mean, volume_lo, volume_hi = _volumes(run, net)
    s = run.scenario
    notes = [f"{k}: {v}" for k, v in tables.assumptions(s)["value"].items()]
    notes.insert(0, f"demand model: {run.config.model}, learning {run.config.country} "
                    f"public holidays, {run.config.n_paths:,} paths")
    return Briefing(
        title=f"Lunar New Year {run.lny.year}: holiday staffing",
        date=date,
        series=run.unique_id if net is None else network_tables.n_hubs(len(net.plan.hubs)),
        network_label="Site" if net is None else "Network",
        series_id=run.unique_id,
        window_start=s.window.start,
        window_end=s.window.end,
        on_time_target=run.config.target,
        budget=s.budget if net is None else net.plan.recommended.budget,
        recommended=_outcome("Recommended", decision.loc["recommended"]),
        alternatives=(_outcome("As planned", decision.loc["as planned"]),),
        figures=BriefingFigures(*(figures[k] for k in (
            "fan_chart", "late_parcels", "cost_exceedance", "staffing_tradeoff", "roster")),
            hubs=figures.get("hubs")),
        provenance=Provenance(__version__, *_hashes(run, net), run.config.seed),
        assumptions=tuple(notes),
        volume_mean=volume_mean,
        volume_lo=volume_lo,
        volume_hi=volume_hi,
        recommendation_text=shorten(tables.recommendation(run) if net is None else
                                    network_tables.network_recommendation(net, run.config, s),
                                    MAX_TEXT),
        facts=tuple(_facts(run, net)),
        warnings=_page1(_all_warnings(run, net)),
        network_text=network_tables.network_sentence(net) if net is not None else "",
        network_table=(network_tables.network_rows(net, run.config.target) if net is not None
                       else ()),
        scope_note=network_tables.scope_note(net, run) if net is not None else "",
        rule_text=tables.decision_rule_text(run),
        roster_text=tables.roster_sentence(run.roster),
        roster_table=roster_plots.roster_rows(run.roster),
    )


def _volumes(run: PlanRun, net: NetworkRun | None) -> tuple[float, float, float]:
    """Page 1's parcels arriving in the window (mean, 80% interval), of what its table
    plans: in a network run the hubs' sum, which need not be the total's."""
    demand = (run.recommended if net is None else net.plan.recommended).per_path["demand"]
    return (float(demand.mean()), *central_interval(demand, 80))


def _facts(run: PlanRun, net: NetworkRun | None) -> list[str]:
    """Page 1's key facts; in a network run those of the total say so, and the network's
    note follows."""
    if net is None:
        return tables.briefing_facts(run)
    return [shorten(f, MAX_TEXT) for f in (*tables.briefing_facts(run, as_one_site=AS_ONE_SITE),
                                           network_tables.network_fact(net, run))]


def _single_site(warnings, net: NetworkRun | None) -> list[str]:
    """The plan's warnings; in a network run, said to be about the total as one site."""
    return [w if net is None else f"{AS_ONE_SITE[0].upper()}{AS_ONE_SITE[1:]}: {w}"
            for w in warnings]


def _all_warnings(run: PlanRun, net: NetworkRun | None) -> list[str]:
    """The hubs left out and the network plan's warnings, then the plan's (as one site, in
    a network run)."""
    network = [] if net is None else [
        *(f"hub {uid!r} left out of the network plan: {why}" for uid, why in net.skipped.items()),
        *net.plan.warnings]
    return [*network, *_single_site(run.warnings, net)]


def _page1(warnings) -> tuple[str, ...]:
    """At most four warnings for page 1, each cut to what fits there (the terminal and
    the manifest keep them whole); with more, the fourth says how many more there are
    and where."""
    if len(warnings) > 4:
        more = (f"{len(warnings) - 3} more warnings, printed by forecast run and listed in "
                "manifest.json (\"warnings\"): ")
        warnings = [*warnings[:3], more + warnings[3]]
    return tuple(shorten(w, MAX_TEXT, words=True) for w in warnings)


def _hashes(run: PlanRun, net: NetworkRun | None) -> tuple[str, str]:
    """Config and data hashes of what was published: with a network plan, its options,
    scenario file (with the ``[hubs]``) and every series count too."""
    if net is None:
        return run.provenance["config_hash"], run.provenance["data_hash"]
    return (config_hash({"plan": run.provenance["config_hash"],
                         "network": net.provenance["config_hash"]}),
            net.provenance["data_hash"])


def run_job(config: PlanConfig, out_dir: str | Path, *, progress: bool = True,
            html: bool = True, date: dt.date | None = None, own_tmp: bool = False,
            network: bool = False, workers: int | None = None,
            scheduler: str | None = None) -> Path:
    """Compute the plan for ``config`` and publish everything into ``out_dir``, atomically.

    ``out_dir`` must be new, empty or an earlier report; it is checked before any
    computing. Until the new report is complete and verified, ``out_dir`` keeps the earlier
    one untouched; a failing or interrupted run leaves no temporary file behind (a run
    killed outright leaves a hidden folder beside ``out_dir``, removed by the next run).

    Parameters
    ----------
    config : PlanConfig
        What to compute; its series and LNY settled as ``forecast run`` settles them
        (:func:`~forecast.plan_inputs.load_settled`).
    out_dir : str or path-like
        The report folder.
    progress : bool
        Show each step and its time on stderr.
    html : bool
        Also export the executed notebooks to HTML.
    date : datetime.date, optional
        Date printed on the briefing (default: today).
    own_tmp : bool
        Route every temporary file of this process and its notebook kernels (including
        those of libraries, e.g. Stan's) into the run's private folder, so that even a
        killed run leaves nothing in the system's temporary directory. For a process that
        ends with the run (``forecast run`` sets it); libraries that remember their
        temporary folder would otherwise keep pointing at a deleted one.
    network : bool
        Also plan every hub of the history (every series but the scenario's
        ``unique_id``, the network total) with :func:`forecast.distributed.run_network`:
        adds ``tables/hubs.csv``, ``tables/network.csv``, the briefing's network page and
        the network recommendation on page 1.
    workers, scheduler : int or str, optional
        With ``network``: run the per-hub work, and the plan of the network total beside
        it, on a local Dask cluster of ``workers`` processes or on the cluster at
        ``scheduler``; neither: in this process. ``workers`` also runs that many notebooks
        at once, with the figures drawn beside them.

    Returns
    -------
    pathlib.Path
        The ``manifest.json`` written.
    """
    names = (*NOTEBOOKS, NETWORK_NOTEBOOK) if network else NOTEBOOKS
    notebooks = [NOTEBOOKS_DIR / f"{n}.ipynb" for n in names]
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:  # checked before minutes of computing, not after
        raise ValueError(f"notebook(s) not found: {', '.join(missing)}; forecast run needs "
                         "the source tree (an editable install, as `make report` does)")
    # the kernels run elsewhere: they need absolute paths
    config = replace(config, data_path=str(Path(config.data_path).resolve()),
                     scenario_path=str(Path(config.scenario_path).resolve()))
    config = load_settled(config, network=network, stacklevel=3)[0]  # what the notebooks get
    with Staging(out_dir) as stage, temporary_files(stage.work / "tmp", own_tmp):
        out, work = stage.path, stage.work
        # The demand forecast is computed once here and kept in the data-only cache, where
        # notebooks 02-04 find it (same history, same options): every artefact shows one plan.
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        on_cluster = network and (workers is not None or scheduler is not None)
        _say(progress, f"[1/4] plan: {config.model} model, {config.n_paths:,} paths"
             + (" (on the cluster, beside the hubs)" if on_cluster else ""))
        net = None
        with dask_client(workers=workers, scheduler=scheduler) if network else \
                contextlib.nullcontext() as client:
            plan = start_plan(config, client=client, progress=progress)
            if network:
                t1 = time.perf_counter()
                _say(progress, "  network: per-hub fit, paths and allocation"
                     + (f" on {workers} Dask worker{'s' if workers != 1 else ''}"
                        if workers else "")
                     + (f" on the cluster at {scheduler}" if scheduler else ""))
                # computed once and cached as data: notebook 05 reloads it
                with _heartbeat(progress and on_cluster, "network"):
                    net = network_from_files(config, client=client)
                timings["network"] = round(time.perf_counter() - t1, 2)
            with _heartbeat(progress and on_cluster, "plan"):
                run = plan()
        # on a cluster the plan runs beside the network: "plan" is the time it added
        timings["plan"] = round(time.perf_counter() - t0 - timings.get("network", 0.0), 2)
        for note in run.notes:
            _say(progress, f"  note: {note}")
        if net is not None:
            for uid, reason in net.skipped.items():
                _warn(f"hub {uid!r} left out of the network plan: {reason}")
            for warning in net.plan.warnings:
                if not warning.endswith("(see the hubs table)."):  # said per hub above
                    _warn(f"network: {warning}")
        for warning in _single_site(run.warnings, net):  # always shown: the numbers need them
            _warn(warning)

        # with N workers, N notebooks run at once and the figures beside them
        lanes = workers if network and workers else 1
        _say(progress, f"[2/4] notebooks -> {stage.target / 'notebooks'}"
             + (f", {lanes} at once; figures and tables beside them" if lanes > 1 else ""))
        parameters = asdict(config)  # settled: its series is the one planned
        declared = set().union(*(notebook_parameters(nb) for nb in notebooks))
        parameters = {k: v for k, v in parameters.items() if k in declared}
        t1 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures") as side:
            drawn = side.submit(_figures_and_tables, run, out, net) if lanes > 1 else None
            result = publish(notebooks, out / "notebooks", parameters, cwd=work, html=html,
                             progress=progress, runtime_folder=work, jobs=lanes)
            timings["notebooks"] = round(time.perf_counter() - t1, 2)
            _say(progress, "[3/4] figures and tables" + (" (drawn beside the notebooks)"
                                                         if drawn is not None else ""))
            t1 = time.perf_counter()
            figures, csvs = _figures_and_tables(run, out, net) if drawn is None else \
                drawn.result()
            timings["figures and tables"] = round(time.perf_counter() - t1, 2)

        _say(progress, "[4/4] briefing.pdf")
        t1 = time.perf_counter()
        pdf = render_briefing(_briefing(run, figures, date or dt.date.today(), net),
                              out / "briefing.pdf", tmp_dir=work)
        timings["briefing"] = round(time.perf_counter() - t1, 2)
        hashes = _hashes(run, net)
        write_manifest(  # top-level steps only: the manifest adds them up
            out, version=__version__, config_hash=hashes[0], data_hash=hashes[1],
            seed=config.seed, timings=timings,
            artefacts=[*result.artefacts, *figures.values(), *csvs, pdf],
            settings={**asdict(config), "network": network}, warnings=_all_warnings(run, net),
        )
        target = stage.commit()
    return target / MANIFEST_NAME
