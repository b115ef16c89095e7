"""Risk thresholds worked by hand, their explanation, and the webhook payload."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from planner.errors import ConfigError, FeedError, JobError
from planner.ops.notify import (
    HASHRATE_AT_RISK_KPI,
    PLANNED_CURTAILMENT_KPI,
    RiskAlert,
    RiskKind,
    Thresholds,
    explain_thresholds,
    risk_alerts,
    webhook_payload,
)
from weather.schema import empty_events

KPIS = {HASHRATE_AT_RISK_KPI: 0.12, PLANNED_CURTAILMENT_KPI: 340.0, "profit_usd": 1.0e6}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def events(rows: list[tuple[str, str | None, str, str, str]]) -> pd.DataFrame:
    """Canonical event table from ``(start, end, site_id, kind, severity)`` rows."""
    return pd.DataFrame(
        {
            "start": pd.Series([utc(r[0]) for r in rows], dtype="datetime64[ns, UTC]"),
            "end": pd.Series(
                [utc(r[1]) if r[1] else pd.NaT for r in rows], dtype="datetime64[ns, UTC]"
            ),
            "site_id": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
            "severity": [r[4] for r in rows],
            "source": "nws",
            "source_id": [f"urn:alert:{i}" for i in range(len(rows))],
        }
    )


ALERTS = events(
    [
        ("2025-01-15T12:00Z", "2025-01-17T00:00Z", "tx-west", "Winter Storm Warning", "Severe"),
        ("2025-01-16T00:00Z", "2025-01-16T18:00Z", "tx-west", "Extreme Cold Warning", "Extreme"),
        ("2025-01-15T00:00Z", "2025-01-15T06:00Z", "georgia", "Wind Advisory", "Moderate"),
        ("2025-01-10T00:00Z", "2025-01-11T00:00Z", "nd", "Blizzard Warning", "Extreme"),
        ("2025-01-15T18:00Z", None, "rockdale", "Fire Weather Watch", "severe"),
    ]
)


# -- thresholds ----------------------------------------------------------------------------------


def test_kpis_above_thresholds_alert_with_hand_worked_messages() -> None:
    t = Thresholds(
        hashrate_at_risk_max=0.10, planned_curtailment_mwh_max=300.0, notify_on_severe_alert=False
    )
    out = risk_alerts(KPIS, ALERTS, t)
    assert out == [
        RiskAlert(
            kind=RiskKind.HASHRATE_AT_RISK,
            message="hashrate at risk 12.0% is above the 10.0% threshold (chance the fleet falls below its hashrate floor)",
            value=0.12,
            threshold=0.10,
        ),
        RiskAlert(
            kind=RiskKind.PLANNED_CURTAILMENT,
            message="planned curtailment 340.0 MWh is above the 300.0 MWh threshold",
            value=340.0,
            threshold=300.0,
        ),
    ]


def test_thresholds_are_strict_and_none_switches_off() -> None:
    at_limit = {HASHRATE_AT_RISK_KPI: 0.10, PLANNED_CURTAILMENT_KPI: 300.0}
    t = Thresholds(
        hashrate_at_risk_max=0.10, planned_curtailment_mwh_max=300.0, notify_on_severe_alert=False
    )
    assert risk_alerts(at_limit, ALERTS, t) == []  # equal is not above
    off = Thresholds(notify_on_severe_alert=False)
    assert risk_alerts({}, ALERTS, off) == []  # KPIs are not even needed


def test_one_severe_weather_alert_per_site_with_the_worst_severity() -> None:
    out = risk_alerts({}, ALERTS, Thresholds())
    assert [a.site_id for a in out] == ["nd", "rockdale", "tx-west"]  # georgia is only Moderate
    tx = out[2]
    assert tx.kind is RiskKind.SEVERE_WEATHER
    assert tx.severity == "Extreme"
    assert tx.event_kinds == ("Extreme Cold Warning", "Winter Storm Warning")
    assert tx.source_ids == ("urn:alert:0", "urn:alert:1")
    assert tx.start == datetime(2025, 1, 15, 12, tzinfo=UTC)
    assert tx.end == datetime(2025, 1, 17, tzinfo=UTC)
    assert tx.message == (
        "extreme weather alert at site tx-west: Extreme Cold Warning, Winter Storm Warning "
        "from 2025-01-15T12:00:00Z until 2025-01-17T00:00:00Z"
    )
    rockdale = out[1]
    assert rockdale.severity == "severe"  # matched case-insensitively, reported as given
    assert rockdale.end is None
    assert rockdale.message.endswith("from 2025-01-15T18:00:00Z with no end given")


def test_window_keeps_only_alerts_overlapping_the_horizon() -> None:
    horizon = (datetime(2025, 1, 15, 6, tzinfo=UTC), datetime(2025, 1, 22, 6, tzinfo=UTC))
    out = risk_alerts({}, ALERTS, Thresholds(), window=horizon)
    assert [a.site_id for a in out] == ["rockdale", "tx-west"]  # nd's blizzard ended on the 11th
    with pytest.raises(ConfigError, match="window: start and end must be tz-aware"):
        risk_alerts({}, ALERTS, Thresholds(), window=(datetime(2025, 1, 1), datetime(2025, 1, 2)))


def test_custom_severe_levels_and_empty_tables() -> None:
    out = risk_alerts({}, ALERTS, Thresholds(severe_levels=("Moderate",)))
    assert [(a.site_id, a.severity) for a in out] == [("georgia", "Moderate")]
    assert risk_alerts({}, empty_events(), Thresholds()) == []
    assert risk_alerts({}, ALERTS, Thresholds(notify_on_severe_alert=False)) == []


def test_missing_or_bad_kpi_is_a_job_error() -> None:
    t = Thresholds(hashrate_at_risk_max=0.1, notify_on_severe_alert=False)
    with pytest.raises(
        JobError,
        match="the run's KPIs lack 'hashrate_at_risk_probability', needed by hashrate_at_risk_max",
    ):
        risk_alerts({"profit_usd": 1.0}, ALERTS, t)
    with pytest.raises(
        JobError, match="KPI 'hashrate_at_risk_probability' must be a finite number, got nan"
    ):
        risk_alerts({HASHRATE_AT_RISK_KPI: math.nan}, ALERTS, t)


def test_a_table_that_is_not_canonical_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match=r"alerts: event table lacks columns \['severity'\]"):
        risk_alerts({}, ALERTS.drop(columns="severity"), Thresholds())


def test_thresholds_validate_and_load_from_config() -> None:
    with pytest.raises(ConfigError) as exc:
        Thresholds(hashrate_at_risk_max=1.5, planned_curtailment_mwh_max=-1)
    assert str(exc.value) == (
        "thresholds: hashrate_at_risk_max: must be in [0, 1], got 1.5; "
        "planned_curtailment_mwh_max: must be >= 0, got -1"
    )
    with pytest.raises(
        ConfigError, match="notify_on_severe_alert: must be true or false, got 'yes'"
    ):
        Thresholds(notify_on_severe_alert="yes")  # type: ignore[arg-type]
    t = Thresholds.from_mapping(
        {"hashrate_at_risk_max": 0.05, "severe_levels": ["Extreme"]}, "settings.toml [notify]"
    )
    assert t == Thresholds(hashrate_at_risk_max=0.05, severe_levels=("Extreme",))
    with pytest.raises(ConfigError) as exc:
        Thresholds.from_mapping({"hashrate_max": 0.1}, "settings.toml [notify]")
    assert str(exc.value) == (
        "settings.toml [notify]: hashrate_max: unknown key; did you mean 'hashrate_at_risk_max'? "
        "allowed: hashrate_at_risk_max, notify_on_severe_alert, planned_curtailment_mwh_max, "
        "severe_levels"
    )
    with pytest.raises(
        ConfigError, match=r"^settings.toml \[notify\]: hashrate_at_risk_max: must be"
    ):
        Thresholds.from_mapping({"hashrate_at_risk_max": "high"}, "settings.toml [notify]")


def test_payload_carries_a_text_line_and_json_safe_values() -> None:
    alerts = risk_alerts(
        KPIS, ALERTS, Thresholds(hashrate_at_risk_max=0.10, notify_on_severe_alert=False)
    )
    body = webhook_payload(
        alerts, run_id="20250115T060000Z-abcd1234", kpis={"x": math.nan, "y": 2}, artifacts={}
    )
    assert body == {
        "source": "mining-fleet-planner",
        "run_id": "20250115T060000Z-abcd1234",
        "text": "mining-fleet-planner run 20250115T060000Z-abcd1234: 1 risk alert: hashrate at risk 12.0% is above the 10.0% threshold (chance the fleet falls below its hashrate floor)",
        "alerts": [
            {
                "kind": "hashrate_at_risk",
                "message": alerts[0].message,
                "value": 0.12,
                "threshold": 0.1,
                "site_id": None,
                "severity": None,
                "event_kinds": [],
                "source_ids": [],
                "start": None,
                "end": None,
            }
        ],
        "summary": [],
        "kpis": {"x": None, "y": 2.0},
        "artifacts": {},
    }


def test_payload_text_carries_the_summary_one_line_each() -> None:
    lines = ["Run optimized: +$1.0M expected against strike.", "Next: Curtail 40 MW at A"]
    body = webhook_payload([], run_id="r1", summary=lines)
    assert body["summary"] == lines
    assert body["text"].split("\n")[1:] == lines


def test_payload_text_ends_with_the_full_value_headline() -> None:
    # The run's headline is the expected profit incl. after horizon; the profit inside the
    # horizon stands beside it, labelled.
    kpis = {"expected_profit_incl_after_horizon_usd": 1_234_567.4, "expected_profit_usd": 2.5e6}
    body = webhook_payload([], run_id="r1", kpis=kpis)
    assert body["text"] == (
        "mining-fleet-planner run r1: 0 risk alerts: no thresholds crossed (expected profit "
        "incl. after horizon $1,234,567, in horizon $2,500,000)"
    )


# -- thresholds in words -------------------------------------------------------------------------


def test_every_check_is_explained_with_this_runs_value() -> None:
    limits = Thresholds(hashrate_at_risk_max=0.2, planned_curtailment_mwh_max=500.0)
    kpis = {
        HASHRATE_AT_RISK_KPI: 0.345,
        PLANNED_CURTAILMENT_KPI: 812.4,
        "hashrate_floor_eh_s": 16.04,
    }
    assert explain_thresholds(limits, kpis) == [
        "hashrate at risk: notifies above a 20% chance that the fleet falls below its hashrate "
        "floor (16.0 EH/s) in some hour of the horizon; this run 34.5%",
        "planned curtailment: notifies above 500 MWh over the horizon; this run 812 MWh",
        "weather: notifies for every site with a weather alert of level Extreme or Severe in the "
        "horizon",
    ]


def test_switched_off_checks_name_the_setting_that_switches_them_on() -> None:
    assert explain_thresholds(Thresholds(notify_on_severe_alert=False)) == [
        "hashrate at risk: not checked (set notify.thresholds.hashrate_at_risk_max)",
        "planned curtailment: not checked (set notify.thresholds.planned_curtailment_mwh_max)",
        "weather: not checked (notify.thresholds.notify_on_severe_alert is false)",
    ]
    # A KPI that is missing or not finite is left out rather than printed as nan.
    limits = Thresholds(hashrate_at_risk_max=0.1)
    assert explain_thresholds(limits, {HASHRATE_AT_RISK_KPI: math.nan})[0].endswith("horizon")


def test_the_payload_carries_the_explanation_when_given_the_thresholds() -> None:
    limits = Thresholds(planned_curtailment_mwh_max=300.0, notify_on_severe_alert=False)
    alerts = risk_alerts(KPIS, ALERTS, limits)
    body = webhook_payload(alerts, run_id="r1", kpis=KPIS, thresholds=limits)
    assert body["thresholds"] == explain_thresholds(limits, KPIS)
    assert body["thresholds"][1] == (
        "planned curtailment: notifies above 300 MWh over the horizon; this run 340 MWh"
    )
    assert "thresholds" not in webhook_payload(alerts, run_id="r1")
