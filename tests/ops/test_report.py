"""The HTML report: self-contained, well formed, escaped, with hand-checked figures and atomic
writes.

The tiny example used throughout: two air-cooled sites over three UTC days (72 hourly intervals
from 2025-01-01 00:00).

- ``alpha`` (31 N, 102 W): 1.0 EH/s (1,000,000 TH/s), earns $150/h and pays $50/h for power, so
  +$100/h, except during a price spike on day 2 (hours 24-35) when power costs $750/h: -$600/h.
- ``beta`` (47 N, 98 W): 0.5 EH/s, earns $80/h and pays $30/h: +$50/h throughout.

Strategies:

- ``run-through`` runs through the spike. alpha: 60 x $100 + 12 x -$600 = $6,000 - $7,200 =
  -$1,200; beta: 72 x $50 = $3,600; fleet: $2,400.
- ``strike`` switches alpha off for the 12 spike hours (no revenue, no cost). alpha:
  60 x $100 = $6,000; beta $3,600; fleet $9,600.

So strike beats run-through by $9,600 - $2,400 = +$7,200, which is +300 % of $2,400.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planner.domain.fleet import Fleet, fleet_from_dict, load_fleet
from planner.ops.report import (
    ReportInputs,
    format_eh_s,
    format_mwh,
    format_usd,
    page,
    render_report,
    write_report,
)

START = pd.Timestamp("2025-01-01", tz="UTC")
TIMES = pd.date_range(START, periods=72, freq="h")
HOURS = np.arange(len(TIMES))  # hours since START
SPIKE = (HOURS >= 24) & (HOURS < 36)
GENERATED = datetime(2025, 1, 4, 6, 0, tzinfo=UTC)
HEADINGS = [
    "Summary",
    "Fleet KPIs by strategy",
    "Sites",
    "Site map",
    "Fleet hashrate",
    "Cumulative profit",
    "Profit by site",
]
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}


def tiny_fleet(alpha_name: str = "Alpha, West Texas", fleet_name: str = "Tiny fleet") -> Fleet:
    """alpha: 5,000 S21 (200 TH/s each) = 1 EH/s; beta: 5,000 S19j Pro (100 TH/s) = 0.5 EH/s."""
    common = {"timezone": "America/Chicago", "cooling": "air", "slots": 5000}
    return fleet_from_dict(
        {
            "name": fleet_name,
            "sites": [
                {
                    **common,
                    "id": "alpha",
                    "name": alpha_name,
                    "latitude": 31.0,
                    "longitude": -102.0,
                    "grid": {"iso": "ERCOT", "node": "HB_WEST"},
                    "capacity_mw": 20.0,  # 5,000 x 3,500 W = 17.5 MW x 1.05 = 18.4 MW
                    "contract": {"kind": "index", "adder_usd_per_mwh": 4.0},
                    "machines": {"s21": 5000},
                },
                {
                    **common,
                    "id": "beta",
                    "name": "Beta, North Dakota",
                    "latitude": 47.0,
                    "longitude": -98.0,
                    "grid": {"iso": "MISO", "node": "MINN.HUB"},
                    "capacity_mw": 16.0,  # 5,000 x 2,950 W = 14.75 MW x 1.05 = 15.5 MW
                    "contract": {"kind": "tariff", "rate_usd_per_kwh": 0.05},
                    "machines": {"s19j-pro": 5000},
                },
            ],
        }
    )


def _site_ledger(
    site_id: str, running: np.ndarray, th_s: float, revenue: float, cost: np.ndarray
) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([[site_id], TIMES], names=["site_id", "time"])
    energy = 20.0 * running
    return pd.DataFrame(
        {
            "running_mw": energy,
            "hashrate_th_s": th_s * running,
            "energy_mwh": energy,
            "curtailed_mwh": 20.0 * (1 - running),
            "revenue_usd": revenue * running,
            "energy_cost_usd": cost * running,
            "credits_usd": 0.0,
            "profit_usd": (revenue - cost) * running,
        },
        index=index,
    )


def tiny_ledgers() -> dict[str, pd.DataFrame]:
    """The two strategies of the module docstring."""
    always = np.ones(len(TIMES))
    alpha_cost = np.where(SPIKE, 750.0, 50.0)
    beta = _site_ledger("beta", always, 0.5e6, 80.0, np.full(len(TIMES), 30.0))
    return {
        "run-through": pd.concat([_site_ledger("alpha", always, 1e6, 150.0, alpha_cost), beta]),
        "strike": pd.concat(
            [_site_ledger("alpha", np.where(SPIKE, 0.0, 1.0), 1e6, 150.0, alpha_cost), beta]
        ),
    }


def kpis_from(
    ledgers: Mapping[str, pd.DataFrame], after: Mapping[str, Mapping[str, float]] | None = None
) -> pd.DataFrame:
    """Sums and means of the ledgers, the shape metrics.py will hand the report; ``after`` gives
    what a strategy leaves behind per site after the horizon [USD] (0 where not given)."""
    rows: list[dict[str, Any]] = []
    for strategy, ledger in ledgers.items():
        parts = [(str(s), g.droplevel("site_id")) for s, g in ledger.groupby(level="site_id")]
        parts.append(("fleet", ledger.groupby(level="time").sum()))
        left = dict((after or {}).get(strategy, {}))
        left["fleet"] = sum(left.values())
        for site_id, g in parts:
            rows.append(
                {
                    "strategy": strategy,
                    "site_id": site_id,
                    "profit_incl_after_horizon_usd": g["profit_usd"].sum() - left.get(site_id, 0),
                    "after_horizon_usd": left.get(site_id, 0.0),
                    **{c: g[c].sum() for c in ("profit_usd", "revenue_usd", "energy_cost_usd")},
                    **{c: g[c].sum() for c in ("credits_usd", "energy_mwh", "curtailed_mwh")},
                    "mean_hashrate_eh_s": g["hashrate_th_s"].mean() / 1e6,
                    "uptime_pct": 100.0 * (g["hashrate_th_s"] > 0).mean(),
                }
            )
    kpis = pd.DataFrame(rows)
    base = kpis[kpis["strategy"] == "run-through"].set_index("site_id")["mean_hashrate_eh_s"]
    kpis["hashrate_kept_pct"] = 100.0 * kpis["mean_hashrate_eh_s"] / kpis["site_id"].map(base)
    return kpis


def render(**overrides: Any) -> str:
    ledgers = tiny_ledgers()
    args: dict[str, Any] = {
        "fleet": tiny_fleet(),
        "kpis": kpis_from(ledgers),
        "ledgers": ledgers,
        "title": "Tiny report",
        "generated_at": GENERATED,
        "notes": ["offline synthetic feeds, seed 7"],
    }
    return render_report(ReportInputs(**{**args, **overrides}))


def section(doc: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">.*?</section>', doc, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


class TagBalance(HTMLParser):
    """Records every close tag that does not match the innermost open one."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1  # <circle .../>: opens and closes

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


class Tables(HTMLParser):
    """Rows of every table with an id: (row class, [cell texts])."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self._table = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self.tables[self._table].append((a.get("class") or "", []))
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            self.tables[self._table][-1][1].append("".join(self._cell).strip())
            self._cell = None


def tables(doc: str) -> dict[str, list[tuple[str, list[str]]]]:
    parser = Tables()
    parser.feed(doc)
    return parser.tables


# ----------------------------------------------------------------------------------- the document


def test_document_is_self_contained_and_references_nothing_outside() -> None:
    doc = render()
    assert doc.startswith("<!DOCTYPE html>")
    assert "http://" not in doc and "https://" not in doc
    assert "<script" not in doc and "<link" not in doc and "<img" not in doc
    assert "@import" not in doc
    # url() only names a gradient or clip path of the page itself.
    urls = re.findall(r"url\(([^)]*)\)", doc)
    assert urls and all(u.startswith("#") for u in urls)
    ids = re.findall(r'\sid="([^"]+)"', doc)
    assert len(ids) == len(set(ids))  # no two charts share an id
    # The only links are in-page anchors; nothing has a src at all.
    assert re.findall(r"\ssrc\s*=", doc) == []
    hrefs = re.findall(r'\shref\s*=\s*"([^"]*)"', doc)
    assert hrefs and all(h.startswith("#") for h in hrefs)


def test_tags_balance_in_the_whole_page_tables_and_svgs() -> None:
    parser = TagBalance()
    parser.feed(render())
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    # Two tables (KPIs, sites) and five charts (curtailment heat map of strike, map, hashrate,
    # profit, per-site bars); no evaluation, plan or feeds: those sections say so in a line.
    assert parser.counts["table"] == 2
    assert parser.counts["svg"] == 5
    assert parser.counts["html"] == 1


def test_sections_appear_in_order_with_their_headings() -> None:
    doc = render()
    assert "<h1>Tiny report</h1>" in doc
    positions = [doc.index(f"<h2>{heading}</h2>") for heading in HEADINGS]
    assert positions == sorted(positions)
    # The header carries the fleet, the horizon (72 h = 3 days), the stamp and the notes.
    assert "Fleet: Tiny fleet" in doc
    assert "Horizon 2025-01-01 00:00 → 2025-01-04 00:00 UTC (3 days)" in doc
    assert "Generated 2025-01-04 06:00 UTC" in doc
    assert "<li>offline synthetic feeds, seed 7</li>" in doc


# --------------------------------------------------------------------------------------- the KPIs


def test_kpi_table_shows_hand_computed_profits_delta_and_best() -> None:
    kpis = kpis_from(tiny_ledgers())
    fleet_profit = kpis[kpis["site_id"] == "fleet"].set_index("strategy")["profit_usd"]
    assert fleet_profit.to_dict() == {"run-through": 2400.0, "strike": 9600.0}

    rows = tables(render(kpis=kpis))["kpi-table"]
    header, body = rows[0][1], {r[1][0].split()[0]: r for r in rows[1:]}
    assert header[:5] == [
        "Strategy",
        "Profit incl. after horizon",
        "Δ vs run-through",
        "Profit in horizon",
        "Left after horizon",
    ]
    run_class, run = body["run-through"]
    strike_class, strike = body["strike"]
    assert run[1:3] == ["$2.4k", "baseline"]
    # 9,600 - 2,400 = +7,200; 7,200 / 2,400 = +300 %.
    assert strike[1:5] == ["$9.6k", "+$7.2k (+300.0%)", "$9.6k", "$0"]
    # Strike keeps alpha's 1 EH/s for 60 of 72 h: (60 x 1.0 / 72) + 0.5 = 1.33 EH/s, which is
    # 1.333 / 1.5 = 88.9 % of run-through's hashrate; curtailed 12 h x 20 MWh = 240 MWh.
    assert strike[8:11] == ["240 MWh", "1.33 EH/s", "88.9%"]
    # Without a risk table no strategy is marked: "best" is the expected full value over the
    # scenarios (planner.engine.metrics.best_strategy), never one central run.
    assert (strike_class, run_class) == ("", "")
    assert "best" not in strike[0]


def test_kpi_table_ranks_on_what_is_left_after_the_horizon() -> None:
    # The strike rule's alpha leaves 8,000 USD behind (machines frozen past the horizon): its
    # full value is 9,600 - 8,000 = 1,600, behind run-through's 2,400 by 800 (-33.3 %), and
    # the delta is taken at full value although strike's profit inside the horizon is higher.
    kpis = kpis_from(tiny_ledgers(), after={"strike": {"alpha": 8000.0}})
    rows = tables(render(kpis=kpis))["kpi-table"]
    body = {r[1][0].split()[0]: r for r in rows[1:]}
    run_class, _run = body["run-through"]
    strike_class, strike = body["strike"]
    assert strike[1:5] == ["$1.6k", "-$800 (-33.3%)", "$9.6k", "$8.0k"]
    assert (run_class, strike_class) == ("", "")


def test_missing_baseline_shows_no_delta() -> None:
    ledgers = {"strike": tiny_ledgers()["strike"]}
    kpis = kpis_from(tiny_ledgers())
    doc = render(ledgers=ledgers, kpis=kpis[kpis["strategy"] == "strike"])
    (_, strike), *_ = tables(doc)["kpi-table"][1:]
    assert strike[1:3] == ["$9.6k", "—"]


def test_site_table_lists_each_site_with_nameplate_figures() -> None:
    rows = tables(render())["site-table"]
    alpha = rows[1][1]
    # 5,000 S21 x 3,500 W = 17.5 MW of IT; x 200 TH/s = 1,000,000 TH/s = 1.00 EH/s.
    assert alpha == [
        "alpha",
        "Alpha, West Texas",
        "31.00°N, 102.00°W",
        "ERCOT / HB_WEST",
        "index, RT + $4.00/MWh",
        "air",
        "20.0 MW",
        "17.5 MW",
        "1.00 EH/s",
        "5,000",
    ]
    assert rows[2][1][4] == "tariff $0.050/kWh"
    # Totals: 20 + 16 = 36 MW; 17.5 + 14.75 = 32.25 MW of IT (shown 32.2: the exact binary tie
    # rounds to even); 1.00 + 0.50 = 1.50 EH/s; 10,000 machines.
    assert rows[-1][1][1:] == ["36.0 MW", "32.2 MW", "1.50 EH/s", "10,000"]


# ------------------------------------------------------------------------------------- the charts


def test_demo_fleet_renders_every_site() -> None:
    fleet = load_fleet(Path(__file__).parents[2] / "planner" / "domain" / "demo_fleet.toml")
    frames = [
        pd.DataFrame(
            {"hashrate_th_s": 1e6, "profit_usd": 10.0},
            index=pd.MultiIndex.from_product([[s], TIMES[:24]], names=["site_id", "time"]),
        )
        for s in fleet.site_ids
    ]
    ledger = pd.concat(frames)
    zeros = dict.fromkeys(
        ["revenue_usd", "energy_cost_usd", "credits_usd", "energy_mwh", "curtailed_mwh"], 0.0
    )
    kpis = kpis_from({"run-through": ledger.assign(**zeros)})
    doc = render(fleet=fleet, kpis=kpis, ledgers={"run-through": ledger})
    map_svg = section(doc, "map")
    assert all(f">{s}</text>" in map_svg for s in fleet.site_ids)  # a label per site
    # Interconnection 150 + 160 + 70 + 60 + 55 + 50 = 545 MW.
    assert tables(doc)["site-table"][-1][1][1] == "545.0 MW"


# ------------------------------------------------------------------------------------- escaping


def test_text_is_escaped_everywhere() -> None:
    evil = "<script>alert('x')</script>"
    ledgers = tiny_ledgers()
    ledgers = {"strike <b>": ledgers["strike"], "run-through": ledgers["run-through"]}
    doc = render(
        fleet=tiny_fleet(alpha_name=evil, fleet_name="Tom & Jerry <i>"),
        ledgers=ledgers,
        kpis=kpis_from(ledgers),
        title=f"Report {evil}",
        notes=['<img src="x" onerror="alert(1)">'],
    )
    assert "<script" not in doc and "<img" not in doc and "<b>" not in doc and "<i>" not in doc
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in doc
    assert "Tom &amp; Jerry &lt;i&gt;" in doc
    assert ">strike &lt;b&gt;</text>" in doc  # the chart legends escape too
    parser = TagBalance()
    parser.feed(doc)
    assert parser.errors == [] and parser.stack == []


# ----------------------------------------------------------------------------------- formatting


def test_number_formats() -> None:
    assert format_usd(1_234_567) == "$1.2M"
    assert format_usd(-450) == "-$450"
    assert format_usd(999_960) == "$1.0M"  # rounds up into the next unit, not "$1,000.0k"
    assert format_usd(7_200, signed=True) == "+$7.2k"
    assert format_usd(0.4, signed=True) == "$0"
    assert format_usd(math.nan) == "—"
    assert format_mwh(12_345.4) == "12,345 MWh"
    assert format_eh_s(3.514) == "3.51 EH/s"


# -------------------------------------------------------------------------------------- inputs


def test_bad_inputs_are_rejected_with_the_reason_when_the_inputs_are_made() -> None:
    with pytest.raises(ValueError, match="generated_at must be timezone-aware"):
        ReportInputs(**{**report_args(), "generated_at": datetime(2025, 1, 4, 6, 0)})
    with pytest.raises(ValueError, match="generated_at must be timezone-aware"):
        render(generated_at=datetime(2025, 1, 4, 6, 0))
    with pytest.raises(ValueError, match="kpis: missing columns uptime_pct"):
        render(kpis=kpis_from(tiny_ledgers()).drop(columns="uptime_pct"))
    naive = tiny_ledgers()["strike"]
    naive.index = naive.index.set_levels(TIMES.tz_localize(None), level="time")
    with pytest.raises(ValueError, match=r"ledgers\['strike'\]: the time level must hold tz-aware"):
        render(ledgers={"strike": naive})


# ------------------------------------------------------------------------------- atomic writes


def report_args() -> dict[str, Any]:
    ledgers = tiny_ledgers()
    return {
        "fleet": tiny_fleet(),
        "kpis": kpis_from(ledgers),
        "ledgers": ledgers,
        "title": "Tiny report",
        "generated_at": GENERATED,
    }


def test_write_report_replaces_the_old_file_in_one_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report")
    real_replace = os.replace
    seen: list[tuple[str, str]] = []

    def checking_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        # Up to the swap, readers still see the whole old file; the new one is complete and
        # sits beside it (same directory, so the rename is atomic).
        assert Path(dst).read_text() == "old report"
        assert Path(src).parent == tmp_path
        seen.append((Path(src).read_text(), Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", checking_replace)
    out = write_report(target, ReportInputs(**report_args()))

    assert out == target
    new = target.read_text()
    assert seen == [(new, "report.html")]
    assert new == render_report(ReportInputs(**report_args()))
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_leaves_the_old_file_when_rendering_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report")
    inputs = ReportInputs(**report_args())
    # The sites section breaks half-way through the page.
    sections = [
        (sid, heading, make if sid != "sites" else lambda r: str(1 / 0))
        for sid, heading, make in page._SECTIONS
    ]
    monkeypatch.setattr(page, "_SECTIONS", tuple(sections))
    with pytest.raises(ZeroDivisionError):
        write_report(target, inputs)
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_removes_its_temp_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_report(target, ReportInputs(**report_args()))
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_creates_a_readable_new_file(tmp_path: Path) -> None:
    target = write_report(tmp_path / "new.html", ReportInputs(**report_args()))
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o644
