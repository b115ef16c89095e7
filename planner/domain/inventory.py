"""The inventory: which miners answer at which address, with which firmware, and the ramp limit.

The fleet file's optional ``[inventory]`` table is what ``planner dispatch`` acts on::

    [inventory]
    ramp_mw_per_min = 5.0          # most load that restores may add per minute, per dispatch
    [[inventory.miners]]
    site = "west-texas"
    model = "s19j-pro"
    firmware = "luxos"
    hosts = ["10.1.0.11", "10.1.0.12:4028"]

Credentials never live in the file: a key such as ``password`` is an error; the dispatcher reads
them from the environment (``PLANNER_MINER_PASSWORD``).
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Firmware kinds the dispatcher can drive.
Firmware = Literal["luxos"]

#: The RPC port miners answer on unless a host says otherwise.
DEFAULT_RPC_PORT = 4028


class MinerGroup(BaseModel):
    """Miners of one model at one site, running one firmware.

    Attributes
    ----------
    site
        Site id.
    model
        Catalog model id (installed at the site).
    firmware
        Firmware kind (``luxos``).
    hosts
        Addresses, ``ip`` or ``ip:port`` (port 4028 unless given), unique in the inventory.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: str = Field(min_length=1)
    model: str = Field(min_length=1)
    firmware: Firmware
    hosts: tuple[str, ...] = Field(min_length=1)

    @field_validator("hosts")
    @classmethod
    def _hosts_are_addresses(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        bad = [h for h in hosts if host_port(h) is None]
        if bad:
            raise ValueError(
                f"hosts must be IP addresses, optionally with :port (1..65535), got {bad}"
            )
        return hosts


class Inventory(BaseModel):
    """The miners the dispatcher acts on, and how fast it may add load.

    Attributes
    ----------
    ramp_mw_per_min
        Most IT load restores may add per minute [MW/min]; sheds are immediate.
    miners
        Groups of miners.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ramp_mw_per_min: float = Field(gt=0, le=10_000)
    miners: tuple[MinerGroup, ...] = Field(min_length=1)


def host_port(host: str) -> tuple[str, int] | None:
    """``(ip, port)`` of an inventory address; ``None`` if it is not one."""
    ip, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return None
    if not port:
        return ip, DEFAULT_RPC_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return ip, int(port)


def inventory_problems(inventory: Inventory, machines: dict[str, dict[str, int]]) -> list[str]:
    """Cross-checks against the sites: each group's site and model exist and the model is
    installed there, at most as many hosts as machines, no host listed twice.

    Parameters
    ----------
    inventory
        The inventory.
    machines
        Installed machines per site id and model id.
    """
    problems: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    for g, group in enumerate(inventory.miners):
        where = f"inventory.miners[{g}]"
        if group.site not in machines:
            problems.append(
                f"{where}.site: unknown site {group.site!r}; known: {', '.join(machines)}"
            )
            continue
        installed = machines[group.site].get(group.model, 0)
        if installed == 0:
            problems.append(
                f"{where}.model: no {group.model!r} installed at {group.site!r}; installed: "
                f"{', '.join(m for m, n in machines[group.site].items() if n > 0)}"
            )
        elif len(group.hosts) > installed:
            problems.append(
                f"{where}.hosts: {len(group.hosts)} hosts for {installed} installed "
                f"{group.model!r} at {group.site!r}; must be <= {installed}"
            )
        for host in group.hosts:
            key = host_port(host)
            assert key is not None  # checked by the model
            if key in seen:
                problems.append(f"{where}.hosts: {host} is listed twice (also in {seen[key]})")
            seen[key] = where
    return problems
