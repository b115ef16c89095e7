"""The optimizer: relocations and curtailment across sites, scenarios and periods (Pyomo + HiGHS).

- :func:`optimize` plans in one call; :class:`PlanSolver` keeps the model and the solver for
  what-if re-plans (:meth:`PlanSolver.update`).
- :class:`OptimizeSettings` says what to plan for; :class:`Plan` is the answer.
- The plan knows no policy: :mod:`planner.engine.strategies` turns it into the strategy
  (policy and shipments) to judge on scenarios the optimizer did not see, and
  :mod:`planner.engine.rolling` re-plans as time advances.
- The model's maths is ``docs/model.md`` (Optimizer); each constraint family is one function in
  :mod:`~planner.engine.optimization.first_stage`, :mod:`~planner.engine.optimization.operations` or
  :mod:`~planner.engine.optimization.money`.
"""

from planner.engine.optimization.plan import Plan, PlanKPIs
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.optimization.solve import SolveResult, SolveStatus, solve
from planner.engine.optimization.solver import PlanSolver, optimize

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
