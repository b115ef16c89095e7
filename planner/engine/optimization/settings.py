"""Settings of the optimizer, validated once, each problem one :class:`ConfigError` line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import ConfigDict, Field

from planner.settings import Number, Settings, Whole

Horizon = Literal["operational", "strategic"]
LpAlgorithm = Literal["auto", "simplex", "ipm"]
BlockEdges = Literal["quantile", "breakeven"]

#: Longest operational horizon (hourly periods) before the strategic horizon should be used [h].
MAX_OPERATIONAL_HOURS = 14 * 24


class OptimizeSettings(Settings):
    """What the optimizer plans for and how hard it tries.

    Attributes
    ----------
    horizon
        ``"operational"``: hourly periods over the scenarios (at most 14 days);
        ``"strategic"``: periods of ``strategic_period_hours`` (a day by default), each scenario's
        hours aggregated into them.
    strategic_period_hours
        Length of a strategic period [h].
    strategic_hourly_hours
        A multi-resolution strategic horizon: its first hours are hourly periods, the rest
        periods of ``strategic_period_hours`` (0: every period of that length) [h]. Not with
        ``min_down_hours``, which needs periods of one length.
    strategic_price_blocks
        Price blocks per strategic period longer than an hour: each site's hours of the period
        in each scenario, sorted by their margin, are cut into this many blocks that run apart,
        the top ones small (``docs/model.md``, Optimizer: periods); 1: the period runs as one.
        ``None``: 6, or 1 with a ramp limit or a minimum down time, which more than one block
        cannot take. Periods that start within a lead time are not split; with blocks, a period
        also starts when relocated machines arrive [-].
    strategic_block_edges
        Where price blocks are cut: ``"breakeven"`` (the default), at the site's breakeven
        margins (one for each tier and power mode, and the 4CP peak hours apart), so that no
        block holds hours on both sides of a decision to run; the blocks' hours then differ by
        site and scenario, and ``strategic_price_blocks`` only turns blocks on (above 1, or
        unset) or off (1); ``"quantile"``, into ``strategic_price_blocks`` blocks of fixed
        sizes, small at the top (:func:`~planner.engine.optimization.periods.block_sizes`)
        (``docs/model.md``, Optimizer: periods).
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
    solver
        ``None``: HiGHS solves the model's arrays directly (the fast path). A Pyomo solver name
        (``"appsi_highs"``, ``"gurobi"``, ``"cplex"``, ``"cbc"``..., installed here): that solver
        solves the Pyomo model through Pyomo, with its own default MIP gap.
    extra_functionality
        ``f(model, data)``, called once on the built Pyomo model (and the prepared
        :class:`~planner.engine.optimization.data.ModelData`) before the first solve, to add
        constraints or variables, tighten bounds or change the model's mutable Params; either
        solve path honours what it changed (``docs/model.md``, Changing the model). Not written
        to a job's settings file.
    lp_algorithm
        How HiGHS solves the linear programmes: ``"simplex"`` (dual simplex), ``"ipm"``
        (interior point, then crossover to a basis) or ``"auto"``: interior point on models of
        at least :data:`~planner.engine.optimization.algorithm.IPM_FROM_NONZEROS` nonzeros,
        simplex below (the rule measured in ``BENCHMARKS.md``). A re-solve from a previous basis
        always uses the simplex.
    """

    model_config = ConfigDict(title="optimize settings")

    horizon: Horizon = "operational"
    strategic_period_hours: Whole = Field(24, ge=1, le=744)
    strategic_hourly_hours: Whole = Field(0, ge=0, le=87_600, exclude_if=lambda value: value == 0)
    strategic_price_blocks: Whole | None = Field(
        None, ge=1, le=24, exclude_if=lambda value: value is None
    )
    strategic_block_edges: BlockEdges = Field(
        "breakeven", exclude_if=lambda value: value == "breakeven"
    )
    risk_lambda: Number = Field(0.0, ge=0, le=1e3)
    cvar_alpha: Number = Field(0.95, ge=0, lt=1)
    hashrate_floor_eh_s: Number = Field(0.0, ge=0, le=1e3)
    floor_probability: Number | None = Field(None, gt=0, lt=1)
    relocation_budget_usd: Number | None = Field(None, ge=0, le=1e12)
    fleet_cap_mw: Number | None = Field(None, ge=0, le=1e6)
    ramp_mw_per_h: Number | None = Field(None, gt=0, le=1e5)
    min_down_hours: Number | None = Field(None, gt=0, le=8760)
    min_on_share: Number = Field(0.1, ge=0, le=1)
    freeze_protection_share: Number = Field(0.1, ge=0, le=1)
    lead_hours: Number = Field(1.0, gt=0, le=MAX_OPERATIONAL_HOURS)
    protection_lead_hours: Number = Field(6.0, ge=0, le=MAX_OPERATIONAL_HOURS)
    relocate: bool = True
    time_limit_s: Number = Field(60.0, gt=0, le=1e6)
    mip_gap: Number = Field(1e-4, ge=0, lt=1)
    # Left out of a dump while unset: the default settings' JSON (run history keys) stays as it was
    solver: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        exclude_if=lambda value: value is None,
    )
    extra_functionality: Callable[[Any, Any], None] | None = Field(None, exclude=True)
    lp_algorithm: LpAlgorithm = Field("auto", exclude_if=lambda value: value == "auto")
