"""The action schedule worked by hand on a hand-made plan: two sites, four hours, two
scenarios; its CSV and iCalendar files parsed back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import icalendar
import numpy as np
import pandas as pd
import pytest

from planner.domain.examples import two_sites
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.optimization import OptimizeSettings, Plan
from planner.engine.optimization.data import TierData
from planner.engine.optimization.plan import RELOCATION_COLUMNS, PlanKPIs
from planner.engine.optimization.status import SolveResult, SolveStatus
from planner.errors import ConfigError
from planner.ops.actions import (
    ACTION_COLUMNS,
    action_schedule,
    actions_csv,
    actions_ics,
    market_timezone,
)

START = pd.Timestamp("2025-01-14 06:00", tz="UTC")  # midnight in Chicago (CST, UTC-6)


def fleet() -> Fleet:
    """two_sites() with the hydro site moved into MISO (whose market clock is EST all year)."""
    raw = two_sites().model_dump(by_alias=True)
    raw["sites"][1]["grid"] = {"iso": "MISO", "node": "MINN.HUB"}
    return fleet_from_dict({"name": "two", "sites": raw["sites"], "routes": raw["routes"]}, "t")


def plan() -> Plan:
    """tx: 2.95 MW of S19j Pro (100 TH/s, 2,950 W); hydro: 2.68 MW of S21 Hyd. (freeze risk).

    tx curtails 2 MW in hours 1 and 2 in both scenarios; the price in those hours is 100 $/MWh
    in scenario 0 (weight 0.25) and 40 in scenario 1 (0.75); a 4CP peak hour falls in hour 2 of
    scenario 1. Hydro runs in full; hours 0 and 1 are below 0 degC in scenario 1. The plan ships
    200 S19j Pro from tx to hydro, arriving after 72 h.
    """
    f = fleet()
    tiers = (
        TierData(0, "tx", "s19j-pro", 2950.0, 100.0, 1000, 0.0),
        TierData(1, "hydro", "s21-hyd", 5360.0, 335.0, 500, 0.0),
    )
    available = np.zeros((2, 4, 2))
    available[0], available[1] = 2.95, 2.68
    running = available.copy()
    running[0, 1:3, :] = 0.95
    price = np.full((2, 4, 2), 30.0)
    price[0, 1:3, 0], price[0, 1:3, 1] = 100.0, 40.0
    four_cp = np.zeros((2, 4, 2))
    four_cp[0, 2, 1] = 1.0
    cold = np.zeros((2, 4, 2))
    cold[1, 0:2, 1] = 1.0
    moves = pd.DataFrame(
        [("tx->hydro", "tx", "hydro", "s19j-pro", 200, 10_000.0, 0.0, 72.0)],
        columns=list(RELOCATION_COLUMNS),
    )
    solved = SolveResult(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, np.zeros(0))
    return Plan(
        fleet=f,
        settings=OptimizeSettings(),
        parameters={"price_scale": 1.0, "hashprice_scale": 1.0},
        relocations=moves,
        schedule=pd.DataFrame(),
        first_period=pd.DataFrame(),
        kpis=PlanKPIs(0, 0, 0, 0, 0, 0, 0),
        solver=solved,
        times=pd.date_range(START, periods=4, freq="h"),
        duration_h=np.ones(4),
        weights=np.array([0.25, 0.75]),
        profit_usd=np.zeros(2),
        after_horizon_usd=np.zeros(2),
        tiers=tiers,
        running_mw=running,
        available_mw=available,
        price_usd_per_mwh=price,
        hashprice_usd_per_th_day=np.full((4, 2), 0.05),
        four_cp_hours=four_cp,
        dr_share=np.zeros((2, 4, 2)),
        cold_hours=cold,
    )


def test_the_actions_by_hand() -> None:
    actions = action_schedule(plan())
    assert list(actions.columns) == list(ACTION_COLUMNS)
    got = actions[["site_id", "action", "mw", "start_utc", "end_utc"]].to_numpy().tolist()
    assert got == [
        ["tx", "ship machines", pytest.approx(0.59), "2025-01-14T06:00Z", "2025-01-17T06:00Z"],
        [
            "hydro",
            "keep loops warm",
            pytest.approx(0.268),
            "2025-01-14T06:00Z",
            "2025-01-14T08:00Z",
        ],
        ["tx", "curtail", 2.0, "2025-01-14T07:00Z", "2025-01-14T09:00Z"],
        ["tx", "restore", 2.0, "2025-01-14T09:00Z", "2025-01-14T09:00Z"],
        [
            "hydro",
            "receive machines",
            pytest.approx(0.59),
            "2025-01-17T06:00Z",
            "2025-01-17T06:00Z",
        ],
    ]
    curtail = actions.iloc[2]
    assert curtail.detail == "curtail 2.0 MW of 3.0 MW available (Antminer S19j Pro 2.0 MW)"
    # Break-even of an S19j Pro at overhead 1: 0.05 $/TH/s/day x 100 TH/s / 0.00295 MW / 24 h
    # = 70.62 $/MWh; expected price 0.25 x 100 + 0.75 x 40 = 55; only scenario 0 is above.
    # The 4CP hour is in scenario 1 (weight 0.75).
    assert curtail.reason == (
        "expected price $55/MWh against the Antminer S19j Pro break-even $71/MWh; above it in "
        "25% of scenarios; 4CP peak chance up to 75%"
    )
    assert actions.iloc[3].reason == (
        "curtailment ends; expected price $30/MWh against the Antminer S19j Pro break-even "
        "$71/MWh; above it in 0% of scenarios"
    )
    loops = actions.iloc[1]
    assert loops.detail.startswith("keep at least 10% of the machines running (0.3 MW;")
    assert loops.reason == (
        "freeze: up to 75% chance of air below 0 degC; idle loops last 6 h before damage"
    )
    # 200 S19j Pro = 0.59 MW and 20 PH/s.
    assert actions.iloc[0].detail == "ship 200 Antminer S19j Pro to Hydro site"
    assert actions.iloc[0].reason.startswith("the plan moves 20 PH/s from Test site to Hydro site")


def test_site_and_market_clocks() -> None:
    actions = action_schedule(plan()).set_index("action")
    tx, hydro = actions.loc["curtail"], actions.loc["keep loops warm"]
    # 07:00 UTC is 01:00 in Chicago (CST, UTC-6), ERCOT's clock too.
    assert (tx.local_start, tx.market_start) == ("2025-01-14T01:00-06:00", "2025-01-14T01:00-06:00")
    assert (tx.local_timezone, tx.market, tx.market_timezone) == (
        "America/Chicago",
        "ERCOT",
        "America/Chicago",
    )
    # The hydro site keeps Chicago time; MISO settles on EST (UTC-5): 06:00 UTC is 01:00 EST.
    assert (hydro.local_start, hydro.market_start) == (
        "2025-01-14T00:00-06:00",
        "2025-01-14T01:00-05:00",
    )
    assert hydro.market_timezone == "Etc/GMT+5" == market_timezone(fleet().site("hydro"))


def test_the_csv_and_the_calendar_parse_back() -> None:
    actions = action_schedule(plan())
    back = pd.read_csv(io.StringIO(actions_csv(actions)))
    assert list(back.columns) == list(ACTION_COLUMNS)
    assert back["action"].tolist() == actions["action"].tolist()
    assert back["mw"].to_numpy() == pytest.approx(actions["mw"].to_numpy())

    stamp = datetime(2025, 1, 14, 5, 30, tzinfo=UTC)
    text = actions_ics(actions, stamp=stamp, uid_prefix="run-1")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(actions) == 5
    curtail = events[2]
    assert str(curtail["summary"]) == "Test site: curtail (2.0 MW)"
    start, end = curtail.decoded("dtstart"), curtail.decoded("dtend")
    assert str(start.tzinfo) == "America/Chicago"
    assert start == START + pd.Timedelta(hours=1) and end == START + pd.Timedelta(hours=3)
    assert curtail.decoded("dtstamp") == stamp
    assert str(curtail["uid"]) == "run-1-2-tx@mining-fleet-planner"
    description = str(curtail["description"])
    assert "Why: expected price $55/MWh" in description
    assert "Market time (ERCOT, America/Chicago): 2025-01-14T01:00-06:00 to" in description
    # A point in time (restore) is a 15-minute reminder.
    restore = events[3]
    assert restore.decoded("dtend") - restore.decoded("dtstart") == pd.Timedelta(minutes=15)
    # Every zone used has its VTIMEZONE, so calendars need no zone database of their own.
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["America/Chicago"]


def test_a_plan_that_curtails_nothing_has_only_its_relocations() -> None:
    p = plan()
    full = Plan(**{**p.__dict__, "running_mw": p.available_mw, "cold_hours": np.zeros((0, 0, 0))})
    assert action_schedule(full)["action"].tolist() == ["ship machines", "receive machines"]
    with pytest.raises(ConfigError, match="step_mw: must be > 0, got 0"):
        action_schedule(p, step_mw=0)
    # tx curtails 2.0 of 2.95 MW (68 %): no action when 70 % is the least that counts.
    assert "curtail" not in set(action_schedule(p, min_share=0.7)["action"])
    assert "curtail" in set(action_schedule(p, min_share=0.6)["action"])
    with pytest.raises(ConfigError, match=r"min_share: must be in \[0, 1\), got 1"):
        action_schedule(p, min_share=1)
