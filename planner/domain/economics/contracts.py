"""Power contracts: what a site pays for energy, and every question the planner asks of it.

Two halves. The formulas are pure vectorised functions (:func:`index_energy_cost_usd`,
:func:`ppa_energy_cost_breakdown`, :func:`ppa_energy_cost_usd`, :func:`flat_energy_cost_usd`).
The contract kinds a fleet file names (:class:`IndexContract`, :class:`PPAContract`,
:class:`FlatContract`, frozen pydantic models) own their economics: each answers, through the
methods of :class:`ContractTerms`, what the ledger, the policies, the optimizer and the report
ask — the bill for an hour's draw, the marginal price of one more MWh, the linear terms of the
optimizer's cost rows (:class:`LinearCost`), the take-or-pay block, the curtailment allowance,
a capacity check and a one-line description. No caller looks at which kind it holds.

A new contract kind is added here and nowhere else: write a subclass of
:class:`ContractTerms` with a ``kind`` literal and its fields, implement the abstract methods
(override ``block_mw``, ``curtailment_allowance_share`` or ``capacity_problem`` where the defaults
do not fit), and add the class to the :data:`Contract` union at the bottom of this module
(:data:`CONTRACT_KINDS` follows from it). ``docs/fleet.md`` lists its keys and ``docs/model.md``
its formulas.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, fields
from typing import Annotated, Literal, get_args

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from planner.domain.economics.checks import (
    FINITE,
    NONNEG,
    FloatArray,
    as_float64,
    checked_arrays,
)
from planner.domain.economics.units import HOURS_PER_YEAR, KWH_PER_MWH


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
    energy, price, adder = checked_arrays(
        energy_mwh=(energy_mwh, NONNEG),
        price_usd_per_mwh=(price_usd_per_mwh, FINITE),
        adder_usd_per_mwh=(adder_usd_per_mwh, FINITE),
    )
    return as_float64(energy * (price + adder))


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
        return as_float64(
            self.contract_cost_usd - self.sell_back_credit_usd + self.excess_purchase_usd
        )


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
    used, price, contract_price, contracted, discount = checked_arrays(
        energy_mwh=(energy_mwh, NONNEG),
        price_usd_per_mwh=(price_usd_per_mwh, FINITE),
        contract_price_usd_per_mwh=(contract_price_usd_per_mwh, NONNEG),
        contracted_mwh=(contracted_mwh, NONNEG),
        sell_back_discount_usd_per_mwh=(sell_back_discount_usd_per_mwh, NONNEG),
    )
    unused = np.maximum(contracted - used, 0.0) if sell_back else np.zeros_like(used)
    return PpaCost(
        contract_cost_usd=as_float64(contract_price * contracted),
        sell_back_credit_usd=as_float64(unused * (price - discount)),
        excess_purchase_usd=as_float64(np.maximum(used - contracted, 0.0) * price),
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
    energy, rate = checked_arrays(
        energy_mwh=(energy_mwh, NONNEG), rate_usd_per_kwh=(rate_usd_per_kwh, NONNEG)
    )
    return as_float64(energy * KWH_PER_MWH * rate)


# --------------------------------------------------------------------------- the contract kinds


@dataclass(frozen=True, eq=False)
class LinearCost:
    """An interval's energy cost as the optimizer writes it: linear terms, split by price.

    With ``E`` the energy drawn in the interval [MWh] and ``B`` the part of it inside the
    contract's take-or-pay block [MWh] (``0 <= B <= min(E, block_mw x interval_h)``; a variable only
    where :attr:`ContractTerms.block_mw` > 0)::

        rt    = rt_per_mwh x E + rt_per_block_mwh x B + rt_usd
        fixed = fixed_per_mwh x E + fixed_per_block_mwh x B + fixed_usd

    ``rt`` is proportional to the real-time price (the optimizer scales it by its price scale);
    ``fixed`` is not. With ``B`` as large as it may be, ``rt + fixed`` is the bill of
    :meth:`ContractTerms.energy_cost_usd` (a PPA without sell-back: when the price is >= 0).
    Every attribute is an array of the shape of the price it was made from; coefficients in
    [USD/MWh], constants in [USD].
    """

    rt_per_mwh: FloatArray
    rt_per_block_mwh: FloatArray
    rt_usd: FloatArray
    fixed_per_mwh: FloatArray
    fixed_per_block_mwh: FloatArray
    fixed_usd: FloatArray


def _linear_cost(price: FloatArray, **terms: FloatArray | float) -> LinearCost:
    """A :class:`LinearCost` of the price's shape: the ``terms`` given, zeros elsewhere."""
    return LinearCost(
        **{
            f.name: np.broadcast_to(terms.get(f.name, 0.0), price.shape).astype(float)
            for f in fields(LinearCost)
        }
    )


class ContractTerms(BaseModel):
    """What every contract kind answers; the kinds below fill it in.

    Prices are real-time prices at the site's node [USD/MWh], of any shape; the marginal prices
    and the :class:`LinearCost` arrays have that shape (interval lengths broadcast to it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def block_mw(self) -> float:
        """Power bought as a take-or-pay block [MW]; 0 without one."""
        return 0.0

    @property
    def curtailment_allowance_share(self) -> float | None:
        """Share of nameplate energy the site may curtail without paying for it [-].

        ``None`` when the contract does not limit curtailment.
        """
        return None

    def capacity_problem(self, capacity_mw: float) -> str | None:
        """Why these terms cannot serve a site of ``capacity_mw`` [MW]; ``None`` when they can."""
        return None

    @abstractmethod
    def energy_cost_usd(
        self, energy_mwh: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike, interval_h: float = 1.0
    ) -> FloatArray:
        """The bill for the energy drawn in each interval [USD]; may be negative.

        Parameters
        ----------
        energy_mwh
            Energy drawn in each interval [MWh], >= 0.
        price_usd_per_mwh
            Real-time price in each interval [USD/MWh].
        interval_h
            Length of an interval [h]; it sets the energy of a take-or-pay block.

        Returns
        -------
        numpy.ndarray
            Cost [USD], energy and price broadcast together (a flat rate: the energy's shape).
        """

    @abstractmethod
    def marginal_usd_per_mwh(
        self, price_usd_per_mwh: npt.ArrayLike, *, above_block: bool = False
    ) -> FloatArray:
        """What one more MWh drawn costs [USD/MWh].

        Inside a take-or-pay block (the default) or, with ``above_block``, once the block is
        used up; a contract without a block answers the same either way.
        """

    @abstractmethod
    def linear_cost(
        self, price_usd_per_mwh: npt.ArrayLike, interval_h: npt.ArrayLike
    ) -> LinearCost:
        """The optimizer's cost terms for intervals of ``interval_h`` [h] at these prices."""

    @abstractmethod
    def describe(self) -> str:
        """The terms in one line for people (``index, RT + $4.00/MWh``)."""


class IndexContract(ContractTerms):
    """Real-time price plus a fixed adder for every MWh drawn."""

    kind: Literal["index"]
    adder_usd_per_mwh: float = Field(ge=-100, le=1000)

    def energy_cost_usd(
        self, energy_mwh: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike, interval_h: float = 1.0
    ) -> FloatArray:
        """``E (price + adder)``: see :func:`index_energy_cost_usd`."""
        return index_energy_cost_usd(energy_mwh, price_usd_per_mwh, self.adder_usd_per_mwh)

    def marginal_usd_per_mwh(
        self, price_usd_per_mwh: npt.ArrayLike, *, above_block: bool = False
    ) -> FloatArray:
        """The real-time price plus the adder."""
        return np.asarray(price_usd_per_mwh, dtype=float) + self.adder_usd_per_mwh

    def linear_cost(
        self, price_usd_per_mwh: npt.ArrayLike, interval_h: npt.ArrayLike
    ) -> LinearCost:
        """``rt = price x E``, ``fixed = adder x E``."""
        price = np.asarray(price_usd_per_mwh, dtype=float)
        return _linear_cost(price, rt_per_mwh=price, fixed_per_mwh=self.adder_usd_per_mwh)

    def describe(self) -> str:
        return f"index, RT + ${self.adder_usd_per_mwh:,.2f}/MWh"


class PPAContract(ContractTerms):
    """Fixed-price take-or-pay block; unused energy is sold back at the real-time price."""

    kind: Literal["ppa"]
    price_usd_per_mwh: float = Field(ge=0, le=1000)
    contracted_mw: float = Field(gt=0)
    sell_back: bool = True
    sell_back_discount_usd_per_mwh: float = Field(default=0.0, ge=0, le=1000)

    @property
    def block_mw(self) -> float:
        """The contracted power [MW]."""
        return self.contracted_mw

    def capacity_problem(self, capacity_mw: float) -> str | None:
        """The block must fit the site: ``contracted_mw <= capacity_mw``."""
        if self.contracted_mw <= capacity_mw:
            return None
        return (
            f"contract.contracted_mw: must be <= capacity_mw ({capacity_mw:g}), "
            f"got {self.contracted_mw:g}"
        )

    def energy_cost_usd(
        self, energy_mwh: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike, interval_h: float = 1.0
    ) -> FloatArray:
        """Take-or-pay, sell-back and excess: see :func:`ppa_energy_cost_breakdown`."""
        return ppa_energy_cost_usd(
            energy_mwh,
            price_usd_per_mwh,
            self.price_usd_per_mwh,
            self.contracted_mw * interval_h,
            sell_back=self.sell_back,
            sell_back_discount_usd_per_mwh=self.sell_back_discount_usd_per_mwh,
        )

    def marginal_usd_per_mwh(
        self, price_usd_per_mwh: npt.ArrayLike, *, above_block: bool = False
    ) -> FloatArray:
        """Above the block the real-time price. Inside it, with sell-back, the real-time price
        less the discount (a MWh not drawn is sold); without sell-back nothing (it is paid for)."""
        price = np.array(price_usd_per_mwh, dtype=float)  # a copy: callers may keep it
        if above_block:
            return price
        if self.sell_back:
            return price - self.sell_back_discount_usd_per_mwh
        return np.zeros_like(price)

    def linear_cost(
        self, price_usd_per_mwh: npt.ArrayLike, interval_h: npt.ArrayLike
    ) -> LinearCost:
        """With the block ``C = contracted_mw x interval_h`` [MWh], price ``p`` and discount ``d``:
        with sell-back ``rt = p (E - C)``, ``fixed = (k + d) C - d B``; without it
        ``rt = p (E - B)``, ``fixed = k C``.
        """
        price = np.asarray(price_usd_per_mwh, dtype=float)
        block_mwh = self.contracted_mw * np.asarray(interval_h, dtype=float)
        if not self.sell_back:
            return _linear_cost(
                price,
                rt_per_mwh=price,
                rt_per_block_mwh=-price,
                fixed_usd=self.price_usd_per_mwh * block_mwh,
            )
        discount = self.sell_back_discount_usd_per_mwh
        return _linear_cost(
            price,
            rt_per_mwh=price,
            rt_usd=-price * block_mwh,
            fixed_per_block_mwh=-discount,
            fixed_usd=(self.price_usd_per_mwh + discount) * block_mwh,
        )

    def describe(self) -> str:
        sell_back = ", sell-back" if self.sell_back else ""
        return f"PPA ${self.price_usd_per_mwh:,.2f}/MWh × {self.contracted_mw:,g} MW{sell_back}"


class FlatContract(ContractTerms):
    """A flat $/kWh for energy drawn: a hosting agreement or a utility tariff.

    ``curtailment_hours_per_year`` is how many hours a year the host or utility may curtail the site
    without compensation (interruptible tariffs, the host's own peak shaving).
    """

    kind: Literal["hosting", "tariff"]
    rate_usd_per_kwh: float = Field(ge=0, le=1)
    curtailment_hours_per_year: float = Field(default=0.0, ge=0, le=8760)

    @property
    def curtailment_allowance_share(self) -> float | None:
        """Hosting: ``curtailment_hours_per_year / 8760``, the hours-equivalent at full nameplate
        load the miner may curtail before it pays for reserved power anyway. A tariff's hours
        are the utility's right to interrupt and limit nothing: ``None``."""
        if self.kind != "hosting":
            return None
        return self.curtailment_hours_per_year / HOURS_PER_YEAR

    def energy_cost_usd(
        self, energy_mwh: npt.ArrayLike, price_usd_per_mwh: npt.ArrayLike, interval_h: float = 1.0
    ) -> FloatArray:
        """``E x 1000 x rate``, whatever the price: see :func:`flat_energy_cost_usd`."""
        return flat_energy_cost_usd(energy_mwh, self.rate_usd_per_kwh)

    def marginal_usd_per_mwh(
        self, price_usd_per_mwh: npt.ArrayLike, *, above_block: bool = False
    ) -> FloatArray:
        """The rate, in USD/MWh."""
        return np.full(np.shape(price_usd_per_mwh), self.rate_usd_per_kwh * KWH_PER_MWH)

    def linear_cost(
        self, price_usd_per_mwh: npt.ArrayLike, interval_h: npt.ArrayLike
    ) -> LinearCost:
        """``fixed = 1000 rate x E``; nothing moves with the price."""
        price = np.asarray(price_usd_per_mwh, dtype=float)
        return _linear_cost(price, fixed_per_mwh=self.rate_usd_per_kwh * KWH_PER_MWH)

    def describe(self) -> str:
        return f"{self.kind} ${self.rate_usd_per_kwh:.3f}/kWh"


Contract = Annotated[IndexContract | PPAContract | FlatContract, Field(discriminator="kind")]
"""A site's contract: the kind is chosen by its ``kind`` key."""

CONTRACT_KINDS: tuple[str, ...] = tuple(
    tag
    for terms in get_args(get_args(Contract)[0])
    for tag in get_args(terms.model_fields["kind"].annotation)
)
"""Every ``kind`` a contract may have, in the order of :data:`Contract`."""
