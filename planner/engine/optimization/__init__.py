"""The optimizer: relocations and curtailment across sites, scenarios and periods (Pyomo + HiGHS).

- :func:`optimize` plans in one call; :class:`PlanSolver` keeps the model and the solver for
  what-if re-plans (:meth:`PlanSolver.update`).
- :class:`OptimizeSettings` says what to plan for; :class:`Plan` is the answer.
- The plan knows no policy: :mod:`planner.engine.strategies` turns it into the strategy
  (policy and shipments) to judge on scenarios the optimizer did not see, and
  :mod:`planner.engine.rolling` re-plans as time advances.
- The model's maths is ``docs/model.md`` (Optimizer); each constraint family is one function in
  :mod:`~planner.engine.optimization.first_stage`, :mod:`~planner.engine.optimization.operations`
  or :mod:`~planner.engine.optimization.money`.

The settings, the plan and the solve status import with the package; the solver side (Pyomo and
highspy, about 0.4 s) on first use of one of its names, so ``import planner`` does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planner.engine.optimization.plan import Plan, PlanKPIs
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.optimization.status import SolveResult, SolveStatus

if TYPE_CHECKING:
    from planner.engine.optimization.solve import solve
    from planner.engine.optimization.solver import PlanSolver, optimize

#: Names that need Pyomo or highspy, by module: imported together on first use.
_SOLVER_NAMES = {"solve": ("solve",), "solver": ("PlanSolver", "optimize")}

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


def __getattr__(name: str) -> Any:
    """Import the solver side (Pyomo, highspy) on first use of one of its names.

    All of them are bound at once, after the imports: the function :func:`solve` shares its name
    with the module ``planner.engine.optimization.solve``, which importing binds here.
    """
    if not any(name in names for names in _SOLVER_NAMES.values()):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    modules = {m: importlib.import_module(f"{__name__}.{m}") for m in _SOLVER_NAMES}
    for module, names in _SOLVER_NAMES.items():
        globals().update({n: getattr(modules[module], n) for n in names})
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
