"""The network plan's CSV frames, page-1 sentence and network-page table."""

from forecast.config import PlanConfig
from forecast.data import DEMO_PATH, load_history
from forecast.distributed import run_network
from forecast.network_scenario import NetworkScenario
from forecast.report.network_tables import (
    network_frames,
    network_recommendation,
    network_rows,
    network_sentence,
)


def test_network_tables_speak_of_every_hub_and_the_network():
    network = NetworkScenario.from_toml(DEMO_PATH.parent / "scenario.toml")
    config = PlanConfig(model="lunar-naive", n_paths=30, backtest_lny=0)
    net = run_network(load_history(DEMO_PATH), network, config)
    frames = network_frames(net)
    assert list(frames["hubs"].index) == ["chek-lap-kok", "kowloon-bay", "kwai-chung",
                                         "tsing-yi"]
    assert list(frames["network"].index) == ["as planned", "recommended"]
    total = frames["hubs"]["programme_workers"].sum()
    assert frames["network"].loc["recommended", "programme_workers"] == total
    text = network_recommendation(net, config, network.base)
    assert text.startswith("Network of 4 hubs: keep ") and len(text) <= 400
    rows = network_rows(net, config.target)
    assert rows[0][0] == "hub" and rows[-1][0] == "network" and len(rows) == 6
    assert rows[0][3] == "P(>= 95% on time)"  # the chance of what, as page 1 says it
    # what one more worker saves against what they cost, to three figures: "HK$ 15k" on
    # both sides hid why the split stopped
    assert rows[0][5:] == ("one more worker saves", "one more worker costs")
    assert all(r[6].startswith("HK$ ") and len(r[6]) >= 8 for r in rows[1:-1]), rows
    assert "least expected cost" in network_sentence(net)


def test_network_checks_list_the_network_plans_warnings_or_say_there_are_none():
    from types import SimpleNamespace

    from forecast.report.network_tables import network_checks

    net = SimpleNamespace(plan=SimpleNamespace(warnings=["hub 'tiny' left out: 20 days"]))
    assert network_checks(net) == "- **Check:** hub 'tiny' left out: 20 days"
    assert network_checks(SimpleNamespace(plan=SimpleNamespace(warnings=[]))) == \
        "- No network warning."


def test_the_network_page_repeats_that_the_hubs_do_not_add_up():
    """On the real HK file the hubs are 1.60x 'total': page 1 warned, but the network page,
    whose network row sums the hubs, did not."""
    from types import SimpleNamespace

    from forecast.network_scenario import HUB_MISMATCH

    def net(warnings, n=4):
        return SimpleNamespace(plan=SimpleNamespace(hubs=range(n), warnings=warnings))

    assert not network_sentence(net([])).startswith("Check")
    text = network_sentence(net([f"{HUB_MISMATCH} over the last 365 days is 1.60x"], n=40))
    assert text.startswith("Check the hubs first: they do not add up to the network total")
    assert text.endswith("every hub is in tables/hubs.csv.") and len(text) <= 600
