"""Edits to the Pyomo model are what gets solved: compiled into the arrays, or refused.

The hand-worked model: one site, 1,000 S19j Pro (2.95 MW, no overhead), a flat scenario of
4 hours at 40 USD/MWh; one MWh earns R = 70.6215 USD, so each MWh run is worth R - 40 and the
optimum runs every hour at 2.95 MW. ``run[tx, s19j-pro, t, 0]`` is the MW run in hour ``t``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyomo.environ as pyo
import pytest

from planner.domain.examples import one_site, two_sites
from planner.engine.optimization import OptimizeSettings, PlanSolver, optimize
from planner.errors import ConfigError, SolveError
from planner.world.scenarios import flat_scenario

REVENUE = 0.05 / (29.5 * 86_400 / 3.6e9)  # USD/MWh at hashprice 0.05 USD/(TH/s day)
MARGIN = REVENUE - 40.0
FULL = 2.95  # MW


def run(model: Any, hour: int, scenario: int = 0) -> Any:
    return model.run["tx", "s19j-pro", hour, scenario]


def cap_and_tighten(model: Any, data: Any) -> None:
    """The user's edits: hour 2 capped at 1 MW by an added constraint, hour 0's bound 2 MW."""
    model.user_cap = pyo.Constraint(expr=run(model, 2) <= 1.0)
    run(model, 0).setub(2.0)


def hand_solver(**settings: Any) -> PlanSolver:
    fleet = one_site()
    return PlanSolver(fleet, [flat_scenario(fleet, 4)], OptimizeSettings(**settings))


def test_added_constraint_and_tightened_bound_change_the_answer_as_appsi_highs_does() -> None:
    # By hand: 2.0 + 2.95 + 1.0 + 2.95 = 8.9 MWh at R - 40 each.
    expected = (2.0 + FULL + 1.0 + FULL) * MARGIN
    fast = hand_solver(extra_functionality=cap_and_tighten)
    via_pyomo = hand_solver(extra_functionality=cap_and_tighten, solver="appsi_highs")
    plan, reference = fast.solve(), via_pyomo.solve()
    assert plan.solver.objective_usd == pytest.approx(expected, rel=1e-12)
    assert reference.solver.objective_usd == pytest.approx(expected, rel=1e-12)
    assert reference.solver.message == "appsi_highs: optimal"
    schedule = plan.schedule_for("tx")[0] * FULL
    np.testing.assert_allclose(schedule, [2.0, FULL, 1.0, FULL], atol=1e-9)
    np.testing.assert_allclose(reference.schedule_for("tx")[0] * FULL, schedule, atol=1e-9)
    assert [run(fast.model, t).value for t in range(4)] == pytest.approx([2.0, FULL, 1.0, FULL])


def test_the_same_edits_on_a_two_site_model_give_appsi_highss_optimum() -> None:
    # Two sites, two weighted market scenarios with an outage: a site-hour capped at half of
    # what the unedited plan ran there and a bound halved elsewhere move the optimum, and the
    # default solve lands on appsi_highs's optimum.
    fleet = two_sites()
    rng = np.random.default_rng(5)
    scenarios = [
        dataclasses.replace(
            flat_scenario(
                fleet,
                12,
                price_usd_per_mwh=rng.gamma(3.0, 20.0, (2, 12)),
                outages={"tx": [(5.0, 8.0)]} if i == 0 else None,
            ),
            index=i,
            weight=w,
        )
        for i, w in enumerate([0.3, 0.7])
    ]
    baseline = PlanSolver(fleet, scenarios)
    before = baseline.solve().solver.objective_usd
    m = baseline.model
    loaded = [k for k in m.run if m.run[k].value > 0.5]
    first, second = loaded[0], loaded[-1]
    cap, bound = 0.5 * m.run[first].value, 0.5 * m.run[second].value

    def edit(model: Any, data: Any) -> None:
        model.user_cap = pyo.Constraint(expr=model.run[first] <= cap)
        model.run[second].setub(bound)

    fast = PlanSolver(fleet, scenarios, OptimizeSettings(extra_functionality=edit)).solve()
    reference = optimize(
        fleet, scenarios, OptimizeSettings(extra_functionality=edit, solver="appsi_highs")
    )
    assert before is not None and fast.solver.objective_usd is not None
    assert fast.solver.objective_usd < before - 1.0
    assert fast.solver.objective_usd == pytest.approx(reference.solver.objective_usd, rel=1e-9)


def test_edits_made_between_solves_are_honoured_and_undone() -> None:
    solver = hand_solver()
    assert solver.solve().solver.objective_usd == pytest.approx(4 * FULL * MARGIN)
    m = solver.model
    m.user_cap = pyo.Constraint(expr=run(m, 2) <= 1.0)
    assert solver.solve().solver.objective_usd == pytest.approx((3 * FULL + 1.0) * MARGIN)
    # A user's own mutable Param in the added row is read at every solve.
    m.limit = pyo.Param(initialize=0.5, mutable=True)
    m.user_cap.set_value(run(m, 2) <= m.limit)
    assert solver.solve().solver.objective_usd == pytest.approx((3 * FULL + 0.5) * MARGIN)
    m.limit.set_value(1.5)
    assert solver.solve().solver.objective_usd == pytest.approx((3 * FULL + 1.5) * MARGIN)
    # A model row replaced: hour 1's hashrate floor row (a mutable bound) now caps it at 1.2 MW.
    floor = m.hashrate_floor[1, 0]
    floor.set_value(run(m, 1) <= 1.2)
    assert solver.solve().solver.objective_usd == pytest.approx((2 * FULL + 1.5 + 1.2) * MARGIN)
    solver.set_parameters(hashrate_floor_eh_s=0.01)  # the replaced row's bound is not restored
    assert solver.solve().solver.objective_usd == pytest.approx((2 * FULL + 1.5 + 1.2) * MARGIN)
    # Deactivated or deleted: the model's own answer again.
    m.del_component(m.user_cap)
    floor.deactivate()
    assert solver.solve().solver.objective_usd == pytest.approx(4 * FULL * MARGIN)
    floor.activate()
    floor.set_value(run(m, 1) <= 0.25)
    assert solver.solve().solver.objective_usd == pytest.approx((3 * FULL + 0.25) * MARGIN)


def test_a_new_variable_in_an_added_constraint_becomes_a_column() -> None:
    # run[2] <= 1 + slack with 0 <= slack <= 0.5 at no cost: hour 2 runs 1.5 MW.
    def edit(model: Any, data: Any) -> None:
        model.slack = pyo.Var(bounds=(0.0, 0.5))
        model.user_cap = pyo.Constraint(expr=run(model, 2) <= 1.0 + model.slack)

    solver = hand_solver(extra_functionality=edit)
    plan = solver.solve()
    assert plan.solver.objective_usd == pytest.approx((3 * FULL + 1.5) * MARGIN)
    assert solver.model.slack.value == pytest.approx(0.5)


def test_a_fixed_variable_is_held_at_its_value_until_freed() -> None:
    solver = hand_solver()
    solver.solve()
    run(solver.model, 1).fix(0.4)
    assert solver.solve().solver.objective_usd == pytest.approx((3 * FULL + 0.4) * MARGIN)
    run(solver.model, 1).unfix()
    assert solver.solve().solver.objective_usd == pytest.approx(4 * FULL * MARGIN)


def test_a_mutable_param_set_on_the_model_is_honoured() -> None:
    # Hashprice halved: each MWh earns R / 2 = 35.3 < 40 USD: nothing runs.
    solver = hand_solver()
    solver.solve()
    solver.model.hashprice_scale.set_value(0.5)
    direct = solver.solve()
    assert direct.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-12)
    assert solver.parameters["hashprice_scale"] == 0.5


def test_an_added_constraint_that_cannot_hold_is_named_as_added() -> None:
    def edit(model: Any, data: Any) -> None:
        model.impossible = pyo.Constraint(expr=run(model, 0) >= 10.0)

    with pytest.raises(SolveError, match=r"cannot be met: added \(short by 7.05 "):
        hand_solver(extra_functionality=edit).solve()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda m: setattr(m, "nl", pyo.Constraint(expr=run(m, 0) * run(m, 1) <= 1.0)),
            r"^optimizer: constraint nl is not linear; the default solve compiles linear rows only; "
            r"solve it through Pyomo instead, e\.g\. OptimizeSettings\(solver='appsi_highs'\)$",
        ),
        (
            lambda m: m.objective.set_value(run(m, 0)),
            r"^optimizer: the objective was changed or another added",
        ),
        (
            lambda m: setattr(run(m, 3), "domain", pyo.Binary),
            r"^optimizer: the domain of run\[tx,s19j-pro,3,0\] was changed from "
            r"Reals to Binary; the default solve cannot compile a domain",
        ),
    ],
    ids=["nonlinear", "objective", "domain"],
)
def test_an_edit_the_default_solve_cannot_compile_is_refused_in_one_line(
    edit: Any, message: str
) -> None:
    solver = hand_solver()
    edit(solver.model)
    with pytest.raises(SolveError, match=message) as info:
        solver.solve()
    assert "\n" not in str(info.value)


def test_a_refused_edit_is_solved_through_a_named_pyomo_solver() -> None:
    # The objective changed to run[0] alone: its most is hour 0's availability, 2.95 MW.
    def edit(model: Any, data: Any) -> None:
        model.objective.set_value(run(model, 0))

    plan = hand_solver(extra_functionality=edit, solver="appsi_highs").solve()
    assert plan.solver.objective_usd == pytest.approx(FULL)


def test_re_plans_through_a_named_pyomo_solver_read_the_changed_params() -> None:
    # Hashprice scaled to 0.9: each MWh earns 0.9 R - 40 = 23.56 USD; at 0.5 nothing runs.
    solver = hand_solver(solver="appsi_highs")
    assert solver.solve().solver.objective_usd == pytest.approx(4 * FULL * MARGIN)
    again = solver.update(hashprice_scale=0.9)
    assert again.solver.objective_usd == pytest.approx(4 * FULL * (0.9 * REVENUE - 40.0))
    assert solver.update(hashprice_scale=0.5).kpis.mean_hashrate_eh_s == pytest.approx(0.0)


def test_the_default_solve_makes_no_pyomo_model() -> None:
    solver = hand_solver()
    plan = solver.update(hashprice_scale=0.9)
    assert plan.solver.objective_usd == pytest.approx(4 * FULL * (0.9 * REVENUE - 40.0))
    assert solver.built.mirror is None
    assert not list(solver.built.matrix.model.component_data_objects(pyo.Var))


def test_a_solver_pyomo_does_not_know_or_cannot_find_is_one_config_line() -> None:
    with pytest.raises(ConfigError, match=r"solver: 'no_such_solver' is not a Pyomo solver name"):
        hand_solver(solver="no_such_solver")
    if not pyo.SolverFactory("gurobi").available(exception_flag=False):
        with pytest.raises(ConfigError, match=r"solver: 'gurobi' is not installed or licensed"):
            hand_solver(solver="gurobi")
