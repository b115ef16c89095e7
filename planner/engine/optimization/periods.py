"""The optimizer's time axis: periods, and the price blocks that split long periods.

An operational plan has one period per hour. A strategic plan aggregates hours into periods of
``strategic_period_hours`` (after ``strategic_hourly_hours`` hourly ones), and each long period
may be split further into *price blocks* (``strategic_price_blocks``): per site and scenario,
the period's hours sorted by what an MWh costs there against what hashing earns (the hour's
margin key, :func:`margin_key`), the most expensive first, and cut into a few blocks of fixed
sizes (:func:`block_sizes`: small ones for the rare price spikes, even ones for the rest).
The model's time axis is then the *slots*: every block of every period, in period order; a
slot's hours are one site's hours in one scenario, not a stretch of time, so every array
indexed by site or tier holds that site's block means. Where no row links the hours inside a
period (no ramp limit, no minimum down time), a period whose blocks each hold hours of equal
margin is solved exactly as the hourly model would solve it (``docs/model.md``, Optimizer:
periods). :class:`Resolution` holds the axis and turns hourly arrays into slot arrays and slot
arrays into period arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

from planner.domain.economics.revenue import revenue_usd_per_mwh
from planner.domain.fleet import Fleet
from planner.engine.optimization.settings import OptimizeSettings
from planner.errors import ConfigError

_SOURCE = "optimize"
#: Blocks of a strategic period when ``strategic_price_blocks`` is left unset [-].
DEFAULT_PRICE_BLOCKS = 6
#: Added to the margin key of a 4CP peak hour: peak hours sort into the top block.
PEAK_KEY = 1e12
#: Hashprice floor of the margin key (a hashprice at or below 0 makes every hour a loss)
#: [USD/(TH/s day)].
MIN_HASHPRICE = 1e-9


class Curve(Protocol):
    """What a breakeven needs of a tier: its site and its efficiency table."""

    @property
    def site(self) -> int: ...
    @property
    def power_w(self) -> float: ...
    @property
    def hashrate_th_s(self) -> float: ...
    @property
    def power_share(self) -> tuple[float, ...]: ...
    @property
    def hash_share(self) -> tuple[float, ...]: ...


@dataclass(frozen=True, eq=False)
class Resolution:
    """The time axis of a model: periods, and the slots (price blocks) the model is written on.

    Attributes
    ----------
    period_start_h, period_hours
        Start of each period from the horizon start and its length, ``(periods,)`` [h].
    slot_period
        Period of each slot, ``(slots,)``; slots are in period order.
    slot_hours
        Hours in each slot, ``(slots,)`` [h]. They sum to the period's hours.
        With breakeven blocks, whose hours differ by site and scenario: the mean over sites and
        scenarios (:attr:`site_slot_hours` holds each).
    hour_slot
        Slot of each hour per site and scenario, ``(sites, hours, scenarios)``; ``None`` when
        every period is one slot (then a slot is the period: its hours in a row).
    site_slot_hours
        Hours of each slot per site and scenario, ``(sites, slots, scenarios)`` [h] (0: the slot
        holds none of that site's hours in that scenario); ``None`` when every site's slot holds
        :attr:`slot_hours` in every scenario.
    """

    period_start_h: np.ndarray
    period_hours: np.ndarray
    slot_period: np.ndarray
    slot_hours: np.ndarray
    hour_slot: np.ndarray | None = None
    site_slot_hours: np.ndarray | None = None

    @property
    def hours(self) -> int:
        """Horizon [h]."""
        return int(self.period_hours.sum())

    @property
    def blocked(self) -> bool:
        """Whether some period is split into price blocks."""
        return self.hour_slot is not None

    @cached_property
    def slot_start_h(self) -> np.ndarray:
        """Start of each slot's period, ``(slots,)`` [h]."""
        return self.period_start_h[self.slot_period]

    def hours_in(self, sites: int, scenarios: int) -> np.ndarray:
        """Hours of each slot per site and scenario, ``(sites, slots, scenarios)`` [h] (a
        read-only broadcast view when they are alike)."""
        if self.site_slot_hours is not None:
            return self.site_slot_hours
        return np.broadcast_to(
            self.slot_hours[None, :, None], (sites, len(self.slot_hours), scenarios)
        )

    def share_in(self, sites: int, scenarios: int) -> np.ndarray:
        """Share of its period's hours in each slot per site and scenario, ``(sites, slots,
        scenarios)`` [-]."""
        return self.hours_in(sites, scenarios) / self.period_hours[self.slot_period][None, :, None]

    def slot_of(self, site: np.ndarray, hour: np.ndarray, scenario: np.ndarray) -> np.ndarray:
        """Slot of hours given per site, hour and scenario position (broadcast arrays)."""
        if self.hour_slot is None:
            return np.searchsorted(self.period_start_h, hour, side="right") - 1
        return self.hour_slot[site, hour, scenario]

    def mean(
        self, hourly: np.ndarray, row_site: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Mean over each slot's hours of ``(rows, hours, scenarios)`` hourly values.

        Parameters
        ----------
        hourly
            Values, ``(rows, hours, scenarios)``.
        row_site
            Site position of each row (a slot's hours are that site's), ``(rows,)``.
        weights
            Weights of the mean, like ``hourly`` or ``(sites, hours, scenarios)`` (indexed by
            ``row_site``); a slot whose weights sum to 0 takes the plain mean.
        """
        hours = self.hours_in(int(row_site.max(initial=0)) + 1, hourly.shape[2])[row_site]
        with np.errstate(invalid="ignore", divide="ignore"):
            plain = np.where(hours > 0, self.sum(hourly, row_site) / hours, 0.0)
        if weights is None:
            return plain
        w = weights if len(weights) == len(hourly) else weights[row_site]
        w_sum = self.sum(w, row_site)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self.sum(hourly * w, row_site) / w_sum
        return np.where(w_sum > 1e-12, out, plain)

    def sum(self, hourly: np.ndarray, row_site: np.ndarray) -> np.ndarray:
        """Sum over each slot's hours of ``(rows, hours, scenarios)`` hourly values."""
        n_rows, _, n_scen = hourly.shape
        n_slots = len(self.slot_hours)
        if self.hour_slot is None:
            starts = self.period_start_h.astype(int)
            return np.add.reduceat(hourly.astype(float), starts, axis=1)
        out = np.empty((n_rows, n_slots, n_scen))
        for i in np.unique(row_site).tolist():
            index = (self.hour_slot[i] * n_scen + np.arange(n_scen)[None, :]).ravel()
            for r in np.flatnonzero(row_site == i).tolist():
                out[r] = np.bincount(
                    index, hourly[r].ravel().astype(float), minlength=n_slots * n_scen
                ).reshape(n_slots, n_scen)
        return out

    def to_periods(
        self, per_slot: np.ndarray, row_site: np.ndarray, *, total: bool = False
    ) -> np.ndarray:
        """Slot values ``(rows, slots, scenarios)`` as period values: the hour-weighted mean
        over each period's slots (the hours of the row's site, ``row_site`` ``(rows,)``), or
        with ``total`` their sum."""
        if not self.blocked:
            return per_slot
        first = np.flatnonzero(np.diff(self.slot_period, prepend=-1))
        if total:
            return np.add.reduceat(per_slot, first, axis=1)
        share = self.share_in(int(row_site.max(initial=0)) + 1, per_slot.shape[2])[row_site]
        return np.add.reduceat(per_slot * share, first, axis=1)

    def period_times(self, first: pd.Timestamp) -> pd.DatetimeIndex:
        """Period starts, UTC, from the horizon's first hour."""
        return pd.DatetimeIndex(first + pd.to_timedelta(self.period_start_h, unit="h"))


def block_sizes(hours: int, blocks: int) -> np.ndarray:
    """Hours in each price block of a period, the most expensive block first.

    The ``j``-th block from the top holds ``(2j - 1) / blocks^2`` of the hours (the first ``j``
    blocks hold ``(j / blocks)^2``): thin blocks where prices are spread out (the rare spikes,
    the expensive hours in which efficient machines reach their breakeven), thicker ones where
    they crowd together. Edges rounded half up to whole hours, empty blocks dropped.

    Examples
    --------
    >>> block_sizes(16, 4).tolist(), block_sizes(24, 4).tolist(), block_sizes(3, 6).tolist()
    ([1, 3, 5, 7], [2, 4, 8, 10], [1, 1, 1])
    """
    edges = np.floor(hours * (np.arange(1, blocks + 1) / blocks) ** 2 + 0.5)
    edges = np.unique(np.clip(edges, 1, hours).astype(int))
    return np.diff(np.concatenate([[0], edges]))


def price_blocks(settings: OptimizeSettings) -> int:
    """Blocks per strategic period: ``strategic_price_blocks``, or when unset
    :data:`DEFAULT_PRICE_BLOCKS` (1 with a ramp limit or a minimum down time).

    Raises
    ------
    ConfigError
        More than one block with a ramp limit or a minimum down time: those rows link the hours
        of a period, which the blocks no longer keep in order.
    """
    linked = settings.ramp_mw_per_h is not None or settings.min_down_hours is not None
    if settings.horizon != "strategic":
        return 1
    if settings.strategic_price_blocks is None:
        return 1 if linked else DEFAULT_PRICE_BLOCKS
    if settings.strategic_price_blocks > 1 and linked:
        raise ConfigError(
            _SOURCE,
            "strategic_price_blocks: price blocks do not keep a period's hours in order, which "
            "a ramp limit or a minimum down time needs; set strategic_price_blocks=1 or "
            "ramp_mw_per_h=None and min_down_hours=None",
        )
    return settings.strategic_price_blocks


def time_axis(
    hours: int,
    settings: OptimizeSettings,
    fleet: Fleet,
    tiers: Sequence[Curve],
    price_h: np.ndarray,
    hashprice_h: np.ndarray,
    four_cp_h: np.ndarray,
    cold_h: np.ndarray,
) -> Resolution:
    """The model's time axis over these scenarios' hours: :func:`resolution` with the margin
    keys (when ``settings`` split periods into blocks), the relocated machines' arrivals, each
    site's breakeven keys and the cold hours of its freeze-risk sites ``cold_h``.

    Raises
    ------
    ConfigError
        Price blocks asked for with a ramp limit or a minimum down time (:func:`price_blocks`).
    """
    key = None
    if price_blocks(settings) > 1:
        key = margin_key(fleet, price_h, hashprice_h, four_cp_h)
    arrivals = [r.transit_days * 24.0 for r in fleet.routes] if settings.relocate else []
    breakevens = breakeven_keys(tiers, len(fleet.sites))
    return resolution(hours, settings, key, arrivals, breakevens, cold_h)


def resolution(
    hours: int,
    settings: OptimizeSettings,
    key: np.ndarray | None = None,
    arrivals_h: Sequence[float] = (),
    breakevens: Sequence[np.ndarray] = (),
    apart: np.ndarray | None = None,
) -> Resolution:
    """The periods of ``settings`` over ``hours``, long periods split into price blocks.

    Parameters
    ----------
    hours
        Horizon [h].
    settings
        ``horizon``, ``strategic_period_hours``, ``strategic_hourly_hours``,
        ``strategic_price_blocks``, ``strategic_block_edges``, and the lead times (a period that
        starts within ``lead_hours`` or ``protection_lead_hours`` is decided now, the same share
        for all of its hours in every scenario, so it is not split).
    key
        Margin key of each hour per site and scenario, ``(sites, hours, scenarios)``
        (:func:`margin_key`); ``None``: no blocks.
    arrivals_h
        When relocated machines arrive [h]. With price blocks a period also starts at each
        (rounded up to the hour), so that the machines hash from the hour they arrive: a block
        holds hours from all over its period, and its machines must be the same in all of them.
    breakevens
        With ``strategic_block_edges="breakeven"``: each site's breakeven margin keys, sorted
        ascending (:func:`breakeven_keys`), one array per site.
    apart
        With ``strategic_block_edges="breakeven"``: hours that get a slot of their own in a split
        period, per site and scenario, ``(sites, hours, scenarios)`` (the cold hours of
        freeze-risk sites, whose warm-keeping rows count single hours); ``None``: none.
    """
    if settings.horizon == "operational":
        step, near = 1, 0
    else:
        step, near = settings.strategic_period_hours, min(settings.strategic_hourly_hours, hours)
    starts = np.concatenate([np.arange(0, near), np.arange(near, hours, step)]).astype(int)
    blocks = price_blocks(settings)
    if blocks > 1 and key is not None:
        arrive = np.ceil(np.asarray(arrivals_h, dtype=float) - 1e-9).astype(int)
        starts = np.union1d(starts, arrive[(arrive > 0) & (arrive < hours)])
    lengths = np.diff(np.append(starts, hours))
    lead = max(settings.lead_hours, settings.protection_lead_hours)
    split = (lengths > 1) & (starts >= lead) & (blocks > 1) & (key is not None)
    if not split.any() or key is None:
        return Resolution(
            starts.astype(float),
            lengths.astype(float),
            np.arange(len(starts)),
            lengths.astype(float),
        )
    if settings.strategic_block_edges == "breakeven":
        return _breakeven_blocks(starts, lengths, split, key, breakevens, apart)
    sizes = [
        block_sizes(int(n), blocks) if cut else np.array([n])
        for n, cut in zip(lengths.tolist(), split.tolist(), strict=True)
    ]
    slot_period = np.repeat(np.arange(len(starts)), [len(s) for s in sizes])
    slot_hours = np.concatenate(sizes).astype(float)
    first_slot = np.concatenate([[0], np.cumsum([len(s) for s in sizes])[:-1]])
    n_sites, _, n_scen = key.shape
    hour_slot = np.empty((n_sites, hours, n_scen), dtype=np.int32)
    for p, (start, n) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
        if not split[p]:
            hour_slot[:, start : start + n, :] = first_slot[p]
            continue
        rank_block = first_slot[p] + np.repeat(np.arange(len(sizes[p])), sizes[p])
        order = np.argsort(-key[:, start : start + n, :], axis=1, kind="stable")
        view = hour_slot[:, start : start + n, :]
        np.put_along_axis(view, order, rank_block[None, :, None].astype(np.int32), axis=1)
    return Resolution(
        starts.astype(float), lengths.astype(float), slot_period, slot_hours, hour_slot
    )


def _breakeven_blocks(
    starts: np.ndarray,
    lengths: np.ndarray,
    split: np.ndarray,
    key: np.ndarray,
    breakevens: Sequence[np.ndarray],
    apart: np.ndarray | None,
) -> Resolution:
    """Blocks whose edges are each site's breakeven keys (and :data:`PEAK_KEY` / 2).

    In a split period, an hour of site ``i`` falls in block ``j`` of the period when ``j`` of
    the site's edges lie at or below its key: every block holds the hours between two
    neighbouring edges, in which each tier and power mode of the site is either worth running
    or not, the same in all of them. Block ``j`` of a period is one slot for all sites (each
    with its own hours in it). An hour flagged in ``apart`` gets a slot of its own instead (the
    ``c``-th such hour of a site and scenario in the period: slot ``c`` after the blocks). A
    slot that holds no hour of any site in any scenario is dropped.
    """
    n_sites, hours, n_scen = key.shape
    if len(breakevens) != n_sites:
        raise ValueError(f"breakevens: one array per site ({n_sites}), got {len(breakevens)}")
    edges = [np.append(np.sort(np.asarray(e, dtype=float)), PEAK_KEY / 2) for e in breakevens]
    width = 1 + max(len(e) for e in edges)
    candidate = np.empty((n_sites, hours, n_scen), dtype=np.int32)
    per_period = np.ones(len(starts), dtype=int)
    first = 0
    for p, (start, n) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
        view = candidate[:, start : start + n, :]
        if not split[p]:
            view[...] = first
            first += 1
            continue
        for i in range(n_sites):
            view[i] = first + np.searchsorted(edges[i], key[i, start : start + n], side="right")
        per_period[p] = width
        if apart is not None and apart[:, start : start + n].any():
            flagged = apart[:, start : start + n]
            rank = np.cumsum(flagged, axis=1) - 1
            view[flagged] = first + width + rank[flagged]
            per_period[p] += int(rank.max()) + 1
        first += per_period[p]
    scen = np.arange(n_scen, dtype=np.int64)[None, :]
    counts = np.stack(
        [
            np.bincount((candidate[i] * n_scen + scen).ravel(), minlength=first * n_scen).reshape(
                first, n_scen
            )
            for i in range(n_sites)
        ]
    )  # (sites, candidates, scenarios)
    keep = counts.any(axis=(0, 2))
    renumber = (np.cumsum(keep) - 1).astype(np.int32)
    site_slot_hours = counts[:, keep, :].astype(float)
    return Resolution(
        starts.astype(float),
        lengths.astype(float),
        np.repeat(np.arange(len(starts)), per_period)[keep],
        site_slot_hours.mean(axis=(0, 2)),
        renumber[candidate],
        site_slot_hours,
    )


def breakeven_keys(tiers: Sequence[Curve], n_sites: int) -> list[np.ndarray]:
    """Each site's breakeven margin keys: where running a tier, or one power mode more, stops
    paying.

    ``tiers``: the model's tiers (:class:`~planner.engine.optimization.data.TierData`). A
    tier's machines (or, with power modes, the step from one mode to the next) earn
    ``hashprice x dH / dP x 10^6 / 24`` USD per MWh of IT load, ``dH / dP`` the slope of its
    efficiency table [TH/s per W], and cost ``PUE x marginal price``: running pays while the
    margin key (:func:`~planner.engine.optimization.periods.margin_key`, ``PUE x marginal
    price / hashprice``) is below ``dH / dP x 10^6 / 24``.

    Returns
    -------
    list of numpy.ndarray
        Per site, its tiers' breakeven keys, distinct and ascending
        [USD/MWh per USD/(TH/s day)].
    """
    out: list[list[float]] = [[] for _ in range(n_sites)]
    for t in tiers:
        gained_th_s = np.diff(t.hash_share) * t.hashrate_th_s
        drawn_w = np.diff(t.power_share) * t.power_w
        keys = np.zeros(len(gained_th_s))  # a step that adds no hashrate never pays
        pays = gained_th_s > 0
        # the step's own efficiency [J/TH] earns this much per MWh at a hashprice of 1
        keys[pays] = revenue_usd_per_mwh(1.0, drawn_w[pays] / gained_th_s[pays])
        out[t.site].extend(keys.tolist())
    return [np.unique(np.round(keys, 9)) for keys in out]


def margin_key(
    fleet: Fleet, price_h: np.ndarray, hashprice_h: np.ndarray, four_cp_h: np.ndarray
) -> np.ndarray:
    """What an MWh costs at a site against what hashing earns, per site, hour and scenario.

    The site's marginal power price (its contract, times its PUE) over the hashprice: a tier runs
    in an hour where this ratio is below its efficiency's breakeven ratio, so hours sorted by it
    run in the same order for every tier of the site, whatever its efficiency and however
    hashprice moves. A 4CP peak hour adds :data:`PEAK_KEY` (peak hours sort into the top block).

    Parameters
    ----------
    fleet
        The sites (contracts, PUE).
    price_h, four_cp_h
        Real-time price [USD/MWh] and 4CP peak flags, ``(sites, hours, scenarios)``.
    hashprice_h
        Hashprice, ``(hours, scenarios)`` [USD/(TH/s day)].

    Returns
    -------
    numpy.ndarray
        ``(sites, hours, scenarios)`` [USD/MWh per USD/(TH/s day)].
    """
    out = np.empty(price_h.shape)
    hashprice = np.maximum(hashprice_h, MIN_HASHPRICE)
    for i, site in enumerate(fleet.sites):
        cost = site.overhead * site.contract.marginal_usd_per_mwh(price_h[i])
        out[i] = cost / hashprice + PEAK_KEY * four_cp_h[i]
    return out
