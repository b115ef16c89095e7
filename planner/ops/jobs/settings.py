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
    current_rule = "strike"        # the rule run today; the summary measures against it
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
    urls = ["slack://TokenA/TokenB/TokenC", "mailto://ops:pw@example.com"]  # PLANNER_NOTIFY_URLS
    [notify.thresholds]            # planner.ops.notify.Thresholds
    hashrate_at_risk_max = 0.2
    planned_curtailment_mwh_max = 500
    notify_on_severe_alert = true
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from planner.engine.optimization import OptimizeSettings
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS
from planner.errors import ConfigError
from planner.inputs import check_hours, check_url, parse_start
from planner.ops.delivery import check_channel_urls
from planner.ops.notify import Thresholds
from planner.ops.summary import DEFAULT_CURRENT_RULE
from planner.settings import (
    Array,
    Number,
    Seed,
    Settings,
    Url,
    Whole,
    checked_by,
    invalid,
    unknown_key,
)
from planner.world.feeds import FeedMode, FeedSources, env_sources
from planner.world.scenarios import ScenarioSettings

__all__ = [
    "DEFAULT_STRATEGIES",
    "NOTIFY_URLS_ENV",
    "WEBHOOK_ENV",
    "JobSettings",
    "load_job_settings",
]

#: Strategies the job compares by default; the first is the baseline.
DEFAULT_STRATEGIES: tuple[str, ...] = ("run-through", "strike", "strike+protective", "optimized")
#: Environment variable holding the webhook URL (it may carry a secret token).
WEBHOOK_ENV = "PLANNER_WEBHOOK_URL"
#: Environment variable holding notification URLs (apprise), separated by spaces or new lines.
NOTIFY_URLS_ENV = "PLANNER_NOTIFY_URLS"


def _notify_urls(value: Any) -> tuple[str, ...]:
    """An array of non-empty strings; a problem never repeats a value (each may be a secret)."""
    kinds = {"str": "a string", "int": "a number", "float": "a number", "dict": "a table"}

    def kind(v: Any) -> str:
        return kinds.get(type(v).__name__, f"a {type(v).__name__}")

    if not isinstance(value, list | tuple):
        raise invalid(
            f"must be an array of notification URLs, got {kind(value)} (not shown: it may hold "
            "a secret)"
        )
    for i, url in enumerate(value):
        if not isinstance(url, str) or not url.strip():
            got = "an empty string" if isinstance(url, str) else kind(url)
            raise invalid(f"[{i}] must be a notification URL (a string), got {got}")
    return tuple(value)


#: Share of nameplate hashrate used as the floor of the hashrate-at-risk KPI by default [-].
DEFAULT_FLOOR_SHARE = 0.8


def _start_text(value: Any) -> Any:
    """``start`` as ISO 8601 text (a TOML date or datetime is one), checked by
    :func:`planner.inputs.parse_start`."""
    if isinstance(value, date):
        value = value.isoformat()
    if value is not None:
        checked_by(parse_start)(value)
    return value


class JobSettings(Settings):
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
        Strategy whose figures are the run's KPIs and drive notifications; ``None``: the best
        at full value (:func:`planner.engine.metrics.best_strategy`), the summary's
        recommendation.
    current_rule
        The rule the operator runs today (``run-through``, ``strike``, ``strike@80``,
        ``strike+protective``...), which the summary measures the recommendation against; it
        must be among ``strategies`` when given; the default ``strike`` falls back to the first
        strategy when it is not judged.
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
    notify_urls
        Notification URLs sent the same alert as a message through apprise
        (``slack://...``, ``msteams://...``, ``mailto://...``, ``pagerduty://...``,
        ``tgram://...``, ``json://...``; config key ``notify.urls``); empty:
        ``$PLANNER_NOTIFY_URLS`` (separated by spaces) if set. Secrets: never stored in the run
        history, named in messages and files by their scheme only
        (:func:`planner.ops.delivery.channel_name`).
    sources
        Feed files, endpoints, cache and staleness for ``live``/``cache``; ``None``:
        :meth:`planner.FeedSources.from_env`.
    """

    model_config = ConfigDict(title="job settings")

    mode: FeedMode = "live"
    start: Annotated[str | None, BeforeValidator(_start_text)] = None
    horizon_hours: Annotated[
        int, BeforeValidator(checked_by(check_hours, most=MAX_OPERATIONAL_HOURS))
    ] = 168
    scenarios: Whole = Field(20, ge=1, le=10_000)
    eval_scenarios: Whole = Field(40, ge=1, le=100_000)
    replications: Whole = Field(1, ge=1, le=1000)
    seed: Seed = 7
    eval_seed: Seed | None = None
    strategies: Annotated[tuple[str, ...], Array] = DEFAULT_STRATEGIES
    recommended: str | None = None
    current_rule: str = DEFAULT_CURRENT_RULE
    optimize: OptimizeSettings = Field(default_factory=OptimizeSettings)
    scenario_settings: ScenarioSettings = Field(default_factory=ScenarioSettings)
    hashrate_floor_eh_s: Number | None = Field(None, ge=0)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    webhook_url: Url | None = Field(None, repr=False)  # a secret: never in a repr
    notify_urls: Annotated[tuple[str, ...], BeforeValidator(_notify_urls), Field(repr=False)] = ()
    sources: FeedSources | None = None

    @field_validator("strategies")
    @classmethod
    def _named_once(cls, strategies: tuple[str, ...]) -> tuple[str, ...]:
        if not strategies:
            raise invalid("must name at least one strategy, got []")
        if len(set(strategies)) != len(strategies):
            raise invalid(f"must be unique, got {list(strategies)}")
        return strategies

    @field_validator("recommended")
    @classmethod
    def _among_strategies(cls, recommended: str | None, info: ValidationInfo) -> str | None:
        strategies = info.data.get("strategies")
        if recommended is not None and strategies is not None and recommended not in strategies:
            raise invalid(f"must be one of the strategies {list(strategies)}, got {recommended!r}")
        return recommended

    @field_validator("current_rule")
    @classmethod
    def _judged(cls, rule: str, info: ValidationInfo) -> str:
        strategies = info.data.get("strategies")
        if strategies is not None and rule not in strategies and rule != DEFAULT_CURRENT_RULE:
            raise invalid(f"must be one of the strategies {list(strategies)}, got {rule!r}")
        return rule

    @property
    def judged_rule(self) -> str:
        """The current rule the summary uses: ``current_rule`` when judged, else the first
        strategy."""
        return self.current_rule if self.current_rule in self.strategies else self.strategies[0]

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

    def resolved_channels(self) -> tuple[str, ...]:
        """``notify_urls``, else those in ``$PLANNER_NOTIFY_URLS``, each checked with apprise.

        Raises
        ------
        ConfigError
            A URL apprise cannot send to (named by position and scheme, never in full).
        """
        if self.notify_urls:
            return check_channel_urls(self.notify_urls, "notify.urls")
        urls = os.environ.get(NOTIFY_URLS_ENV, "").split()
        return check_channel_urls(urls, NOTIFY_URLS_ENV) if urls else ()

    def to_json(self) -> dict[str, Any]:
        """The settings that decide a run's numbers and alerts, as JSON values.

        The webhook and notification URLs (secrets) and the feed sources' cache folder and
        timeouts are left out; the feed files are kept (they decide the numbers).
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
            "current_rule": self.current_rule,
            "optimize": self.optimize.model_dump(mode="json"),
            "scenario_settings": self.scenario_settings.model_dump(mode="json"),
            "hashrate_floor_eh_s": self.hashrate_floor_eh_s,
            "thresholds": self.thresholds.model_dump(mode="json"),
            "feed_files": None
            if sources is None
            else {
                k: None if getattr(sources, k) is None else str(getattr(sources, k))
                for k in ("prices_path", "load_path", "outages_path")
            },
        }


#: The tables of a job config file.
_SECTIONS = ("job", "optimize", "scenarios", "feeds", "notify")
#: Where a :class:`JobSettings` field stands in a job config file, if not in ``[job]``.
_FILE_KEYS = {
    "optimize": "optimize",
    "scenario_settings": "scenarios",
    "thresholds": "notify.thresholds",
    "webhook_url": "notify.webhook_url",
    "notify_urls": "notify.urls",
    "sources": "feeds",
}
#: The keys of its ``[notify]`` table.
_NOTIFY_KEYS = ("thresholds", "urls", "webhook_url")
#: The keys of its ``[job]`` table.
_JOB_KEYS = tuple(k for k in JobSettings.model_fields if k not in _FILE_KEYS)


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
    problems = [f"{k}: {unknown_key(k, _SECTIONS)}" for k in raw if k not in _SECTIONS]
    job, notify = _table(raw, "job", source), _table(raw, "notify", source)
    problems += [f"job.{k}: {unknown_key(k, _JOB_KEYS)}" for k in job if k not in _JOB_KEYS]
    problems += [
        f"notify.{k}: {unknown_key(k, _NOTIFY_KEYS)}" for k in notify if k not in _NOTIFY_KEYS
    ]
    if problems:
        raise ConfigError(source, problems)
    values: dict[str, Any] = dict(job)
    for field, table in (("optimize", "optimize"), ("scenario_settings", "scenarios")):
        if table in raw:
            values[field] = raw[table]
    values.update({"notify_urls" if k == "urls" else k: v for k, v in notify.items()})
    feeds = dict(_table(raw, "feeds", source))
    if feeds:
        for key in ("prices_path", "load_path", "outages_path", "cache_dir"):
            if isinstance(feeds.get(key), str) and base is not None:
                feeds[key] = (base / Path(feeds[key]).expanduser()).resolve()
        values["sources"] = {**env_sources(), **feeds}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return JobSettings.from_mapping(values, source, key_path=_file_key)


def _file_key(field: str) -> str:
    return _FILE_KEYS.get(field, f"job.{field}")


def _table(raw: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(source, f"{name}: must be a table, got {value!r}")
    return value
