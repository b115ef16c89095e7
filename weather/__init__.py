"""Everything the planner knows about the outside world, normalised to canonical frames.

Weather forecasts and archives, severe-weather alerts, grid prices and load, outage events, the
climate a grid is built for and the stress weather puts on it, and a seeded synthetic generator
for offline use whose random numbers, like the scenarios', are tied to the calendar
(:mod:`weather.draws`). Provider field names never leave this package; every parser ends in
:func:`weather.schema.validate`.
"""

from weather.errors import FeedError, PlannerError

__all__ = ["FeedError", "PlannerError"]
