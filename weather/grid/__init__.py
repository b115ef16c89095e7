"""Grid prices and load: files (CSV or Parquet, wide or long), the gridstatus adapter, EIA demand.

Everything here ends in a canonical frame (see :mod:`weather.schema`):

- prices: index ``(node, time)``, column ``price_usd_per_mwh`` [USD/MWh];
- load: index ``(area, time)``, column ``load_mw`` [MW].

``time`` is the tz-aware UTC *start* of each interval.

Time columns
------------
A file may carry several time columns (ERCOT exports carry ``hour_start_local`` *and*
``hour_start_utc``). Unless ``time_column`` is given, the reader picks, in order of preference:

1. a column whose name says UTC (``..._utc``, ``utc_...``);
2. a column whose values carry explicit UTC offsets (``2021-11-07T01:00:00-05:00``);
3. a column of naive wall-clock times, which then needs ``tz`` (an IANA zone such as
   ``America/Chicago``).

A column whose name says *ending* or *end* (``hour_ending_utc``, ``interval_end``) holds interval
ends; it is shifted back by the interval length (the most common step between successive times of
one node or area) to give interval starts.

Naive local times are converted DST-safely, never by guessing silently:

- a wall time that does not exist (02:00-02:59 on the spring-forward day in US zones) is an error;
- a wall time that occurs twice (01:00-01:59 on the fall-back day) must appear twice for the same
  node: the first occurrence in file order is daylight time, the second standard time, which is how
  every chronological export lists them. A repeated wall time that appears only once cannot be
  placed and is an error naming the line.

Values
------
Empty cells are missing values and stay ``NaN`` (gaps stay visible). Per node (or area), leading and
trailing missing values are dropped (a node that had not started reporting yet, like ERCOT's
``LZ_WEST`` before 2023), and a node with no values at all is dropped. Any other non-numeric value
is an error naming the file, column, line and value.

Modules
-------
``frames`` (what tells a prices frame from a load frame; value cells), ``times`` (time cells to
UTC, DST-safe), ``files`` (:func:`read_prices`, :func:`read_load`), ``hourly``
(:func:`to_hourly`), ``iso`` (the gridstatus adapter: :func:`get_iso_prices`,
:func:`get_iso_load`). :func:`get_eia_demand` lives in :mod:`weather.eia`.
"""

from weather.eia import get_eia_demand
from weather.grid.files import read_load, read_prices
from weather.grid.frames import LABEL_COLUMNS as LABEL_COLUMNS
from weather.grid.hourly import to_hourly
from weather.grid.iso import get_iso_load, get_iso_prices

__all__ = [
    "get_eia_demand",
    "get_iso_load",
    "get_iso_prices",
    "read_load",
    "read_prices",
    "to_hourly",
]
