"""Tests for forecast.report.briefing_data: what the PDF states is computed from its inputs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from forecast.report.briefing import Briefing, BriefingFigures, PlanOutcome
from forecast.report.briefing_data import briefing_data, format_window
from forecast.report.briefing_model import FIGURE_TEXT, OWN_PAGE_FIGURES
from forecast.report.provenance import Provenance
from forecast.report.typography import BASE_FONT, CjkFont

NB = "\u00a0"  # "HK$ 1.2M" never breaks across lines
# every field different, so that a value read from the wrong field shows
RECOMMENDED = PlanOutcome("Recommended", 1500, 0.873, 12_345, 20_100, 1.234e6, 2.01e6, 5e6,
                          0.08)
USUAL = PlanOutcome("Shutdown as usual", 200, 0.02, 310_000, 420_000, 31e6, 42e6, 0.6e6, 0.97)
PROVENANCE = Provenance("0.1.0", "ab" * 32, "cd" * 32, 42)


def make(**changes) -> Briefing:
    fields = dict(
        title="LNY 2026 holiday staffing", date=dt.date(2026, 1, 5), series="Total network",
        series_id="total", window_start=dt.date(2026, 2, 10), window_end=dt.date(2026, 2, 24),
        on_time_target=0.95, budget=5e6, recommended=RECOMMENDED,
        figures=BriefingFigures("f.png", "l.png", "c.png", "s.png"), provenance=PROVENANCE,
        alternatives=(USUAL,), assumptions=("Compensation is HK$ 20 per late parcel.",),
        recommendation_text="Keep 1,500 holiday-programme workers on duty.",
    )
    return Briefing(**{**fields, **changes})


def rows(b: Briefing, font=None) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in briefing_data(b, font)[0]["table"]["rows"]}


def leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def test_decision_table_is_each_plans_numbers_formatted():
    data, notices = briefing_data(make(), None)
    assert notices == []
    assert data["table"]["header"] == ["Plan", "Recommended", "Shutdown as usual"]
    assert data["table"]["rows"] == [
        ["Holiday-programme workers", "1,500", "200"],
        ["Chance of >= 95% on time (parcels arriving on programme days)", "87%", "2%"],
        ["Late parcels in the window, expected", "12,300", "310,000"],
        ["Late parcels, worst 10% (average)", "20,100", "420,000"],
        ["Compensation in the window, expected", f"HK${NB}1.2M", f"HK${NB}31.0M"],
        ["Compensation, worst 10% (average)", f"HK${NB}2.0M", f"HK${NB}42.0M"],
        ["Labour cost in the window, expected", f"HK${NB}5.0M", f"HK${NB}600k"],
        ["Total cost (labour + compensation), expected", f"HK${NB}6.2M", f"HK${NB}31.6M"],  # labour + compensation
        [f"Chance programme bonus + compensation exceed the HK${NB}5.0M budget", "8%", "97%"],
    ]


# which table rows each PlanOutcome field feeds (the total adds labour and compensation)
FEEDS = {
    "headcount": ["Holiday-programme workers"],
    "p_on_time": ["Chance of >= 95% on time (parcels arriving on programme days)"],
    "late_mean": ["Late parcels in the window, expected"],
    "late_worst10": ["Late parcels, worst 10% (average)"],
    "compensation_mean": ["Compensation in the window, expected", "Total cost (labour + compensation), expected"],
    "compensation_worst10": ["Compensation, worst 10% (average)"],
    "labour_cost": ["Labour cost in the window, expected", "Total cost (labour + compensation), expected"],
    "p_over_budget": [f"Chance programme bonus + compensation exceed the HK${NB}5.0M budget"],
}


@pytest.mark.parametrize(("field", "value"), [
    ("headcount", 1777), ("p_on_time", 0.42), ("late_mean", 777), ("late_worst10", 7_777),
    ("compensation_mean", 7.7e6), ("compensation_worst10", 77e6), ("labour_cost", 17e6),
    ("p_over_budget", 0.42),
])
def test_each_input_changes_exactly_the_rows_it_feeds_in_its_own_column(field, value):
    before = rows(make())
    after = rows(make(alternatives=(dataclasses.replace(USUAL, **{field: value}),)))
    changed = [label for label in before if before[label] != after[label]]
    assert changed == FEEDS[field]
    assert all(before[label][0] == after[label][0] for label in before)  # recommended: same


def test_target_and_budget_are_read_from_the_briefing():
    b = make(on_time_target=0.9, budget=2.5e6)
    labels = list(rows(b))
    assert labels[1] == "Chance of >= 90% on time (parcels arriving on programme days)"
    assert labels[-1] == f"Chance programme bonus + compensation exceed the HK${NB}2.5M budget"
    data, _ = briefing_data(b, None)
    assert "the target is 90% of the parcels" in data["definitions"][0]



def test_recommendation_facts_warnings_and_rule_are_passed_as_given():
    b = make(recommendation_text="Keep 900.", facts=("Volumes: 1,000 parcels.",),
             warnings=("Capacity is far below demand.",), rule_text="The least-cost ...")
    data, _ = briefing_data(b, None)
    assert data["recommendation"] == "Keep 900."
    assert data["facts"] == ["Volumes: 1,000 parcels."]
    assert data["warnings"] == ["Capacity is far below demand."]
    assert data["rule"] == "The least-cost ..."
    with pytest.raises(ValueError, match="recommendation_text must be a non-empty str"):
        make(recommendation_text="")
    with pytest.raises(ValueError, match="at most 4 items"):
        make(warnings=("w",) * 5)


def test_header_dates_volume_and_provenance_come_from_the_inputs():
    data, _ = briefing_data(make(), None)
    assert (data["title"], data["date"], data["series"], data["network_label"]) == (
        "LNY 2026 holiday staffing", "05 Jan 2026", "Total network", "Network")
    assert data["window"] == format_window(make()) == "10 Feb 2026 to 24 Feb 2026"
    assert data["volume"] is None
    assert data["assumptions"] == [f"Compensation is HK${NB}20 per late parcel."]
    assert data["provenance"] == [
        ["Package version", "forecast 0.1.0"],
        ["Configuration hash (sha256)", "ab" * 32],
        ["Data hash (sha256)", "cd" * 32],
        ["Random seed", "42"],
        ["Series id", "total"],
    ]
    assert data["footer"] == ("LNY 2026 holiday staffing · forecast 0.1.0 · config "
                              "abababababab · data cdcdcdcdcdcd · seed 42")
    with_volume = make(volume_mean=1_234_567.8, volume_lo=1.1e6, volume_hi=1.4e6,
                       volume_level=90)
    assert briefing_data(with_volume, None)[0]["volume"] == (
        "Parcels arriving in the planning window: 1,230,000 (90% interval 1,100,000 to "
        "1,400,000).")


@pytest.mark.parametrize("headline", [k for k in FIGURE_TEXT if k not in OWN_PAGE_FIGURES])
def test_every_figure_is_shown_once_with_its_own_text(headline):
    figures = briefing_data(make(headline_figure=headline), None)[0]["figures"]
    shown = [figures["headline"], *figures["others"]]
    assert figures["headline"]["path"] == f"fig_{headline}.png"
    # the key figures once each; the roster's and the hubs' charts have pages of their own
    assert sorted(f["path"] for f in shown) == sorted(
        f"fig_{k}.png" for k in FIGURE_TEXT if k not in OWN_PAGE_FIGURES)
    assert figures["headline"]["path"] != "fig_roster.png"
    for f in shown:
        key = f["path"][len("fig_"):-len(".png")]
        assert (f["title"], f["caption"]) == FIGURE_TEXT[key]


def test_every_value_is_text_json_ready_with_no_breakable_currency(tmp_path):
    hubs = tmp_path / "h.png"
    hubs.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + (900).to_bytes(4, "big") * 2)
    b = make(volume_mean=10.0, volume_lo=5.0, volume_hi=20.0,
             figures=BriefingFigures("f.png", "l.png", "c.png", "s.png", "r.png", hubs),
             roster_text="By phase.", roster_table=(("phase", "workers"), ("eve", "0")))
    data, _ = briefing_data(b, None)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    values = list(leaves(data))
    assert all(isinstance(v, str) for v in values), [v for v in values if not isinstance(v, str)]
    assert not any("HK$ " in v for v in values)
    assert data["notices"] == [] and data["fonts"] == [BASE_FONT]


def test_user_text_is_passed_as_data_not_rewritten():
    title = 'Plan #panic("boom") *x* $y$ [z] <l> @ref \\ "q"'
    data, _ = briefing_data(make(title=title), None)
    assert data["title"] == title and data["footer"].startswith(title + " · ")


def test_without_a_cjk_font_chinese_text_degrades_visibly_and_says_so():
    b = make(series="沙田 hub", series_id="hub_shatin",
             assumptions=("Hub 葵涌 closes on day 1.",), alternatives=())
    data, notices = briefing_data(b, None)
    assert data["series"] == "hub_shatin"
    assert data["assumptions"] == ["Hub ? closes on day 1."]
    assert len(notices) == 2 and "'hub_shatin'" in notices[0] and "'?'" in notices[1]
    assert data["notices"] == notices
    text = json.dumps(data, ensure_ascii=False)
    assert not any(ch in text for ch in "沙田葵涌")


def test_with_a_covering_cjk_font_chinese_text_is_kept():
    font = CjkFont(Path("noto.ttc"), "Noto Sans CJK HK", frozenset(map(ord, "沙田葵涌")))
    b = make(series="沙田 hub", series_id="hub_shatin", assumptions=("Hub 葵涌 closes.",))
    data, notices = briefing_data(b, font)
    assert notices == [] and data["notices"] == []
    assert data["series"] == "沙田 hub" and data["assumptions"] == ["Hub 葵涌 closes."]
    assert data["fonts"] == [BASE_FONT, "Noto Sans CJK HK"]
    # a font that lacks one character: only that run becomes '?', and a notice says so
    partial = CjkFont(Path("noto.ttc"), "X", frozenset(map(ord, "沙田葵")))
    data, notices = briefing_data(b, partial)
    assert data["series"] == "沙田 hub" and data["assumptions"] == ["Hub 葵? closes."]
    assert len(notices) == 1 and "'?'" in notices[0]


def test_the_network_page_is_optional_and_carries_its_table():
    assert briefing_data(make(), None)[0]["network"] == {"text": "", "table": [],
                                                         "figure": None}
    table = (("hub", "recommended"), ("kwai-chung", "429"), ("network", "1,138"))
    data = briefing_data(make(network_text="Per hub.", network_table=table), None)[0]
    assert data["network"]["table"][1] == ["kwai-chung", "429"]
    with pytest.raises(ValueError, match="network_table must be at most 32 rows"):
        make(network_table=(("a", "b"),) * 33)


def test_the_network_page_shows_its_hub_chart_at_the_text_width(tmp_path):
    """The network page was a table on a page left mostly white: it now has the hubs'
    chart, as tall as the text width makes it (a chart of many hubs is capped)."""
    import struct

    def png(name, width, height):
        path = tmp_path / name
        path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + struct.pack(">II", width, height))
        return path

    figs = BriefingFigures("f.png", "l.png", "c.png", "s.png", hubs=png("h.png", 1350, 537))
    data = briefing_data(make(figures=figs, network_text="Per hub."), None)[0]
    assert data["network"]["figure"]["path"] == "fig_hubs.png"
    assert data["network"]["figure"]["height_cm"] == "7.0"
    assert "fig_hubs.png" not in [f["path"] for f in data["figures"]["others"]]
    tall = BriefingFigures("f.png", "l.png", "c.png", "s.png", hubs=png("t.png", 1350, 3000))
    assert briefing_data(make(figures=tall), None)[0]["network"]["figure"]["height_cm"] == "15.0"


def test_the_table_gives_the_window_wide_on_time_share_when_known():
    """Page 1's chance judges programme days only: on the real HK file, with the demo's
    roster, 64M of 98M parcels were late over the window while the headline said 94% of
    futures met the target, and no rate said so."""
    plans = dict(recommended=dataclasses.replace(RECOMMENDED, on_time_share=0.3025),
                 alternatives=(dataclasses.replace(USUAL, on_time_share=0.999),))
    assert rows(make(**plans))["Parcels on time over the whole window, expected"] == [
        "30%", "> 99%"]
    assert "Parcels on time over the whole window, expected" not in rows(make())
    with pytest.raises(ValueError, match="on_time_share must be"):
        dataclasses.replace(RECOMMENDED, on_time_share=1.5)
