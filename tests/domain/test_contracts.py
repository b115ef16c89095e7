"""The contract kinds answer for their own economics: bills, marginal prices, LP terms, text.

Numbers are worked by hand in each test; the properties check the optimizer's linear terms and
the marginal prices against the bill formulas of :mod:`planner.domain.economics.contracts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from planner.domain.economics import (
    CONTRACT_KINDS,
    Contract,
    ContractTerms,
    FlatContract,
    IndexContract,
    LinearCost,
    PPAContract,
)


def ppa(**terms: Any) -> PPAContract:
    """A PPA of 2.5 MW at 30 USD/MWh with sell-back at the real-time price, unless told."""
    return PPAContract(**{"kind": "ppa", "price_usd_per_mwh": 30.0, "contracted_mw": 2.5, **terms})


INDEX = IndexContract(kind="index", adder_usd_per_mwh=4.0)
HOSTING = FlatContract(kind="hosting", rate_usd_per_kwh=0.058, curtailment_hours_per_year=219.0)
TARIFF = FlatContract(kind="tariff", rate_usd_per_kwh=0.048, curtailment_hours_per_year=300.0)


def lp_cost(terms: LinearCost, energy_mwh: float, inside_mwh: float) -> float:
    """``rt + fixed`` of the optimizer's terms for energy ``E`` with ``B`` inside the block."""
    rt = terms.rt_per_mwh * energy_mwh + terms.rt_per_block_mwh * inside_mwh + terms.rt_usd
    fixed = (
        terms.fixed_per_mwh * energy_mwh + terms.fixed_per_block_mwh * inside_mwh + terms.fixed_usd
    )
    return float(rt + fixed)


# --------------------------------------------------------------------------------------- bills


def test_ppa_bill_buys_the_excess_and_sells_back_the_rest_at_spot() -> None:
    # 2.5 MW at 30 USD/MWh for one hour at a spot price of 100 USD/MWh.
    # Drawing 4 MW: the block 2.5 x 30 = 75, the excess 1.5 x 100 = 150 -> 225 USD.
    # Drawing 1 MW: the block 75, 1.5 MWh sold back at 100 = 150 -> -75 USD.
    assert float(ppa().energy_cost_usd(4.0, 100.0)) == 225.0
    assert float(ppa().energy_cost_usd(1.0, 100.0)) == -75.0
    # A 10 USD/MWh discount sells the 1.5 MWh at 90: 75 - 135 = -60 USD.
    assert float(ppa(sell_back_discount_usd_per_mwh=10.0).energy_cost_usd(1.0, 100.0)) == -60.0
    # Without sell-back the unused 1.5 MWh are forfeited: the block's 75 USD.
    assert float(ppa(sell_back=False).energy_cost_usd(1.0, 100.0)) == 75.0


def test_ppa_block_scales_with_the_interval() -> None:
    # A 3-hour interval holds a 2.5 x 3 = 7.5 MWh block: drawing 9 MWh at 100 USD/MWh costs
    # 7.5 x 30 + 1.5 x 100 = 225 + 150 = 375 USD.
    assert float(ppa().energy_cost_usd(9.0, 100.0, interval_h=3.0)) == 375.0


def test_index_and_flat_bills_by_hand() -> None:
    # Index: 2 MWh at 50 + 4 = 108 USD; at -20 + 4 the 2 MWh earn 32 USD.
    np.testing.assert_array_equal(INDEX.energy_cost_usd(2.0, [50.0, -20.0]), [108.0, -32.0])
    # Hosting at 0.058 USD/kWh: 2 MWh = 2,000 kWh x 0.058 = 116 USD whatever the spot price.
    assert float(HOSTING.energy_cost_usd(2.0, 900.0)) == pytest.approx(116.0)


# ---------------------------------------------------------------------------- marginal prices


def test_marginal_price_of_one_more_mwh_by_kind() -> None:
    price = np.array([100.0, -20.0])
    np.testing.assert_array_equal(INDEX.marginal_usd_per_mwh(price), [104.0, -16.0])
    np.testing.assert_array_equal(
        INDEX.marginal_usd_per_mwh(price, above_block=True), [104.0, -16.0]
    )
    # Inside a PPA block a MWh not drawn is sold at spot less the discount: 100 - 10 = 90.
    discounted = ppa(sell_back_discount_usd_per_mwh=10.0)
    np.testing.assert_array_equal(discounted.marginal_usd_per_mwh(price), [90.0, -30.0])
    # Above the block a MWh is bought at spot.
    np.testing.assert_array_equal(
        discounted.marginal_usd_per_mwh(price, above_block=True), [100.0, -20.0]
    )
    # Without sell-back the block is paid for whatever is drawn: nothing inside it.
    np.testing.assert_array_equal(ppa(sell_back=False).marginal_usd_per_mwh(price), [0.0, 0.0])
    # 0.058 USD/kWh is 58 USD/MWh in every hour.
    np.testing.assert_allclose(HOSTING.marginal_usd_per_mwh(price), [58.0, 58.0])
    assert HOSTING.marginal_usd_per_mwh(np.zeros((2, 3))).shape == (2, 3)


def test_marginal_price_returns_a_new_array() -> None:
    price = np.array([100.0])
    ppa().marginal_usd_per_mwh(price, above_block=True)[0] = 0.0
    assert price[0] == 100.0


@given(
    energy=st.floats(0.0, 10.0),
    price=st.floats(-200.0, 2000.0),
    discount=st.floats(0.0, 50.0),
    sell_back=st.booleans(),
)
def test_marginal_price_is_the_slope_of_the_bill(
    energy: float, price: float, discount: float, sell_back: bool
) -> None:
    """Drawing 0.5 MWh more costs 0.5 x the marginal price: inside the block (2.5 MWh) or above."""
    step = 0.5
    for contract in (
        INDEX,
        HOSTING,
        ppa(sell_back=sell_back, sell_back_discount_usd_per_mwh=discount),
    ):
        extra = contract.energy_cost_usd(energy + step, price) - contract.energy_cost_usd(
            energy, price
        )
        if energy + step <= contract.block_mw:
            marginal = contract.marginal_usd_per_mwh(price)
        elif energy >= contract.block_mw:
            marginal = contract.marginal_usd_per_mwh(price, above_block=True)
        else:
            continue  # the step crosses the block's edge
        assert float(extra) == pytest.approx(step * float(marginal), abs=1e-9)


# ------------------------------------------------------------------------ the optimizer's terms


def test_ppa_linear_terms_by_hand() -> None:
    # 2.5 MW over a 2-hour interval: a 5 MWh block at 30; spot 100, discount 10.
    # rt = 100 E - 100 x 5 = 100 E - 500; fixed = (30 + 10) x 5 - 10 B = 200 - 10 B.
    terms = ppa(sell_back_discount_usd_per_mwh=10.0).linear_cost(100.0, 2.0)
    assert (float(terms.rt_per_mwh), float(terms.rt_usd)) == (100.0, -500.0)
    assert (float(terms.fixed_per_block_mwh), float(terms.fixed_usd)) == (-10.0, 200.0)
    assert (float(terms.rt_per_block_mwh), float(terms.fixed_per_mwh)) == (0.0, 0.0)
    # Drawing 8 MWh (B = 5): 300 + 150 = 450 = 5 x 30 + 3 x 100.
    assert lp_cost(terms, 8.0, 5.0) == 450.0
    # Drawing 2 MWh (B = 2): -300 + 180 = -120 = 150 - 3 x 90 (sold back at 100 - 10).
    assert lp_cost(terms, 2.0, 2.0) == -120.0
    # Without sell-back: rt = 100 (E - B), fixed = 30 x 5 = 150.
    forfeit = ppa(sell_back=False).linear_cost(100.0, 2.0)
    assert (float(forfeit.rt_per_mwh), float(forfeit.rt_per_block_mwh)) == (100.0, -100.0)
    assert (float(forfeit.fixed_usd), float(forfeit.rt_usd)) == (150.0, 0.0)


def test_index_and_flat_linear_terms_by_hand() -> None:
    index = INDEX.linear_cost(np.array([[50.0, -20.0]]), 1.0)
    np.testing.assert_array_equal(index.rt_per_mwh, [[50.0, -20.0]])
    np.testing.assert_array_equal(index.fixed_per_mwh, [[4.0, 4.0]])
    flat = HOSTING.linear_cost(np.array([[50.0, -20.0]]), 1.0)
    np.testing.assert_array_equal(flat.rt_per_mwh, [[0.0, 0.0]])  # nothing moves with the price
    np.testing.assert_allclose(flat.fixed_per_mwh, [[58.0, 58.0]])
    for terms in (index, flat):
        for part in (terms.rt_per_block_mwh, terms.fixed_per_block_mwh, terms.rt_usd):
            np.testing.assert_array_equal(part, np.zeros((1, 2)))


@given(
    energy=st.floats(0.0, 20.0),
    price=st.floats(-200.0, 2000.0),
    interval=st.sampled_from([1.0, 3.0, 24.0]),
    discount=st.floats(0.0, 50.0),
    sell_back=st.booleans(),
)
def test_linear_terms_with_the_block_filled_first_give_the_bill(
    energy: float, price: float, interval: float, discount: float, sell_back: bool
) -> None:
    """With ``B = min(E, block)`` the optimizer's terms equal the bill, and no smaller ``B`` is
    cheaper (so the LP fills the block first); a PPA without sell-back only at prices >= 0."""
    contract = ppa(sell_back=sell_back, sell_back_discount_usd_per_mwh=discount)
    for terms in (INDEX, HOSTING, TARIFF, contract):
        if terms is contract and not sell_back and price < 0:
            continue
        lp = terms.linear_cost(price, interval)
        inside = min(energy, terms.block_mw * interval)
        bill = float(terms.energy_cost_usd(energy, price, interval_h=interval))
        assert lp_cost(lp, energy, inside) == pytest.approx(bill, rel=1e-12, abs=1e-6)
        assert lp_cost(lp, energy, 0.0) >= lp_cost(lp, energy, inside) - 1e-6


def test_only_the_real_time_part_moves_with_the_price() -> None:
    # Doubling the price doubles every rt term and leaves every fixed term alone.
    for terms in (INDEX, HOSTING, ppa(sell_back_discount_usd_per_mwh=3.0), ppa(sell_back=False)):
        one, two = terms.linear_cost(70.0, 2.0), terms.linear_cost(140.0, 2.0)
        for name in ("rt_per_mwh", "rt_per_block_mwh", "rt_usd"):
            assert float(getattr(two, name)) == 2.0 * float(getattr(one, name))
        for name in ("fixed_per_mwh", "fixed_per_block_mwh", "fixed_usd"):
            assert float(getattr(two, name)) == float(getattr(one, name))


# ------------------------------------------------------------ block, allowance, capacity, text


def test_block_and_curtailment_allowance() -> None:
    assert (INDEX.block_mw, HOSTING.block_mw, ppa().block_mw) == (0.0, 0.0, 2.5)
    # Hosting: 219 hours of 8,760 = 2.5 % of nameplate energy; tariffs and others: no limit.
    assert HOSTING.curtailment_allowance_share == pytest.approx(0.025)
    assert (TARIFF.curtailment_allowance_share, INDEX.curtailment_allowance_share) == (None, None)
    assert ppa().curtailment_allowance_share is None


def test_a_block_larger_than_the_site_is_a_problem() -> None:
    assert ppa().capacity_problem(2.5) is None
    assert ppa().capacity_problem(2.0) == (
        "contract.contracted_mw: must be <= capacity_mw (2), got 2.5"
    )
    assert INDEX.capacity_problem(0.1) is None


def test_one_line_descriptions() -> None:
    assert INDEX.describe() == "index, RT + $4.00/MWh"
    assert ppa(price_usd_per_mwh=27.0, contracted_mw=140.0).describe() == (
        "PPA $27.00/MWh × 140 MW, sell-back"
    )
    assert ppa(sell_back=False).describe() == "PPA $30.00/MWh × 2.5 MW"
    assert HOSTING.describe() == "hosting $0.058/kWh"
    assert TARIFF.describe() == "tariff $0.048/kWh"


# ------------------------------------------------------------------------------ the registry


def test_the_union_is_the_registry_of_kinds() -> None:
    assert CONTRACT_KINDS == ("index", "ppa", "hosting", "tariff")
    adapter: TypeAdapter[Contract] = TypeAdapter(Contract)
    parsed = adapter.validate_python({"kind": "tariff", "rate_usd_per_kwh": 0.05})
    assert isinstance(parsed, FlatContract)
    assert float(parsed.marginal_usd_per_mwh(10.0)) == pytest.approx(50.0)


def test_a_kind_that_leaves_a_question_unanswered_cannot_be_made() -> None:
    class Incomplete(ContractTerms):
        kind: str = "incomplete"

        def describe(self) -> str:
            return "incomplete"

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()
