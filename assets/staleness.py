"""What a re-run must materialise: the assets and partitions Dagster marks missing or stale.

Every asset carries a code version (library, strategy, settings and, for candles, the source's fingerprint)
and a data version, so Dagster's staleness (the one the UI shows) tells whether a materialisation is still
what the current code and inputs would give. A re-run of ``make demo`` with nothing new materialises nothing.
"""
from __future__ import annotations

from typing import Iterable

import dagster as dg
# Dagster's staleness resolver, the one the UI and declarative automation use; no public wrapper exists.
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest


def _resolver(instance: dg.DagsterInstance, defs: dg.Definitions) -> CachingStaleStatusResolver:
    # a new resolver per question: it caches what it read, and a materialisation in between changes the answer
    return CachingStaleStatusResolver(instance, defs.resolve_asset_graph(), LoadingContextForTest(instance))


def unsynced_partitions(instance: dg.DagsterInstance, defs: dg.Definitions, key: dg.AssetKey) -> list[str]:
    """The partitions of ``key`` never materialised, or materialised by other code or from other inputs.

    Example:
        >>> unsynced_partitions(instance, defs, dg.AssetKey(["market", "synth", "candles"]))  # doctest: +SKIP
        ['2024-02-01']
    """
    resolver = _resolver(instance, defs)
    partitions = defs.resolve_asset_graph().get(key).partitions_def
    return [p for p in partitions.get_partition_keys(dynamic_partitions_store=instance)
            if resolver.get_status(key, p) != StaleStatus.FRESH]


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
