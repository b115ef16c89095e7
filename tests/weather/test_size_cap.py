"""Answers above the size cap are refused with one clear line and never cached.

A real local server replays provider payloads (NWS GeoJSON, Open-Meteo JSON) blown up past the
cap, with and without a ``Content-Length``; the cache and its earlier answers stay as they were.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from weather import http, nws, openmeteo
from weather.errors import FeedError
from weather.sqlite_cache import cached_responses

DATA = Path(__file__).resolve().parents[1] / "data"


class Site:
    id = "tx"
    latitude = 31.85
    longitude = -102.37


def nws_collection(copies: int) -> bytes:
    """The North Dakota alerts sample with its features repeated ``copies`` times."""
    payload = json.loads((DATA / "nws_alerts_north_dakota_2024-01-11.json").read_text("utf-8"))
    payload["features"] = payload["features"] * copies
    return json.dumps(payload).encode("utf-8")


def cached_urls(session: requests.Session) -> list[str]:
    return sorted(r.url for r in cached_responses(session))


def test_the_default_alerts_cap_refuses_a_6_mb_answer_before_reading_it(
    httpserver: HTTPServer, session: requests.Session, cache_dir: Path
) -> None:
    # An earlier, normal answer is in the cache.
    httpserver.expect_request(
        "/alerts/active", query_string={"point": "30.65,-97"}
    ).respond_with_data(
        (DATA / "nws_alerts_empty.json").read_bytes(), content_type="application/geo+json"
    )
    nws.get_alerts(session, 30.65, -97.0, site_id="hydro", base_url=httpserver.url_for(""))
    before = cached_urls(session)
    # A point whose answer is far past the 5 MB cap of NWS alerts.
    copies = 1
    while len(body := nws_collection(copies)) <= 6_000_000:
        copies *= 2
    httpserver.expect_request(
        "/alerts/active", query_string={"point": "31.85,-102.37"}
    ).respond_with_data(body, content_type="application/geo+json")

    with pytest.raises(FeedError) as caught:
        nws.get_alerts(session, 31.85, -102.37, site_id="tx", base_url=httpserver.url_for(""))

    url = httpserver.url_for("/alerts/active") + "?point=31.85%2C-102.37"
    assert str(caught.value) == (
        f"nws alerts: the answer to GET {url} is larger than the 5 MB limit "
        f"(Content-Length {len(body):,} bytes); it was not cached"
    )
    assert cached_urls(session) == before  # the earlier answer is intact, the big one absent
    assert len(before) == 1


def test_a_streamed_answer_without_length_is_cut_at_the_cap_and_the_key_never_shows(
    httpserver: HTTPServer, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPEN_METEO_API_KEY", "s3cr3t-key")
    payload = json.loads((DATA / "openmeteo_forecast_two_sites.json").read_text("utf-8"))
    chunk = json.dumps(payload).encode("utf-8")
    sent: list[int] = []

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(10_000):  # about 60 MB if read to the end
                sent.append(len(chunk))
                yield chunk

        return Response(body(), content_type="application/json")  # chunked: no Content-Length

    httpserver.expect_request("/v1/forecast").respond_with_handler(endless)
    session = http.make_session(cache_dir, max_response_bytes=100_000)

    with pytest.raises(FeedError) as caught:
        openmeteo.get_forecast(session, [Site()], base_url=httpserver.url_for("/v1/forecast"))

    message = str(caught.value)
    assert message.startswith("open-meteo forecast: the answer to GET http://localhost")
    assert message.endswith("apikey=*** is larger than the 0.1 MB limit; it was not cached")
    assert "s3cr3t" not in message
    assert cached_responses(session) == []
    # It stopped reading soon after the cap: the server got no further than filling the
    # socket buffers (a few MB), far from the 60 MB on offer.
    assert sum(sent) < 15_000_000
    session.close()


def test_a_gzipped_answer_within_the_cap_is_stored_decompressed_and_served_again(
    httpserver: HTTPServer, cache_dir: Path
) -> None:
    text = (DATA / "openmeteo_forecast_two_sites.json").read_text("utf-8")
    packed = gzip.compress(text.encode("utf-8"))
    httpserver.expect_request("/v1/forecast").respond_with_data(
        packed, content_type="application/json", headers={"Content-Encoding": "gzip"}
    )
    session = http.make_session(cache_dir, max_response_bytes=len(text) + 10)
    first = http.get_json(session, httpserver.url_for("/v1/forecast"), feed="t")
    again = http.get_json(session, httpserver.url_for("/v1/forecast"), feed="t")
    assert first == again == json.loads(text)
    assert len(httpserver.log) == 1  # the second came from the cache
    session.close()
    # One byte less than the decompressed size is refused: the cap counts decompressed bytes.
    small = http.make_session(cache_dir / "other", max_response_bytes=len(text) - 1)
    with pytest.raises(FeedError, match=r"larger than the .* limit; it was not cached"):
        http.get_json(small, httpserver.url_for("/v1/forecast"), feed="t")
    small.close()


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("https://archive-api.open-meteo.com/v1/archive?latitude=1", 50_000_000),
        ("https://ensemble-api.open-meteo.com/v1/ensemble", 50_000_000),
        ("https://customer-api.open-meteo.com/v1/forecast", 20_000_000),
        ("https://api.weather.gov/alerts/active?point=1,2", 5_000_000),
        ("https://example.com/other", 20_000_000),
    ],
)
def test_cap_per_endpoint_kind(url: str, limit: int) -> None:
    assert http.response_cap(url) == limit
