"""One idiom for settings: frozen pydantic models whose errors name the source, key and rule.

Every settings object shares :class:`planner.settings.Settings`: keyword constructors that raise
one :class:`ConfigError` line per problem (``<source>: <key.path>: <rule>, got <value>``), a
validated :meth:`~planner.settings.Settings.replace`, nested settings reported under the outer
key path, and value equality (equal settings compare and hash alike, so a run with the same
settings is the same run).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import planner
from planner.engine.rolling import RollingSettings
from planner.engine.simulation import SimSettings
from planner.errors import ConfigError
from planner.ops.jobs.settings import settings_from_mapping
from planner.ops.notify import Thresholds
from planner.ops.store import idempotency_key
from planner.settings import Settings
from planner.world.feeds import FeedSources
from planner.world.replay import ReplayFiles
from planner.world.scenarios import ScenarioSettings

SEED_RULE = "must be a whole number in [0, 4294967295]"

# (settings class, keyword arguments, the whole message), one broken rule of each kind.
BAD: list[tuple[type[Settings], dict[str, Any], str]] = [
    (
        planner.OptimizeSettings,
        {"risk_lambda": -0.5},
        "optimize settings: risk_lambda: must be in [0, 1000], got -0.5",
    ),
    (
        planner.OptimizeSettings,
        {"cvar_alpha": 1.0, "floor_probability": 0.0},
        "optimize settings: cvar_alpha: must be in [0, 1), got 1.0; "
        "floor_probability: must be in (0, 1), got 0.0",
    ),
    (
        planner.OptimizeSettings,
        {"strategic_period_hours": 12.0},
        "optimize settings: strategic_period_hours: must be a whole number in [1, 744], got 12.0",
    ),
    (
        planner.OptimizeSettings,
        {"horizon": "weekly", "relocate": "no"},
        "optimize settings: horizon: must be one of operational, strategic, got 'weekly'; "
        "relocate: must be true or false, got 'no'",
    ),
    (
        ScenarioSettings,
        {"storm_severity": "high", "btc_price_shock": -1.0},
        "scenario settings: storm_severity: must be a number in [0, 5], got 'high'; "
        "btc_price_shock: must be in [-0.95, 5], got -1.0",
    ),
    (
        ScenarioSettings,
        {"temp_error_c": float("nan")},
        "scenario settings: temp_error_c: must be a number in [0, 15], got nan",
    ),
    (
        planner.JobSettings,
        {"seed": -1, "scenarios": 0},
        f"job settings: scenarios: must be a whole number in [1, 10000], got 0; "
        f"seed: {SEED_RULE}, got -1",
    ),
    (
        planner.JobSettings,
        {"strategies": ["strike", "strike"], "recommended": "optimized"},
        "job settings: strategies: must be unique, got ['strike', 'strike']",
    ),
    (
        planner.JobSettings,
        {"strategies": ["strike"], "recommended": "optimized"},
        "job settings: recommended: must be one of the strategies ['strike'], got 'optimized'",
    ),
    (
        Thresholds,
        {"severe_levels": ["Extreme", ""]},
        "thresholds: severe_levels[1]: must not be empty, got ''",
    ),
    (
        FeedSources,
        {"max_response_mb": 0, "load_tz": "Central"},
        "feed sources: load_tz: must be an IANA time zone such as America/Chicago, got 'Central'; "
        "max_response_mb: must be > 0, got 0",
    ),
    (
        RollingSettings,
        {"step_hours": 24, "window_hours": 12},
        "rolling settings: window_hours: must be a whole number >= step_hours (24), got 12",
    ),
    (
        RollingSettings,
        {"seed": 2**32},
        f"rolling settings: seed: {SEED_RULE}, got 4294967296",
    ),
    (
        SimSettings,
        {"failure_batch_hours": 0.0, "freeze_idle_share": 1.5},
        "simulation settings: failure_batch_hours: must be > 0, got 0.0; "
        "freeze_idle_share: must be in [0, 1], got 1.5",
    ),
]


@pytest.mark.parametrize(("kind", "values", "message"), BAD, ids=[m for _, _, m in BAD])
def test_each_problem_is_one_line_naming_source_key_and_rule(
    kind: type[Settings], values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        kind(**values)
    assert str(info.value) == message


def test_keyword_constructors_keep_their_defaults_and_types() -> None:
    s = planner.OptimizeSettings(risk_lambda=0.5)
    assert (s.risk_lambda, s.cvar_alpha, s.horizon, s.relocate) == (0.5, 0.95, "operational", True)
    storm = ScenarioSettings(storm_severity=2)
    assert storm.storm_severity == 2.0 and isinstance(storm.storm_severity, float)
    assert storm.temp_error_c == 2.0
    # numpy scalars are numbers; arrays stand for tuples; strings name paths.
    job = planner.JobSettings(seed=np.int64(5), strategies=["strike"], hashrate_floor_eh_s=1)
    assert job.seed == 5 and type(job.seed) is int and job.strategies == ("strike",)
    sources = FeedSources(prices_path="~/prices.csv", timeout_s=5)
    assert sources.prices_path == Path("~/prices.csv").expanduser()
    assert sources.timeout_s == (5.0, 5.0)


def test_a_keyword_that_is_no_setting_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        ScenarioSettings(storm_severty=2)  # type: ignore[call-arg]
    assert str(info.value) == (
        "scenario settings: storm_severty: unknown key; did you mean 'storm_severity'? allowed: "
        "btc_price_shock, btc_volatility_annual, difficulty_growth_annual, outage_duration_scale, "
        "price_noise, price_spike_scale, storm_severity, temp_error_c"
    )


def test_settings_are_frozen() -> None:
    s = planner.OptimizeSettings()
    with pytest.raises(ValueError, match="frozen"):
        s.risk_lambda = 1.0  # type: ignore[misc]


def test_replace_changes_a_copy_and_checks_it_like_the_constructor() -> None:
    base = planner.OptimizeSettings(risk_lambda=0.5, cvar_alpha=0.9)
    changed = base.replace(relocate=False)
    assert (changed.relocate, changed.risk_lambda, changed.cvar_alpha) == (False, 0.5, 0.9)
    assert base.relocate is True  # the original is untouched
    with pytest.raises(ConfigError) as info:
        base.replace(risk_lambda=-1)
    assert str(info.value) == "optimize settings: risk_lambda: must be in [0, 1000], got -1"
    # pydantic's own copy does not check (why replace exists): the bad value gets through.
    assert base.model_copy(update={"risk_lambda": -1}).risk_lambda == -1
    with pytest.raises(ConfigError, match=r"^job settings: horizon_hours: must be a whole number"):
        planner.JobSettings().replace(horizon_hours=400)


def test_nested_settings_report_under_the_outer_key_path() -> None:
    with pytest.raises(ConfigError) as info:
        planner.JobSettings(
            optimize={"risk_lambda": -1, "mip_gap": 2},  # type: ignore[arg-type]
            scenario_settings={"price_noise": 3.0},  # type: ignore[arg-type]
        )
    assert str(info.value) == (
        "job settings: optimize.risk_lambda: must be in [0, 1000], got -1; "
        "optimize.mip_gap: must be in [0, 1), got 2; "
        "scenario_settings.price_noise: must be in [0, 2], got 3.0"
    )
    with pytest.raises(ConfigError) as info:
        RollingSettings(optimize=planner.OptimizeSettings(), scenarios=0)
    assert str(info.value) == "rolling settings: scenarios: must be a whole number >= 1, got 0"
    nested = planner.JobSettings(optimize={"risk_lambda": 0.5})  # type: ignore[arg-type]
    assert nested.optimize == planner.OptimizeSettings(risk_lambda=0.5)


def test_a_job_config_names_its_file_and_the_tables_key_path() -> None:
    raw = {
        "job": {"seed": "7"},
        "optimize": {"risk_lambda": 2000},
        "scenarios": {"storm_severity": -1},
        "notify": {"thresholds": {"planned_curtailment_mwh_max": -5}, "webhook_url": "x"},
        "feeds": {"max_gap_hours": 1.5},
    }
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(raw, source="job.toml")
    assert info.value.source == "job.toml"
    assert info.value.problems == [
        f"job.seed: {SEED_RULE}, got '7'",
        "optimize.risk_lambda: must be in [0, 1000], got 2000",
        "scenarios.storm_severity: must be in [0, 5], got -1",
        "notify.thresholds.planned_curtailment_mwh_max: must be >= 0, got -5",
        "notify.webhook_url: must be an http:// or https:// URL, got no scheme",
        "feeds.max_gap_hours: must be a whole number in [0, 87600], got 1.5",
    ]


def test_a_secret_webhook_is_neither_in_the_repr_nor_in_an_error() -> None:
    url = "https://hooks.example.com/T0/B0/s3cret"
    s = planner.JobSettings(webhook_url=url)
    assert s.webhook_url == url and "s3cret" not in repr(s) and "s3cret" not in str(s)
    with pytest.raises(ConfigError) as info:
        planner.JobSettings(webhook_url="ftp://hooks.example.com/s3cret")
    assert "s3cret" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_equal_settings_compare_and_hash_alike_and_survive_pickling() -> None:
    a = planner.OptimizeSettings(risk_lambda=1, fleet_cap_mw=100)
    b = planner.OptimizeSettings(fleet_cap_mw=100.0, risk_lambda=1.0)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != a.replace(risk_lambda=2.0) and a != ScenarioSettings()
    job = planner.JobSettings(optimize=a, sources=FeedSources(prices_path="p.csv"))
    again = pickle.loads(pickle.dumps(job))  # process pools carry settings
    assert again == job and hash(again) == hash(job)


def test_the_idempotency_key_depends_on_values_only() -> None:
    """``1`` and ``1.0`` are one setting: the settings JSON holds the checked value (a float), so
    a job config's ``risk_lambda = 1`` and the keyword ``risk_lambda=1.0`` are one run."""
    from_file = settings_from_mapping({"optimize": {"risk_lambda": 1}, "job": {"seed": 3}})
    by_keyword = planner.JobSettings(seed=3, optimize=planner.OptimizeSettings(risk_lambda=1.0))
    assert from_file.to_json()["optimize"]["risk_lambda"] == 1.0
    key = idempotency_key("fleet", {"prices": "2025-01-14T00:00Z"}, from_file.to_json())
    assert key == idempotency_key("fleet", {"prices": "2025-01-14T00:00Z"}, by_keyword.to_json())
    other = by_keyword.replace(seed=4)
    assert key != idempotency_key("fleet", {"prices": "2025-01-14T00:00Z"}, other.to_json())


def test_default_job_settings_json_is_unchanged() -> None:
    """The settings part of every idempotency key of a default run, as the store has it."""
    assert planner.JobSettings().to_json() == {
        "mode": "live",
        "start": None,
        "horizon_hours": 168,
        "scenarios": 20,
        "eval_scenarios": 40,
        "replications": 1,
        "seed": 7,
        "eval_seed": 8,
        "strategies": ["run-through", "strike", "strike+protective", "optimized"],
        "recommended": None,
        "current_rule": "strike",
        "optimize": {
            "horizon": "operational",
            "strategic_period_hours": 24,
            "risk_lambda": 0.0,
            "cvar_alpha": 0.95,
            "hashrate_floor_eh_s": 0.0,
            "floor_probability": None,
            "relocation_budget_usd": None,
            "fleet_cap_mw": None,
            "ramp_mw_per_h": None,
            "min_down_hours": None,
            "min_on_share": 0.1,
            "freeze_protection_share": 0.1,
            "lead_hours": 1.0,
            "protection_lead_hours": 6.0,
            "relocate": True,
            "time_limit_s": 60.0,
            "mip_gap": 1e-4,
        },
        "scenario_settings": {
            "storm_severity": 1.0,
            "outage_duration_scale": 1.0,
            "price_spike_scale": 1.0,
            "btc_price_shock": 0.0,
            "temp_error_c": 2.0,
            "price_noise": 0.15,
            "btc_volatility_annual": 0.55,
            "difficulty_growth_annual": 0.3,
        },
        "hashrate_floor_eh_s": None,
        "thresholds": {
            "hashrate_at_risk_max": None,
            "planned_curtailment_mwh_max": None,
            "notify_on_severe_alert": True,
            "severe_levels": ["Extreme", "Severe"],
        },
        "feed_files": None,
    }


def test_replay_files_must_exist(tmp_path: Path) -> None:
    prices, btc, daily = (tmp_path / n for n in ("prices.csv", "btc.csv", "daily.csv"))
    for path in (prices, btc, daily):
        path.write_text("x\n", encoding="utf-8")
    files = ReplayFiles(prices=str(prices), btc=btc, weather_daily=daily)  # type: ignore[arg-type]
    assert files.prices == prices and files.used() == {
        "prices": str(prices),
        "weather_daily": str(daily),
        "btc": str(btc),
    }
    with pytest.raises(ConfigError) as info:
        files.replace(outages=tmp_path / "oe417.csv")
    assert str(info.value) == (
        f"replay files: outages: must be an existing file, got '{tmp_path / 'oe417.csv'}'"
    )
    with pytest.raises(ConfigError, match=r"^replay files: weather: give weather_hourly"):
        files.replace(weather_daily=None)
