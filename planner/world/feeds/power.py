"""Prices per node and load per area for live and cache modes: files, gridstatus, fallbacks.

A node found in the configured prices file (an area in the load file) takes its values there;
hours the file does not cover are filled by :func:`planner.world.feeds.fill.persist`. A node missing
from the file can come from gridstatus (``FeedSources.gridstatus``; its answers are kept as CSV in
the cache directory and follow the same staleness rule as HTTP answers). Anything left gets
synthetic values driven by the fetched weather. Every choice is recorded in the run's freshness
and notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.errors import FeedError
from planner.world.feeds.fill import persist
from planner.world.feeds.sources import FeedSources, Freshness, FreshnessStatus
from weather import grid, schema, synthetic


class FeedRun(Protocol):
    """What the grid readers need of a live feed run
    (:class:`~planner.world.feeds.live.LiveRun`)."""

    fleet: Fleet
    mode: str
    seed: int
    sources: FeedSources
    times: pd.DatetimeIndex
    now: pd.Timestamp
    cache_dir: Path
    notes: list[str]
    freshness: dict[str, Freshness]

    def age(self, fetched: pd.Timestamp) -> float:
        """Hours from ``fetched`` to the run's clock [h]."""
        ...


__all__ = ["GRIDSTATUS_ISOS", "grid_load", "grid_prices", "mtime"]

#: ISOs the gridstatus adapter can fetch prices for (``Grid.iso``, case-insensitive).
GRIDSTATUS_ISOS = frozenset({"ercot", "caiso", "pjm", "miso", "spp", "nyiso", "isone"})

_DAY = pd.Timedelta(days=1)


def grid_prices(run: FeedRun, weather: pd.DataFrame) -> pd.DataFrame:
    """Hourly real-time price of every site's node over the run's horizon.

    Parameters
    ----------
    run
        The gathering (fleet, sources, horizon, notes and freshness it records into).
    weather
        Canonical weather with gap-free temperatures, driving the synthetic fallback.

    Returns
    -------
    pandas.DataFrame
        Canonical prices frame, index ``(node, time)`` [USD/MWh].

    Raises
    ------
    FeedError
        An unreadable prices file, or gridstatus failing with no young-enough cached prices.
    """
    nodes = list(dict.fromkeys(s.grid.node for s in run.fleet.sites))
    path = run.sources.prices_path
    table = _read_hourly(path, "prices", run.sources.prices_tz) if path else None
    columns: dict[str, np.ndarray] = {}
    synthetic_nodes: list[str] = []
    for node in nodes:
        feed = f"prices {node}"
        if table is not None and node in table.index.get_level_values("node"):
            assert path is not None
            observed = table.xs(node, level="node")["price_usd_per_mwh"]
            columns[node] = _persisted(run, node, feed, observed, path.name, mtime(path))
            continue
        iso = next(s.grid.iso for s in run.fleet.sites if s.grid.node == node).lower()
        if run.sources.gridstatus and iso in GRIDSTATUS_ISOS:
            observed, fetched, source = _gridstatus_prices(run, iso, node)
            columns[node] = _persisted(run, node, feed, observed, source, fetched)
            continue
        synthetic_nodes.append(node)
        run.freshness[feed] = Freshness("fallback", f"synthetic generator (seed {run.seed})")
    frames = [_canonical(columns, "node", "price_usd_per_mwh", run.times)] if columns else []
    if synthetic_nodes:
        where = f"not in {path.name}" if path else "no price source configured"
        run.notes.append(
            f"FALLBACK prices {', '.join(synthetic_nodes)}: {where}; synthetic prices driven "
            f"by the fetched weather (seed {run.seed}), not market data."
        )
        mapping = {s.id: s.grid.node for s in run.fleet.sites if s.grid.node in synthetic_nodes}
        frames.append(synthetic.synthetic_prices(weather, _locations(run), mapping, run.seed))
    return schema.validate(pd.concat(frames), "prices", "prices")


def grid_load(run: FeedRun, weather: pd.DataFrame) -> pd.DataFrame:
    """Hourly system load of every site's ISO (``grid.iso``) over the run's horizon.

    Parameters
    ----------
    run
        The gathering.
    weather
        Canonical weather with gap-free temperatures, driving the synthetic fallback.

    Returns
    -------
    pandas.DataFrame
        Canonical load frame, index ``(area, time)`` [MW].

    Raises
    ------
    FeedError
        An unreadable load file.
    """
    areas: dict[str, list[str]] = {}
    for s in run.fleet.sites:
        areas.setdefault(s.grid.iso, []).append(s.id)
    path = run.sources.load_path
    table = _read_hourly(path, "load", run.sources.load_tz) if path else None
    columns: dict[str, np.ndarray] = {}
    missing: dict[str, list[str]] = {}
    for area, site_ids in areas.items():
        feed = f"load {area}"
        if table is not None and area in table.index.get_level_values("area"):
            assert path is not None
            observed = table.xs(area, level="area")["load_mw"]
            columns[area] = _persisted(run, area, feed, observed, path.name, mtime(path))
        else:
            missing[area] = site_ids
            run.freshness[feed] = Freshness("fallback", f"synthetic generator (seed {run.seed})")
    frames = [_canonical(columns, "area", "load_mw", run.times)] if columns else []
    if missing:
        where = f"not in {path.name}" if path else "no load source configured"
        run.notes.append(
            f"FALLBACK load {', '.join(missing)}: {where}; synthetic load driven by the "
            f"fetched weather (seed {run.seed})."
        )
        frames.append(synthetic.synthetic_load(weather, missing, run.seed))
    return schema.validate(pd.concat(frames), "load", "load")


def _persisted(
    run: FeedRun,
    where: str,
    feed: str,
    observed: pd.Series,
    source: str,
    fetched: pd.Timestamp | None,
) -> np.ndarray:
    """``observed`` on the run's hours, gaps filled by persistence; records freshness and notes
    for the feed of node or area ``where``."""
    values, filled = persist(observed, run.times)
    age = run.age(fetched) if fetched is not None else None
    status: FreshnessStatus = "fallback" if filled else "fresh"
    run.freshness[feed] = Freshness(status, source, fetched, age, filled_hours={where: filled})
    if filled:
        last = observed.dropna().index.max()
        run.notes.append(
            f"FALLBACK {feed}: {source} covers {len(run.times) - filled} of "
            f"{len(run.times)} h (last value {last:%Y-%m-%d %H:%M} UTC); the other {filled} h "
            "repeat the same hour of the nearest observed week (persistence)."
        )
    return values


def _gridstatus_prices(
    run: FeedRun, iso: str, node: str
) -> tuple[pd.Series, pd.Timestamp | None, str]:
    """Recent prices of one node through gridstatus, kept as CSV in the cache directory."""
    feed = f"gridstatus {iso} prices"
    stored = run.cache_dir / "gridstatus" / f"prices_{iso}_{node}.csv"
    reason = "cache mode does not ask the provider"
    if run.mode == "live":
        try:
            frame = grid.to_hourly(
                grid.get_iso_prices(iso, run.now - 8 * _DAY, run.now, locations=[node])
            )
        except FeedError as exc:
            reason = exc.reason
        else:
            series = frame.xs(node, level="node")["price_usd_per_mwh"]
            stored.parent.mkdir(parents=True, exist_ok=True)
            tmp = stored.with_suffix(".tmp")
            series.to_csv(tmp, header=True)
            tmp.replace(stored)
            return series, run.now, f"gridstatus {iso} {node}"
    if not stored.is_file():
        raise FeedError(feed, f"{reason}; no cached prices for {node} in {stored.parent}")
    fetched = mtime(stored)
    age = run.age(fetched)
    if age > run.sources.max_stale_hours:
        raise FeedError(
            feed,
            f"{reason}; the cached prices for {node} are {age:.1f} h old, more than "
            f"max_stale_hours={run.sources.max_stale_hours:g}",
        )
    cached = pd.read_csv(stored, index_col=0)
    series = pd.Series(
        cached.iloc[:, 0].to_numpy(float), index=pd.to_datetime(cached.index, utc=True)
    )
    run.notes.append(f"STALE {feed} {node}: {reason}; using prices cached {age:.1f} h ago.")
    return series, fetched, f"{stored} (stale)"


def _read_hourly(path: Path, kind: str, tz: str | None) -> pd.DataFrame:
    reader = grid.read_prices if kind == "prices" else grid.read_load
    frame = reader(path, tz=tz)
    return grid.to_hourly(frame) if kind == "prices" else frame


def _canonical(
    columns: Mapping[str, np.ndarray], level: str, column: str, times: pd.DatetimeIndex
) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([list(columns), times], names=[level, "time"])
    return pd.DataFrame({column: np.concatenate(list(columns.values()))}, index=index)


def mtime(path: Path) -> pd.Timestamp:
    """A file's modification time, UTC."""
    return pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC")


def _locations(run: FeedRun) -> list[synthetic.Location]:
    return [synthetic.Location(s.id, s.latitude, s.longitude, s.timezone) for s in run.fleet.sites]
