"""LuxOS miners through pyasic: read power and hashrate, sleep, wake and set a profile.

pyasic's ``LUXMinerRPCAPI`` speaks LuxOS's JSON API on TCP port 4028 (``{"command": ...,
"parameter": ...}``, one request per connection) and handles its session for privileged
commands. A mode is set with ``curtail`` (``sleep`` / ``wakeup``) and ``profileset`` with the
profile chosen by power (the ``<watts>W`` selector of LuxOS's ``profileset``); the state is read
back with ``power`` (``POWER[0].Watts``) and ``summary`` (``SUMMARY[0]["GHS 5s"]``). pyasic is an
optional dependency (the ``dispatch`` extra), imported when a client is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.errors import PlannerError


class MinerError(PlannerError):
    """A miner refused a command or answered with something that is not a reading."""


@dataclass(frozen=True)
class Reading:
    """What a miner reports.

    Attributes
    ----------
    power_w
        Wall power [W].
    hashrate_th_s
        Hashrate over the last seconds [TH/s].
    """

    power_w: float
    hashrate_th_s: float


def _rpc(ip: str, port: int, password: str | None) -> Any:
    try:
        from pyasic.rpc.luxminer import LUXMinerRPCAPI
    except ImportError:  # pragma: no cover - depends on the install
        raise PlannerError(
            "dispatch needs pyasic: pip install 'mining-fleet-planner[dispatch]'"
        ) from None
    rpc = LUXMinerRPCAPI(ip, port=port)
    rpc.pwd = password
    return rpc


class LuxOSClient:
    """One LuxOS miner.

    Parameters
    ----------
    ip, port
        Its API address.
    password
        The API password, from the environment (never from the fleet file); ``None`` if unset.
    """

    def __init__(self, ip: str, port: int, password: str | None = None) -> None:
        self.rpc = _rpc(ip, port, password)

    async def read(self) -> Reading:
        """Power and hashrate now; :class:`MinerError` if the answer is not a reading."""
        power = await self._call("power")
        summary = await self._call("summary")
        try:
            watts = float(power["POWER"][0]["Watts"])
            gh_s = float(summary["SUMMARY"][0]["GHS 5s"])
        except (LookupError, TypeError, ValueError):
            raise MinerError("answered without a power or hashrate reading") from None
        return Reading(watts, gh_s / 1000.0)

    async def set_mode(self, power_w: float, asleep: bool) -> None:
        """Sleep (``power_w`` 0) or run at the profile nearest ``power_w``, then wake it.

        Raises
        ------
        MinerError
            The miner refused (its status message).
        """
        if power_w <= 0:
            await self._call("sleep")
            return
        # The profile first, then the wake-up: a sleeping miner wakes straight into its target
        # and never draws more on the way (the ramp limit counts on it).
        await self._call("profileset", f"{round(power_w)}W")
        if asleep:
            await self._call("wakeup")

    async def _call(self, name: str, *args: str) -> dict[str, Any]:
        from pyasic.errors import APIError

        try:
            answer: dict[str, Any] = await getattr(self.rpc, name)(*args)
        except APIError as exc:
            raise MinerError(f"refused {name}: {exc}") from None
        return answer
