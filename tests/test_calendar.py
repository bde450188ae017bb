import datetime as dt

import lunardate
import numpy as np
import pandas as pd
import pytest

from forecast.calendar import (
    DEFAULT_LNY_PHASES,
    LnyPhase,
    WorkCalendar,
    days_to_lny,
    lny_holiday_table,
    lny_phase_frame,
    lunar_new_year,
    promise_deadlines,
    require_past_lny,
    summarize_history,
)
from forecast.data import DataError, load_history


def test_lunar_new_year_matches_independent_calendar_1901_2099():
    for year in range(1901, 2100):
        expected = lunardate.LunarDate(year, 1, 1).to_solar_date()
        assert lunar_new_year(year) == expected, year


@pytest.mark.parametrize("year", [1900, 2100, 2024.0, "2024", True])
def test_lunar_new_year_rejects_out_of_range_and_non_int(year):
    with pytest.raises(ValueError, match="year"):
        lunar_new_year(year)


def test_days_to_lny_is_signed_offset_to_nearest():
    ds = pd.to_datetime(["2024-01-20", "2024-02-09", "2024-02-10", "2024-02-24", "2024-08-01"])
    assert days_to_lny(ds).tolist() == [-21, -1, 0, 14, 173]


def test_phase_frame_marks_each_phase_once_per_year():
    ds = pd.date_range("2023-06-01", "2024-06-01")
    frame = lny_phase_frame(ds)
    for phase in DEFAULT_LNY_PHASES:
        assert frame[phase.name].sum() == phase.length
    assert frame.loc["2024-02-10", "closure"] == 1
    assert frame.loc["2024-01-20", "gift_surge"] == 1


def test_holiday_table_has_prophet_columns_and_windows():
    table = lny_holiday_table("2024-01-01", "2024-12-31")
    assert list(table.columns) == ["holiday", "ds", "lower_window", "upper_window"]
    closure = table[table.holiday == "closure"].iloc[0]
    assert closure.ds == pd.Timestamp("2024-02-10") and closure.upper_window == 3


def test_phases_validate():
    with pytest.raises(ValueError, match="start"):
        LnyPhase("bad", 3, 1)
    with pytest.raises(ValueError, match="overlap"):
        lny_phase_frame(["2024-01-01"], (LnyPhase("a", -5, 0), LnyPhase("b", 0, 3)))


def test_hk_working_days_around_lny_2024():
    ds = pd.date_range("2024-02-08", "2024-02-14")  # Thu .. Wed
    # Thu, Fri working; Sat 10 LNY; Sun; Mon 12 and Tue 13 holidays; Wed working.
    assert WorkCalendar("HK").is_working(ds).tolist() == [1, 1, 0, 0, 0, 0, 1]
    assert WorkCalendar("HK", "Mon-Fri").is_working(["2024-02-17"]).tolist() == [False]


def test_cn_make_up_working_day_counts():
    # 2024-02-04 (Sunday) and 2024-02-18 (Sunday) were make-up working days in China.
    cal = WorkCalendar("CN", "Mon-Fri")
    assert cal.is_working(["2024-02-04", "2024-02-12", "2024-02-18"]).tolist() == [
        True, False, True
    ]


@pytest.mark.parametrize(
    "arrival, deadline",
    [
        # LNY 2021 = Fri 12 Feb; HK holidays Fri 12, Sat 13, Mon 15; Mon-Sat working week.
        ("2021-02-08", "2021-02-11"),  # Mon -> Tue, Wed, Thu
        ("2021-02-09", "2021-02-16"),  # Tue -> Wed, Thu, Tue 16
        ("2021-02-11", "2021-02-18"),  # Thu -> Tue 16, Wed 17, Thu 18
        ("2021-02-13", "2021-02-18"),  # a holiday arrival counts from the next working day
        ("2021-02-16", "2021-02-19"),
        # LNY 2024 = Sat 10 Feb; HK holidays Sat 10, Mon 12, Tue 13.
        ("2024-02-06", "2024-02-09"),  # Tue -> Wed, Thu, Fri
        ("2024-02-07", "2024-02-14"),  # Wed -> Thu, Fri, Wed 14
        ("2024-02-09", "2024-02-16"),  # Fri -> Wed 14, Thu 15, Fri 16
        ("2024-02-10", "2024-02-16"),
    ],
)
def test_hk_promise_deadlines_hand_checked(arrival, deadline):
    assert promise_deadlines([arrival])[0] == pd.Timestamp(deadline)


def test_promise_deadlines_mon_fri_and_zero_days():
    # Thu 2024-02-15 -> Fri 16, (Sat 17 only in Mon-Sat), Mon 19, Tue 20.
    got = promise_deadlines(["2024-02-15"], calendar=WorkCalendar("HK", "Mon-Fri"))
    assert got[0] == pd.Timestamp("2024-02-20")
    assert promise_deadlines(["2024-02-15"])[0] == pd.Timestamp("2024-02-19")
    same = promise_deadlines(["2024-02-09"], working_days=0)
    assert same[0] == pd.Timestamp("2024-02-09")


def test_promise_deadlines_never_before_arrival_and_monotone():
    ds = pd.date_range("2019-01-01", "2026-12-31")
    due = promise_deadlines(ds)
    gap = (due - ds).days.to_numpy()
    assert (gap >= 3).all() and (np.diff(due.values.astype("int64")) >= 0).all()


@pytest.mark.parametrize("bad", [-1, 31, 2.5, "3"])
def test_promise_deadlines_rejects_bad_working_days(bad):
    with pytest.raises(ValueError, match="working_days"):
        promise_deadlines(["2024-01-01"], working_days=bad)


def test_promise_deadlines_with_a_sparse_working_week():
    # Sundays only: 30 working days after Mon 1 Jan 2024 is the 30th Sunday (HK holidays
    # on Sundays do not remove any: the Sunday itself is not a general holiday here).
    cal = WorkCalendar("HK", "Sun-Sun")
    due = promise_deadlines(["2024-01-01"], 30, cal)[0]
    assert due.day_of_week == 6 and cal.is_working([due])[0]
    assert int(cal.is_working(pd.date_range("2024-01-02", due)).sum()) == 30


def test_work_calendar_validates():
    with pytest.raises(ValueError, match="region"):
        WorkCalendar("XX")
    with pytest.raises(ValueError, match="workweek"):
        WorkCalendar("HK", "Monday to Friday")
    with pytest.raises(ValueError, match="calendar"):
        promise_deadlines(["2024-01-01"], calendar=3)
    with pytest.raises(ValueError, match="workweek must be a string"):
        WorkCalendar("HK", 5)


def test_lunar_new_year_returns_a_plain_date():
    # a datetime or Timestamp would compare unequal to dates elsewhere in the package
    day = lunar_new_year(np.int64(2025))
    assert type(day) is dt.date and day == dt.date(2025, 1, 29)


def test_summary_and_lny_requirement():
    df = load_history(pd.DataFrame({"ds": pd.date_range("2024-03-05", "2024-12-31"), "y": 1.0}))
    assert summarize_history(df)["n_lny"].tolist() == [0]
    with pytest.raises(DataError, match=r"no part of a Lunar New Year window \(LNY-28..LNY\+21\)"):
        require_past_lny(df)
    with pytest.warns(UserWarning, match="forecast run cannot plan it"):
        require_past_lny(df, strict=False)
    # part of a window is enough (the models fit it, shrunk to their priors)
    partial = load_history(pd.DataFrame({"ds": pd.date_range("2024-03-05", "2025-01-20"),
                                         "y": 1.0}))  # to LNY 2025 - 9
    assert summarize_history(partial)["lny_window_days"].tolist() == [20]
    require_past_lny(partial)


def test_hong_kong_general_holidays_count_good_friday():
    # Good Friday and the day after are general (not statutory) holidays in Hong Kong.
    due = promise_deadlines(["2026-04-02"], working_days=3, calendar="HK")
    assert due.strftime("%Y-%m-%d").tolist() == ["2026-04-10"]


def test_any_holidays_country_is_a_promise_calendar():
    # Taiwan, LNY 2025 (Wed 29 Jan): 25 Jan .. 2 Feb are days off; Mon-Fri working week.
    due = promise_deadlines(["2025-01-24"], working_days=1, calendar=WorkCalendar("TW", "Mon-Fri"))
    assert due.strftime("%Y-%m-%d").tolist() == ["2025-02-03"]


def test_lny_folds_need_training_history_and_an_observed_window():
    from forecast.calendar import WINDOW, lny_folds

    ds = pd.date_range("2021-01-01", "2024-02-20")  # LNY 2024: 10 Feb; window ends 24 Feb
    folds = lny_folds(ds)
    assert [f.lny.year for f in folds] == [2022, 2023]
    assert all(f.n_train >= 365 for f in folds)
    assert int(folds[0].window_mask().sum()) == WINDOW[1] - WINDOW[0] + 1
    assert [f.lny.year for f in lny_folds(ds, min_train_days=0)] == [2021, 2022, 2023]
    assert lny_folds(ds[:300]) == []
    with pytest.raises(ValueError, match="inside the horizon"):
        lny_folds(ds, origin_offset=-3)
