"""The report's scenario sections: hashrate bands, profit distribution, curtailment heat map,
relocations, alerts and feed freshness; and the whole page in a real headless Chromium.

Uses the tiny two-site example of test_report.py: ``strike`` switches alpha (20 MW available)
off for the 12 spike hours 24-35, so its curtailed share is 1 there and 0 elsewhere.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_report import (
    GENERATED,
    TIMES,
    TagBalance,
    kpis_from,
    render,
    section,
    tables,
    tiny_ledgers,
)

import planner
import planner.ops.charts
from planner.ops.notify import RiskAlert, RiskKind
from planner.world.feeds import Feeds, Freshness

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def tiny_feeds(**overrides: Any) -> Feeds:
    index = pd.MultiIndex.from_product([["alpha"], TIMES], names=["site_id", "time"])
    empty = pd.DataFrame({"temp_air_c": 0.0}, index=index)
    feeds = Feeds(
        times=TIMES,
        weather=empty,
        prices=empty,
        load=empty,
        market=empty,
        mode="live",
        freshness={
            "open-meteo forecast": Freshness(
                "stale",
                "https://api.open-meteo.com/v1/forecast",
                GENERATED,
                30.5,
                filled_hours={"alpha": 3, "beta": 0},
            ),
            "prices HB_WEST": Freshness(
                "fresh", "data/hubs.csv", GENERATED, 0.2, filled_hours={"HB_WEST": 12}
            ),
            "open-meteo ensemble": Freshness(
                "missing", "none", detail="HTTP 503 for GET https://x/v1/ensemble; no cached answer"
            ),
        },
    )
    return replace(feeds, **overrides)


# ------------------------------------------------------------------------------ heat map


def test_heat_map_shades_the_hours_strike_curtails() -> None:
    svg = section(render(), "heatmap")
    assert svg.count("<svg") == 1 and "per hour" in svg
    assert "strategy strike (central run)" in svg and "240 MWh in all" in svg  # 12 h x 20 MW


def test_heat_map_from_a_plan_weights_its_scenarios() -> None:
    # Two scenarios (weights 0.25 and 0.75), one site, one tier, one hour; alpha's overhead is
    # 1.05 (the default): the plan curtails 10 of 20 MW in the first scenario and 0 in the
    # second, so 0.25 x 10 / 20 = 12.5 % is expected to be curtailed.
    schedule = pd.DataFrame(
        {
            "scenario": [0, 1],
            "site_id": ["alpha", "alpha"],
            "model_id": ["s21", "s21"],
            "period": [0, 0],
            "time": [TIMES[0], TIMES[0]],
            "duration_h": [1.0, 1.0],
            "available_mw": [20.0, 20.0],
            "running_mw": [10.0, 20.0],
            "curtailed_mw": [10.0, 0.0],
            "run_fraction": [0.5, 1.0],
        }
    )
    plan = SimpleNamespace(
        schedule=schedule, weights=np.array([0.25, 0.75]), relocations=pd.DataFrame()
    )
    svg = section(render(plan=plan), "heatmap")
    assert "the optimizer&#x27;s plan" in svg and "3 MWh in all" in svg  # 0.25 x 10 x 1.05


# ------------------------------------------------------------------------------ bands and boxes


def test_scenario_sections_come_from_the_evaluation() -> None:
    fleet = planner.texas_fleet()
    feeds = planner.fetch_feeds(fleet, "2025-01-14", 48, "offline", seed=3)
    scenarios = planner.make_scenarios(fleet, feeds, 3, 3)
    evaluation = planner.evaluate(fleet, scenarios, ["run-through", "strike"], workers=1)
    results = planner.simulate_strategies(fleet, feeds, ["run-through", "strike"])
    doc = planner.ops.report.render_report(
        planner.ops.report.ReportInputs(
            fleet=fleet,
            kpis=planner.kpis(fleet, results),
            ledgers={r.policy: r.ledger for r in results},
            title="t",
            generated_at=GENERATED,
            risk=evaluation.metrics(),
            evaluation=evaluation,
            feeds=feeds,
        )
    )
    bands = section(doc, "bands")
    assert bands.count("<svg") == 1 and "over 3 run(s)" in bands
    assert ">run-through</text>" in bands and ">strike</text>" in bands  # a panel each
    assert section(doc, "distribution").count("<svg") == 1
    # The report's charts are the app's specs rendered offline: the same SVG, byte for byte.
    charts = planner.ops.charts
    same = {
        "bands": charts.chart_svg(
            charts.hashrate_bands_chart(charts.band_frame(evaluation)),
            label="Fleet hashrate across scenarios",
        ),
        "distribution": charts.chart_svg(
            charts.profit_distribution_chart(charts.run_profits(evaluation)),
            label="Fleet profit incl. after horizon, by strategy",
        ),
        "map": charts.chart_svg(charts.site_map(fleet), label="Site map"),
    }
    for sid, svg in same.items():
        assert svg in section(doc, sid), sid
    parser = TagBalance()
    parser.feed(doc)
    assert parser.errors == [] and parser.stack == []


# ------------------------------------------------------------------------------ tables


def test_relocation_table_lists_the_plans_moves() -> None:
    moves = pd.DataFrame(
        {
            "route": ["alpha->beta"],
            "from_site": ["alpha"],
            "to_site": ["beta"],
            "model_id": ["s21"],
            "machines": [1200],
            "cost_usd": [54_000.0],
            "depart_h": [0.0],
            "arrive_h": [120.0],
        }
    )
    plan = SimpleNamespace(relocations=moves, schedule=pd.DataFrame(), weights=np.ones(1))
    rows = tables(render(plan=plan))["relocation-table"]
    assert rows[1][1] == ["alpha->beta", "s21", "1,200", "$54.0k", "0 h", "120 h"]
    assert "No optimizer plan" in section(render(), "relocations")


def test_full_value_section_ranks_on_what_each_strategy_leaves_behind() -> None:
    # Two equally likely scenarios. run-through earns 2,400 and 2,000 and leaves nothing behind;
    # strike earns 9,600 and 9,000 inside the horizon but freezes in the second scenario: 300
    # machines out, 6,000 of margin lost after the horizon and 1,500 of repairs. Full value:
    # strike 9,600 and 1,500 (mean 5,550, CVaR5 = the worst 1,500), run-through 2,200 (CVaR5
    # 2,000): strike is best on the mean, 3,350 ahead.
    rows = []
    for policy, profits, lost, repair in (
        ("run-through", (2400.0, 2000.0), (0.0, 0.0), (0.0, 0.0)),
        ("strike", (9600.0, 9000.0), (0.0, 6000.0), (0.0, 1500.0)),
    ):
        for k in range(2):
            left = lost[k] + repair[k]
            rows.append(
                {
                    "policy": policy,
                    "site_id": "fleet",
                    "weight": 0.5,
                    "profit_usd": profits[k],
                    "revenue_usd": 0.0,
                    "energy_cost_usd": 0.0,
                    "credits_usd": 0.0,
                    "energy_mwh": 0.0,
                    "curtailed_mwh": 0.0,
                    "btc_mined": 0.0,
                    "mean_hashrate_eh_s": 1.0,
                    "uptime_pct": 100.0,
                    "outage_hours": 0.0,
                    "freeze_events": float(left > 0),
                    "machines_out": 300.0 if left > 0 else 0.0,
                    "lost_margin_usd": lost[k],
                    "repair_usd": repair[k],
                    "transport_usd": 0.0,
                    "after_horizon_usd": left,
                    "profit_incl_after_horizon_usd": profits[k] - left,
                }
            )
    risk = planner.engine.metrics.risk_table(pd.DataFrame(rows))
    table = tables(render(risk=risk))["full-value-table"]
    body = {r[1][0].split()[0]: (r[0], r[1]) for r in table[1:]}
    strike_class, strike = body["strike"]
    run_class, run = body["run-through"]
    assert (strike_class, run_class) == ("best", "")
    # Full value, behind the best, CVaR5 full value, in horizon, CVaR5 in horizon, left after
    # the horizon (3,750 = (6,000 + 1,500) / 2), of it margin (3,000), repairs (750),
    # relocations, machines out (150), freeze events (0.5).
    assert strike[1:] == [
        "$5.5k",
        "best",
        "$1.5k",
        "$9.3k",
        "$9.0k",
        "$3.8k",
        "$3.0k",
        "$750",
        "$0",
        "150",
        "0.50",
    ]
    assert run[1:4] == ["$2.2k", "-$3.4k", "$2.0k"]

    # One "best" on the page: the central-run table marks the risk table's best (strike), even
    # when strike's single central run leaves 8,000 behind and trails run-through there.
    central = kpis_from(tiny_ledgers(), after={"strike": {"alpha": 8000.0}})
    kpi_rows = {
        r[1][0].split()[0]: r[0] for r in tables(render(risk=risk, kpis=central))["kpi-table"][1:]
    }
    assert kpi_rows == {"run-through": "", "strike": "best"}


def test_alerts_section_lists_thresholds_weather_alerts_and_outage_reports() -> None:
    alerts = pd.DataFrame(
        {
            "start": [TIMES[30]],
            "end": [pd.NaT],
            "site_id": ["alpha"],
            "kind": ["Winter Storm Warning"],
            "severity": ["Severe"],
            "source": ["nws"],
            "source_id": ["urn:oid:1"],
        }
    )
    crossed = [RiskAlert(RiskKind.PLANNED_CURTAILMENT, "planned curtailment 900.0 MWh is above")]
    doc = render(feeds=tiny_feeds(alerts=alerts), risk_alerts=crossed)
    part = section(doc, "alerts")
    assert "planned curtailment 900.0 MWh is above" in part
    rows = tables(doc)["alert-table"]
    assert rows[1][1] == [
        "2025-01-02 06:00",
        "open",
        "alpha",
        "Winter Storm Warning",
        "Severe",
        "nws urn:oid:1",
    ]
    assert "No notification thresholds were checked" in section(render(), "alerts")
    assert "No notification threshold was crossed" in section(render(risk_alerts=[]), "alerts")


def test_feed_freshness_shows_status_source_age_filled_hours_and_why_missing() -> None:
    doc = render(feeds=tiny_feeds())
    rows = {r[1][0]: r[1][1:] for r in tables(doc)["feed-table"][1:]}
    assert rows["open-meteo forecast"] == [
        "STALE",
        "https://api.open-meteo.com/v1/forecast",
        "2025-01-04 06:00",
        "30.5 h",
        "alpha 3 h, beta 0 h",
        "",
    ]
    assert rows["prices HB_WEST"][4] == "HB_WEST 12 h"
    assert rows["open-meteo ensemble"] == [
        "MISSING",
        "none",
        "—",
        "—",
        "—",
        "HTTP 503 for GET https://x/v1/ensemble; no cached answer",
    ]
    # 3 + 0 + 12 hours filled in all
    assert "1 fresh, 1 missing, 1 stale; 15 hour(s) filled in all" in section(doc, "feeds")


def test_failed_nws_alerts_are_called_unavailable_not_quiet() -> None:
    feeds = tiny_feeds()
    freshness = {
        **feeds.freshness,
        "nws alerts alpha": Freshness("missing", "none", detail="HTTP 503; no cached answer"),
        "nws alerts beta": Freshness("missing", "not a U.S. site"),
    }
    part = section(render(feeds=replace(feeds, freshness=freshness)), "alerts")
    assert "Weather alerts unavailable for alpha: the NWS feed failed" in part
    assert "beta" not in part.split("unavailable for")[1].split(":")[0]


# ------------------------------------------------------------------------------ real browser


#: Measures the page in the browser: the document wider than the window, elements whose
#: content is wider than their box (a scrolled table, a clipped cell), and chart text outside
#: its chart (a clipped tick or legend label).
_OVERFLOW = """() => {
  const page = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) page.push([doc.scrollWidth, doc.clientWidth]);
  const boxes = [];
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest("svg") || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      boxes.push([el.tagName, el.id || el.className || "", el.textContent.slice(0, 40),
                  el.scrollWidth, el.clientWidth]);
  }
  const labels = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const frame = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 ||
          r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
        labels.push([svg.getAttribute("aria-label"), t.textContent]);
    }
  }
  return {page, boxes: boxes.slice(0, 20), labels: labels.slice(0, 20)};
}"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.slow
@pytest.mark.browser
def test_report_opens_in_headless_chromium_offline_without_console_errors(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    browser_path = _chromium()
    if browser_path is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install chromium)")
    outcome = planner.run_forecast_job(
        ROOT / "planner" / "domain" / "texas_fleet.toml",
        tmp_path / "out",
        settings=planner.JobSettings(
            mode="offline",
            start="2025-01-14",
            horizon_hours=72,
            scenarios=3,
            eval_scenarios=6,
            thresholds=planner.ops.jobs.settings.Thresholds(planned_curtailment_mwh_max=0.0),
        ),
        data_dir=tmp_path / "data",
        workers=1,
    )
    page_url = outcome.report_path.resolve().as_uri()
    messages: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_url, wait_until="load")
            headings = page.locator("h2").all_inner_texts()
            svgs = page.locator("svg.chart").count()
            overflow = page.evaluate(_OVERFLOW)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"))  # the top of the page
        finally:
            browser.close()
    assert [m for m in messages if m.startswith(("error", "pageerror"))] == []
    assert requests == [page_url]  # the page itself, nothing else
    assert headings[:6] == [
        "Summary",
        "Fleet KPIs by strategy",
        "Risk across scenarios",
        "Strategies at full value",
        "Alerts",
        "Feed freshness",
    ]
    assert "Curtailment heat map" in headings and "Hashrate across scenarios" in headings
    assert svgs == 7  # bands, distribution, heat map, map, hashrate, profit, site profit
    # At 1400 px nothing spills sideways, no table scrolls and no text is cut: every text box
    # fits its element, every chart label lies inside its chart.
    assert overflow == {"page": [], "boxes": [], "labels": []}, overflow
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
