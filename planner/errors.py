"""The planner's error tree.

::

    PlannerError                  every error raised on purpose (defined in weather.errors)
    ├── ConfigError               a fleet file, setting or argument is invalid
    ├── FeedError                 a feed could not be fetched, read or validated (weather.errors)
    ├── SolveError                the optimizer found no usable solution
    └── JobError                  a scheduled job could not run (lock held, store unusable...)

``PlannerError`` and ``FeedError`` are defined in :mod:`weather.errors` because ``weather`` must not
import ``planner``; they are the same classes here. Every message is one line that names the file,
key path or feed and, where it applies, the allowed values.
"""

from __future__ import annotations

from weather.errors import FeedError, PlannerError

__all__ = ["ConfigError", "FeedError", "JobError", "PlannerError", "SolveError"]


class ConfigError(PlannerError):
    """A fleet file, setting or argument is invalid.

    Parameters
    ----------
    source
        The file or setting group (``fleet.toml``, ``settings``).
    problems
        One line per problem, each ``key.path: what is wrong``.
    """

    def __init__(self, source: str, problems: list[str] | str) -> None:
        self.source = source
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, list[str]]]:
        """Pickle by the constructor's own arguments (process pools carry errors back)."""
        return type(self), (self.source, self.problems)


class SolveError(PlannerError):
    """The optimizer found no usable solution (infeasible, unbounded, or a solver error).

    Parameters
    ----------
    message
        One line.
    families
        For an infeasible model: the constraint families that cannot be met, with the total
        shortfall in their rows' units (empty when unknown).
    """

    def __init__(self, message: str, families: dict[str, float] | None = None) -> None:
        self.families = dict(families or {})
        super().__init__(message)

    def __reduce__(self) -> tuple[type[SolveError], tuple[str, dict[str, float]]]:
        """Pickle by the constructor's own arguments (process pools carry errors back)."""
        return type(self), (str(self), self.families)


class JobError(PlannerError):
    """A scheduled job could not run: lock held, store unusable, output not writable."""
