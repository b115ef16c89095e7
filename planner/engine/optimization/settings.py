"""Settings of the optimizer, validated once, each problem one :class:`ConfigError` line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from planner.errors import ConfigError
from planner.inputs import check_number, check_whole, gather

Horizon = Literal["operational", "strategic"]

#: Longest operational horizon (hourly periods) before the strategic horizon should be used [h].
MAX_OPERATIONAL_HOURS = 14 * 24

_SOURCE = "optimize settings"


@dataclass(frozen=True)
class OptimizeSettings:
    """What the optimizer plans for and how hard it tries.

    Attributes
    ----------
    horizon
        ``"operational"``: hourly periods over the scenarios (at most 14 days);
        ``"strategic"``: periods of ``strategic_period_hours`` (a day by default), each scenario's
        hours aggregated into them.
    strategic_period_hours
        Length of a strategic period [h].
    risk_lambda
        Weight of the CVaR of loss in the objective (0: risk neutral) [-].
    cvar_alpha
        Confidence level of the CVaR: the mean loss of the worst ``1 - alpha`` of probability [-].
    hashrate_floor_eh_s
        Fleet hashrate to keep in every period [EH/s] (0: no floor).
    floor_probability
        ``None``: the floor holds in every scenario and period. A probability in (0, 1): the floor
        holds, in every period, in scenarios of at least this total weight (one binary per
        scenario, big-M) [-].
    relocation_budget_usd
        Most that relocations may cost [USD]; ``None``: no budget.
    fleet_cap_mw
        Most facility load the whole fleet may draw in any period [MW]; ``None``: no fleet cap.
    ramp_mw_per_h
        Largest change of a site's controllable load from one hour to the next [MW/h]; ``None``:
        no ramp limit.
    min_down_hours
        Once a site is fully stopped it stays stopped at least this long [h] (one binary per site,
        period and scenario); ``None``: no minimum down time.
    min_on_share
        With a minimum down time: a running site draws at least this share of its available load;
        below it the site counts as stopped [-].
    freeze_protection_share
        At freeze-risk sites, share of powered machines that must run in periods below 0 degC [-].
    lead_hours
        An order to shed or restore machines takes effect this long after it is given: every
        site's run shares over the periods that start within it are decided now, the same in
        every scenario [h]. 1: the hour acted on now; 24: a day-ahead schedule.
    protection_lead_hours
        A protective order (a hydro site's loops kept warm, an air or immersion site shut down
        in an orderly way) takes effect this long after it is given: at a site that some scenario
        threatens within it (below 0 degC at a freeze-risk site, below the cold edge of its
        grid's design band or under a severe-weather alert elsewhere), the run shares over the
        periods that start within it are decided now [h]. 0: no protective lead.
    relocate
        Whether relocations are decided (``False`` keeps every machine where it is).
    time_limit_s
        Wall-clock limit of one solve [s].
    mip_gap
        Relative MIP gap at which the solver stops [-].
    """

    horizon: Horizon = "operational"
    strategic_period_hours: int = 24
    risk_lambda: float = 0.0
    cvar_alpha: float = 0.95
    hashrate_floor_eh_s: float = 0.0
    floor_probability: float | None = None
    relocation_budget_usd: float | None = None
    fleet_cap_mw: float | None = None
    ramp_mw_per_h: float | None = None
    min_down_hours: float | None = None
    min_on_share: float = 0.1
    freeze_protection_share: float = 0.1
    lead_hours: float = 1.0
    protection_lead_hours: float = 6.0
    relocate: bool = True
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError(_SOURCE, problems)


def _problems(s: OptimizeSettings) -> list[str]:
    def number(name: str, lo: float, hi: float, **ends: bool) -> Callable[[], object]:
        return partial(check_number, getattr(s, name), name, lo, hi, **ends)

    def optional(name: str, lo: float, hi: float, **ends: bool) -> Callable[[], object]:
        return (lambda: None) if getattr(s, name) is None else number(name, lo, hi, **ends)

    out = gather(
        lambda: check_whole(s.strategic_period_hours, "strategic_period_hours", 1, 744),
        number("risk_lambda", 0.0, 1e3),
        number("cvar_alpha", 0.0, 1.0, open_hi=True),
        number("hashrate_floor_eh_s", 0.0, 1e3),
        optional("floor_probability", 0.0, 1.0, open_lo=True, open_hi=True),
        optional("relocation_budget_usd", 0.0, 1e12),
        optional("fleet_cap_mw", 0.0, 1e6),
        optional("ramp_mw_per_h", 0.0, 1e5, open_lo=True),
        optional("min_down_hours", 0.0, 8760.0, open_lo=True),
        number("min_on_share", 0.0, 1.0),
        number("freeze_protection_share", 0.0, 1.0),
        number("lead_hours", 0.0, float(MAX_OPERATIONAL_HOURS), open_lo=True),
        number("protection_lead_hours", 0.0, float(MAX_OPERATIONAL_HOURS)),
        number("time_limit_s", 0.0, 1e6, open_lo=True),
        number("mip_gap", 0.0, 1.0, open_hi=True),
    )
    if s.horizon not in ("operational", "strategic"):
        out.insert(0, f"horizon: must be 'operational' or 'strategic', got {s.horizon!r}")
    if not isinstance(s.relocate, bool):
        out.append(f"relocate: must be true or false, got {s.relocate!r}")
    return out
