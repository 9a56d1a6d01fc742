"""Candle assets: one per market, partitioned by month, stored in DuckDB."""

import dagster as dg

from assets.resources import DUCKDB_POOL, ResearchStore
from assets.versions import library_version
from jesse_dag.project import Market
from jesse_dag.research import pipeline as steps


def candles_key(market: Market) -> dg.AssetKey:
    return dg.AssetKey(["market", market.name, "candles"])


def month_partitions(market: Market, project_dir: str) -> dg.MonthlyPartitionsDefinition:
    """Months from the market's first, the current (still growing) month included, so a schedule can
    import new candles as they come; a market whose data ends (``end:``, a synthetic source, a CSV or
    Parquet file) ends after its last month, so no partition is empty."""
    first = f"{market.start[:7]}-01"
    try:
        last = steps.market_last_month(market, project_dir)
    except FileNotFoundError:
        last = None  # the file is not there yet: the code location still loads, the import names the path
    if last is None:
        return dg.MonthlyPartitionsDefinition(start_date=first, end_offset=1)
    year, month = int(last[:4]), int(last[5:7])
    end = f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
    return dg.MonthlyPartitionsDefinition(start_date=first, end_date=end, end_offset=1)


def build_candles_asset(market: Market, project_dir: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=candles_key(market),
        partitions_def=month_partitions(market, project_dir),
        group_name="markets",
        kinds={"duckdb"},
        pool=DUCKDB_POOL,
        code_version=f"{library_version()}-{steps.source_fingerprint(market)}",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
        description=f"1-minute candles of {market.exchange} {market.symbol} ({market.source['kind']} source), one month per partition.",
        check_specs=[dg.AssetCheckSpec("candle_integrity", asset=candles_key(market), blocking=True,
                                       description="The month's rows are sorted 1-minute candles with no duplicate, "
                                                   "NaN or high < low; gaps are counted and listed.")],
    )
    def _candles(context: dg.AssetExecutionContext, store: ResearchStore):
        from assets.pipelines import deterministic_errors

        month = context.partition_key
        with deterministic_errors(f"market {market.name}, month {month[:7]}"):
            report = steps.import_market_month(market, month, db_path=store.db_path, project_dir=store.project_dir)
        yield dg.Output(
            None,
            data_version=dg.DataVersion(report["content_hash"]),
            metadata={
                "rows": report["rows"],
                "rows_added": report["rows_added"],
                "rows_already_present": report["rows_present"],
                "first_candle": report["first"],
                "last_candle": report["last"],
                "gaps": len(report["gaps"]),
                "missing_ranges": dg.MetadataValue.json(report["gaps"][:50]),
            },
        )
        yield dg.AssetCheckResult(
            check_name="candle_integrity",
            passed=report["integrity_ok"],
            metadata={"problems": dg.MetadataValue.json(report["problems"][:20])},
        )

    return _candles
