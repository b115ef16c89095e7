"""The optimizer: relocations and curtailment across sites, scenarios and periods (Pyomo + HiGHS).

- :func:`optimize` plans in one call; :class:`PlanSolver` keeps the model and the solver for
  what-if re-plans (:meth:`PlanSolver.update`).
- :class:`OptimizeSettings` says what to plan for; :class:`Plan` is the answer.
- The model's maths is ``docs/model.md`` (Optimizer); each constraint family is one function in
  :mod:`~planner.optimization.first_stage`, :mod:`~planner.optimization.operations` or
  :mod:`~planner.optimization.money`.
"""

from planner.optimization.plan import Plan, PlanKPIs
from planner.optimization.settings import OptimizeSettings
from planner.optimization.solve import SolveResult, SolveStatus, solve
from planner.optimization.solver import PlanSolver, optimize

__all__ = [
    "OptimizeSettings",
    "Plan",
    "PlanKPIs",
    "PlanSolver",
    "SolveResult",
    "SolveStatus",
    "optimize",
    "solve",
]
