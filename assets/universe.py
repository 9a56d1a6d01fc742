"""A universe's schedule: one sensor that runs the pipeline's stages in order at each tick of its cron.

A schedule starts runs of one job; a universe needs five stages one after the other (each market's month of
candles, each market's windows and samples, the pooled model, each market's backtests, the pooled reports),
some of them one run per market. The sensor ``<p>__schedule`` keeps the tick it works on and the stage it
reached in its cursor. At each evaluation: when every run of the current stage has succeeded, it requests the
next stage's runs (tagged with the tick, the stage and the anchor the single-market schedule would give); a
failed run ends that tick's chain (the reason is the sensor's message) until the next tick; with no chain under
way, a cron tick after the cursor's starts one. Markets whose data ends before the tick import nothing (their
months are stored); when every market's data has ended, the tick is skipped (nothing new to train on).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Callable

import dagster as dg
from dagster._utils.schedules import cron_string_iterator  # no public iterator of cron ticks

from assets.automation import import_job_name, schedule_tags
from assets.pipelines import UNIVERSE_STAGES
from jesse_dag.project import Pipeline, Project
from jesse_dag.research import pipeline as steps

TICK_TAG = "jesse_dag/universe_tick"
STAGE_TAG = "jesse_dag/universe_stage"
STAGES = ("import_candles", *UNIVERSE_STAGES)
FAILED = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def stage_runs(pipeline: Pipeline, project: Project, stage: int, tick: dt.datetime) -> list[tuple[str, str | None]]:
    """``(job name, partition key)`` of each run of ``stage`` (an index of :data:`STAGES`) at ``tick``."""
    group = pipeline.name.replace("-", "_")
    name = STAGES[stage]
    if name == "import_candles":
        month = dt.date(tick.year, tick.month, 1).isoformat()
        runs = []
        for m in (project.markets[n] for n in pipeline.universe):
            end = steps.market_data_end(m, project.directory)
            if month >= m.start[:8] + "01" and (end is None or int(tick.timestamp() * 1000) <= end[0]):
                runs.append((import_job_name(m), month))
        return runs
    if name.endswith("_markets"):
        return [(f"{group}__{name}", m) for m in pipeline.universe]
    return [(f"{group}__{name}", None)]


def _requests(pipeline: Pipeline, project: Project, stage: int, tick: dt.datetime) -> list[dg.RunRequest]:
    tags = {**schedule_tags(pipeline, tick), TICK_TAG: tick.isoformat(), STAGE_TAG: STAGES[stage]}
    return [dg.RunRequest(run_key=f"{pipeline.name}:{tick.isoformat()}:{STAGES[stage]}:{part}", job_name=job,
                          partition_key=part, tags=tags)
            for job, part in stage_runs(pipeline, project, stage, tick)]


def advance(instance: dg.DagsterInstance, pipeline: Pipeline, project: Project, cursor: str | None,
            now: float) -> tuple[list[dg.RunRequest], str, str]:
    """One evaluation of the sensor: ``(run requests, new cursor, what happened)``.

    The cursor is JSON: ``{"tick": ISO time, "stage": index or null, "note": ...}``; a first evaluation only
    records ``now`` (the first tick after it starts the first chain)."""
    state: dict[str, Any] = json.loads(cursor) if cursor else {}
    if not state:
        start = dt.datetime.fromtimestamp(now, tz=dt.timezone.utc).isoformat()
        return [], json.dumps({"tick": start, "stage": None}), f"waiting for the first tick after {start}"
    tick = dt.datetime.fromisoformat(state["tick"])
    stage = state.get("stage")
    if stage is not None:  # a chain under way: has its current stage finished?
        runs = instance.get_runs(dg.RunsFilter(tags={TICK_TAG: tick.isoformat(), STAGE_TAG: STAGES[stage],
                                                     "pipeline": pipeline.name}))
        latest: dict[tuple, dg.DagsterRun] = {}
        for r in runs:  # newest first: a re-execution of a failed run (a retry) stands for it
            latest.setdefault((r.job_name, r.tags.get("dagster/partition")), r)
        runs = list(latest.values())
        failed = [r for r in runs if r.status in FAILED]
        if failed:
            note = (f"tick {tick.isoformat()}: stage {STAGES[stage]} failed (run {failed[0].run_id}); the chain "
                    "stops until the next tick")
            return [], json.dumps({"tick": tick.isoformat(), "stage": None, "note": note}), note
        expected = len(stage_runs(pipeline, project, stage, tick))
        done = sum(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        if done < expected:
            note = f"tick {tick.isoformat()}: stage {STAGES[stage]}, {done} of {expected} runs done"
            return [], json.dumps(state), note
        for nxt in range(stage + 1, len(STAGES)):
            requests = _requests(pipeline, project, nxt, tick)
            if requests:
                return requests, json.dumps({"tick": tick.isoformat(), "stage": nxt}), \
                    f"tick {tick.isoformat()}: stage {STAGES[nxt]}, {len(requests)} run(s)"
        note = f"tick {tick.isoformat()}: every stage done"
        return [], json.dumps({"tick": tick.isoformat(), "stage": None, "note": note}), note
    # no chain under way: the latest cron tick after the cursor's, if one has come
    latest = None
    for t in cron_string_iterator(tick.timestamp() + 1, pipeline.schedule, "UTC"):
        if t.timestamp() > now:
            break
        latest = t
    if latest is None:
        return [], json.dumps(state), f"no tick of {pipeline.schedule!r} since {tick.isoformat()}"
    latest = latest.astimezone(dt.timezone.utc)
    requests = _requests(pipeline, project, 0, latest)
    if not requests:
        note = (f"tick {latest.isoformat()}: the data of every market of {pipeline.name} ends before it (or "
                "starts after it); nothing new to train on")
        return [], json.dumps({"tick": latest.isoformat(), "stage": None, "note": note}), note
    return requests, json.dumps({"tick": latest.isoformat(), "stage": 0}), \
        f"tick {latest.isoformat()}: importing {len(requests)} market month(s)"


def universe_schedule(pipeline: Pipeline, project: Project, jobs: list,
                      clock: Callable[[], float] = time.time) -> dg.SensorDefinition:
    """The sensor that schedules a universe (see the module's docstring); ``jobs``: the jobs it starts."""

    @dg.sensor(name=f"{pipeline.name.replace('-', '_')}__schedule", jobs=jobs, minimum_interval_seconds=60,
               description=f"Runs the stages of {pipeline.name} over {len(pipeline.universe)} markets in order at "
                           f"each tick of {pipeline.schedule!r} (UTC).")
    def _sensor(context: dg.SensorEvaluationContext):
        requests, cursor, note = advance(context.instance, pipeline, project, context.cursor, clock())
        context.update_cursor(cursor)
        return requests or dg.SkipReason(note)

    return _sensor
