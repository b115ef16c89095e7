"""The action schedule: what each site lead does, from when to when, and why, read off a plan.

The plan itself is megawatts per site, model and hour (:attr:`Plan.schedule`). A site lead needs
a short list instead: curtail N MW (and which machines), restore, keep the hydro loops warm,
ship or receive machines; each from and to in the site's local time and the market's time, with
the reason in words (price against the machines' break-even, the 4CP peak chance, demand
response, freeze).

- :func:`action_schedule` (pure): a :class:`~planner.engine.optimization.Plan` -> one row per
  action, columns :data:`ACTION_COLUMNS`.
- :func:`actions_csv` and :func:`actions_ics`: the same rows as CSV and as an iCalendar file
  (one event per action, in the site's time zone; the market's time in each description).
- :func:`write_actions`: both files, atomically.

The plan is read probability-weighted over its scenarios (the plan to act on, as ``plan.csv``):
a site is curtailed in an hour when its expected curtailment reaches half of ``step_mw`` and
:data:`MIN_CURTAILED_SHARE` of its available load, and consecutive hours at the same level
(rounded to ``step_mw``) are one action.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet, Site
from planner.domain.freeze import FREEZE_IDLE_SHARE, WATER_FREEZE_C
from planner.domain.ledger import DR_TRIGGER_USD_PER_MWH
from planner.engine.optimization import Plan
from planner.errors import ConfigError
from planner.ops.atomic import atomic_write_text

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KINDS",
    "MARKET_TIMEZONES",
    "action_schedule",
    "actions_csv",
    "actions_ics",
    "empty_actions",
    "market_timezone",
    "write_actions",
]

#: What a row asks a site to do.
ACTION_KINDS: tuple[str, ...] = (
    "curtail",
    "restore",
    "keep loops warm",
    "ship machines",
    "receive machines",
)

#: The columns each row's times in site and market time fill in (:func:`action_schedule`).
_TIME_COLUMNS = (
    "local_start",
    "local_end",
    "local_timezone",
    "market",
    "market_start",
    "market_end",
    "market_timezone",
)

#: Columns of :func:`action_schedule`, in order. Times are ISO 8601 with their UTC offset;
#: ``mw`` is the IT load the action concerns [MW] (curtailed, restored, kept running or moved).
ACTION_COLUMNS: tuple[str, ...] = (
    "site_id",
    "site_name",
    "action",
    "detail",
    "mw",
    "start_utc",
    "end_utc",
    *_TIME_COLUMNS,
    "reason",
)

#: The clock each market settles on (IANA names). MISO settles on Eastern Standard Time all
#: year (no daylight saving); a market not listed is shown in the site's own zone.
MARKET_TIMEZONES: dict[str, str] = {
    "ERCOT": "America/Chicago",
    "SPP": "America/Chicago",
    "MISO": "Etc/GMT+5",
    "PJM": "America/New_York",
    "NYISO": "America/New_York",
    "ISONE": "America/New_York",
    "ISO-NE": "America/New_York",
    "SOCO": "America/New_York",
    "CAISO": "America/Los_Angeles",
    "AESO": "America/Edmonton",
    "IESO": "America/Toronto",
    "HQ": "America/Toronto",
}

#: Expected curtailment below this share of a site's available load is no action [-].
MIN_CURTAILED_SHARE = 0.02
#: A cold hour counts for ``keep loops warm`` from this chance over the scenarios [-].
COLD_CHANCE_MIN = 0.05


def market_timezone(site: Site) -> str:
    """The IANA zone of the site's market clock.

    Parameters
    ----------
    site
        The site; its ``grid.iso`` names the market.

    Returns
    -------
    str
        :data:`MARKET_TIMEZONES`'s zone for the market, else the site's own zone.
    """
    return MARKET_TIMEZONES.get(site.grid.iso.upper(), site.timezone)


def action_schedule(
    plan: Plan, *, step_mw: float = 1.0, min_share: float = MIN_CURTAILED_SHARE
) -> pd.DataFrame:
    """The plan as a list of actions per site, in time order.

    Parameters
    ----------
    plan
        The optimizer's plan.
    step_mw
        Curtailment levels are rounded to this IT load, and an hour is curtailed from half of it
        on [MW], > 0.
    min_share
        Nor is an hour curtailed below this share of the site's available load [-], in [0, 1)
        (a 1 MW trim of a 70 MW site is no action for a site lead).

    Returns
    -------
    pandas.DataFrame
        One row per action, columns :data:`ACTION_COLUMNS`, sorted by start and site:

        - ``curtail``: a run of hours at one curtailment level, with the models curtailed and
          the reason (price against the least efficient curtailed model's break-even, the 4CP
          peak chance, demand response);
        - ``restore``: back to full load when a curtailment ends before the horizon does;
        - ``keep loops warm``: a freeze-risk site's hours that may fall below 0 degC, in which
          at least :data:`~planner.domain.freeze.FREEZE_IDLE_SHARE` of its machines keep
          running;
        - ``ship machines`` / ``receive machines``: each relocation at its origin and its
          destination.

    Raises
    ------
    ConfigError
        ``step_mw`` is not > 0, or ``min_share`` not in [0, 1).
    """
    if not step_mw > 0:
        raise ConfigError("action schedule", f"step_mw: must be > 0, got {step_mw!r}")
    if not 0 <= min_share < 1:
        raise ConfigError("action schedule", f"min_share: must be in [0, 1), got {min_share!r}")
    w = np.asarray(plan.weights, dtype=float)
    run = plan.running_mw @ w  # (tiers, periods)
    avail = plan.available_mw @ w
    rows: list[dict[str, object]] = []
    for i, site in enumerate(plan.fleet.sites):
        ks = [k for k, t in enumerate(plan.tiers) if t.site_id == site.id]
        rows += _curtailments(plan, i, site, ks, run, avail, step_mw, min_share)
        rows += _loop_protection(plan, i, site, ks, run)
    rows += _relocations(plan)
    frame = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c not in _TIME_COLUMNS])
    frame = frame.assign(_start=pd.to_datetime(frame["start_utc"], utc=True))
    order = {s: n for n, s in enumerate(plan.fleet.site_ids)}
    frame = frame.assign(_site=frame["site_id"].map(order))
    frame = frame.sort_values(["_start", "_site"], kind="stable").reset_index(drop=True)
    return _with_clocks(frame.drop(columns=["_start", "_site"]), plan.fleet)


def empty_actions() -> pd.DataFrame:
    """An action schedule with no rows (a run without a plan)."""
    return pd.DataFrame(columns=list(ACTION_COLUMNS))


def actions_csv(actions: pd.DataFrame) -> str:
    """The action schedule as CSV text.

    Parameters
    ----------
    actions
        :func:`action_schedule`'s rows.

    Returns
    -------
    str
        One header line (:data:`ACTION_COLUMNS`) and one line per action.
    """
    return actions[list(ACTION_COLUMNS)].to_csv(index=False)


def actions_ics(actions: pd.DataFrame, *, stamp: datetime, uid_prefix: str = "plan") -> str:
    """The action schedule as an iCalendar file: one event per action, in the site's zone.

    Parameters
    ----------
    actions
        :func:`action_schedule`'s rows.
    stamp
        When the schedule was made (every event's ``DTSTAMP``), timezone-aware.
    uid_prefix
        Start of each event's ``UID`` (a run id), so a calendar that imports the file again
        updates the events instead of doubling them.

    Returns
    -------
    str
        RFC 5545 text with CRLF line ends: a ``VCALENDAR`` with a ``VTIMEZONE`` per zone used
        and a ``VEVENT`` per row (``restore`` and ``receive machines``: 15-minute reminders).
    """
    import icalendar

    if stamp.tzinfo is None:
        raise ConfigError("action schedule", "stamp: must be timezone-aware")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//mining-fleet-planner//action schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Fleet action schedule")
    for n, row in enumerate(actions.itertuples(index=False)):
        zone = ZoneInfo(str(row.local_timezone))
        start = pd.Timestamp(row.start_utc).to_pydatetime().astimezone(zone)
        end = pd.Timestamp(row.end_utc).to_pydatetime().astimezone(zone)
        if end <= start:
            end = start + pd.Timedelta(minutes=15).to_pytimedelta()
        event = icalendar.Event()
        event.add("uid", f"{uid_prefix}-{n}-{row.site_id}@mining-fleet-planner")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"{row.site_name}: {row.action} ({row.mw:,.1f} MW)")
        event.add("location", str(row.site_name))
        event.add("categories", [str(row.action)])
        event.add(
            "description",
            f"{row.detail}\n"
            f"Why: {row.reason}\n"
            f"Site time ({row.local_timezone}): {row.local_start} to {row.local_end}\n"
            f"Market time ({row.market}, {row.market_timezone}): {row.market_start} to "
            f"{row.market_end}",
        )
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical()).decode("utf-8")


def write_actions(
    folder: str | os.PathLike[str],
    actions: pd.DataFrame,
    *,
    stamp: datetime,
    uid_prefix: str = "plan",
) -> tuple[Path, Path]:
    """Write ``actions.csv`` and ``actions.ics`` into ``folder``, each atomically.

    Parameters
    ----------
    folder
        An existing folder.
    actions, stamp, uid_prefix
        As :func:`actions_ics`.

    Returns
    -------
    tuple of Path
        ``(actions.csv, actions.ics)``.
    """
    out = Path(folder)
    return (
        atomic_write_text(out / "actions.csv", actions_csv(actions)),
        atomic_write_text(
            out / "actions.ics", actions_ics(actions, stamp=stamp, uid_prefix=uid_prefix)
        ),
    )


# -- the rows ------------------------------------------------------------------------------------


def _row(
    site: Site,
    action: str,
    detail: str,
    mw: float,
    start: pd.Timestamp,
    end: pd.Timestamp,
    why: str,
) -> dict[str, object]:
    return {
        "site_id": site.id,
        "site_name": site.name,
        "action": action,
        "detail": detail,
        "mw": round(float(mw), 3),
        "start_utc": _iso(start.tz_convert(UTC)),
        "end_utc": _iso(end.tz_convert(UTC)),
        "reason": why,
    }


def _runs(flags: Sequence[object]) -> list[tuple[int, int]]:
    """``[start, stop)`` of each run of equal, truthy values."""
    out: list[tuple[int, int]] = []
    n = len(flags)
    p = 0
    while p < n:
        q = p + 1
        while q < n and flags[q] == flags[p]:
            q += 1
        if flags[p]:
            out.append((p, q))
        p = q
    return out


def _period_ends(plan: Plan) -> pd.DatetimeIndex:
    return plan.times + pd.to_timedelta(np.asarray(plan.duration_h, dtype=float), unit="h")


def _curtailments(
    plan: Plan,
    i: int,
    site: Site,
    ks: list[int],
    run: np.ndarray,
    avail: np.ndarray,
    step_mw: float,
    min_share: float,
) -> list[dict[str, object]]:
    curtailed = (avail[ks] - run[ks]).clip(min=0.0)  # (site tiers, periods)
    total = curtailed.sum(axis=0)
    counted = (total >= step_mw / 2) & (total >= min_share * avail[ks].sum(axis=0))
    level = np.where(counted, np.maximum(np.round(total / step_mw), 1) * step_mw, 0)
    ends = _period_ends(plan)
    rows = []
    for p, q in _runs(level.tolist()):
        share = curtailed[:, p:q].mean(axis=1)
        models = [
            (plan.tiers[k].model_id, mw)
            for k, mw in zip(ks, share, strict=True)
            if mw >= min(step_mw / 2, level[p] / 2)
        ]
        names = ", ".join(f"{plan.fleet.models[m].name} {mw:,.1f} MW" for m, mw in models)
        detail = (
            f"curtail {level[p]:,.1f} MW of {avail[ks, p:q].sum(axis=0).mean():,.1f} MW "
            f"available ({names})"
        )
        worst = models[-1][0] if models else plan.tiers[ks[-1]].model_id
        rows.append(
            _row(
                site,
                "curtail",
                detail,
                level[p],
                plan.times[p],
                ends[q - 1],
                _curtail_reason(plan, i, site, worst, range(p, q)),
            )
        )
        if q < len(plan.times) and level[q] == 0:
            rows.append(
                _row(
                    site,
                    "restore",
                    f"back to full load: {avail[ks, q].sum():,.1f} MW available",
                    level[p],
                    ends[q - 1],
                    ends[q - 1],
                    "curtailment ends; " + _price_words(plan, i, worst, range(q, q + 1)),
                )
            )
    return rows


def _price_words(plan: Plan, i: int, model_id: str, periods: range) -> str:
    """The price against the model's break-even over ``periods``, expected and by scenario."""
    w = np.asarray(plan.weights, dtype=float)
    d = np.asarray(plan.duration_h, dtype=float)[list(periods)]
    price = plan.price_usd_per_mwh[i, list(periods)] * plan.parameters.get("price_scale", 1.0)
    hashprice = plan.hashprice_usd_per_th_day[list(periods)] * plan.parameters.get(
        "hashprice_scale", 1.0
    )
    model = plan.fleet.models[model_id]
    facility_mw = model.power_w * plan.fleet.sites[i].overhead / 1e6
    # Revenue per facility MWh of the model: hashprice x TH/s per facility MW / 24 h.
    breakeven = hashprice * model.hashrate_th_s / facility_mw / 24.0  # (periods, scenarios)
    margin = (breakeven - price).T @ d  # per scenario, over the periods [USD/MWh x h]
    above = float((margin < 0) @ w)
    mean_price = float(d @ price @ w / d.sum())
    mean_even = float(d @ breakeven @ w / d.sum())
    return (
        f"expected price ${mean_price:,.0f}/MWh against the {model.name} break-even "
        f"${mean_even:,.0f}/MWh; above it in {above:.0%} of scenarios"
    )


def _chance(plan: Plan, values: np.ndarray, i: int, periods: range) -> float:
    """Largest chance over ``periods`` that ``values[i, period, :]`` is positive [-]."""
    if values.size == 0:
        return 0.0
    w = np.asarray(plan.weights, dtype=float)
    return float(max((values[i, p] > 0) @ w for p in periods))


def _curtail_reason(plan: Plan, i: int, site: Site, model_id: str, periods: range) -> str:
    words = [_price_words(plan, i, model_id, periods)]
    four_cp = _chance(plan, plan.four_cp_hours, i, periods)
    if four_cp > 0:
        words.append(f"4CP peak chance up to {four_cp:.0%}")
    dr = _chance(plan, plan.dr_share, i, periods)
    if dr > 0:
        words.append(
            f"demand response called (price >= ${DR_TRIGGER_USD_PER_MWH:,.0f}/MWh) in up to "
            f"{dr:.0%} of scenarios"
        )
    return "; ".join(words)


def _loop_protection(
    plan: Plan, i: int, site: Site, ks: list[int], run: np.ndarray
) -> list[dict[str, object]]:
    envelope = plan.fleet.cooling[site.cooling]
    if not envelope.freeze_risk or plan.cold_hours.size == 0:
        return []
    w = np.asarray(plan.weights, dtype=float)
    chance = (plan.cold_hours[i] > 0) @ w  # (periods,)
    running = run[ks].sum(axis=0)
    cold = (chance >= COLD_CHANCE_MIN) & (running > 1e-9)
    ends = _period_ends(plan)
    floor_mw = FREEZE_IDLE_SHARE * plan.fleet.installed_power_mw(site)
    rows = []
    for p, q in _runs(cold.tolist()):
        detail = (
            f"keep at least {FREEZE_IDLE_SHARE:.0%} of the machines running "
            f"({floor_mw:,.1f} MW; the plan runs {running[p:q].min():,.1f} MW or more) so the "
            "hydro loops do not freeze"
        )
        why = (
            f"freeze: up to {chance[p:q].max():.0%} chance of air below {WATER_FREEZE_C:.0f} degC; "
            f"idle loops last {envelope.freeze_protection_hours:g} h before damage"
        )
        rows.append(
            _row(site, "keep loops warm", detail, floor_mw, plan.times[p], ends[q - 1], why)
        )
    return rows


def _relocations(plan: Plan) -> list[dict[str, object]]:
    rows = []
    t0 = plan.times[0]
    for r in plan.relocations.itertuples(index=False):
        model = plan.fleet.models[str(r.model_id)]
        mw = int(r.machines) * model.power_w / 1e6
        depart = t0 + pd.Timedelta(hours=float(r.depart_h))
        arrive = t0 + pd.Timedelta(hours=float(r.arrive_h))
        origin, target = plan.fleet.site(str(r.from_site)), plan.fleet.site(str(r.to_site))
        moved = int(r.machines) * model.hashrate_th_s / 1e3
        why = (
            f"the plan moves {moved:,.0f} PH/s from {origin.name} to {target.name} "
            f"(cost ${float(r.cost_usd):,.0f}, in transit {float(r.arrive_h - r.depart_h):g} h)"
        )
        rows.append(
            _row(
                origin,
                "ship machines",
                f"ship {int(r.machines):,} {model.name} to {target.name}",
                mw,
                depart,
                arrive,
                why,
            )
        )
        rows.append(
            _row(
                target,
                "receive machines",
                f"receive {int(r.machines):,} {model.name} from {origin.name}; install and start",
                mw,
                arrive,
                arrive,
                why,
            )
        )
    return rows


def _with_clocks(frame: pd.DataFrame, fleet: Fleet) -> pd.DataFrame:
    """Add the site-local and market-time columns; columns in :data:`ACTION_COLUMNS` order."""
    sites = {s.id: s for s in fleet.sites}
    local_tz = frame["site_id"].map(lambda s: sites[s].timezone)
    market_tz = frame["site_id"].map(lambda s: market_timezone(sites[s]))

    def shown(column: str, zones: pd.Series) -> list[str]:
        return [
            _iso(pd.Timestamp(t).tz_convert(z)) for t, z in zip(frame[column], zones, strict=True)
        ]

    out = frame.assign(
        local_start=shown("start_utc", local_tz),
        local_end=shown("end_utc", local_tz),
        local_timezone=local_tz,
        market=frame["site_id"].map(lambda s: sites[s].grid.iso),
        market_start=shown("start_utc", market_tz),
        market_end=shown("end_utc", market_tz),
        market_timezone=market_tz,
    )
    return out[list(ACTION_COLUMNS)]


def _iso(t: pd.Timestamp) -> str:
    """``2025-01-14T06:00Z`` in UTC, ``2025-01-14T00:00-06:00`` elsewhere."""
    text = t.isoformat(timespec="minutes")
    return text.replace("+00:00", "Z") if str(t.tz) == "UTC" else text
