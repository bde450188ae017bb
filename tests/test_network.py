"""Network scenario, per-hub queues, network statistics and the greedy allocation."""

import itertools

import numpy as np
import pandas as pd
import pytest

from forecast.allocation import allocate
from forecast.network import (
    LocalHubs,
    describe_hub,
    hub_metrics,
    network_outcome,
    plan_network,
)
from forecast.network_scenario import NetworkScenario
from forecast.scenario import Scenario
from forecast.simulation import Simulator
from forecast.statistics import prob_at_least

DAYS = pd.date_range("2026-03-02", "2026-03-15")
BASE = Scenario().updated({
    "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    "programme.start": "2026-03-02", "programme.end": "2026-03-15", "productivity.mean": 10,
    "promise.working_days": 1, "budget": 1e6})


def _hubs(levels, *, n_paths=40, seed=0, scenario=BASE):
    rng = np.random.default_rng(seed)
    sims = {}
    for k, (uid, level) in enumerate(levels.items()):
        paths = level * rng.lognormal(0, 0.15, (n_paths, 1)) * rng.lognormal(0, 0.1, (n_paths, 14))
        sims[uid] = Simulator(paths, scenario.updated({"unique_id": uid}),
                              rng=np.random.default_rng([seed, k]), dates=DAYS)
    return sims


def test_a_hub_override_names_the_hub_and_the_key():
    with pytest.raises(ValueError, match=r"\[hubs.kwai\] key 'labour.daily_wage'"):
        NetworkScenario.from_dict({"hubs": {"kwai": {"labour": {"daily_wage": 1}}}})
    with pytest.raises(ValueError, match=r"\[hubs.kwai\] productivity.mean must be > 0"):
        NetworkScenario.from_dict({"hubs": {"kwai": {"productivity.mean": -1}}})


def test_network_scenario_loads_hub_tables_from_toml(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('budget = 2e6\n[hubs.a]\n"staffing.baseline" = 40\n'
                    '[hubs.a.programme]\nworkers = 30\n')
    net = NetworkScenario.from_toml(path)
    assert net.scenario("a").staffing.baseline == 40 and net.scenario("a").programme.workers == 30
    assert net.scenario("a").unique_id == "a" and net.budget == 2e6
    assert Scenario.from_toml(path).budget == 2e6  # the single-series scenario skips [hubs]
    shared = net.for_hubs({"a": 0.5, "b": 0.5})
    assert shared.scenario("a").staffing.baseline == 40  # explicit beats the share
    assert shared.scenario("b").staffing.baseline == 0.5 * Scenario().staffing.baseline
    assert shared.scenario("a").budget == 1e6


def test_the_rosters_override_dates_are_split_by_share_like_the_baseline():
    """Every hub once got the network's whole override (3.2x the staff on that day)."""
    net = NetworkScenario.from_dict({"staffing": {"overrides": [["2026-02-16", 1200]]},
                                     "hubs": {"c": {"staffing.overrides": {"2026-02-16": 7}}}})
    shares = {"a": 0.2, "b": 0.3, "c": 0.5}
    hubs = {u: net.for_hubs(shares).scenario(u) for u in shares}
    assert [hubs[u].staffing.overrides[0][1] for u in "ab"] == [240.0, 360.0]
    assert hubs["c"].staffing.overrides[0][1] == 7  # its own
    assert sum(hubs[u].staffing.baseline for u in "abc") == Scenario().staffing.baseline
    # a hub with its own baseline keeps the network's ratio (1,200 / 1,500) on it
    net = NetworkScenario.from_dict({"staffing": {"overrides": [["2026-02-16", 1200]]},
                                     "hubs": {"d": {"staffing.baseline": 100}}})
    assert net.for_hubs({"a": 0.8, "d": 0.2}).scenario("d").staffing.overrides[0][1] == 80


def test_hub_metrics_agree_with_the_programme_rate():
    sim = _hubs({"a": 1000.0})["a"]
    for w in (0, 60, 100, 200):
        m, direct = hub_metrics(sim, w), sim.metrics(w)
        rate = 1 - m["late_programme"] / m["due_programme"]
        np.testing.assert_allclose(rate, direct["on_time_rate_programme"], atol=1e-12)
        assert (m["late_programme"] <= m["late"] + 1e-6).all()


def test_network_figures_are_sums_over_hubs_on_the_same_path():
    sims = _hubs({"a": 1000.0, "b": 400.0})
    hubs = [describe_hub(s) for s in sims.values()]
    res = network_outcome(hubs, LocalHubs(sims), {"a": 90, "b": 35}, budget=1e5)
    a, b = hub_metrics(sims["a"], 90), hub_metrics(sims["b"], 35)
    for k in ("late", "compensation", "labour_cost", "spend"):
        np.testing.assert_allclose(res.per_path[k], a[k] + b[k])
    assert res.hubs.loc["a", "late_mean"] == pytest.approx(a["late"].mean())
    saved = a["compensation"].mean() - hub_metrics(sims["a"], 91)["compensation"].mean()
    assert res.hubs.loc["a", "value_of_one_more"] == pytest.approx(saved)
    assert (res.hubs["value_of_one_more"] >= 0).all()


def test_allocation_meets_the_target_at_about_the_brute_force_least_cost():
    sims = _hubs({"a": 1000.0, "b": 400.0}, n_paths=30)
    ev, hubs = LocalHubs(sims), [describe_hub(s) for s in sims.values()]
    target, alpha = 0.97, 0.8
    alloc = allocate(hubs, ev, target=target, alpha=alpha, block=5)
    w = alloc.workers

    def net(wa, wb):
        a, b = hub_metrics(sims["a"], wa), hub_metrics(sims["b"], wb)
        rate = 1 - (a["late_programme"] + b["late_programme"]) / (
            a["due_programme"] + b["due_programme"])
        return prob_at_least(rate, target) >= alpha, a["total_cost"].mean() + b["total_cost"].mean()

    ok, cost = net(w["a"], w["b"])
    assert alloc.feasible and ok
    best = min(c for wa, wb in itertools.product(range(60, 160, 2), range(20, 80, 2))
               for good, c in [net(wa, wb)] if good)
    assert cost <= best * 1.01


def test_deterministic_hubs_get_exactly_their_demand_over_productivity():
    s = BASE.updated({"productivity.cv": 0, "attendance.programme": 1,
                      "attendance.concentration": float("inf"), "promise.working_days": 0,
                      "labour.daily_wage": 1e4})
    sims = {u: Simulator(np.full((3, 14), d), s.updated({"unique_id": u}),
                         rng=np.random.default_rng(0), dates=DAYS)
            for u, d in (("a", 1230.0), ("b", 470.0), ("c", 10.0))}
    plan = plan_network([describe_hub(x) for x in sims.values()], LocalHubs(sims),
                        NetworkScenario(s), target=1.0, alpha=1.0, block=9)
    assert plan.allocation.workers == {"a": 123, "b": 47, "c": 1}
    assert plan.recommended.prob_on_time() == 1.0
    assert plan.decision_table().loc["recommended", "programme_workers"] == 171


def test_an_unreachable_target_says_so():
    s = BASE.updated({"programme.start": "2026-03-10"})  # days before have no programme
    sims = _hubs({"a": 1000.0}, scenario=s)
    hub = describe_hub(sims["a"])
    alloc = allocate([hub], LocalHubs(sims), target=1.0, alpha=1.0, block=hub.upper)
    assert not alloc.feasible and alloc.binding == "none" and "reached" in alloc.reason


def test_looking_ahead_saves_round_trips_and_changes_nothing():
    sims = _hubs({"a": 1000.0, "b": 400.0, "c": 700.0}, n_paths=30)
    hubs = [describe_hub(s) for s in sims.values()]

    def run(lookahead):
        calls = []

        def evaluate(requests):
            calls.append(requests)
            return LocalHubs(sims)(requests)

        return allocate(hubs, evaluate, target=0.97, alpha=0.8, block=2,
                        lookahead=lookahead), calls

    (one, calls_one), (four, calls_four) = run(1), run(4)
    assert one == four and one.steps > 8  # the greedy loop ran, to the same allocation
    assert len(calls_four) < 0.5 * len(calls_one)
    for requests in calls_four:  # never asks for a headcount twice, nor beyond the bound
        for u, ws in requests.items():
            assert len(set(ws)) == len(ws)
            assert max(ws) <= next(h.upper for h in hubs if h.unique_id == u)


def test_a_large_network_takes_several_hubs_per_round_at_about_the_same_cost(monkeypatch):
    from forecast import allocation

    levels = {f"h{k:02d}": 200.0 + 40.0 * k for k in range(30)}
    sims = _hubs(levels, n_paths=200)
    hubs = [describe_hub(s) for s in sims.values()]

    def run(share):
        monkeypatch.setattr(allocation, "ROUND_SHARE", share)
        rounds = []

        def evaluate(requests):
            rounds.append(len(requests))
            return LocalHubs(sims)(requests)

        alloc = allocate(hubs, evaluate, target=0.97, alpha=0.8, block=2)
        cost = sum(hub_metrics(sims[u], w)["total_cost"].mean() for u, w in alloc.workers.items())
        return alloc, cost, len(rounds)

    (one, cost_one, calls_one), (batched, cost_batched, calls_batched) = run(10**6), run(10)
    assert one.feasible and batched.feasible and batched.p_on_time >= 0.8
    assert one.steps > 30  # the greedy loop did run
    # both are heuristics: over three seeds batched rounds cost -1.8% to +1.6% vs one hub
    assert cost_batched <= cost_one * 1.02  # per round (the refine trims the overshoot)
    assert calls_batched < 0.6 * calls_one


def test_after_the_refine_no_hub_can_give_up_a_worker():
    sims = _hubs({"a": 1000.0, "b": 400.0, "c": 700.0}, n_paths=60, seed=2)
    hubs = {h.unique_id: h for h in (describe_hub(s) for s in sims.values())}
    alloc = allocate(list(hubs.values()), LocalHubs(sims), target=0.97, alpha=0.8, block=7)
    w = alloc.workers

    def meets(workers):
        ms = [hub_metrics(sims[u], n) for u, n in workers.items()]
        rate = 1 - sum(m["late_programme"] for m in ms) / sum(m["due_programme"] for m in ms)
        return prob_at_least(rate, 0.97) >= 0.8

    assert alloc.binding == "service" and meets(w)
    for u in w:  # the fewest: one worker less at any hub (above its start) misses the target
        if w[u] > hubs[u].cost_optimal:
            assert not meets({**w, u: w[u] - 1}), u


def test_the_demo_scenarios_commented_hub_example_loads(tmp_path):
    """data/scenario.toml shows a [hubs.<id>] table in comments: uncommented, it loads."""
    from forecast.config import DEFAULT_SCENARIO_PATH

    text = DEFAULT_SCENARIO_PATH.read_text()
    example = text[text.index("# [hubs."):].splitlines()
    path = tmp_path / "s.toml"
    path.write_text(text + "\n" + "\n".join(line.removeprefix("# ") for line in example
                                            if line.startswith("# ")) + "\n")
    net = NetworkScenario.from_toml(path)
    kwai = net.for_hubs({"kwai-chung": 0.5, "tsing-yi": 0.5}).scenario("kwai-chung")
    assert kwai.staffing.baseline == 480 and kwai.programme.workers == 450
    assert kwai.budget == 1_500_000.0


def test_the_split_does_not_depend_on_the_hubs_names():
    """The refinement trimmed hubs in alphabetical order, so the first hub by name took the
    whole slack: on the real HK file 'arrivals_total' ended at 5% on-time beside a twin hub
    at 90%. It now trims the hubs whose last block is worth least first."""
    levels = {"a": 1000.0, "b": 400.0, "c": 700.0}
    renamed = {"a": "z", "b": "y", "c": "x"}
    splits = []
    for names in ({u: u for u in levels}, renamed):
        sims = _hubs({names[u]: v for u, v in levels.items()}, n_paths=60, seed=2)
        hubs = [describe_hub(s) for s in sims.values()]
        alloc = allocate(hubs, LocalHubs(sims), target=0.97, alpha=0.8, block=7)
        splits.append({u: alloc.workers[names[u]] for u in levels})
    assert splits[0] == splits[1]
