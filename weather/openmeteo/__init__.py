"""Open-Meteo forecasts, archives (reanalysis) and ensembles, as canonical ``weather`` frames.

One request serves every site: Open-Meteo takes comma-separated ``latitude``/``longitude`` lists
and answers with a JSON list, one object per location, in the order asked (a single object for a
single location).

Time
    Requests ask for ``timezone=GMT``, so labels are UTC. Payloads asked in a local time zone are
    also read correctly: Open-Meteo shifts *every* label by the one ``utc_offset_seconds`` valid
    when the request was made (it applies no daylight-saving switch inside a response), so
    ``utc = label - utc_offset_seconds``. Converting with the zone's rules instead
    (``tz_localize("America/Chicago")``) would be wrong across a DST change.
Interval start
    Open-Meteo labels an hour by its *end* for aggregated variables (``precipitation`` and
    ``snowfall``: sum of the preceding hour; ``wind_gusts_10m``: maximum of the preceding hour) and
    gives instantaneous values at the label (``temperature_2m``, ``relative_humidity_2m``,
    ``wind_speed_10m``). The canonical row ``t`` is the interval ``[t, t + 1 h)``: it holds the
    instantaneous values at ``t`` and the aggregates labelled ``t + 1 h``. So the aggregates of the
    last row are NaN (that hour was not asked for) and the aggregates labelled at the first time,
    which describe the hour before the window, are dropped.
Units
    Requests ask for ``wind_speed_unit=ms``. Parsers read ``hourly_units`` and convert the units
    Open-Meteo can send (``km/h``, ``mph``, ``kn``, ``°F``, ``inch``) to the canonical ones; any
    other unit is a :class:`~weather.errors.FeedError`. Snowfall comes in cm already.
API key
    If ``OPEN_METEO_API_KEY`` is set, requests carry it as ``apikey`` and go to the commercial
    ``customer-*`` hosts (unless a base URL is given). The key never reaches logs, errors or
    cache keys (see :mod:`weather.http`).

Modules
    ``variables`` (:data:`VARIABLES`, their Open-Meteo names and labelling), ``request`` (the one
    query every getter sends, the API key, :class:`Point`), ``getters`` (:func:`get_forecast`,
    :func:`get_archive`, :func:`get_ensemble`), ``parsers`` (:func:`parse_forecast`,
    :func:`parse_archive`, :func:`parse_ensemble`).
"""

from weather.openmeteo.getters import ARCHIVE_SETTLE_DAYS, get_archive, get_ensemble, get_forecast
from weather.openmeteo.parsers import parse_archive, parse_ensemble, parse_forecast
from weather.openmeteo.request import (
    API_KEY_ENV,
    ARCHIVE_URL,
    ENSEMBLE_URL,
    FORECAST_URL,
    Point,
    SiteLike,
)
from weather.openmeteo.variables import VARIABLES

__all__ = [
    "API_KEY_ENV",
    "ARCHIVE_SETTLE_DAYS",
    "ARCHIVE_URL",
    "ENSEMBLE_URL",
    "FORECAST_URL",
    "VARIABLES",
    "Point",
    "SiteLike",
    "get_archive",
    "get_ensemble",
    "get_forecast",
    "parse_archive",
    "parse_ensemble",
    "parse_forecast",
]
