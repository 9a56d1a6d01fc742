"""Inputs shared by tests/data/make_jesse_api_table.py (run with Jesse) and tests/test_jesse_public_api.py.

Everything is built from fixed seeds with numpy's legacy RandomState, whose streams do not change across
numpy versions, so Jesse's side (numpy 1.26) and ours (numpy 2) see the same numbers.
"""
import numpy as np

PRICES_TO_FORMAT = [1.12312312312123, 0.0000123121312, 12312313.123123123, 999.9999, -1.12312312312123,
                    -0.0000123121312, -0.0123121312, 0, None, 12345, 1.23e-7, 0.5, 1.0, 100.005, 3e-21,
                    float("nan"), float("inf")]
STR_OR_NONE = ["test", None, "", 3009004354, b"3009004354", 1239.5, np.float64(1239.5)]
FLOAT_OR_NONE = [1.23, 1, None, "", b"1.23", "1.23"]
NORMALIZE_BOOL = [True, False, 1, 0, 2, "1", "0", "true", "False", " TRUE ", "yes", "", [], [0], None, 1.0]
MERGE_DICTS = [({"a": 1, "b": {"x": 1, "y": {"p": 1}}}, {"b": {"y": {"q": 2}, "z": 3}, "c": 4}),
               ({"a": {"x": 1}}, {"a": 5}), ({}, {"k": {"n": 1}}), ({"a": 1}, {})]
INSERT_LIST = [(2, 22, [0, 1, 2, 3]), (0, 22, [0, 1, 2, 3]), (-1, 22, [0, 1, 2, 3]), (10, 9, [1]), (-2, 9, [1, 2, 3])]
HASH_MESSAGES = ["test", "", "jesse-dag ünïcode"]
ORDERBOOK_TRIM = [(101.12, False, .1), (101.1, False, .1), (10.12, False, .01), (10.122, True, .01),
                  (1.1223, True, .001), (105.0, True, 10.0), (99.0, False, 5.0), (0.123456, True, 0.0001)]
ORDERBOOK_SEARCH = [([[10, 1], [20, 1], [30, 1], [40, 1]], [t, 2], True) for t in (5, 10, 15, 20, 35, 40, 45)] + \
                   [([[40, 1], [30, 1], [20, 1], [10, 1]], [t, 2], False) for t in (45, 40, 35, 20, 15, 10, 5)] + \
                   [([[7, 1]], [7, 1], False), ([[7, 1]], [3, 1], True)]
ROUND_QTY = [(0.299999, 2), (0.001, 2), (100.3209123456, 2), (1263.0, -2), (0.3, 1), (2.675, 2), (1e-9, 3)]
TIMESTAMPS = [1438387200000, 1558770180000, 1609459200123, 0, 1747918620000]
DATE_PAIRS = [(1609459200000, 1609718460000), (1609718460000, 1609459200000), (1609459200000, 1609545599999),
              (1438387200000, 1747918620000)]
PIPELINE_BATCH = 60
PIPELINE_GLOBAL_SEED = 11
NOISE_KWARGS = {"close_sigma": 0.3, "high_sigma": 0.1, "low_sigma": 0.2}
INDICATOR_ROWS = (400, 30)
EXTRA_CANDLE_ARGS = ("benchmark_candles", "candles_compare")
# indicators whose Rust kernel aborts Jesse's process on this many rows (so Jesse has no answer)
JESSE_CRASHES = {30: ("edcf",)}


def nested_values():
    """A nested structure with NaN, infinities, numpy scalars and booleans."""
    nan, inf = float("nan"), float("inf")
    return {"a": nan, "b": [1.5, inf, -inf, np.float64(nan), np.float64(2.5), np.int64(3), True, np.bool_(False)],
            "c": {"d": [nan, {"e": inf}], "f": "x", "g": None}, "h": np.float64(inf)}


def cointegration_pairs():
    """(name, series_1, series_2): cointegrated, independent, and a short noisy pair."""
    rs = np.random.RandomState(3)
    walk = np.cumsum(rs.normal(size=400))
    other = np.cumsum(rs.normal(size=400))
    return [("cointegrated", walk, 0.5 * walk + rs.normal(scale=0.5, size=400)),
            ("independent", walk, other),
            ("short", walk[:60], walk[:60] * 2 + rs.normal(scale=3.0, size=60))]


def pipeline_candles() -> np.ndarray:
    """300 one-minute candles of a random walk (batch 60 divides it: five batches)."""
    rs = np.random.RandomState(5)
    n = 300
    close = 100 + np.cumsum(rs.normal(size=n))
    opens = np.concatenate([[close[0]], close[:-1]])
    high = np.maximum(opens, close) + rs.random_sample(n)
    low = np.minimum(opens, close) - rs.random_sample(n)
    return np.column_stack([1609459200000 + 60000 * np.arange(n), opens, close, high, low, rs.random_sample(n) * 10])


def run_pipeline(pipeline, candles: np.ndarray) -> np.ndarray:
    """Every batch through ``get_candles`` as a dense backtest calls it; the rows it hands out, stacked."""
    b = PIPELINE_BATCH
    return np.vstack([pipeline.get_candles(candles[i:i + b].copy(), i, b).copy() for i in range(0, len(candles), b)])


# trading-hours schedules (Jesse's format): exchanges, overnight windows, DST changes, closures, overrides
TRADING_HOURS_SPECS = [
    {"timezone": "America/New_York", "hours": {"Mon-Fri": "09:30-16:00"}, "closed": ["2026-11-26"],
     "overrides": {"2026-11-27": "09:30-13:00"}},
    {"timezone": "America/Chicago", "hours": {"Sun-Thu": "17:00-16:00"}},
    {"timezone": "Europe/London", "hours": {"Mon,Wed,Fri": ["08:00-12:00", "13:00-16:30"], "Sat": "10:00-24:00"}},
    {"timezone": "Asia/Tokyo", "hours": {"Fri-Mon": "22:00-02:00"}, "closed": ["2026-03-09"]},
    {"timezone": "UTC", "hours": {"Mon-Sun": "00:00-24:00"}, "closed": ["2026-03-08"]},
]


def trading_hours_timestamps() -> np.ndarray:
    """Minutes around US and EU daylight-saving changes and a US holiday, plus random moments of 2026."""
    rs = np.random.RandomState(9)
    spans = [(1772928000000, 4 * 1440), (1774656000000, 3 * 1440), (1795392000000, 5 * 1440),
             (1798156800000, 3 * 1440)]  # 2026-03-08, 2026-03-28, 2026-11-21 and 2026-12-25, UTC midnight
    parts = [start + 60_000 * np.arange(0, n, 7) for start, n in spans]
    parts.append(1767225600000 + 60_000 * rs.randint(0, 365 * 1440, 2000))
    return np.sort(np.concatenate(parts)).astype(np.int64)


def type_name(v) -> str:
    """The type of an indicator's result as both sides record it (``numpy.float64``, ``ndarray[float64]``...)."""
    if isinstance(v, np.ndarray):
        return f"ndarray[{v.dtype}]"
    if isinstance(v, np.bool_):
        return "numpy.bool_"
    mod = type(v).__module__
    return type(v).__name__ if mod == "builtins" else f"{mod}.{type(v).__name__}"
