"""Tests for planner.domain.economics: each test states the behaviour it shows, numbers worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.domain.economics import (
    block_subsidy_btc,
    block_subsidy_btc_at,
    breakeven_usd_per_mwh,
    dr_credit_usd,
    dr_penalty_usd,
    expected_blocks_per_th_day,
    flat_energy_cost_usd,
    four_cp_charge_usd,
    four_cp_peak_hours,
    hashprice_usd_per_th_day,
    index_energy_cost_usd,
    mining_revenue_usd,
    ppa_energy_cost_breakdown,
    ppa_energy_cost_usd,
    revenue_usd_per_mwh,
)
from planner.errors import ConfigError

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
BTC_DAILY = "bitcoin/btc_daily_network_2020-01-01_2025-03-22.csv"
ERCOT_LOAD = "ercot/ercot_native_load_hourly_2020_2025-08.csv"
ERCOT_4CP = "ercot/ercot_4cp_monthly_peaks_derived_2020_2025.csv"


def shared_csv(relative: str) -> pd.DataFrame:
    """Read a file of the shared real-data folder, or skip: a fresh clone does not have it."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared real data not present: {path.resolve()} (outside the project repo)")
    return pd.read_csv(path)


# --------------------------------------------------------------------------- breakeven, revenue


def test_s19j_pro_breaks_even_at_70_62_usd_per_mwh() -> None:
    """An S19j Pro (29.5 J/TH) at hashprice 0.05 USD/(TH/s·day) earns 70.62 USD per MWh."""
    # per TH-hour: revenue 0.05 / 24 = 0.0020833 USD, energy 29.5 J/s * 3600 s = 106,200 J
    # = 29.5e-6 MWh, so 0.0020833 / 29.5e-6 = 70.62 USD/MWh.
    assert float(revenue_usd_per_mwh(0.05, 29.5)) == pytest.approx(70.62, abs=0.01)
    assert float(breakeven_usd_per_mwh(0.05, 29.5)) == pytest.approx(70.62, abs=0.01)


def test_breakeven_divides_by_site_overhead() -> None:
    """With PUE 1.1 the site buys 1.1 MWh per MWh mined: 70.621 / 1.1 = 64.20 USD/MWh."""
    assert float(breakeven_usd_per_mwh(0.05, 29.5, overhead=1.1)) == pytest.approx(64.20, abs=0.01)


def test_mining_revenue_is_hashrate_times_days_times_hashprice() -> None:
    """100 TH/s for 12 h at 0.05 USD/(TH/s·day): 100 * 0.5 day * 0.05 = 2.50 USD."""
    assert float(mining_revenue_usd(100.0, 12.0, 0.05)) == pytest.approx(2.50)


def test_scalars_give_0d_arrays_and_arrays_broadcast() -> None:
    """Scalars in give a 0-d float64 array; arrays broadcast with numpy rules."""
    scalar = revenue_usd_per_mwh(0.05, 29.5)
    assert isinstance(scalar, np.ndarray)
    assert scalar.shape == ()
    assert scalar.dtype == np.float64
    # hashprice per row (2, 1) against efficiency per column (3,): a (2, 3) table
    table = revenue_usd_per_mwh([[0.05], [0.10]], [29.5, 21.5, 17.5])
    assert table.shape == (2, 3)
    # 0.10 USD/(TH/s·day) on a 17.5 J/TH machine: 0.10 / 24 / 17.5e-6 = 238.10 USD/MWh
    assert table[1, 2] == pytest.approx(238.10, abs=0.01)


@given(
    hashprice=st.floats(0.0, 1.0),
    factor=st.floats(0.0, 100.0),
    hashrate=st.floats(0.0, 1e6),
    hours=st.floats(0.0, 8760.0),
    efficiency=st.floats(5.0, 120.0),
)
def test_revenue_scales_linearly_with_hashprice(
    hashprice: float, factor: float, hashrate: float, hours: float, efficiency: float
) -> None:
    """Multiplying hashprice by k multiplies revenue, and revenue per MWh, by k."""
    base = mining_revenue_usd(hashrate, hours, hashprice)
    scaled = mining_revenue_usd(hashrate, hours, factor * hashprice)
    np.testing.assert_allclose(scaled, factor * base, rtol=1e-12, atol=1e-300)
    per_mwh = revenue_usd_per_mwh(factor * hashprice, efficiency)
    expected = factor * revenue_usd_per_mwh(hashprice, efficiency)
    np.testing.assert_allclose(per_mwh, expected, rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------------------- halvings


def test_block_subsidy_halves_every_210000_blocks_in_whole_satoshis() -> None:
    """50 BTC, halved at each multiple of 210,000; 1 sat at the 32nd halving, 0 from the 33rd."""
    heights = [0, 209_999, 210_000, 629_999, 630_000, 840_000, 1_050_000]
    expected = [50.0, 50.0, 25.0, 12.5, 6.25, 3.125, 1.5625]
    np.testing.assert_array_equal(block_subsidy_btc(heights), expected)
    # 5,000,000,000 sat >> 32 = 1 sat (5e9 / 2**32 = 1.16); >> 33 = 0
    np.testing.assert_array_equal(
        block_subsidy_btc([32 * 210_000, 33 * 210_000, 64 * 210_000]), [1e-8, 0.0, 0.0]
    )


def test_block_subsidy_at_changes_at_the_real_halving_instants() -> None:
    """The subsidy changes at the halving blocks' times, to the second; later ones are estimated."""
    times = pd.to_datetime(
        [
            "2012-11-28 15:24:37",  # one second before block 210,000
            "2012-11-28 15:24:38",
            "2024-04-20 00:09:26",  # one second before block 840,000
            "2024-04-20 00:09:27",
            # estimate: 840,000's time + 210,000 blocks * 600 s = + 1458 days 8 h
            "2028-04-17 08:09:26",
            "2028-04-17 08:09:27",
        ],
        utc=True,
    )
    np.testing.assert_array_equal(
        block_subsidy_btc_at(times), [50.0, 25.0, 6.25, 3.125, 3.125, 1.5625]
    )
    # naive times and numpy datetime64 are taken as UTC
    assert float(block_subsidy_btc_at(np.datetime64("2024-04-20T00:09:26"))) == 6.25
    # tz-aware times in other zones are converted: 2024-04-19 20:09:27 EDT is the halving
    assert (
        float(block_subsidy_btc_at(pd.Timestamp("2024-04-19 20:09:27", tz="America/New_York")))
        == 3.125
    )


def test_block_subsidy_at_matches_the_file_on_every_day() -> None:
    """block_subsidy_btc_at(date 00:00 UTC) equals the file's block_subsidy_btc on all 1,908 days.

    The file gives the subsidy in force at 00:00 UTC, so each date is compared at midnight UTC.
    Both 2020-05-11 and 2024-04-20 are halving days whose row still shows the old subsidy: 630,000
    came at 19:23 UTC and 840,000 at 00:09 UTC, both after midnight. Comparing by *date* (treating
    the whole halving day as halved) would fail on those two rows; comparing by instant passes.
    """
    df = shared_csv(BTC_DAILY)
    midnight = pd.to_datetime(df["date_utc"], utc=True)
    np.testing.assert_array_equal(block_subsidy_btc_at(midnight), df["block_subsidy_btc"])
    # the halving days themselves: old subsidy at midnight, new one later the same day
    later_same_day = pd.to_datetime(["2020-05-11 23:00", "2024-04-20 00:10"], utc=True)
    on_file = df.set_index("date_utc").loc[["2020-05-11", "2024-04-20"], "block_subsidy_btc"]
    np.testing.assert_array_equal(on_file, [12.5, 6.25])
    np.testing.assert_array_equal(block_subsidy_btc_at(later_same_day), [6.25, 3.125])


# --------------------------------------------------------------------------- hashprice


def test_hashprice_hand_worked_with_fees_and_pool_fee() -> None:
    """60,000 USD, 600 EH/s, 3.125 BTC, fees 20% of the reward, pool fee 2%: 0.055125."""
    # share of 1 TH/s = 1e12 / 600e18 = 1/6e8; reward = 3.125 / (1 - 0.2) = 3.90625 BTC
    # 144 * 3.90625 * 60,000 / 6e8 = 0.05625; after the pool's 2%: 0.05625 * 0.98 = 0.055125
    kwargs = {"network_hashrate_eh_s": 600.0, "subsidy_btc": 3.125}
    assert float(hashprice_usd_per_th_day(60_000.0, **kwargs)) == pytest.approx(0.045)
    full = hashprice_usd_per_th_day(60_000.0, fee_share=0.2, pool_fee=0.02, **kwargs)
    assert float(full) == pytest.approx(0.055125)


def test_difficulty_form_agrees_with_hashrate_form_on_a_hand_example() -> None:
    """D = 1e14 and the hashrate it implies give the same hashprice, within the rounding of H.

    Difficulty form: 86,400 * 1e12 / (1e14 * 2**32) = 2.011657e-7 blocks/(TH/s·day), times
    3.125 BTC * 60,000 USD = 0.0377186 USD/(TH/s·day). D implies H = 1e14 * 2**32 / 600 s =
    715.8279 EH/s; rounded to 715.8 EH/s the hashrate form gives 144e12 / 715.8e18 * 187,500 =
    0.0377200. The forms are identical for H = D * 2**32 / 600; the only gap is the rounding of
    H, 0.028 / 715.8 = 3.9e-5 relative, so the tolerance is 1e-4.
    """
    by_difficulty = hashprice_usd_per_th_day(60_000.0, difficulty=1e14, subsidy_btc=3.125)
    by_hashrate = hashprice_usd_per_th_day(60_000.0, network_hashrate_eh_s=715.8, subsidy_btc=3.125)
    assert float(by_difficulty) == pytest.approx(0.0377186, rel=1e-6)
    assert float(by_hashrate) == pytest.approx(0.0377200, rel=1e-6)
    assert float(by_difficulty) == pytest.approx(float(by_hashrate), rel=1e-4)
    exact_h = 1e14 * 2**32 / 600 / 1e18
    np.testing.assert_allclose(
        expected_blocks_per_th_day(network_hashrate_eh_s=exact_h),
        expected_blocks_per_th_day(difficulty=1e14),
        rtol=1e-12,
    )


def test_hashprice_reproduces_the_files_subsidy_only_column_every_day() -> None:
    """Subsidy-only hashprice from close, hashrate and subsidy is within 0.5% on every day.

    The file's column is per PH/s per day (144 * subsidy * close / hashrate_PH), so ours, per
    TH/s per day, is multiplied by 1000. The column is rounded to cents (smallest value 34.69),
    so the rounding alone is under 0.015%.
    """
    df = shared_csv(BTC_DAILY)
    per_th = hashprice_usd_per_th_day(
        df["btc_close_usd"],
        network_hashrate_eh_s=df["hashrate_eh_s"],
        subsidy_btc=df["block_subsidy_btc"],
    )
    expected = df["hashprice_subsidy_only_usd_per_ph_day_DERIVED"].to_numpy()
    relative_error = np.abs(per_th * 1000.0 / expected - 1.0)
    worst = int(np.argmax(relative_error))
    assert relative_error.max() < 0.005, (df["date_utc"].iloc[worst], relative_error.max())


# --------------------------------------------------------------------------- energy contracts


def test_index_cost_is_energy_times_price_plus_adder() -> None:
    """10 MWh at 30+5, 5 MWh at 100+5, 0 MWh at -20+5: 350, 525, 0 USD."""
    cost = index_energy_cost_usd([10.0, 5.0, 0.0], [30.0, 100.0, -20.0], 5.0)
    np.testing.assert_allclose(cost, [350.0, 525.0, 0.0])


@given(
    hours=st.lists(
        st.tuples(
            st.floats(0.0, 1_000.0),  # energy used [MWh]
            st.floats(0.0, 1.0),  # share curtailed
            st.floats(-50.0, 50.0),  # adder [USD/MWh]
            st.floats(0.0, 10_000.0),  # price + adder [USD/MWh], >= 0 by construction
        ),
        min_size=1,
        max_size=48,
    )
)
def test_index_curtailing_never_raises_cost_when_price_plus_adder_is_nonnegative(
    hours: list[tuple[float, float, float, float]],
) -> None:
    """Precondition: price + adder >= 0 in every hour. Then using less energy never costs more."""
    energy, curtailed, adder, all_in = (np.array(column) for column in zip(*hours, strict=True))
    price = all_in - adder
    full = index_energy_cost_usd(energy, price, adder)
    curtailed_cost = index_energy_cost_usd(energy * (1.0 - curtailed), price, adder)
    assert np.all(curtailed_cost <= full)


def test_index_curtailing_at_a_negative_all_in_price_raises_cost() -> None:
    """Negative prices break the precondition: at -20 + 5 = -15 USD/MWh running 1 MWh earns 15."""
    running = float(index_energy_cost_usd(1.0, -20.0, 5.0))
    curtailed = float(index_energy_cost_usd(0.0, -20.0, 5.0))
    assert (running, curtailed) == (-15.0, 0.0)


def test_ppa_take_or_pay_sell_back_and_excess_by_hand() -> None:
    """Contract 10 MWh/h at 40 USD/MWh, sell-back at RT - 2.

    hour 1: uses 10, RT 50:  pays 400, nothing unused or extra           -> 400
    hour 2: uses 6,  RT 80:  pays 400, sells 4 at 78 = 312               -> 88
    hour 3: uses 13, RT 120: pays 400, buys 3 more at 120 = 360          -> 760
    """
    parts = ppa_energy_cost_breakdown(
        [10.0, 6.0, 13.0], [50.0, 80.0, 120.0], 40.0, 10.0, sell_back_discount_usd_per_mwh=2.0
    )
    np.testing.assert_allclose(parts.contract_cost_usd, [400.0, 400.0, 400.0])
    np.testing.assert_allclose(parts.sell_back_credit_usd, [0.0, 312.0, 0.0])
    np.testing.assert_allclose(parts.excess_purchase_usd, [0.0, 0.0, 360.0])
    np.testing.assert_allclose(parts.net_cost_usd, [400.0, 88.0, 760.0])
    # without sell-back the 4 unused MWh of hour 2 are forfeited: it costs the full 400
    forfeit = ppa_energy_cost_usd(
        [10.0, 6.0, 13.0], [50.0, 80.0, 120.0], 40.0, 10.0, sell_back=False
    )
    np.testing.assert_allclose(forfeit, [400.0, 400.0, 760.0])


def test_ppa_net_cost_is_negative_when_selling_back_into_a_spike() -> None:
    """Mining nothing while RT is 200: pays 10 * 40 = 400, sells 10 * 200 = 2000: net -1600 USD."""
    assert float(ppa_energy_cost_usd(0.0, 200.0, 40.0, 10.0)) == pytest.approx(-1600.0)


energy_drawn_mwh = st.floats(0.1, 200.0)  # energy used in an hour, > 0


@given(
    used=energy_drawn_mwh,
    share_curtailed=st.floats(0.01, 1.0),
    contracted=st.floats(0.0, 100.0),
    contract_price=st.floats(0.0, 200.0),
    hashprice=st.floats(0.0, 0.2),
    efficiency=st.floats(10.0, 40.0),
    discount=st.floats(0.0, 20.0),
    margin=st.floats(0.01, 5_000.0),
)
def test_ppa_curtailing_when_rt_beats_revenue_per_mwh_always_raises_profit(
    used: float,
    share_curtailed: float,
    contracted: float,
    contract_price: float,
    hashprice: float,
    efficiency: float,
    discount: float,
    margin: float,
) -> None:
    """With sell-back, curtailing in an hour whose RT price exceeds revenue per MWh pays.

    Precondition: RT - discount > revenue per MWh (with no discount: RT > revenue per MWh).
    Each MWh curtailed either is sold back at RT - discount or is not bought at RT, so profit
    rises by at least (RT - discount - revenue) per MWh curtailed.
    """
    revenue = float(revenue_usd_per_mwh(hashprice, efficiency))
    rt = revenue + discount + margin

    def profit(energy: float) -> float:
        cost = ppa_energy_cost_usd(
            energy, rt, contract_price, contracted, sell_back_discount_usd_per_mwh=discount
        )
        return energy * revenue - float(cost)

    assert profit(used * (1.0 - share_curtailed)) > profit(used)


@given(
    first=st.lists(energy_drawn_mwh, min_size=3, max_size=3),
    second=st.lists(energy_drawn_mwh, min_size=3, max_size=3),
    sell_back=st.booleans(),
)
def test_ppa_take_or_pay_cost_does_not_depend_on_what_is_mined(
    first: list[float], second: list[float], sell_back: bool
) -> None:
    """The contract part (price * contracted energy) is the same whatever energy is used."""
    prices, contract_price, contracted = [30.0, -5.0, 900.0], 45.0, [10.0, 50.0, 0.0]
    a = ppa_energy_cost_breakdown(first, prices, contract_price, contracted, sell_back=sell_back)
    b = ppa_energy_cost_breakdown(second, prices, contract_price, contracted, sell_back=sell_back)
    np.testing.assert_array_equal(a.contract_cost_usd, b.contract_cost_usd)
    np.testing.assert_array_equal(a.contract_cost_usd, [450.0, 2250.0, 0.0])


def test_flat_rate_is_per_kwh() -> None:
    """10 MWh at 0.045 USD/kWh: 10,000 kWh * 0.045 = 450 USD."""
    assert float(flat_energy_cost_usd(10.0, 0.045)) == pytest.approx(450.0)


# --------------------------------------------------------------------------- 4CP


def test_four_cp_charge_is_rate_times_mean_peak_load() -> None:
    """Loads 100, 80, 0, 120 MW at the peaks, 60 USD/kW-yr: 60 * 1000 * 75 = 4.5 M USD."""
    assert float(four_cp_charge_usd([100.0, 80.0, 0.0, 120.0], 60.0)) == pytest.approx(4.5e6)
    # each missed peak saves rate / 4 per kW: also missing the 120 MW peak saves
    # 60 / 4 * 120,000 kW = 1.8 M USD; two sites (rows) at once give one charge each
    charges = four_cp_charge_usd([[100.0, 80.0, 0.0, 120.0], [100.0, 80.0, 0.0, 0.0]], 60.0)
    np.testing.assert_allclose(charges, [4.5e6, 2.7e6])


def test_four_cp_peak_hours_uses_local_ercot_months() -> None:
    """A peak at 2023-07-01 03:00 UTC is 2023-06-30 22:00 CDT: it is June's peak, not July's."""
    index = pd.date_range("2023-06-30 00:00", "2023-07-01 23:00", freq="h", tz="UTC")
    load_mw = np.full(len(index), 50.0)
    load_mw[index == pd.Timestamp("2023-07-01 03:00", tz="UTC")] = 90.0  # June in Texas
    load_mw[index == pd.Timestamp("2023-07-01 20:00", tz="UTC")] = 70.0  # July
    load = pd.Series(load_mw, index=index)
    peaks = four_cp_peak_hours(load)
    expected = pd.to_datetime(["2023-07-01 03:00", "2023-07-01 20:00"], utc=True)
    pd.testing.assert_index_equal(peaks, pd.DatetimeIndex(expected), check_names=False)
    # no June-September hour: no peaks
    winter = pd.Series(1.0, index=pd.date_range("2023-01-01", periods=48, freq="h", tz="UTC"))
    assert len(four_cp_peak_hours(winter)) == 0


def test_four_cp_peak_hours_finds_the_published_2023_peaks_in_real_ercot_load() -> None:
    """On ERCOT native load, the peak hours match the 4CP file; in 2023 the published ones.

    The load file is hour-ENDING UTC, so each label goes back one hour to the interval start
    (the planner's convention; it is the file's hour_start_local instant). The 4CP file's 2023
    rows carry ERCOT's published 4CP date and 15-minute interval start; our hourly peak falls on
    the same date and starts at the published interval's time.
    """
    load_file, peaks_file = shared_csv(ERCOT_LOAD), shared_csv(ERCOT_4CP)
    start = pd.to_datetime(load_file["hour_ending_utc"], utc=True) - pd.Timedelta(hours=1)
    load = pd.Series(load_file["ERCOT"].to_numpy(), index=pd.DatetimeIndex(start))
    peaks = four_cp_peak_hours(load)
    listed = pd.to_datetime(peaks_file["hour_ending_utc"], utc=True) - pd.Timedelta(hours=1)
    pd.testing.assert_index_equal(peaks, pd.DatetimeIndex(listed), check_names=False)

    local = peaks.tz_convert("America/Chicago")
    published = peaks_file[peaks_file["year"] == 2023]
    in_2023 = local[local.year == 2023]
    assert list(in_2023.strftime("%Y-%m-%d")) == list(published["published_ref_date"])
    assert list(in_2023.strftime("%H:%M")) == [s[:5] for s in published["published_ref_interval"]]
    # 2023-06-27 17:00, 07-31 16:00, 08-10 17:00, 09-08 16:00 CDT


# --------------------------------------------------------------------------- demand response


def test_dr_credit_is_committed_mw_times_hours_times_payment() -> None:
    """10 MW enrolled for 720 h at 5 USD/(MW·h): 10 * 720 * 5 = 36,000 USD."""
    assert float(dr_credit_usd(10.0, 720.0, 5.0)) == pytest.approx(36_000.0)


def test_dr_penalty_charges_the_shortfall_only() -> None:
    """10 MW asked for 2 h at 1,000 USD/MWh: delivering 10 -> 0, 7 -> 3*2*1000 = 6,000, 12 -> 0."""
    penalty = dr_penalty_usd(10.0, [10.0, 7.0, 12.0], 2.0, 1_000.0)
    np.testing.assert_allclose(penalty, [0.0, 6_000.0, 0.0])


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: hashprice_usd_per_th_day(
                6e4, network_hashrate_eh_s=600, subsidy_btc=3.125, pool_fee=1.2
            ),
            "pool_fee: must be in [0, 1), got 1.2",
        ),
        (
            lambda: hashprice_usd_per_th_day(
                6e4, network_hashrate_eh_s=600, subsidy_btc=3.125, fee_share=1.0
            ),
            "fee_share: must be in [0, 1), got 1",
        ),
        (
            lambda: hashprice_usd_per_th_day(6e4, subsidy_btc=3.125),
            "network_hashrate_eh_s, difficulty: give exactly one, got neither",
        ),
        (
            lambda: hashprice_usd_per_th_day(
                6e4, network_hashrate_eh_s=600, difficulty=1e14, subsidy_btc=3.125
            ),
            "network_hashrate_eh_s, difficulty: give exactly one, got both",
        ),
        (
            lambda: hashprice_usd_per_th_day(
                6e4, network_hashrate_eh_s=[600, 0], subsidy_btc=3.125
            ),
            "network_hashrate_eh_s: must be > 0, got 0",
        ),
        (
            lambda: hashprice_usd_per_th_day(
                6e4, network_hashrate_eh_s=[600, 700], subsidy_btc=[3.125] * 3
            ),
            "network_hashrate_eh_s (2,), btc_price_usd (), subsidy_btc (3,)",
        ),
        (lambda: revenue_usd_per_mwh(0.05, 0.0), "efficiency_j_per_th: must be > 0, got 0"),
        (
            lambda: breakeven_usd_per_mwh(0.05, 29.5, overhead=0.9),
            "overhead: must be >= 1, got 0.9",
        ),
        (lambda: mining_revenue_usd(100.0, -1.0, 0.05), "hours: must be >= 0, got -1"),
        (lambda: index_energy_cost_usd([1.0, -2.0], 30.0, 5.0), "energy_mwh: must be >= 0, got -2"),
        (
            lambda: index_energy_cost_usd(1.0, float("nan"), 5.0),
            "price_usd_per_mwh: must be finite, got nan",
        ),
        (lambda: index_energy_cost_usd(1.0, "cheap", 5.0), "price_usd_per_mwh: must be a number"),
        (
            lambda: ppa_energy_cost_usd(1.0, 30.0, 40.0, -1.0),
            "contracted_mwh: must be >= 0, got -1",
        ),
        (lambda: flat_energy_cost_usd(1.0, -0.01), "rate_usd_per_kwh: must be >= 0, got -0.01"),
        (
            lambda: four_cp_charge_usd([1.0, 2.0, 3.0], 60.0),
            "load_mw_at_peaks: last axis must hold the 4 peaks",
        ),
        (
            lambda: four_cp_charge_usd([1.0, 2.0, 3.0, 4.0], -60.0),
            "rate_usd_per_kw_year: must be >= 0",
        ),
        (
            lambda: four_cp_peak_hours(pd.Series([1.0], index=pd.to_datetime(["2023-07-01"]))),
            "load_mw: index must be a tz-aware",
        ),
        (lambda: dr_credit_usd(-5.0, 1.0, 5.0), "committed_mw: must be >= 0, got -5"),
        (lambda: dr_penalty_usd(10.0, 5.0, 1.0, -1.0), "penalty_usd_per_mwh: must be >= 0, got -1"),
        (lambda: block_subsidy_btc([0, -1]), "height: must be an integer >= 0, got -1"),
        (lambda: block_subsidy_btc(1.5), "height: must be an integer >= 0, got 1.5"),
        (lambda: block_subsidy_btc_at("2008-12-31"), "time: must be >= 2009-01-03T18:15:05+00:00"),
        (lambda: block_subsidy_btc_at("not a date"), "time: must be datetimes"),
    ],
)
def test_bad_arguments_raise_config_error_naming_the_argument(
    call: Callable[[], object], message: str
) -> None:
    """Every bad argument raises ConfigError("economics", ...) naming it and the allowed range."""
    with pytest.raises(ConfigError) as caught:
        call()
    assert caught.value.source == "economics"
    assert message in str(caught.value)
