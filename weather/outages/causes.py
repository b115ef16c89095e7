"""The normalised cause of an OE-417 report, from its event type, month and alert criteria."""

from __future__ import annotations

import re

#: Normalised causes, from OE-417 ``event_type`` (and season for plain "Severe Weather").
CAUSES: tuple[str, ...] = (
    "weather-winter",
    "weather-summer",
    "weather-other",
    "fuel-supply",
    "system-operations",
    "physical-attack",
    "vandalism",
    "suspicious-activity",
    "cyber",
    "other",
)

_ADEQUACY_WORDS = ("public appeal", "load shed", "voltage reduction", "generation inadequacy")


def normalised_cause(event_type: str, month: int, alert: str) -> str:
    """Normalised cause of one OE-417 report, one of :data:`CAUSES`.

    Parameters
    ----------
    event_type
        The report's ``event_type`` as filed (typos such as ``Sever Weather`` are read).
    month
        Month the event began, local time [1..12]; plain "Severe Weather" in December to
        February is a winter event.
    alert
        The report's ``alert_criteria``, lower case; plain "Severe Weather" from June to September
        that led to a public appeal, load shed, voltage reduction or inadequacy is a summer event.

    Returns
    -------
    str
        ``"Severe Weather - Winter Storm"`` gives ``weather-winter``; ``"Vandalism"``
        ``vandalism``; anything unrecognised ``other``.
    """
    kind = re.sub(r"\s+", " ", event_type.lower().lstrip("- ").strip())
    kind = kind.replace("transmisison", "transmission").replace("sever weather", "severe weather")
    if "cyber" in kind:
        return "cyber"
    if "fuel supply" in kind:
        return "fuel-supply"
    if "weather" in kind or "natural disaster" in kind:
        if any(w in kind for w in ("winter", "ice", "snow", "cold")):
            return "weather-winter"
        if any(w in kind for w in ("heat", "summer")):
            return "weather-summer"
        if any(w in kind for w in ("wind", "thunderstorm", "hurricane", "tornado", "flood")):
            return "weather-other"
        if month in (12, 1, 2):
            return "weather-winter"
        if month in (6, 7, 8, 9) and any(w in alert for w in _ADEQUACY_WORDS):
            return "weather-summer"
        return "weather-other"
    if any(w in kind for w in ("physical attack", "physical event", "sabotage")):
        return "physical-attack"
    if "vandalism" in kind:
        return "vandalism"
    if "suspicious" in kind:
        return "suspicious-activity"
    if any(
        w in kind
        for w in (
            "system operations",
            "transmission",
            "distribution",
            "islanding",
            "generation inadequacy",
            "public appeal",
            "failure",
        )
    ):
        return "system-operations"
    return "other"
