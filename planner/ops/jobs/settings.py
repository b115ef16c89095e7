"""The forecast job's settings: :class:`JobSettings`, read from a small TOML or JSON file.

A job config file (every table and key optional; unknown keys are errors that name the key)::

    [job]
    mode = "live"                  # live | cache | offline
    horizon_hours = 168
    scenarios = 20                 # scenarios the optimizer plans over
    eval_scenarios = 40            # fresh scenarios (seed eval_seed) the strategies are judged on
    replications = 1
    seed = 7
    strategies = ["run-through", "strike", "strike+protective", "optimized"]
    hashrate_floor_eh_s = 20.0     # floor of the hashrate-at-risk KPI; default 80 % of nameplate

    [optimize]                     # planner.OptimizeSettings
    risk_lambda = 0.5

    [scenarios]                    # planner.ScenarioSettings
    storm_severity = 1.0

    [feeds]                        # planner.FeedSources, on top of the PLANNER_* environment
    prices_path = "data/ercot_hubs_hourly.csv"   # relative to the config file
    max_stale_hours = 12

    [notify]
    webhook_url = "https://hooks.example.com/T0/B0/xyz"   # or PLANNER_WEBHOOK_URL
    [notify.thresholds]            # planner.ops.notify.Thresholds
    hashrate_at_risk_max = 0.2
    planned_curtailment_mwh_max = 500
    notify_on_severe_alert = true
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from planner.engine.optimization import OptimizeSettings
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS
from planner.errors import ConfigError
from planner.inputs import (
    check_choice,
    check_hours,
    check_number,
    check_seed,
    check_url,
    check_whole,
    gather,
    parse_start,
)
from planner.ops.notify import Thresholds
from planner.world.feeds import FEED_MODES, FeedMode, FeedSources
from planner.world.scenarios import ScenarioSettings

__all__ = ["DEFAULT_STRATEGIES", "WEBHOOK_ENV", "JobSettings", "load_job_settings"]

#: Strategies the job compares by default; the first is the baseline.
DEFAULT_STRATEGIES: tuple[str, ...] = ("run-through", "strike", "strike+protective", "optimized")
#: Environment variable holding the webhook URL (it may carry a secret token).
WEBHOOK_ENV = "PLANNER_WEBHOOK_URL"
#: Share of nameplate hashrate used as the floor of the hashrate-at-risk KPI by default [-].
DEFAULT_FLOOR_SHARE = 0.8


@dataclass(frozen=True)
class JobSettings:
    """What the forecast job does (everything that decides its numbers, plus notification).

    Attributes
    ----------
    mode
        Feed mode: ``live`` (providers, cache as fallback), ``cache`` or ``offline``.
    start
        First hour of the horizon: ISO 8601 (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH[:MM[:SS]]``, with
        an optional ``Z`` or ``+HH:MM``; UTC if naive), from 2009-01-04 to one year after today
        (:func:`planner.inputs.parse_start`); ``None``: 00:00 UTC of the day the job runs (so
        re-runs on the same day with the same feeds are the same run).
    horizon_hours
        Horizon [h], 24 .. 336 (the optimizer's operational horizon).
    scenarios
        Scenarios the optimizer plans over, >= 1.
    eval_scenarios
        Scenarios the strategies are judged on (drawn with ``eval_seed``: the optimizer never
        saw them), >= 1.
    replications
        ASIC-failure draws per judged scenario, >= 1.
    seed
        Seed of the feeds' synthetic parts and of the optimizer's scenarios, in ``[0, 2**32)``.
    eval_seed
        Seed of the judged scenarios and failures, in ``[0, 2**32)``; ``None``: ``seed + 1``.
    strategies
        Strategy names (:mod:`planner.engine.compare`); the first is the baseline.
    recommended
        Strategy whose figures are the run's KPIs and drive notifications; ``None``: the first
        ``optimized...`` strategy, else the last one.
    optimize
        Optimizer settings. The optimizer runs only when a strategy follows its plan.
    scenario_settings
        What-if knobs and uncertainty of the scenarios.
    hashrate_floor_eh_s
        Floor of the hashrate-at-risk KPI [EH/s]; ``None``: 80 % of the fleet's nameplate.
    thresholds
        When to notify.
    webhook_url
        Where to POST notifications, an ``http://`` or ``https://`` URL; ``None``:
        ``$PLANNER_WEBHOOK_URL`` if set, else no webhook. Never stored in the run history.
    sources
        Feed files, endpoints, cache and staleness for ``live``/``cache``; ``None``:
        :meth:`planner.FeedSources.from_env`.
    """

    mode: FeedMode = "live"
    start: str | None = None
    horizon_hours: int = 168
    scenarios: int = 20
    eval_scenarios: int = 40
    replications: int = 1
    seed: int = 7
    eval_seed: int | None = None
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    recommended: str | None = None
    optimize: OptimizeSettings = field(default_factory=OptimizeSettings)
    scenario_settings: ScenarioSettings = field(default_factory=ScenarioSettings)
    hashrate_floor_eh_s: float | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    webhook_url: str | None = field(default=None, repr=False)  # a secret: never in a repr
    sources: FeedSources | None = None

    def __post_init__(self) -> None:
        if isinstance(self.strategies, list | tuple):
            object.__setattr__(self, "strategies", tuple(self.strategies))
        if isinstance(self.start, date):  # a TOML date or datetime, not a string
            object.__setattr__(self, "start", self.start.isoformat())
        problems = gather(
            lambda: check_choice(self.mode, "mode", FEED_MODES),
            lambda: self.start is None or parse_start(self.start),
            lambda: check_hours(self.horizon_hours, "horizon_hours", most=MAX_OPERATIONAL_HOURS),
            lambda: check_whole(self.scenarios, "scenarios", 1, 10_000),
            lambda: check_whole(self.eval_scenarios, "eval_scenarios", 1, 100_000),
            lambda: check_whole(self.replications, "replications", 1, 1000),
            lambda: check_seed(self.seed),
            lambda: self.eval_seed is None or check_seed(self.eval_seed, "eval_seed"),
            lambda: (
                self.hashrate_floor_eh_s is None
                or check_number(self.hashrate_floor_eh_s, "hashrate_floor_eh_s", 0.0)
            ),
            lambda: self.webhook_url is None or check_url(self.webhook_url, "webhook_url"),
        )
        problems += _strategy_problems(self.strategies, self.recommended)
        if problems:
            raise ConfigError("job settings", problems)

    @property
    def judged_seed(self) -> int:
        """The seed of the judged scenarios: ``eval_seed``, else ``seed + 1``."""
        return self.eval_seed if self.eval_seed is not None else self.seed + 1

    def resolved_webhook(self) -> str | None:
        """``webhook_url``, else ``$PLANNER_WEBHOOK_URL``, else ``None``.

        Raises
        ------
        ConfigError
            ``$PLANNER_WEBHOOK_URL`` is not an http(s) URL.
        """
        if self.webhook_url:
            return self.webhook_url
        text = os.environ.get(WEBHOOK_ENV, "").strip()
        return check_url(text, WEBHOOK_ENV) if text else None

    def to_json(self) -> dict[str, Any]:
        """The settings that decide a run's numbers and alerts, as JSON values.

        The webhook URL (a secret) and the feed sources' cache folder and timeouts are left out;
        the feed files are kept (they decide the numbers).
        """
        sources = self.sources
        return {
            "mode": self.mode,
            "start": self.start,
            "horizon_hours": self.horizon_hours,
            "scenarios": self.scenarios,
            "eval_scenarios": self.eval_scenarios,
            "replications": self.replications,
            "seed": self.seed,
            "eval_seed": self.judged_seed,
            "strategies": list(self.strategies),
            "recommended": self.recommended,
            "optimize": asdict(self.optimize),
            "scenario_settings": asdict(self.scenario_settings),
            "hashrate_floor_eh_s": self.hashrate_floor_eh_s,
            "thresholds": {
                **asdict(self.thresholds),
                "severe_levels": list(self.thresholds.severe_levels),
            },
            "feed_files": None
            if sources is None
            else {
                k: None if getattr(sources, k) is None else str(getattr(sources, k))
                for k in ("prices_path", "load_path", "outages_path")
            },
        }


def _strategy_problems(strategies: object, recommended: object) -> list[str]:
    if not isinstance(strategies, tuple) or not all(isinstance(n, str) for n in strategies):
        return [f"strategies: must be an array of strategy names, got {strategies!r}"]
    problems = []
    if not strategies:
        problems.append("strategies: at least one is needed")
    if len(set(strategies)) != len(strategies):
        problems.append(f"strategies: must be unique, got {list(strategies)}")
    if recommended is not None and recommended not in strategies:
        problems.append(
            f"recommended: must be one of the strategies {list(strategies)}, got {recommended!r}"
        )
    return problems


_SECTIONS = ("job", "optimize", "scenarios", "feeds", "notify")
_JOB_KEYS = {f.name for f in fields(JobSettings)} - {
    "optimize",
    "scenario_settings",
    "thresholds",
    "webhook_url",
    "sources",
}


def load_job_settings(path: str | os.PathLike[str], **overrides: Any) -> JobSettings:
    """Read a job config file (TOML, or JSON when the name ends in ``.json``).

    Parameters
    ----------
    path
        The file; see the module docstring for its tables and keys. Relative feed file paths are
        taken relative to the file's folder.
    **overrides
        :class:`JobSettings` fields that win over the file (``None`` values are ignored).

    Returns
    -------
    JobSettings

    Raises
    ------
    ConfigError
        Missing or unreadable file, unknown table or key, or a value out of range; the message
        names the file and the key path.
    """
    file = Path(path).expanduser()
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(source, f"cannot read job config: {exc.strerror or exc}") from None
    try:
        raw = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            source, f"not valid {'JSON' if file.suffix == '.json' else 'TOML'}: {exc}"
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(source, "must hold a table of settings")
    return settings_from_mapping(raw, source=source, base=file.parent, **overrides)


def settings_from_mapping(
    raw: Mapping[str, Any],
    *,
    source: str = "job config",
    base: Path | None = None,
    **overrides: Any,
) -> JobSettings:
    """:class:`JobSettings` from a parsed config (see :func:`load_job_settings`)."""
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(source, f"unknown table(s) {unknown}; allowed: {', '.join(_SECTIONS)}")
    values: dict[str, Any] = {}
    job = _table(raw, "job", source)
    bad = sorted(set(job) - _JOB_KEYS)
    if bad:
        raise ConfigError(
            source, f"job: unknown key(s) {bad}; allowed: {', '.join(sorted(_JOB_KEYS))}"
        )
    values.update(job)
    values["optimize"] = _build(
        OptimizeSettings, _table(raw, "optimize", source), "optimize", source
    )
    values["scenario_settings"] = _build(
        ScenarioSettings, _table(raw, "scenarios", source), "scenarios", source
    )
    notify = dict(_table(raw, "notify", source))
    thresholds = notify.pop("thresholds", {})
    webhook = notify.pop("webhook_url", None)
    if notify:
        raise ConfigError(
            source, f"notify: unknown key(s) {sorted(notify)}; allowed: webhook_url, thresholds"
        )
    if not isinstance(thresholds, Mapping):
        raise ConfigError(source, "notify.thresholds: must be a table")
    values["thresholds"] = Thresholds.from_mapping(thresholds, f"{source} [notify.thresholds]")
    values["webhook_url"] = webhook
    feeds = dict(_table(raw, "feeds", source))
    if feeds:
        for key in ("prices_path", "load_path", "outages_path", "cache_dir"):
            if isinstance(feeds.get(key), str) and base is not None:
                feeds[key] = (base / Path(feeds[key]).expanduser()).resolve()
        known = {f.name for f in fields(FeedSources)}
        bad = sorted(set(feeds) - known)
        if bad:
            raise ConfigError(
                source, f"feeds: unknown key(s) {bad}; allowed: {', '.join(sorted(known))}"
            )
        try:
            values["sources"] = FeedSources.from_env(**feeds)
        except ConfigError as exc:
            raise ConfigError(source, [f"feeds.{p}" for p in exc.problems]) from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return JobSettings(**values)
    except ConfigError as exc:
        tables = [("notify." if p.startswith("webhook_url:") else "job.") + p for p in exc.problems]
        raise ConfigError(source, tables) from None
    except TypeError as exc:
        raise ConfigError(source, f"job: {exc}") from None


def _table(raw: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(source, f"{name}: must be a table, got {type(value).__name__}")
    return value


def _build(kind: type, values: Mapping[str, Any], table: str, source: str) -> Any:
    known = {f.name for f in dataclasses.fields(kind)}
    bad = sorted(set(values) - known)
    if bad:
        raise ConfigError(
            source, f"{table}: unknown key(s) {bad}; allowed: {', '.join(sorted(known))}"
        )
    try:
        return kind(**values)
    except ConfigError as exc:
        raise ConfigError(source, [f"{table}.{p}" for p in exc.problems]) from None
