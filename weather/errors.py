"""The root of the planner's error tree and the feed error.

They live here, in the lower layer, because ``weather`` must never import ``planner``;
``planner.errors`` re-exports both, so users only ever need ``planner.PlannerError`` and
``planner.FeedError``.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every error the planner raises on purpose."""


class FeedError(PlannerError):
    """A feed could not be fetched, read or validated.

    Parameters
    ----------
    feed
        The feed, file or provider that failed (``open-meteo forecast``, ``prices.csv``...).
    reason
        One sentence: what is wrong and, where it helps, the allowed values.
    """

    def __init__(self, feed: str, reason: str) -> None:
        self.feed = feed
        self.reason = reason
        super().__init__(f"{feed}: {reason}")

    def __reduce__(self) -> tuple[type[FeedError], tuple[str, str]]:
        """Pickle by the constructor's own arguments (process pools carry errors back)."""
        return type(self), (self.feed, self.reason)
