"""Per-pipeline assets: window candles, ML samples, model bundle, reports, deploy and backtests.

Each asset calls one function of :mod:`jesse_dag.research.pipeline` and records metadata. Keys read
``<pipeline>/<step>`` in the UI; the pipeline's assets form one group.
"""

from pathlib import Path
from typing import Any, Mapping

import dagster as dg

from assets.candles import candles_key
from assets.resources import DUCKDB_POOL, ResearchStore
from assets.versions import library_version, strategy_version
from jesse_dag.project import Market, Pipeline
from jesse_dag.research import pipeline as steps

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


def _open_link(path: str) -> dict[str, Any]:
    """A ``file://`` link to a report: the UI shows a path as text, a URL as a link that opens it."""
    return {"open_report": dg.MetadataValue.url(Path(path).resolve().as_uri())}


def build_pipeline_assets(pipeline: Pipeline, market: Market, project_dir: str) -> list[dg.AssetsDefinition]:
    p = pipeline.name
    group = p.replace("-", "_")
    lib = library_version()
    settings = pipeline.fingerprint()
    strat = strategy_version(project_dir, pipeline.strategy)
    base_version = f"{lib}-{settings}"
    strategy_code_version = f"{base_version}-{strat}"

    def key(*parts: str) -> dg.AssetKey:
        return dg.AssetKey([p, *parts])

    def window_asset(window_name: str) -> dg.AssetsDefinition:
        window = getattr(pipeline, window_name)

        @dg.multi_asset(
            name=f"{group}__{window_name}_window",
            outs={
                "warmup_candles": dg.AssetOut(key=key(f"{window_name}_warmup_candles"), group_name=group,
                                              code_version=base_version, kinds={"numpy"},
                                              tags={"window": window_name},
                                              description=f"{window_name.capitalize()} window: the 1-minute warm-up "
                                                          f"candles before {window.start} (the strategy's "
                                                          f"{pipeline.warmup_bars} warm-up bars)."),
                "trading_candles": dg.AssetOut(key=key(f"{window_name}_trading_candles"), group_name=group,
                                               code_version=base_version, kinds={"numpy"},
                                               tags={"window": window_name},
                                               description=f"{window_name.capitalize()} window: the 1-minute candles "
                                                           f"traded, {window.start} .. {window.end}."),
            },
            deps=[candles_key(market)],
            pool=DUCKDB_POOL,
            retry_policy=STORE_RETRY,
            check_specs=[dg.AssetCheckSpec("window_integrity", asset=key(f"{window_name}_trading_candles"), blocking=True,
                                           description=f"The {window_name} window has every minute from its start to "
                                                       "its end (no gap) and at least one trading candle.")],
        )
        def _window(context: dg.AssetExecutionContext, store: ResearchStore):
            res = steps.load_window(pipeline, market, window, db_path=store.db_path)
            meta = {"rows": res["trading_rows"], "first_candle": res["first"], "last_candle": res["last"],
                    "gaps": len(res["gaps"])}
            yield dg.Output(res["warmup"], output_name="warmup_candles",
                            data_version=dg.DataVersion(res["warmup_fingerprint"]),
                            metadata={"rows": res["warmup_rows"], "bars": pipeline.warmup_bars})
            yield dg.Output(res["trading"], output_name="trading_candles",
                            data_version=dg.DataVersion(res["trading_fingerprint"]), metadata=meta)
            yield dg.AssetCheckResult(
                asset_key=key(f"{window_name}_trading_candles"), check_name="window_integrity",
                passed=not res["gaps"] and res["trading_rows"] > 0,
                metadata={"missing_ranges": dg.MetadataValue.json(res["gaps"][:20])},
            )

        return _window

    @dg.asset(
        key=key("ml_samples"), group_name=group, code_version=strategy_code_version, kinds={"duckdb", "csv"},
        ins={"warmup": dg.AssetIn(key("training_warmup_candles")),
             "trading": dg.AssetIn(key("training_trading_candles"))},
        pool=DUCKDB_POOL,
        retry_policy=STORE_RETRY,
        check_specs=[
            dg.AssetCheckSpec("enough_samples", asset=key("ml_samples"), blocking=True,
                              description="At least the pipeline's minimum number of labelled samples to train on."),
            dg.AssetCheckSpec("not_single_class", asset=key("ml_samples"), blocking=True,
                              description="A classification label takes at least two values (a regression label is "
                                          "not constant)."),
            dg.AssetCheckSpec("no_look_ahead", asset=key("ml_samples"), blocking=True,
                              description="Every sample's features closed before its label was decided "
                                          "(time + timeframe <= label_time), all inside the training window."),
        ],
        description="Labelled feature points recorded by the strategy in gather mode over the training window.",
    )
    def ml_samples(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading):
        res = steps.gather_samples(pipeline, market, warmup, trading, db_path=store.db_path,
                                   project_dir=store.project_dir)
        checks = steps.check_samples(pipeline, res["data_points"])
        yield dg.Output(
            res, data_version=dg.DataVersion(res["fingerprint"]),
            metadata={"samples": res["count"], "label_balance": dg.MetadataValue.json(res["label_counts"]),
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
        res = steps.train_bundle(pipeline, ml_samples, db_path=store.db_path, project_dir=store.project_dir,
                                 lineage={"run_id": context.run.run_id})
        passed, detail = steps.quality_gate(pipeline, res)
        yield dg.Output(
            res, data_version=dg.DataVersion(res["fingerprint"]),
            metadata={"bundle": dg.MetadataValue.path(res["bundle_dir"]), "version": res["version"],
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

    @dg.asset(key=key("deployed_model"), group_name=group, code_version=base_version, kinds={"sklearn"},
              description="The bundle copied atomically into strategies/<Name>/, after the quality gate passed.")
    def deployed_model(context: dg.AssetExecutionContext, store: ResearchStore, model_bundle):
        res = steps.deploy(pipeline, model_bundle, project_dir=store.project_dir)
        return dg.Output(res, data_version=dg.DataVersion(model_bundle["fingerprint"]),
                         metadata={"deployed_to": dg.MetadataValue.path(res["deployed_dir"]),
                                   "version": model_bundle["version"]})

    def backtest_asset(mode: str) -> dg.AssetsDefinition:
        ins = {"warmup": dg.AssetIn(key("evaluation_warmup_candles")),
               "trading": dg.AssetIn(key("evaluation_trading_candles"))}
        if mode == "deployed":
            ins["deployed_model"] = dg.AssetIn(key("deployed_model"))

        def run(store: ResearchStore, warmup, trading, deployed):
            res = steps.backtest_window(pipeline, market, warmup, trading, mode=mode,
                                        project_dir=store.project_dir, deployed=deployed)
            return dg.Output(res, data_version=dg.DataVersion(res["fingerprint"]),
                             metadata={"trades": res["metrics"].get("total", 0), **_numbers("", res["metrics"])})

        if mode == "deployed":
            def fn(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading, deployed_model):
                return run(store, warmup, trading, deployed_model)
        else:
            def fn(context: dg.AssetExecutionContext, store: ResearchStore, warmup, trading):
                return run(store, warmup, trading, None)

        _bt = dg.asset(key=key(f"{mode}_backtest"), group_name=group, code_version=strategy_code_version, ins=ins,
                       kinds={"numba"},
                       description=f"Backtest of the strategy ({mode}) on the out-of-sample evaluation window.")(fn)
        return _bt

    @dg.asset(key=key("comparison_report"), group_name=group, code_version=base_version, kinds={"html"},
              description="Does the model help out of sample? Baseline against model-filtered backtest.")
    def comparison_report(context: dg.AssetExecutionContext, store: ResearchStore, baseline_backtest,
                          deployed_backtest):
        res = steps.compare_backtests(pipeline, baseline_backtest, deployed_backtest, out_dir=store.reports_dir)
        return dg.Output(res, metadata={"report": dg.MetadataValue.path(res["html"]), **_open_link(res["html"]),
                                        "summary": dg.MetadataValue.md(res["markdown"]),
                                        **_numbers("delta_", res["deltas"])})

    assets = [window_asset("training"), window_asset("evaluation"), ml_samples, model_bundle, evaluation_report,
              deployed_model, backtest_asset("baseline"), backtest_asset("deployed"), comparison_report]
    if pipeline.optimize is not None:
        @dg.asset(key=key("optimization"), group_name=group, code_version=strategy_code_version,
                  deps=[candles_key(market)], kinds={"optuna"}, pool=DUCKDB_POOL, retry_policy=STORE_RETRY,
                  description="Hyperparameter search on the training window, each trial reported on the "
                              "evaluation window; the Optuna study resumes where it stopped.")
        def optimization(context: dg.AssetExecutionContext, store: ResearchStore):
            res = steps.optimize_pipeline(pipeline, market, db_path=store.db_path, project_dir=store.project_dir)
            best = res.get("best") or {}
            return dg.Output(res, data_version=dg.DataVersion(res["fingerprint"]),
                             metadata={"completed_trials": res.get("completed_trials", 0),
                                       "best_params": dg.MetadataValue.json(best.get("params") or {}),
                                       "best_dna": str(best.get("dna", ""))})

        assets.append(optimization)
    return assets
