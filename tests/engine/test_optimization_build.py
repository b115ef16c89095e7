"""How the model is built: Pyomo components in bulk, the arrays-only reference, lazy solutions."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from planner.domain.examples import demo_fleet, one_site
from planner.engine.optimization import OptimizeSettings, PlanSolver
from planner.engine.optimization.data import prepare
from planner.engine.optimization.model import build_model
from planner.engine.optimization.solve import solve
from planner.world.feeds import fetch_feeds
from planner.world.scenarios import flat_scenario, make_scenarios


@pytest.fixture(scope="module")
def demo_day() -> tuple:
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-07-14", 24, "offline", seed=7)
    settings = OptimizeSettings(ramp_mw_per_h=30.0, fleet_cap_mw=300.0)
    return fleet, make_scenarios(fleet, feeds, 3, seed=1), settings


def test_the_pyomo_mirror_is_made_only_when_read_and_changes_nothing(demo_day: tuple) -> None:
    """The default build makes the solver's arrays only; reading the model makes the Pyomo
    variables and constraints from them, one per column and row, and the arrays stay as they
    were (a build with the mirror made at once has the very same arrays and optimum)."""
    fleet, scenarios, settings = demo_day
    data = prepare(fleet, scenarios, settings)
    bare = build_model(data)
    assert bare.mirror is None
    assert not list(bare.matrix.model.component_data_objects(pyo.Constraint))
    assert not list(bare.matrix.model.component_data_objects(pyo.Var))
    full = build_model(data, components=True)
    assert full.mirror is not None
    assert bare.matrix.n_cols == full.matrix.n_cols and bare.matrix.n_rows == full.matrix.n_rows
    for a, b in zip(full.matrix.rows, bare.matrix.rows, strict=True):
        assert a.name == b.name
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.cols, b.cols)
        np.testing.assert_array_equal(a.coefs, b.coefs)
    np.testing.assert_array_equal(full.matrix.cost_vector(), bare.matrix.cost_vector())
    assert solve(bare.matrix).objective_usd == pytest.approx(solve(full.matrix).objective_usd)
    model = bare.model
    assert sum(1 for _ in model.component_data_objects(pyo.Var)) == bare.matrix.n_cols
    assert sum(1 for _ in model.component_data_objects(pyo.Constraint)) == bare.matrix.n_rows


def test_bulk_built_constraints_are_ordinary_pyomo_constraints(demo_day: tuple) -> None:
    """Each family is one indexed Constraint whose rows are reached by their labels; their
    number is the matrix's."""
    fleet, scenarios, settings = demo_day
    built = build_model(prepare(fleet, scenarios, settings))
    model = built.model
    rows = sum(1 for _ in model.component_data_objects(pyo.Constraint))
    assert rows == built.matrix.n_rows
    ramp = model.ramp
    label = next(iter(ramp.keys()))
    assert ramp[label].upper == pytest.approx(30.0)
    assert ramp[label].lower == pytest.approx(-30.0)
    assert label[0] in fleet.site_ids
    cap = model.fleet_cap[0, 0]
    assert cap.name == "fleet_cap[0,0]" and cap.index() == (0, 0)
    assert pyo.value(cap.upper) == pytest.approx(300.0)


def test_solution_reaches_the_pyomo_variables_when_the_model_is_read() -> None:
    """A re-plan does not write every variable; reading the model does, with the last plan's."""
    fleet = one_site()
    solver = PlanSolver(fleet, [flat_scenario(fleet, 2)])
    solver.solve()
    plan = solver.update(hashprice_scale=0.5)  # below breakeven: nothing runs
    assert plan.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-12)
    values = [v.value for v in solver.model.run.values()]
    assert values == pytest.approx([0.0, 0.0])
    assert solver.parameters["hashprice_scale"] == 0.5


def test_a_fleet_with_power_modes_solved_through_appsi_highs_gives_the_default_optimum(
    demo_day: tuple,
) -> None:
    """The demo fleet's S19j Pros have power modes: their load is the sum of their mode
    columns in every family that reads it (ramp, fleet cap, demand response, money), in the
    arrays and in the Pyomo model alike, so Pyomo's own HiGHS interface finds the same optimum."""
    fleet, scenarios, settings = demo_day
    fast = PlanSolver(fleet, scenarios, settings)
    plan = fast.solve()
    reference = PlanSolver(fleet, scenarios, settings.replace(solver="appsi_highs")).solve()
    assert reference.solver.message == "appsi_highs: optimal"
    assert plan.solver.objective_usd == pytest.approx(reference.solver.objective_usd, rel=1e-9)
    modes = {key[:2] for key in fast.model.mode_run}
    assert modes and not modes & {key[:2] for key in fast.model.run}
