"""Jobs, schedules and sensors: re-import, re-gather, re-train and re-evaluate on a schedule; pick up
candle files dropped into an inbox; post failed runs to the webhook."""

import dataclasses
import datetime as dt
import os
from pathlib import Path

import dagster as dg

from assets.candles import candles_key, month_partitions
from assets.pipelines import universe_jobs
from jesse_dag.candles.columns import ONE_DAY_MS, ONE_MINUTE_MS
from jesse_dag.paths import path_inside
from jesse_dag.project import Market, Pipeline, Project
from jesse_dag.reports.notify import WEBHOOK_ENV, WebhookError, post_summary
from jesse_dag.research import pipeline as steps

INBOX_SUFFIXES = (".csv", ".parquet", ".zip")
# The end (a UTC date, exclusive) of the complete days a scheduled run was asked to train on.
DATA_THROUGH_TAG = "jesse_dag/data_through"
# A scheduled run that only imports a month the pipeline's newest data needs before it (a missed tick).
IMPORT_ONLY_TAG = "jesse_dag/import_only"
IN_PROGRESS = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
               dg.DagsterRunStatus.STARTED]


def refresh_job_name(pipeline: Pipeline) -> str:
    return f"{pipeline.name.replace('-', '_')}__refresh"


def import_job_name(market: Market) -> str:
    return f"{market.name.replace('-', '_')}__import"


def pipeline_job(pipeline: Pipeline, market: Market) :
    """The market's candles (one month per run) plus every asset of the pipeline."""
    group = pipeline.name.replace("-", "_")
    return dg.define_asset_job(
        refresh_job_name(pipeline),
        selection=dg.AssetSelection.assets(candles_key(market)) | dg.AssetSelection.groups(group),
        description=f"Import the month's candles of {market.name}, then re-gather, re-train and re-evaluate {pipeline.name}.",
    )


def market_import_job(market: Market) :
    return dg.define_asset_job(import_job_name(market), selection=dg.AssetSelection.assets(candles_key(market)),
                               description=f"Import one month of {market.name}'s candles (a partition per run).")


def evaluate_job_name(pipeline: Pipeline) -> str:
    return f"{pipeline.name.replace('-', '_')}__train_and_evaluate"


def pipeline_evaluate_job(pipeline: Pipeline) :
    """Every asset of the pipeline over candles already imported: what `make demo` runs after the import."""
    return dg.define_asset_job(
        evaluate_job_name(pipeline), selection=dg.AssetSelection.groups(pipeline.name.replace("-", "_")),
        description=f"Gather, train, gate, deploy and evaluate {pipeline.name} on the candles already stored.")


def schedule_tags(pipeline: Pipeline, tick: dt.datetime) -> dict[str, str]:
    """The run's tags: its anchor (``jesse_dag/anchor``) and, when the tick decides them, the windows it
    trains and evaluates on, so the UI shows them before the run starts."""
    tags = {"pipeline": pipeline.name}
    if not pipeline.rolling:
        return tags
    if pipeline.anchor == "latest_candle":
        tags[steps.ANCHOR_TAG] = steps.LATEST_CANDLE
        return tags
    tick = tick.astimezone(dt.timezone.utc)
    resolved = pipeline.resolve_windows(int(tick.timestamp() * 1000))
    tags[steps.ANCHOR_TAG] = tick.isoformat()
    tags["jesse_dag/training_window"] = f"{resolved.training.start}..{resolved.training.end}"
    tags["jesse_dag/evaluation_window"] = f"{resolved.evaluation.start}..{resolved.evaluation.end}"
    return tags


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def _day(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d")


def _month(ms: int) -> str:
    return _day(ms)[:8] + "01"


def latest_complete_candle(market: Market, project_dir: str | Path, tick: dt.datetime) -> tuple[int, str]:
    """The last 1m candle (epoch ms) of ``market`` complete at ``tick``, and where that comes from.

    A candle is complete once its minute closed before the tick. A source that ends (``end:``, a synthetic
    market, a CSV or Parquet file: its last row, read again when the file changes) gives its end, or the last
    minute before the tick when it reaches past it (a replay of history). A growing archive (Binance without
    ``end:``) publishes whole UTC days: the last minute of the day before the tick's. Raises
    ``FileNotFoundError`` when the source file is missing.

    Example:
        >>> m = Market("m", "E", "A-B", "2024-01-01", {"kind": "binance"})
        >>> last, why = latest_complete_candle(m, ".", dt.datetime(2024, 3, 2, 3, 0, tzinfo=dt.timezone.utc))
        >>> _iso(last)
        '2024-03-01 23:59'
    """
    tick_ms = int(tick.timestamp() * 1000)
    closed = tick_ms // ONE_MINUTE_MS * ONE_MINUTE_MS - ONE_MINUTE_MS
    end = steps.market_data_end(market, project_dir)
    if end is None:
        return (tick_ms // ONE_DAY_MS * ONE_DAY_MS - ONE_MINUTE_MS,
                "a growing Binance archive: whole UTC days, the last one before the tick")
    if end[0] > closed:
        return closed, f"the last minute closed before the tick; {end[1]} is later"
    return end


@dataclasses.dataclass(frozen=True)
class PipelineRun:
    """The last run that went through a pipeline (its ``comparison_report`` materialised)."""

    run_id: str
    anchor: str
    # the end (exclusive, UTC midnight) of the complete days it trained and evaluated on; None: not known
    through_ms: int | None


def _text(value) -> str | None:
    value = getattr(value, "value", value)
    return None if value is None else str(value)


def last_pipeline_run(instance: dg.DagsterInstance, pipeline: Pipeline) -> PipelineRun | None:
    """The last run that trained and evaluated ``pipeline`` to the end, from any job (the schedule's,
    ``make demo``, *Materialize* in the UI), and the data it had: the end of its evaluation window (as it
    resolved it; the blocking window check let no gap through), else the ``jesse_dag/data_through`` tag the
    schedule gave it. None when the pipeline never ran through."""
    event = instance.get_latest_materialization_event(dg.AssetKey([pipeline.name, "comparison_report"]))
    if event is None:
        return None
    run = instance.get_run_by_id(event.run_id)
    tags = dict(run.tags) if run is not None else {}
    window: dict = {}
    eval_key = dg.AssetKey([pipeline.name, "evaluation_trading_candles"])
    for entry in instance.all_logs(event.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        mat = entry.asset_materialization
        if mat is not None and mat.asset_key == eval_key:
            window = {k: _text(v) for k, v in mat.metadata.items()}
    day = window.get("window_end") or tags.get(DATA_THROUGH_TAG)
    through = None if not day else int(dt.datetime.strptime(day, "%Y-%m-%d")
                                       .replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    anchor = window.get("resolved_anchor") or tags.get(steps.ANCHOR_TAG) or "fixed windows"
    if window.get("resolved_anchor_from"):
        anchor = f"{anchor} ({window['resolved_anchor_from']})"
    return PipelineRun(event.run_id, anchor, through)


def plan_tick(pipeline: Pipeline, market: Market, project_dir: str | Path, months: dg.PartitionsDefinition,
              tick: dt.datetime, instance: dg.DagsterInstance | None) -> dg.SkipReason | list[dg.RunRequest]:
    """What the schedule of ``pipeline`` does at ``tick``: the refresh run (and import-only runs for months a
    missed tick left behind) when the market has new complete data, a complete UTC day the pipeline's last run
    (:func:`last_pipeline_run`, read from ``instance``) did not have; else a ``SkipReason`` that names the
    market, its latest complete candle and where that comes from, and the last run, its anchor and its data.
    ``months``: the candle partitions the code location loaded."""
    tick = tick.astimezone(dt.timezone.utc)
    month = dt.date(tick.year, tick.month, 1).isoformat()
    if month < market.start[:8] + "01":
        return dg.SkipReason(f"{month} is before the market's first month {market.start}")
    try:
        last, source = latest_complete_candle(market, project_dir, tick)
    except FileNotFoundError as exc:
        return dg.SkipReason(f"market {market.name}: its source file is missing ({exc}); nothing to import")
    except ValueError as exc:  # an empty file
        return dg.SkipReason(f"market {market.name}: {exc}; nothing to import")
    through = (last + ONE_MINUTE_MS) // ONE_DAY_MS * ONE_DAY_MS  # end of the last complete day
    latest = f"the latest complete candle of market {market.name} is {_iso(last)} UTC ({source})"
    if pipeline.rolling and pipeline.anchor == "tick":
        needed = int(tick.timestamp() * 1000) // ONE_DAY_MS * ONE_DAY_MS
        if through < needed:
            return dg.SkipReason(
                f"no new complete data: {latest}, but this tick ({tick:%Y-%m-%d %H:%M} UTC) evaluates up to "
                f"{_day(needed)}, which needs every candle through {_iso(needed - ONE_MINUTE_MS)}; re-training "
                "waits for data that reaches the tick's day (`anchor: latest_candle` trains on the data there is)")
    if through <= int(dt.datetime.strptime(market.start, "%Y-%m-%d")
                      .replace(tzinfo=dt.timezone.utc).timestamp() * 1000):
        return dg.SkipReason(f"no new complete data: {latest}; no complete day since the market's start "
                             f"{market.start}")
    previous = None if instance is None else last_pipeline_run(instance, pipeline)
    had = None if previous is None else previous.through_ms
    if had is not None and not pipeline.rolling and min(through, pipeline.evaluation.end_ms) <= had:
        return dg.SkipReason(
            f"nothing new to train on: pipeline {pipeline.name} has fixed windows (training "
            f"{pipeline.training.start} .. {pipeline.training.end}, evaluation {pipeline.evaluation.start} .. "
            f"{pipeline.evaluation.end}) and its last run (run {previous.run_id[:8]}) trained and evaluated on "
            f"all of them; new candles ({latest}) cannot change them: give the windows a `length` to move "
            "with the data")
    if had is not None and through <= had:
        return dg.SkipReason(
            f"no new complete data: {latest}, so its last complete day is {_day(through - ONE_DAY_MS)}; "
            f"the last run of pipeline {pipeline.name} (run {previous.run_id[:8]}, anchor {previous.anchor}) "
            f"already trained and evaluated on the data through {_iso(had - ONE_MINUTE_MS)} UTC; the next "
            f"tick runs once {_day(had)} is complete")
    running = [] if instance is None else instance.get_runs(dg.RunsFilter(
        job_name=refresh_job_name(pipeline), statuses=IN_PROGRESS,
        tags={"pipeline": pipeline.name, DATA_THROUGH_TAG: _day(through)}), limit=1)
    if running:
        return dg.SkipReason(f"run {running[0].run_id[:8]} of pipeline {pipeline.name} is already bringing "
                             f"in market {market.name}'s data through {_iso(through - ONE_MINUTE_MS)} UTC")
    newest = _month(through - ONE_MINUTE_MS)
    known = months.get_partition_keys()
    if newest not in known:
        return dg.SkipReason(
            f"{latest}, in month {newest[:7]}, but the code location was loaded when the data ended in "
            f"{known[-1][:7]} (the candle partitions end there): reload it (Deployment > Reload, or restart "
            "`make ui`) so the month has a partition")
    first = newest if had is None else max(_month(had), market.start[:8] + "01")
    requests = [dg.RunRequest(run_key=f"{pipeline.name}-{tick.isoformat()}-import-{m}", partition_key=m,
                              asset_selection=[candles_key(market)],
                              tags={"pipeline": pipeline.name, IMPORT_ONLY_TAG: f"catch-up before {_day(through)}"})
                for m in known if first <= m < newest]
    tags = {**schedule_tags(pipeline, tick), DATA_THROUGH_TAG: _day(through)}
    return [*requests, dg.RunRequest(run_key=f"{pipeline.name}-{tick.isoformat()}", partition_key=newest,
                                     tags=tags)]


def pipeline_schedule(pipeline: Pipeline, market: Market, project_dir: str | Path = ".",
                      months: dg.PartitionsDefinition | None = None) -> dg.ScheduleDefinition:
    """Runs the refresh job at the pipeline's cron time when :func:`plan_tick` finds new complete data (the
    month of the newest complete candle, anchored at the tick), else skips and says why. ``months``: the
    candle partitions the code location loaded (a file that grew into a later month needs a reload)."""
    months = months or month_partitions(market, str(project_dir))

    @dg.schedule(name=f"{pipeline.name.replace('-', '_')}__schedule", cron_schedule=pipeline.schedule,
                 job_name=refresh_job_name(pipeline), execution_timezone="UTC")
    def _schedule(context: dg.ScheduleEvaluationContext):
        # a context built in a test without an instance reference has no run history to read
        instance = context.instance if context.instance_ref is not None else None
        return plan_tick(pipeline, market, project_dir, months, context.scheduled_execution_time, instance)

    return _schedule


def inbox_dir(project_dir: str | Path, market: Market) -> Path:
    return path_inside(Path(project_dir) / "storage" / "inbox", market.name, what="market name",
                       where="project.yaml markets")


def inbox_sensor(market: Market, project_dir: str | Path,
                 partitions: dg.PartitionsDefinition | None = None) -> dg.SensorDefinition:
    """A file dropped into ``storage/inbox/<market>/`` whose name starts with ``YYYY-MM`` imports that month.
    ``partitions``: the candle months the code location loaded (by default computed now)."""
    partitions = partitions or month_partitions(market, str(project_dir))

    @dg.sensor(name=f"{market.name.replace('-', '_')}__inbox", job_name=import_job_name(market),
               minimum_interval_seconds=60)
    def _sensor(context: dg.SensorEvaluationContext):
        folder = inbox_dir(project_dir, market)
        if not folder.is_dir():
            return dg.SkipReason(f"no inbox folder {folder}")
        requests = []
        months = partitions.get_partition_keys()
        for f in sorted(folder.iterdir()):
            if f.suffix not in INBOX_SUFFIXES:
                continue
            month = f.name[:7]
            try:
                dt.datetime.strptime(month, "%Y-%m")
            except ValueError:
                context.log.warning(f"inbox file {f.name} ignored: its name must start with YYYY-MM")
                continue
            if f"{month}-01" not in months:
                context.log.warning(f"inbox file {f.name} ignored: {month} is outside the months of market "
                                    f"{market.name} ({months[0][:7]} .. {months[-1][:7]}); its data ends there "
                                    "(raise `end:` in project.yaml, or the source's own end, to import later months)")
                continue
            stat = f.stat()
            requests.append(dg.RunRequest(run_key=f"{f.name}:{stat.st_size}:{stat.st_mtime_ns}",
                                          partition_key=f"{month}-01", tags={"inbox_file": str(f)}))
        return requests or dg.SkipReason("inbox is empty")

    return _sensor


@dg.run_failure_sensor(name="post_failed_runs_to_webhook", minimum_interval_seconds=30)
def post_failed_runs(context: dg.RunFailureSensorContext):
    """Posts a failed run's job and error to the webhook, when ``JESSE_DAG_WEBHOOK_URL`` is set."""
    if not os.environ.get(WEBHOOK_ENV):
        return dg.SkipReason(f"{WEBHOOK_ENV} is not set")
    run = context.dagster_run
    try:
        post_summary(f"Run failed: {run.job_name}", {"run_id": run.run_id,
                                                      "error": context.failure_event.message or "unknown"})
    except WebhookError as exc:
        context.log.warning(str(exc))


def build_automation(project: Project) -> tuple[list, list, list]:
    from assets.universe import universe_schedule  # it reads this module's job names and tags

    jobs, schedules, sensors = [], [], [post_failed_runs]
    # the months the candle assets were built with (a file that grows later needs a reload for a new month)
    months = {name: month_partitions(m, str(project.directory)) for name, m in project.markets.items()}
    imports = {}
    for market in project.markets.values():
        imports[market.name] = market_import_job(market)
        jobs.append(imports[market.name])
        sensors.append(inbox_sensor(market, project.directory, months[market.name]))
    for pipeline in project.pipelines.values():
        market = project.markets[pipeline.market]
        if pipeline.pooled:
            # a universe: per-market and pooled steps alternate, and its candles are partitioned by month, its
            # steps by market, which one job cannot mix: a job per stage (see assets.pipelines.universe_jobs)
            stages = universe_jobs(pipeline)
            jobs += stages
            if pipeline.schedule:  # the stages in order at each tick: a sensor (a schedule starts one job)
                sensors.append(universe_schedule(pipeline, project, [*(imports[m] for m in pipeline.universe),
                                                                     *stages]))
            continue
        jobs += [pipeline_job(pipeline, market), pipeline_evaluate_job(pipeline)]
        if pipeline.schedule:
            schedules.append(pipeline_schedule(pipeline, market, project.directory, months[market.name]))
    return jobs, schedules, sensors
