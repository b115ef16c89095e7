"""Energy cost under power contracts: index (real-time price + adder), fixed-price PPA, flat."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.domain.economics._units import _KWH_PER_MWH
from planner.domain.economics._validate import _FINITE, _NONNEG, FloatArray, _arrays, _out


def index_energy_cost_usd(
    energy_mwh: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike, adder_usd_per_mwh: npt.ArrayLike
) -> FloatArray:
    """Energy cost under an index contract: ``energy * (price + adder)`` per interval.

    Parameters
    ----------
    energy_mwh : array_like
        Energy used in each interval [MWh], >= 0.
    price_usd_per_mwh : array_like
        Real-time (index) price [USD/MWh]; may be negative.
    adder_usd_per_mwh : array_like
        Retailer or QSE adder on top of the index [USD/MWh].

    Returns
    -------
    numpy.ndarray
        Cost per interval [USD]; negative when the index is below ``-adder``.
    """
    energy, price, adder = _arrays(
        energy_mwh=(energy_mwh, _NONNEG),
        price_usd_per_mwh=(price_usd_per_mwh, _FINITE),
        adder_usd_per_mwh=(adder_usd_per_mwh, _FINITE),
    )
    return _out(energy * (price + adder))


@dataclass(frozen=True, eq=False)
class PpaCost:
    """The parts of a fixed-price PPA bill, per interval [USD]; all arrays of one shape.

    Attributes
    ----------
    contract_cost_usd
        Take-or-pay: contract price times contracted energy, whatever is mined.
    sell_back_credit_usd
        Unused contracted energy sold at (real-time price - discount); 0 without sell-back.
        Negative when that price is negative (selling then costs money).
    excess_purchase_usd
        Energy above the contracted quantity, bought at the real-time price.
    """

    contract_cost_usd: FloatArray
    sell_back_credit_usd: FloatArray
    excess_purchase_usd: FloatArray

    @property
    def net_cost_usd(self) -> FloatArray:
        """``contract - sell_back_credit + excess_purchase`` [USD]; may be negative."""
        return _out(self.contract_cost_usd - self.sell_back_credit_usd + self.excess_purchase_usd)


def ppa_energy_cost_breakdown(
    energy_mwh: npt.ArrayLike,
    price_usd_per_mwh: npt.ArrayLike,
    contract_price_usd_per_mwh: npt.ArrayLike,
    contracted_mwh: npt.ArrayLike,
    *,
    sell_back: bool = True,
    sell_back_discount_usd_per_mwh: npt.ArrayLike = 0.0,
) -> PpaCost:
    """Energy cost under a fixed-price, take-or-pay PPA, part by part.

    Per interval the miner pays ``contract_price * contracted`` whatever it uses; energy it
    leaves unused (``contracted - used`` when positive) is sold back at
    ``price - discount`` when ``sell_back`` and forfeited otherwise; energy above the contract
    is bought at the real-time price.

    Parameters
    ----------
    energy_mwh : array_like
        Energy used in each interval [MWh], >= 0.
    price_usd_per_mwh : array_like
        Real-time price at the settlement point [USD/MWh]; may be negative.
    contract_price_usd_per_mwh : array_like
        Fixed contract price [USD/MWh], >= 0.
    contracted_mwh : array_like
        Contracted energy in each interval [MWh], >= 0.
    sell_back : bool, default True
        Whether unused contracted energy is sold back (else it is forfeited).
    sell_back_discount_usd_per_mwh : array_like, default 0
        Discount to the real-time price on sold-back energy [USD/MWh], >= 0.

    Returns
    -------
    PpaCost
        The three parts; ``.net_cost_usd`` is the bill.
    """
    used, price, contract_price, contracted, discount = _arrays(
        energy_mwh=(energy_mwh, _NONNEG),
        price_usd_per_mwh=(price_usd_per_mwh, _FINITE),
        contract_price_usd_per_mwh=(contract_price_usd_per_mwh, _NONNEG),
        contracted_mwh=(contracted_mwh, _NONNEG),
        sell_back_discount_usd_per_mwh=(sell_back_discount_usd_per_mwh, _NONNEG),
    )
    unused = np.maximum(contracted - used, 0.0) if sell_back else np.zeros_like(used)
    return PpaCost(
        contract_cost_usd=_out(contract_price * contracted),
        sell_back_credit_usd=_out(unused * (price - discount)),
        excess_purchase_usd=_out(np.maximum(used - contracted, 0.0) * price),
    )


def ppa_energy_cost_usd(
    energy_mwh: npt.ArrayLike,
    price_usd_per_mwh: npt.ArrayLike,
    contract_price_usd_per_mwh: npt.ArrayLike,
    contracted_mwh: npt.ArrayLike,
    *,
    sell_back: bool = True,
    sell_back_discount_usd_per_mwh: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Net energy cost under a fixed-price PPA [USD] per interval; may be negative.

    The ``net_cost_usd`` of :func:`ppa_energy_cost_breakdown`, which documents the arguments.
    """
    return ppa_energy_cost_breakdown(
        energy_mwh,
        price_usd_per_mwh,
        contract_price_usd_per_mwh,
        contracted_mwh,
        sell_back=sell_back,
        sell_back_discount_usd_per_mwh=sell_back_discount_usd_per_mwh,
    ).net_cost_usd


def flat_energy_cost_usd(energy_mwh: npt.ArrayLike, rate_usd_per_kwh: npt.ArrayLike) -> FloatArray:
    """Energy cost at a flat rate (hosting agreement, utility tariff): ``energy * 1000 * rate``.

    Parameters
    ----------
    energy_mwh : array_like
        Energy used [MWh], >= 0.
    rate_usd_per_kwh : array_like
        Flat rate [USD/kWh] (note: per kWh), >= 0.

    Returns
    -------
    numpy.ndarray
        Cost [USD].
    """
    energy, rate = _arrays(
        energy_mwh=(energy_mwh, _NONNEG), rate_usd_per_kwh=(rate_usd_per_kwh, _NONNEG)
    )
    return _out(energy * _KWH_PER_MWH * rate)
