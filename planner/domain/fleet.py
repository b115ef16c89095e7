"""The fleet: miner models, cooling envelopes, sites, routes, and the TOML that describes them.

A site's ``contract`` is one of the contract kinds of :mod:`planner.domain.economics.contracts`,
which live there with the economics they answer for.

Every model is a frozen pydantic v2 model with units in its field names. :func:`load_fleet` reads a
fleet file, merges its ``[models.*]`` and ``[cooling.*]`` tables over the packaged ASIC catalog and
turns every problem into one :class:`~planner.errors.ConfigError` whose lines name the file, the key
path (``sites[2].capacity_mw``) and the allowed values (:func:`planner.settings.config_error`, the
formatter every settings object shares).
"""

from __future__ import annotations

import difflib
import itertools
import tomllib
from collections.abc import Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.domain.economics.contracts import Contract
from planner.domain.inventory import Inventory, inventory_problems
from planner.domain.power_modes import PowerMode, curve_points, hashrate_share, mode_problems
from planner.errors import ConfigError
from planner.settings import TimeZoneName, config_error

CoolingKind = Literal["air", "hydro", "immersion"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MinerModel(_Frozen):
    """One ASIC model's nameplate figures.

    Attributes
    ----------
    name
        Display name (``Antminer S19j Pro``).
    hashrate_th_s
        Nameplate hashrate [TH/s].
    power_w
        Nameplate wall power [W].
    cooling
        The facility kinds the unit is built for.
    annual_failure_rate
        Share of units failing in a year of continuous running [1/yr].
    cold_start_minutes
        Time from power-on to full hashrate [min].
    modes
        Power modes below the nameplate that the firmware offers, each with its source
        (:mod:`planner.domain.power_modes`); none: the model runs at nameplate or not at all.
    """

    name: str = Field(min_length=1)
    maker: str = ""
    hashrate_th_s: float = Field(gt=0, le=2000)
    power_w: float = Field(gt=0, le=20_000)
    cooling: tuple[CoolingKind, ...] = Field(min_length=1)
    annual_failure_rate: float = Field(ge=0, le=1)
    cold_start_minutes: float = Field(ge=0, le=240)
    modes: tuple[PowerMode, ...] = ()

    @model_validator(mode="after")
    def _modes_fit_nameplate(self) -> MinerModel:
        problems = mode_problems(self.modes, self.power_w, self.hashrate_th_s)
        if problems:
            raise ValueError("modes: " + "; ".join(problems))
        return self

    @property
    def efficiency_j_per_th(self) -> float:
        """Energy per unit of work at nameplate [J/TH] (= W per TH/s)."""
        return self.power_w / self.hashrate_th_s

    @cached_property
    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The efficiency table as shares of the nameplate: ``(power share, hashrate share)``,
        from off ``(0, 0)`` through the hashing modes to the nameplate ``(1, 1)`` [-]."""
        power, hashrate = curve_points(self.modes, self.power_w, self.hashrate_th_s)
        return power / self.power_w, hashrate / self.hashrate_th_s

    @property
    def curve_names(self) -> tuple[str, ...]:
        """Names of the rows of :attr:`curve`: ``off``, the hashing modes, ``nameplate``."""
        hashing = sorted((m for m in self.modes if m.hashes), key=lambda m: m.power_w)
        return ("off", *(m.name for m in hashing), "nameplate")

    def hashrate_share(self, load_share: np.ndarray | float) -> np.ndarray:
        """Share of nameplate hashrate at a share of nameplate power, the table interpolated [-].

        Parameters
        ----------
        load_share
            Load of the machines available as a share of their nameplate power, any shape [-].
        """
        return hashrate_share(load_share, *self.curve)

    def efficiency_j_per_th_at(self, power_w: np.ndarray | float) -> np.ndarray:
        """Energy per unit of work of one machine at a power target, the table interpolated
        [J/TH]; ``nan`` at 0 W."""
        share = np.asarray(power_w, dtype=float) / self.power_w
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                share > 0, share / self.hashrate_share(share) * self.efficiency_j_per_th, np.nan
            )


class CoolingEnvelope(_Frozen):
    """How a facility of one cooling kind turns ambient temperature into usable hashrate.

    Attributes
    ----------
    derate_curve
        Points ``(ambient [degC], fraction of nameplate [-])``, ambient increasing; flat outside.
    trip_ambient_c
        Above this ambient every machine stops [degC].
    min_start_ambient_c
        Below this ambient idle machines cannot be restarted [degC].
    freeze_risk
        Whether water in the loops can freeze when the site is idle below 0 degC.
    freeze_protection_hours
        Idle hours below 0 degC the protection (glycol, heat trace) lasts [h].
    freeze_damage_share
        Share of machines damaged once protection runs out [-].
    freeze_repair_days
        Time to bring freeze-damaged machines back [d].
    freeze_repair_usd_per_machine
        What repairing one freeze-damaged machine costs [USD].
    """

    derate_curve: tuple[tuple[float, float], ...] = Field(min_length=1)
    trip_ambient_c: float = Field(ge=20, le=80)
    min_start_ambient_c: float = Field(ge=-60, le=20)
    freeze_risk: bool = False
    freeze_protection_hours: float = Field(default=0.0, ge=0)
    freeze_damage_share: float = Field(default=0.0, ge=0, le=1)
    freeze_repair_days: float = Field(default=0.0, ge=0)
    freeze_repair_usd_per_machine: float = Field(default=0.0, ge=0)

    @field_validator("derate_curve")
    @classmethod
    def _curve_is_increasing_fractions(
        cls, curve: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        temps = [t for t, _ in curve]
        if any(b <= a for a, b in itertools.pairwise(temps)):
            raise ValueError(f"ambient points must increase, got {temps}")
        if any(not 0 <= f <= 1 for _, f in curve):
            raise ValueError("fractions must be in [0, 1]")
        return curve

    def derate(self, ambient_c: np.ndarray | float) -> np.ndarray:
        """Fraction of nameplate hashrate available at an ambient temperature [-].

        Parameters
        ----------
        ambient_c
            Ambient air temperature [degC], any shape.
        """
        temps, fractions = zip(*self.derate_curve, strict=True)
        ambient = np.asarray(ambient_c, dtype=float)
        fraction = np.interp(ambient, temps, fractions)
        return np.where(ambient > self.trip_ambient_c, 0.0, fraction)


class Grid(_Frozen):
    """Where a site buys power: the market operator and the price node.

    Attributes
    ----------
    iso
        Market or utility (``ERCOT``, ``MISO``, ``NYISO``, ``HQ``...).
    node
        Price node or hub whose real-time price the site sees (``HB_WEST``).
    """

    iso: str = Field(min_length=1)
    node: str = Field(min_length=1)


class FourCP(_Frozen):
    """ERCOT-style 4CP transmission charge on load in the June-September monthly peak intervals."""

    rate_usd_per_kw_year: float = Field(gt=0, le=500)


class DemandResponse(_Frozen):
    """A demand-response commitment: paid to stand ready, penalised for shortfall when called."""

    name: str = Field(min_length=1)
    committed_mw: float = Field(gt=0)
    payment_usd_per_mw_h: float = Field(ge=0)
    penalty_usd_per_mwh: float = Field(ge=0)
    notice_minutes: float = Field(default=10.0, ge=0)


class Programs(_Frozen):
    """Grid programs a site is enrolled in."""

    four_cp: FourCP | None = None
    demand_response: tuple[DemandResponse, ...] = ()


class Site(_Frozen):
    """One mining facility.

    Attributes
    ----------
    id
        Short identifier used in frames and routes (``west-texas``).
    latitude, longitude
        Location [deg].
    timezone
        IANA time zone (``America/Chicago``).
    capacity_mw
        Interconnection / substation limit on facility draw [MW].
    overhead
        Facility power over IT power (PUE) [-].
    machines
        Installed machines by catalog model id.
    slots
        Machine positions available (installed plus free) [-].
    repair_crews
        Technicians working repairs in parallel [-].
    restart_minutes
        Time to bring the site back after a grid outage, before machines cold-start [min].
    outage_exposure
        Multiplier on the regional grid outage hazard (1 = typical) [-].
    region
        NERC region the site's grid belongs to (``TRE``, ``MRO``, ``NPCC``, ``SERC``...).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    timezone: TimeZoneName
    region: str = ""
    grid: Grid
    capacity_mw: float = Field(gt=0, le=5000)
    cooling: CoolingKind
    overhead: float = Field(default=1.05, ge=1.0, le=2.0)
    contract: Contract
    programs: Programs = Programs()
    machines: dict[str, Annotated[int, Field(ge=0)]]
    slots: int = Field(ge=0)
    repair_crews: int = Field(default=2, ge=0)
    restart_minutes: float = Field(default=30.0, ge=0)
    outage_exposure: float = Field(default=1.0, ge=0, le=20)

    @model_validator(mode="after")
    def _contract_fits_site(self) -> Site:
        problem = self.contract.capacity_problem(self.capacity_mw)
        if problem is not None:
            raise ValueError(problem)
        committed = sum(dr.committed_mw for dr in self.programs.demand_response)
        if committed > self.capacity_mw:
            raise ValueError(
                f"programs.demand_response: committed MW must total <= capacity_mw "
                f"({self.capacity_mw:g}), got {committed:g}"
            )
        return self


class Route(_Frozen):
    """A way to move machines between two sites.

    Attributes
    ----------
    from_site, to_site
        Site ids (``from`` and ``to`` in TOML).
    cost_usd_per_machine
        Decommission, freight, insurance and install [USD per machine].
    transit_days
        Days out of service between leaving and hashing again [d].
    max_machines_per_week
        Throughput limit of crews and trucks [machines/week].
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_site: str = Field(alias="from")
    to_site: str = Field(alias="to")
    cost_usd_per_machine: float = Field(ge=0)
    transit_days: float = Field(gt=0, le=365)
    max_machines_per_week: int = Field(gt=0)


class Market(_Frozen):
    """Revenue assumptions of the company.

    Attributes
    ----------
    fee_share
        Transaction fees' share of the total block reward [-].
    pool_fee
        Fraction of mining revenue the pool keeps [-].
    """

    fee_share: float = Field(default=0.02, ge=0, lt=1)
    pool_fee: float = Field(default=0.02, ge=0, lt=1)


class Fleet(_Frozen):
    """Sites, routes, the catalog they refer to and, optionally, the inventory of miners that
    ``planner dispatch`` acts on (:mod:`planner.domain.inventory`).

    Cross-field checks: unique site ids; every installed model is in the catalog and suits the
    site's cooling; machines fit the slots; installed power x overhead fits the site capacity;
    routes join two different existing sites; at least one site has a machine.
    """

    name: str = "fleet"
    market: Market = Market()
    sites: tuple[Site, ...] = Field(min_length=1)
    routes: tuple[Route, ...] = ()
    models: dict[str, MinerModel]
    cooling: dict[CoolingKind, CoolingEnvelope]
    inventory: Inventory | None = None

    @model_validator(mode="after")
    def _cross_checks(self) -> Fleet:
        problems = _site_problems(self) + _route_problems(self)
        if self.inventory is not None:
            machines = {s.id: dict(s.machines) for s in self.sites}
            problems += inventory_problems(self.inventory, machines)
        if not problems and not any(n > 0 for s in self.sites for n in s.machines.values()):
            problems.append(
                "sites[*].machines: no site has any machine; install at least one "
                "(a site with none is a spare site, a relocation target)"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @cached_property
    def site_ids(self) -> tuple[str, ...]:
        """Site ids in file order."""
        return tuple(s.id for s in self.sites)

    def site(self, site_id: str) -> Site:
        """The site with this id; :class:`ConfigError` naming the known ids otherwise."""
        for s in self.sites:
            if s.id == site_id:
                return s
        raise ConfigError("fleet", f"unknown site {site_id!r}; known: {', '.join(self.site_ids)}")

    def installed_power_mw(self, site: Site) -> float:
        """IT power of the machines installed at ``site`` at nameplate [MW]."""
        return sum(self.models[m].power_w * n for m, n in site.machines.items()) / 1e6

    def installed_hashrate_th_s(self, site: Site) -> float:
        """Nameplate hashrate installed at ``site`` [TH/s]."""
        return sum(self.models[m].hashrate_th_s * n for m, n in site.machines.items())


def _site_problems(fleet: Fleet) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for i, site in enumerate(fleet.sites):
        where = f"sites[{i}]"
        if site.id in seen:
            problems.append(f"{where}.id: duplicate site id {site.id!r}")
        seen.add(site.id)
        if site.cooling not in fleet.cooling:
            problems.append(
                f"{where}.cooling: no [cooling.{site.cooling}] envelope; "
                f"known: {', '.join(fleet.cooling)}"
            )
        unknown = False
        for model_id in site.machines:
            if model_id not in fleet.models:
                unknown = True
                hint = difflib.get_close_matches(model_id, fleet.models, n=1, cutoff=0.5)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.append(
                    f"{where}.machines.{model_id}: unknown miner model {model_id!r}{suggestion} "
                    f"(catalog: {', '.join(sorted(fleet.models))})"
                )
            elif site.cooling not in fleet.models[model_id].cooling:
                suits = ", ".join(fleet.models[model_id].cooling)
                problems.append(
                    f"{where}.machines.{model_id}: a {suits}-cooled model cannot run at a "
                    f"{site.cooling}-cooled site"
                )
        if unknown:
            continue
        count = sum(site.machines.values())
        if count > site.slots:
            problems.append(
                f"{where}.slots: {count} machines installed, must be <= slots {site.slots}"
            )
        draw_mw = fleet.installed_power_mw(site) * site.overhead
        if draw_mw > site.capacity_mw + 1e-9:
            problems.append(
                f"{where}.capacity_mw: installed power x overhead is {draw_mw:.1f} MW, "
                f"must be <= capacity_mw {site.capacity_mw:g}"
            )
    return problems


def _route_problems(fleet: Fleet) -> list[str]:
    problems: list[str] = []
    ids = set(fleet.site_ids)
    for i, route in enumerate(fleet.routes):
        for key, site_id in (("from", route.from_site), ("to", route.to_site)):
            if site_id not in ids:
                problems.append(
                    f"routes[{i}].{key}: unknown site {site_id!r}; "
                    f"known: {', '.join(fleet.site_ids)}"
                )
        if route.from_site == route.to_site:
            problems.append(f"routes[{i}]: from and to are the same site {route.from_site!r}")
    return problems


# --------------------------------------------------------------------------------------- loading


def read_catalog() -> dict[str, Any]:
    """The packaged ASIC catalog as raw TOML tables (``models`` and ``cooling``)."""
    text = resources.files("planner.domain").joinpath("catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_fleet(path: str | Path) -> Fleet:
    """Read a fleet TOML file.

    The file's ``[models.*]`` and ``[cooling.*]`` tables add to (or override) the packaged catalog.

    Parameters
    ----------
    path
        The fleet file.

    Returns
    -------
    Fleet

    Raises
    ------
    ConfigError
        Unreadable file, TOML syntax error (with line and column), or invalid content; each problem
        names its key path and the allowed values.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read fleet file: {exc.strerror or exc}") from None
    return parse_fleet(text, source=str(path))


def parse_fleet(text: str, source: str = "fleet.toml") -> Fleet:
    """Parse fleet TOML text (an upload, a string), as :func:`load_fleet` reads a file.

    Parameters
    ----------
    text
        The TOML text.
    source
        What the text is, named in error messages (a file name).

    Returns
    -------
    Fleet

    Raises
    ------
    ConfigError
        TOML syntax, or invalid content; one line naming each key path.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, f"TOML syntax error: {exc}") from None
    return fleet_from_dict(raw, source)


def fleet_from_dict(raw: Mapping[str, Any], source: str = "fleet") -> Fleet:
    """Build a :class:`Fleet` from plain data (parsed TOML), merged over the packaged catalog.

    Types are strict (pydantic strict mode): ``capacity_mw = "100"`` or ``slots = 10.5`` is an
    error, not a conversion; a whole number where a number is expected is fine, and arrays stand
    for tuples.
    """
    catalog = read_catalog()
    data = dict(raw)
    for key in ("models", "cooling"):
        extra = raw.get(key, {})
        data[key] = {**catalog[key], **extra} if isinstance(extra, Mapping) else extra
    try:
        return Fleet.model_validate(_arrays_as_tuples(data), strict=True)
    except ValidationError as exc:
        raise config_error(source, exc, Fleet) from None


def _arrays_as_tuples(value: Any) -> Any:
    """TOML arrays as tuples, which strict mode asks for where the models hold tuples."""
    if isinstance(value, list | tuple):
        return tuple(_arrays_as_tuples(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _arrays_as_tuples(v) for k, v in value.items()}
    return value
