"""planner.fetch_feeds in its three modes, the fallback rules, and the outage hazards.

The live and cache tests talk to a real local HTTP server (pytest-httpserver) that replays
payloads in the providers' formats (tests/data/feeds_*). The fixtures are dated 2024-01-15/16;
the live tests move every date in them to today, so the horizon is "today and tomorrow" for the
real clock that requests-cache stamps its answers with. No test touches the internet.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

import planner
from planner.domain import examples
from planner.domain.examples import two_sites
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.errors import ConfigError, FeedError
from planner.ops.demo import DEMO_STORMS
from planner.world.feeds import (
    Feeds,
    FeedSources,
    default_cache_dir,
    fetch_feeds,
    is_us_site,
    persist,
    site_hours,
)
from planner.world.feeds.gaps import Gaps, gap_problem, weather_gaps
from planner.world.hazards import (
    OutageHazard,
    hazard_table_from_events,
    observation_window,
    packaged_hazard_table,
    site_share_from_load,
)
from planner.world.scenarios import make_scenarios
from weather import grid, http, schema
from weather.outages import fit_outage_model, read_oe417
from weather.sqlite_cache import cached_responses

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OE417 = SHARED / "outages" / "doe_oe417_disturbance_events_2015_2023.csv"
ERCOT_LOAD = SHARED / "ercot" / "ercot_native_load_hourly_2020_2025-08.csv"
FIXTURE_DAY = date(2024, 1, 15)
HOURLY = "temperature_2m,relative_humidity_2m,wind_speed_10m,wind_gusts_10m,precipitation,snowfall"


# --------------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """No real waits between retries, and no developer settings leaking into the tests."""
    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    for name in (
        "OPEN_METEO_API_KEY",
        "PLANNER_CONTACT",
        "PLANNER_CACHE_DIR",
        "PLANNER_DATA_DIR",
        "PLANNER_PRICES_PATH",
        "PLANNER_LOAD_PATH",
        "PLANNER_OUTAGES_PATH",
        "PLANNER_MAX_STALE_HOURS",
    ):
        monkeypatch.delenv(name, raising=False)
    return waits


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def texas_fleet(extra: list[dict[str, Any]] | None = None) -> Fleet:
    """planner.domain.examples.two_sites() (tx at HB_WEST, hydro at HB_NORTH) with NERC region TRE."""
    sites = [{**s.model_dump(by_alias=True), "region": "TRE"} for s in two_sites().sites]
    return fleet_from_dict({"name": "two texas sites", "sites": sites + (extra or [])}, "test")


def shifted(name: str, to: date) -> str:
    """A fixture's text with every ``YYYY-MM-DD`` moved by ``to - 2024-01-15`` days."""
    days = timedelta(days=(to - FIXTURE_DAY).days)
    text = (DATA / name).read_text(encoding="utf-8")
    return re.sub(
        r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)",
        lambda m: (date(int(m[1]), int(m[2]), int(m[3])) + days).isoformat(),
        text,
    )


def today() -> date:
    return datetime.now(UTC).date()


@dataclasses.dataclass
class Providers:
    """The local server playing Open-Meteo and NWS for the two Texas sites, dated ``day``."""

    server: HTTPServer
    day: date

    def forecast(self, status: int = 200) -> None:
        self._json("/v1/forecast", "feeds_openmeteo_forecast_two_sites_2024-01-15.json", status)

    def ensemble(self, status: int = 200) -> None:
        self._json("/v1/ensemble", "feeds_openmeteo_ensemble_two_sites_2024-01-15.json", status)

    def archive(self, status: int = 200) -> None:
        self._json("/v1/archive", "feeds_openmeteo_archive_two_sites_2024-01-15.json", status)

    def alerts(self) -> None:
        for point, name in (
            ("31.85,-102.37", "feeds_nws_alerts_midland_2024-01-15.json"),
            ("30.65,-97", "feeds_nws_alerts_empty_rockdale.json"),
        ):
            self.server.expect_request(
                "/alerts/active", query_string={"point": point}
            ).respond_with_data(shifted(name, self.day), content_type="application/geo+json")

    def _json(self, path: str, name: str, status: int) -> None:
        handler = self.server.expect_request(path)
        if status == 200:
            handler.respond_with_data(shifted(name, self.day), content_type="application/json")
        else:
            handler.respond_with_json({"error": True, "reason": "upstream trouble"}, status=status)

    def all(self) -> None:
        self.forecast()
        self.ensemble()
        self.alerts()

    def sources(self, cache_dir: Path, **kw: Any) -> FeedSources:
        return FeedSources(
            forecast_url=self.server.url_for("/v1/forecast"),
            archive_url=self.server.url_for("/v1/archive"),
            ensemble_url=self.server.url_for("/v1/ensemble"),
            nws_url=self.server.url_for("/").rstrip("/"),
            cache_dir=cache_dir,
            retries=0,
            **kw,
        )


@pytest.fixture
def providers(httpserver: HTTPServer) -> Iterator[Providers]:
    yield Providers(httpserver, today())


def age_cache(cache_dir: Path, hours: float) -> None:
    """Pretend every cached answer was fetched ``hours`` earlier than it was."""
    session = http.make_session(cache_dir)
    store: Any = session.cache  # type: ignore[attr-defined]
    delta = timedelta(hours=hours)
    for key in list(store.responses.keys()):
        answer = store.responses[key]
        answer.created_at -= delta
        if answer.expires is not None:
            answer.expires -= delta
        store.responses[key] = answer
    session.close()


def horizon_start() -> pd.Timestamp:
    return pd.Timestamp(today(), tz="UTC")


# --------------------------------------------------------------------------------------------
# live mode
# --------------------------------------------------------------------------------------------


def test_live_bundle_from_local_providers_passes_the_schema(
    providers: Providers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_CONTACT", "ops@example.com")
    day = providers.day
    agent = "mining-fleet-planner/0.1 (contact: ops@example.com)"
    providers.server.expect_request(
        "/v1/forecast",
        query_string={
            "latitude": "31.85,30.65",
            "longitude": "-102.37,-97",
            "hourly": HOURLY,
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "start_date": day.isoformat(),
            "end_date": (day + timedelta(days=1)).isoformat(),
        },
        headers={"User-Agent": agent},
    ).respond_with_data(
        shifted("feeds_openmeteo_forecast_two_sites_2024-01-15.json", day),
        content_type="application/json",
    )
    providers.server.expect_request(
        "/v1/ensemble",
        query_string={
            "latitude": "31.85,30.65",
            "longitude": "-102.37,-97",
            "hourly": "temperature_2m",
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "models": "gfs_seamless",
            "forecast_days": "2",
        },
    ).respond_with_data(
        shifted("feeds_openmeteo_ensemble_two_sites_2024-01-15.json", day),
        content_type="application/json",
    )
    providers.alerts()
    prices = tmp_path / "prices.csv"
    prices.write_text(shifted("feeds_prices_hb_west.csv", day), encoding="utf-8")
    load = tmp_path / "load.csv"
    load.write_text(shifted("feeds_load_ercot.csv", day), encoding="utf-8")
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "cache", prices_path=prices, load_path=load)

    feeds = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)

    assert feeds.mode == "live"
    assert len(feeds.times) == 48 and feeds.times[0] == horizon_start()
    # every frame is canonical
    schema.validate(feeds.weather, "weather", "test")
    schema.validate(feeds.prices, "prices", "test")
    schema.validate(feeds.load, "load", "test")
    schema.validate(feeds.alerts, "events", "test")
    assert feeds.ensemble is not None
    schema.validate(feeds.ensemble, "weather", "test")
    # weather: the forecast payload's first temperature at tx, 00:00 today
    assert feeds.weather.loc[("tx", horizon_start()), "temp_air_c"] == pytest.approx(-3.5)
    assert feeds.weather.index.get_level_values("site_id").unique().tolist() == ["tx", "hydro"]
    # ensemble: control and two members per site, 48 h each
    assert feeds.ensemble.index.names == ["site_id", "member", "time"]
    assert sorted(feeds.ensemble.index.get_level_values("member").unique()) == [0, 1, 2]
    assert len(feeds.ensemble) == 2 * 3 * 48
    # alerts: NWS at both U.S. sites; tx has a Wind Chill Warning 06:00 today to 18:00 tomorrow
    # (UTC), so 36 hours are under a severe alert, and a Moderate advisory that does not count
    tx_alerts = feeds.alerts[feeds.alerts["site_id"] == "tx"]
    assert sorted(tx_alerts["kind"]) == ["Wind Chill Warning", "Winter Weather Advisory"]
    hashprice = np.zeros(48)
    assert site_hours(fleet, fleet.sites[0], feeds, hashprice).alert_active.sum() == 36
    assert site_hours(fleet, fleet.sites[1], feeds, hashprice).alert_active.sum() == 0
    # prices: HB_WEST from the file through 11:00 today, then weekly persistence: 12:00 today
    # repeats 12:00 seven days earlier; HB_NORTH is not in the file and is synthetic
    table = pd.read_csv(prices, index_col=0, parse_dates=True)["HB_WEST"]
    west = feeds.prices.xs("HB_WEST", level="node")["price_usd_per_mwh"]
    start = horizon_start()
    assert west[start + pd.Timedelta(hours=11)] == pytest.approx(
        table[start + pd.Timedelta(hours=11)]
    )
    assert west[start + pd.Timedelta(hours=12)] == pytest.approx(
        table[start - pd.Timedelta(days=7) + pd.Timedelta(hours=12)]
    )
    assert feeds.freshness["prices HB_WEST"].status == "fallback"
    assert feeds.freshness["prices HB_NORTH"].status == "fallback"
    assert any("prices.csv covers 12 of 48 h" in n for n in feeds.notes)
    assert any("FALLBACK prices HB_NORTH" in n and "not in prices.csv" in n for n in feeds.notes)
    # load: the ERCOT column, hour-ending labels moved to starts, persisted after 11:00
    assert feeds.load.xs("ERCOT", level="area")["load_mw"].notna().all()
    assert feeds.freshness["load ERCOT"].status == "fallback"
    # freshness of the HTTP feeds, and the market flagged as synthetic
    for feed in ("open-meteo forecast", "open-meteo ensemble", "nws alerts tx", "nws alerts hydro"):
        fresh = feeds.freshness[feed]
        assert fresh.status == "fresh", feed
        assert fresh.age_hours is not None and fresh.age_hours < 0.1
        assert fresh.source.startswith("GET http://localhost")
    assert feeds.freshness["market"].status == "fallback"
    assert any(n.startswith("Market: synthetic") for n in feeds.notes)
    # outage hazards from the packaged table: TRE, 1.40 % of 14.36 reports a year, median 16.3 h
    hazard = feeds.hazards["tx"]
    assert hazard.rate_per_year == pytest.approx(0.0140351 * 14.3605, rel=1e-5)
    assert hazard.duration_median_h == pytest.approx(16.315, rel=1e-4)


def test_live_scenarios_use_the_ensemble_members_and_the_fitted_hazards(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    fleet = texas_fleet()
    feeds = fetch_feeds(
        fleet, horizon_start(), 48, "live", sources=providers.sources(tmp_path / "cache")
    )
    scenarios = make_scenarios(fleet, feeds, n=3, seed=1)
    assert len(scenarios) == 3
    assert all(np.isfinite(s.temp_air_c).all() for s in scenarios)
    assert all(np.isfinite(s.price_usd_per_mwh).all() for s in scenarios)


def test_a_failing_provider_with_a_young_cache_gives_a_stale_flagged_bundle(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "cache", max_stale_hours=24)
    first = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)
    age_cache(tmp_path / "cache", hours=3.0)  # the cache was filled three hours ago
    providers.server.clear()
    providers.forecast(status=500)
    providers.ensemble(status=503)
    providers.alerts()  # NWS still answers

    feeds = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)

    schema.validate(feeds.weather, "weather", "test")
    pd.testing.assert_frame_equal(feeds.weather, first.weather)
    stale = feeds.freshness["open-meteo forecast"]
    assert stale.status == "stale"
    assert stale.age_hours == pytest.approx(3.0, abs=0.05)
    assert stale.source.startswith("HTTP cache: GET http://localhost")
    assert feeds.freshness["open-meteo ensemble"].status == "stale"
    assert feeds.freshness["nws alerts tx"].status == "fresh"
    note = next(n for n in feeds.notes if n.startswith("STALE open-meteo forecast"))
    assert "HTTP 500" in note and "3.0 h old" in note
    # the provider was asked (once: retries=0) before the cache stood in
    asked = [e[0].path for e in providers.server.log]
    assert asked.count("/v1/forecast") == 1


def test_a_failing_provider_with_only_an_old_cache_is_a_feed_error(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "cache", max_stale_hours=24)
    fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)
    age_cache(tmp_path / "cache", hours=30.0)
    providers.server.clear()
    providers.forecast(status=500)

    with pytest.raises(FeedError) as caught:
        fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)

    assert caught.value.feed == "open-meteo forecast"
    message = str(caught.value)
    assert "HTTP 500" in message
    assert "30.0 h old" in message and "max_stale_hours=24" in message
    # a larger allowance accepts the same answer
    relaxed = sources.replace(max_stale_hours=48)
    providers.server.clear()
    providers.forecast(status=500)
    providers.ensemble(status=500)
    providers.alerts()
    feeds = fetch_feeds(fleet, horizon_start(), 48, "live", sources=relaxed)
    assert feeds.freshness["open-meteo forecast"].age_hours == pytest.approx(30.0, abs=0.05)


def test_a_failing_provider_with_no_cache_names_the_feed_and_the_reason(
    providers: Providers, tmp_path: Path
) -> None:
    providers.forecast(status=500)
    with pytest.raises(FeedError) as caught:
        fetch_feeds(
            texas_fleet(), horizon_start(), 48, "live", sources=providers.sources(tmp_path / "c")
        )
    assert caught.value.feed == "open-meteo forecast"
    assert "HTTP 500" in str(caught.value)
    assert "no cached answer for sites tx, hydro" in str(caught.value)


def test_the_optional_ensemble_goes_missing_instead_of_failing(
    providers: Providers, tmp_path: Path
) -> None:
    providers.forecast()
    providers.ensemble(status=500)
    providers.alerts()
    feeds = fetch_feeds(
        texas_fleet(), horizon_start(), 48, "live", sources=providers.sources(tmp_path / "c")
    )
    assert feeds.ensemble is None
    assert feeds.freshness["open-meteo ensemble"].status == "missing"
    assert any(n.startswith("MISSING open-meteo ensemble (optional)") for n in feeds.notes)


def test_a_past_horizon_reads_the_archive_and_fetches_no_alerts(
    providers: Providers, tmp_path: Path
) -> None:
    providers.day = FIXTURE_DAY  # the archive answers with the fixture's own dates
    providers.archive()
    feeds = fetch_feeds(
        texas_fleet(),
        "2024-01-15",
        48,
        "live",
        sources=providers.sources(tmp_path / "c"),
        now="2024-03-01 12:00",
    )
    assert [e[0].path for e in providers.server.log] == ["/v1/archive"]
    assert feeds.weather.loc[("tx", pd.Timestamp("2024-01-15", tz="UTC")), "temp_air_c"] == (
        pytest.approx(-4.3)
    )
    assert feeds.ensemble is None and feeds.alerts.empty
    assert feeds.freshness["open-meteo archive"].status == "fresh"
    assert any("NWS serves active alerts" in n for n in feeds.notes)


def test_a_horizon_beyond_sixteen_days_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="16 days ahead"):
        fetch_feeds(
            texas_fleet(),
            horizon_start() + pd.Timedelta(days=10),
            24 * 10,
            "live",
            sources=FeedSources(cache_dir=tmp_path),
        )


def test_alerts_skip_a_site_outside_the_us(providers: Providers, tmp_path: Path) -> None:
    quebec = {
        **texas_fleet().sites[1].model_dump(by_alias=True),
        "id": "qc",
        "name": "Quebec",
        "latitude": 46.35,
        "longitude": -72.55,
        "timezone": "America/Toronto",
        "region": "NPCC",
        "grid": {"iso": "HQ", "node": "HQ"},
    }
    fleet = fleet_from_dict(
        {"name": "tx and qc", "sites": [texas_fleet().sites[0].model_dump(by_alias=True), quebec]},
        "test",
    )
    providers.forecast()  # two locations in request order: tx, then qc
    providers.ensemble()
    providers.alerts()
    feeds = fetch_feeds(
        fleet, horizon_start(), 48, "live", sources=providers.sources(tmp_path / "c")
    )
    asked = [
        e[0].query_string.decode() for e in providers.server.log if e[0].path == "/alerts/active"
    ]
    assert asked == ["point=31.85%2C-102.37"]
    assert feeds.freshness["nws alerts qc"].status == "missing"
    assert any(
        "none fetched for qc (America/Toronto is not a U.S. time zone" in n for n in feeds.notes
    )
    assert set(feeds.alerts["site_id"]) == {"tx"}
    assert "qc" in feeds.hazards  # NPCC is in the packaged table


def test_is_us_site_reads_the_time_zone() -> None:
    demo = {s.id: is_us_site(s) for s in planner.demo_fleet().sites}
    assert demo == {
        "west-texas": True,
        "rockdale": True,
        "georgia": True,
        "north-dakota": True,
        "quebec": False,
        "new-york": True,
    }
    paraguay = planner.demo_fleet().sites[0].model_copy(update={"timezone": "America/Asuncion"})
    assert not is_us_site(paraguay)


def test_api_key_comes_from_env_and_never_shows(
    providers: Providers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPEN_METEO_API_KEY", "s3cret-key")
    providers.all()
    feeds = fetch_feeds(
        texas_fleet(), horizon_start(), 48, "live", sources=providers.sources(tmp_path / "c")
    )
    forecast_calls = [e[0] for e in providers.server.log if e[0].path == "/v1/forecast"]
    assert forecast_calls[0].args["apikey"] == "s3cret-key"
    shown = " ".join(feeds.notes) + " ".join(f.source for f in feeds.freshness.values())
    assert "s3cret" not in shown


def test_gridstatus_prices_are_cached_and_serve_as_stale_fallback(
    providers: Providers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = horizon_start()
    hours = pd.date_range(start - pd.Timedelta(days=8), start, freq="h", inclusive="left")

    def fake(iso: str, begin: Any, end: Any, **kw: Any) -> pd.DataFrame:
        index = pd.MultiIndex.from_product(
            [kw["locations"], hours.rename("time")], names=["node", "time"]
        )
        return pd.DataFrame({"price_usd_per_mwh": np.arange(len(hours), dtype=float)}, index=index)

    monkeypatch.setattr(grid, "get_iso_prices", fake)
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "c", gridstatus=True)
    feeds = fetch_feeds(fleet, start, 48, "live", sources=sources)
    # 192 hourly prices 0..191 end just before the horizon: hour h of the horizon repeats the
    # value one week earlier, 24 + h
    west = feeds.prices.xs("HB_WEST", level="node")["price_usd_per_mwh"].to_numpy()
    np.testing.assert_allclose(west, 24.0 + np.arange(48))
    assert feeds.freshness["prices HB_WEST"].source == "gridstatus ercot HB_WEST"

    def broken(*args: Any, **kw: Any) -> pd.DataFrame:
        raise FeedError("gridstatus ercot prices", "gridstatus failed: ConnectionError")

    monkeypatch.setattr(grid, "get_iso_prices", broken)
    providers.server.clear()
    providers.all()
    again = fetch_feeds(fleet, start, 48, "live", sources=sources)
    np.testing.assert_allclose(
        again.prices.xs("HB_WEST", level="node")["price_usd_per_mwh"].to_numpy(), west
    )
    assert any(n.startswith("STALE gridstatus ercot prices HB_WEST") for n in again.notes)


# --------------------------------------------------------------------------------------------
# missing hours: filled within the limits, refused beyond them
# --------------------------------------------------------------------------------------------

FORECAST_FIXTURE = "feeds_openmeteo_forecast_two_sites_2024-01-15.json"
ISD = SHARED / "weather" / "tx_isd_hourly_temp_austin_dfw_houston_2021.csv"


def forecast_with_nulls(day: date, nulls: dict[int, list[int]]) -> str:
    """The forecast fixture dated ``day`` with temperature_2m set to null at location index ->
    hours, as Open-Meteo sends hours it has no value for."""
    payload = json.loads(shifted(FORECAST_FIXTURE, day))
    for location, hours in nulls.items():
        temps = payload[location]["hourly"]["temperature_2m"]
        for h in hours:
            temps[h] = None
    return json.dumps(payload)


def serve_forecast(providers: Providers, text: str) -> None:
    providers.server.expect_request("/v1/forecast").respond_with_data(
        text, content_type="application/json"
    )


def test_an_answer_with_47_of_48_hours_missing_is_refused_naming_feed_site_and_hours(
    providers: Providers, tmp_path: Path
) -> None:
    serve_forecast(providers, forecast_with_nulls(providers.day, {0: list(range(1, 48))}))
    providers.ensemble()
    providers.alerts()
    cache = tmp_path / "cache"
    with pytest.raises(FeedError) as caught:
        fetch_feeds(texas_fleet(), horizon_start(), 48, "live", sources=providers.sources(cache))
    assert str(caught.value) == (
        "open-meteo forecast: the answer lacks 47 of 48 h at site tx (47 h in a row); at most 6 h "
        f"in a row and 10% of the hours may be filled; no cached answer for sites tx, hydro in {cache}"
    )
    # The refused answer is not kept: nothing in the cache can serve the forecast later.
    session = http.make_session(cache, offline=True)
    assert not [r for r in cached_responses(session) if "/v1/forecast" in r.url]
    session.close()


def test_a_refused_answer_gives_way_to_a_young_cached_one_and_is_not_cached(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "cache")
    good = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)
    age_cache(tmp_path / "cache", hours=2.0)  # past the forecast's 1 h expiry: it asks again
    providers.server.clear()
    serve_forecast(providers, forecast_with_nulls(providers.day, {1: list(range(10, 18))}))
    providers.ensemble()
    providers.alerts()

    feeds = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)

    pd.testing.assert_frame_equal(feeds.weather, good.weather)  # the earlier, complete answer
    fresh = feeds.freshness["open-meteo forecast"]
    assert fresh.status == "stale" and fresh.age_hours == pytest.approx(2.0, abs=0.05)
    assert fresh.filled_hours == {"tx": 0, "hydro": 0}
    note = next(n for n in feeds.notes if n.startswith("STALE open-meteo forecast"))
    assert "the answer lacks 8 of 48 h at site hydro (8 h in a row)" in note
    # The cache holds the complete answer only; a third run in cache mode gets the same weather.
    again = fetch_feeds(fleet, horizon_start(), 48, "cache", sources=sources)
    pd.testing.assert_frame_equal(again.weather, good.weather)


def test_a_few_missing_hours_are_filled_and_reported_per_site(
    providers: Providers, tmp_path: Path
) -> None:
    text = forecast_with_nulls(providers.day, {0: [20, 21, 22]})
    serve_forecast(providers, text)
    providers.ensemble()
    providers.alerts()
    fleet = texas_fleet()
    feeds = fetch_feeds(
        fleet, horizon_start(), 48, "live", sources=providers.sources(tmp_path / "cache")
    )
    fresh = feeds.freshness["open-meteo forecast"]
    assert fresh.status == "fresh"
    assert fresh.filled_hours == {"tx": 3, "hydro": 0} and fresh.total_filled_hours == 3
    assert (
        "FILLED open-meteo forecast: 3 of 48 h at site tx had no temperature and are interpolated "
        "(limits: 6 h in a row, 10% of the hours)."
    ) in feeds.notes
    # The three hours lie on the straight line between 19:00 and 23:00.
    temps = json.loads(text)[0]["hourly"]["temperature_2m"]
    a, b = temps[19], temps[23]
    hours = site_hours(fleet, fleet.sites[0], feeds, np.zeros(48)).temp_air_c
    np.testing.assert_allclose(hours[20:23], [a + (b - a) * k / 4 for k in (1, 2, 3)])


def test_gap_limits_count_runs_and_shares_exactly() -> None:
    times = pd.date_range("2024-01-15", periods=48, freq="h", tz="UTC")
    index = pd.MultiIndex.from_product([["a", "b"], times], names=["site_id", "time"])
    temp = np.ones(96)
    temp[[2, 3, 4, 5, 6, 7]] = np.nan  # a: one run of 6
    temp[48 + np.array([0, 10, 11, 30, 47])] = np.nan  # b: 5 hours, longest run 2
    gaps = weather_gaps(pd.DataFrame({"temp_air_c": temp}, index=index), times, ["a", "b", "c"])
    assert gaps == {"a": Gaps(6, 6, 48), "b": Gaps(5, 2, 48), "c": Gaps(48, 48, 48)}
    assert gap_problem({"a": gaps["a"]}, 6, 0.125) is None  # 6 in a row, 6 <= 0.125 * 48
    assert gap_problem({"a": gaps["a"]}, 5, 0.125) == (
        "the answer lacks 6 of 48 h at site a (6 h in a row); at most 5 h in a row and 12% of "
        "the hours may be filled"
    )
    assert gap_problem({"b": gaps["b"]}, 6, 0.10) == (
        "the answer lacks 5 of 48 h at site b (2 h in a row); at most 6 h in a row and 10% of "
        "the hours may be filled"
    )  # 5 > 4.8
    # An ensemble hour is missing when any member lacks it.
    members = pd.MultiIndex.from_product(
        [["a"], [0, 1], times[:4]], names=["site_id", "member", "time"]
    )
    ens = pd.DataFrame({"temp_air_c": [1, 1, 1, 1, 1, np.nan, 1, np.nan]}, index=members)
    assert weather_gaps(ens, times[:4], ["a"]) == {"a": Gaps(2, 1, 4)}


@pytest.mark.skipif(not ISD.is_file(), reason=f"NOAA ISD hourly file not present at {ISD}")
def test_the_gap_limit_rests_on_the_isd_interpolation_error() -> None:
    """The figures quoted in planner.world.feeds.gaps, recomputed: a straight line across k missing
    hours of real 2021 Texas temperatures misses the truth, at its worst point, by ... degC."""
    isd = pd.read_csv(ISD, index_col=0)
    for column in isd.columns:
        s = isd[column].to_numpy(dtype=float)
        for k, low, high in ((3, 0.6, 1.45), (6, 1.85, 2.6), (12, 4.2, 5.25)):
            starts = np.arange(0, len(s) - k - 2, 7)
            a, b = s[starts], s[starts + k + 1]
            steps = np.arange(1, k + 1) / (k + 1)
            line = a[:, None] + (b - a)[:, None] * steps
            truth = s[starts[:, None] + np.arange(1, k + 1)]
            worst = np.abs(truth - line).max(axis=1).mean()
            assert low <= worst <= high, (column, k, worst)


def test_nws_alerts_failing_with_no_cache_leave_the_feed_missing_with_the_reason(
    providers: Providers, tmp_path: Path
) -> None:
    providers.forecast()
    providers.ensemble()
    providers.server.expect_request("/alerts/active").respond_with_json(
        {"title": "Service Unavailable", "detail": "upstream trouble"}, status=503
    )
    cache = tmp_path / "cache"
    feeds = fetch_feeds(
        texas_fleet(), horizon_start(), 48, "live", sources=providers.sources(cache)
    )
    url = providers.server.url_for("/alerts/active")
    for site, point in (("tx", "31.85%2C-102.37"), ("hydro", "30.65%2C-97")):
        fresh = feeds.freshness[f"nws alerts {site}"]
        reason = (
            f"HTTP 503 SERVICE UNAVAILABLE for GET {url}?point={point} (1 attempt): upstream "
            f"trouble; no cached answer for site {site} in {cache}"
        )
        assert (fresh.status, fresh.detail) == ("missing", reason)
        assert f"MISSING nws alerts {site} (optional): {reason}." in feeds.notes
    assert feeds.alerts.empty
    assert feeds.freshness["open-meteo forecast"].status == "fresh"


# --------------------------------------------------------------------------------------------
# cache mode
# --------------------------------------------------------------------------------------------


def test_cache_mode_with_an_empty_cache_names_what_is_missing(
    tmp_path: Path, no_network: None
) -> None:
    with pytest.raises(FeedError) as caught:
        fetch_feeds(
            texas_fleet(), horizon_start(), 48, "cache", sources=FeedSources(cache_dir=tmp_path)
        )
    assert caught.value.feed == "open-meteo forecast"
    message = str(caught.value)
    assert "no cached answer for sites tx, hydro" in message
    assert str(tmp_path) in message and "run once in live mode" in message


def test_cache_mode_serves_a_live_run_without_any_socket(
    providers: Providers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "c")
    live = fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)
    asked = len(providers.server.log)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cache mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    cached = fetch_feeds(fleet, horizon_start(), 48, "cache", sources=sources)

    assert len(providers.server.log) == asked
    assert cached.mode == "cache"
    pd.testing.assert_frame_equal(cached.weather, live.weather)
    assert cached.ensemble is not None and live.ensemble is not None
    pd.testing.assert_frame_equal(cached.ensemble, live.ensemble)
    assert cached.freshness["open-meteo forecast"].status == "fresh"  # within its 1 h expiry
    assert cached.notes[0].startswith("Cache-only feeds (no network used)")


def test_cache_mode_flags_expired_answers_as_stale_and_refuses_too_old_ones(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    fleet = texas_fleet()
    sources = providers.sources(tmp_path / "c", max_stale_hours=6)
    fetch_feeds(fleet, horizon_start(), 48, "live", sources=sources)
    age_cache(tmp_path / "c", hours=2.0)
    feeds = fetch_feeds(fleet, horizon_start(), 48, "cache", sources=sources)
    assert feeds.freshness["open-meteo forecast"].status == "stale"
    assert any(
        n.startswith("STALE open-meteo forecast: the provider was not asked") for n in feeds.notes
    )
    age_cache(tmp_path / "c", hours=5.0)
    with pytest.raises(FeedError, match=r"open-meteo forecast: .*7\.0 h old.*max_stale_hours=6"):
        fetch_feeds(fleet, horizon_start(), 48, "cache", sources=sources)


def test_cache_dir_comes_from_the_argument_then_env_then_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    assert default_cache_dir().name == "mining-fleet-planner"
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "from-env"))
    assert default_cache_dir() == tmp_path / "from-env"
    with pytest.raises(FeedError, match="from-env"):
        fetch_feeds(texas_fleet(), horizon_start(), 48, "cache")
    with pytest.raises(FeedError, match="from-arg"):
        fetch_feeds(
            texas_fleet(),
            horizon_start(),
            48,
            "cache",
            sources=FeedSources(cache_dir=tmp_path / "from-arg"),
        )


def test_sources_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path))
    (tmp_path / "prices.csv").write_text("x", encoding="utf-8")
    monkeypatch.setenv("PLANNER_OUTAGES_PATH", str(tmp_path / "events.csv"))
    monkeypatch.setenv("PLANNER_MAX_STALE_HOURS", "6")
    sources = FeedSources.from_env(retries=1)
    assert sources.prices_path == tmp_path / "prices.csv"
    assert sources.outages_path == tmp_path / "events.csv"
    assert sources.load_path is None
    assert sources.max_stale_hours == 6.0 and sources.retries == 1
    monkeypatch.setenv("PLANNER_MAX_STALE_HOURS", "a day")
    with pytest.raises(ConfigError, match="PLANNER_MAX_STALE_HOURS"):
        FeedSources.from_env()
    with pytest.raises(ConfigError, match="max_stale_hours: must be >= 0"):
        FeedSources(max_stale_hours=-1)


# --------------------------------------------------------------------------------------------
# offline mode
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_offline_demo_never_opens_a_socket(tmp_path: Path, no_network: None) -> None:
    outcome = planner.run_demo(tmp_path, hours=48)
    assert outcome.report_path.exists() and outcome.kpis_path.exists()
    feeds = fetch_feeds(planner.demo_fleet(), "2025-01-10", 48, "offline", seed=7)
    assert feeds.notes[0] == "Offline synthetic feeds (seed 7); no network was used."
    assert set(feeds.hazards) == {s.id for s in planner.demo_fleet().sites}


def test_offline_frames_are_the_generator_frames() -> None:
    # Prices come from weather drawn from a day before the start (their trailing 24-h window),
    # then cut to the horizon.
    from weather import synthetic

    fleet = planner.demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10", 24 * 3, seed=11)
    locations = [synthetic.Location(s.id, s.latitude, s.longitude, s.timezone) for s in fleet.sites]
    weather = synthetic.synthetic_weather(locations, "2025-01-10", 72, 11, None)
    pd.testing.assert_frame_equal(feeds.weather, weather)
    history = synthetic.synthetic_weather(locations, "2025-01-09", 96, 11, None)
    nodes = {s.id: s.grid.node for s in fleet.sites}
    prices = synthetic.synthetic_prices(history, locations, nodes, 11)
    pd.testing.assert_frame_equal(feeds.prices, _on(prices, feeds.times))
    assert feeds.ensemble is None and feeds.alerts.empty and feeds.outages.empty
    assert feeds.freshness["weather"].status == "fallback"


def _on(frame: pd.DataFrame, times: pd.DatetimeIndex) -> pd.DataFrame:
    """The rows of a canonical ``(key, time)`` frame at ``times``, unused index levels dropped."""
    kept = frame[frame.index.get_level_values("time").isin(times)]
    return kept.set_axis(kept.index.remove_unused_levels(), axis=0)


@pytest.mark.parametrize(
    "fleet", [planner.demo_fleet(), examples.texas_fleet()], ids=["demo", "texas"]
)
def test_offline_feeds_are_anchored_to_the_calendar(fleet: Fleet) -> None:
    # The app's default (start 2025-01-10, seed 7, the demo's certain cold snap): 7 and 14 days
    # agree on the first 7 to the bit, and a start 3 days and 5 hours later agrees on every
    # hour it shares, prices included. The market path starts at the given BTC price on the
    # first day: its daily returns agree.
    def feeds(start: str, days: int) -> Feeds:
        return fetch_feeds(fleet, start, 24 * days, "offline", seed=7, storms=DEMO_STORMS)

    week, fortnight, later = feeds("2025-01-10", 7), feeds("2025-01-10", 14), feeds(LATER, 11)
    shared = later.times[later.times < week.times[-1] + pd.Timedelta(hours=1)]
    assert len(shared) == 24 * 7 - 3 * 24 - 5
    for name in ("weather", "prices", "load"):
        frame = getattr(week, name)
        pd.testing.assert_frame_equal(frame, _on(getattr(fortnight, name), week.times))
        pd.testing.assert_frame_equal(_on(frame, shared), _on(getattr(later, name), shared))
    pd.testing.assert_frame_equal(week.market, fortnight.market[:7])
    np.testing.assert_allclose(
        np.diff(np.log(week.market["btc_price_usd"]))[3:],
        np.diff(np.log(later.market["btc_price_usd"]))[:3],
        rtol=0,
        atol=1e-12,
    )


#: A start 3 days and 5 hours after the app's default.
LATER = "2025-01-13 05:00"


# --------------------------------------------------------------------------------------------
# persistence
# --------------------------------------------------------------------------------------------


def test_persistence_repeats_the_same_hour_one_week_earlier_then_later() -> None:
    week = pd.date_range("2024-01-08", periods=7 * 24, freq="h", tz="UTC")
    observed = pd.Series(np.arange(len(week), dtype=float), index=week)
    # 2 h inside the data, 2 h just after it (one week back: 166, 167 -> 166 - 168 + 168...)
    times = pd.date_range("2024-01-14 22:00", periods=4, freq="h", tz="UTC")
    values, filled = persist(observed, times)
    # 22:00 and 23:00 on the 14th are hours 166 and 167; 00:00 and 01:00 on the 15th repeat
    # 00:00 and 01:00 on the 8th, hours 0 and 1
    np.testing.assert_array_equal(values, [166.0, 167.0, 0.0, 1.0])
    assert filled == 2
    before = pd.date_range("2024-01-07 23:00", periods=2, freq="h", tz="UTC")
    values, filled = persist(observed, before)  # before the data: one week later
    np.testing.assert_array_equal(values, [167.0, 0.0])
    assert filled == 1


def test_persistence_uses_days_for_a_short_series() -> None:
    day = pd.date_range("2024-01-08", periods=24, freq="h", tz="UTC")
    observed = pd.Series(np.arange(24, dtype=float), index=day)
    times = pd.date_range("2024-01-10 05:00", periods=2, freq="h", tz="UTC")
    values, filled = persist(observed, times)
    np.testing.assert_array_equal(values, [5.0, 6.0])
    assert filled == 2


# --------------------------------------------------------------------------------------------
# hazards
# --------------------------------------------------------------------------------------------


def test_hazards_from_an_oe417_file_scale_the_region_to_a_site(
    providers: Providers, tmp_path: Path
) -> None:
    providers.all()
    sources = providers.sources(
        tmp_path / "c", outages_path=DATA / "feeds_oe417_small.csv", site_share=0.1
    )
    feeds = fetch_feeds(texas_fleet(), horizon_start(), 48, "live", sources=sources)
    # Three TRE load-loss reports (2 h, 8 h, 32 h; the suspicious-activity report lost no load)
    # from 2020-01-01 to 2021-07-01 = 547 days = 1.4976 years: 2.0032 reports a year; a site
    # sees 10 % of them. Durations: ln 2, ln 8, ln 32 -> median 8 h, sigma ln4 sqrt(2/3) = 1.1319.
    hazard = feeds.hazards["tx"]
    assert hazard.rate_per_year == pytest.approx(0.1 * 3 / (547 / 365.25))
    assert hazard.duration_median_h == pytest.approx(8.0)
    assert hazard.duration_sigma == pytest.approx(math.log(4) * math.sqrt(2 / 3))
    assert feeds.freshness["outage hazards"].status == "fresh"
    assert any("feeds_oe417_small.csv" in n and "TRE 0.20/yr, median 8 h" in n for n in feeds.notes)


def test_make_scenarios_uses_the_feed_hazards_by_default() -> None:
    fleet = two_sites()  # no NERC region: no fitted hazard, the generic default applies
    feeds = fetch_feeds(fleet, "2025-03-01", 48)
    assert feeds.hazards == {}
    assert any("no region set" in n for n in feeds.notes)
    never = {s.id: OutageHazard(rate_per_year=0.0) for s in fleet.sites}
    always = {s.id: OutageHazard(rate_per_year=8760.0) for s in fleet.sites}  # p = 1 every hour
    quiet = make_scenarios(fleet, dataclasses.replace(feeds, hazards=never), n=2, seed=3)
    assert all(site == () for s in quiet for site in s.outages)
    stormy = make_scenarios(fleet, dataclasses.replace(feeds, hazards=always), n=2, seed=3)
    assert all(site for s in stormy for site in s.outages)
    # an explicit argument still wins over the feeds
    overridden = make_scenarios(
        fleet, dataclasses.replace(feeds, hazards=always), n=2, seed=3, hazards=never
    )
    assert all(site == () for s in overridden for site in s.outages)


def test_packaged_table_figures() -> None:
    table = packaged_hazard_table()
    assert table.window_start == pd.Timestamp("2015-01-01", tz="UTC")
    assert table.window_end == pd.Timestamp("2023-07-01", tz="UTC")
    tre = table.regions["TRE"]
    assert tre.n_events == 122 and tre.rate_per_year == pytest.approx(122 / table.years, rel=1e-5)
    hazard = table.hazard("Texas RE")
    assert hazard is not None
    assert hazard.rate_per_year == pytest.approx(table.site_share * tre.rate_per_year)
    assert table.hazard("HQ") is None


def test_packaged_hazard_table_matches_a_recomputation_from_oe417() -> None:
    if not OE417.is_file():
        pytest.skip(f"OE-417 data not present at {OE417} (shared data is not in a fresh clone)")
    events = read_oe417(OE417)
    window = observation_window(events)
    table = packaged_hazard_table()
    assert (table.window_start, table.window_end) == window
    load_loss = events[events["severity"] == "load-loss"]
    assert set(table.regions) == {"TRE", "RF", "SERC", "WECC", "MRO", "NPCC", "FRCC", "SPP", "PR"}
    for code, rate in table.regions.items():
        model = fit_outage_model(load_loss, code, window=window)
        assert rate.n_events == model.n_events, code
        assert rate.n_durations == model.n_durations, code
        assert rate.rate_per_year == pytest.approx(model.rate_per_year, rel=1e-5), code
        assert rate.log_mu == pytest.approx(model.log_mu, rel=1e-5), code
        assert rate.log_sigma == pytest.approx(model.log_sigma, rel=1e-5), code
    # and the whole derivation path gives the same table
    again = hazard_table_from_events(events, site_share=table.site_share, source="recomputed")
    for code, rate in again.regions.items():
        assert rate.rate_per_year == pytest.approx(table.regions[code].rate_per_year, rel=1e-5)


def test_packaged_site_share_matches_ercot_load() -> None:
    if not (OE417.is_file() and ERCOT_LOAD.is_file()):
        pytest.skip(f"OE-417 or ERCOT load data not present under {SHARED}")
    events = read_oe417(OE417)
    load = grid.read_load(ERCOT_LOAD, areas=["ERCOT"]).xs("ERCOT", level="area")["load_mw"]
    share, basis = site_share_from_load(events, load)
    assert share == pytest.approx(packaged_hazard_table().site_share, rel=1e-5)
    # 53 Texas RE load-loss reports give a MW figure, mean 644.9 MW, over a 45.9 GW mean load
    assert basis["reports_with_mw"] == 53
    assert basis["mean_demand_loss_mw"] == pytest.approx(644.887, rel=1e-5)
    assert share == pytest.approx(644.887 / 45948.0, rel=1e-4)
