"""Strategies by name, the optimizer's plan among them, judged together on the same scenarios.

A strategy name is a built-in policy name (``run-through``, ``strike``, ``4cp``, ``protective``,
several joined by ``+``) or starts with ``optimized``: the optimizer's plan made runnable on
scenarios it did not see, :func:`planner.engine.strategies.optimized_strategy` (a breakeven guard on
the hour's price, the plan's commitments beyond that rule as caps, its freeze-protection floor),
composed with any built-ins after a ``+`` (``optimized+4cp``;
:class:`~planner.engine.policies.Compose`). Plan strategies also carry out the plan's relocations;
the others keep every machine where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine.montecarlo import Evaluation, evaluate
from planner.engine.optimization import Plan
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS
from planner.engine.policies import Compose, Policy, policy_named
from planner.engine.simulation import Shipment, SimResult, simulate
from planner.engine.strategies import optimized_strategy, plan_shipments
from planner.errors import ConfigError
from planner.inputs import MAX_SIMULATION_HOURS
from planner.world.feeds import Feeds
from planner.world.scenarios import ScenarioSet, scenario_from_feeds

if TYPE_CHECKING:
    from planner.engine.optimization import Plan

__all__ = [
    "PLAN_PREFIX",
    "compare_strategies",
    "horizon_limit",
    "is_plan_strategy",
    "merge_evaluations",
    "simulate_strategies",
    "strategy_policy",
]

#: Strategy names starting with this follow the optimizer's plan.
PLAN_PREFIX = "optimized"

Progress = Callable[[str, int, int], None]


def is_plan_strategy(name: str) -> bool:
    """Whether a strategy follows the optimizer's plan (``optimized``, ``optimized+4cp``...).

    Parameters
    ----------
    name
        A strategy name (module docstring).

    Returns
    -------
    bool
        ``True`` when running it needs a plan.
    """
    return name.split("+", 1)[0].strip() == PLAN_PREFIX


def horizon_limit(strategies: Iterable[str]) -> int:
    """Longest horizon [h] the strategies can run over.

    Parameters
    ----------
    strategies
        Strategy names (module docstring).

    Returns
    -------
    int
        :data:`planner.engine.optimization.settings.MAX_OPERATIONAL_HOURS` (336: the optimizer plans
        hourly over at most 14 days) when one of them follows a plan, else
        :data:`planner.inputs.MAX_SIMULATION_HOURS`.
    """
    if any(is_plan_strategy(name) for name in strategies):
        return MAX_OPERATIONAL_HOURS
    return MAX_SIMULATION_HOURS


def strategy_policy(name: str, plan: Plan | None = None) -> Policy:
    """The policy a strategy name stands for.

    Parameters
    ----------
    name
        A built-in policy name, or ``optimized`` optionally followed by ``+`` built-ins.
    plan
        The optimizer's plan; required by plan strategies.

    Raises
    ------
    ConfigError
        Unknown name, or a plan strategy without a plan.
    """
    if not is_plan_strategy(name):
        return policy_named(name)
    if plan is None:
        raise ConfigError(
            "strategies", f"{name!r} follows the optimizer's plan, but no plan was made"
        )
    rest = name.split("+", 1)[1] if "+" in name else ""
    optimized = optimized_strategy(plan, name=name if not rest.strip() else PLAN_PREFIX).policy
    if not rest.strip():
        return optimized
    return Compose(optimized, policy_named(rest), name=name)


def _groups(
    strategies: Sequence[str], plan: Plan | None
) -> list[tuple[tuple[Shipment, ...], list[str]]]:
    """Strategies grouped by the relocations they carry out, first-seen order."""
    shipments = tuple(plan_shipments(plan)) if plan is not None else ()
    groups: dict[tuple[Shipment, ...], list[str]] = {}
    for name in strategies:
        groups.setdefault(shipments if is_plan_strategy(name) else (), []).append(name)
    return list(groups.items())


def _check_names(strategies: Sequence[str]) -> list[str]:
    names = [str(s).strip() for s in strategies]
    if not names:
        raise ConfigError("strategies", "at least one is needed")
    if len(set(names)) != len(names):
        raise ConfigError("strategies", f"names must be unique, got {', '.join(names)}")
    return names


def compare_strategies(
    fleet: Fleet,
    scenarios: ScenarioSet,
    strategies: Sequence[str],
    *,
    plan: Plan | None = None,
    replications: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Every strategy through every scenario and replication, with the same failure draws.

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        The scenarios to judge on; for a plan, scenarios it was *not* optimized on.
    strategies
        Strategy names (module docstring), unique.
    plan
        The optimizer's plan, needed by ``optimized...`` strategies.
    replications
        ASIC-failure draws per scenario, >= 1.
    workers
        Local worker processes (see :func:`planner.evaluate`).
    progress
        Called as ``progress("simulate", done, total)`` over all strategies.

    Returns
    -------
    Evaluation
        Policies in the order of ``strategies``; plan strategies carry out the plan's
        relocations, the others none. Every strategy sees the same scenario and failure draws.
    """
    names = _check_names(strategies)
    groups = _groups(names, plan)
    parts: list[Evaluation] = []
    for k, (shipments, members) in enumerate(groups):
        tick = None
        if progress is not None:
            offset = k

            def tick(step: str, done: int, total: int, offset: int = offset) -> None:
                progress(step, offset * total + done, len(groups) * total)

        parts.append(
            evaluate(
                fleet,
                scenarios,
                [strategy_policy(n, plan) for n in members],
                replications=replications,
                workers=workers,
                progress=tick,
                shipments=shipments,
            )
        )
    return merge_evaluations(parts, names)


def merge_evaluations(parts: Sequence[Evaluation], order: Sequence[str]) -> Evaluation:
    """One evaluation from several made on the same scenarios, seed and replications.

    Parameters
    ----------
    parts
        Evaluations of disjoint policies over the same runs.
    order
        Policy names in the order wanted (each in exactly one part).

    Returns
    -------
    Evaluation
        The policies of ``order``, in that order, over the shared runs.

    Raises
    ------
    ValueError
        Parts over different runs, or ``order`` not matching the parts' policies.
    """
    first = parts[0]
    for other in parts[1:]:
        if not other.run_index.equals(first.run_index) or other.seed != first.seed:
            raise ValueError("evaluations to merge must share scenarios, replications and seed")
    where = {name: (part, i) for part in parts for i, name in enumerate(part.policies)}
    if sorted(where) != sorted(order) or len(where) != sum(len(p.policies) for p in parts):
        raise ValueError(f"order {list(order)} does not match the policies {sorted(where)}")
    if len(parts) == 1 and tuple(order) == first.policies:
        return first
    runs = pd.concat([where[n][0].runs[where[n][0].runs["policy"] == n] for n in order])
    bands = pd.concat([where[n][0].hashrate_bands.loc[[n]] for n in order])
    outages = pd.concat([where[n][0].outages[where[n][0].outages["policy"] == n] for n in order])
    paths = np.stack([where[n][0].fleet_hashrate_th_s[where[n][1]] for n in order])
    below = [p.floor_shortfalls for p in parts if not p.floor_shortfalls.empty]
    shortfalls = first.floor_shortfalls.iloc[:0]
    if below:
        merged = pd.concat(below)
        shortfalls = pd.concat([merged[merged["policy"] == n] for n in order])
    return replace(
        first,
        policies=tuple(order),
        runs=runs.reset_index(drop=True),
        hashrate_bands=bands,
        outages=outages.reset_index(drop=True),
        fleet_hashrate_th_s=paths,
        floor_shortfalls=shortfalls.reset_index(drop=True),
    )


def simulate_strategies(
    fleet: Fleet,
    feeds: Feeds,
    strategies: Sequence[str],
    *,
    plan: Plan | None = None,
    seed: int = 7,
) -> list[SimResult]:
    """One run per strategy through the feeds themselves (the central forecast, no noise).

    Parameters
    ----------
    fleet, feeds
        The fleet and its feeds (the plan's horizon when a plan strategy is among them).
    strategies
        Strategy names.
    plan
        The optimizer's plan, for ``optimized...`` strategies (and its relocations).
    seed
        Seed of the ASIC failures, the same for every strategy.

    Returns
    -------
    list of SimResult
        In the order of ``strategies``, hourly ledgers and event logs.
    """
    central = scenario_from_feeds(fleet, feeds)
    shipments = tuple(plan_shipments(plan)) if plan is not None else ()
    return [
        simulate(
            fleet,
            central,
            strategy_policy(name, plan),
            seed=seed,
            shipments=shipments if is_plan_strategy(name) else (),
        )
        for name in _check_names(strategies)
    ]
