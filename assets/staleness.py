"""What a re-run must materialise: the assets and partitions Dagster marks missing or stale.

Every asset carries a code version (library, strategy, settings and, for candles, the source's fingerprint)
and a data version, so Dagster's staleness (the one the UI shows) tells whether a materialisation is still
what the current code and inputs would give. A re-run of ``make demo`` with nothing new materialises nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import dagster as dg
# Dagster's staleness resolver, the one the UI and declarative automation use; no public wrapper exists.
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest


def _resolver(instance: dg.DagsterInstance, defs: dg.Definitions) -> CachingStaleStatusResolver:
    # a new resolver per question: it caches what it read, and a materialisation in between changes the answer
    return CachingStaleStatusResolver(instance, defs.resolve_asset_graph(), LoadingContextForTest(instance))


def _month_end(partition: str) -> float:
    year, month = int(partition[:4]), int(partition[5:7])
    return dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.timezone.utc).timestamp()


def imported_before_month_end(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> bool:
    """Whether the latest materialisation of the month ``partition`` ran before that month ended: it may lack
    candles that came later (a live source), though its code version and source fingerprint are the same."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]),
                                              limit=1).records
    return bool(records) and records[0].timestamp < _month_end(partition)


def unsynced_partitions(instance: dg.DagsterInstance, defs: dg.Definitions, key: dg.AssetKey) -> list[str]:
    """The month partitions of ``key`` never materialised, materialised by other code or from other inputs, or
    imported before the month ended (see :func:`imported_before_month_end`).

    Example:
        >>> unsynced_partitions(instance, defs, dg.AssetKey(["market", "synth", "candles"]))  # doctest: +SKIP
        ['2024-02-01']
    """
    resolver = _resolver(instance, defs)
    partitions = defs.resolve_asset_graph().get(key).partitions_def
    return [p for p in partitions.get_partition_keys(dynamic_partitions_store=instance)
            if resolver.get_status(key, p) != StaleStatus.FRESH or imported_before_month_end(instance, key, p)]


def unsynced_assets(instance: dg.DagsterInstance, defs: dg.Definitions,
                    keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """Those of the unpartitioned ``keys`` that are missing or stale, with every one of ``keys`` downstream of
    them (a re-run of an asset must reach what it feeds), in a stable order.

    Example:
        >>> unsynced_assets(instance, defs, [dg.AssetKey(["p1", "ml_samples"])])  # doctest: +SKIP
        []
    """
    keys = set(keys)
    resolver = _resolver(instance, defs)
    graph = defs.resolve_asset_graph()
    todo = [k for k in keys if resolver.get_status(k) != StaleStatus.FRESH]
    out = set(todo)
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child in keys and child not in out:
                out.add(child)
                todo.append(child)
    return sorted(out, key=lambda k: k.to_user_string())
