"""Monte Carlo evaluation: reproducible whatever the executor, paired policies, hand-worked outages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import planner
from planner.domain.examples import one_site
from planner.engine.montecarlo import SUMMARY_COLUMNS, Evaluation, evaluate, task_seed
from planner.engine.policies import RunThrough
from planner.engine.simulation import Shipment, SimSettings, simulate
from planner.errors import ConfigError
from planner.world.scenarios import ScenarioSet, flat_scenario, make_scenarios

QUIET = SimSettings(failures=False)
POLICIES = ("run-through", "strike")
#: Hydro machines shipped to an immersion-cooled site: the simulation refuses them.
BAD_SHIPMENT = Shipment("west-texas", "quebec", "s21-hyd", 10, depart_h=5.0, transit_days=3.0)


@pytest.fixture(scope="module")
def demo() -> tuple[planner.Fleet, ScenarioSet]:
    """The demo fleet over two weeks, three scenarios."""
    fleet = planner.demo_fleet()
    feeds = planner.fetch_feeds(fleet, "2025-01-06", 24 * 14, seed=7)
    return fleet, make_scenarios(fleet, feeds, 3, seed=11)


@pytest.fixture(scope="module")
def serial(demo: tuple[planner.Fleet, ScenarioSet]) -> Evaluation:
    fleet, scenarios = demo
    return evaluate(fleet, scenarios, POLICIES, replications=2, workers=1)


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_an_identical_evaluation(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    fleet, scenarios = demo
    again = evaluate(fleet, scenarios, POLICIES, replications=2, workers=1, batch_size=1)
    assert again.equals(serial)
    other = evaluate(fleet, scenarios, POLICIES, replications=2, workers=1, seed=12)
    assert not other.equals(serial)
    # Another failure seed changes the failures, not the scenarios' grid outages.
    assert other.outages.equals(serial.outages)


@pytest.mark.slow
def test_local_pool_with_two_workers_matches_one_worker(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    fleet, scenarios = demo
    seen: list[tuple[str, int, int]] = []
    pooled = evaluate(
        fleet,
        scenarios,
        POLICIES,
        replications=2,
        workers=2,
        batch_size=2,
        progress=lambda step, done, total: seen.append((step, done, total)),
    )
    assert pooled.equals(serial)
    # Three batches of two tasks: one report before the first and one after each.
    assert [done for _, done, _ in seen] == [0, 2, 4, 6]
    assert {(step, total) for step, _, total in seen} == {("simulate", 6)}


@pytest.mark.slow
def test_dask_local_cluster_matches_the_local_runner(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    # A real LocalCluster: two single-threaded worker processes, started and closed by evaluate.
    fleet, scenarios = demo
    seen: list[int] = []
    distributed = evaluate(
        fleet,
        scenarios,
        POLICIES,
        replications=2,
        executor="dask",
        batch_size=2,
        progress=lambda _step, done, _total: seen.append(done),
    )
    assert distributed.equals(serial)
    assert sorted(seen) == [0, 2, 4, 6]


@pytest.mark.slow
def test_dask_at_an_address_leaves_the_cluster_running_and_carries_errors(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    from dask.distributed import Client, LocalCluster

    fleet, scenarios = demo
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        at_address = evaluate(
            fleet,
            scenarios,
            POLICIES,
            replications=2,
            executor="dask",
            address=cluster.scheduler_address,
        )
        assert at_address.equals(serial)
        # A worker's ConfigError (its __init__ takes two arguments) comes back as itself.
        with pytest.raises(ConfigError, match="s21-hyd cannot run at quebec"):
            evaluate(
                fleet,
                scenarios,
                POLICIES,
                executor="dask",
                address=cluster.scheduler_address,
                shipments=[BAD_SHIPMENT],
            )
        # evaluate closed its client, not the cluster it was given.
        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2


@pytest.mark.slow
def test_a_worker_error_comes_back_as_itself_from_the_process_pool(
    demo: tuple[planner.Fleet, ScenarioSet],
) -> None:
    fleet, scenarios = demo
    with pytest.raises(ConfigError, match="s21-hyd cannot run at quebec") as caught:
        evaluate(fleet, scenarios, POLICIES, replications=2, workers=2, shipments=[BAD_SHIPMENT])
    assert caught.value.source == "shipments"


def test_results_do_not_depend_on_how_many_scenarios_or_replications(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    # Scenario i and replication r always draw from task_seed(seed, i, r).
    fleet, scenarios = demo
    fewer = ScenarioSet(scenarios.scenarios[1:2], scenarios.site_ids, scenarios.seed)
    one = evaluate(fleet, fewer, POLICIES, replications=1, workers=1)
    picked = serial.runs[(serial.runs["scenario"] == 1) & (serial.runs["replication"] == 0)]
    columns = ["policy", "site_id", *SUMMARY_COLUMNS]
    assert one.runs[columns].reset_index(drop=True).equals(picked[columns].reset_index(drop=True))


def test_task_seed_is_the_spawned_child() -> None:
    branch = np.random.SeedSequence(5, spawn_key=(planner.engine.montecarlo.SIMULATION_STREAM,))
    spawned = branch.spawn(4)[3].spawn(3)[2]
    assert task_seed(5, 3, 2).spawn_key == spawned.spawn_key
    assert task_seed(5, 3, 2).generate_state(4).tolist() == spawned.generate_state(4).tolist()


# ---------------------------------------------------------------------------- what is kept


def test_runs_table_matches_a_direct_simulation(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    fleet, scenarios = demo
    direct = simulate(fleet, scenarios[2], "strike", seed=task_seed(11, 2, 1))
    rows = serial.runs[
        (serial.runs["policy"] == "strike")
        & (serial.runs["scenario"] == 2)
        & (serial.runs["replication"] == 1)
    ].set_index("site_id")
    sums = direct.ledger.groupby(level="site_id").sum()
    for column in ("profit_usd", "revenue_usd", "energy_mwh", "curtailed_mwh"):
        assert rows.loc[list(fleet.site_ids), column].to_numpy() == pytest.approx(
            sums.loc[list(fleet.site_ids), column].to_numpy()
        )
        assert rows.loc["fleet", column] == pytest.approx(sums[column].sum())
    # What the run leaves behind after the horizon is the simulation's after-horizon table,
    # and the full value the profit less it, per site and on the fleet row.
    after = direct.after_horizon
    sites = list(fleet.site_ids)
    for column in ("machines_out", "lost_margin_usd", "repair_usd", "after_horizon_usd"):
        assert rows.loc[sites, column].to_numpy() == pytest.approx(after.loc[sites, column])
        assert rows.loc["fleet", column] == pytest.approx(after[column].sum())
    assert rows.loc["fleet", "profit_incl_after_horizon_usd"] == pytest.approx(
        direct.profit_incl_after_horizon_usd
    )
    # The kept hourly fleet hashrate is the ledger's, in float32.
    k = int(
        np.flatnonzero(
            (serial.run_index["scenario"] == 2) & (serial.run_index["replication"] == 1)
        )[0]
    )
    hourly = direct.ledger["hashrate_th_s"].groupby(level="time").sum().to_numpy()
    assert serial.fleet_hashrate_th_s[1, k] == pytest.approx(hourly, rel=1e-6)
    assert serial.fleet_hashrate_th_s.dtype == np.float32
    # Each row carries its scenario's weight over the replications: 1/3 / 2.
    assert serial.runs["weight"].unique().tolist() == pytest.approx([1 / 6])
    assert len(serial.runs) == 2 * 3 * 2 * (len(fleet.sites) + 1)


def test_reused_policy_decisions_give_the_simulation_s_numbers(
    demo: tuple[planner.Fleet, ScenarioSet],
) -> None:
    # Workers compute a policy's run fractions once per scenario and reuse them in the other
    # replications; replication 1 must still be exactly what simulate gives, floors included.
    fleet, scenarios = demo
    name = "strike+protective"
    result = evaluate(fleet, scenarios, [name], replications=2, workers=1)
    direct = simulate(fleet, scenarios[1], name, seed=task_seed(11, 1, 1))
    rows = result.runs[(result.runs["scenario"] == 1) & (result.runs["replication"] == 1)]
    profit = rows.set_index("site_id")["profit_usd"]
    expected = direct.ledger["profit_usd"].groupby(level="site_id", sort=False).sum()
    # (Equal up to summation order: numpy's pairwise sums against pandas' groupby sums.)
    assert profit.loc[list(fleet.site_ids)].to_numpy() == pytest.approx(
        expected.loc[list(fleet.site_ids)].to_numpy(), rel=1e-12
    )


def test_policies_share_the_failure_draws() -> None:
    # Common random numbers: a second run-through under another name sees the same failures, so
    # its runs are identical to run-through's, replication by replication.
    fleet = one_site(count=20_000)
    scenario = flat_scenario(fleet, 24 * 60)
    twins = [RunThrough(), RunThrough(name="run-through-again")]
    result = evaluate(fleet, [scenario], twins, replications=3, seed=4, workers=1)
    a = result.runs[result.runs["policy"] == "run-through"].drop(columns="policy")
    b = result.runs[result.runs["policy"] == "run-through-again"].drop(columns="policy")
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))
    # ...while the replications differ from each other (failures were drawn).
    assert a[a["site_id"] == "tx"]["profit_usd"].nunique() == 3


def test_btc_mined_is_revenue_over_the_btc_price() -> None:
    # 1,000 S19j Pro (100,000 TH/s) for 48 h at hashprice $0.05: revenue 48 x 100,000 x 0.05 / 24
    # = $10,000; at $50,000 per BTC that is 0.2 BTC. Without a BTC price: unknown (NaN).
    fleet = one_site()
    scenario = flat_scenario(fleet, 48)
    priced = dataclasses.replace(scenario, btc_price_usd=np.full(48, 50_000.0))
    result = evaluate(
        fleet,
        [scenario, dataclasses.replace(priced, index=1)],
        ["run-through"],
        seed=0,
        settings=QUIET,
    )
    site = result.runs[result.runs["site_id"] == "tx"].set_index("scenario")
    assert site.loc[1, "revenue_usd"] == pytest.approx(10_000.0)
    assert site.loc[1, "btc_mined"] == pytest.approx(0.2)
    assert np.isnan(site.loc[0, "btc_mined"])


def test_scenarios_from_make_scenarios_carry_the_btc_price(
    demo: tuple[planner.Fleet, ScenarioSet], serial: Evaluation
) -> None:
    # Hashprice = BTC price x BTC per TH/s-day, so BTC = revenue / price is finite and positive.
    _, scenarios = demo
    assert all(s.btc_price_usd is not None for s in scenarios)
    fleet_rows = serial.runs[serial.runs["site_id"] == "fleet"]
    assert (fleet_rows["btc_mined"] > 0).all()


# ------------------------------------------------------------------- outages, by hand


def _scripted() -> tuple[planner.Fleet, list[planner.world.scenarios.Scenario]]:
    """One site, 12 h, no random failures. Scenario 0 (weight 0.75): grid out 2-5 h and 8-9 h;
    scenario 1 (weight 0.25): no outage."""
    fleet = one_site()
    stormy = flat_scenario(fleet, 12, outages={"tx": [(2.0, 5.0), (8.0, 9.0)]})
    calm = flat_scenario(fleet, 12)
    return fleet, [
        dataclasses.replace(stormy, weight=0.75),
        dataclasses.replace(calm, index=1, weight=0.25),
    ]


def test_survival_curve_from_scripted_outages_by_hand() -> None:
    # Site restart 30 min + S19j Pro cold start 10 min = 2/3 h after the grid returns:
    # the 2-5 h outage is over at 5.667 h (3.667 h after it began), the 8-9 h one at 9.667 h
    # (1.667 h). Both come from scenario 0 in each of two replications (weight 0.375 each).
    fleet, scenarios = _scripted()
    result = evaluate(fleet, scenarios, ["run-through"], replications=2, seed=1, settings=QUIET)
    records = result.outages
    assert records["restored_h"].tolist() == pytest.approx([5 + 2 / 3, 9 + 2 / 3] * 2)
    assert records["grid_end_h"].tolist() == [5.0, 9.0] * 2
    assert records["weight"].tolist() == [0.375] * 4
    curve = result.survival([1.0, 1.5, 1.7, 3.6, 3.7, 10.0])
    tx = curve[curve["site_id"] == "tx"]["probability_restored"].tolist()
    assert tx == pytest.approx([0.0, 0.0, 0.5, 0.5, 1.0, 1.0])
    # Outage hours: 3.667 + 1.667 = 5.333 h in scenario 0, none in scenario 1.
    site = result.runs[result.runs["site_id"] == "tx"].set_index(["scenario", "replication"])
    assert site.loc[(0, 1), "outage_hours"] == pytest.approx(16 / 3)
    assert site.loc[(1, 0), "outage_hours"] == 0.0
    assert result.metrics().set_index("site_id").loc["tx", "outage_hours"] == pytest.approx(4.0)


def test_hashrate_at_risk_and_bands_from_scripted_outages_by_hand() -> None:
    # 0.1 EH/s when up. Scenario 0: hours 2, 3, 4 and 8 dark; hours 5 and 9 run the last third
    # (0.0333 EH/s); the other six at 0.1. Scenario 1: 0.1 EH/s throughout.
    # Floor 0.05 EH/s: scenario 0 has 6 of 12 hours below -> P = 0.75, share = 0.75 x 0.5.
    fleet, scenarios = _scripted()
    result = evaluate(fleet, scenarios, ["run-through"], seed=1, settings=QUIET)
    risk = result.hashrate_at_risk(0.05).loc["run-through"]
    assert risk["probability_below"] == pytest.approx(0.75)
    assert risk["share_hours_below"] == pytest.approx(0.375)
    assert risk["expected_hours_below"] == pytest.approx(4.5)
    assert result.hashrate_at_risk(0.1).loc["run-through", "probability_below"] == pytest.approx(
        0.75
    )
    # Bands: in hour 3 the outcomes are 0 (w 0.75) and 0.1 (w 0.25): P5 = median = 0, P95 = 0.1.
    band = result.hashrate_bands.loc["run-through"]
    hour3 = band.iloc[3]
    assert (hour3["p5_eh_s"], hour3["median_eh_s"], hour3["p95_eh_s"]) == pytest.approx((0, 0, 0.1))
    assert hour3["mean_eh_s"] == pytest.approx(0.025)
    assert band.iloc[0].tolist() == pytest.approx([0.1] * 4)
    assert isinstance(band.index, pd.DatetimeIndex) and len(band) == 12


# ---------------------------------------------------------------------------------- errors


def test_bad_arguments_are_config_errors(demo: tuple[planner.Fleet, ScenarioSet]) -> None:
    fleet, scenarios = demo
    with pytest.raises(ConfigError, match="executor: must be 'local' or 'dask'"):
        evaluate(fleet, scenarios, POLICIES, executor="ray")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="replications: must be >= 1, got 0"):
        evaluate(fleet, scenarios, POLICIES, replications=0)
    with pytest.raises(ConfigError, match="policies: names must be unique"):
        evaluate(fleet, scenarios, ["strike", "strike"])
    with pytest.raises(ConfigError, match="unknown policy 'nope'"):
        evaluate(fleet, scenarios, ["nope"])
    with pytest.raises(ConfigError, match="seed: required"):
        evaluate(fleet, list(scenarios), POLICIES)
    with pytest.raises(ConfigError, match="scenarios: made for sites"):
        evaluate(one_site(), scenarios, POLICIES)
