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


def test_4cp_policy_curtails_exactly_the_hours_at_or_above_the_threshold_in_summer() -> None:
    times = pd.date_range("2023-07-01 18:00", periods=4, freq="h", tz="UTC")
    probability = pd.Series([0.1, 0.3, 0.29, 0.9], index=times)
    assert fourcp.curtailed(probability, 0.3).tolist() == [False, True, False, True]


def test_forecaster_point_and_reduction_keep_the_mean() -> None:
    # Flat history: the point forecast is the flat price at every lead, whatever phi.
    forecaster = common.PriceForecaster(
        phi=0.8, errors={h: np.zeros((1, 3, 24)) for h in range(24)}, horizon=24
    )
    point = forecaster.point(np.full((1, 48), 30.0), 24)
    assert common.from_asinh(point) == pytest.approx(np.full((1, 24), 30.0))
    # Errors: 100 paths; the reduced scenarios' weighted mean equals the mean over all paths.
    rng = np.random.default_rng(0)
    pool = rng.standard_t(3, (1, 100, 24))
    forecaster = common.PriceForecaster(phi=0.8, errors={h: pool for h in range(24)}, horizon=24)
    paths, weights = forecaster.reduced(np.full((1, 48), 30.0), 17, 24, 10, 5000.0)
    assert weights.sum() == pytest.approx(1.0)
    assert len(weights) == 10 and weights[-1] == pytest.approx(0.03)  # top bin: 3 of 100
    full = forecaster.mean_forecast(np.full((1, 48), 30.0), 17, 24, 5000.0)
    assert np.tensordot(weights, paths, axes=1) == pytest.approx(full)


def test_reduction_quantiles_are_finer_in_the_upper_tail() -> None:
    assert common.reduction_quantiles(4).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    edges = common.reduction_quantiles(10)
    assert edges[5] == 0.5 and edges[-2] == pytest.approx(0.96875) and edges[-1] == 1.0
