"""Live and cache-mode feeds: providers first, the HTTP cache as the fallback.

See :mod:`planner.world.feeds` for the rules. One :class:`LiveRun` gathers one bundle: it opens an
online session (live mode) and an offline one on the same :mod:`weather.http` cache, asks each
provider, and when a provider fails or its weather answer lacks too many hours (or in cache mode,
always) serves the newest cached answer for the same endpoint and sites that is within the gap
limits of :mod:`planner.world.feeds.gaps`, if it is young enough.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import requests

from planner.domain.fleet import Fleet, Site
from planner.errors import ConfigError, FeedError
from planner.world.feeds.bundle import ALERTS_FEED, Feeds
from planner.world.feeds.gaps import Gaps, gap_problem, weather_gaps
from planner.world.feeds.power import grid_load, grid_prices, mtime
from planner.world.feeds.sources import FeedSources, Freshness, FreshnessStatus, default_cache_dir
from planner.world.hazards import (
    OutageHazard,
    fleet_hazards,
    hazard_table_from_events,
    packaged_hazard_table,
)
from weather import http, nws, openmeteo, schema, synthetic
from weather.outages import read_oe417
from weather.schema import empty_events
from weather.sqlite_cache import cached_responses

__all__ = ["MAX_FORECAST_DAYS", "RECENT_PAST_DAYS", "LiveRun", "is_us_site"]

#: Days ahead of today (UTC) that Open-Meteo forecasts reach [d].
MAX_FORECAST_DAYS = 16
#: Days before today served by the forecast API rather than the archive, which lags ~5 days [d].
RECENT_PAST_DAYS = 7
#: Ensemble variables fetched: the scenarios use member temperatures only.
ENSEMBLE_VARIABLES: tuple[str, ...] = ("temp_air_c",)
#: Countries (ISO 3166) whose sites NWS covers: the U.S. and its territories.
NWS_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})

_HOUR = pd.Timedelta(hours=1)
_DAY = pd.Timedelta(days=1)


class _Recorder:
    """Response hook keeping the last answer a cached session produced (for its ``created_at``)."""

    def __init__(self) -> None:
        self.last: requests.Response | None = None

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if getattr(response, "from_cache", None) is not None:  # the cache layer's final call
            self.last = response


@dataclass(frozen=True)
class _Match:
    """Which cached answers can stand in for a request: endpoint path and coordinates."""

    path: str
    coords: tuple[tuple[float, float], ...]
    params: tuple[tuple[str, str], ...] = ()

    def accepts(self, url: str) -> bool:
        parts = urlsplit(url)
        if not parts.path.rstrip("/").endswith(self.path):
            return False
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if any(query.get(k) != v for k, v in self.params):
            return False
        try:
            if "point" in query:
                lat, lon = query["point"].split(",")
                coords = [(float(lat), float(lon))]
            else:
                lats = query["latitude"].split(",")
                lons = query["longitude"].split(",")
                coords = [(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
        except (KeyError, ValueError):
            return False
        return len(coords) == len(self.coords) and all(
            abs(a - c) < 1e-4 and abs(b - d) < 1e-4
            for (a, b), (c, d) in zip(coords, self.coords, strict=True)
        )


class LiveRun:
    """One live or cache-mode gathering: sessions, clock, notes and freshness; see the module."""

    def __init__(
        self,
        fleet: Fleet,
        start: pd.Timestamp | str,
        hours: int,
        mode: str,
        seed: int,
        sources: FeedSources,
        now: pd.Timestamp | datetime | str | None,
    ) -> None:
        self.fleet = fleet
        self.mode = mode
        self.seed = seed
        self.sources = sources
        self.times = synthetic.hourly_index(start, hours).as_unit("us")  # as parsers give
        self.now = _utc(now if now is not None else datetime.now(UTC))
        self.today = self.now.floor("D")
        self.cache_dir = sources.cache_dir or default_cache_dir()
        self.notes: list[str] = []
        self.freshness: dict[str, Freshness] = {}
        self.recorder = _Recorder()
        self.options: http.FetchOptions = {
            "timeout": sources.timeout_s,
            "retries": sources.retries,
            "backoff": sources.backoff_s,
        }
        self.ids = [s.id for s in fleet.sites]
        self.coords = tuple((s.latitude, s.longitude) for s in fleet.sites)

    # ---------------------------------------------------------------- assembly

    def feeds(self) -> Feeds:
        last = self.today + pd.Timedelta(days=MAX_FORECAST_DAYS)
        if self.times[-1] >= last:
            end = self.times[-1] + _HOUR
            raise ConfigError(
                "feeds",
                f"hours: live weather reaches {MAX_FORECAST_DAYS} days ahead (to "
                f"{last:%Y-%m-%d %H:%M} UTC); the horizon ends {end:%Y-%m-%d %H:%M} UTC",
            )
        verb = "Live feeds" if self.mode == "live" else "Cache-only feeds (no network used)"
        self.notes.append(
            f"{verb} as of {self.now:%Y-%m-%d %H:%M} UTC; HTTP cache in {self.cache_dir}; cached "
            f"answers accepted up to {self.sources.max_stale_hours:g} h old."
        )
        self.offline = http.make_session(self.cache_dir, self.sources.user_agent, offline=True)
        cap = self.sources.max_response_mb
        self.online = (
            http.make_session(
                self.cache_dir,
                self.sources.user_agent,
                max_response_bytes=None if cap is None else round(cap * 1e6),
            )
            if self.mode == "live"
            else None
        )
        if self.online is not None:
            self.online.hooks["response"].append(self.recorder)
        try:
            weather = self.weather()
            ensemble = self.ensemble()
            alerts = self.alerts()
        finally:
            self.offline.close()
            if self.online is not None:
                self.online.close()
        filled = _filled_weather(weather)
        prices = grid_prices(self, filled)
        load = grid_load(self, filled)
        market = synthetic.synthetic_market(self.times[0], len(self.times), self.seed)
        self.freshness["market"] = Freshness("fallback", f"synthetic generator (seed {self.seed})")
        self.notes.append(
            f"Market: synthetic BTC price and network hashrate paths (seed {self.seed}); no live "
            "market feed yet."
        )
        hazards, outages = self.hazards()
        return Feeds(
            times=self.times,
            weather=weather,
            prices=prices,
            load=load,
            market=market,
            ensemble=ensemble,
            alerts=alerts,
            outages=outages,
            mode=self.mode,
            notes=tuple(self.notes),
            hazards=hazards,
            freshness=dict(self.freshness),
        )

    # ---------------------------------------------------------------- HTTP feeds with fallback

    def http_feed(
        self,
        feed: str,
        *,
        live: Callable[[requests.Session], pd.DataFrame],
        match: _Match,
        parse: Callable[[Any], pd.DataFrame],
        window: pd.DatetimeIndex | None,
        what: str,
        required: bool = True,
    ) -> pd.DataFrame | None:
        """Fetch one HTTP feed live, or fall back to the newest usable cached answer.

        With a ``window`` (weather), an answer is usable only within the gap limits of
        :mod:`planner.world.feeds.gaps`; its filled hours per site go into the feed's freshness.
        """
        if self.online is not None:
            self.recorder.last = None
            try:
                frame = live(self.online)
            except FeedError as exc:
                reason = exc.reason
            else:
                answer = self.recorder.last
                frame, gaps, problem = self._judge(frame, window)
                if problem is None:
                    fetched = _created_at(answer, self.now)
                    cached = bool(getattr(answer, "from_cache", False))
                    url = _bare_url(answer.url if answer is not None else None, feed)
                    self._record(
                        feed,
                        Freshness(
                            "fresh",
                            f"GET {url}" + (" (HTTP cache)" if cached else ""),
                            fetched,
                            self.age(fetched),
                        ),
                        gaps,
                    )
                    return frame
                reason = problem
                if answer is not None:  # never serve this answer again, from any session
                    http.forget_response(self.online, answer)
        else:
            reason = "cache mode does not ask the provider"
        hit, refused = self._newest_cached(match, parse, window)
        if hit is None:
            problem = f"{reason}; no cached answer for {what} in {self.cache_dir}"
            if refused:
                problem += (
                    f" within the gap limits ({refused} cached answer(s) lack too many hours)"
                )
            if self.mode == "cache":
                problem += "; run once in live mode to fill the cache"
            self._unavailable(feed, problem, required)
            return None
        frame, gaps, answer = hit
        fetched = _created_at(answer, self.now)
        age = self.age(fetched)
        if age > self.sources.max_stale_hours:
            problem = (
                f"{reason}; the newest cached answer for {what} is {age:.1f} h old (fetched "
                f"{fetched:%Y-%m-%d %H:%M} UTC), more than max_stale_hours="
                f"{self.sources.max_stale_hours:g}"
            )
            self._unavailable(feed, problem, required)
            return None
        expired = bool(getattr(answer, "is_expired", True))
        status: FreshnessStatus = "stale" if self.mode == "live" or expired else "fresh"
        source = f"HTTP cache: GET {_bare_url(answer.url, feed)}"
        self._record(feed, Freshness(status, source, fetched, age), gaps)
        if status == "stale":
            why = "failed" if self.mode == "live" else "was not asked (cache mode)"
            detail = f" ({reason})" if self.mode == "live" else ""
            self.notes.append(
                f"STALE {feed}: the provider {why}{detail}; using the cached answer of "
                f"{fetched:%Y-%m-%d %H:%M} UTC, {age:.1f} h old."
            )
        return frame

    def _judge(
        self, frame: pd.DataFrame, window: pd.DatetimeIndex | None
    ) -> tuple[pd.DataFrame, dict[str, Gaps], str | None]:
        """The answer cut to ``window``, its gaps per site, and why it is unusable (or None)."""
        if window is None:
            return frame, {}, None
        frame = _window(frame, window)
        gaps = weather_gaps(frame, window, self.ids)
        limits = self.sources.max_gap_hours, self.sources.max_missing_share
        return frame, gaps, gap_problem(gaps, *limits)

    def _record(self, feed: str, fresh: Freshness, gaps: dict[str, Gaps]) -> None:
        """Keep a feed's freshness, with a note naming every site whose hours were filled."""
        self.freshness[feed] = replace(fresh, filled_hours=_filled(gaps))
        filled = [
            f"{g.missing_h} of {g.hours} h at site {s}" for s, g in gaps.items() if g.missing_h
        ]
        if filled:
            self.notes.append(
                f"FILLED {feed}: {', '.join(filled)} had no temperature and are interpolated "
                f"(limits: {self.sources.max_gap_hours} h in a row, "
                f"{self.sources.max_missing_share:.0%} of the hours)."
            )

    def _unavailable(self, feed: str, problem: str, required: bool) -> None:
        """Raise for a required feed; mark an optional one missing, with the reason."""
        if required:
            raise FeedError(feed, problem)
        self.freshness[feed] = Freshness("missing", "none", detail=problem)
        self.notes.append(f"MISSING {feed} (optional): {problem}.")

    def _newest_cached(
        self,
        match: _Match,
        parse: Callable[[Any], pd.DataFrame],
        window: pd.DatetimeIndex | None,
    ) -> tuple[tuple[pd.DataFrame, dict[str, Gaps], Any] | None, int]:
        """The newest usable cached answer (frame, gaps, answer), and how many were refused for
        their gaps."""
        answers = [
            r
            for r in cached_responses(self.offline)
            if r.status_code == 200 and match.accepts(r.url)
        ]
        answers.sort(key=lambda r: r.created_at, reverse=True)
        refused = 0
        for answer in answers:
            try:
                frame = parse(answer.json())
            except (FeedError, ValueError):
                continue  # a cached answer that no longer parses cannot stand in
            frame, gaps, problem = self._judge(frame, window)
            if problem is None:
                return (frame, gaps, answer), refused
            refused += 1
        return None, refused

    def age(self, fetched: pd.Timestamp) -> float:
        """Hours from ``fetched`` to now, never negative [h]."""
        return max(0.0, (self.now - fetched) / _HOUR)

    # ---------------------------------------------------------------- weather

    def weather(self) -> pd.DataFrame:
        cutoff = self.today - pd.Timedelta(days=RECENT_PAST_DAYS)
        past = self.times[self.times < cutoff]
        recent = self.times[self.times >= cutoff]
        sites = list(self.fleet.sites)
        parts = []
        if len(past):
            parts.append(
                self.http_feed(
                    "open-meteo archive",
                    live=lambda s: openmeteo.get_archive(
                        s,
                        sites,
                        past[0].date(),
                        past[-1].date(),
                        base_url=self.sources.archive_url,
                        **self.options,
                    ),
                    match=_Match("/v1/archive", self.coords),
                    parse=lambda p: openmeteo.parse_archive(p, self.ids),
                    window=past,
                    what=_sites_text(self.ids),
                )
            )
        if len(recent):
            parts.append(
                self.http_feed(
                    "open-meteo forecast",
                    live=lambda s: openmeteo.get_forecast(
                        s,
                        sites,
                        start=recent[0].date(),
                        end=recent[-1].date(),
                        base_url=self.sources.forecast_url,
                        **self.options,
                    ),
                    match=_Match("/v1/forecast", self.coords),
                    parse=lambda p: openmeteo.parse_forecast(p, self.ids),
                    window=recent,
                    what=_sites_text(self.ids),
                )
            )
        frame = pd.concat([p for p in parts if p is not None])
        index = pd.MultiIndex.from_product([self.ids, self.times], names=["site_id", "time"])
        frame = frame[~frame.index.duplicated(keep="last")].reindex(index)
        return schema.validate(frame, "weather", "live weather")

    def ensemble(self) -> pd.DataFrame | None:
        models = self.sources.ensemble_models
        if not models:
            self.freshness["open-meteo ensemble"] = Freshness("missing", "not configured")
            return None
        if self.times[-1] < self.now:
            self.freshness["open-meteo ensemble"] = Freshness("missing", "past horizon")
            self.notes.append("Ensemble: not fetched; the horizon is in the past.")
            return None
        first, last = self.times[0].floor("D"), self.times[-1].floor("D")
        forecast_days = min(MAX_FORECAST_DAYS, max(1, (last - self.today).days + 1))
        past_days = min(92, max(0, (self.today - first).days))
        sites = list(self.fleet.sites)
        frame = self.http_feed(
            "open-meteo ensemble",
            live=lambda s: openmeteo.get_ensemble(
                s,
                sites,
                models=models,
                forecast_days=forecast_days,
                past_days=past_days,
                variables=ENSEMBLE_VARIABLES,
                base_url=self.sources.ensemble_url,
                **self.options,
            ),
            match=_Match("/v1/ensemble", self.coords, (("models", ",".join(models)),)),
            parse=lambda p: openmeteo.parse_ensemble(p, self.ids, variables=ENSEMBLE_VARIABLES),
            window=self.times,
            what=f"{_sites_text(self.ids)}, models {','.join(models)}",
            required=False,
        )
        if frame is None:
            return None
        members = sorted(frame.index.get_level_values("member").unique())
        index = pd.MultiIndex.from_product(
            [self.ids, members, self.times], names=["site_id", "member", "time"]
        )
        return schema.validate(frame.reindex(index), "weather", "open-meteo ensemble")

    # ---------------------------------------------------------------- alerts

    def alerts(self) -> pd.DataFrame:
        tables = []
        reaches_now = self.times[-1] + _HOUR > self.now
        for site in self.fleet.sites:
            feed = f"{ALERTS_FEED}{site.id}"
            if not is_us_site(site):
                self.freshness[feed] = Freshness("missing", "not a U.S. site")
                self.notes.append(
                    f"Alerts: none fetched for {site.id} ({site.timezone} is not a U.S. time "
                    "zone; NWS covers U.S. sites only)."
                )
                continue
            if not reaches_now:
                self.freshness[feed] = Freshness("missing", "past horizon")
                continue

            def get(s: requests.Session, site: Site = site) -> pd.DataFrame:
                return nws.get_alerts(
                    s,
                    site.latitude,
                    site.longitude,
                    site_id=site.id,
                    base_url=self.sources.nws_url,
                    **self.options,
                )

            table = self.http_feed(
                feed,
                live=get,
                match=_Match("/alerts/active", ((site.latitude, site.longitude),)),
                parse=partial(nws.parse_alerts, site_id=site.id),
                window=None,
                what=f"site {site.id}",
                required=False,  # context for the plan: without it the job runs on
            )
            if table is not None and not table.empty:
                tables.append(table)
        if not reaches_now:
            self.notes.append(
                "Alerts: not fetched; NWS serves active alerts and the horizon is past."
            )
        if not tables:
            return empty_events()
        return schema.validate(pd.concat(tables, ignore_index=True), "events", "nws alerts")

    # ---------------------------------------------------------------- hazards

    def hazards(self) -> tuple[dict[str, OutageHazard], pd.DataFrame]:
        packaged = packaged_hazard_table()
        share = self.sources.site_share
        path = self.sources.outages_path
        if path is None:
            hazards, notes = fleet_hazards(self.fleet.sites, packaged, site_share=share)
            self.freshness["outage hazards"] = Freshness("fallback", packaged.source)
            self.notes.extend(notes)
            return hazards, empty_events()
        events = read_oe417(path)
        table = hazard_table_from_events(events, site_share=packaged.site_share, source=path.name)
        hazards, notes = fleet_hazards(self.fleet.sites, table, site_share=share)
        fetched = mtime(path)
        self.freshness["outage hazards"] = Freshness("fresh", str(path), fetched, self.age(fetched))
        self.notes.extend(notes)
        return hazards, self._regional_reports(events)

    def _regional_reports(self, events: pd.DataFrame) -> pd.DataFrame:
        """OE-417 reports in the fleet's regions that overlap the horizon (for replays)."""
        regions = {s.region for s in self.fleet.sites if s.region}
        start, end = self.times[0], self.times[-1] + _HOUR
        listed = (
            events["nerc_region"].fillna("").str.split("/").map(lambda cs: bool(regions & set(cs)))
        )
        overlaps = (events["start"] < end) & (events["end"].isna() | (events["end"] > start))
        chosen = events[listed.to_numpy(dtype=bool) & overlaps.to_numpy(dtype=bool)]
        if chosen.empty:
            return empty_events()
        self.notes.append(
            f"Outages: {len(chosen)} OE-417 reports in regions {', '.join(sorted(regions))} "
            "overlap the horizon (regional reports, not site outages)."
        )
        return chosen.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def is_us_site(site: Site) -> bool:
    """Whether NWS covers the site: its time zone belongs to the U.S. or a U.S. territory.

    Decided from the IANA ``zone.tab`` country codes (``America/Chicago`` -> US,
    ``America/Toronto`` -> CA, so a Quebec site is not covered); ``US/*`` aliases count as U.S.

    Parameters
    ----------
    site
        Any site.

    Returns
    -------
    bool
    """
    return site.timezone.startswith("US/") or _zone_countries().get(site.timezone) in NWS_COUNTRIES


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO 3166 country from ``zone.tab`` (tzdata package, else the system's)."""
    text = ""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.is_file() else ""
    zones = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                zones[parts[2]] = parts[0]
    return zones


def _filled_weather(weather: pd.DataFrame) -> pd.DataFrame:
    """Temperatures with gaps interpolated per site, for the synthetic price and load fallbacks."""
    temp = (
        weather["temp_air_c"]
        .groupby(level="site_id", sort=False)
        .transform(lambda s: s.interpolate(limit_direction="both"))
    )
    return pd.DataFrame({"temp_air_c": temp}, index=weather.index)


def _window(frame: pd.DataFrame, window: pd.DatetimeIndex) -> pd.DataFrame:
    """The rows of ``frame`` inside ``window``, with its time level in the window's unit."""
    level = frame.index.names.index("time")
    times = pd.DatetimeIndex(frame.index.levels[level]).as_unit(window.unit)
    frame = frame.set_axis(frame.index.set_levels(times, level=level), axis=0)
    return frame[frame.index.get_level_values("time").isin(window)]


def _filled(gaps: dict[str, Gaps]) -> dict[str, int]:
    """Site -> hours to be filled, from an answer's gaps."""
    return {site: g.missing_h for site, g in gaps.items()}


def _created_at(answer: Any, default: pd.Timestamp) -> pd.Timestamp:
    created = getattr(answer, "created_at", None)
    return _utc(created) if created is not None else default


def _bare_url(url: str | None, feed: str) -> str:
    if not url:
        return feed
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _utc(value: pd.Timestamp | datetime | str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _sites_text(ids: Sequence[str]) -> str:
    return ("site " if len(ids) == 1 else "sites ") + ", ".join(ids)


def _locations(fleet: Fleet) -> list[synthetic.Location]:
    return [synthetic.Location(s.id, s.latitude, s.longitude, s.timezone) for s in fleet.sites]
