"""`make demo`: materialise the whole asset graph of project.yaml on its built-in synthetic market,
in the persistent Dagster instance under storage/dagster (so `make ui` shows the runs), and print
where the reports are.

Run from the project directory: ``python -m assets.demo``.
"""
import functools
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cell(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{str(value):>14}"
    return f"{value:>14,}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:>14,.4f}"


def print_walk_forward(data: dict) -> None:
    """The stitched walk-forward beside the fixed model and the baseline."""
    s = data["settings"]
    print(f"{data['pipeline']}: walk-forward {data['span'][0][:10]} .. {data['span'][1][:10]}, {len(data['steps'])} "
          f"steps of {s['step'] / 86_400:g} days, each trained on the {s['training'] / 86_400:g} days ending "
          f"{s['embargo'] / 86_400:g} days before it")
    names = {"net_profit": "net profit", "net_profit_percentage": "net profit %", "total": "trades",
             "win_rate": "win rate", "sharpe_ratio": "sharpe ratio", "max_drawdown": "max drawdown %"}
    print(f"  {'metric':<24}{'baseline':>14}{'fixed model':>14}{'walk-forward':>14}")
    for key, name in names.items():
        print(f"  {name:<24}" + "".join(_cell(data["summary"][v][key]) for v in ("baseline", "fixed", "walk_forward")))
    print()


def refresh(defs, project, instance, run_config: dict | None = None, say=None) -> dict:
    """Materialise what is missing or stale (Dagster's staleness: code versions and upstream data versions):
    the months of each market, then each pipeline's assets; nothing when nothing is new.

    Returns ``{"imported": [(asset, month), ...], "materialised": {pipeline: [asset, ...]}, "up_to_date": N,
    "months_up_to_date": M, "success": bool}``. A store file that is missing (deleted by hand, the Dagster instance kept) runs
    everything again, since the instance's records then describe data that is gone.

    Example:
        >>> refresh(defs, project, dg.DagsterInstance.ephemeral())["success"]  # doctest: +SKIP
        True
    """
    from assets.automation import evaluate_job_name, import_job_name
    from assets.candles import candles_key
    from assets.staleness import unsynced_assets, unsynced_partitions

    say = say or functools.partial(print, flush=True)
    store = defs.resources.get("store")
    everything = store is not None and not store.exists
    graph = defs.resolve_asset_graph()
    out: dict = {"imported": [], "materialised": {}, "up_to_date": 0, "months_up_to_date": 0, "success": True}
    # named jobs (not Dagster's ephemeral one), so the UI's run list says what each demo run did
    for market in project.markets.values():
        key = candles_key(market)
        job = defs.resolve_job_def(import_job_name(market))
        months = graph.get(key).partitions_def.get_partition_keys(dynamic_partitions_store=instance)
        todo = months if everything else unsynced_partitions(instance, defs, key)
        out["months_up_to_date"] += len(months) - len(todo)
        for partition in todo:
            say(f"importing {key.to_user_string()} [{partition}]")
            job.execute_in_process(instance=instance, partition_key=partition, run_config=run_config,
                                   raise_on_error=True)
            out["imported"].append((key.to_user_string(), partition))
    for pipeline in project.pipelines.values():
        if pipeline.pooled:
            ok, done, fresh = refresh_universe(defs, pipeline, instance, run_config, say, everything)
            out["success"] = out["success"] and ok
            out["up_to_date"] += fresh
            if done:
                out["materialised"][pipeline.name] = done
            continue
        job = defs.resolve_job_def(evaluate_job_name(pipeline))
        keys = sorted(job.asset_layer.selected_asset_keys, key=lambda k: k.to_user_string())
        todo = keys if everything else unsynced_assets(instance, defs, keys)
        out["up_to_date"] += len(keys) - len(todo)
        if not todo:
            continue
        say(f"materialising {pipeline.name}: {len(todo)} of its {len(keys)} assets are missing or stale "
            "(windows, samples, model, reports, backtests)")
        result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False,
                                        asset_selection=todo)
        out["success"] = out["success"] and result.success
        out["materialised"][pipeline.name] = [k.to_user_string() for k in todo]
        for event in result.all_events:
            if event.event_type_value == "ASSET_CHECK_EVALUATION":
                data = event.event_specific_data
                status = "passed" if data.passed else "FAILED"
                say(f"  check {data.asset_key.to_user_string()}:{data.check_name} {status}")
    if not out["imported"] and not out["materialised"]:
        say(f"nothing new: {out['up_to_date']} assets up to date (and {out['months_up_to_date']} months of candles)")
    return out


def refresh_universe(defs, pipeline, instance, run_config: dict | None, say, everything: bool
                     ) -> tuple[bool, list[str], int]:
    """A universe's four stage jobs in order, the per-market ones once per market, when any of its assets or
    market partitions is missing or stale; ``(success, assets materialised, assets up to date)``."""
    from assets.pipelines import UNIVERSE_STAGES
    from assets.staleness import StaleStatus, _resolver

    group = pipeline.name.replace("-", "_")
    jobs = {stage: defs.resolve_job_def(f"{group}__{stage}") for stage in UNIVERSE_STAGES}
    keys = sorted({k for job in jobs.values() for k in job.asset_layer.selected_asset_keys},
                  key=lambda k: k.to_user_string())
    graph, resolver = defs.resolve_asset_graph(), _resolver(instance, defs)
    stale = everything or any(
        resolver.get_status(k, part) != StaleStatus.FRESH
        for k in keys for part in (pipeline.universe if graph.get(k).partitions_def is not None else [None]))
    if not stale:
        return True, [], len(keys)
    say(f"materialising {pipeline.name} over {len(pipeline.universe)} markets: {len(keys)} assets in 4 stages")
    for stage, job in jobs.items():
        for part in pipeline.universe if stage.endswith("_markets") else [None]:
            say(f"  {stage}" + (f" [{part}]" if part else ""))
            result = job.execute_in_process(instance=instance, partition_key=part, run_config=run_config,
                                            raise_on_error=False)
            if not result.success:
                return False, [k.to_user_string() for k in keys], 0
    return True, [k.to_user_string() for k in keys], 0


def print_universe_comparison(data: dict) -> None:
    """Every market's baseline and model-filtered backtest, and the pooled ones."""
    print(f"{data['pipeline']}: out-of-sample {data['window'][0]} .. {data['window'][1]} over "
          f"{len(data['markets'])} markets, model {data.get('model_version')}")
    names = {"total": "trades", "net_profit": "net profit", "net_profit_percentage": "net profit %",
             "win_rate": "win rate"}
    print(f"  {'market':<12}{'run':<10}" + "".join(f"{n:>14}" for n in names.values()))
    rows = [(m, run, r[run]) for m, r in data["per_market"].items() for run in ("baseline", "deployed")]
    rows += [("pooled", run, data["pooled"][run]) for run in ("baseline", "deployed")]
    for market, run, metrics in rows:
        print(f"  {market:<12}{run:<10}" + "".join(_cell(metrics.get(k, float("nan"))) for k in names))
    print()


def main() -> int:
    os.environ.setdefault("DAGSTER_HOME", str(ROOT / "storage" / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    dagster_yaml = Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text((ROOT / "assets" / "dagster.yaml").read_text())
    import dagster as dg

    from assets.definitions import defs, project

    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    success = refresh(defs, project, instance, run_config=quiet)["success"]
    print()
    import json

    for comparison in sorted((ROOT / "storage" / "reports").glob("*/comparison.json")):
        data = json.loads(comparison.read_text())
        if "per_market" in data:  # a universe of markets
            print_universe_comparison(data)
            continue
        print(f"{data['pipeline']}: out-of-sample {data['window'][0]} .. {data['window'][1]}, "
              f"model {data.get('model_version')}")
        print(f"  {'metric':<24}{'baseline':>14}{'with model':>14}")
        for name, base, model in data["rows"]:
            print(f"  {name:<24}{_cell(base)}{_cell(model)}")
        decision = data.get("deploy_decision") or {}
        if decision:
            print(f"  deploy: {'new model deployed' if decision.get('deploy') else 'deployed model kept'} "
                  f"({decision.get('reason')})")
        print()
    for walk in sorted((ROOT / "storage" / "reports").glob("*/walk_forward.json")):
        print_walk_forward(json.loads(walk.read_text()))
    reports = sorted((ROOT / "storage" / "reports").rglob("*.html"))
    for path in reports:
        print(f"report: {path}")
    print(f"store:  {ROOT / 'storage' / 'jesse_dag.duckdb'}")
    print(f"dagster instance: {os.environ['DAGSTER_HOME']}  (make ui to browse lineage and staleness)")
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
