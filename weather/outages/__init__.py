"""Grid outage events: the DOE OE-417 history, a per-region outage model, live outage feeds.

OE-417 (``read_oe417``)
    DOE's Electric Emergency Incident and Disturbance reports, one row per *report*: a large storm
    produces many (Winter Storm Uri left about 30 reports in Texas RE in February 2021), so the
    rates below are report rates, an upper bound on the rate of distinct grid emergencies.

    Time zone. The file's times are local clock times and say nothing about the zone. Each row gets
    the zone of the **first U.S. state named** in ``area_affected`` (the reporting utility's home
    state comes first in practice), using the state's dominant zone (Texas -> America/Chicago,
    although El Paso runs on Mountain time; Tennessee and Kentucky likewise take one zone); rows
    naming no state take the zone of their first NERC region (TRE/SPP/MRO -> Chicago,
    SERC/RF/NPCC/FRCC -> New York, WECC -> Los Angeles); rows with neither take America/Chicago.
    The zone used is kept per row in ``local_tz``. On DST days a repeated wall time is read as the
    first (daylight) occurrence and a skipped one as a clock that forgot to spring forward (02:30
    becomes 03:30 daylight time), like Python's ``fold=0``; both are counted (none in the
    2015-2023 file). For a multi-zone event the error is at
    most a few hours, small against the hours-to-days durations this history is used for.

    Dirty rows are kept and repaired only where the file itself says how, and every repair is
    counted in ``events.attrs["oe417_cleaning"]`` and flagged per row in ``end_status``:

    - ``missing``: no restoration time (``Unknown``); ``end`` is ``NaT``;
    - ``excel-serial-date``: the restoration date was exported as an Excel day number
      (``44641`` = 2022-03-21); it is decoded;
    - ``before-start``: restoration earlier than the start (a year typo such as 2018 for 2019);
      ``end`` is set to ``NaT`` rather than guessed;
    - ``zero-duration``: restored the minute it began; kept, but left out of duration fits.

Outage model (``fit_outage_model``)
    Yearly report rates by cause for one region over the observation window, and a lognormal
    duration distribution; see :class:`OutageModel`.

Live feeds (``parse_outage_feed``, ``get_outage_feed``)
    Any JSON list of outages, read through an :class:`OutageFeedMapping` that names the keys.

Modules
    ``regions`` (U.S. states, NERC regions and their time zones), ``causes`` (:data:`CAUSES`),
    ``oe417`` (:func:`read_oe417`), ``model`` (:class:`OutageModel`, :func:`fit_outage_model`),
    ``feeds`` (:class:`OutageFeedMapping`, :func:`parse_outage_feed`, :func:`get_outage_feed`).
"""

from weather.outages.causes import CAUSES
from weather.outages.feeds import OutageFeedMapping, get_outage_feed, parse_outage_feed
from weather.outages.model import OutageModel, fit_outage_model
from weather.outages.oe417 import read_oe417
from weather.outages.regions import NERC_ALIASES as NERC_ALIASES
from weather.outages.regions import STATE_TZ as STATE_TZ

__all__ = [
    "CAUSES",
    "OutageFeedMapping",
    "OutageModel",
    "fit_outage_model",
    "get_outage_feed",
    "parse_outage_feed",
    "read_oe417",
]
