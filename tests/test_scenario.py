"""Tests for forecast.scenario: loading, validation, round trips and the config hash."""

import datetime as dt
import json
from pathlib import Path

import pytest

from forecast.scenario import Backlog, Compensation, Scenario, Staffing

DEFAULT_TOML = Path(__file__).resolve().parents[1] / "data" / "scenario.toml"


def test_default_toml_equals_the_code_defaults():
    assert Scenario.from_toml(DEFAULT_TOML) == Scenario()


def test_round_trips_through_nested_flat_and_json_dicts():
    s = Scenario().updated({
        "staffing.overrides": {"2026-02-16": 1200},
        "attendance.concentration": float("inf"),
        "operations.mode": "shutdown",
    })
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.from_dict(s.to_dict(flat=True)) == s
    assert Scenario.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert s.staffing.overrides == ((dt.date(2026, 2, 16), 1200.0),)


def test_config_hash_is_stable_and_content_sensitive():
    assert Scenario().config_hash() == Scenario.from_toml(DEFAULT_TOML).config_hash()
    assert Scenario().config_hash() != Scenario().updated({"budget": 1.0}).config_hash()
    assert len(Scenario().config_hash()) == 16


def test_toml_partial_file_uses_defaults(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[programme]\nworkers = 900\n[window]\nstart = 2026-01-25\n')
    s = Scenario.from_toml(path)
    assert s.programme.workers == 900.0
    assert s.window.start == dt.date(2026, 1, 25)
    assert s.labour == Scenario().labour


def test_compensation_per_parcel_schedule():
    comp = Compensation(flat=10, tiers=((3, 100.0), (2, 5.0)), cap_per_parcel=50)
    assert comp.tiers == ((2, 5.0), (3, 100.0))  # sorted
    assert [comp.per_parcel(k) for k in range(5)] == [0.0, 10.0, 15.0, 50.0, 50.0]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"staffing.baseline": -1}, r"staffing\.baseline must be >= 0, got -1"),
        ({"programme.workers": -5}, r"programme\.workers must be >= 0"),
        ({"productivity.mean": 0}, r"productivity\.mean must be > 0"),
        ({"productivity.mean": "high"}, r"productivity\.mean must be a number"),
        ({"promise.working_days": 2.5}, r"promise\.working_days must be an integer"),
        ({"promise.calendar": "XX"}, r"promise\.calendar must be a holidays country code"),
        ({"attendance.lny": 1.2}, r"attendance\.lny must be >= 0 and <= 1"),
        ({"attendance.lny_start": 9, "attendance.lny_end": 3}, r"lny_start must be <="),
        ({"operations.mode": "closed"}, r"operations\.mode must be one of"),
        ({"compensation.tiers": [[1, 5.0]]}, r"days_late must be >= 2"),
        ({"compensation.tiers": [[2, 5.0], [2, 6.0]]}, "must not repeat"),
        ({"compensation.claim_rate": 2}, r"claim_rate must be >= 0 and <= 1"),
        ({"labour.holiday_premium": 0.5}, r"holiday_premium must be >= 1"),
        ({"window.start": "2026-13-01"}, r"window\.start must be an ISO date"),
        ({"window.start": "2026-04-01"}, r"window\.end must lie"),
        ({"programme.start": "2026-03-01"}, r"programme\.start must be <="),
        ({"staffing.overrides": {"2026-02-17": -3}}, r"overrides\['2026-02-17'\]"),
        ({"budget": True}, r"budget must be a number"),
        ({"demand_uplift": 0}, r"demand_uplift must be > 0"),
        ({"unique_id": ""}, "unique_id"),
    ],
)
def test_bad_values_name_the_field(changes, match):
    with pytest.raises(ValueError, match=match):
        Scenario().updated(changes)


def test_unknown_keys_are_rejected_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown scenario key\(s\) \['staff'\]"):
        Scenario.from_dict({"staff": {"baseline": 3}})
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['head'\] in \[staffing\]; allowed"):
        Scenario.from_dict({"staffing": {"head": 3}})
    # a typo gets the key it is close to
    with pytest.raises(ValueError, match=r"\['programe'\] \(did you mean 'programme' for "
                                         r"'programe'\?\); allowed"):
        Scenario.from_dict({"programe": {"workers": 3}})
    with pytest.raises(ValueError, match=r"did you mean 'baseline' for 'baseline_workers'"):
        Scenario.from_dict({"staffing": {"baseline_workers": 3}})


def test_bad_toml_is_a_value_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[staffing\nbaseline = 1")
    with pytest.raises(ValueError, match="not valid TOML"):
        Scenario.from_toml(path)
    # the file and the line it could not read; a date that is not YYYY-MM-DD is named
    path.write_text("[window]\nstart = 2026-01-20\nend = 2026-20-03\n")
    with pytest.raises(ValueError, match=r"bad.toml: not valid TOML .*; line 3: 'end = "
                                         r"2026-20-03' \(dates are YYYY-MM-DD"):
        Scenario.from_toml(path)
    path.write_text("[staffing]\nbaseline_workers = 3\n")
    with pytest.raises(ValueError, match=r"bad.toml: unknown key\(s\) \['baseline_workers'\]"):
        Scenario.from_toml(path)


def test_direct_construction_is_validated_too():
    with pytest.raises(ValueError, match="staffing.baseline"):
        Staffing(baseline=-3)
    with pytest.raises(ValueError, match="scenario.staffing must be a Staffing"):
        Scenario(staffing={"baseline": 3})


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ("[staffing]\noverrides = 5\n",
         r"staffing\.overrides must be a table or a list of \[date, workers\] pairs, got 5"),
        ('[staffing]\noverrides = "2026-02-16"\n', r"staffing\.overrides must be a table"),
        ("[compensation]\ntiers = 3\n",
         r"compensation\.tiers must be a list of \[working_days_late, extra\] pairs, got 3"),
        ("[compensation]\ntiers = { 2 = 20.0 }\n", r"compensation\.tiers must be a list"),
        ("[compensation]\ntiers = [2, 20.0]\n", r"compensation\.tiers must be a list .* item 2"),
        ("budget = { a = 1 }\n", r"budget must be a number"),
    ],
)
def test_wrong_toml_types_are_value_errors_naming_the_field(tmp_path, toml, match):
    path = tmp_path / "s.toml"
    path.write_text(toml)
    with pytest.raises(ValueError, match=match):
        Scenario.from_toml(path)


ODD_VALUES = [None, True, 5, -1.5, float("nan"), "x", "", [], {}, [1, 2], [[1]], {"a": 1},
              [["2026-02-16", 1, 2]], [[None, None]], [{"a": 1}], dt.time(1, 2),
              dt.datetime(2026, 2, 16, tzinfo=dt.timezone.utc)]
KEYS = [f"{section}.{name}" for section, table in Scenario().to_dict().items()
        if isinstance(table, dict) for name in table] + ["unique_id", "budget", "demand_uplift"]
_ON_MONDAY = dt.datetime(2026, 2, 16, tzinfo=dt.timezone.utc)
# The odd values each key accepts, and what it must store; every other odd value must be
# refused with a ValueError naming the key. Numbers are coerced to the field's type (float,
# or int for day counts and offsets), a datetime to its date, an empty list or table of
# pairs to no pairs. 5 is refused where it is out of range (shares, cv) or breaks a
# cross-field rule (closure_start 5 > closure_end 2); a datetime for window.start/end moves
# the window off the default programme dates, so it is refused too.
ACCEPTED = {
    "promise.working_days": [(5, 5)],
    "staffing.baseline": [(5, 5.0)],
    "staffing.overrides": [([], ()), ({}, ())],
    "backlog.parcels": [([], ()), ({}, ())],
    "programme.workers": [(5, 5.0)],
    "programme.start": [(_ON_MONDAY, dt.date(2026, 2, 16))],
    "programme.end": [(_ON_MONDAY, dt.date(2026, 2, 16))],
    "programme.bonus_per_worker_day": [(5, 5.0)],
    "productivity.mean": [(5, 5.0)],
    "attendance.lny_start": [(5, 5)],
    "attendance.lny_end": [(5, 5)],
    "attendance.concentration": [(5, 5.0)],
    "operations.closure_end": [(5, 5)],
    "compensation.flat": [(5, 5.0)],
    "compensation.tiers": [([], ())],
    "compensation.cap_per_parcel": [(5, 5.0)],
    "labour.daily_wage": [(5, 5.0)],
    "labour.holiday_premium": [(5, 5.0)],
    "unique_id": [("x", "x")],
    "budget": [(5, 5.0)],
    "demand_uplift": [(5, 5.0)],
}


def _toml_value(value):
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)  # int or float: inf and nan are TOML too


def write_toml(scenario, path):
    """``scenario.to_dict()`` as a TOML file (the standard library only reads TOML)."""
    lines = []
    tables = []
    for key, value in scenario.to_dict().items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables:
        lines.append(f"[{key}]")
        lines += [f"{name} = {_toml_value(v)}" for name, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_toml_writer_round_trips_a_scenario(tmp_path):
    # the writer below is test code: check it on values that differ from the defaults
    s = Scenario().updated({"attendance.concentration": float("inf"), "unique_id": 'a "b"',
                            "staffing.overrides": {"2026-02-16": 1200}})
    assert Scenario.from_toml(write_toml(s, tmp_path / "s.toml")) == s


def test_accepted_table_names_real_keys():
    assert set(ACCEPTED) <= set(KEYS) and len(KEYS) == 32


def _same(a, b):
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("key", KEYS)
def test_odd_values_are_refused_naming_the_key_or_stored_as_valid_values(key, tmp_path):
    section, _, name = key.rpartition(".")
    accepted = ACCEPTED.get(key, [])
    wrong = []
    for value in ODD_VALUES:
        expected = [stored for odd, stored in accepted if _same(odd, value)]
        try:  # anything but a ValueError (TypeError, KeyError, ...) fails the test
            s = Scenario().updated({key: value})
        except ValueError as exc:
            if expected:
                wrong.append(f"{value!r} refused ({exc}), expected {expected[0]!r}")
            elif key not in str(exc):
                wrong.append(f"{value!r} refused without naming {key}: {exc}")
            continue
        stored = getattr(getattr(s, section) if section else s, name)
        if not expected:
            wrong.append(f"{value!r} accepted as {stored!r}")
        elif not _same(stored, expected[0]):
            wrong.append(f"{value!r} stored as {stored!r}, expected {expected[0]!r}")
        elif Scenario.from_dict(s.to_dict()) != s or Scenario.from_toml(
                write_toml(s, tmp_path / "s.toml")) != s:
            wrong.append(f"{value!r} accepted but does not round-trip")
    assert not wrong, f"{key}: " + "; ".join(wrong)


def test_duplicate_override_dates_are_rejected():
    with pytest.raises(ValueError, match=r"staffing\.overrides must not repeat a date"):
        Scenario().updated({"staffing.overrides": [["2026-02-16", 1], ["2026-02-16", 2]]})


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"programme.start": "2026-01-10"},
         r"programme\.start 2026-01-10 must lie inside window\.start \.\. window\.end "
         r"\(2026-01-20 \.\. 2026-03-20\)"),
        ({"programme.start": "2026-03-25", "programme.end": "2026-03-30"},
         r"programme\.start 2026-03-25 must lie inside window"),
        ({"programme.end": "2026-03-21"}, r"programme\.end 2026-03-21 must lie inside window"),
        ({"window.start": "2026-02-12"}, r"programme\.start 2026-02-10 must lie inside"),
        ({"staffing.overrides": {"2026-02-16": 1, "2026-04-01": 2}},
         r"staffing\.overrides dates \['2026-04-01'\] must lie inside window"),
    ],
)
def test_programme_and_override_dates_must_lie_inside_the_window(changes, match):
    with pytest.raises(ValueError, match=match):
        Scenario().updated(changes)


def test_programme_may_span_the_whole_window():
    s = Scenario().updated({"programme.start": "2026-01-20", "programme.end": "2026-03-20",
                            "staffing.overrides": {"2026-03-20": 5}})
    assert (s.programme.start, s.programme.end) == (s.window.start, s.window.end)


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"promise.working_days": 30}, False),  # default tiers reach 3 days late: 32
        ({"promise.working_days": 28}, True),  # 28 + 3 - 1 = 30
        ({"promise.working_days": 29}, False),
        ({"promise.working_days": 1, "compensation.tiers": [[30, 1.0]]}, True),
        ({"promise.working_days": 2, "compensation.tiers": [[30, 1.0]]}, False),
        ({"promise.working_days": 30, "compensation.tiers": []}, True),
    ],
)
def test_promise_plus_tiers_must_fit_the_deadline_calendar(changes, ok):
    if ok:
        s = Scenario().updated(changes)
        assert s.promise.working_days == changes["promise.working_days"]
        assert s.compensation.tiers == tuple(
            tuple(t) for t in changes.get("compensation.tiers", Scenario().compensation.tiers))
    else:
        with pytest.raises(ValueError, match=r"promise\.working_days \(\d+\) \+ the largest "
                           r"compensation\.tiers days_late \(\d+\) - 1 must be <= 30"):
            Scenario().updated(changes)


# --- backlog: the queue open at window.start (re-planning mid-holiday) -------------------

BACKLOG = [["2026-01-18", 12000.0], ["2026-01-19", 30000]]  # window.start 2026-01-20


def test_backlog_is_stored_sorted_as_dated_floats():
    s = Scenario().updated({"backlog.parcels": BACKLOG[::-1]})
    assert s.backlog.parcels == ((dt.date(2026, 1, 18), 12000.0), (dt.date(2026, 1, 19), 30000.0))
    assert Scenario().updated({"backlog": {"parcels": {"2026-01-19": 30000}}}).backlog == \
        Backlog(parcels=[[dt.date(2026, 1, 19), 30000.0]])
    assert Scenario().backlog.parcels == ()


@pytest.mark.parametrize(
    ("parcels", "match"),
    [
        ([["2026-01-20", 5.0]], r"backlog\.parcels dates \['2026-01-20'\] must lie before "
                                r"window\.start, at most 60 days before it "
                                r"\(2025-11-21 \.\. 2026-01-19\)"),
        ([["2026-02-01", 5.0]], r"backlog\.parcels dates \['2026-02-01'\] must lie before"),
        ([["2025-11-20", 5.0]], r"backlog\.parcels dates \['2025-11-20'\] must lie before"),
        ([["2026-01-19", -1.0]], r"backlog\.parcels\['2026-01-19'\]: parcels must be >= 0, "
                                 r"got -1\.0"),
        ([["2026-01-19", "many"]], r"backlog\.parcels\['2026-01-19'\]: parcels must be a number"),
        ([["2026-01-19", float("inf")]], r"backlog\.parcels\['2026-01-19'\]: parcels must be"),
        ([["19 Jan", 5.0]], r"backlog\.parcels\['19 Jan'\]: date must be an ISO date"),
        ([["2026-01-19", 1.0], ["2026-01-19", 2.0]],
         r"backlog\.parcels must not repeat a date, got \['2026-01-19'\] more than once"),
        (5, r"backlog\.parcels must be a table or a list of \[date, parcels\] pairs, got 5"),
        ([["2026-01-19", 1.0, 2.0]], r"backlog\.parcels must be a list of \[date, parcels\] "
                                     r"pairs, got item"),
    ],
)
def test_bad_backlog_names_the_key_the_value_and_what_is_allowed(parcels, match):
    with pytest.raises(ValueError, match=match):
        Scenario().updated({"backlog.parcels": parcels})


def test_backlog_dates_follow_the_window():
    s = Scenario().updated({"backlog.parcels": BACKLOG})
    with pytest.raises(ValueError, match=r"backlog\.parcels dates \['2026-01-19'\]"):
        s.updated({"window.start": "2026-01-19"})
    moved = s.updated({"window.start": "2026-02-01", "backlog.parcels": [["2026-01-31", 1.0]]})
    assert moved.backlog.parcels == ((dt.date(2026, 1, 31), 1.0),)
    with pytest.raises(ValueError, match="backlog.parcels"):
        Backlog(parcels=[["2026-01-19", -3]])


def test_backlog_round_trips_through_toml_dicts_updated_and_the_hash(tmp_path):
    s = Scenario().updated({"backlog.parcels": BACKLOG})
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.from_dict(s.to_dict(flat=True)) == s
    assert Scenario.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert Scenario.from_toml(write_toml(s, tmp_path / "s.toml")) == s
    assert s.to_dict()["backlog"] == {"parcels": [["2026-01-18", 12000.0],
                                                  ["2026-01-19", 30000.0]]}
    path = tmp_path / "replan.toml"  # as a planner writes it: TOML dates, a table or a list
    path.write_text("[backlog]\nparcels = [[2026-01-18, 12000.0], [2026-01-19, 30000.0]]\n")
    assert Scenario.from_toml(path) == s
    path.write_text("[backlog.parcels]\n2026-01-18 = 12000.0\n2026-01-19 = 30000.0\n")
    assert Scenario.from_toml(path) == s
    assert s.config_hash() != Scenario().config_hash()
    assert s.config_hash() != s.updated({"backlog.parcels": BACKLOG[:1]}).config_hash()
    assert s.updated({"backlog.parcels": []}).config_hash() == Scenario().config_hash()


def test_an_empty_backlog_keeps_the_hash_of_scenarios_written_before_it_existed():
    # the default scenario's hash before [backlog] was added
    assert Scenario().config_hash() == "fecbe9acc7c60f36"
    assert "backlog" in Scenario().to_dict()  # still in the dict papermill injects


def test_for_lny_moves_every_date_by_the_same_days_keeping_offsets_to_lny():
    s = Scenario().updated({"staffing.overrides": [["2026-02-18", 900]],
                            "backlog.parcels": [["2026-01-18", 5000]]})
    moved = s.for_lny(2027)
    days = (moved.lny - s.lny).days
    assert moved.lny == dt.date(2027, 2, 6) and days == 354
    shift = dt.timedelta(days=days)
    assert (moved.window.start, moved.window.end) == (s.window.start + shift, s.window.end + shift)
    assert (moved.programme.start, moved.programme.end) == (s.programme.start + shift,
                                                            s.programme.end + shift)
    assert moved.staffing.overrides == ((dt.date(2026, 2, 18) + shift, 900.0),)
    assert moved.backlog.parcels == ((dt.date(2026, 1, 18) + shift, 5000.0),)
    same = {k: v for k, v in moved.to_dict().items() if k not in ("window", "programme",
                                                                  "staffing", "backlog")}
    assert same == {k: v for k, v in s.to_dict().items() if k in same}
    assert s.for_lny(2026) is s and moved.for_lny(2026) == s


@pytest.mark.parametrize("year", [1800, 2100, 2026.5, True])
def test_for_lny_names_the_years_it_can_plan(year):
    with pytest.raises(ValueError, match="an integer in 1901..2099"):
        Scenario().for_lny(year)


def test_a_window_without_lny_has_no_lny_to_move():
    s = Scenario().updated({"window.start": "2026-04-01", "window.end": "2026-05-31",
                            "programme.start": "2026-04-10", "programme.end": "2026-04-20"})
    with pytest.raises(ValueError, match="contains no Lunar New Year day"):
        s.for_lny(2027)


def test_a_window_with_two_lnys_is_refused_and_a_move_that_would_make_one_too():
    long = Scenario().updated({"window.start": "2025-02-20", "window.end": "2026-02-19",
                               "programme.end": "2026-02-18"})
    assert long.lny == dt.date(2026, 2, 17)
    with pytest.raises(ValueError, match="cannot be moved to LNY 2027: its window would be "
                                         "2026-02-09 .. 2027-02-08"):
        long.for_lny(2027)
    both = Scenario().updated({"window.start": "2026-02-10", "window.end": "2027-02-08",
                               "programme.end": "2026-02-18"})
    with pytest.raises(ValueError, match=r"holds two Lunar New Years \(2026-02-17 and "
                                         r"2027-02-06\).*set \[window\] start and end"):
        both.lny


def test_for_lny_takes_numpy_years_and_moves_compact_iso_strings():
    import numpy as np

    from forecast.scenario import shift_dates

    assert Scenario().for_lny(np.int64(2027)).lny == dt.date(2027, 2, 6)
    assert shift_dates(["20260212", "total", 5, dt.datetime(2026, 2, 12, 9)], 1) == [
        "2026-02-13", "total", 5, dt.datetime(2026, 2, 13, 9)]
