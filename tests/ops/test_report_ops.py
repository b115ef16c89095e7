"""The report's action schedule and concentration sections, from hand-made inputs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from test_actions import plan as hand_plan

from planner.domain.examples import two_sites
from planner.engine.concentration import concentration_risk
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization.plan import RELOCATION_COLUMNS
from planner.ops.actions import action_schedule
from planner.ops.report.sections_ops import actions_section, concentration_section


def inputs(**given: object) -> SimpleNamespace:
    """The fields the two sections read (a whole ReportInputs needs ledgers and KPIs)."""
    return SimpleNamespace(
        **{"actions": None, "action_files": None, "concentration": None, **given}
    )


def test_the_action_section_lists_every_action_and_links_the_files() -> None:
    actions = action_schedule(hand_plan())
    html = actions_section(
        inputs(  # type: ignore[arg-type]
            actions=actions, action_files={"CSV": "actions.csv", "iCalendar": "actions.ics"}
        )
    )
    assert '<a href="actions.csv" download>CSV</a>' in html
    assert '<a href="actions.ics" download>iCalendar</a>' in html
    assert html.count("<tr>") == 1 + len(actions) == 6  # the header and five actions
    assert "2025-01-14T01:00-06:00 to 2025-01-14T03:00-06:00" in html  # curtail, site time
    assert "4CP peak chance up to 75%" in html
    # The market clock is named in each time's tooltip (MISO: EST all year).
    assert 'title="MISO Etc/GMT+5"' in html


def test_without_a_plan_each_section_says_why_in_one_line() -> None:
    assert actions_section(inputs()) == (  # type: ignore[arg-type]
        '<p class="empty">No optimizer plan in this run, so there is no action schedule.</p>'
    )
    assert "no concentration risk" in concentration_section(inputs())  # type: ignore[arg-type]


def test_the_concentration_section_states_both_chances() -> None:
    # two_sites(): tx 100 PH/s (37 %), hydro 167.5 PH/s (63 %). Two equally likely runs: tx
    # alone down in the first, nothing in the second: 50 % before. Shipping 800 of tx's 1,000
    # machines leaves it 20 PH/s (7 %), under 30 %: 0 % after.
    outages = pd.DataFrame(
        {
            "policy": ["p"],
            "scenario": [0],
            "replication": [0],
            "site_id": ["tx"],
            "start_h": [1.0],
            "grid_end_h": [2.0],
            "restored_h": [3.0],
            "weight": [1.0],
        }
    )
    runs = pd.DataFrame({"scenario": [0, 1], "replication": [0, 0], "weight": [0.5, 0.5]})
    judged = Evaluation(
        policies=("p",),
        site_ids=("tx", "hydro"),
        times=pd.date_range("2025-01-14", periods=4, freq="h", tz="UTC"),
        runs=pd.DataFrame(),
        run_index=runs,
        fleet_hashrate_th_s=np.zeros((1, 2, 4), dtype=np.float32),
        hashrate_bands=pd.DataFrame(),
        outages=outages,
        weights=pd.Series([0.5, 0.5]),
        replications=1,
        seed=0,
    )
    move = pd.DataFrame(
        [("tx->hydro", "tx", "hydro", "s19j-pro", 800, 0.0, 0.0, 72.0)],
        columns=list(RELOCATION_COLUMNS),
    )
    c = concentration_risk(two_sites(), judged, move)
    html = concentration_section(inputs(concentration=c))  # type: ignore[arg-type]
    assert (
        "Chance that one event takes down 30% or more of the fleet's hashrate at once: "
        "<strong>50.0%</strong> as the fleet stands; after the plan&#x27;s relocations 0.0%."
    ) in html
    # The worst moment: tx down alone, 100/267.5 = 37.4 % now, 20/267.5 = 7.5 % after.
    assert "in any judged run: 37.4% as the fleet stands, 7.5% after the plan." in html
    assert 'id="region-table"' in html and 'id="zone-table"' in html
    assert "From the 2 judged Monte Carlo runs" in html
