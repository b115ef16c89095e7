"""What-if re-plans on one persistent solver (:class:`planner.Replanner`), worked by hand.

The one-site fleet: 1,000 S19j Pro (100 TH/s, 2.95 kW each) at 40 USD/MWh and a hashprice of
0.05 USD/TH/day. A machine earns 100 x 0.05 / 24 = 0.2083 USD an hour and its power costs
2.95 x 40 / 1000 = 0.1180 USD an hour, so the fleet (0.1 EH/s) runs while the hashprice scale is
above 0.118 / 0.2083 = 0.566 and stops below it.
"""

from __future__ import annotations

import pytest

from planner import ConfigError, Replanner, ScenarioSet
from planner.domain.examples import one_site
from planner.world.scenarios import flat_scenario


@pytest.fixture(scope="module")
def replanner() -> Replanner:
    fleet = one_site()
    return Replanner(fleet, ScenarioSet((flat_scenario(fleet, 24),), fleet.site_ids, seed=0))


def test_each_answer_comes_from_one_model_and_is_remembered(replanner: Replanner) -> None:
    solver = replanner.solver
    above = replanner.plan(hashprice_scale=0.6)  # 0.125 USD/h earned > 0.118 paid
    below = replanner.plan(hashprice_scale=0.5)  # 0.104 < 0.118
    assert above.kpis.mean_hashrate_eh_s == pytest.approx(0.1)
    assert below.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-9)
    assert replanner.solver is solver  # re-solved, not rebuilt
    assert replanner.plan(hashprice_scale=0.6) is above  # from memory
    assert replanner.plan(hashprice_scale=0.6, time_limit_s=30.0) is not above  # another limit
    replanner.forget()
    assert replanner.plan(hashprice_scale=0.6) is not above


def test_parameters_not_given_keep_the_values_last_asked_for(replanner: Replanner) -> None:
    below = replanner.plan(hashprice_scale=0.5, risk_lambda=0.0)
    replanner.plan(hashprice_scale=0.6)  # the solver now holds 0.6
    replanner.plan(hashprice_scale=0.5)  # remembered: the solver still holds 0.6
    # A new risk weight alone is solved at the scale last asked for (0.5), not the solver's 0.6.
    riskier = replanner.plan(risk_lambda=0.5)
    assert riskier.parameters["hashprice_scale"] == pytest.approx(0.5)
    assert riskier.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-9)
    assert below.parameters["risk_lambda"] == 0.0


def test_a_parameter_out_of_range_changes_nothing(replanner: Replanner) -> None:
    before = replanner.plan(hashprice_scale=0.6, risk_lambda=0.0)
    with pytest.raises(ConfigError, match="cvar_alpha: must be in"):
        replanner.plan(cvar_alpha=1.5)
    assert replanner.plan(hashprice_scale=0.6, risk_lambda=0.0) is before


def test_replan_judges_the_plan_as_the_optimized_strategy(replanner: Replanner) -> None:
    fleet = replanner.fleet
    judging = ScenarioSet((flat_scenario(fleet, 24),), fleet.site_ids, seed=1)
    result = replanner.replan(judging, hashprice_scale=0.6)
    assert result.evaluation.policies == ("optimized",)
    assert result.seconds == pytest.approx(result.solve_seconds + result.judge_seconds)
    # A flat day above breakeven: the plan's strategy keeps every machine running (0.1 EH/s).
    metrics = result.evaluation.metrics().set_index("site_id")
    assert metrics.loc["fleet", "mean_hashrate_eh_s"] == pytest.approx(0.1, rel=0.02)
    assert replanner.judge(result.plan, judging).policies == ("optimized",)
