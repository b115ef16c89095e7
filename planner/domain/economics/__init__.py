"""Mining economics: halvings, hashprice, breakeven, power contracts, 4CP, demand response.

Every function here is pure and vectorised: it takes numbers or array-likes, broadcasts them
together with numpy rules, and returns a ``numpy.ndarray`` of float64 of the broadcast shape
(0-d for scalar inputs; ``float(x)`` gives a Python float). Nothing here knows about fleets or
sites; :mod:`planner.domain.fleet` and the simulation glue them on. The contract kinds a site
names (index, PPA, flat rate) live beside their formulas and answer for their own economics.

Units live in the names (``_usd_per_mwh``, ``_th_s``, ``_eh_s``...); ``docs/model.md`` holds the
glossary and the formulas. A bad argument (out of range, NaN, wrong shape) raises
:class:`planner.errors.ConfigError` naming the argument and the allowed range.

Modules: ``bitcoin`` (halvings, expected blocks, hashprice), ``revenue`` (revenue per MWh,
breakeven, mining revenue), ``contracts`` (index, fixed-price PPA, flat rate: formulas and the
contract kinds), ``programs`` (ERCOT 4CP, demand response); ``checks`` holds the shared argument
checks and ``units`` the unit conversions (the only place they are written).
"""

from planner.domain.economics.bitcoin import (
    GENESIS_TIME_UTC,
    HALVING_INTERVAL_BLOCKS,
    HALVING_TIMES_UTC,
    block_subsidy_btc,
    block_subsidy_btc_at,
    expected_blocks_per_th_day,
    hashprice_usd_per_th_day,
)
from planner.domain.economics.checks import FloatArray, TimeLike
from planner.domain.economics.contracts import (
    CONTRACT_KINDS,
    Contract,
    ContractTerms,
    FlatContract,
    IndexContract,
    LinearCost,
    PPAContract,
    PpaCost,
    flat_energy_cost_usd,
    index_energy_cost_usd,
    ppa_energy_cost_breakdown,
    ppa_energy_cost_usd,
)
from planner.domain.economics.programs import (
    FOUR_CP_MONTHS,
    dr_credit_usd,
    dr_penalty_usd,
    four_cp_charge_usd,
    four_cp_peak_hours,
)
from planner.domain.economics.revenue import (
    breakeven_usd_per_mwh,
    mining_revenue_usd,
    revenue_usd_per_mwh,
)

__all__ = [
    "CONTRACT_KINDS",
    "FOUR_CP_MONTHS",
    "GENESIS_TIME_UTC",
    "HALVING_INTERVAL_BLOCKS",
    "HALVING_TIMES_UTC",
    "Contract",
    "ContractTerms",
    "FlatContract",
    "FloatArray",
    "IndexContract",
    "LinearCost",
    "PPAContract",
    "PpaCost",
    "TimeLike",
    "block_subsidy_btc",
    "block_subsidy_btc_at",
    "breakeven_usd_per_mwh",
    "dr_credit_usd",
    "dr_penalty_usd",
    "expected_blocks_per_th_day",
    "flat_energy_cost_usd",
    "four_cp_charge_usd",
    "four_cp_peak_hours",
    "hashprice_usd_per_th_day",
    "index_energy_cost_usd",
    "mining_revenue_usd",
    "ppa_energy_cost_breakdown",
    "ppa_energy_cost_usd",
    "revenue_usd_per_mwh",
]
