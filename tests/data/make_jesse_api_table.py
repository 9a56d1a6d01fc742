"""Regenerate tests/data/jesse_api_table.json: Jesse 3.5.3's answers for the public API added for issue 14
(helpers, utils.are_cointegrated, the candle pipelines, and every indicator's result types), used by
tests/test_jesse_public_api.py.

Run with the Python that has Jesse installed (never a project dependency), from the project root:
    /work/.jesse-venv/bin/python tests/data/make_jesse_api_table.py
Every input is built here from fixed seeds (numpy's legacy RandomState, stable across numpy versions) or
read from ../shared/parity/indicators/btc_15m_2000.npz, so the table is the same every time.
"""
import ast
import hashlib
import inspect
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # api_inputs, shared with the test
os.chdir("/tmp")  # Jesse treats a folder with strategies/ as a project needing .env
import jesse.helpers as jh  # noqa: E402
import jesse.indicators as ta  # noqa: E402
from jesse import utils  # noqa: E402
from jesse.candle_pipelines import (GaussianNoiseCandlesPipeline, GaussianResamplerCandlesPipeline,  # noqa: E402
                                    MovingBlockBootstrapCandlesPipeline)

import api_inputs as inputs  # noqa: E402

NPZ = HERE.parents[1].parent / "shared" / "parity" / "indicators" / "btc_15m_2000.npz"


def helpers_table() -> dict:
    t = {}
    t["format_price"] = [[p, jh.format_price(p)] for p in inputs.PRICES_TO_FORMAT]
    t["str_or_none"] = [[repr(x), jh.str_or_none(x)] for x in inputs.STR_OR_NONE]
    t["float_or_none"] = [[repr(x), jh.float_or_none(x)] for x in inputs.FLOAT_OR_NONE]
    t["normalize_bool"] = [[repr(x), jh.normalize_bool(x)] for x in inputs.NORMALIZE_BOOL]
    t["merge_dicts"] = [[a, b, jh.merge_dicts(a, b)] for a, b in inputs.MERGE_DICTS]
    t["insert_list"] = [[i, x, arr, jh.insert_list(i, x, arr)] for i, x, arr in inputs.INSERT_LIST]
    t["hashes"] = [[m, jh.secure_hash(m), jh.insecure_hash(m)] for m in inputs.HASH_MESSAGES]
    t["orderbook_trim_price"] = [[p, asc, u, float(jh.orderbook_trim_price(p, asc, u))]
                                 for p, asc, u in inputs.ORDERBOOK_TRIM]
    t["orderbook_insertion_index_search"] = [[arr, tgt, asc, list(jh.orderbook_insertion_index_search(arr, tgt, asc))]
                                             for arr, tgt, asc in inputs.ORDERBOOK_SEARCH]
    t["round_qty_for_live_mode"] = [[q, p, float(jh.round_qty_for_live_mode(q, p))] for q, p in inputs.ROUND_QTY]
    t["timestamp_to_arrow"] = [[ts, jh.timestamp_to_arrow(ts).isoformat()] for ts in inputs.TIMESTAMPS]
    t["date_diff_in_days"] = [[a, b, jh.date_diff_in_days(jh.timestamp_to_arrow(a), jh.timestamp_to_arrow(b))]
                              for a, b in inputs.DATE_PAIRS]
    t["clean_nan_values"] = repr(jh.clean_nan_values(inputs.nested_values()))
    t["clean_infinite_values"] = repr(jh.clean_infinite_values(inputs.nested_values()))
    return t


def cointegration_table() -> list:
    return [[name, bool(utils.are_cointegrated(a, b)),
             float(__import__("statsmodels.tsa.stattools", fromlist=["coint"]).coint(a, b)[1])]
            for name, a, b in inputs.cointegration_pairs()]


def pipelines_table() -> dict:
    candles = inputs.pipeline_candles()
    out = {}
    for name, cls, kwargs in (("gaussian_noise", GaussianNoiseCandlesPipeline, inputs.NOISE_KWARGS),
                              ("gaussian_resampler", GaussianResamplerCandlesPipeline, {}),
                              ("gaussian_resampler_sigma", GaussianResamplerCandlesPipeline, {"sigma": 1.5}),
                              ("moving_block_bootstrap", MovingBlockBootstrapCandlesPipeline, {"seed": 7})):
        np.random.seed(inputs.PIPELINE_GLOBAL_SEED)
        out[name] = hashlib.sha256(inputs.run_pipeline(cls(inputs.PIPELINE_BATCH, **kwargs), candles)
                                   .tobytes()).hexdigest()
    return out


def indicator_types(rows: int) -> dict:
    with np.load(NPZ, allow_pickle=True) as d:
        candles = np.ascontiguousarray(d["candles"][:rows])
    names = sorted({a.asname or a.name for n in ast.parse(Path(ta.__file__).read_text()).body
                    if isinstance(n, ast.ImportFrom) for a in n.names})
    out = {}
    for name in names:
        fn = getattr(ta, name)
        if name in inputs.JESSE_CRASHES.get(rows, ()):  # jesse_rust aborts the process on these
            continue
        params = inspect.signature(fn).parameters
        extra = {p: candles for p in params if p in inputs.EXTRA_CANDLE_ARGS}
        entry = {}
        for seq in ((False, True) if "sequential" in params else (None,)):
            try:
                r = fn(candles, **extra) if seq is None else fn(candles, sequential=seq, **extra)
            except Exception as e:  # noqa: BLE001 - recorded, not compared
                entry[str(seq)] = {"error": type(e).__name__}
                continue
            fields = r._fields if hasattr(r, "_fields") else None
            entry[str(seq)] = {f: inputs.type_name(getattr(r, f)) for f in fields} if fields else {"": inputs.type_name(r)}
        out[name] = entry
    return out


def trading_hours_table() -> list:
    ts = inputs.trading_hours_timestamps()
    candles = np.column_stack([ts.astype(float), np.ones((len(ts), 5))])
    out = []
    for spec in inputs.TRADING_HOURS_SPECS:
        inside = [bool(utils.is_in_trading_hours(int(t), spec)) for t in ts]
        kept = utils.filter_candles_by_hours(candles, spec)[:, 0]
        out.append({"inside": hashlib.sha256(bytes(inside)).hexdigest(), "count": int(sum(inside)),
                    "filtered": hashlib.sha256(kept.tobytes()).hexdigest()})
    return out


table = {"helpers": helpers_table(), "trading_hours": trading_hours_table(), "are_cointegrated": cointegration_table(), "pipelines": pipelines_table(),
         "indicator_types": {str(n): indicator_types(n) for n in inputs.INDICATOR_ROWS}}
(HERE / "jesse_api_table.json").write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
print("wrote", HERE / "jesse_api_table.json")
