"""What-if re-plans: one persistent solver for a fleet and its planning scenarios, and the plan
judged out of sample.

A :class:`Replanner` builds the optimizer's model once (:class:`~planner.engine.optimization.
PlanSolver`) and re-solves it for new values of its mutable parameters (hashprice scale, risk
weight, CVaR level, hashrate floor, relocation budget) without a rebuild, remembering the last
:data:`PLAN_MEMO_SIZE` answers by their parameter values. :meth:`Replanner.replan` judges each
plan on scenarios the optimizer did not see, as the ``optimized`` strategy
(:func:`planner.compare_strategies`). The what-if app re-plans through it on every slider move.

The solver side (Pyomo, highspy) loads when the first :class:`Replanner` is made, not with
``import planner``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.domain.fleet import Fleet
from planner.engine import optimization
from planner.engine.compare import PLAN_PREFIX, compare_strategies
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import OptimizeSettings, Plan
from planner.errors import SolveError
from planner.world.scenarios import ScenarioSet

if TYPE_CHECKING:
    from planner.engine.optimization import PlanSolver

__all__ = ["PLAN_MEMO_SIZE", "Replan", "Replanner"]

#: Re-plans a :class:`Replanner` remembers, by parameter values (a page rerun without a change
#: re-solves nothing).
PLAN_MEMO_SIZE = 16

Key = tuple[tuple[str, float | None], ...]


@dataclass(frozen=True, eq=False)
class Replan:
    """One re-plan and its plan judged out of sample.

    Attributes
    ----------
    plan
        The optimizer's plan.
    evaluation
        The plan judged as the ``optimized`` strategy (that policy only).
    solve_seconds, judge_seconds
        Time in :meth:`Replanner.plan` and in :meth:`Replanner.judge` [s].
    """

    plan: Plan
    evaluation: Evaluation
    solve_seconds: float
    judge_seconds: float

    @property
    def seconds(self) -> float:
        """The whole re-plan [s]."""
        return self.solve_seconds + self.judge_seconds


class Replanner:
    """One persistent :class:`~planner.engine.optimization.PlanSolver` for a fleet and its
    planning scenarios, for what-if re-plans.

    Re-plans change only the solver's mutable parameters; results are remembered by parameter
    values and time limit (the last :data:`PLAN_MEMO_SIZE`), infeasible ones too. A lock makes
    a replanner safe to share between threads (the app's page sessions).

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        Planning scenarios.
    settings
        Optimizer settings the model is built with (mutable parameters start from them).

    Attributes
    ----------
    fleet
        The fleet.
    solver
        The persistent solver.

    Raises
    ------
    ConfigError
        Invalid settings or scenarios.
    """

    def __init__(
        self, fleet: Fleet, scenarios: ScenarioSet, settings: OptimizeSettings | None = None
    ) -> None:
        self.fleet = fleet
        self.solver: PlanSolver = optimization.PlanSolver(fleet, scenarios, settings)
        self._lock = threading.Lock()
        self._memo: OrderedDict[Key, Plan | SolveError] = OrderedDict()
        self._asked: dict[str, float | None] = {}  # every parameter given so far, last value

    @property
    def build_seconds(self) -> float:
        """Time to build the model and hand it to HiGHS [s]."""
        return float(self.solver.build_seconds)

    def forget(self) -> None:
        """Drop the remembered plans (the solver keeps its model and last basis)."""
        with self._lock:
            self._memo.clear()

    def plan(self, *, time_limit_s: float | None = None, **parameters: float | None) -> Plan:
        """The plan for these parameter values: from memory, or
        :meth:`~planner.engine.optimization.PlanSolver.update`.

        Parameters
        ----------
        time_limit_s
            The solve's time limit [s]; ``None``: the settings' limit.
        **parameters
            Mutable parameters of the solver (``hashprice_scale``, ``risk_lambda``,
            ``cvar_alpha``, ``hashrate_floor_eh_s`` [EH/s], ``relocation_budget_usd`` [USD],
            ``None`` for no budget...); those not given keep the values last asked for.

        Raises
        ------
        SolveError
            No plan meets the settings (the message names the constraint families).
        ConfigError
            A parameter out of the solver's range.
        """
        limit = self.solver.data.settings.time_limit_s if time_limit_s is None else time_limit_s
        with self._lock:
            # The key holds every parameter asked for so far, so it says all the solver's values.
            asked = {**self._asked, **parameters}
            key = (*sorted(asked.items()), ("time_limit_s", limit))
            found = self._memo.get(key)
            if found is None:
                self.solver.time_limit_s = limit
                try:
                    found = self.solver.update(**asked)  # ConfigError: nothing changed
                except SolveError as exc:
                    found = exc
                self._memo[key] = found
                while len(self._memo) > PLAN_MEMO_SIZE:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(key)
            self._asked = asked
        if isinstance(found, SolveError):
            raise found
        return found

    def judge(self, plan: Plan, scenarios: ScenarioSet) -> Evaluation:
        """The plan as the ``optimized`` strategy (the hour's price decides, within the plan's
        commitments and freeze protection; its relocations carried out) over ``scenarios``,
        which the plan should not have seen (:func:`planner.compare_strategies`)."""
        return compare_strategies(self.fleet, scenarios, [PLAN_PREFIX], plan=plan)

    def replan(
        self,
        scenarios: ScenarioSet,
        *,
        time_limit_s: float | None = None,
        **parameters: float | None,
    ) -> Replan:
        """:meth:`plan`, then :meth:`judge` it over ``scenarios``, each timed.

        Raises
        ------
        SolveError, ConfigError
            See :meth:`plan`.
        """
        started = time.perf_counter()
        plan = self.plan(time_limit_s=time_limit_s, **parameters)
        solved = time.perf_counter()
        evaluation = self.judge(plan, scenarios)
        return Replan(plan, evaluation, solved - started, time.perf_counter() - solved)
