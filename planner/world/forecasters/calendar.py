"""Calendar features of local days for load forecasters: weekday, off day, day of year."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

__all__ = ["calendar_table"]


def calendar_table(days: pd.DatetimeIndex) -> pd.DataFrame:
    """Calendar features of local days: weekday (0 = Monday), off day, day of year.

    ``off_day`` is 1 on Saturdays, Sundays and U.S. federal holidays (pandas'
    ``USFederalHolidayCalendar``: Memorial Day, Juneteenth, Independence Day, Labor Day...).
    """
    days = pd.DatetimeIndex(days).normalize()
    holidays = [h for y in sorted(set(days.year)) for h in _holidays(int(y))]
    weekday = np.asarray(days.day_of_week)
    off = (weekday >= 5) | np.asarray(days.isin(holidays))
    return pd.DataFrame(
        {
            "weekday": weekday.astype(float),
            "off_day": off.astype(float),
            "day_of_year": np.asarray(days.day_of_year, dtype=float),
        },
        index=days,
    )


@lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[pd.Timestamp, ...]:
    """U.S. federal holidays of a year (computed once: the calendar takes ~0.1 s a call)."""
    found = USFederalHolidayCalendar().holidays(f"{year}-01-01", f"{year}-12-31")
    return tuple(pd.DatetimeIndex(found))
