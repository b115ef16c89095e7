"""The optimizer: relocations and curtailment across sites, scenarios and periods (Pyomo + HiGHS).

- :func:`optimize` plans in one call; :class:`PlanSolver` keeps the model and the solver for
  what-if re-plans (:meth:`PlanSolver.update`).
- :class:`OptimizeSettings` says what to plan for; :class:`Plan` is the answer.
- :meth:`Plan.strategy` (:func:`optimized_strategy`) turns a plan into the :class:`Strategy`
  (policy and shipments) to judge on scenarios the optimizer did not see.
- :func:`rolling_horizon` re-plans as time advances, from what is known at each decision time.
- The model's maths is ``docs/model.md`` (Optimizer); each constraint family is one function in
  :mod:`~planner.optimization.first_stage`, :mod:`~planner.optimization.operations` or
  :mod:`~planner.optimization.money`.
"""

from planner.optimization.plan import Plan, PlanKPIs
from planner.optimization.rolling import RollingResult, RollingSettings, rolling_horizon
from planner.optimization.settings import OptimizeSettings
from planner.optimization.solve import SolveResult, SolveStatus, solve
from planner.optimization.solver import PlanSolver, optimize
from planner.optimization.strategy import Strategy, optimized_strategy

__all__ = [
    "OptimizeSettings",
    "Plan",
    "PlanKPIs",
    "PlanSolver",
    "RollingResult",
    "RollingSettings",
    "SolveResult",
    "SolveStatus",
    "Strategy",
    "optimize",
    "optimized_strategy",
    "rolling_horizon",
    "solve",
]
