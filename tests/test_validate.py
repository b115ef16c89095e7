"""The validation runner (benchmarks/validate.py) and small pieces of the validation scripts.

The runner must say clearly what is missing when the real data is absent, exit 0, and never
write over a document made from a complete run; the scripts' small functions give numbers worked
by hand. Nothing here reads ../shared/data.
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

validate = importlib.import_module("benchmarks.validate")
common = importlib.import_module("benchmarks.validate_common")
capture = importlib.import_module("benchmarks.validate_capture")
fourcp = importlib.import_module("benchmarks.validate_4cp")
walk = importlib.import_module("benchmarks.validate_walkforward")
gap = importlib.import_module("benchmarks.capture_gap")


def test_discovers_the_three_scripts_and_skips_the_helper_module() -> None:
    names = [s.name for s in validate.discover()]
    assert names[:3] == ["validate_storms", "validate_4cp", "validate_capture"]
    assert "validate_common" not in names


def test_missing_data_exits_0_lists_the_files_and_writes_a_document_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "validation.md"
    code = validate.main(["--data", str(tmp_path / "no-such-folder"), "--out", str(out)])
    said = capsys.readouterr().out
    assert code == 0
    assert "not found" in said
    assert "ercot/ercot_rtm_spp_hubs_hourly_2020_2025.csv" in said
    assert "needed by validate_storms, validate_4cp, validate_capture" in said
    text = out.read_text()
    assert validate.INCOMPLETE in text and validate.COMPLETE not in text
    assert "## Missing data" in text
    assert "`validate_capture`: " in text and "ercot_rtm_spp_15min_event_windows.csv" in text


def test_missing_data_never_overwrites_a_complete_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "validation.md"
    good = f"# Validation\n{validate.COMPLETE}\nevery table from a complete run\n"
    out.write_text(good)
    assert validate.main(["--data", str(tmp_path), "--out", str(out)]) == 0
    assert out.read_text() == good
    assert "kept" in capsys.readouterr().out


def test_a_partial_run_never_overwrites_a_complete_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --only with a script whose data is missing: nothing runs, the complete document stays.
    out = tmp_path / "validation.md"
    good = f"# Validation\n{validate.COMPLETE}\n"
    out.write_text(good)
    assert validate.main(["--data", str(tmp_path), "--out", str(out), "--only", "4cp"]) == 0
    assert out.read_text() == good


def test_render_marks_a_partial_run_incomplete() -> None:
    text = validate.render(
        [],
        missing={},
        data=ROOT,
        total_seconds=0.0,
        jobs=1,
        generated=datetime(2026, 1, 2, tzinfo=UTC),
        commit="abc1234",
        only=["4cp"],
    )
    assert validate.INCOMPLETE in text and "Partial run: only 4cp" in text


def test_render_puts_each_figure_in_the_summary_with_its_comparator() -> None:
    script = validate.Script("validate_demo", "Demo", ("x.csv",))
    records = [
        {"type": "text", "heading": "Method", "body": "How."},
        {
            "type": "table",
            "title": "T",
            "columns": ["strategy", "profit_usd"],
            "rows": [["strike", 1234567.8], ["run-through", None]],
            "formats": [None, ",.0f"],
            "note": None,
        },
        {
            "type": "figure",
            "label": "Capture",
            "value": 96.8074,
            "unit": "%",
            "published": "99.7 %",
            "comparison": "below by 2.9 points",
            "fmt": ",.1f",
        },
        {"type": "weakness", "body": "Prices only."},
    ]
    outcome = validate.Outcome(script, records, seconds=12.0)
    text = validate.render(
        [outcome],
        missing={},
        data=ROOT,
        total_seconds=12.0,
        jobs=2,
        generated=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        commit="abc1234",
    )
    assert validate.COMPLETE in text
    assert "| Capture | 96.8 % | 99.7 % | below by 2.9 points |" in text
    assert "| strike | 1,234,568 |" in text and "| run-through | – |" in text
    assert "### Where the model is weak\n\n- Prices only." in text
    assert "demo 12 s" in text


def test_capture_margin_and_breakeven_of_one_s19j_pro_by_hand() -> None:
    # One S19j Pro (100 TH/s, 2,950 W) at hashprice 0.05 USD/(TH/s day), PUE 1.05, adder 4:
    # revenue 100 x 0.05 / 24 = 0.208333 USD/h; power 0.00295 MW x 1.05 x (40 + 4) = 0.136290;
    # margin 0.072043 USD/h. Breakeven: 0.208333 / 0.00295 = 70.62 USD/MWh before overhead
    # (docs/model.md), / 1.05 = 67.26.
    tiers = capture.Tiers(np.array([1.0]), np.array([100.0]), np.array([2950.0]), 1.05, 4.0)
    margin = tiers.margin(np.array([40.0]), np.array([0.05]), 1.0)
    assert margin[0, 0] == pytest.approx(0.208333333 - 0.1362900, abs=1e-6)
    assert tiers.breakeven(np.array([0.05]))[0, 0] == pytest.approx(67.2584, abs=1e-3)
    # A quarter hour earns a quarter of it.
    assert tiers.margin(np.array([40.0]), np.array([0.05]), 0.25)[0, 0] == pytest.approx(
        margin[0, 0] / 4
    )


def test_capture_fleet_runs_on_off_so_the_library_strike_is_its_closed_form() -> None:
    # The catalog's S19j Pro has power modes; the study values a schedule on/off (run fraction
    # x full-power margin), so its machines must run at nameplate or not at all. Three
    # 15-minute intervals at hashprice 0.05 USD/(TH/s day): the S19j Pro breaks even at 67.26
    # USD/MWh (marginal: hub + 4), the S21 at 200 x 0.05 / 24 / 0.0035 / 1.05 = 113.38. Hub
    # prices 100, 70, 10: the first interval runs both (nothing settled yet), the second reads
    # 104 (S19j Pro off, S21 on), the third 74 (the same). With modes the S19j Pro would step
    # down to a mode (a load share strictly between 0 and 1) instead.
    from planner.domain.ledger import SiteHours
    from planner.engine.policies import StrikePrice

    fleet = capture.capture_fleet()
    assert [m.modes for m in fleet.models.values() if m.modes] == []
    times = pd.date_range("2023-07-01", periods=3, freq="15min", tz="UTC")
    hours = SiteHours(
        times=times,
        temp_air_c=np.full(3, 20.0),
        price_usd_per_mwh=np.array([100.0, 70.0, 10.0]),
        hashprice_usd_per_th_day=np.full(3, 0.05),
        grid_available=np.ones(3),
        four_cp_peak=np.zeros(3, dtype=bool),
        dr_called=np.zeros(3, dtype=bool),
        four_cp_probability=np.zeros(3),
        alert_active=np.zeros(3, dtype=bool),
    )
    strike = StrikePrice(debounce_hours=0.25, min_hold_hours=0.0)
    got = strike.run_fraction(fleet, fleet.sites[0], hours)
    assert got.tolist() == [[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]  # tiers: S21 first, then S19j Pro


def test_persistence_at_the_plan_issue_reads_what_had_settled_at_ten_the_day_before() -> None:
    # Hourly prices 0, 1, 2, ... from local midnight of July 1 (CDT). The plan of July 3 is
    # issued at 10:00 on July 2: hours 0-9 read July 2 (24 + h), hours 10-23 read July 1 (h).
    start = pd.Timestamp("2023-07-01", tz=common.ZONE).tz_convert("UTC")
    times = pd.date_range(start, periods=72, freq="h")
    prices = pd.Series(np.arange(72.0), index=times)
    got = capture.persistence_at_issue(prices, times[48:])
    assert got.tolist() == [24.0 + h for h in range(10)] + [float(h) for h in range(10, 24)]


def test_4cp_score_by_hand() -> None:
    # Five curtailed hours, two of them peaks (a third peak missed): caught 2, false alarms 3,
    # precision 2/5 = 40 %. Value on 1 MW at 60 USD/kW-yr: 2 x 15,000 saved, minus the margin
    # lost in the curtailed hours with a negative margin counted as 0: 10 + 0 + 20 + 0 + 30.
    times = pd.date_range("2023-07-01", periods=8, freq="h", tz="UTC")
    flags = pd.Series([True, True, True, True, True, False, False, False], index=times)
    peaks = pd.DatetimeIndex([times[1], times[3], times[6]])
    margin = pd.Series([10.0, -5.0, 20.0, 0.0, 30.0, 99.0, 99.0, 99.0], index=times)
    got = fourcp.score(flags, peaks, margin)
    assert got == {
        "caught": 2,
        "curtailed_h": 5,
        "false_alarm_h": 3,
        "precision_pct": 40.0,
        "net_value_usd_per_mw": 30_000.0 - 60.0,
    }


def test_4cp_reliability_by_decile_by_hand() -> None:
    """Twenty July days, the day's chance 0.00, 0.05, .. 0.95 in its 16:00 hour (CDT, 21:00
    UTC); the days of chance 0.95 and 0.45 held peaks. Deciles of two days each: the top one
    has mean chance 0.925 and half its days peaks, the fifth 0.425 and half, the rest none."""
    days = pd.date_range("2023-07-01", periods=20, freq="D")
    hours = (days + pd.Timedelta(hours=16)).tz_localize(fourcp.ZONE).tz_convert("UTC")
    chances = pd.Series(np.arange(20) * 0.05, index=hours)
    got = fourcp.reliability(chances, pd.DatetimeIndex([hours[19], hours[9]]))
    assert got["decile"].tolist() == list(range(1, 11))
    assert got["days"].tolist() == [2] * 10
    assert got["mean_chance"].to_numpy() == pytest.approx(np.arange(10) * 0.1 + 0.025)
    assert got["peaks"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert got["peak_share"].tolist() == [0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5]


def test_4cp_day_ahead_mape_by_hand() -> None:
    """Realised peaks 100 and 100 MW; the median forecast 105 and 100 (errors 5 and 0 %: 2.5 %);
    persistence, the issue day's peaks 100 and 90 (0 and 10 %: 5 %)."""
    days = pd.DatetimeIndex(["2023-07-01", "2023-07-02"])
    rows = pd.DataFrame({"recent_peak_mw": [100.0, 90.0], "peak_mw": [100.0, 100.0]}, index=days)
    got = fourcp.day_ahead_mape(pd.Series([105.0, 100.0], index=days), rows)
    assert got == pytest.approx({"model_mape_pct": 2.5, "persistence_mape_pct": 5.0})


def test_4cp_policy_curtails_exactly_the_hours_at_or_above_the_threshold_in_summer() -> None:
    times = pd.date_range("2023-07-01 18:00", periods=4, freq="h", tz="UTC")
    probability = pd.Series([0.1, 0.3, 0.29, 0.9], index=times)
    assert fourcp.curtailed(probability, 0.3).tolist() == [False, True, False, True]


def test_value_captured_and_the_strike_closed_form_by_hand() -> None:
    # One tier, four intervals with margins 5, -10, 3, -1 USD: the oracle earns 8 (runs 1 and 3),
    # running through -3, a gain of 11. Running intervals 1, 2 and 3 earns -2: (-2 + 3) / 11.
    econ = walk.Economics(
        threshold=np.full((1, 4), 50.0),
        margin=np.array([[5.0, -10.0, 3.0, -1.0]]),
        price=np.array([40.0, 90.0, 45.0, 60.0]),
    )
    assert econ.value(np.array([[1.0, 1.0, 1.0, 0.0]])) == pytest.approx(100.0 / 11.0)
    assert common.value_captured_pct(-2.0, -3.0, 8.0) == pytest.approx(100.0 / 11.0)
    # The strike on the last settled interval: the first runs (nothing settled), then each
    # interval reads the one before: 40 (run), 90 (shed), 45 (run).
    assert walk.strike_runs(econ).tolist() == [[1.0, 1.0, 0.0, 1.0]]
    # A decision reading NaN (no forecast) runs.
    assert econ.runs_below(np.array([np.nan, 60.0, 10.0, 50.0])).tolist() == [[1.0, 0.0, 1.0, 0.0]]


def test_the_gap_to_the_oracle_splits_by_cause_by_hand() -> None:
    # Threshold 50; margins 5, -10, 3, -1 USD at prices 40, 90, 45, 48: the oracle earns 8,
    # running through -3, a gain of 11. The strike runs [1, 1, 0, 1]: it runs into interval 1
    # (90, after 40: the spike's first interval, 10 USD) and 3 (48, after 45: first again, 1
    # USD: its margin is negative at the day's own hashprice though the price is below the
    # published threshold: hashprice moved), and sheds 2 (45 after 90: a reversion, 3 USD).
    # Near breakeven (within 10 USD/MWh): 45 and 48, 3 + 1 USD. Points are USD x 100 / 11.
    econ = walk.Economics(
        threshold=np.full((1, 4), 50.0),
        margin=np.array([[5.0, -10.0, 3.0, -1.0]]),
        price=np.array([40.0, 90.0, 45.0, 48.0]),
    )
    strike = walk.strike_runs(econ)
    got = gap.gap_points(econ, strike)
    expected = {
        "first interval of a spike": 1100 / 11,
        "inside a spike": 0.0,
        "reversion": 300 / 11,
        "false alarm": 0.0,
        "near breakeven": 400 / 11,
        "hashprice moved": 100 / 11,
    }
    assert got == pytest.approx(expected)
    assert sum(got[c] for c in gap.CAUSES) == pytest.approx(100.0 - econ.value(strike))
    # Running through interval 2 after the spike (a forecast's restore) and shedding 0 (a false
    # alarm) instead: inside a spike nothing (interval 2 pays), false alarm 5 USD.
    other = np.array([[0.0, 0.0, 1.0, 0.0]])
    got = gap.gap_points(econ, other)
    assert got["false alarm"] == pytest.approx(500 / 11) and got["reversion"] == 0.0
    assert sum(got[c] for c in gap.CAUSES) == pytest.approx(100.0 - econ.value(other))


def test_the_spike_guard_level_is_chosen_on_forecasts_issued_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Four intervals of the window's own forecasts (a week of them, here four); the forecast's
    # quantiles are 0 at every level but 0.95 and 0.98 in interval 1 (the spike), at 200 USD/MWh
    # (its mean: 0.05 x 100 + 0.03 x 200 + 0.02 x 200 = 15). The guard alone runs into the spike
    # (it reads the interval before) and sheds interval 2, which pays 3: margin 5 - 10 + 2 = -3.
    # Only a rule reading 0.95 or 0.98 sheds the spike: shedding only, it keeps the guard's
    # shed of 2 (5 + 2 = 7); deciding both ways it runs 2 too (5 + 3 + 2 = 10, the oracle), and
    # 0.95 comes first. Nothing seen, or only another window's forecasts, or fewer than a week
    # of the window's own: none (the guard alone).
    from planner.world.forecasters.quantiles import PriceQuantiles

    monkeypatch.setattr(walk, "OWN_HISTORY_INTERVALS", 4)

    econ = walk.Economics(
        threshold=np.full((1, 4), 50.0),
        margin=np.array([[5.0, -10.0, 3.0, 2.0]]),
        price=np.array([40.0, 900.0, 45.0, 40.0]),
    )
    times = pd.date_range("2023-07-01", periods=4, freq="15min", tz="UTC")
    values = np.zeros((4, 7))
    values[1, 5:] = 200.0  # levels 0.95 and 0.98
    forecast = PriceQuantiles(times, times, (0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98), values)
    assert walk.choose_level([], current="w") is None
    assert forecast.expected()[1] == pytest.approx(15.0)
    record = ("w", forecast, econ, walk.strike_runs(econ))
    assert walk.choose_level([record], current="w") == ("both", "0.95")
    assert walk.choose_level([record], current="next window") is None
    monkeypatch.setattr(walk, "OWN_HISTORY_INTERVALS", 5)
    assert walk.choose_level([record], current="w") is None
    monkeypatch.setattr(walk, "OWN_HISTORY_INTERVALS", 4)
    # Where no level beats the guard alone (the spike already seen, interval 2 dear), none.
    calm = walk.Economics(econ.threshold, np.array([[5.0, 3.0, -10.0, -1.0]]), econ.price)
    calm = walk.Economics(calm.threshold, calm.margin, np.array([40.0, 40.0, 900.0, 900.0]))
    assert walk.choose_level([("w", forecast, calm, walk.strike_runs(calm))], current="w") is None
    # Where the interval after the spike goes on losing (margins 5, -10, -3, 2), restoring it
    # costs: the guard alone earns 5 - 10 + 2 = -3, shedding on 0.95 too 5 + 2 = 7, and
    # deciding both ways 5 - 3 + 2 = 4. The rule sheds only; its run fractions in closed form
    # (guarded_runs) are the guard's and the forecast's minimum, [1, 0, 0, 1]; both ways, the
    # forecast's, [1, 0, 1, 1].
    longer = walk.Economics(econ.threshold, np.array([[5.0, -10.0, -3.0, 2.0]]), econ.price)
    strike = walk.strike_runs(longer)
    assert walk.choose_level([("w", forecast, longer, strike)], current="w") == ("shed", "0.95")
    high = forecast.level(0.95)
    assert walk.guarded_runs(longer, strike, high, False).tolist() == [[1.0, 0.0, 0.0, 1.0]]
    assert walk.guarded_runs(longer, strike, high, True).tolist() == [[1.0, 0.0, 1.0, 1.0]]


def test_day_ahead_levels_are_chosen_on_the_same_season_a_year_before() -> None:
    # Summer 2023 with data from 2020: June-September 2022 widened by 30 days each side. Uri
    # (February 2021) has 403 days of history, too few before February 2020: the last third,
    # 134 days back from February 7.
    summer = pd.date_range("2023-06-01", "2023-09-30")
    got = walk.selection_days(summer, pd.Timestamp("2020-01-01"))
    assert (got[0], got[-1]) == (pd.Timestamp("2022-05-02"), pd.Timestamp("2022-10-30"))
    uri = pd.date_range("2021-02-07", "2021-02-24")
    got = walk.selection_days(uri, pd.Timestamp("2020-01-01"))
    assert (got[0], got[-1]) == (pd.Timestamp("2020-09-26"), pd.Timestamp("2021-02-06"))


def test_day_ahead_gap_splits_into_missed_spikes_and_false_alarms_by_hand() -> None:
    # Two tiers, thresholds 40 and 80 every hour; three hours at margins (tier 1) 10, -20, 5
    # and (tier 2) -40, -10, 15: the oracle's gain over running through is 20 + 40 + 10 = 70.
    # The plan runs tier 1 in hours 1-2 and tier 2 in hours 2-3: it runs into -20 (tier 1,
    # hour 2; persistence 50 was above 40: a sign) and -10 (tier 2, hour 2; 50 below 80: no
    # sign), 30 of 70 = 42.857 %, of which 10 unsigned = 14.286 %; it sheds tier 1 in hour 3
    # (5) and tier 2 in hour 1 (-40, right): false alarms 5 of 70 = 7.143 %. Value captured
    # 100 - 42.857 - 7.143 = 50 %.
    econ = walk.Economics(
        threshold=np.array([[40.0] * 3, [80.0] * 3]),
        margin=np.array([[10.0, -20.0, 5.0], [-40.0, -10.0, 15.0]]),
        price=np.zeros(3),
    )
    run = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    got = gap.day_ahead_gap(econ, run, np.array([0.0, 50.0, 0.0]))
    assert got == pytest.approx({"missed": 300 / 7, "unsigned": 100 / 7, "false_alarm": 50 / 7})
    assert econ.value(run) == pytest.approx(100.0 - got["missed"] - got["false_alarm"])
    calm = walk.Economics(econ.threshold, np.abs(econ.margin), econ.price)
    assert gap.day_ahead_gap(calm, run, np.zeros(3)) == {
        "missed": 0.0,
        "unsigned": 0.0,
        "false_alarm": 0.0,
    }


def test_day_ahead_mean_is_calibrated_and_capped_at_the_offer_cap_in_force() -> None:
    # Quantiles 10 and 100 at 0.9 and 0.99, for an hour of 2021 (offer cap 9,000) and one of
    # 2022 (5,000). Read at those levels: flat below (0.9 x 10), a trapezoid (0.09 x 55) and the
    # Pareto tail through them (b = ln 10 / ln 10 = 1), capped at s_c = 0.01 x 100 / cap:
    # cap s_c + 100 x 0.01 x ln(cap / 100) = 1 + ln(cap / 100).
    from planner.world.forecasters.quantiles import PriceQuantiles

    times = pd.DatetimeIndex(["2021-12-31 12:00", "2022-01-01 12:00"], tz="UTC")
    forecast = PriceQuantiles(times, times, (0.9, 0.99), np.tile([10.0, 100.0], (2, 1)))
    got = walk.read_day_ahead(forecast, "mean", np.array([0.9, 0.99]))
    assert got.tolist() == pytest.approx([14.95 + np.log(90.0), 14.95 + np.log(50.0)])
    # Calibrated: the two quantiles reached only 0.8 and 0.98 on settled prices. Flat 0.8 x 10,
    # trapezoid 0.18 x 55, tail (still b = ln 10 / ln(0.2 / 0.02) = 1) 2 + 2 ln(cap / 100).
    got = walk.read_day_ahead(forecast, "mean", np.array([0.8, 0.98]))
    assert got.tolist() == pytest.approx([19.9 + 2 * np.log(90.0), 19.9 + 2 * np.log(50.0)])
    # Any other name is that quantile level, calibration or not.
    assert walk.read_day_ahead(forecast, "0.95", np.array([0.8, 0.98])).tolist() == pytest.approx(
        [60.0, 60.0]
    )


def test_4cp_policy_is_chosen_within_the_false_alarm_budget_by_hand() -> None:
    # 40 July hours: 25 at chance 0.1, a peak at 0.3 (hour 27), a peak at 0.15 (hour 30) and 5
    # hours at 0.2 (33-37). One training summer allows 20 false-alarm hours: 0.1 curtails 32
    # hours (30 false alarms, over), 0.15 catches both peaks with 7 hours (5 false alarms);
    # window 1 at 0.15 catches both too but curtails 26-38 (13 hours): (0.15, 0).
    times = pd.date_range("2023-07-01", periods=40, freq="h", tz="UTC")
    chance = pd.Series(0.0, index=times)
    chance.iloc[:25] = 0.1
    chance.iloc[[27, 30]] = [0.3, 0.15]
    chance.iloc[33:38] = 0.2
    peaks = pd.DatetimeIndex([times[27], times[30]])
    assert fourcp.choose(chance, peaks, 1) == (0.15, 0)
    # The second peak at 0.1: within 20 false-alarm hours only one peak can be caught, by
    # curtailing one hour at 0.3 (0.25 does the same; ties go to the higher threshold). Two
    # summers allow 40: 0.1 catches both with 31 false alarms.
    chance.iloc[30] = 0.1
    assert fourcp.choose(chance, peaks, 1) == (0.3, 0)
    assert fourcp.choose(chance, peaks, 2) == (0.1, 0)
