"""Jobs, schedules and sensors: re-import, re-gather, re-train and re-evaluate on a schedule; pick up
candle files dropped into an inbox; post failed runs to the webhook."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg

from assets.candles import candles_key, month_partitions
from assets.pipelines import universe_jobs
from jesse_dag.paths import path_inside
from jesse_dag.project import Market, Pipeline, Project
from jesse_dag.reports.notify import WEBHOOK_ENV, WebhookError, post_summary
from jesse_dag.research import pipeline as steps

INBOX_SUFFIXES = (".csv", ".parquet", ".zip")


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


def pipeline_schedule(pipeline: Pipeline, market: Market, project_dir: str | Path = ".") -> dg.ScheduleDefinition:
    """Runs the refresh job at the pipeline's cron time for the month the tick falls in, anchored at the
    tick; a tick past the end of the market's data is skipped (there is nothing new to train on)."""

    @dg.schedule(name=f"{pipeline.name.replace('-', '_')}__schedule", cron_schedule=pipeline.schedule,
                 job_name=refresh_job_name(pipeline), execution_timezone="UTC")
    def _schedule(context: dg.ScheduleEvaluationContext):
        tick = context.scheduled_execution_time
        month = dt.date(tick.year, tick.month, 1).isoformat()
        if month < market.start[:8] + "01":
            return dg.SkipReason(f"{month} is before the market's first month {market.start}")
        try:
            end = steps.market_data_end(market, project_dir)
        except FileNotFoundError as exc:
            return dg.SkipReason(f"market {market.name}: its source file is missing ({exc}); nothing to import")
        if end is not None and int(tick.timestamp() * 1000) > end[0]:
            last = dt.datetime.fromtimestamp(end[0] / 1000, tz=dt.timezone.utc)
            return dg.SkipReason(
                f"no new complete data: the data of market {market.name} ends at {last:%Y-%m-%d %H:%M} UTC "
                f"({end[1]}), before this tick ({tick:%Y-%m-%d %H:%M} UTC); the last month {last:%Y-%m} is "
                f"imported by a backfill of market/{market.name}/candles, and re-training would see nothing new")
        return dg.RunRequest(run_key=f"{pipeline.name}-{tick.isoformat()}", partition_key=month,
                             tags=schedule_tags(pipeline, tick))

    return _schedule


def inbox_dir(project_dir: str | Path, market: Market) -> Path:
    return path_inside(Path(project_dir) / "storage" / "inbox", market.name, what="market name",
                       where="project.yaml markets")


def inbox_sensor(market: Market, project_dir: str | Path) -> dg.SensorDefinition:
    """A file dropped into ``storage/inbox/<market>/`` whose name starts with ``YYYY-MM`` imports that month."""

    @dg.sensor(name=f"{market.name.replace('-', '_')}__inbox", job_name=import_job_name(market),
               minimum_interval_seconds=60)
    def _sensor(context: dg.SensorEvaluationContext):
        folder = inbox_dir(project_dir, market)
        if not folder.is_dir():
            return dg.SkipReason(f"no inbox folder {folder}")
        requests = []
        months = month_partitions(market, str(project_dir)).get_partition_keys()
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
    imports = {}
    for market in project.markets.values():
        imports[market.name] = market_import_job(market)
        jobs.append(imports[market.name])
        sensors.append(inbox_sensor(market, project.directory))
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
            schedules.append(pipeline_schedule(pipeline, market, project.directory))
    return jobs, schedules, sensors
