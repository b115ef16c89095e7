"""The persistent solver behind re-plans, and :func:`optimize`, the one-call entry point.

:class:`PlanSolver` builds the model and the HiGHS instance once and keeps both; :meth:`update`
changes mutable parameters (hashprice and price scales, risk weight, CVaR level, hashrate floor,
relocation budget) and re-solves without rebuilding, warm-starting from the last basis. The app's
sliders and a rolling horizon use it; a rolling horizon also starts each window's first solve
from the previous window's basis, mapped period by period (:meth:`PlanSolver.start_from`,
:mod:`~planner.engine.optimization.warm_start`).

The Pyomo model is made only when something reads :attr:`PlanSolver.model`, an
``extra_functionality`` hook is given or a Pyomo solver is named; from then on each solve
compiles what a user changed in it into HiGHS's arrays (:mod:`~planner.engine.optimization.edits`)
or, with a named Pyomo solver, solves it through Pyomo
(:mod:`~planner.engine.optimization.pyomo_solve`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.domain.fleet import Fleet
from planner.engine.optimization.data import ModelData, prepare
from planner.engine.optimization.edits import Edits, compile_edits
from planner.engine.optimization.fallback import strike_values
from planner.engine.optimization.model import PARAMETERS, BuiltModel, build_model
from planner.engine.optimization.plan import Plan, extract_plan
from planner.engine.optimization.pyomo_solve import pyomo_solver, solve_through_pyomo
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.optimization.solve import new_highs, push_mutables, solve, to_highs
from planner.engine.optimization.status import SolveResult, SolveStatus, WarmStartCutOff
from planner.engine.optimization.warm_start import (
    Basis,
    period_shift,
    read_basis,
    set_basis,
    shifted_basis,
)
from planner.errors import ConfigError
from planner.memory import release_freed_memory
from planner.world.scenarios import Scenario, ScenarioSet

#: A re-solve may run from the previous basis at least this long, or as long as the first solve
#: took, before it starts afresh [s].
_MIN_WARM_S = 2.0

_RANGES: dict[str, tuple[float, float, bool]] = {  # (low, high, high is open)
    "hashprice_scale": (0.0, 100.0, False),
    "price_scale": (0.0, 100.0, False),
    "risk_lambda": (0.0, 1e3, False),
    "cvar_alpha": (0.0, 1.0, True),
    "hashrate_floor_eh_s": (0.0, 1e3, False),
    "floor_probability": (0.0, 1.0, True),
    "relocation_budget_usd": (0.0, 1e12, False),
    "fleet_cap_mw": (0.0, 1e6, False),
}


class PlanSolver:
    """A built model and its HiGHS instance, kept for re-plans.

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        The scenarios to plan over (weights summing to 1).
    settings
        Horizon, risk, floor, limits and solver options.
    exposed_before_h
        Idle hours below 0 degC in a row that each freeze-risk site has behind it when the
        horizon starts, per site id (a rolling plan's earlier steps) [h]; none by default.

    Attributes
    ----------
    data
        The prepared arrays.
    built
        The Pyomo model and its matrix.
    build_seconds
        Preparing, building and passing the model to HiGHS [s].
    last_result
        The latest solve, ``None`` before the first.
    time_limit_s
        Wall-clock limit of each solve [s]; ``settings.time_limit_s`` to begin with, and may be
        changed between solves (it needs no rebuild).

    Examples
    --------
    >>> from planner.domain.examples import one_site
    >>> from planner.world.scenarios import flat_scenario
    >>> fleet = one_site()
    >>> solver = PlanSolver(fleet, [flat_scenario(fleet, 24)])
    >>> round(solver.solve().kpis.mean_hashrate_eh_s, 6)  # 1,000 S19j Pro: 0.1 EH/s
    0.1
    >>> round(solver.update(hashprice_scale=0.5).kpis.mean_hashrate_eh_s, 6)  # below breakeven
    0.0
    """

    def __init__(
        self,
        fleet: Fleet,
        scenarios: ScenarioSet | Sequence[Scenario],
        settings: OptimizeSettings | None = None,
        *,
        exposed_before_h: Mapping[str, int] | None = None,
    ) -> None:
        started = time.perf_counter()
        self.data: ModelData = prepare(
            fleet, scenarios, settings or OptimizeSettings(), exposed_before_h=exposed_before_h
        )
        chosen = self.data.settings
        self._pyomo = pyomo_solver(chosen.solver) if chosen.solver is not None else None
        self.built: BuiltModel = build_model(self.data)
        self._edits = Edits()
        if chosen.extra_functionality is not None:
            chosen.extra_functionality(self.built.model, self.data)
        self._highs = to_highs(self.built.matrix)[0] if self._pyomo is None else None
        release_freed_memory()  # the build's temporaries, before the solver allocates its own
        self._pushed = self.parameters
        self.build_seconds = time.perf_counter() - started
        self.last_result: SolveResult | None = None
        self.time_limit_s = self.data.settings.time_limit_s
        self._first_solve_seconds = 0.0
        self._start_limit_s: float | None = None
        self._cold_seconds = 0.0  # a cold first solve's time, or the one a start was given
        self._unloaded: np.ndarray | None = None

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model (variables hold the latest solution).

        The solution is put into the Pyomo variables when the model is first asked for after a
        solve, not at every re-plan (about a microsecond a variable).
        """
        if self._unloaded is not None:
            load_solution(self.built, self._unloaded)
            self._unloaded = None
        return self.built.model

    @property
    def parameters(self) -> dict[str, float]:
        """Current values of the mutable parameters."""
        model = self.built.matrix.model  # the Params, without making the Pyomo mirror
        return {name: float(pyo.value(getattr(model, name))) for name in PARAMETERS}

    def set_parameters(self, **values: float | None) -> None:
        """Change mutable parameters (see :data:`planner.engine.optimization.model.PARAMETERS`).

        ``relocation_budget_usd=None`` removes the budget.

        Raises
        ------
        ConfigError
            Unknown name, value out of range, or ``floor_probability`` on a model built without a
            probabilistic floor.
        """
        problems = []
        clean: dict[str, float] = {}
        for name, value in values.items():
            if name not in PARAMETERS:
                problems.append(f"{name}: unknown parameter; known: {', '.join(PARAMETERS)}")
                continue
            if name == "relocation_budget_usd" and value is None:
                value = self.built.context.max_relocation_cost_usd
            if name == "floor_probability" and self.data.settings.floor_probability is None:
                problems.append(
                    "floor_probability: the model was built with a floor in every scenario; "
                    "build it with OptimizeSettings(floor_probability=...) to change it"
                )
                continue
            if name == "fleet_cap_mw" and self.data.settings.fleet_cap_mw is None:
                problems.append(
                    "fleet_cap_mw: the model was built without a fleet cap; build it with "
                    "OptimizeSettings(fleet_cap_mw=...) to change it"
                )
                continue
            low, high, open_high = _RANGES[name]
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and low <= value
                and (value < high if open_high else value <= high)
            )
            if not ok:
                right = ")" if open_high else "]"
                problems.append(f"{name}: must be in [{low:g}, {high:g}{right}, got {value!r}")
                continue
            assert value is not None
            clean[name] = float(value)
        if problems:
            raise ConfigError("optimizer parameters", problems)
        for name, value in clean.items():
            getattr(self.built.matrix.model, name).set_value(value)
        self._push()

    def _push(self) -> None:
        """Pass the mutable Params' values to HiGHS (the Pyomo path reads them itself)."""
        if self._highs is not None:
            push_mutables(self.built.matrix, self._highs)
        self._pushed = self.parameters

    def solve(self) -> Plan:
        """Solve (or re-solve) and read the plan off the solution.

        A solve that hits its time limit returns the best solution found, or, with none, the
        strike rule's plan (:mod:`~planner.engine.optimization.fallback`); either way
        :attr:`Plan.note` says so and :attr:`Plan.solver` holds the status.

        Raises
        ------
        SolveError
            Infeasible, unbounded or a solver error (see
            :func:`planner.engine.optimization.solve.solve`), or an edit of the Pyomo model that
            the default solve cannot compile (:mod:`~planner.engine.optimization.edits`).
        """
        # A Pyomo mirror, once made, holds about a million Python objects: a full garbage
        # collection in the middle of a re-plan would cost more than the re-solve itself.
        with PauseGC():
            first = self.last_result is None
            result = self._solve_once(first)
            if first:
                self._first_solve_seconds = result.solve_seconds
                if self._start_limit_s is None:
                    self._cold_seconds = result.solve_seconds
                result = replace(result, started=self._start_limit_s is not None)
            parameters = self.parameters
            note = time_limit_note(result, self.time_limit_s)
            if not result.status.has_solution:
                result = replace(result, values=strike_values(self.built, parameters))
            self.last_result = result
            self._unloaded = result.values if self._pyomo is None else None
            return extract_plan(self.built, result, parameters, note=note)

    def _solve_once(self, first: bool) -> SolveResult:
        """One solve: through the named Pyomo solver, or HiGHS on the arrays with every edit
        made to the Pyomo model compiled into them first."""
        build_seconds = self.build_seconds if first else 0.0
        if self._pyomo is not None:
            return solve_through_pyomo(
                self._pyomo,
                str(self.data.settings.solver),
                self.built.made_mirror(),
                time_limit_s=self.time_limit_s,
                build_seconds=build_seconds,
            )
        assert self._highs is not None
        if self.parameters != self._pushed:  # a mutable Param set on the model directly
            self._push()
        if self.built.mirror is not None:
            compile_edits(self.built.matrix, self.built.mirror, self._edits, self._highs)
        started = time.perf_counter()
        warm_limit_s = self._start_limit_s if first else max(_MIN_WARM_S, self._first_solve_seconds)
        try:
            return self._solve_highs(self.time_limit_s, build_seconds, warm_limit_s)
        except WarmStartCutOff:
            pass  # out of the handler first: its traceback holds the old instance
        self._renew_highs()
        left = self.time_limit_s - (time.perf_counter() - started)
        result = self._solve_highs(max(left, 1e-3), build_seconds, None)
        return replace(result, solve_seconds=time.perf_counter() - started)

    def _solve_highs(
        self, time_limit_s: float, build_seconds: float, warm_limit_s: float | None
    ) -> SolveResult:
        assert self._highs is not None
        return solve(
            self.built.matrix,
            self._highs,
            time_limit_s=time_limit_s,
            mip_gap=self.data.settings.mip_gap,
            build_seconds=build_seconds,
            warm_limit_s=warm_limit_s,
            algorithm=self.data.settings.lp_algorithm,
        )

    def _renew_highs(self) -> None:
        """Move the model (with its pushed Params and compiled edits) into a new HiGHS
        instance, the old one deleted first: HiGHS frees a solve's working memory only then."""
        assert self._highs is not None
        lp = self._highs.getLp()
        self._highs = None
        release_freed_memory()
        self._highs = new_highs()
        self._highs.passModel(lp)

    def basis(self) -> Basis | None:
        """The simplex basis the last solve ended with, to start a later model from.

        ``None`` before a solve, through a named Pyomo solver, or when HiGHS holds no basis
        (a branch and bound).
        """
        if self._highs is None or self.last_result is None:
            return None
        return read_basis(self.built.matrix, self._highs, self.data.times, self._cold_seconds)

    def start_from(self, previous: Basis) -> bool:
        """Start the first solve from ``previous``, the basis of a model whose periods run on into
        this one's (a rolling plan's previous window), mapped onto this model period by period
        (:func:`~planner.engine.optimization.warm_start.shifted_basis`).

        The simplex runs from it for at least 2 s, or as long as a cold solve of the previous
        model took (:attr:`~planner.engine.optimization.warm_start.Basis.solve_seconds`), before
        the start is dropped and the model solved afresh. Only an LP (no binary
        columns) before its first solve through HiGHS is started, and only when this model's
        periods are the previous model's from some period on.

        Returns
        -------
        bool
            Whether HiGHS took the start.
        """
        shift = period_shift(previous.times, self.data.times)
        if (
            self._highs is None
            or self.last_result is not None
            or self.built.matrix.has_binaries()
            or shift is None
        ):
            return False
        if not set_basis(self._highs, shifted_basis(previous, self.built.matrix, shift)):
            return False
        self._start_limit_s = max(_MIN_WARM_S, previous.solve_seconds)
        self._cold_seconds = previous.solve_seconds
        return True

    def update(self, **values: float | None) -> Plan:
        """:meth:`set_parameters`, then :meth:`solve`, without rebuilding the model."""
        self.set_parameters(**values)
        return self.solve()


def time_limit_note(result: SolveResult, time_limit_s: float) -> str:
    """What a plan's reader must know about how its solve ended ("" when it was solved).

    Parameters
    ----------
    result
        The solve.
    time_limit_s
        Its time limit [s].
    """
    if result.status is SolveStatus.TIME_LIMIT_FEASIBLE:
        gap = "" if result.mip_gap is None else f", within {result.mip_gap:.2%} of the best bound"
        return (
            f"optimizer hit its {time_limit_s:g} s time limit; showing the best plan it found{gap}"
        )
    if result.status is SolveStatus.TIME_LIMIT_NO_SOLUTION:
        return (
            f"optimizer hit its {time_limit_s:g} s time limit with no solution; showing the "
            "strike rule's plan"
        )
    return ""


def load_solution(built: BuiltModel, values: np.ndarray) -> None:
    """Put a solution into the Pyomo variables of ``built``.

    Parameters
    ----------
    built
        The model the solution belongs to.
    values
        One value per column of ``built.matrix``, in its column order (a solver result's
        ``values``).
    """
    for var, value in zip(built.made_mirror().variables, values.tolist(), strict=True):
        var.set_value(value, skip_validation=True)


def optimize(
    fleet: Fleet,
    scenarios: ScenarioSet | Sequence[Scenario],
    settings: OptimizeSettings | None = None,
    *,
    exposed_before_h: Mapping[str, int] | None = None,
) -> Plan:
    """Plan relocations and curtailment for ``fleet`` over ``scenarios``.

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        Joint scenarios of weather, prices, outages and hashprice (weights summing to 1).
    settings
        Horizon (``"operational"``: hourly up to 14 days; ``"strategic"``: daily periods), risk
        weight and CVaR level, hashrate floor, relocation budget, ramp and minimum down time,
        freeze protection, time limit and MIP gap.
    exposed_before_h
        Idle hours below 0 degC in a row behind each freeze-risk site at the start, per site id
        (see :class:`PlanSolver`) [h].

    Returns
    -------
    Plan

    Raises
    ------
    ConfigError
        Invalid settings or scenarios.
    SolveError
        Infeasible (the message names the constraint families that cannot be met), unbounded or
        a solver error. A solve out of time is no error: :meth:`PlanSolver.solve`.
    """
    return PlanSolver(fleet, scenarios, settings, exposed_before_h=exposed_before_h).solve()
