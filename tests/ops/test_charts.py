"""Every chart spec, measured where Vega draws it: the scene graph vl-convert lays out (the same
layout the report's static SVG and the app's interactive chart get), against figures worked out
by hand from small ledgers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import vl_convert

from planner.domain.examples import two_sites
from planner.ops.charts import (
    STRATEGY_COLOURS,
    chart_svg,
    cumulative_profit_chart,
    curtailment_blocks,
    curtailment_heatmap_chart,
    daily_hashrate_chart,
    fleet_cumulative_profit,
    fleet_daily_hashrate,
    hashrate_bands_chart,
    map_bounds,
    profit_distribution_chart,
    site_map,
    site_profit_chart,
    strategy_colour,
)
from planner.ops.charts.boundaries import boundaries, boundaries_within

START = pd.Timestamp("2025-01-01", tz="UTC")
TIMES = pd.date_range(START, periods=72, freq="h")
SPIKE = (np.arange(72) >= 24) & (np.arange(72) < 36)


def ledgers() -> dict[str, pd.DataFrame]:
    """Two sites; alpha 1.0 EH/s, beta 0.5 EH/s. Fleet profit per hour $150, and in the spike
    (hours 24-35) run-through's -$550 while strike sheds alpha (hashrate 0.5, profit $50)."""
    out = {}
    for name in ("run-through", "strike"):
        shed = SPIKE & (name == "strike")
        alpha = pd.DataFrame(
            {
                "hashrate_th_s": np.where(shed, 0.0, 1e6),
                "profit_usd": np.where(SPIKE, np.where(shed, 0.0, -600.0), 100.0),
            },
            index=pd.MultiIndex.from_product([["alpha"], TIMES], names=["site_id", "time"]),
        )
        beta = pd.DataFrame(
            {"hashrate_th_s": 0.5e6, "profit_usd": 50.0},
            index=pd.MultiIndex.from_product([["beta"], TIMES], names=["site_id", "time"]),
        )
        out[name] = pd.concat([alpha, beta])
    return out


def walk(node: dict[str, Any], dx: float = 0.0, dy: float = 0.0) -> Iterator[dict[str, Any]]:
    """Every scene-graph mark item with its absolute position (``ax``, ``ay``) and its mark's
    ``marktype`` and ``role``."""
    for item in node.get("items", []):
        x, y = dx + float(item.get("x", 0) or 0), dy + float(item.get("y", 0) or 0)
        yield {**item, "ax": x, "ay": y, "marktype": node["marktype"], "role": node.get("role")}
        for child in item.get("items", []):
            yield from walk(
                child,
                x if node["marktype"] == "group" else dx,
                y if node["marktype"] == "group" else dy,
            )


def scene(chart: Any) -> list[dict[str, Any]]:
    graph = vl_convert.vegalite_to_scenegraph(chart.to_dict())["scenegraph"]
    return list(walk(graph))


def marks(chart: Any, marktype: str) -> list[dict[str, Any]]:
    return [i for i in scene(chart) if i["marktype"] == marktype and i["role"] == "mark"]


def field(item: dict[str, Any], name: str) -> str:
    found = re.search(rf"(?:^|; ){re.escape(name)}: ([^;]*)", item.get("description", ""))
    assert found, (name, item.get("description"))
    return found.group(1)


def legends(chart: Any) -> list[str]:
    return [i["text"] for i in scene(chart) if i["role"] == "legend-title"]


def test_every_strategy_keeps_one_colour_whatever_is_beside_it() -> None:
    assert strategy_colour("strike") == STRATEGY_COLOURS["strike"] == "#E69F00"
    assert strategy_colour("strike@80+protective") == STRATEGY_COLOURS["strike@+protective"]
    assert strategy_colour("strike@125") == strategy_colour("strike@80")
    # An unknown name gets a spare colour from its own name, the same on every call.
    assert strategy_colour("my-rule") == strategy_colour("my-rule")
    assert len(set(STRATEGY_COLOURS.values())) == len(STRATEGY_COLOURS)


def test_daily_hashrate_by_hand_and_drawn_in_proportion() -> None:
    # Strike day 2: (12 h x 0.5 + 12 h x 1.5) / 24 h = 1.0 EH/s; every other day 1.5 EH/s.
    frame = fleet_daily_hashrate(ledgers())
    by = frame.pivot(index="day", columns="strategy", values="hashrate_eh_s")
    assert by["strike"].tolist() == [1.5, 1.0, 1.5]
    assert by["run-through"].tolist() == [1.5, 1.5, 1.5]
    chart = daily_hashrate_chart(frame)
    points = [i for i in marks(chart, "symbol") if field(i, "strategy") == "strike"]
    assert len(points) == 3
    bottom = chart.to_dict()["height"]  # y = 0 EH/s sits at the plot's bottom (zero included)
    (_, y1), (_, y2), (_, y3) = sorted((p["ax"], p["ay"]) for p in points)
    assert y1 == pytest.approx(y3) and y2 > y1  # SVG y grows downwards
    assert (bottom - y2) / (bottom - y1) == pytest.approx(2 / 3, abs=0.01)
    lines = [i for i in marks(chart, "line")]
    strokes = {field(i, "strategy"): i["stroke"] for i in lines if "description" in i}
    assert strokes == {s: strategy_colour(s) for s in ("run-through", "strike")}
    assert legends(chart) == ["strategy"]


def test_cumulative_profit_follows_the_hand_computed_path() -> None:
    # run-through: 24 x 150 = 3,600 at Jan 2 00:00; 3,600 - 12 x 550 = -3,000 at 12:00; then
    # + 36 x 150 = 2,400. strike: 3,600; + 12 x 50 = 4,200; + 36 x 150 = 9,600.
    frame = fleet_cumulative_profit(ledgers())
    at = [START + pd.Timedelta(hours=h) for h in (0, 24, 36, 72)]
    path = frame.set_index(["strategy", "time"])["profit_usd"]
    assert [path["run-through", t] for t in at] == [0.0, 3600.0, -3000.0, 2400.0]
    assert [path["strike", t] for t in at] == [0.0, 3600.0, 4200.0, 9600.0]
    assert len(frame) == 2 * 73  # the start plus 72 interval ends
    chart = cumulative_profit_chart(frame)
    assert legends(chart) == ["strategy"]


def test_site_profit_bars_grow_both_ways_from_zero_in_proportion() -> None:
    frame = pd.DataFrame(
        {
            "site_id": ["alpha", "alpha", "beta", "beta"],
            "strategy": ["run-through", "strike", "run-through", "strike"],
            "profit_usd": [-1200.0, 6000.0, 3600.0, 3600.0],
        }
    )
    bars = {
        (field(i, "site"), field(i, "strategy")): i
        for i in marks(site_profit_chart(frame, ["alpha", "beta"]), "rect")
    }
    assert set(bars) == {(s, k) for s in ("alpha", "beta") for k in ("run-through", "strike")}
    zero = bars["alpha", "strike"]["ax"]
    neg = bars["alpha", "run-through"]
    assert neg["ax"] + neg["width"] == pytest.approx(zero, abs=0.01)  # ends at zero
    # Widths in proportion to |profit|: 1,200 : 3,600 : 6,000 = 1 : 3 : 5.
    unit = bars["beta", "run-through"]["width"] / 3
    assert neg["width"] == pytest.approx(unit, rel=0.01)
    assert bars["alpha", "strike"]["width"] == pytest.approx(5 * unit, rel=0.01)
    assert {k[1]: b["fill"] for k, b in bars.items()} == {
        s: strategy_colour(s) for s in ("run-through", "strike")
    }


def test_curtailment_blocks_by_hand_and_the_heat_map_legend() -> None:
    # alpha curtails 20 of 20 MW in hours 24-35; beta has nothing available in hour 0.
    rows = []
    for site, available in (("alpha", 20.0), ("beta", 10.0)):
        for k, t in enumerate(TIMES):
            cut = 20.0 if site == "alpha" and SPIKE[k] else 0.0
            avail = 0.0 if site == "beta" and k == 0 else available
            rows.append({"site_id": site, "time": t, "curtailed_mw": cut, "available_mw": avail})
    blocks, label = curtailment_blocks(pd.DataFrame(rows), ["alpha", "beta"])
    assert label == "hour" and len(blocks) == 2 * 72
    share = blocks.set_index(["site_id", "start"])["share"]
    assert share["alpha", TIMES[24]] == 1.0 and share["alpha", TIMES[23]] == 0.0
    assert np.isnan(share["beta", TIMES[0]])
    assert blocks["curtailed_mwh"].sum() == 240.0  # 12 h x 20 MW
    chart = curtailment_heatmap_chart(blocks, ["alpha", "beta"])
    rects = marks(chart, "rect")
    grey = [r for r in rects if r.get("fill") == "#cbd2d9"]
    assert len(grey) == 1  # beta's first hour: nothing available
    assert legends(chart) == ["share of available load curtailed"]
    # A week of hours becomes 6-hour blocks: 28 per site.
    week = pd.DataFrame(
        {
            "site_id": "alpha",
            "time": pd.date_range(START, periods=168, freq="h"),
            "curtailed_mw": 1.0,
            "available_mw": 4.0,
        }
    )
    six, label = curtailment_blocks(week, ["alpha"])
    assert label == "6 hours" and len(six) == 28
    assert six["curtailed_mwh"].tolist() == [6.0] * 28 and six["share"].tolist() == [0.25] * 28


def test_bands_get_a_panel_each_and_higher_values_sit_higher() -> None:
    bands = pd.DataFrame(
        {
            "strategy": ["a", "a", "b", "b"],
            "time": [*TIMES[:2], *TIMES[:2]],
            "p5_eh_s": [1.0, 2.0, 11.0, 12.0],
            "median_eh_s": [2.0, 3.0, 12.0, 13.0],
            "p95_eh_s": [3.0, 4.0, 13.0, 14.0],
        }
    )
    chart = hashrate_bands_chart(bands, floor_eh_s=5.0)
    items = scene(chart)
    titles = sorted(i["text"] for i in items if i["role"] == "title-text")
    assert titles == ["a", "b"]  # one panel per strategy: no band lies over another
    areas = [i for i in items if i["marktype"] == "area" and i["role"] == "mark"]
    assert {a["fill"] for a in areas} == {strategy_colour("a"), strategy_colour("b")}
    rules = [i for i in items if i["marktype"] == "rule" and i["role"] == "mark"]
    assert rules and {r["stroke"] for r in rules} == {"#d73027"}  # the floor, dashed red
    assert legends(chart) == ["strategy: median (line), P5-P95 (band)"]


def test_profit_distribution_has_a_dot_per_run() -> None:
    profits = pd.DataFrame(
        {
            "strategy": ["a"] * 4 + ["b"] * 4,
            "scenario": [0, 1, 2, 3] * 2,
            "weight": 0.25,
            "profit_usd": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "in_horizon_usd": 0.0,
        }
    )
    chart = profit_distribution_chart(profits)
    dots = marks(chart, "symbol")
    assert len(dots) == 8
    xs = {field(d, "strategy"): [] for d in dots}
    for d in dots:
        xs[field(d, "strategy")].append(d["ax"])
    assert max(xs["a"]) < min(xs["b"])  # more profit further right
    assert legends(chart) == ["strategy"]


def test_a_report_of_thousands_of_runs_draws_every_dot() -> None:
    # 3 strategies x 2,000 runs: 6,000 rows, over Altair's default limit of 5,000 (a guard for
    # notebooks); the offline render draws all of them and leaves the limit as it was.
    import altair as alt

    runs = 2_000
    profits = pd.DataFrame(
        {
            "strategy": np.repeat(["a", "b", "c"], runs),
            "scenario": np.tile(np.arange(runs), 3),
            "weight": 1.0 / runs,
            "profit_usd": np.arange(3 * runs, dtype=float),
            "in_horizon_usd": 0.0,
        }
    )
    chart = profit_distribution_chart(profits)
    svg = chart_svg(chart, label="profit")
    assert svg.count('role="graphics-symbol"') >= 3 * runs
    with pytest.raises(alt.MaxRowsError):
        chart.to_dict()


def test_site_map_puts_north_up_east_right_over_borders() -> None:
    fleet = two_sites()  # tx (31.9 N, 102.1 W) and hydro (30.65 N, 97.0 W)
    chart = site_map(fleet)
    dots = {
        field(d, "site"): d for d in marks(chart, "symbol") if "site" in d.get("description", "")
    }
    assert set(dots) == {"Test site", "Hydro site"}
    assert dots["Hydro site"]["ax"] > dots["Test site"]["ax"]  # east is right
    assert dots["Hydro site"]["ay"] > dots["Test site"]["ay"]  # 1.25 degrees further south
    shapes = marks(chart, "shape")
    assert len(shapes) == len(boundaries_within(map_bounds(fleet)))  # every border around
    assert legends(chart) == ["cooling", "capacity [MW]"]
    west, south, east, north = map_bounds(fleet)
    assert east - west >= 12 and north - south >= 7
    names = {f["properties"]["name"] for f in boundaries_within(map_bounds(fleet))}
    assert {"Texas", "New Mexico", "Oklahoma", "Mexico"} <= names


def test_the_boundary_file_holds_states_provinces_and_countries_wound_for_d3() -> None:
    kinds: dict[str, int] = {}
    for f in boundaries():
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
        for polygon in f["geometry"]["coordinates"]:
            x, y = np.array(polygon[0]).T
            assert np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) <= 0  # clockwise exterior
    assert kinds["state"] == 51 and kinds["province"] == 13  # 50 states + DC; 10 + 3
    assert kinds["country"] > 150


def test_a_chart_renders_to_one_script_free_scalable_svg() -> None:
    svg = chart_svg(daily_hashrate_chart(fleet_daily_hashrate(ledgers())), label='a "b" <c>')
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'aria-label="a &quot;b&quot; &lt;c&gt;"' in svg and 'class="chart"' in svg
    opening = svg[: svg.index(">")]
    assert "viewBox" in opening and " width=" not in opening and " height=" not in opening
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")
