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

Only :class:`OptimizeSettings` is imported with the package; the rest (Pyomo and highspy, about
0.4 s) on first use, so ``import planner`` does not pay for the solver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planner.optimization.settings import OptimizeSettings

if TYPE_CHECKING:
    from planner.optimization.plan import Plan, PlanKPIs
    from planner.optimization.rolling import RollingResult, RollingSettings, rolling_horizon
    from planner.optimization.solve import SolveResult, SolveStatus, solve
    from planner.optimization.solver import PlanSolver, optimize
    from planner.optimization.strategy import Strategy, optimized_strategy

#: Names that need Pyomo or highspy, by module: imported together on first use.
_SOLVER_NAMES = {
    "plan": ("Plan", "PlanKPIs"),
    "rolling": ("RollingResult", "RollingSettings", "rolling_horizon"),
    "solve": ("SolveResult", "SolveStatus", "solve"),
    "solver": ("PlanSolver", "optimize"),
    "strategy": ("Strategy", "optimized_strategy"),
}

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


def __getattr__(name: str) -> Any:
    """Import the solver side (Pyomo, highspy) on first use of one of its names.

    All of them are bound at once, after the imports: the function :func:`solve` shares its name
    with the module ``planner.optimization.solve``, which importing binds here.
    """
    if not any(name in names for names in _SOLVER_NAMES.values()):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    modules = {m: importlib.import_module(f"{__name__}.{m}") for m in _SOLVER_NAMES}
    for module, names in _SOLVER_NAMES.items():
        globals().update({n: getattr(modules[module], n) for n in names})
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
