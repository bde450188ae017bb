"""Per-hub work of a network plan, in one process or on ``dask.distributed``.

Each hub's work is a pure function of (hub history, options, seed stream): fit the demand
model, draw the hub's demand paths and build its capacity
:class:`~forecast.simulation.Simulator`. Hub ``k`` of the sorted hub list draws from
``numpy.random.default_rng([seed, k])`` (split into fitting, paths and supply streams), so
the same seed gives the same numbers whether the hubs run in this process, on one Dask
worker or on many.

With a Dask client the simulators stay on the workers: the allocation of
:mod:`forecast.network` asks them for per-path metric vectors (``n_paths`` floats per
metric), and the network-total paths are summed on the workers in a fixed pairwise order
(one ``n_paths x n_days`` array reaches the client). No hub's paths are gathered.

**A broken hub** (a history too short for the model, a window the history cannot reach,
a model that fails) is reported by name with the reason and left out of the network plan
(:attr:`NetworkRun.skipped`); the other hubs are planned. If every hub fails the run
stops with a ``ValueError`` listing them.

**Hub paths** are drawn jointly across hubs in one place, :func:`draw_hub_paths`.
Warnings raised on a worker (a short hub history, ...) are shown by the client, prefixed
with the hub's name.
"""

from __future__ import annotations

import dataclasses
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import cache
from forecast.cluster import executor
from forecast.config import PlanConfig
from forecast.hashing import config_hash, file_hash, frame_hash
from forecast.models import make_model, shared_draws
from forecast.allocation import LOOKAHEAD, Allocation
from forecast.network import (
    Hub,
    NetworkPlan,
    NetworkResults,
    describe_hub,
    hub_metrics,
    plan_network,
)
from forecast.network_scenario import (
    NetworkScenario,
    check_hub_overrides,
    hub_total_mismatch,
    network_hubs,
    volume_shares,
)
from forecast.plan import (
    PlanRun, cached_plan, planned_scenario, remember_plan, run_plan,
)
from forecast.plan_forecast import code_hash
from forecast.plan_inputs import load_settled
from forecast.plan_store import pack, unpack
from forecast.scenario import Scenario
from forecast.simulation import Simulator
from forecast.statistics import central_interval

__all__ = ["HubFailure", "NetworkRun", "draw_hub_paths", "hub_streams",
           "load_network", "network_from_files", "network_key", "run_network", "save_network",
           "start_plan"]



@dataclass(frozen=True)
class HubFailure:
    """A hub left out of the network plan, and why."""

    unique_id: str
    reason: str


@dataclass(frozen=True)
class _HubState:
    """What stays on the worker: the hub's simulator and its summary."""

    sim: Simulator
    hub: Hub
    forecast: dict
    warnings: tuple = ()  # (category, message) raised while fitting, shown by the client


def hub_streams(seed: int, k: int) -> list[np.random.Generator]:
    """Hub ``k``'s independent streams (fit, paths, supply) of a run seeded ``seed``.

    Examples
    --------
    >>> a, b = hub_streams(0, 3), hub_streams(0, 3)
    >>> bool(a[1].random() == b[1].random())
    True
    """
    return np.random.default_rng([seed, k]).spawn(3)


def draw_hub_paths(model, h: int, *, n_paths: int, rng: np.random.Generator,
                   seed: int) -> pd.DataFrame:
    """One hub's demand paths ``unique_id, ds, sample_id, y`` over ``h`` days, coherent with
    every other hub of the run.

    The joint draw of :mod:`forecast.models.joint`: the draws every hub shares (the dates
    at which daily innovations are resampled, the level and LNY-effect surprises) come from
    the run's ``seed`` alone, so each worker rebuilds the same shared draws and path
    ``sample_id = i`` of every hub is one world; a network total is a sum along
    ``sample_id``. Models without joint draws (``prophet-builtin``) draw independently
    from ``rng``.
    """
    (uid,) = model.states_
    try:
        shared = shared_draws(np.random.default_rng([seed, _SHARED_STREAM]), n_paths, h)
        values = model.series_paths(uid, h, n_paths, shared=shared)
    except ValueError:  # no joint draw for this model: independent paths
        return model.sample_paths(h, n_paths=n_paths, rng=rng, dependence="independent")
    ds = pd.date_range(model.last_ds_[uid] + pd.Timedelta(days=1), periods=h)
    return pd.DataFrame({"unique_id": uid, "ds": np.tile(ds.values, n_paths),
                         "sample_id": np.repeat(np.arange(n_paths), h),
                         "y": values.ravel()})


#: Stream of the draws shared by every hub (hub k's own streams are [seed, k], k < this).
_SHARED_STREAM = 2**31


def _caught(fn, *args):
    """``fn(*args)`` and the warnings it raised as ``(category, message)`` pairs (once each):
    a Dask worker would print them raw on its own stderr; the client re-emits them. (Python
    3.11's warning capture is process-wide: on workers running several threads a warning
    may still be printed by the worker instead.)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args)
    return value, tuple(dict.fromkeys((w.category, str(w.message)) for w in caught))


def _reemit(caught, prefix: str = "") -> None:
    for category, message in caught:
        warnings.warn(prefix + message, category, stacklevel=3)


def _build_hub(history: pd.DataFrame, scenario: Scenario, options: dict, seed: int, k: int):
    """Fit, draw and simulate one hub (a pure function of its arguments); a
    :class:`HubFailure` instead of an exception when the hub cannot be planned."""
    state, caught = _caught(_fit_hub, history, scenario, options, seed, k)
    return dataclasses.replace(state, warnings=caught) if isinstance(state, _HubState) else state


def _fit_hub(history: pd.DataFrame, scenario: Scenario, options: dict, seed: int, k: int):
    uid = scenario.unique_id
    try:
        last = history["ds"].max()
        start, end = pd.Timestamp(scenario.window.start), pd.Timestamp(scenario.window.end)
        if history.empty or start <= last:
            year = scenario.first_year_after(last.date()) if len(history) else None
            raise ValueError(f"its history runs to {last.date() if len(history) else 'nowhere'}, "
                             f"not before the window's start {start.date()}"
                             + (f" (--lny {year} plans LNY {year})" if year else ""))
        fit_rng, path_rng, supply_rng = hub_streams(seed, k)
        model = make_model(options["model"], country=options["country"]).fit(history,
                                                                             rng=fit_rng)
        paths = draw_hub_paths(model, (end - last).days, n_paths=options["n_paths"],
                               rng=path_rng, seed=seed)
        sim = Simulator(paths, scenario, rng=supply_rng)
        totals = sim.arrivals.sum(axis=1)
        lo, hi = central_interval(totals, 80)
        return _HubState(sim, describe_hub(sim), {
            "window_demand_mean": float(totals.mean()), "window_demand_lo_80": lo,
            "window_demand_hi_80": hi, "history_days": int(len(history))})
    except Exception as exc:  # noqa: BLE001 - one broken hub must not sink the network
        # a ValueError is the package's own message for people; anything else is named
        reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        return HubFailure(uid, reason.replace("\n", " ")[:300])


def _describe(state):
    return state if isinstance(state, HubFailure) else (state.hub, state.forecast, state.warnings)


def _metrics(state: _HubState, workers: tuple) -> tuple:
    return tuple(hub_metrics(state.sim, w) for w in workers)


def _arrivals(state: _HubState) -> np.ndarray:
    return state.sim.arrivals


@dataclass(frozen=True)
class NetworkRun:
    """A network plan and the per-hub forecasts behind it.

    Attributes
    ----------
    plan : NetworkPlan
    forecasts : pandas.DataFrame
        Per hub (index ``unique_id``): ``window_demand_mean, window_demand_lo_80,
        window_demand_hi_80`` (parcels over the window) and ``history_days``.
    total_paths : numpy.ndarray, shape (n_paths, n_days)
        The network total of each path over the window (the sum of the hub paths).
    dates : pandas.DatetimeIndex
    skipped : dict of str to str
        Hubs left out of the plan and why.
    provenance : dict
        ``config_hash`` (options and the scenario file with its ``[hubs]``) and
        ``data_hash`` (every series of the history), set by :func:`network_from_files`.
    """

    plan: NetworkPlan
    forecasts: pd.DataFrame
    total_paths: np.ndarray
    dates: pd.DatetimeIndex
    skipped: dict
    provenance: dict = dataclasses.field(default_factory=dict)

    def hub_table(self) -> pd.DataFrame:
        """Every hub: the plan's numbers and forecast, or the reason it was left out."""
        table = self.plan.hub_table().join(self.forecasts)
        table["status"] = "planned"
        gone = pd.DataFrame({"status": [f"left out: {r}" for r in self.skipped.values()]},
                            index=pd.Index(list(self.skipped), name="unique_id"))
        return pd.concat([table, gone]).sort_index() if len(gone) else table


def run_network(history: pd.DataFrame, network: NetworkScenario, config: PlanConfig, *,
                client=None, hubs=None, block: int | None = None) -> NetworkRun:
    """Plan the network's programme workers per hub (see :mod:`forecast.network`).

    Parameters
    ----------
    history : pandas.DataFrame
        Tidy ``unique_id, ds, y`` of every hub (a network-total series is ignored).
    network : NetworkScenario
        Hubs that leave their roster baseline, programme workers or budget unset get the
        base value times their volume share (:func:`volume_shares`).
    config : PlanConfig
        ``model``, ``country``, ``n_paths``, ``seed``, ``target``, ``alpha`` and
        ``budget_risk`` are used.
    client : distributed.Client, optional
        Run the per-hub work on this cluster; None: in this process.
    hubs : sequence of str, optional
        Default: :func:`network_hubs`.
    block : int, optional
        Workers per greedy step (see :func:`forecast.allocation.allocate`).

    Returns
    -------
    NetworkRun
    """
    network = planned_scenario(network, config)
    check_hub_overrides(network, history["unique_id"].unique())
    hubs = sorted(network_hubs(history, network) if hubs is None else map(str, hubs))
    if not hubs:
        raise ValueError("the history has no hub besides the network total "
                         f"{network.base.unique_id!r}: nothing to plan as a network")
    shares = volume_shares(history, hubs)
    network = network.for_hubs(shares)
    options = {"model": config.model, "country": config.country, "n_paths": config.n_paths}
    ex = executor(client)
    by_hub = dict(tuple(history.groupby("unique_id", sort=False)))
    states = {u: ex.submit(_build_hub, by_hub[u].reset_index(drop=True),
                           network.scenario(u), options, config.seed, k)
              for k, u in enumerate(hubs)}
    described = dict(zip(hubs, ex.gather(ex.submit(_describe, states[u]) for u in hubs)))
    skipped = {u: d.reason for u, d in described.items() if isinstance(d, HubFailure)}
    good = [u for u in hubs if u not in skipped]
    for u in good:
        _reemit(described[u][2], prefix=f"hub {u!r}: ")
    if not good:
        raise ValueError("no hub could be planned: " + "; ".join(
            f"{u}: {r}" for u, r in skipped.items()))

    def evaluate(requests):
        keys = list(requests)
        return dict(zip(keys, ex.gather(ex.submit(_metrics, states[u], requests[u])
                                        for u in keys)))

    # a partial network is held to its planned hubs' share of the network's budget
    budget = network.budget * sum(shares[u] for u in good) if skipped else None
    plan = plan_network([described[u][0] for u in good], evaluate, network,
                        target=config.target, alpha=config.alpha,
                        budget_risk=config.budget_risk, block=block, skipped=skipped,
                        lookahead=1 if client is None else LOOKAHEAD, budget=budget)
    mismatch = hub_total_mismatch(history, good, network.base.unique_id)
    if mismatch:
        plan = dataclasses.replace(plan, warnings=(mismatch[0].upper() + mismatch[1:] + ".",
                                                   *plan.warnings))
    layer = [ex.submit(_arrivals, states[u]) for u in good]
    while len(layer) > 1:  # fixed pairwise order: the same sum for any number of workers
        layer = [ex.submit(operator.add, *layer[i:i + 2]) if i + 1 < len(layer) else layer[i]
                 for i in range(0, len(layer), 2)]
    total = ex.gather(layer)[0]
    forecasts = pd.DataFrame({u: described[u][1] for u in good}).T.rename_axis("unique_id")
    base = network.base
    return NetworkRun(plan, forecasts, total,
                      pd.date_range(base.window.start, base.window.end), skipped)


def _options(config: PlanConfig) -> dict:
    """The options a network plan depends on (:meth:`PlanConfig.plan_key`), and ``series``
    where it renames the scenario file's network total (the file is hashed as it is)."""
    options = config.plan_key()
    if config.series and config.series != NetworkScenario.from_toml(
            config.scenario_path).base.unique_id:
        options["series"] = config.series
    return options


def network_key(history: pd.DataFrame, config: PlanConfig) -> str:
    """What a network plan depends on: the history's content, the scenario file (with its
    ``[hubs]``), the options and the package's source."""
    return config_hash({"network": True, "data": frame_hash(history),
                        "scenario": file_hash(config.scenario_path),
                        "options": _options(config), "code": code_hash()})


def save_network(key: str, net: NetworkRun) -> None:
    """Keep ``net`` in the data-only cache (:mod:`forecast.cache`) under ``key``."""
    # the hubs (a tuple of Hub) go as one frame; the rest packs as it is
    bare = dataclasses.replace(net, plan=dataclasses.replace(net.plan, hubs=()))
    frames, meta = pack(bare, skip=("network",))
    frames["plan.hubs"] = pd.DataFrame([dataclasses.asdict(h) for h in net.plan.hubs])
    cache.save(key, frames, meta)


def load_network(key: str, network: NetworkScenario) -> NetworkRun | None:
    """The network plan cached under ``key`` (None if absent or discarded)."""
    hit = cache.load(key)
    if hit is None:
        return None
    frames, meta = hit
    hubs = tuple(Hub(**{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
                 for row in frames["plan.hubs"].to_dict("records"))
    results = {name: unpack(NetworkResults, frames, meta, prefix=f"plan.{name}.")
               for name in ("as_planned", "recommended")}
    plan = unpack(NetworkPlan, frames, meta, prefix="plan.", network=network, hubs=hubs,
                  allocation=unpack(Allocation, frames, meta, prefix="plan.allocation."),
                  **results)
    return unpack(NetworkRun, frames, meta, plan=plan)


def network_from_files(config: PlanConfig, *, client=None, cache_plan: bool = True
                       ) -> NetworkRun:
    """:func:`run_network` on the history and the scenario (with its ``[hubs]``) that
    ``config`` names, reusing the plan ``forecast run --network`` cached for the same
    inputs: the network section of the notebooks in one call. The total and the LNY are
    settled as ``forecast run --network`` settles them
    (:func:`~forecast.plan_inputs.settle_inputs`; each choice made is a ``UserWarning``)."""
    config, history, _ = load_settled(config, network=True, stacklevel=3)  # as the CLI
    network = planned_scenario(NetworkScenario.from_toml(config.scenario_path), config)
    key = network_key(history, config)
    net = load_network(key, network) if cache_plan else None
    if net is None:
        net = run_network(history, network, config, client=client)
        net = dataclasses.replace(net, provenance={
            "config_hash": config_hash({"network": True, "options": _options(config),
                                        "scenario": file_hash(config.scenario_path)}),
            "data_hash": frame_hash(history)})
        if cache_plan:
            save_network(key, net)
    return net


def start_plan(config: PlanConfig, *, client=None,
               progress: bool = False) -> Callable[[], PlanRun]:
    """Start the single-series plan of ``config`` (:func:`forecast.plan.plan_from_files`,
    its series and LNY settled alike) and return a function that waits for it.

    With a Dask ``client`` the plan is one task on the cluster, queued before the hubs of a
    network plan, so that it runs beside them; the plan that comes back is kept in this
    machine's cache (:func:`forecast.plan.remember_plan`), where the notebooks reload it. A
    plan already in the cache, or no client: it is computed (or reloaded) here, now.
    """
    config, history, scenario = load_settled(config, stacklevel=3)
    run = cached_plan(history, scenario, config)
    if client is None or run is not None:
        run = run or run_plan(history, scenario, config, cache=True, progress=progress)
        return lambda: run
    series = history[history["unique_id"] == config.series].reset_index(drop=True)  # settled
    future = client.submit(_caught, run_plan, series, scenario, config, pure=False)

    def wait() -> PlanRun:
        run, caught = future.result()
        _reemit(caught)
        remember_plan(run)
        return run

    return wait
