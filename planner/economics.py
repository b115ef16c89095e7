"""Mining economics: halvings, hashprice, breakeven, energy contracts, 4CP, demand response.

Every function here is pure and vectorised: it takes numbers or array-likes, broadcasts them
together with numpy rules, and returns a ``numpy.ndarray`` of float64 of the broadcast shape
(0-d for scalar inputs; ``float(x)`` gives a Python float). Nothing here knows about fleets or
sites; :mod:`planner.fleet` and the simulation glue them on.

Units live in the names (``_usd_per_mwh``, ``_th_s``, ``_eh_s``...); ``docs/model.md`` holds the
glossary and the formulas. A bad argument (out of range, NaN, wrong shape) raises
:class:`planner.errors.ConfigError` naming the argument and the allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.errors import ConfigError

__all__ = [
    "GENESIS_TIME_UTC",
    "HALVING_INTERVAL_BLOCKS",
    "HALVING_TIMES_UTC",
    "FloatArray",
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

FloatArray: TypeAlias = npt.NDArray[np.float64]
TimeLike: TypeAlias = npt.ArrayLike | datetime
"""Instants: datetimes, ``pandas.Timestamp``, ISO strings, or arrays/Series/Index of them."""

_SOURCE = "economics"

HALVING_INTERVAL_BLOCKS = 210_000
"""Blocks between two subsidy halvings."""
_INITIAL_SUBSIDY_SAT = 50 * 100_000_000
_SAT_PER_BTC = 100_000_000
_MAX_HALVINGS = 64  # Bitcoin Core: the subsidy is 0 from the 64th halving (a shift would overflow)
_TARGET_BLOCK_S = 600.0
_SECONDS_PER_DAY = 86_400.0
_HOURS_PER_DAY = 24.0
_BLOCKS_PER_DAY = _SECONDS_PER_DAY / _TARGET_BLOCK_S  # 144
_HASHES_PER_DIFFICULTY = 2.0**32  # expected hashes per block at difficulty 1
_H_PER_TH = 1e12
_H_PER_EH = 1e18
_MWH_PER_J = 1.0 / 3.6e9
_KWH_PER_MWH = 1_000.0
_KW_PER_MW = 1_000.0

GENESIS_TIME_UTC = pd.Timestamp("2009-01-03 18:15:05", tz="UTC")
"""Header time of block 0."""
HALVING_TIMES_UTC: tuple[pd.Timestamp, ...] = (
    pd.Timestamp("2012-11-28 15:24:38", tz="UTC"),  # height 210,000: 50 -> 25 BTC
    pd.Timestamp("2016-07-09 16:46:13", tz="UTC"),  # height 420,000: 25 -> 12.5 BTC
    pd.Timestamp("2020-05-11 19:23:43", tz="UTC"),  # height 630,000: 12.5 -> 6.25 BTC
    pd.Timestamp("2024-04-20 00:09:27", tz="UTC"),  # height 840,000: 6.25 -> 3.125 BTC
)
"""Header times of the halving blocks mined so far (block timestamps, accurate to minutes)."""


# --------------------------------------------------------------------------- argument checking


@dataclass(frozen=True)
class _Range:
    """An allowed range for a real argument; every bound is optional, NaN and inf never pass."""

    ge: float | None = None
    gt: float | None = None
    lt: float | None = None

    def describe(self) -> str:
        if self.lt is not None and (self.ge is not None or self.gt is not None):
            low = f"[{self.ge:g}" if self.ge is not None else f"({self.gt:g}"
            return f"in {low}, {self.lt:g})"
        if self.ge is not None:
            return f">= {self.ge:g}"
        if self.gt is not None:
            return f"> {self.gt:g}"
        return f"< {self.lt:g}" if self.lt is not None else "finite"

    def violated(self, x: FloatArray) -> npt.NDArray[np.bool_]:
        bad = ~np.isfinite(x)
        if self.ge is not None:
            bad |= x < self.ge
        if self.gt is not None:
            bad |= x <= self.gt
        if self.lt is not None:
            bad |= x >= self.lt
        return bad


_FINITE = _Range()
_NONNEG = _Range(ge=0.0)
_POSITIVE = _Range(gt=0.0)
_FRACTION = _Range(ge=0.0, lt=1.0)


def _real(name: str, value: npt.ArrayLike, allowed: _Range) -> FloatArray:
    """``value`` as a float64 array, or ConfigError naming ``name`` and the allowed range."""
    try:
        x = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(
            _SOURCE, f"{name}: must be a number or array of numbers, got {value!r}"
        ) from None
    bad = allowed.violated(x)
    if bad.any():
        raise ConfigError(_SOURCE, f"{name}: must be {allowed.describe()}, got {x[bad].flat[0]:g}")
    return x


def _broadcast(named: dict[str, FloatArray]) -> list[FloatArray]:
    """Broadcast checked arrays together, in order, or ConfigError naming them and their shapes."""
    try:
        return list(np.broadcast_arrays(*named.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in named.items())
        raise ConfigError(_SOURCE, f"{shapes}: shapes must broadcast together") from None


def _arrays(**named: tuple[npt.ArrayLike, _Range]) -> list[FloatArray]:
    """Check each ``name=(value, range)`` with :func:`_real`, then broadcast them together."""
    return _broadcast(
        {name: _real(name, value, allowed) for name, (value, allowed) in named.items()}
    )


def _out(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# --------------------------------------------------------------------------- halvings


def block_subsidy_btc(height: npt.ArrayLike) -> FloatArray:
    """Block subsidy at a block height, as the protocol computes it.

    50 BTC, halved every 210,000 blocks, in whole satoshis (a right shift, so it reaches
    1 sat at the 32nd halving and 0 from the 33rd).

    Parameters
    ----------
    height : array_like of int
        Block height [-], >= 0. Floats are accepted when they hold whole numbers.

    Returns
    -------
    numpy.ndarray
        Subsidy [BTC], same shape as ``height``.
    """
    h = np.asarray(height)
    if h.dtype.kind not in "iuf" or (h.dtype.kind == "f" and not np.isfinite(h).all()):
        raise ConfigError(_SOURCE, f"height: must be an integer >= 0, got {height!r}")
    bad = (h < 0) | (h != np.floor(h))
    if bad.any():
        raise ConfigError(_SOURCE, f"height: must be an integer >= 0, got {h[bad].flat[0]:g}")
    never_paid = _MAX_HALVINGS * HALVING_INTERVAL_BLOCKS  # clip first: a cast cannot overflow
    halvings = np.minimum(h, never_paid).astype(np.int64) // HALVING_INTERVAL_BLOCKS
    shift = np.minimum(halvings, _MAX_HALVINGS - 1)
    sat = np.where(halvings < _MAX_HALVINGS, np.right_shift(_INITIAL_SUBSIDY_SAT, shift), 0)
    return _out(sat / _SAT_PER_BTC)


def _utc_seconds(name: str, time: TimeLike) -> FloatArray:
    """Seconds since 1970-01-01 UTC, same shape as ``time``; naive times are taken as UTC."""
    raw = np.asarray(time)
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(raw.ravel(), utc=True))
    except (TypeError, ValueError) as exc:
        raise ConfigError(_SOURCE, f"{name}: must be datetimes, got {time!r} ({exc})") from None
    if idx.isna().any():
        raise ConfigError(_SOURCE, f"{name}: must not be missing (NaT)")
    seconds = (idx - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return np.asarray(seconds, dtype=np.float64).reshape(raw.shape)


def block_subsidy_btc_at(time: TimeLike) -> FloatArray:
    """Block subsidy in force at a time.

    Uses the real halving block times in :data:`HALVING_TIMES_UTC` (2012-11-28 15:24 UTC,
    2016-07-09 16:46 UTC, 2020-05-11 19:23 UTC, 2024-04-20 00:09 UTC). Later halvings are
    *estimated* at one every 210,000 blocks of exactly 10 minutes after the last known one
    (next: 2028-04-17 08:09 UTC). Blocks have in fact come a little faster than 10 minutes
    while hashrate grows, so real halvings have tended to arrive days to weeks earlier.

    Parameters
    ----------
    time : array_like of datetime
        Instants [UTC]; tz-aware values are converted, naive values (and ``numpy.datetime64``)
        are taken as UTC. Must be at or after the genesis block (2009-01-03 18:15:05 UTC).

    Returns
    -------
    numpy.ndarray
        Subsidy [BTC], same shape as ``time``.
    """
    t = _utc_seconds("time", time)
    genesis = GENESIS_TIME_UTC.timestamp()
    if (t < genesis).any():
        raise ConfigError(_SOURCE, f"time: must be >= {GENESIS_TIME_UTC.isoformat()} (genesis)")
    known = np.array([h.timestamp() for h in HALVING_TIMES_UTC])
    epoch_s = HALVING_INTERVAL_BLOCKS * _TARGET_BLOCK_S
    later = np.floor(np.maximum(t - known[-1], 0.0) / epoch_s).astype(np.int64)
    halvings = np.searchsorted(known, t, side="right") + later
    return block_subsidy_btc(halvings * HALVING_INTERVAL_BLOCKS)


# --------------------------------------------------------------------------- hashprice


def expected_blocks_per_th_day(
    *, network_hashrate_eh_s: npt.ArrayLike | None = None, difficulty: npt.ArrayLike | None = None
) -> FloatArray:
    """Expected number of blocks found per day by 1 TH/s of hashrate.

    Give exactly one of the two. From the network hashrate ``H``: ``144 * 1e12 / (H * 1e18)``
    (144 blocks a day at the 10-minute target, shared in proportion to hashrate). From the
    difficulty ``D``: ``86400 * 1e12 / (D * 2**32)`` (a block takes ``D * 2**32`` hashes on
    average). The two agree exactly when ``H = D * 2**32 / 600 / 1e18``, i.e. when blocks come
    every 10 minutes; the difficulty form is what a miner expects between retargets.

    Parameters
    ----------
    network_hashrate_eh_s : array_like, optional
        Network hashrate [EH/s], > 0.
    difficulty : array_like, optional
        Mining difficulty [-], > 0.

    Returns
    -------
    numpy.ndarray
        Expected blocks per day per TH/s [1/(TH/s·day)].
    """
    if network_hashrate_eh_s is not None and difficulty is None:
        hashrate = _real("network_hashrate_eh_s", network_hashrate_eh_s, _POSITIVE)
        return _out(_BLOCKS_PER_DAY * _H_PER_TH / (hashrate * _H_PER_EH))
    if difficulty is not None and network_hashrate_eh_s is None:
        diff = _real("difficulty", difficulty, _POSITIVE)
        return _out(_SECONDS_PER_DAY * _H_PER_TH / (diff * _HASHES_PER_DIFFICULTY))
    given = "neither" if difficulty is None else "both"
    raise ConfigError(_SOURCE, f"network_hashrate_eh_s, difficulty: give exactly one, got {given}")


def hashprice_usd_per_th_day(
    btc_price_usd: npt.ArrayLike,
    *,
    network_hashrate_eh_s: npt.ArrayLike | None = None,
    difficulty: npt.ArrayLike | None = None,
    subsidy_btc: npt.ArrayLike,
    fee_share: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Hashprice: what 1 TH/s earns in a day, after pool fees.

    ``blocks * subsidy / (1 - fee_share) * price * (1 - pool_fee)``, with ``blocks`` from
    :func:`expected_blocks_per_th_day` (give exactly one of hashrate or difficulty).

    Parameters
    ----------
    btc_price_usd : array_like
        Bitcoin price [USD/BTC], >= 0.
    network_hashrate_eh_s : array_like, optional
        Network hashrate [EH/s], > 0.
    difficulty : array_like, optional
        Mining difficulty [-], > 0.
    subsidy_btc : array_like
        Block subsidy [BTC], >= 0 (see :func:`block_subsidy_btc_at`).
    fee_share : array_like, default 0
        Transaction fees' share of the total block reward [-], in [0, 1); the reward is
        ``subsidy / (1 - fee_share)``.
    pool_fee : array_like, default 0
        Fraction of revenue the pool keeps [-], in [0, 1).

    Returns
    -------
    numpy.ndarray
        Hashprice [USD/(TH/s·day)], the broadcast shape of the arguments.
    """
    rate_name = "network_hashrate_eh_s" if difficulty is None else "difficulty"
    blocks, price, subsidy, fees, pool = _broadcast(
        {
            rate_name: expected_blocks_per_th_day(
                network_hashrate_eh_s=network_hashrate_eh_s, difficulty=difficulty
            ),
            "btc_price_usd": _real("btc_price_usd", btc_price_usd, _NONNEG),
            "subsidy_btc": _real("subsidy_btc", subsidy_btc, _NONNEG),
            "fee_share": _real("fee_share", fee_share, _FRACTION),
            "pool_fee": _real("pool_fee", pool_fee, _FRACTION),
        }
    )
    return _out(blocks * subsidy / (1.0 - fees) * price * (1.0 - pool))


# --------------------------------------------------------------------------- revenue, breakeven


def revenue_usd_per_mwh(
    hashprice_usd_per_th_day: npt.ArrayLike, efficiency_j_per_th: npt.ArrayLike
) -> FloatArray:
    """Mining revenue per MWh a machine draws: its breakeven power price before site overhead.

    ``hashprice / (efficiency * 86400 / 3.6e9)``: one TH/s for a day uses
    ``efficiency * 86400`` J. Example: an S19j Pro (29.5 J/TH) at 0.05 USD/(TH/s·day) earns
    0.05 / 0.000708 = 70.62 USD/MWh.

    Parameters
    ----------
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.
    efficiency_j_per_th : array_like
        Machine efficiency [J/TH], > 0.

    Returns
    -------
    numpy.ndarray
        Revenue per MWh of machine energy [USD/MWh].
    """
    hashprice, efficiency = _arrays(
        hashprice_usd_per_th_day=(hashprice_usd_per_th_day, _NONNEG),
        efficiency_j_per_th=(efficiency_j_per_th, _POSITIVE),
    )
    return _out(hashprice / (efficiency * _SECONDS_PER_DAY * _MWH_PER_J))


def breakeven_usd_per_mwh(
    hashprice_usd_per_th_day: npt.ArrayLike,
    efficiency_j_per_th: npt.ArrayLike,
    overhead: npt.ArrayLike = 1.0,
) -> FloatArray:
    """All-in power price at which mining just pays, site overhead included.

    ``revenue_usd_per_mwh / overhead``: the site buys ``overhead`` MWh (cooling, losses) for
    every MWh the machines draw.

    Parameters
    ----------
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.
    efficiency_j_per_th : array_like
        Machine efficiency [J/TH], > 0.
    overhead : array_like, default 1
        Site power usage effectiveness, PUE [-], >= 1.

    Returns
    -------
    numpy.ndarray
        Breakeven price of site energy [USD/MWh].
    """
    revenue = revenue_usd_per_mwh(hashprice_usd_per_th_day, efficiency_j_per_th)
    pue = _real("overhead", overhead, _Range(ge=1.0))
    return _out(revenue / pue)


def mining_revenue_usd(
    hashrate_th_s: npt.ArrayLike, hours: npt.ArrayLike, hashprice_usd_per_th_day: npt.ArrayLike
) -> FloatArray:
    """Revenue of a hashrate running for some hours: ``hashrate * hours / 24 * hashprice``.

    Parameters
    ----------
    hashrate_th_s : array_like
        Hashrate actually running [TH/s], >= 0.
    hours : array_like
        Running time [h], >= 0.
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.

    Returns
    -------
    numpy.ndarray
        Revenue [USD].
    """
    hashrate, duration, hashprice = _arrays(
        hashrate_th_s=(hashrate_th_s, _NONNEG),
        hours=(hours, _NONNEG),
        hashprice_usd_per_th_day=(hashprice_usd_per_th_day, _NONNEG),
    )
    return _out(hashrate * duration / _HOURS_PER_DAY * hashprice)


# --------------------------------------------------------------------------- energy contracts


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


# --------------------------------------------------------------------------- ERCOT 4CP


def four_cp_charge_usd(
    load_mw_at_peaks: npt.ArrayLike, rate_usd_per_kw_year: npt.ArrayLike
) -> FloatArray:
    """ERCOT-style 4CP transmission charge for a year.

    ``rate * 1000 * mean(load at the four June-September peaks)``: the mean is the billing
    determinant [kW], so each peak the site misses (0 MW) saves ``rate / 4`` per kW.

    Parameters
    ----------
    load_mw_at_peaks : array_like, shape (..., 4)
        The site's load in the four monthly peak intervals [MW], >= 0; the last axis holds
        June, July, August, September.
    rate_usd_per_kw_year : array_like
        Transmission rate [USD/(kW·year)], >= 0; broadcasts against ``load_mw_at_peaks[..., 0]``.

    Returns
    -------
    numpy.ndarray, shape (...)
        Annual charge [USD/year].
    """
    load = _real("load_mw_at_peaks", load_mw_at_peaks, _NONNEG)
    if load.ndim == 0 or load.shape[-1] != 4:
        raise ConfigError(
            _SOURCE, f"load_mw_at_peaks: last axis must hold the 4 peaks, got shape {load.shape}"
        )
    determinant_mw, rate = _broadcast(
        {
            "load_mw_at_peaks[..., 0]": load.mean(axis=-1),
            "rate_usd_per_kw_year": _real("rate_usd_per_kw_year", rate_usd_per_kw_year, _NONNEG),
        }
    )
    return _out(rate * _KW_PER_MW * determinant_mw)


def four_cp_peak_hours(load_mw: pd.Series, tz: str = "America/Chicago") -> pd.DatetimeIndex:
    """The interval of highest load in each June, July, August and September in a series.

    Months are taken in ``tz`` (ERCOT months are Central Prevailing Time). A month counts if
    any of its intervals is present, so a month only partly covered gives the peak of the part
    present. With hourly load this approximates ERCOT's 4CP, which uses 15-minute intervals.

    Parameters
    ----------
    load_mw : pandas.Series
        System load [MW], indexed by tz-aware interval *start* times (the canonical
        convention; shift hour-ending data back one interval first). Must not hold NaN.
    tz : str, default "America/Chicago"
        IANA zone whose calendar months define the peaks.

    Returns
    -------
    pandas.DatetimeIndex
        Index labels of the peak intervals (in ``load_mw``'s zone), one per (year, month)
        present, in time order; empty when no June-September interval is present. Ties go to
        the earliest interval.
    """
    index = load_mw.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ConfigError(_SOURCE, "load_mw: index must be a tz-aware DatetimeIndex")
    _real("load_mw", load_mw.to_numpy(), _FINITE)
    try:
        local = index.tz_convert(tz)
    except (KeyError, ValueError) as exc:
        raise ConfigError(_SOURCE, f"tz: must be an IANA time zone, got {tz!r} ({exc})") from None
    summer = np.asarray(local.month.isin([6, 7, 8, 9]))
    summer_load = pd.Series(load_mw.to_numpy()[summer], index=np.flatnonzero(summer))
    keys = [np.asarray(local.year)[summer], np.asarray(local.month)[summer]]
    peak_positions = summer_load.groupby(keys).idxmax().to_numpy()
    return pd.DatetimeIndex(index[np.sort(peak_positions)])


# --------------------------------------------------------------------------- demand response


def dr_credit_usd(
    committed_mw: npt.ArrayLike, hours: npt.ArrayLike, payment_usd_per_mw_h: npt.ArrayLike
) -> FloatArray:
    """Capacity payment for being enrolled in a demand-response program.

    ``committed * hours * payment``, earned for standing ready whether or not a call comes.

    Parameters
    ----------
    committed_mw : array_like
        Load reduction the site is enrolled to deliver when called [MW], >= 0.
    hours : array_like
        Hours enrolled [h], >= 0.
    payment_usd_per_mw_h : array_like
        Capacity payment per MW committed per hour enrolled [USD/(MW·h)], >= 0.

    Returns
    -------
    numpy.ndarray
        Credit [USD].
    """
    committed, duration, payment = _arrays(
        committed_mw=(committed_mw, _NONNEG),
        hours=(hours, _NONNEG),
        payment_usd_per_mw_h=(payment_usd_per_mw_h, _NONNEG),
    )
    return _out(committed * duration * payment)


def dr_penalty_usd(
    required_reduction_mw: npt.ArrayLike,
    delivered_reduction_mw: npt.ArrayLike,
    hours: npt.ArrayLike,
    penalty_usd_per_mwh: npt.ArrayLike,
) -> FloatArray:
    """Penalty for under-delivering a demand-response call; over-delivery earns nothing here.

    ``max(required - delivered, 0) * hours * penalty``, never negative.

    Parameters
    ----------
    required_reduction_mw : array_like
        Reduction the call asked for [MW], >= 0.
    delivered_reduction_mw : array_like
        Reduction delivered [MW]; negative if load rose during the call.
    hours : array_like
        Duration of the call interval [h], >= 0.
    penalty_usd_per_mwh : array_like
        Penalty per MWh of shortfall [USD/MWh], >= 0.

    Returns
    -------
    numpy.ndarray
        Penalty [USD], >= 0.
    """
    required, delivered, duration, penalty = _arrays(
        required_reduction_mw=(required_reduction_mw, _NONNEG),
        delivered_reduction_mw=(delivered_reduction_mw, _FINITE),
        hours=(hours, _NONNEG),
        penalty_usd_per_mwh=(penalty_usd_per_mwh, _NONNEG),
    )
    return _out(np.maximum(required - delivered, 0.0) * duration * penalty)
