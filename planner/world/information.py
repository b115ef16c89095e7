"""The information set of a decision time: everything published by then, and nothing else.

Every forecaster, the scenario generator's conditioning and the rolling driver receive an
:class:`InformationSet` instead of the world: a :class:`History` holds the whole record and
:meth:`History.at` cuts it to what was published by a decision time, under the publication rules
of :mod:`planner.domain.publication`:

- settlement prices: an interval is published when it ends;
- temperatures: a reading is known at its time (a site's own sensors);
- daily market data (BTC close, network hashrate, hashprice): a UTC day is published when it
  closes;
- grid load: an hour is published :data:`~planner.domain.publication.LOAD_LAG` after it ends;
- outage events: known from their start; their end only once it has passed;
- forecasts: a forecast is known from its issue time.

A consumer that reads only its :class:`InformationSet` cannot see the future; the property tests
(``tests/engine/test_no_leak.py``) change everything after a decision time and check that no
decision at or before it moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.domain.publication import LOAD_LAG
from planner.errors import ConfigError
from planner.world.scenarios import Scenario

__all__ = ["History", "InformationSet", "scenario_history"]

DAY = pd.Timedelta(days=1)


def _empty(columns: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns), index=pd.DatetimeIndex([], tz="UTC", name="time"))


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start": pd.Series([], dtype="datetime64[ns, UTC]"),
            "end": pd.Series([], dtype="datetime64[ns, UTC]"),
            "site_id": pd.Series([], dtype=object),
        }
    )


@dataclass(frozen=True, eq=False)
class InformationSet:
    """What was published by one decision time.

    Attributes
    ----------
    at
        The decision time, UTC.
    prices
        Settled prices [USD/MWh], indexed by interval start, one column per node (or site);
        only intervals that ended by ``at``.
    price_interval
        Length of the price intervals.
    temperature
        Observed temperatures [degC], indexed by reading time, one column per site; readings
        up to ``at``.
    market
        Daily market data (``btc_price_usd``, ``network_hashrate_eh_s``,
        ``hashprice_usd_per_th_day``, whichever the record has), indexed by UTC day; days closed
        by ``at``.
    load
        Hourly grid load [MW], indexed by hour start, one column per area; hours published by
        ``at``.
    outages
        Outage events (``start``, ``end``, ``site_id``) begun by ``at``; ``end`` is NaT while the
        outage is not over at ``at``.
    forecasts
        By name, every issue of that forecast made by ``at``: a frame indexed by target (a time
        or a day) with an ``issued`` column (:meth:`newest` keeps the newest per target).
    """

    at: pd.Timestamp
    prices: pd.DataFrame
    price_interval: pd.Timedelta
    temperature: pd.DataFrame = field(default_factory=_empty)
    market: pd.DataFrame = field(default_factory=_empty)
    load: pd.DataFrame = field(default_factory=_empty)
    outages: pd.DataFrame = field(default_factory=_empty_events)
    forecasts: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def newest(self, name: str) -> pd.DataFrame:
        """The newest issue of forecast ``name`` for each target (empty if none was issued)."""
        issues = self.forecasts.get(name)
        if issues is None:
            return pd.DataFrame(columns=["issued"])
        ordered = issues.sort_values("issued", kind="stable")
        return ordered[~ordered.index.duplicated(keep="last")].sort_index()

    def as_of(self, when: pd.Timestamp | str) -> InformationSet:
        """The information set of an earlier time ``when`` (at most :attr:`at`)."""
        when = _utc(when)
        if when > self.at:
            raise ConfigError("information set", f"as_of({when}) is after its time {self.at}")
        return _cut(
            when,
            self.prices,
            self.price_interval,
            self.temperature,
            self.market,
            self.load,
            self.outages,
            self.forecasts,
        )


@dataclass(frozen=True, eq=False)
class History:
    """The whole record of the outside world, to be cut at decision times (:meth:`at`).

    Attributes are those of :class:`InformationSet`, over the whole record; ``forecasts`` maps a
    name to every issue of that forecast: a frame indexed by target with an ``issued`` column
    (UTC) and the forecast values.
    """

    prices: pd.DataFrame
    price_interval: pd.Timedelta
    temperature: pd.DataFrame = field(default_factory=_empty)
    market: pd.DataFrame = field(default_factory=_empty)
    load: pd.DataFrame = field(default_factory=_empty)
    outages: pd.DataFrame = field(default_factory=_empty_events)
    forecasts: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def at(self, when: pd.Timestamp | str) -> InformationSet:
        """What was published by ``when`` (UTC; naive times are taken as UTC)."""
        return _cut(
            _utc(when),
            self.prices,
            self.price_interval,
            self.temperature,
            self.market,
            self.load,
            self.outages,
            self.forecasts,
        )


def _utc(when: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _cut(
    at: pd.Timestamp,
    prices: pd.DataFrame,
    interval: pd.Timedelta,
    temperature: pd.DataFrame,
    market: pd.DataFrame,
    load: pd.DataFrame,
    outages: pd.DataFrame,
    forecasts: Mapping[str, pd.DataFrame],
) -> InformationSet:
    """Apply the publication rules (module docstring) at ``at``."""
    begun = outages[outages["start"] <= at].copy()
    if len(begun):
        begun["end"] = begun["end"].where(begun["end"] <= at)
    known = {name: issues[issues["issued"] <= at] for name, issues in forecasts.items()}
    return InformationSet(
        at=at,
        prices=prices[prices.index + interval <= at],
        price_interval=interval,
        temperature=temperature[temperature.index <= at],
        market=market[market.index + DAY <= at],
        load=load[load.index + pd.Timedelta(hours=1) + LOAD_LAG <= at],
        outages=begun,
        forecasts=known,
    )


def scenario_history(scenario: Scenario, site_ids: tuple[str, ...]) -> History:
    """A realised scenario as a :class:`History`.

    Prices and temperatures per site (hourly), the daily hashprice (read at each UTC day's last
    hour, with the day before the horizon when the scenario knows it), and the outages as events.
    """
    times = scenario.times
    days = times.floor("D")
    daily = pd.Series(scenario.hashprice_usd_per_th_day, index=days).groupby(level=0).last()
    before = scenario.hashprice_before_usd_per_th_day
    if not np.isnan(before):
        daily = pd.concat([pd.Series([before], index=[days[0] - DAY]), daily])
    hour = pd.Timedelta(hours=1)
    rows = [
        (times[0] + a * hour, times[0] + b * hour, site_id)
        for site_id, spans in zip(site_ids, scenario.outages, strict=True)
        for a, b in spans
    ]
    outages = pd.DataFrame(rows, columns=["start", "end", "site_id"]) if rows else _empty_events()
    return History(
        prices=pd.DataFrame(scenario.price_usd_per_mwh.T, index=times, columns=list(site_ids)),
        price_interval=hour,
        temperature=pd.DataFrame(scenario.temp_air_c.T, index=times, columns=list(site_ids)),
        market=pd.DataFrame({"hashprice_usd_per_th_day": daily.to_numpy()}, index=daily.index),
        outages=outages,
    )
