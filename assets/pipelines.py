"""Per-pipeline assets: window candles, ML samples, model bundle, reports, deploy and backtests.

Each asset calls one function of :mod:`jesse_dag.research.pipeline` and records metadata. Keys read
``<pipeline>/<step>`` in the UI; the pipeline's assets form one group.
"""

import contextlib
import dataclasses
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import dagster as dg

from assets.candles import candles_key
from assets.resources import DUCKDB_POOL, ResearchStore
from assets.versions import library_version, strategy_version
from jesse_dag.project import Market, Pipeline, Window
from jesse_dag.research import pipeline as steps
from jesse_dag.store.connection import StoreLockedError

NUMERIC = (int, float)
# A step that touches the DuckDB file can meet a lock held by a process outside Dagster (a CLI import,
# a notebook): a passing reason, so it is retried with backoff before the run fails.
STORE_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)


def _numbers(prefix: str, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Finite numeric metrics as float metadata, so the UI plots them across materialisations."""
    out: dict[str, Any] = {}
    for k, v in metrics.items():
        if isinstance(v, NUMERIC) and not isinstance(v, bool) and v == v and abs(v) != float("inf"):
            out[f"{prefix}{k}"] = dg.MetadataValue.float(float(v))
    return out


@contextlib.contextmanager
def deterministic_errors(what: str) -> Iterator[None]:
    """A bad input (a month with no data, a window past the data) fails the same way on every try: fail at
    once, naming ``what``, instead of retrying; a store lock (another process) stays retryable."""
    try:
        yield
    except StoreLockedError:
        raise
    except (ValueError, FileNotFoundError, KeyError) as exc:
        raise dg.Failure(description=f"{what}: {exc}", allow_retries=False) from exc


def run_anchor(context: dg.AssetExecutionContext) -> str | None:
    """The anchor the run carries as a tag (the schedule sets it); None outside a schedule: latest candle."""
    run = getattr(context, "run", None)
    return None if run is None else (run.tags or {}).get(steps.ANCHOR_TAG)


def _window_meta(info: Mapping[str, Any]) -> dict[str, Any]:
    return {f"resolved_{k}": (dg.MetadataValue.json(v) if isinstance(v, list) else str(v)) for k, v in info.items()}


def _open_link(path: str) -> dict[str, Any]:
    """A ``file://`` link to a report: the UI shows a path as text, a URL as a link that opens it."""
    return {"open_report": dg.MetadataValue.url(Path(path).resolve().as_uri())}


def market_partitions(pipeline: Pipeline) -> dg.StaticPartitionsDefinition | None:
    """The per-market partitions of a universe (``markets:``): one per market; ``None`` for one market."""
    return dg.StaticPartitionsDefinition(list(pipeline.universe)) if pipeline.pooled else None


# A universe runs in four stages, each a job (the UI's backfill runs a partitioned one over every market):
# each market's windows and samples, the pooled model, each market's backtests, the pooled reports.
UNIVERSE_STAGES = {
    "gather_markets": ("training_warmup_candles", "training_trading_candles", "evaluation_warmup_candles",
                       "evaluation_trading_candles", "market_samples"),
    "train_pooled": ("ml_samples", "model_bundle", "evaluation_report", "deployed_model"),
    "backtest_markets": ("baseline_backtest", "deployed_backtest", "walk_forward"),
    "report_pooled": ("comparison_report", "walk_forward_pooled"),
}


def universe_jobs(pipeline: Pipeline) -> list:
    """The four stage jobs of a universe pipeline, ``<p>__<stage>`` (see :data:`UNIVERSE_STAGES`); a step
    the pipeline lacks (no walk-forward) is left out."""
    group = pipeline.name.replace("-", "_")
    jobs = []
    for n, (stage, names) in enumerate(UNIVERSE_STAGES.items(), start=1):
        keys = [dg.AssetKey([pipeline.name, name]) for name in names
                if pipeline.walk_forward is not None or not name.startswith("walk_forward")]
        per_market = stage.endswith("_markets")
        jobs.append(dg.define_asset_job(
            f"{group}__{stage}", selection=dg.AssetSelection.assets(*keys),
            description=f"Stage {n} of 4 of {pipeline.name} over {len(pipeline.universe)} markets: "
                        + ("one run per market (backfill every partition); " if per_market else "one run; ")
                        + ", ".join(k.path[-1] for k in keys) + "."))
    return jobs


def build_pipeline_assets(pipeline: Pipeline, market: Market | Sequence[Market],
                          project_dir: str) -> list[dg.AssetsDefinition]:
    """The pipeline's assets over ``market`` (one) or the markets of its universe (in ``pipeline.universe``
    order). A universe's windows, samples and backtests are partitioned by market (gathered side by side on
    the multiprocess executor); its samples pool into one model; its comparison reports per market and pooled."""
    markets = [market] if isinstance(market, Market) else list(market)
    by_name = {m.name: m for m in markets}
    market = markets[0]
    per_market = market_partitions(pipeline)
    # one market: its candles as before; a universe: every market's candles (all months) feed each window
    candle_deps = ([candles_key(market)] if per_market is None else
                   [dg.AssetDep(candles_key(m), partition_mapping=dg.AllPartitionMapping()) for m in markets])
    p = pipeline.name
    group = p.replace("-", "_")
    lib = library_version()
    settings = pipeline.fingerprint()
    strat = strategy_version(project_dir, pipeline.strategy)
    base_version = f"{lib}-{settings}"
    strategy_code_version = f"{base_version}-{strat}"

    def key(*parts: str) -> dg.AssetKey:
        return dg.AssetKey([p, *parts])

    def market_of(context: dg.AssetExecutionContext) -> Market:
        return market if per_market is None else by_name[context.partition_key]

    def resolved(context: dg.AssetExecutionContext, store: ResearchStore):
        """The pipeline with dated windows for this run's anchor, and what was resolved (for metadata)."""
        with deterministic_errors(f"pipeline {p}: windows"):
            if per_market is not None:
                return steps.resolve_universe(pipeline, markets, run_anchor(context), db_path=store.db_path)
            return steps.resolve_pipeline(pipeline, market, run_anchor(context), db_path=store.db_path)

    def window_text(window_name: str) -> tuple[str, str]:
        window = getattr(pipeline, window_name)
        if window is not None:
            return window.start, window.end
        length = getattr(pipeline, f"{window_name}_length") / 86_400
        return (f"the start of a {length:g}-day window moving with the run's anchor ({pipeline.anchor})",
                "its end (the dates are in each materialisation's metadata)")

    def window_asset(window_name: str) -> dg.AssetsDefinition:
        start_text, end_text = window_text(window_name)

        @dg.multi_asset(
            name=f"{group}__{window_name}_window",
            outs={
                "warmup_candles": dg.AssetOut(key=key(f"{window_name}_warmup_candles"), group_name=group,
                                              code_version=base_version, kinds={"numpy"},
                                              tags={"window": window_name},
                                              description=f"{window_name.capitalize()} window: the 1-minute warm-up "
                                                          f"candles before {start_text} (the strategy's "
                                                          f"{pipeline.warmup_bars} warm-up bars)."),
                "trading_candles": dg.AssetOut(key=key(f"{window_name}_trading_candles"), group_name=group,
                                               code_version=base_version, kinds={"numpy"},
                                               tags={"window": window_name},
                                               description=f"{window_name.capitalize()} window: the 1-minute candles "
                                                           f"traded, {start_text} .. {end_text}."),
            },
            deps=candle_deps,
            partitions_def=per_market,
            pool=DUCKDB_POOL,
            retry_policy=STORE_RETRY,
            check_specs=[dg.AssetCheckSpec("window_integrity", asset=key(f"{window_name}_trading_candles"), blocking=True,
                                           description=f"The {window_name} window has every minute from its start to "
                                                       "its end (no gap) and at least one trading candle.")],
        )
        def _window(context: dg.AssetExecutionContext, store: ResearchStore):
            resolved_pipeline, info = resolved(context, store)
            window = getattr(resolved_pipeline, window_name)
            where = "" if per_market is None else f", market {context.partition_key}"
            with deterministic_errors(f"pipeline {p}{where}: {window_name} window {window.start} .. {window.end}"):
                res = steps.load_window(resolved_pipeline, market_of(context), window, db_path=store.db_path)
            dates = {"window_start": window.start, "window_end": window.end, **_window_meta(info)}
            meta = {"rows": res["trading_rows"], "first_candle": res["first"], "last_candle": res["last"],
                    "gaps": len(res["gaps"]), **dates}
            yield dg.Output(res["warmup"], output_name="warmup_candles",
                            data_version=dg.DataVersion(res["warmup_fingerprint"]),
                            metadata={"rows": res["warmup_rows"], "bars": pipeline.warmup_bars, **dates})
            yield dg.Output(res["trading"], output_name="trading_candles",
                            data_version=dg.DataVersion(res["trading_fingerprint"]), metadata=meta)
            yield dg.AssetCheckResult(
                asset_key=key(f"{window_name}_trading_candles"), check_name="window_integrity",
                passed=not res["gaps"] and res["trading_rows"] > 0,
                metadata={"missing_ranges": dg.MetadataValue.json(res["gaps"][:20])},
            )

        return _window

    sample_checks = [
        dg.AssetCheckSpec("enough_samples", asset=key("ml_samples"), blocking=True,
                          description="At least the pipeline's minimum number of labelled samples to train on."),
        dg.AssetCheckSpec("not_single_class", asset=key("ml_samples"), blocking=True,
                          description="A classification label takes at least two values (a regression label is "
                                      "not constant)."),
        dg.AssetCheckSpec("no_look_ahead", asset=key("ml_samples"), blocking=True,
                          description="Every sample's features closed before its label was decided "
                                      "(time + timeframe <= label_time), all inside the training window."),
    ]

    if per_market is not None:  # a universe: gathered per market, then pooled
        @dg.asset(
            key=key("market_samples"), group_name=group, code_version=strategy_code_version, kinds={"numba"},
            ins={"warmup": dg.AssetIn(key("training_warmup_candles")),
                 "trading": dg.AssetIn(key("training_trading_candles"))},
            # no store access (ml_samples stores them): outside the DuckDB pool, so markets gather in parallel
            partitions_def=per_market,
            description="One market's labelled feature points, recorded by the strategy in gather mode over the "
                        "training window (each point's route names the market); pooled and stored by ml_samples.",
        )
        def market_samples(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading):
            run_pipeline, _info = resolved(context, store)
            res = steps.gather_market_samples(run_pipeline, market_of(context), warmup, trading,
                                              project_dir=store.project_dir)
            return dg.Output(res, data_version=dg.DataVersion(res["fingerprint"]),
                             metadata={"samples": res["count"], "route": res["route"],
                                       "label_balance": dg.MetadataValue.json(res["label_counts"]),
                                       "training_window": dg.MetadataValue.json(res["window"]),
                                       **_numbers("backtest_", res["backtest_metrics"])})

        @dg.asset(
            key=key("ml_samples"), group_name=group, code_version=strategy_code_version, kinds={"duckdb", "csv"},
            ins={"gathered": dg.AssetIn(key("market_samples"))}, pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
            check_specs=sample_checks,
            description="The samples of every market pooled into one data set (the market recorded as each sample's "
                        "route, in the store and the CSV's sidecar, never a CSV column).",
        )
        def pooled_samples(context: dg.AssetExecutionContext, store: ResearchStore, gathered):
            """``gathered``: every market's ``market_samples``, by market name."""
            run_pipeline, _info = resolved(context, store)
            with deterministic_errors(f"pipeline {p}: pooling the samples"):
                res = steps.pool_samples(run_pipeline, gathered, db_path=store.db_path,
                                         project_dir=store.project_dir)
            yield dg.Output(
                res, data_version=dg.DataVersion(res["fingerprint"]),
                metadata={"samples": res["count"], "label_balance": dg.MetadataValue.json(res["label_counts"]),
                          "samples_per_market": dg.MetadataValue.json(
                              {m: v["samples"] for m, v in res["markets"].items()}),
                          "training_window": dg.MetadataValue.json(res["window"]),
                          "csv": dg.MetadataValue.path(res["csv_path"]),
                          **_numbers("backtest_", res["backtest_metrics"])},
            )
            for name, (passed, detail) in steps.check_samples(run_pipeline, res["data_points"]).items():
                yield dg.AssetCheckResult(check_name=name, passed=passed, metadata={"detail": detail})

    # one market: gathered, written as Jesse's CSV and stored in one step (unused by a universe)
    @dg.asset(
        key=key("ml_samples"), group_name=group, code_version=strategy_code_version, kinds={"duckdb", "csv"},
        ins={"warmup": dg.AssetIn(key("training_warmup_candles")),
             "trading": dg.AssetIn(key("training_trading_candles"))},
        pool=DUCKDB_POOL,
        retry_policy=STORE_RETRY,
        check_specs=sample_checks,
        description="Labelled feature points recorded by the strategy in gather mode over the training window.",
    )
    def ml_samples(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading):
        run_pipeline, info = resolved(context, store)
        res = steps.gather_samples(run_pipeline, market, warmup, trading, db_path=store.db_path,
                                   project_dir=store.project_dir)
        checks = steps.check_samples(run_pipeline, res["data_points"])
        yield dg.Output(
            res, data_version=dg.DataVersion(res["fingerprint"]),
            metadata={"samples": res["count"], "label_balance": dg.MetadataValue.json(res["label_counts"]),
                      "training_window": dg.MetadataValue.json(res["window"]),
                      "csv": dg.MetadataValue.path(res["csv_path"]), **_numbers("backtest_", res["backtest_metrics"])},
        )
        for name, (passed, detail) in checks.items():
            yield dg.AssetCheckResult(check_name=name, passed=passed, metadata={"detail": detail})

    @dg.asset(
        key=key("model_bundle"), group_name=group, code_version=base_version, kinds={"sklearn"},
        pool=DUCKDB_POOL,
        retry_policy=STORE_RETRY,
        check_specs=[dg.AssetCheckSpec("quality_gate", asset=key("model_bundle"), blocking=True,
                                  description="The purged out-of-sample metrics pass the pipeline's gate; a model "
                                              "that fails is kept but never deployed.")],
        description="train_model on the samples: a versioned bundle (model, scaler, importance, bundle.json).",
    )
    def model_bundle(context: dg.AssetExecutionContext, store: ResearchStore, ml_samples):
        # the window the samples were gathered on (not resolved again: the store may have grown since)
        run_pipeline = dataclasses.replace(pipeline, training=Window(*ml_samples["window"]))
        # the code that makes the samples and trains; the settings training reads are in the training key
        res = steps.train_bundle(run_pipeline, ml_samples, db_path=store.db_path, project_dir=store.project_dir,
                                 lineage={"run_id": context.run.run_id,
                                          "anchor": (run_anchor(context) or steps.LATEST_CANDLE)
                                          if pipeline.rolling else "fixed windows"},
                                 code_version=f"{lib}-{strat}")
        passed, detail = steps.quality_gate(pipeline, res)
        yield dg.Output(
            res, data_version=dg.DataVersion(res["fingerprint"]),
            metadata={"bundle": dg.MetadataValue.path(res["bundle_dir"]), "version": res["version"],
                      "unchanged": res["unchanged"],
                      "training_window": dg.MetadataValue.json(ml_samples["window"]),
                      **_numbers("test_", res["metrics"]), **_numbers("oos_", res["oos_metrics"])},
        )
        yield dg.AssetCheckResult(check_name="quality_gate", passed=passed, metadata={"detail": detail})

    @dg.asset(key=key("evaluation_report"), group_name=group, code_version=base_version, kinds={"html"},
              description="The training report: metrics, calibration, threshold sweep, importance, folds.")
    def evaluation_report(context: dg.AssetExecutionContext, store: ResearchStore, model_bundle):
        res = steps.write_evaluation_report(pipeline, model_bundle, out_dir=store.reports_dir)
        return dg.Output(res, data_version=dg.DataVersion(model_bundle["fingerprint"]),
                         metadata={"report": dg.MetadataValue.path(res["html"]), **_open_link(res["html"]),
                                   "summary": dg.MetadataValue.md(res["markdown"])})

    @dg.asset(key=key("deployed_model"), group_name=group, code_version=strategy_code_version, kinds={"sklearn"},
              ins={"model_bundle": dg.AssetIn(key("model_bundle")),
                   "warmup": dg.AssetIn(key("evaluation_warmup_candles")),
                   "trading": dg.AssetIn(key("evaluation_trading_candles"))},
              pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
              description="Champion and challenger: the new bundle (past the quality gate) and the deployed one "
                          "are scored on the evaluation window" + (" of every market" if per_market else "")
                          + "; the new one is copied atomically into strategies/<Name>/ only if it is not worse "
                            "by more than deploy.margin.")
    def deployed_model(context: dg.AssetExecutionContext, store: ResearchStore, model_bundle, warmup, trading):
        run_pipeline, info = resolved(context, store)
        with deterministic_errors(f"pipeline {p}: deploy"):
            if per_market is not None:  # every market's evaluation window (inputs by market name)
                res = steps.deploy_pooled(run_pipeline, markets, model_bundle,
                                          {m: (warmup[m], trading[m]) for m in pipeline.universe},
                                          project_dir=store.project_dir)
            else:
                res = steps.deploy_if_better(run_pipeline, market, model_bundle, warmup, trading,
                                             project_dir=store.project_dir)
        d = res["decision"]
        scores = {k: dg.MetadataValue.float(float(d[k])) for k in ("challenger_score", "champion_score")
                  if isinstance(d.get(k), float) and d[k] == d[k]}
        return dg.Output(res, data_version=dg.DataVersion(f"{res['bundle_id']}"),
                         metadata={"deployed_to": dg.MetadataValue.path(res["deployed_dir"]),
                                   "version": res["version"], "challenger": model_bundle["version"],
                                   "deployed_challenger": d["deploy"], "reason": d["reason"],
                                   "metric": d["metric"], **scores,
                                   # NaN (a score undefined on a one-class window) is not JSON
                                   "decision": dg.MetadataValue.json(
                                       {k: None if isinstance(v, float) and v != v else v for k, v in d.items()})})

    def backtest_asset(mode: str) -> dg.AssetsDefinition:
        ins = {"warmup": dg.AssetIn(key("evaluation_warmup_candles")),
               "trading": dg.AssetIn(key("evaluation_trading_candles"))}
        if mode == "deployed":
            ins["deployed_model"] = dg.AssetIn(key("deployed_model"))

        def run(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading, deployed):
            res = steps.backtest_window(pipeline, market_of(context), warmup, trading, mode=mode,
                                        project_dir=store.project_dir, deployed=deployed)
            return dg.Output(res, data_version=dg.DataVersion(res["fingerprint"]),
                             metadata={"trades": res["metrics"].get("total", 0), **_numbers("", res["metrics"])})

        if mode == "deployed":
            def fn(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading, deployed_model):
                return run(context, store, warmup, trading, deployed_model)
        else:
            def fn(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading):
                return run(context, store, warmup, trading, None)

        _bt = dg.asset(key=key(f"{mode}_backtest"), group_name=group, code_version=strategy_code_version, ins=ins,
                       kinds={"numba"}, partitions_def=per_market,
                       description=f"Backtest of the strategy ({mode}) on the out-of-sample evaluation window.")(fn)
        return _bt

    # reads the store for a moving window's dates (the last stored candle): in the DuckDB pool like the writers
    @dg.asset(key=key("comparison_report"), group_name=group, code_version=base_version, kinds={"html"},
              pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
              description="Does the model help out of sample? Baseline against model-filtered backtest.")
    def comparison_report(context: dg.AssetExecutionContext, store: ResearchStore, baseline_backtest,
                          deployed_backtest):
        run_pipeline, _info = resolved(context, store)
        if per_market is not None:  # one report per market and the pooled one
            res = steps.compare_pooled(run_pipeline, baseline_backtest, deployed_backtest, out_dir=store.reports_dir)
            extra = {"markets": dg.MetadataValue.json({m: v["html"] for m, v in res["markets"].items()}),
                     **_numbers("pooled_baseline_", res["pooled"]["baseline"]),
                     **_numbers("pooled_deployed_", res["pooled"]["deployed"])}
        else:
            res = steps.compare_backtests(run_pipeline, baseline_backtest, deployed_backtest,
                                          out_dir=store.reports_dir)
            extra = {}
        return dg.Output(res, metadata={"report": dg.MetadataValue.path(res["html"]), **_open_link(res["html"]),
                                        "summary": dg.MetadataValue.md(res["markdown"]),
                                        **_numbers("delta_", res["deltas"]), **extra})

    samples = [ml_samples] if per_market is None else [market_samples, pooled_samples]
    assets = [window_asset("training"), window_asset("evaluation"), *samples, model_bundle, evaluation_report,
              deployed_model, backtest_asset("baseline"), backtest_asset("deployed"), comparison_report]
    if pipeline.optimize is not None:
        @dg.asset(key=key("optimization"), group_name=group, code_version=strategy_code_version,
                  deps=[candles_key(market)], kinds={"optuna"}, pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
                  description="Hyperparameter search on the training window, each trial reported on the "
                              "evaluation window; the Optuna study resumes where it stopped.")
        def optimization(context: dg.AssetExecutionContext, store: ResearchStore):
            run_pipeline, _info = resolved(context, store)
            res = steps.optimize_pipeline(run_pipeline, market, db_path=store.db_path, project_dir=store.project_dir)
            best = res.get("best") or {}
            return dg.Output(res, data_version=dg.DataVersion(res["fingerprint"]),
                             metadata={"completed_trials": res.get("completed_trials", 0),
                                       "best_params": dg.MetadataValue.json(best.get("params") or {}),
                                       "best_dna": str(best.get("dna", ""))})

        assets.append(optimization)
    return assets
