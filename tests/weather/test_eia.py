"""EIA Open Data v2 hourly demand client, against a real local server (pytest-httpserver).

The payload in tests/data/eia_region_data_erco_page.json has EIA's response shape (``total`` as a
string, values as strings since API v2.1.6, one ``null`` value); its numbers are illustrative.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer

from weather.eia import get_eia_demand
from weather.errors import FeedError

DATA = Path(__file__).resolve().parents[1] / "data"
ROUTE = "/v2/electricity/rto/region-data/data/"
KEY = "test-key-7f3a9c"
START, END = "2021-02-15T05:00Z", "2021-02-15T09:00Z"  # five hour starts, 05:00 .. 09:00 UTC


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EIA_API_KEY", raising=False)


@pytest.fixture
def full_answer() -> dict[str, Any]:
    return json.loads((DATA / "eia_region_data_erco_page.json").read_text(encoding="utf-8"))


def _page(answer: dict[str, Any], offset: int, length: int) -> dict[str, Any]:
    page = copy.deepcopy(answer)
    page["response"]["data"] = answer["response"]["data"][offset : offset + length]
    return page


def _query(offset: int, length: int, key: str = KEY) -> str:
    """The exact query string of one page; hour-ending periods 06..10 cover starts 05..09."""
    return (
        "frequency=hourly&data%5B0%5D=value&facets%5Brespondent%5D%5B%5D=ERCO"
        "&facets%5Btype%5D%5B%5D=D&start=2021-02-15T06&end=2021-02-15T10"
        "&sort%5B0%5D%5Bcolumn%5D=period&sort%5B0%5D%5Bdirection%5D=asc"
        f"&offset={offset}&length={length}&api_key={key}"
    )


def test_pages_until_total_with_a_server_error_retried(
    httpserver: HTTPServer,
    session: requests.Session,
    full_answer: dict[str, Any],
    slept: list[float],
) -> None:
    """5 rows, 2 per page: offsets 0, 2, 4. The page at offset 2 first fails with HTTP 500 and is
    retried once. Each request's query string is checked exactly, in order."""
    httpserver.expect_ordered_request(ROUTE, query_string=_query(0, 2)).respond_with_json(
        _page(full_answer, 0, 2)
    )
    httpserver.expect_ordered_request(ROUTE, query_string=_query(2, 2)).respond_with_data(
        "upstream hiccup", status=500
    )
    httpserver.expect_ordered_request(ROUTE, query_string=_query(2, 2)).respond_with_json(
        _page(full_answer, 2, 2)
    )
    httpserver.expect_ordered_request(ROUTE, query_string=_query(4, 2)).respond_with_json(
        _page(full_answer, 4, 2)
    )

    load = get_eia_demand(
        session, "ERCO", START, END, api_key=KEY,
        base_url=httpserver.url_for("/v2/"), page_length=2,
    )  # fmt: skip

    httpserver.check_assertions()
    seen = [entry[0].query_string.decode() for entry in httpserver.log]
    assert seen == [_query(0, 2), _query(2, 2), _query(2, 2), _query(4, 2)]
    assert slept == [1.0]  # one backoff wait before the retry
    assert load.index.names == ["area", "time"]
    expected = pd.date_range("2021-02-15 05:00", periods=5, freq="h", tz="UTC")
    assert load.loc["ERCO"].index.equals(expected)  # period 06 (hour ending) -> start 05:00Z
    values = load.loc["ERCO", "load_mw"].to_numpy()
    np.testing.assert_array_equal(values, [44001.0, 42002.0, 41003.0, np.nan, 40005.0])


def test_key_from_environment_and_a_single_page(
    httpserver: HTTPServer,
    session: requests.Session,
    full_answer: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EIA_API_KEY", "env-key-42")
    httpserver.expect_request(ROUTE, query_string=_query(0, 5000, "env-key-42")).respond_with_json(
        full_answer
    )
    load = get_eia_demand(session, "ERCO", START, END, base_url=httpserver.url_for("/v2/"))
    assert len(load) == 5


def test_rate_limit_gives_up_without_leaking_the_key(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    """HTTP 429 on every attempt: one FeedError that names the status but never the key."""
    httpserver.expect_request(ROUTE).respond_with_json(
        {"error": f"Too many requests for api_key {KEY}"}, status=429
    )
    with pytest.raises(FeedError) as info:
        get_eia_demand(
            session, "ERCO", START, END, api_key=KEY,
            base_url=httpserver.url_for("/v2/"), retries=1,
        )  # fmt: skip
    message = str(info.value)
    assert message.startswith("eia region-data: HTTP 429")
    assert "2 attempts" in message
    assert KEY not in message
    assert KEY not in repr(info.value.__cause__) and info.value.__cause__ is None
    assert len(httpserver.log) == 2


def test_invalid_key_error_is_redacted(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request(ROUTE).respond_with_json(
        {"error": f"API_KEY_INVALID: {KEY} is not a valid api_key"}, status=403
    )
    with pytest.raises(FeedError) as info:
        get_eia_demand(
            session, "ERCO", START, END, api_key=KEY, base_url=httpserver.url_for("/v2/")
        )
    assert "HTTP 403" in str(info.value)
    assert KEY not in str(info.value)


def test_missing_key_is_a_clear_error(session: requests.Session) -> None:
    with pytest.raises(FeedError, match="eia region-data: no API key: set EIA_API_KEY"):
        get_eia_demand(session, "ERCO", START, END)


def test_fewer_rows_than_total_is_an_error(
    httpserver: HTTPServer, session: requests.Session, full_answer: dict[str, Any]
) -> None:
    """The server claims 5 rows but the second page is empty: not silently truncated."""
    httpserver.expect_request(ROUTE, query_string=_query(0, 3)).respond_with_json(
        _page(full_answer, 0, 3)
    )
    httpserver.expect_request(ROUTE, query_string=_query(3, 3)).respond_with_json(
        _page(full_answer, 5, 3)
    )
    with pytest.raises(FeedError, match="page at offset 3 is empty but total says 5 rows"):
        get_eia_demand(
            session, "ERCO", START, END, api_key=KEY,
            base_url=httpserver.url_for("/v2/"), page_length=3,
        )  # fmt: skip


def test_bad_values_and_wrong_shape_are_errors_and_not_cached(
    httpserver: HTTPServer, session: requests.Session, full_answer: dict[str, Any]
) -> None:
    """A 200 answer that does not parse is dropped from the cache: asking again refetches."""
    bad = copy.deepcopy(full_answer)
    bad["response"]["data"][2]["value"] = "n/a"
    httpserver.expect_ordered_request(ROUTE).respond_with_json(bad)
    httpserver.expect_ordered_request(ROUTE).respond_with_json(full_answer)
    httpserver.expect_ordered_request(ROUTE).respond_with_json({"data": []})
    url = httpserver.url_for("/v2/")
    with pytest.raises(FeedError, match=r"non-numeric value 'n/a' \[MW expected\]"):
        get_eia_demand(session, "ERCO", START, END, api_key=KEY, base_url=url)
    assert len(get_eia_demand(session, "ERCO", START, END, api_key=KEY, base_url=url)) == 5
    with pytest.raises(FeedError, match="answer has no 'response' object"):
        get_eia_demand(session, "ERCO", "2021-03-01", "2021-03-02", api_key=KEY, base_url=url)
    httpserver.check_assertions()
