"""The embedded demo fleet and tiny fleets for tests and documentation."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from planner.domain.fleet import Fleet, fleet_from_dict, load_fleet, parse_fleet, read_catalog


def demo_fleet(*, power_modes: bool = True) -> Fleet:
    """The demo fleet: six North American sites, 545 MW of interconnection.

    West Texas (ERCOT index, air), Rockdale (ERCOT fixed PPA with sell-back, hydro), Georgia
    (hosting), North Dakota (MISO index), Quebec (hydro tariff, immersion), New York (NYISO index).

    Parameters
    ----------
    power_modes
        ``False``: every model at nameplate or not at all (the catalog's models without their
        power modes), on/off alone.
    """
    text = resources.files("planner.domain").joinpath("demo_fleet.toml").read_text(encoding="utf-8")
    fleet = parse_fleet(text, source="demo_fleet.toml")
    if power_modes:
        return fleet
    raw = fleet.model_dump(by_alias=True, exclude={"models", "cooling"})
    return fleet_from_dict({**raw, "models": without_modes(*fleet.models)}, "demo_fleet.toml")


def one_site(
    *,
    model: str = "s19j-pro",
    count: int = 1000,
    contract: dict[str, Any] | None = None,
    cooling: str = "air",
    overhead: float = 1.0,
    four_cp_rate: float | None = None,
    demand_response: list[dict[str, Any]] | None = None,
    power_modes: bool = False,
) -> Fleet:
    """A one-site fleet whose numbers are easy to work by hand.

    The site ``tx`` sits at HB_WEST with 1,000 S19j Pro (2.95 MW IT, 100 PH/s) on an index
    contract with no adder and no overhead unless told otherwise; capacity is twice the IT load.
    Its machines run at nameplate or not at all unless ``power_modes`` keeps the catalog's power
    modes of the model.
    """
    programs: dict[str, Any] = {}
    if four_cp_rate is not None:
        programs["four_cp"] = {"rate_usd_per_kw_year": four_cp_rate}
    if demand_response:
        programs["demand_response"] = demand_response
    site = {
        "id": "tx",
        "name": "Test site",
        "latitude": 31.85,
        "longitude": -102.37,
        "timezone": "America/Chicago",
        "grid": {"iso": "ERCOT", "node": "HB_WEST"},
        "capacity_mw": 2 * count * 3.7e-3 * overhead + 1.0,
        "cooling": cooling,
        "overhead": overhead,
        "contract": contract or {"kind": "index", "adder_usd_per_mwh": 0.0},
        "programs": programs,
        "machines": {model: count},
        "slots": 2 * count,
    }
    raw: dict[str, Any] = {"name": "one site", "sites": [site]}
    if not power_modes:
        raw["models"] = without_modes(model)
    return fleet_from_dict(raw, source="one_site")


def without_modes(*models: str) -> dict[str, Any]:
    """Catalog tables of ``models`` without their power modes: a fleet file's ``[models.*]``
    tables that make them run at nameplate or not at all."""
    catalog = read_catalog()["models"]
    return {m: {k: v for k, v in catalog[m].items() if k != "modes"} for m in models}


def two_sites() -> Fleet:
    """Two ERCOT sites joined by a route both ways: ``tx`` (air, index) and ``hydro`` (PPA)."""
    base = one_site().sites[0].model_dump(by_alias=True)
    hydro = {
        **base,
        "id": "hydro",
        "name": "Hydro site",
        "latitude": 30.65,
        "longitude": -97.0,
        "grid": {"iso": "ERCOT", "node": "HB_NORTH"},
        "cooling": "hydro",
        "machines": {"s21-hyd": 500},
        "capacity_mw": 4.0,
        "slots": 1000,
        "contract": {"kind": "ppa", "price_usd_per_mwh": 30.0, "contracted_mw": 2.5},
    }
    route = {"cost_usd_per_machine": 50.0, "transit_days": 3.0, "max_machines_per_week": 500}
    return fleet_from_dict(
        {
            "name": "two sites",
            "sites": [base, hydro],
            "models": without_modes("s19j-pro"),
            "routes": [
                {"from": "tx", "to": "hydro", **route},
                {"from": "hydro", "to": "tx", **route},
            ],
        },
        source="two_sites",
    )


#: The example Texas fleet shipped with the package (for replays such as Winter Storm Uri).
TEXAS_FLEET_PATH = Path(__file__).with_name("texas_fleet.toml")


def texas_fleet() -> Fleet:
    """The packaged example Texas fleet: three ERCOT sites for historical replays.

    ``permian`` (air-cooled, index pricing at HB_WEST, ERCOT ERS demand response),
    ``dallas-north`` (air-cooled, index at HB_NORTH) and ``rockdale`` (hydro-cooled, fixed-price
    PPA at HB_NORTH with sell-back); 2021-era S19, S19j Pro and S19 XP Hyd. machines, 9.8 EH/s.

    Examples
    --------
    >>> [s.id for s in texas_fleet().sites]
    ['permian', 'dallas-north', 'rockdale']
    """
    return load_fleet(TEXAS_FLEET_PATH)
