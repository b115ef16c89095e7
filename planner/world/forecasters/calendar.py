"""Calendar features of local days for load forecasters: weekday, off day, day of year."""

from __future__ import annotations

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
    holidays = USFederalHolidayCalendar().holidays(days.min(), days.max()) if len(days) else []
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
