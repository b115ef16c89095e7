"""The public entry points that the CLI, the app and the jobs call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from planner.atomic import atomic_write
from planner.errors import ConfigError
from planner.examples import demo_fleet
from planner.feeds import fetch_feeds
from planner.fleet import Fleet
from planner.metrics import kpis
from planner.simulation import SimResult, simulate

#: Strategies the demo compares, in report order.
DEMO_STRATEGIES: tuple[str, ...] = ("run-through", "strike")

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while long work runs."""


@dataclass(frozen=True, eq=False)
class DemoOutcome:
    """What :func:`run_demo` produced.

    Attributes
    ----------
    kpis
        The KPI table (see :func:`planner.metrics.kpis`).
    results
        One simulated run per strategy.
    kpis_path, report_path
        The files written.
    """

    kpis: pd.DataFrame
    results: tuple[SimResult, ...]
    kpis_path: Path
    report_path: Path


def run_demo(
    out_dir: str | Path = "planner-out/demo",
    *,
    fleet: Fleet | None = None,
    start: str | pd.Timestamp = "2025-01-01",
    hours: int = 8760,
    seed: int = 7,
    strategies: Sequence[str] = DEMO_STRATEGIES,
    progress: Progress | None = None,
) -> DemoOutcome:
    """Run the demo job offline: synthetic feeds, each strategy simulated, KPIs and a report.

    Parameters
    ----------
    out_dir
        Folder for ``kpis.csv`` and ``report.html`` (created if missing).
    fleet
        The fleet; the embedded demo fleet when ``None``.
    start, hours
        Horizon: first interval start (UTC) and number of hourly intervals.
    seed
        Seed of the synthetic feeds.
    strategies
        Built-in policies to compare; the first is the baseline.
    progress
        Called with ``(step, done, total)`` as the work advances.

    Returns
    -------
    DemoOutcome
    """
    from planner.report import write_report  # the report pulls in HTML helpers only when needed

    fleet = fleet or demo_fleet()
    out = _output_dir(out_dir)
    total = len(strategies) + 2
    _tick(progress, "feeds", 0, total)
    feeds = fetch_feeds(fleet, start, hours, "offline", seed=seed)
    results = []
    for i, name in enumerate(strategies, start=1):
        _tick(progress, f"simulate {name}", i, total)
        results.append(simulate(fleet, feeds, name))
    table = kpis(fleet, results, baseline=strategies[0])
    _tick(progress, "report", total - 1, total)
    kpis_path = atomic_write(out / "kpis.csv", lambda f: table.to_csv(f, index=False))
    report_path = write_report(
        out / "report.html",
        fleet=fleet,
        kpis=table,
        ledgers={r.policy: r.ledger for r in results},
        title=f"{fleet.name}: run-through vs strike price",
        generated_at=datetime.now(UTC),
        notes=feeds.notes,
    )
    _tick(progress, "done", total, total)
    return DemoOutcome(table, tuple(results), kpis_path, report_path)


def _output_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(str(out), f"cannot create output folder: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise ConfigError(str(out), "output path exists and is not a folder")
    return out


def _tick(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)
