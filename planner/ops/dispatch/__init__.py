"""``planner dispatch``: a plan's next interval carried out on the miners, and recorded.

Modules: ``targets`` (a mode per miner from the plan), ``luxos`` (LuxOS miners through pyasic),
``apply`` (sheds, ramp-limited restores, read-back, retries, rollback), ``run``
(:func:`dispatch_plan`, the whole dispatch and its record in the run history).
"""

from planner.ops.dispatch.apply import DispatchSettings, MinerOutcome
from planner.ops.dispatch.run import PASSWORD_ENV, DispatchResult, dispatch_plan, read_plan_csv

__all__ = [
    "PASSWORD_ENV",
    "DispatchResult",
    "DispatchSettings",
    "MinerOutcome",
    "dispatch_plan",
    "read_plan_csv",
]
