"""``<pipeline>/walk_forward``: what re-training on a schedule would have earned over the stored history.

Built for a pipeline with a ``walk_forward:`` section in ``project.yaml``; it calls
:func:`jesse_dag.research.walk_forward.run_walk_forward` and writes the walk-forward report.
"""

import hashlib
import json
from pathlib import Path
from typing import Sequence

import dagster as dg

from assets.candles import candles_key
from assets.pipelines import STORE_RETRY, _numbers, _open_link, market_partitions
from assets.resources import DUCKDB_POOL, ResearchStore
from assets.versions import library_version, strategy_version
from jesse_dag.paths import path_inside
from jesse_dag.project import Market, Pipeline
from jesse_dag.research import walk_forward as wf


def walk_forward_dirs(pipeline: Pipeline, project_dir: str | Path, market: str | None = None) -> tuple[Path, Path]:
    """``(storage/walk_forward/<pipeline>, storage/reports/<pipeline>/walk_forward.html)``; for one ``market``
    of a universe ``(storage/walk_forward/<pipeline>/<market>, .../walk_forward_<market>.html)``."""
    where = "project.yaml pipelines"
    bundles = path_inside(Path(project_dir) / "storage" / "walk_forward", pipeline.name, what="pipeline name",
                          where=where)
    report = path_inside(Path(project_dir) / "storage" / "reports", pipeline.name, what="pipeline name", where=where)
    if market is None:
        return bundles, report / "walk_forward.html"
    return bundles / market, report / f"walk_forward_{market}.html"


def build_walk_forward_assets(pipeline: Pipeline, market: Market | Sequence[Market],
                              project_dir: str) -> list[dg.AssetsDefinition]:
    """The walk-forward asset of ``pipeline`` (none without a ``walk_forward:`` section); for a universe, one
    partition per market (each market's own history and models) and ``walk_forward_pooled``, their sum."""
    if pipeline.walk_forward is None:
        return []
    markets = [market] if isinstance(market, Market) else list(market)
    by_name = {m.name: m for m in markets}
    market = markets[0]
    per_market = market_partitions(pipeline)
    settings = wf.WalkForwardSettings.from_mapping(pipeline.walk_forward)
    key = dg.AssetKey([pipeline.name, "walk_forward"])
    settings_hash = hashlib.sha256(json.dumps(pipeline.walk_forward, sort_keys=True).encode()).hexdigest()[:12]
    version = (f"{library_version()}-{pipeline.fingerprint()}-{strategy_version(project_dir, pipeline.strategy)}-"
               f"{settings_hash}")
    days = lambda sec: f"{sec / 86_400:g}d"  # noqa: E731

    @dg.asset(
        key=key, group_name=pipeline.name.replace("-", "_"), code_version=version, kinds={"sklearn", "html"},
        deps=[candles_key(market)] if per_market is None else
        [dg.AssetDep(candles_key(m), partition_mapping=dg.AllPartitionMapping()) for m in markets],
        partitions_def=per_market, pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
        check_specs=[dg.AssetCheckSpec(
            "leak_free", asset=key, blocking=True,
            description="Read back from each step's bundle: its model saw no sample whose label was decided at or "
                        "after the step's start minus the embargo.")],
        description=f"Walk-forward over the stored history: every {days(settings.step)}, a model trained on the "
                    f"trailing {days(settings.training)} (ending an embargo before the step) trades the step; the "
                    "stitched result against no model and one fixed model trained at the start.",
    )
    def walk_forward(context: dg.AssetExecutionContext, store: ResearchStore):
        from jesse_dag.reports.walk_forward_report import write_walk_forward_report
        from jesse_dag.store.candles import load_candles

        this = market if per_market is None else by_name[context.partition_key]
        bundles_dir, report_path = walk_forward_dirs(pipeline, store.project_dir,
                                                     None if per_market is None else this.name)
        candles = load_candles(this.exchange, this.symbol, db=store.db_path)
        # progress (the gather's days, each fit and step backtest) as plain lines in the run's log
        res = wf.run_walk_forward(pipeline, this, candles, settings, project_dir=store.project_dir,
                                  bundles_dir=bundles_dir, progress=context.log.info)
        html_path, json_path = write_walk_forward_report(res, report_path)
        problems = wf.check_leak_free(res)
        table = "| metric | baseline | fixed model | walk-forward |\n|---|---|---|---|\n" + "\n".join(
            f"| {name} | " + " | ".join(f"{v:,.4f}" if isinstance(v, float) else str(v) for v in values) + " |"
            for name, *values in wf.summary_table(res))
        fingerprint = hashlib.sha256(json.dumps([res["summary"], [s["samples_fingerprint"] for s in res["steps"]]],
                                                sort_keys=True).encode()).hexdigest()[:16]
        yield dg.Output(
            res, data_version=dg.DataVersion(fingerprint),
            metadata={"steps": len(res["steps"]), "span": f"{res['span'][0]} .. {res['span'][1]}",
                      "summary": dg.MetadataValue.md(table), "report": dg.MetadataValue.path(str(html_path)),
                      "json": dg.MetadataValue.path(str(json_path)), **_open_link(str(html_path)),
                      "bundles": dg.MetadataValue.path(str(bundles_dir)),
                      **_numbers("walk_forward_", res["summary"]["walk_forward"]),
                      **_numbers("fixed_", res["summary"]["fixed"]), **_numbers("baseline_", res["summary"]["baseline"])},
        )
        yield dg.AssetCheckResult(check_name="leak_free", passed=not problems,
                                  metadata={"problems": dg.MetadataValue.json(problems[:20])})

    if per_market is None:
        return [walk_forward]

    @dg.asset(
        key=dg.AssetKey([pipeline.name, "walk_forward_pooled"]), group_name=pipeline.name.replace("-", "_"),
        code_version=version, kinds={"json"}, ins={"per_market": dg.AssetIn(key)},
        description="The walk-forward of every market of the universe side by side (one account each) and pooled: "
                    "trades and net profit summed (see jesse_dag.research.walk_forward.pool_walk_forward).",
    )
    def walk_forward_pooled(context: dg.AssetExecutionContext, store: ResearchStore, per_market):
        _bundles, report_path = walk_forward_dirs(pipeline, store.project_dir)
        res = wf.pool_walk_forward(pipeline, per_market, report_path.with_name("walk_forward_pooled.json"))
        fingerprint = hashlib.sha256(json.dumps(res["pooled"], sort_keys=True).encode()).hexdigest()[:16]
        return dg.Output(res, data_version=dg.DataVersion(fingerprint),
                         metadata={"summary": dg.MetadataValue.md(res["markdown"]),
                                   "json": dg.MetadataValue.path(res["json"]),
                                   **{f"{v}_{k}": dg.MetadataValue.float(float(x))
                                      for v, metrics in res["pooled"].items() for k, x in metrics.items()}})

    return [walk_forward, walk_forward_pooled]
