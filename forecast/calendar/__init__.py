"""Calendar facts, one source each: LNY dates, phases, window and backtest folds
(:mod:`~forecast.calendar.lny`); public holidays, working days and promise deadlines
(:mod:`~forecast.calendar.workdays`); what a history covers
(:mod:`~forecast.calendar.history`).
"""

from forecast.calendar.history import (
    LNY_REACH,
    in_lny_window,
    lny_window_days,
    require_past_lny,
    summarize_history,
)
from forecast.calendar.lny import (
    DEFAULT_LNY_PHASES,
    HORIZON,
    ORIGIN_OFFSET,
    WINDOW,
    LnyFold,
    LnyPhase,
    days_to_lny,
    lny_year_of,
    lny_dates,
    lny_folds,
    lny_holiday_table,
    lny_phase_frame,
    lny_phase_table,
    lunar_new_year,
)
from forecast.calendar.workdays import (
    WorkCalendar,
    holiday_calendar,
    promise_deadlines,
    supported_countries,
)

__all__ = [
    "LnyPhase", "DEFAULT_LNY_PHASES", "WINDOW", "ORIGIN_OFFSET", "HORIZON", "LnyFold",
    "lunar_new_year", "lny_dates", "days_to_lny", "lny_year_of", "lny_phase_frame", "lny_holiday_table",
    "lny_phase_table", "lny_folds", "WorkCalendar", "holiday_calendar", "promise_deadlines",
    "supported_countries", "summarize_history", "require_past_lny", "LNY_REACH", "in_lny_window", "lny_window_days",
]
