"""Bitcoin protocol economics: the halving schedule, expected blocks per TH/s, hashprice."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.domain.economics.checks import (
    FRACTION,
    NONNEG,
    POSITIVE,
    SOURCE,
    FloatArray,
    TimeLike,
    as_float64,
    broadcast,
    checked_real,
    utc_seconds,
)
from planner.domain.economics.units import H_PER_EH, H_PER_TH, SECONDS_PER_DAY
from planner.errors import ConfigError

HALVING_INTERVAL_BLOCKS = 210_000
"""Blocks between two subsidy halvings."""
_INITIAL_SUBSIDY_SAT = 50 * 100_000_000
_SAT_PER_BTC = 100_000_000
_MAX_HALVINGS = 64  # Bitcoin Core: the subsidy is 0 from the 64th halving (a shift would overflow)
_TARGET_BLOCK_S = 600.0
_BLOCKS_PER_DAY = SECONDS_PER_DAY / _TARGET_BLOCK_S  # 144
_HASHES_PER_DIFFICULTY = 2.0**32  # expected hashes per block at difficulty 1

GENESIS_TIME_UTC = pd.Timestamp("2009-01-03 18:15:05", tz="UTC")
"""Header time of block 0."""
HALVING_TIMES_UTC: tuple[pd.Timestamp, ...] = (
    pd.Timestamp("2012-11-28 15:24:38", tz="UTC"),  # height 210,000: 50 -> 25 BTC
    pd.Timestamp("2016-07-09 16:46:13", tz="UTC"),  # height 420,000: 25 -> 12.5 BTC
    pd.Timestamp("2020-05-11 19:23:43", tz="UTC"),  # height 630,000: 12.5 -> 6.25 BTC
    pd.Timestamp("2024-04-20 00:09:27", tz="UTC"),  # height 840,000: 6.25 -> 3.125 BTC
)
"""Header times of the halving blocks mined so far (block timestamps, accurate to minutes)."""


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
        raise ConfigError(SOURCE, f"height: must be an integer >= 0, got {height!r}")
    bad = (h < 0) | (h != np.floor(h))
    if bad.any():
        raise ConfigError(SOURCE, f"height: must be an integer >= 0, got {h[bad].flat[0]:g}")
    never_paid = _MAX_HALVINGS * HALVING_INTERVAL_BLOCKS  # clip first: a cast cannot overflow
    halvings = np.minimum(h, never_paid).astype(np.int64) // HALVING_INTERVAL_BLOCKS
    shift = np.minimum(halvings, _MAX_HALVINGS - 1)
    sat = np.where(halvings < _MAX_HALVINGS, np.right_shift(_INITIAL_SUBSIDY_SAT, shift), 0)
    return as_float64(sat / _SAT_PER_BTC)


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
    t = utc_seconds("time", time)
    genesis = GENESIS_TIME_UTC.timestamp()
    if (t < genesis).any():
        raise ConfigError(SOURCE, f"time: must be >= {GENESIS_TIME_UTC.isoformat()} (genesis)")
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
        hashrate = checked_real("network_hashrate_eh_s", network_hashrate_eh_s, POSITIVE)
        return as_float64(_BLOCKS_PER_DAY * H_PER_TH / (hashrate * H_PER_EH))
    if difficulty is not None and network_hashrate_eh_s is None:
        diff = checked_real("difficulty", difficulty, POSITIVE)
        return as_float64(SECONDS_PER_DAY * H_PER_TH / (diff * _HASHES_PER_DIFFICULTY))
    given = "neither" if difficulty is None else "both"
    raise ConfigError(SOURCE, f"network_hashrate_eh_s, difficulty: give exactly one, got {given}")


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
    blocks, price, subsidy, fees, pool = broadcast(
        {
            rate_name: expected_blocks_per_th_day(
                network_hashrate_eh_s=network_hashrate_eh_s, difficulty=difficulty
            ),
            "btc_price_usd": checked_real("btc_price_usd", btc_price_usd, NONNEG),
            "subsidy_btc": checked_real("subsidy_btc", subsidy_btc, NONNEG),
            "fee_share": checked_real("fee_share", fee_share, FRACTION),
            "pool_fee": checked_real("pool_fee", pool_fee, FRACTION),
        }
    )
    return as_float64(blocks * subsidy / (1.0 - fees) * price * (1.0 - pool))
