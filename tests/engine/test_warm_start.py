"""Warm starts across rolling windows: the previous basis mapped period by period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from planner.domain.examples import demo_fleet
from planner.engine.optimization import OptimizeSettings, PlanSolver
from planner.engine.optimization.matrix import Matrix, label_tuples
from planner.engine.optimization.warm_start import (
    BASIC,
    LOWER,
    UPPER,
    Basis,
    shifted_basis,
)
from planner.engine.rolling import RollingSettings, rolling_horizon, slice_scenario
from planner.world.feeds import fetch_feeds
from planner.world.scenarios import make_scenarios

B, L, U = BASIC, LOWER, UPPER
HOURS = pd.date_range("2025-01-01", periods=4, freq="h", tz="UTC")


def _window(periods: int, *, scalar_lower: float = -np.inf) -> Matrix:
    """``x[t]`` in [0, 1] per period, a scalar ``y`` and rows ``r[t]: x[t] + y <= 1``."""
    m = Matrix(pyo.ConcreteModel())
    x = m.add_var("x", None, (periods,), 0.0, 1.0, period_axis=0)
    y = m.add_var("y", None, (), scalar_lower, np.inf)
    t = np.arange(periods)
    m.add_rows(
        "cap",
        "r",
        label_tuples(range(periods), t, period=0),
        np.concatenate([t, t]),
        np.concatenate([x.col(t), np.full(periods, int(y.col()))]),
        np.ones(2 * periods),
        -np.inf,
        1.0,
    )
    return m


def _basis(matrix: Matrix, cols: list[int], rows: list[int]) -> Basis:
    return Basis(matrix, np.array(cols, np.int8), np.array(rows, np.int8), HOURS[: matrix.n_rows])


def test_statuses_follow_their_period_and_the_count_is_made_the_rows() -> None:
    """Worked by hand: before, x = (U, B, L), y = B, r = (U, B, U) (3 basics for 3 rows).
    Shifted one period: x0 <- x1 = B, x1 <- x2 = L, x2 new = L (its lower bound 0); y stays B;
    r0 <- r1 = B, r1 <- r2 = U, r2 new = B (its slack). That is 4 basics for 3 rows: the last
    basic row with a bound, r2, goes to its only finite bound, its upper."""
    before = _basis(_window(3), [U, B, L, B], [U, B, U])
    mapped = shifted_basis(before, _window(3), 1)
    assert mapped.col_status.tolist() == [B, L, L, B]
    assert mapped.row_status.tolist() == [B, U, U]
    assert (mapped.matched_cols, mapped.matched_rows) == (3, 2)


def test_too_few_basics_are_made_up_with_slacks_from_the_last_row_back() -> None:
    """Before, x = (B, U, B), y = L (y bounded below here), r = (B, U, U). Shifted one period:
    x = (U, B, L), y = L, r = (U, U, B): 2 basics for 3 rows, so the last nonbasic row, r1,
    becomes basic."""
    before = _basis(_window(3, scalar_lower=0.0), [B, U, B, L], [B, U, U])
    mapped = shifted_basis(before, _window(3, scalar_lower=0.0), 1)
    assert mapped.col_status.tolist() == [U, B, L, L]
    assert mapped.row_status.tolist() == [U, B, B]


def test_a_bound_the_new_model_lacks_moves_to_the_one_it_has() -> None:
    """y was nonbasic at its lower bound 0; in the new model y is free, so it is nonbasic at zero
    (HiGHS's code 3); with two periods fewer only x0 <- x2 and r0 <- r2 match."""
    before = _basis(_window(3, scalar_lower=0.0), [B, B, U, L], [B, U, U])
    mapped = shifted_basis(before, _window(1), 2)
    assert mapped.col_status.tolist() == [U, 3]
    assert (mapped.matched_cols, mapped.matched_rows) == (2, 1)
    assert int((mapped.col_status == B).sum() + (mapped.row_status == B).sum()) == 1


@pytest.fixture(scope="module")
def pair() -> tuple:
    """Two windows of the demo fleet over the same 4 scenarios: hours [0, 48) and [24, 48)."""
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10", 48, "offline", seed=7)
    first = make_scenarios(fleet, feeds, 4, seed=1)
    second = [slice_scenario(s, 24, 48) for s in first]
    return fleet, list(first), second


def test_the_mapped_basis_is_taken_and_saves_iterations_for_the_same_answer(pair: tuple) -> None:
    """The second window's data are the first's last 24 hours: started from the first window's
    basis, HiGHS takes it (the solve says so) and needs far fewer simplex iterations than a cold
    solve of the same model with presolve, and both reach the same optimum."""
    fleet, first, second = pair
    earlier = PlanSolver(fleet, first, OptimizeSettings(relocate=False))
    earlier.solve()
    basis = earlier.basis()
    assert basis is not None
    cold = PlanSolver(fleet, second, OptimizeSettings(relocate=False)).solve().solver
    warm_solver = PlanSolver(fleet, second, OptimizeSettings(relocate=False))
    assert warm_solver.start_from(basis)
    warm = warm_solver.solve().solver
    assert warm.started and not cold.started
    assert cold.iterations > 100
    assert warm.iterations < cold.iterations / 4
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)


def test_no_start_when_the_periods_do_not_follow_on(pair: tuple) -> None:
    """A model whose periods are not the previous model's from some period on (here it starts
    before them) is not started."""
    fleet, first, second = pair
    later = PlanSolver(fleet, second, OptimizeSettings(relocate=False))
    later.solve()
    basis = later.basis()
    assert basis is not None
    solver = PlanSolver(fleet, first, OptimizeSettings(relocate=False))
    assert not solver.start_from(basis)
    assert not solver.solve().solver.started


def test_rolling_plans_are_the_same_warm_or_cold() -> None:
    """The demo fleet over 4 days, 48-hour windows every 24 hours: warm-started windows reach
    the objectives of the cold ones, window by window, and the schedules acted on agree."""
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10", 96, "offline", seed=7)
    realised = make_scenarios(fleet, feeds, 1, seed=99)[0]
    base = RollingSettings(step_hours=24, window_hours=48, scenarios=3, seed=5)
    cold = rolling_horizon(fleet, feeds, realised, base.replace(warm_start=False))
    warm = rolling_horizon(fleet, feeds, realised, base)
    assert [p.solver.started for p in warm.plans] == [False, True, True, True]
    assert not any(p.solver.started for p in cold.plans)
    for c, w in zip(cold.plans, warm.plans, strict=True):
        assert w.solver.objective_usd == pytest.approx(c.solver.objective_usd, rel=1e-9)
    for site in fleet.sites:
        np.testing.assert_allclose(warm.schedule[site.id], cold.schedule[site.id], atol=1e-6)
