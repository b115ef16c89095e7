"""The Streamlit page, driven in-process by ``AppTest``: widgets -> planner API -> results.

Each test states the behaviour it shows. The first run of the page builds feeds, scenarios and
the optimizer model for the demo fleet (a few seconds); later runs reuse Streamlit's caches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import planner
from planner.ops.store import RunStore

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run history in a folder of the test's own, never the user's."""
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path))
    yield tmp_path


def _page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def _usd(text: str) -> float:
    """``$17.4M`` -> 17.4e6, ``-$950k`` -> -950e3."""
    match = re.fullmatch(r"(-?)\$([\d,.]+)([kMB]?)", text)
    assert match, text
    sign, number, suffix = match.groups()
    scale = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}[suffix]
    return (-1 if sign else 1) * float(number.replace(",", "")) * scale


def _run_optimizer(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Run optimizer").click()
    at.run()


def _bad_fleet() -> bytes:
    """The demo fleet with the first site's capacity made negative."""
    text = files("planner.domain").joinpath("demo_fleet.toml").read_text(encoding="utf-8")
    return re.sub(r"capacity_mw\s*=\s*[0-9.]+", "capacity_mw = -5", text, count=1).encode()


def test_default_run_opens_with_the_summary_then_the_key_figures() -> None:
    at = _page()
    assert not at.exception
    assert not at.error
    # The summary first: the recommendation (the best at full value) against today's rule.
    headline = at.subheader[0].value
    assert re.match(
        r"^(Run [\w+@.-]+: [+-]\$[\d.]+[kM]? expected against strike|Keep strike)", headline
    )
    assert any(m.value.startswith("**Next actions**") for m in at.markdown)
    labels = [m.label for m in at.metric]
    assert labels[:4] == [
        "Expected profit incl. after horizon",
        "Worst-5 % incl. after horizon",
        "Mean hashrate",
        "Curtailed energy",
    ]
    assert _metric(at, "Expected profit incl. after horizon").startswith("$")
    assert _metric(at, "Mean hashrate").endswith("EH/s")
    views = at.get("button_group")[0]
    assert views.proto.options and [o.content for o in views.proto.options] == [
        "Key figures",
        "Map & risk",
        "Hashrate",
        "Profit",
        "Curtailment",
        "Relocations",
        "Actions",
        "Concentration",
        "Alerts & feeds",
        "Run history",
        "Downloads",
    ]  # the first is open
    # Every control of the sidebar says what it does in an operator's words.
    controls = [*at.slider, *at.select_slider, *at.selectbox, *at.multiselect, *at.radio]
    assert [c.key for c in controls if not c.help and c.key != "fleet_source"] == []


def test_every_strategy_can_be_chosen_and_is_judged_against_the_current_rule() -> None:
    at = _page()
    picker = at.multiselect(key="strategies")
    assert picker.options == [
        "run-through",
        "strike",
        "strike+protective",
        "protective",
        "4cp",
        "strike+4cp",
        "strike+4cp+protective",
        "optimized",
        "optimized+4cp",
        "optimized+protective",
    ]
    picker.set_value(["strike+protective", "4cp", "optimized+4cp"])
    at.selectbox(key="current_rule").set_value("strike+protective")
    at.select_slider(key="strike").set_value(80)
    _run_optimizer(at)
    assert not at.exception and not at.error
    assert "against strike@80+protective" in at.subheader[0].value or at.subheader[
        0
    ].value.startswith("Keep strike@80+protective")
    _open(at, "Map & risk")
    risk = at.dataframe[0].value
    # The chosen rules with the strike in dollars, the plan and its chosen composition.
    assert list(risk.index) == ["strike@80+protective", "4cp", "optimized", "optimized+4cp"]


def _open(at: AppTest, view: str) -> AppTest:
    """Open a tab: only the open one is drawn, and switching reruns the page."""
    at.session_state["view"] = view
    return at.run()


def test_each_view_draws_from_the_same_plan() -> None:
    at = _page()
    summary = at.subheader[0].value
    for view in ("Map & risk", "Hashrate", "Profit", "Curtailment"):
        _open(at, view)
        assert not at.exception and not at.error
        charts = [e for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
        # The hashrate view draws a panel per judged strategy, the others one chart.
        assert len(charts) == (4 if view == "Hashrate" else 1), view
        assert at.subheader[0].value == summary  # a view switch re-solves nothing new
        assert not at.metric  # one view at a time
    _open(at, "Relocations")
    assert [i.value for i in at.info] == [
        "No relocations: the plan keeps every machine where it is."
    ]
    first_hour = at.dataframe[0].value
    assert set(first_hour["site_id"]) == {
        "west-texas",
        "rockdale",
        "georgia",
        "north-dakota",
        "quebec",
        "new-york",
    }
    _open(at, "Alerts & feeds")
    assert [s.value for s in at.success] == [
        "No severe-weather alerts in the feeds for this horizon."
    ]
    assert set(at.dataframe[0].value["status"]) == {"fallback"}  # offline: synthetic feeds
    _open(at, "Run history")
    assert any("No runs recorded yet" in i.value for i in at.info)
    _open(at, "Downloads")
    assert [b.label for b in at.get("download_button")] == [
        "Plan (CSV)",
        "Report (HTML)",
        "Action schedule (CSV)",
        "Action schedule (iCalendar)",
    ]


@pytest.mark.slow
def test_the_actions_and_concentration_views_draw_from_the_plan() -> None:
    at = _page()
    _open(at, "Actions")
    assert not at.exception and not at.error
    actions = at.dataframe[0].value
    assert list(actions.columns) == [
        "site_name",
        "action",
        "detail",
        "local_start",
        "local_end",
        "market_start",
        "reason",
    ]
    assert len(actions) > 0 and set(actions["action"]) <= {
        "curtail",
        "restore",
        "keep loops warm",
        "ship machines",
        "receive machines",
    }
    assert [b.label for b in at.get("download_button")] == [
        "Action schedule (CSV)",
        "Action schedule (iCalendar)",
    ]
    _open(at, "Concentration")
    assert not at.exception and not at.error
    now, after = (m.value for m in at.metric if m.label.startswith(("One event", "After the")))
    assert now.endswith("%") and after.endswith("%")
    words = next(m.value for m in at.markdown if m.value.startswith("Chance that one event"))
    assert f"{now} as the fleet stands" in words
    regions = at.dataframe[0].value
    assert set(regions["grid_region"]) == {
        "TRE (ERCOT)",
        "SERC (SOCO)",
        "MRO (MISO)",
        "NPCC (HQ)",
        "NPCC (NYISO)",
    }
    assert regions["share_before"].sum() == pytest.approx(1.0)


def test_btc_shock_moves_expected_profit_down() -> None:
    at = _page()
    before = _usd(_metric(at, "Expected profit incl. after horizon"))
    at.slider(key="btc_shock").set_value(-30)
    _run_optimizer(at)
    assert not at.exception and not at.error
    after = _usd(_metric(at, "Expected profit incl. after horizon"))
    # Hashprice falls 30 %: the demo week earns about $8M of revenue, so profit drops by millions.
    assert after < before - 1e6
    assert [s.label.split(" · ")[0].startswith("Plan ready in") for s in at.status] == [True]


@pytest.mark.slow
def test_infeasible_floor_shows_one_line_error_not_a_traceback() -> None:
    at = _page()
    at.slider(key="floor_pct").set_value(100)  # every hour at nameplate: outages make it impossible
    at.slider(key="scenarios").set_value(5)  # a smaller model: a shorter infeasibility diagnosis
    _run_optimizer(at)
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("No plan for these settings.")
    assert "infeasible" in message and "hashrate_floor" in message
    assert "\n" not in message and "Traceback" not in message
    assert not at.metric  # nothing stale is shown under the error
    assert [s.label for s in at.status] == ["Stopped: no plan for these settings"]
    assert not at.status[0].error  # the message is on the page, not folded into the status box
    # The hint names the knob in play, not others left at their defaults.
    hint = at.caption[-1].value
    assert hint.startswith("What cannot be met: the hashrate floor (100 % of nameplate)")
    assert "budget" not in hint


def test_a_floor_shows_its_hours_beside_the_relocation_cost() -> None:
    at = _page()
    assert [m.label for m in at.metric][4] == "Relocation cost"
    at.slider(key="floor_pct").set_value(80)
    _run_optimizer(at)
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert labels[4:] == ["Relocation cost", "Hours below floor"]
    assert _metric(at, "Hours below floor") == "0.0 h"  # no outage takes 20 % of the fleet
    _open(at, "Hashrate")
    assert [s.value for s in at.success] == [
        "The plan's strategy kept the hashrate floor in every hour of every judged run."
    ]


def test_the_optimizer_section_exposes_lead_time_and_time_limit() -> None:
    at = _page()
    limit = at.select_slider(key="time_limit")
    assert limit.value == 60 and "strike rule's plan" in (limit.help or "")
    lead = at.select_slider(key="lead_hours")
    assert lead.value == 1 and "Risk aversion acts only on" in (lead.help or "")


def test_cache_mode_without_a_cache_says_which_feed_is_missing(
    _data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(_data_dir / "empty-cache"))  # never the user's
    at = _page()
    at.radio(key="mode").set_value("cache")
    _run_optimizer(at)
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith(
        "No plan for these settings. open-meteo archive: cache mode"
    )
    assert any("offline" in c.value for c in at.caption)  # the hint: switch to offline feeds


def test_bad_toml_upload_names_the_key_path() -> None:
    at = _page()
    at.radio(key="fleet_source").set_value("Upload TOML").run()
    assert any("Upload a fleet TOML" in i.value for i in at.info)
    at.file_uploader(key="fleet_file").set_value(("bad.toml", _bad_fleet(), "application/toml"))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Fleet rejected: bad.toml: sites[0].capacity_mw: must be in (0, 5000], got -5"
    ]


def test_pasted_toml_with_a_syntax_error_is_reported_with_its_line() -> None:
    at = _page()
    at.radio(key="fleet_source").set_value("Paste TOML").run()
    at.text_area(key="fleet_text").set_value("[[sites]\nid = 'x'").run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Fleet rejected: pasted fleet: TOML syntax error")
    assert "line 1" in at.error[0].value


def test_a_good_upload_plans_that_fleet() -> None:
    at = _page()
    good = files("planner.domain").joinpath("demo_fleet.toml").read_bytes()
    at.radio(key="fleet_source").set_value("Upload TOML").run()
    at.file_uploader(key="fleet_file").set_value(("mine.toml", good, "application/toml")).run()
    assert not at.exception and not at.error
    assert _metric(at, "Expected profit incl. after horizon").startswith("$")


def test_run_history_lists_the_jobs_runs(_data_dir: Path) -> None:
    clock = lambda: datetime(2026, 1, 5, 5, 30, tzinfo=UTC)  # noqa: E731 - a fixed clock
    with RunStore(_data_dir / "runs.sqlite", clock=clock) as store:
        run = store.start_run("abc123", {"scenarios": 10}, {"weather": "2026-01-05T05:00:00Z"})
        store.finish_run(run, {"expected_profit_usd": 1.5e6}, {})
    at = _open(_page(), "Run history")
    history = at.dataframe[0].value
    assert list(history["run"]) == [run]
    assert list(history["status"]) == ["succeeded"]
    assert history["expected_profit_usd"].iloc[0] == 1.5e6


def _shape(spec: Any) -> Any:
    """A Vega-Lite spec without its data (the app ships data apart from the spec), the numbers
    of a scale's domain taken from the data, and the default view size Altair writes and
    Streamlit drops (the page sizes the chart)."""
    if isinstance(spec, dict):
        dropped = {"data", "datasets", "$schema", "autosize", "continuousWidth", "continuousHeight"}
        return {
            k: _shape(v)
            for k, v in spec.items()
            if k not in dropped
            and not (k == "domain" and all(isinstance(x, (int, float)) for x in v))
        }
    if isinstance(spec, list):
        return [_shape(v) for v in spec]
    return spec


def test_the_apps_charts_are_the_reports_specs() -> None:
    """The app draws each view's chart from the very function the report renders to SVG
    (planner.ops.charts): the same spec, only its data apart."""
    at = _page()
    names = ["run-through", "strike", "strike+protective", "optimized"]
    times = pd.date_range("2025-01-10", periods=2, freq="h", tz="UTC")
    bands = pd.DataFrame(
        {"strategy": names * 2, "time": [*times[:1]] * 4 + [*times[1:]] * 4}
    ).assign(p5_eh_s=1.0, median_eh_s=2.0, p95_eh_s=3.0)
    profits = pd.DataFrame({"strategy": names, "scenario": 0, "weight": 1.0}).assign(
        profit_usd=1.0, in_horizon_usd=1.0
    )
    fleet = planner.demo_fleet()
    sites = list(fleet.site_ids)
    blocks = pd.DataFrame({"site_id": sites, "start": times[0], "end": times[1]}).assign(
        curtailed_mwh=0.0, available_mwh=1.0, share=0.0
    )
    expected = {
        "Hashrate": planner.band_panel_chart(bands, names[0]),
        "Profit": planner.profit_distribution_chart(profits),
        "Curtailment": planner.curtailment_heatmap_chart(blocks, sites),
    }
    for view, chart in expected.items():
        _open(at, view)
        drawn = next(e for e in at.main if getattr(e, "type", "") == "vega_lite_chart")
        assert _shape(json.loads(drawn.proto.spec)) == _shape(chart.to_dict()), view
