"""NWS alerts: exact request, the CAP update/cancel chain, the canonical event table, failures."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer

from weather import nws, schema
from weather.errors import FeedError

Load = Callable[[str], Any]
ND_FIXTURE = "nws_alerts_north_dakota_2024-01-11.json"
WARN = "urn:oid:2.49.0.1.840.0.1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d.002.1"
CHILL = "urn:oid:2.49.0.1.840.0.55aa66bb77cc88dd99ee00ff11aa22bb33cc44dd.001.1"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_get_alerts_sends_point_accept_and_user_agent(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, user_agent: str
) -> None:
    httpserver.expect_request(
        "/alerts/active",
        query_string={"point": "46.91,-98.71"},
        headers={"Accept": "application/geo+json", "User-Agent": user_agent},
    ).respond_with_json(load_json(ND_FIXTURE), content_type="application/geo+json")

    table = nws.get_alerts(
        session, 46.91, -98.71, site_id="north-dakota", base_url=httpserver.url_for("/")
    )

    assert table["source_id"].tolist() == [WARN, CHILL]
    httpserver.check_assertions()


def test_point_is_sent_with_at_most_four_decimals(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request(
        "/alerts/active", query_string={"point": "31.8512,-102.3701"}
    ).respond_with_json(load_json("nws_alerts_empty.json"))

    nws.get_alerts(
        session, 31.851234, -102.370089, site_id="west-texas", base_url=httpserver.url_for("")
    )

    assert len(httpserver.log) == 1


def test_update_supersedes_and_cancel_removes_checked_by_hand(load_json: Load) -> None:
    # The fixture holds six messages issued by NWS Bismarck on 2024-01-11 (times CST, -06:00):
    #   Winter Storm Watch    Alert                     -> superseded by the Warning's Update
    #   Winter Storm Warning  Update, refs the Watch    -> kept: onset 01-12 06:00, ends 01-13 18:00
    #   Wind Advisory         Alert                     -> removed by the Cancel
    #   Wind Advisory         Cancel, refs the Advisory -> removed itself
    #   Wind Chill Warning    Alert, no ends, expires 01-12 06:00 before onset 01-13 18:00
    #                                                   -> kept, end unknown
    #   Test Message          status Test               -> dropped
    table = nws.parse_alerts(load_json(ND_FIXTURE), "north-dakota")

    assert list(table.columns) == [*schema.EVENT_COLUMNS, *nws.EXTRA_COLUMNS]
    assert len(table) == 2
    warn, chill = table.to_dict("records")
    assert warn == {
        "start": utc("2024-01-12 12:00"),  # 06:00 CST
        "end": utc("2024-01-14 00:00"),  # 18:00 CST
        "site_id": "north-dakota",
        "kind": "Winter Storm Warning",
        "severity": "Severe",
        "source": "nws",
        "source_id": WARN,
        "urgency": "Expected",
        "certainty": "Likely",
        "headline": (
            "Winter Storm Warning issued January 11 at 2:05PM CST until January 13 at 6:00PM CST "
            "by NWS Bismarck ND"
        ),
        "message_type": "Update",
    }
    assert chill["kind"] == "Wind Chill Warning"
    assert chill["start"] == utc("2024-01-14 00:00")
    assert pd.isna(chill["end"])
    assert str(table["start"].dtype) == "datetime64[ns, UTC]"


def test_the_same_alert_twice_counts_once(load_json: Load) -> None:
    payload = load_json(ND_FIXTURE)
    payload["features"] = payload["features"] + copy.deepcopy(payload["features"])

    table = nws.parse_alerts(payload, "north-dakota")

    assert table["source_id"].tolist() == [WARN, CHILL]


def test_no_active_alerts_is_an_empty_table_not_an_error(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request("/alerts/active").respond_with_json(
        load_json("nws_alerts_empty.json")
    )

    table = nws.get_alerts(
        session, 30.65, -97.0, site_id="rockdale", base_url=httpserver.url_for("")
    )

    assert table.empty
    assert list(table.columns) == [*schema.EVENT_COLUMNS, *nws.EXTRA_COLUMNS]
    assert str(table["start"].dtype) == "datetime64[ns, UTC]"


def test_only_cancellations_leaves_an_empty_table(load_json: Load) -> None:
    payload = load_json(ND_FIXTURE)
    payload["features"] = [
        f for f in payload["features"] if f["properties"]["event"] == "Wind Advisory"
    ]
    assert nws.parse_alerts(payload, "north-dakota").empty


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("features"), r"no 'features' list"),
        (lambda p: p["features"][0].pop("properties"), r"feature 0 has no 'properties'"),
        (lambda p: p["features"][0]["properties"].pop("event"), r"has no 'event'"),
        (lambda p: p["features"][0]["properties"].pop("id"), r"'feature 0' has no 'id'"),
        (
            lambda p: p["features"][2]["properties"].update(messageType="Shout"),
            r"unknown messageType 'Shout'",
        ),
        (
            lambda p: p["features"][2]["properties"].update(onset=None, effective=None),
            r"neither 'onset' nor 'effective'",
        ),
        (
            lambda p: p["features"][2]["properties"].update(onset="next tuesday"),
            r"unreadable onset 'next tuesday'",
        ),
        (
            lambda p: p["features"][0]["properties"]["references"][0].clear(),
            r"a reference without 'identifier'",
        ),
    ],
    ids=[
        "no-features",
        "no-properties",
        "no-event",
        "no-id",
        "bad-type",
        "no-start",
        "bad-time",
        "bad-reference",
    ],
)
def test_malformed_payloads_are_feed_errors(
    load_json: Load, mutate: Callable[[dict[str, Any]], Any], message: str
) -> None:
    payload = load_json(ND_FIXTURE)
    mutate(payload)

    with pytest.raises(FeedError, match=message) as err:
        nws.parse_alerts(payload, "north-dakota")
    assert err.value.feed == "nws alerts"


def test_problem_document_and_non_object_are_feed_errors() -> None:
    problem = {"title": "Bad Request", "detail": 'Parameter "point" is invalid', "status": 400}
    with pytest.raises(FeedError, match=r'provider error: Parameter "point" is invalid'):
        nws.parse_alerts(problem, "x")
    with pytest.raises(FeedError, match=r"expected a GeoJSON object, got list"):
        nws.parse_alerts([], "x")


def test_500_then_success(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, slept: list[float]
) -> None:
    httpserver.expect_oneshot_request("/alerts/active").respond_with_json(
        {"title": "Unexpected Problem", "status": 500}, status=500
    )
    httpserver.expect_request("/alerts/active").respond_with_json(load_json(ND_FIXTURE))

    table = nws.get_alerts(
        session, 46.91, -98.71, site_id="north-dakota", base_url=httpserver.url_for("")
    )

    assert slept == [1.0]
    assert len(table) == 2


def test_malformed_json_is_a_feed_error(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request("/alerts/active").respond_with_data(
        '{"type": "FeatureCollection", "features": [', content_type="application/geo+json"
    )
    with pytest.raises(FeedError, match=r"nws alerts: malformed JSON from GET .*point=46\.91"):
        nws.get_alerts(session, 46.91, -98.71, site_id="nd", base_url=httpserver.url_for(""))


def test_alerts_are_cached_briefly(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request("/alerts/active").respond_with_json(load_json(ND_FIXTURE))
    base = httpserver.url_for("")

    for _ in range(2):
        nws.get_alerts(session, 46.91, -98.71, site_id="north-dakota", base_url=base)

    assert len(httpserver.log) == 1


def test_real_phoenix_point_alerts(shared_fixture: Load) -> None:
    payload = shared_fixture("nws_alerts_active_point_phoenix_excessive_heat_2024-07-18.json")

    table = nws.parse_alerts(payload, "phoenix")

    # Air Quality Alert: onset 07-18 08:13 MST, no ends -> expires 07-19 21:00 MST
    # Excessive Heat Warning (an Update of an alert no longer listed): onset 07-19 10:00 MST,
    # ends 07-20 20:00 MST (its expires, 07-19 03:00, is only when the message lapses)
    assert table["kind"].tolist() == ["Air Quality Alert", "Excessive Heat Warning"]
    assert table["start"].tolist() == [utc("2024-07-18 15:13"), utc("2024-07-19 17:00")]
    assert table["end"].tolist() == [utc("2024-07-20 04:00"), utc("2024-07-21 03:00")]
    assert table["severity"].tolist() == ["Unknown", "Severe"]


def test_real_zone_flood_watch(shared_fixture: Load) -> None:
    payload = shared_fixture("nws_alerts_active_zone_pynws_flood_watch_2019-12-20.json")

    table = nws.parse_alerts(payload, "oregon")

    assert table[["kind", "severity", "source_id"]].to_dict("records") == [
        {"kind": "Flood Watch", "severity": "Severe", "source_id": "NWS-IDP-PROD-3965873-3369046"}
    ]
    assert table["start"].iloc[0] == utc("2019-12-20 21:34")
    assert table["end"].iloc[0] == utc("2019-12-22 18:00")
