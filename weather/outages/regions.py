"""U.S. states and NERC regions as OE-417 spells them: canonical names, codes, time zones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

_STATES_BY_ZONE: dict[str, tuple[str, ...]] = {
    "America/New_York": (
        "Connecticut", "Delaware", "District of Columbia", "Florida", "Georgia", "Kentucky",
        "Maine", "Maryland", "Massachusetts", "New Hampshire", "New Jersey", "New York",
        "North Carolina", "Ohio", "Pennsylvania", "Rhode Island", "South Carolina", "Vermont",
        "Virginia", "West Virginia",
    ),
    "America/Chicago": (
        "Alabama", "Arkansas", "Illinois", "Iowa", "Kansas", "Louisiana", "Minnesota",
        "Mississippi", "Missouri", "Nebraska", "North Dakota", "Oklahoma", "South Dakota",
        "Tennessee", "Texas", "Wisconsin",
    ),
    "America/Denver": ("Colorado", "Idaho", "Montana", "New Mexico", "Utah", "Wyoming"),
    "America/Los_Angeles": ("California", "Nevada", "Oregon", "Washington"),
    "America/Phoenix": ("Arizona",),
    "America/Indiana/Indianapolis": ("Indiana",),
    "America/Detroit": ("Michigan",),
    "America/Anchorage": ("Alaska",),
    "Pacific/Honolulu": ("Hawaii",),
    "America/Puerto_Rico": ("Puerto Rico",),
}  # fmt: skip

#: Dominant IANA zone of each state named in OE-417 ``area_affected``.
STATE_TZ: Mapping[str, str] = MappingProxyType(
    {state: zone for zone, states in _STATES_BY_ZONE.items() for state in states}
)

#: NERC region spellings in OE-417 -> code. ``RE`` appears once, on a Texas row (Texas RE).
NERC_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "TRE": "TRE",
        "TEXAS RE": "TRE",
        "ERCOT": "TRE",
        "RE": "TRE",
        "RF": "RF",
        "RFC": "RF",
        "SERC": "SERC",
        "WECC": "WECC",
        "MRO": "MRO",
        "NPCC": "NPCC",
        "FRCC": "FRCC",
        "SPP": "SPP",
        "SPP RE": "SPP",
        "PR": "PR",
    }
)

#: Time zone a report that names no state takes from its first NERC region.
NERC_TZ: Mapping[str, str] = MappingProxyType(
    {
        "TRE": "America/Chicago",
        "SPP": "America/Chicago",
        "MRO": "America/Chicago",
        "SERC": "America/New_York",
        "RF": "America/New_York",
        "NPCC": "America/New_York",
        "FRCC": "America/New_York",
        "WECC": "America/Los_Angeles",
        "PR": "America/Puerto_Rico",
    }
)
#: Time zone of reports that name neither a state nor a known NERC region.
FALLBACK_TZ = "America/Chicago"
_STATES = {name.lower(): name for name in STATE_TZ}
_STATE_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _STATES), key=len, reverse=True)) + r")\b",
    flags=re.IGNORECASE,
)


def canonical_state(name: str) -> str | None:
    """The canonical spelling of a U.S. state name given in any case, ``None`` if it is none.

    ``" texas"`` gives ``Texas``; ``"ERCOT"`` gives ``None``.
    """
    return _STATES.get(name.strip().lower())


def states_named(area: str) -> list[str]:
    """State names in an ``area_affected`` string, in order of first mention, canonical case."""
    return list(dict.fromkeys(_STATES[m.lower()] for m in _STATE_RE.findall(area)))


def nerc_codes(value: str) -> list[str]:
    """``'SPP, SERC, TRE'`` -> ``['SPP', 'SERC', 'TRE']``; ``'SPP RE'`` -> ``['SPP']``."""
    value = value.strip().upper()
    if value in NERC_ALIASES:
        return [NERC_ALIASES[value]]
    codes: list[str] = []
    for token in re.split(r"\s*[/,]\s*", value):
        token = token.strip()
        if not token:
            continue
        code = NERC_ALIASES.get(token, token)
        if code not in codes:
            codes.append(code)
    return codes
