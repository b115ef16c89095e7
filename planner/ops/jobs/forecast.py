"""The morning forecast job: :func:`run_forecast_job`.

Stages, in order (:data:`STAGES`): ``feeds`` (fetch), ``scenarios`` (the optimizer's set and a
separate judged set), ``optimize`` (when a strategy follows the plan), ``evaluate`` (every
strategy on the judged scenarios, plus one central run each for the charts), ``report`` (all
artifacts into a temporary run folder, the action schedule among them), ``notify`` (the webhook
and the notification URLs when thresholds are crossed),
``store`` (the folder renamed into place and the run recorded as succeeded).

Safety under cron:

- one run at a time: :func:`planner.ops.locking.job_lock` on ``forecast.lock`` in the data folder;
  a second run fails at once with :class:`~planner.ops.locking.JobLockedError` (CLI exit 3);
- recorded from the start: the run's row (``running``, stage ``feeds``) is written before the
  feeds are fetched, its stage follows the job, and a heartbeat thread
  (:class:`~planner.ops.jobs.heartbeat.Heartbeat`) marks it alive every few seconds, so a run killed
  at any stage is later marked failed with that stage and the time it really ran;
- idempotent: a run with the same fleet hash, feed stamps (status, source and fetch time of
  every feed) and settings as an earlier succeeded run whose files all check out (present,
  non-empty, parseable: :func:`~planner.ops.jobs.artifacts.check_artifacts`) does nothing and
  returns that run (``reused=True``; its own provisional row is dropped); an earlier run with a
  damaged file is run again, saying why in the notes and the log; ``force=True`` runs anyway;
- atomic: artifacts are written in ``<out>/.<run id>.tmp/`` and renamed to ``<out>/<run id>/``
  only when complete; ``<out>/latest`` then points at it;
- a failure at any stage removes that run's files, records the run as ``failed`` with the stage
  and the reason, and leaves every earlier run and file as it was; planner and OS errors are
  raised again as a one-line :class:`~planner.errors.JobError`, anything else (a bug) unchanged
  after being recorded.

The webhook goes out before the run is recorded as succeeded; if sending fails the run still
succeeds, with ``notification_failed = 1`` in its KPIs and the reason in ``notification.json``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.domain.fleet import Fleet, load_fleet
from planner.engine import optimization
from planner.engine.compare import compare_strategies, is_plan_strategy, simulate_strategies
from planner.engine.concentration import concentration_risk
from planner.engine.metrics import FLEET, best_strategy, kpis
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import Plan
from planner.engine.simulation import SimResult
from planner.errors import ConfigError, JobError, PlannerError
from planner.inputs import parse_start
from planner.ops.actions import action_schedule, empty_actions, write_actions
from planner.ops.delivery import deliver, redact_url
from planner.ops.jobs import artifacts as art
from planner.ops.jobs.heartbeat import Heartbeat
from planner.ops.jobs.kpis import feed_stamps, fleet_hash, run_kpis, strategy_table
from planner.ops.jobs.settings import DEFAULT_FLOOR_SHARE, JobSettings
from planner.ops.locking import default_lock_path, job_lock
from planner.ops.notify import RiskAlert, explain_thresholds, risk_alerts, webhook_payload
from planner.ops.store import RunRecord, RunStore, default_store_path, idempotency_key
from planner.world.feeds import Feeds, FeedSources, fetch_feeds
from planner.world.scenarios import make_scenarios
from weather.schema import EVENT_COLUMNS

__all__ = ["STAGES", "JobOutcome", "run_forecast_job"]

#: The job's stages, in order.
STAGES: tuple[str, ...] = (
    "feeds",
    "scenarios",
    "optimize",
    "evaluate",
    "report",
    "notify",
    "store",
)

Progress = Callable[[str, int, int], None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class JobOutcome:
    """What a job run did.

    Attributes
    ----------
    run
        The run's row in the history (for a reused run, the earlier run's).
    reused
        ``True`` when an earlier succeeded run had the same inputs and its files were reused.
    folder
        The run's artifact folder.
    table
        Fleet figures per strategy (the ``fleet`` rows of ``kpis.csv``).
    alerts
        Thresholds crossed (empty for a reused run).
    notification
        ``sent``, ``failed: <reason>``, ``not configured`` (thresholds crossed, no webhook URL),
        ``nothing to send`` or ``not sent (reused run)``.
    notes
        Lines worth showing: feed notes, cleanup problems, the ``latest`` link.
    evaluation, plan, feeds
        The work itself (``None`` for a reused run).
    """

    run: RunRecord
    reused: bool
    folder: Path
    table: pd.DataFrame
    alerts: tuple[RiskAlert, ...]
    notification: str
    notes: tuple[str, ...] = ()
    evaluation: Evaluation | None = None
    plan: Plan | None = None
    feeds: Feeds | None = None

    @property
    def kpis(self) -> dict[str, float]:
        """The run's KPIs (see :func:`planner.ops.jobs.kpis.run_kpis`)."""
        return dict(self.run.kpis)

    @property
    def report_path(self) -> Path:
        """The run's ``report.html``."""
        return self.folder / "report.html"


def run_forecast_job(
    fleet_path: str | os.PathLike[str] | Fleet,
    out_dir: str | os.PathLike[str],
    mode: str | None = None,
    horizon: int | None = None,
    scenarios: int | None = None,
    *,
    settings: JobSettings | None = None,
    start: str | pd.Timestamp | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    store_path: str | os.PathLike[str] | None = None,
    lock_path: str | os.PathLike[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> JobOutcome:
    """Fetch feeds, plan, judge the plan against the baselines, store, report and notify.

    Parameters
    ----------
    fleet_path
        Fleet TOML file (or a :class:`~planner.Fleet`).
    out_dir
        Output folder; each run writes ``<out_dir>/<run id>/`` (``plan.csv``, ``plan.parquet``,
        ``relocations.csv``, ``actions.csv`` and ``actions.ics`` (the action schedule,
        :mod:`planner.ops.actions`), ``kpis.csv``, ``kpis.json``, ``events.csv``,
        ``report.html``, ``notification.json``) and ``<out_dir>/latest`` points at the newest
        successful one.
    mode, horizon, scenarios
        Override :attr:`JobSettings.mode`, :attr:`~JobSettings.horizon_hours` [h] and
        :attr:`~JobSettings.scenarios` when given.
    settings
        Everything else (:func:`planner.load_job_settings` reads a config file); default
        :class:`JobSettings`.
    start
        Overrides :attr:`JobSettings.start` (first hour, UTC if naive).
    data_dir
        Folder of the run history and the lock (default ``$PLANNER_DATA_DIR`` or the platform's
        user data folder).
    store_path, lock_path
        The run history file and the lock file, if not in ``data_dir``.
    force
        Run even when an identical earlier run succeeded.
    workers
        Local worker processes for the evaluation (does not change the numbers).
    progress
        Called with ``(stage, done, total)``.
    now
        The current time (tz-aware; default the clock): the default start and feed ages.

    Returns
    -------
    JobOutcome

    Raises
    ------
    planner.ops.locking.JobLockedError
        At once, when another run holds the lock (CLI exit 3).
    planner.errors.ConfigError
        Invalid fleet, settings or output folder (no run is recorded).
    planner.errors.JobError
        The run history cannot be used, or a stage failed (the run is recorded as failed).
    """
    settings = settings or JobSettings()
    given = {"mode": mode, "horizon_hours": horizon, "scenarios": scenarios}
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        settings = settings.replace(**changes)
    clock = now or datetime.now(UTC)
    if clock.tzinfo is None:
        raise ConfigError("forecast job", f"now: must be tz-aware, got {clock.isoformat()}")
    begin = _start(start if start is not None else settings.start, clock)
    settings = settings.replace(start=begin.isoformat())
    settings.resolved_webhook()  # a bad $PLANNER_WEBHOOK_URL is refused before any work
    settings.resolved_channels()  # and so is a notification URL apprise cannot send to
    fleet = fleet_path if isinstance(fleet_path, Fleet) else load_fleet(Path(fleet_path))
    out = art.prepare_output_dir(out_dir)
    store_file = Path(store_path) if store_path is not None else default_store_path(data_dir)
    lock_file = Path(lock_path) if lock_path is not None else default_lock_path(data_dir)
    with job_lock(lock_file), RunStore(store_file) as store:
        store.mark_interrupted(0.0)  # we hold the lock: any "running" row is dead
        job = _Job(fleet, out, settings, store, progress, workers, clock)
        return job.run(begin, force)


def _start(value: str | pd.Timestamp | None, clock: datetime) -> pd.Timestamp:
    if value is None:
        return pd.Timestamp(clock).tz_convert("UTC").floor("D")
    return parse_start(value, now=clock).floor("h")


class _Job:
    """One run under the lock; ``stage`` names where a failure happened."""

    def __init__(
        self,
        fleet: Fleet,
        out: Path,
        settings: JobSettings,
        store: RunStore,
        progress: Progress | None,
        workers: int | None,
        clock: datetime,
    ) -> None:
        self.fleet, self.out, self.settings, self.store = fleet, out, settings, store
        self.progress, self.workers, self.clock = progress, workers, clock
        self.stage = "feeds"
        self.run_id = ""
        self.notes: list[str] = []
        self.hash = fleet_hash(fleet)
        self.settings_json = settings.to_json()

    def tick(self, stage: str, done: int = 0, total: int = 1) -> None:
        if stage != self.stage:
            self.store.set_stage(self.run_id, stage)
        self.stage = stage
        if self.progress is not None:
            self.progress(stage, done, total)

    def run(self, begin: pd.Timestamp, force: bool) -> JobOutcome:
        s = self.settings
        pending = idempotency_key(self.hash, {"feeds": "pending"}, self.settings_json)
        self.run_id = run_id = self.store.start_run(
            self.hash, self.settings_json, {}, key=pending, stage="feeds"
        )
        folder: art.RunFolder | None = None
        try:
            with Heartbeat(self.store.path, run_id):
                self.tick("feeds")
                feeds = fetch_feeds(
                    self.fleet,
                    begin,
                    s.horizon_hours,
                    s.mode,
                    seed=s.seed,
                    sources=s.sources
                    if s.sources is not None or s.mode == "offline"
                    else FeedSources.from_env(),
                    now=self.clock,
                )
                stamps = feed_stamps(feeds)
                key = idempotency_key(self.hash, stamps, self.settings_json)
                done = None if force else self._reusable(key)
                if done is not None:
                    self.store.drop_run(run_id)
                    return _reused(done)
                self.store.set_inputs(run_id, stamps, key)
                folder = art.RunFolder(self.out, run_id)
                outcome = self._work(run_id, feeds, folder)
        except BaseException as exc:
            self._fail(run_id, folder, exc)
            raise AssertionError("unreachable") from exc  # _fail always raises
        return self._after(outcome)

    def _reusable(self, key: str) -> RunRecord | None:
        """The earlier succeeded run with these inputs, if its files check out; else ``None``
        (with a note saying why an earlier run is not reused)."""
        done = self.store.find_succeeded(key)
        if done is None:
            return None
        problems = art.check_artifacts(done.artifacts)
        if "kpis_csv" not in done.artifacts:
            problems.insert(0, "it recorded no kpis.csv")
        if not problems:
            return done
        note = (
            f"Not reusing run {done.id} (same fleet, feeds and settings): "
            f"{'; '.join(problems)}; running again."
        )
        logger.warning("%s", note)
        self.notes.append(note)
        return None

    # -- the stages ------------------------------------------------------------------------------

    def _work(self, run_id: str, feeds: Feeds, folder: art.RunFolder) -> JobOutcome:
        s, fleet = self.settings, self.fleet
        self.tick("scenarios")
        planned = make_scenarios(
            fleet, feeds, s.scenarios, s.seed, settings=s.scenario_settings, progress=self.tick
        )
        judged = make_scenarios(
            fleet,
            feeds,
            s.eval_scenarios,
            s.judged_seed,
            settings=s.scenario_settings,
            progress=self.tick,
        )
        wants_plan = any(is_plan_strategy(n) for n in s.strategies)
        plan = None
        if wants_plan:
            self.tick("optimize")
            plan = optimization.optimize(fleet, planned, s.optimize)
            if plan.note:
                logger.warning("optimizer: %s", plan.note)
                self.notes.append(f"Optimizer: {plan.note}.")
        self.tick("evaluate")
        evaluation = compare_strategies(
            fleet,
            judged,
            s.strategies,
            plan=plan,
            replications=s.replications,
            workers=self.workers,
            progress=lambda _step, done, total: self.tick("evaluate", done, total),
        )
        baseline = s.strategies[0]
        nameplate = sum(fleet.installed_hashrate_th_s(site) for site in fleet.sites) / 1e6
        floor = (
            s.hashrate_floor_eh_s
            if s.hashrate_floor_eh_s is not None
            else DEFAULT_FLOOR_SHARE * nameplate
        )
        table = strategy_table(evaluation, baseline, floor)
        recommended = s.recommended or best_strategy(table)
        results = simulate_strategies(fleet, feeds, s.strategies, plan=plan, seed=s.judged_seed)
        figures = run_kpis(
            table,
            recommended=recommended,
            baseline=baseline,
            floor_eh_s=floor,
            plan=plan,
            feeds=feeds,
        )
        window = (
            feeds.times[0].to_pydatetime(),
            (feeds.times[-1] + pd.Timedelta(hours=1)).to_pydatetime(),
        )
        alerts = tuple(risk_alerts(figures, feeds.alerts, s.thresholds, window=window))
        figures["risk_alerts"] = float(len(alerts))

        self.tick("report")
        notes = (
            *feeds.notes,
            *self.notes,
            f"Optimizer: {s.scenarios} scenarios (seed {s.seed}); strategies judged on "
            f"{s.eval_scenarios} other scenarios x {s.replications} replication(s) "
            f"(seed {s.judged_seed}). Recommended: {recommended}.",
        )
        summary = self._write(
            folder,
            run_id,
            feeds,
            plan,
            evaluation,
            table,
            results,
            figures,
            alerts,
            notes,
            recommended,
        )

        self.tick("notify")
        notification = self._notify(folder, run_id, alerts, figures, summary)
        figures["notification_failed"] = 1.0 if notification.startswith("failed") else 0.0

        self.tick("store")
        folder.commit()
        record = self.store.finish_run(run_id, figures, folder.artifacts())
        fleet_rows = table[table["site_id"] == FLEET].reset_index(drop=True)
        return JobOutcome(
            run=record,
            reused=False,
            folder=folder.final,
            table=fleet_rows,
            alerts=alerts,
            notification=notification,
            notes=(*feeds.notes, *self.notes),
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
        )

    def _write(
        self,
        folder: art.RunFolder,
        run_id: str,
        feeds: Feeds,
        plan: Plan | None,
        evaluation: Evaluation,
        table: pd.DataFrame,
        results: Sequence[SimResult],
        figures: dict[str, float],
        alerts: tuple[RiskAlert, ...],
        notes: Sequence[str],
        recommended: str,
    ) -> list[str]:
        """Write the run's files; return the executive summary's lines (none without one)."""
        from planner.ops.report import (  # HTML helpers only when a report is written
            ReportInputs,
            summary_lines,
            write_report,
        )

        s, fleet = self.settings, self.fleet
        extra: list[str] = []
        if plan is not None:
            schedule = art.expected_schedule(plan.schedule, plan.weights)
            art.write_table(folder, "plan_csv", "plan.csv", schedule)
            if art.parquet_available():
                art.write_parquet(folder, "plan_parquet", "plan.parquet", schedule)
            else:
                extra.append(
                    "plan.parquet not written: pyarrow is not installed "
                    "(pip install 'mining-fleet-planner[parquet]')."
                )
            art.write_table(folder, "relocations", "relocations.csv", plan.relocations)
        actions = action_schedule(plan) if plan is not None else empty_actions()
        folder.add("actions_csv", "actions.csv")
        folder.add("actions_ics", "actions.ics")
        write_actions(folder.path(""), actions, stamp=self.clock, uid_prefix=run_id)
        inputs = ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, list(results), baseline=s.strategies[0]),
            ledgers={r.policy: r.ledger for r in results},
            title=f"{fleet.name}: forecast run {run_id}",
            generated_at=self.clock,
            notes=(*notes, *extra),
            risk=table,
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
            risk_alerts=alerts,
            current_rule=s.judged_rule,
            alert_rules=explain_thresholds(s.thresholds, figures),
            actions=actions,
            concentration=concentration_risk(
                fleet, evaluation, None if plan is None else plan.relocations
            ),
            action_files={"CSV": "actions.csv", "iCalendar": "actions.ics"},
        )
        lines = summary_lines(inputs.summary) if inputs.summary is not None else []
        art.write_table(folder, "kpis_csv", "kpis.csv", table)
        art.write_table(folder, "events", "events.csv", _events(results, feeds))
        folder.write_json(
            "kpis_json",
            "kpis.json",
            {
                "run_id": run_id,
                "fleet": fleet.name,
                "horizon": {"start": feeds.times[0], "hours": len(feeds.times)},
                "baseline": s.strategies[0],
                "recommended": recommended,
                "kpis": figures,
                "strategies": table[table["site_id"] == FLEET].to_dict(orient="records"),
                "feeds": {
                    name: {
                        "status": f.status,
                        "source": f.source,
                        "fetched_at": f.fetched_at,
                        "age_hours": f.age_hours,
                        "filled_hours": dict(f.filled_hours),
                        "detail": f.detail,
                    }
                    for name, f in feeds.freshness.items()
                },
                "alerts": [a.to_json() for a in alerts],
                "summary": lines,
                "notes": [*notes, *extra],
            },
        )
        write_report(folder.add("report", "report.html"), inputs)
        return lines

    def _notify(
        self,
        folder: art.RunFolder,
        run_id: str,
        alerts: tuple[RiskAlert, ...],
        figures: dict[str, float],
        summary: Sequence[str],
    ) -> str:
        """Send the alerts to the webhook and the notification URLs; say how it went."""
        s = self.settings
        url, channels = s.resolved_webhook(), s.resolved_channels()
        sent_to: list[dict[str, Any]] = []
        if not alerts:
            status = "nothing to send"
        elif url is None and not channels:
            status = "not configured"
        else:
            payload = webhook_payload(
                alerts,
                run_id=run_id,
                kpis=figures,
                artifacts=folder.artifacts(),
                summary=summary,
                thresholds=s.thresholds,
            )
            status, sent_to = deliver(payload, webhook_url=url, channels=channels)
        folder.write_json(
            "notification",
            "notification.json",
            {
                "status": status,
                "url": None if url is None else redact_url(url),
                "channels": sent_to,
                "alerts": [a.to_json() for a in alerts],
                "thresholds": explain_thresholds(s.thresholds, figures),
            },
        )
        return status

    # -- endings ---------------------------------------------------------------------------------

    def _fail(self, run_id: str, folder: art.RunFolder | None, exc: BaseException) -> None:
        """Remove the run's files, record it as failed, raise (a one-line JobError for planner
        and OS errors; anything else, a bug, unchanged)."""
        problems = folder.discard() if folder is not None else []
        what = " ".join(str(exc).split())
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: the CLI says "interrupted", exit 130
            what = "interrupted"
        elif not isinstance(exc, PlannerError):
            what = f"{type(exc).__name__}: {what}" if what else type(exc).__name__
        reason = f"stage {self.stage}: {what}"
        if problems:
            reason += "; " + "; ".join(problems)
        try:
            self.store.fail_run(run_id, reason)
        except PlannerError as store_exc:
            exc.add_note(f"could not record the failure in the run history: {store_exc}")
        if isinstance(exc, PlannerError | OSError):
            raise JobError(f"run {run_id} failed at stage {self.stage}: {what}") from exc
        raise exc

    def _after(self, outcome: JobOutcome) -> JobOutcome:
        notes = list(outcome.notes)
        record = outcome.run
        if outcome.notification == "sent":
            try:
                record = self.store.mark_notified(record.id)
            except PlannerError as exc:
                notes.append(f"webhook sent but not marked in the run history: {exc}")
        problem = art.point_latest(self.out, record.id)
        if problem:
            notes.append(problem)
        return replace(outcome, run=record, notes=tuple(notes))


def _events(results: Sequence[SimResult], feeds: Feeds) -> pd.DataFrame:
    """Every central run's events with its strategy, then the feeds' alerts and outage reports."""
    columns = ["strategy", *EVENT_COLUMNS, "count"]
    parts = [r.events.assign(strategy=r.policy)[columns] for r in results]
    for table in (feeds.alerts, feeds.outages):
        if not table.empty:
            parts.append(table[list(EVENT_COLUMNS)].assign(strategy="", count=0)[columns])
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return frame


def _reused(done: RunRecord) -> JobOutcome:
    """The outcome of a reused run (its files were checked by :func:`art.check_artifacts`)."""
    folder = Path(next(iter(done.artifacts.values()))).parent
    table = pd.read_csv(done.artifacts["kpis_csv"])
    return JobOutcome(
        run=done,
        reused=True,
        folder=folder,
        table=table[table["site_id"] == FLEET].reset_index(drop=True),
        alerts=(),
        notification="not sent (reused run)",
        notes=(f"reused run {done.id}: same fleet, feeds and settings; its files are in {folder}",),
    )
