"""Regenerate tests/data/jesse_utils_table.json: inputs and Jesse 3.5.3's outputs for the helpers
that decide quantities and prices (size_to_qty, risk_to_qty, ...), used by tests/test_utils_helpers.py.

Run with the Python that has Jesse installed (never a project dependency):
    /work/jesse-venv/bin/python tests/data/make_jesse_utils_table.py
Inputs are drawn from a seeded generator and from real prices (first rows of ../shared/data CSVs),
so the table is the same every time.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np

os.chdir("/tmp")  # Jesse treats a folder with strategies/ as a project needing .env
import jesse.helpers as jh  # noqa: E402
from jesse import utils  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared" / "data"
rng = np.random.default_rng(20240531)


def real_prices(name, n=30):
    rows = np.loadtxt(SHARED / name, delimiter=",", skiprows=1, max_rows=20000)
    return [float(x) for x in rows[rng.integers(0, len(rows), n), 4]]


prices = real_prices("binance_BTCUSDT_1m.csv") + real_prices("binance_ETHUSDT_1m.csv")
prices += [float(round(x, 4)) for x in 10 ** rng.uniform(-4, 5, 40)]
fees = [0, 0.0004, 0.001, 0.00075]
table = {"size_to_qty": [], "risk_to_qty": [], "risk_to_size": [], "limit_stop_loss": [], "sum_floats": [],
         "subtract_floats": [], "crossed": [], "streaks": [], "prices_to_returns": [], "z_score": [],
         "kelly_criterion": [], "calculate_alpha_beta": [], "anchor_timeframe": [], "helpers": {}}

for price in prices:
    for _ in range(3):
        # sizes like the parity strategies use (balance fractions) and sizes that are an exact qty x price
        q = float(rng.integers(1, 100000)) / 1000
        for size in (float(round(rng.uniform(10, 20000), 2)), q * price, 10000 * 0.5, 9871.234 * 0.95):
            precision = int(rng.choice([3, 3, 8, 0, 2, 5]))
            fee = float(rng.choice(fees))
            table["size_to_qty"].append([size, price, precision, fee, utils.size_to_qty(size, price, precision, fee)])
    for _ in range(3):
        capital = float(round(rng.uniform(1000, 50000), 2))
        risk = float(rng.choice([0.5, 1, 2, 3, 1.5]))
        stop = float(round(price * (1 + rng.choice([-1, 1]) * rng.uniform(0.002, 0.08)), 6))
        precision = int(rng.choice([8, 3, 5]))
        fee = float(rng.choice(fees))
        table["risk_to_qty"].append([capital, risk, price, stop, precision, fee,
                                     utils.risk_to_qty(capital, risk, price, stop, precision, fee)])
        table["risk_to_size"].append([capital, risk, abs(price - stop), price,
                                      utils.risk_to_size(capital, risk, abs(price - stop), price)])
        trade_type = str(rng.choice(["long", "short"]))
        pct = float(rng.choice([1, 2, 5]))
        table["limit_stop_loss"].append([price, stop, trade_type, pct, utils.limit_stop_loss(price, stop, trade_type, pct)])

for _ in range(300):
    a = float(round(rng.uniform(-1000, 1000), int(rng.integers(0, 9))))
    b = float(round(rng.uniform(-1000, 1000), int(rng.integers(0, 9))))
    table["sum_floats"].append([a, b, utils.sum_floats(a, b)])
    table["subtract_floats"].append([a, b, utils.subtract_floats(a, b)])
for a, b in [(0.1, 0.2), (0.3, 0.1), (1e-9, 3.0), (0.044, 0.001), (105573.73, 0.01)]:
    table["sum_floats"].append([a, b, utils.sum_floats(a, b)])
    table["subtract_floats"].append([a, b, utils.subtract_floats(a, b)])

for _ in range(20):
    s1 = np.round(rng.normal(0, 1, 12).cumsum(), 1)
    s2 = np.round(rng.normal(0, 1, 12).cumsum(), 1)
    for other in (s2, float(s2[-1])):
        for direction in (None, "above", "below"):
            seq = utils.crossed(s1, other, direction, sequential=True)
            table["crossed"].append([s1.tolist(), other.tolist() if isinstance(other, np.ndarray) else other,
                                     direction, bool(utils.crossed(s1, other, direction)), [bool(x) for x in seq]])
for _ in range(20):
    s = np.round(rng.normal(0, 1, 15), 0).cumsum()
    table["streaks"].append([s.tolist(), True, utils.streaks(s, True).tolist()])
    table["streaks"].append([s.tolist(), False, utils.streaks(s, False).tolist()])
for _ in range(10):
    s = np.array(prices[:20]) * rng.uniform(0.9, 1.1, 20)
    table["prices_to_returns"].append([s.tolist(), utils.prices_to_returns(s).tolist()])
    table["z_score"].append([s.tolist(), utils.z_score(s).tolist()])
    y, x = rng.normal(0, 0.01, 50), rng.normal(0, 0.01, 50)
    y = 0.0005 + 1.3 * x + y
    a, b = utils.calculate_alpha_beta(y, x)
    table["calculate_alpha_beta"].append([y.tolist(), x.tolist(), float(a), float(b)])
for w in (0.3, 0.45, 0.6):
    for r in (0.8, 1.2, 2.0):
        table["kelly_criterion"].append([w, r, utils.kelly_criterion(w, r)])
for tf in ("1m", "3m", "5m", "15m", "30m", "45m", "1h", "2h", "3h", "4h", "6h", "8h", "12h"):
    table["anchor_timeframe"].append([tf, utils.anchor_timeframe(tf)])

h = table["helpers"]
ts_list = [1438387200000, 1609459200000, 1609459260000, 1747699200000, 1755505800000, 1609459200123]
h["timestamp_to_date"] = [[t, jh.timestamp_to_date(t)] for t in ts_list]
h["timestamp_to_time"] = [[t, jh.timestamp_to_time(t)] for t in ts_list]
h["timestamp_to_iso8601"] = [[t, jh.timestamp_to_iso8601(t)] for t in ts_list]
h["date_to_timestamp"] = [[d, jh.date_to_timestamp(d)] for d in ("2015-08-01", "2021-01-01", "2024-02-29", "2025-05-20")]
h["iso8601_to_timestamp"] = [[d, jh.iso8601_to_timestamp(d)] for d in ("2021-01-05T00:00:00.000Z", "2025-05-20T13:45:07.999Z")]
h["max_timeframe"] = [[l, jh.max_timeframe(l)] for l in (["15m", "4h", "1h"], ["1m"], ["1D", "12h"], ["3D", "1W"], ["5m", "3m"])]
h["dashy_symbol"] = [[s, jh.dashy_symbol(s)] for s in ("BTCUSDT", "ETHUSDC", "BTCFDUSD", "SOLEUR", "ETHBTC", "BTC-USDT", "BTCUSD", "XRPUST")]
h["readable_duration"] = [[s, jh.readable_duration(s)] for s in (0, 59, 3600, 90061, 694800, 1234567)]
h["estimate_average_price"] = [[a, b, c, d, jh.estimate_average_price(a, b, c, d)]
                               for a, b, c, d in ((1, 110, 1, 100), (-0.5, 2500.5, -1.5, 2400.25), (0.044, 111482.42, 0.02, 109000.1))]
h["estimate_PNL"] = [[q, e, x, t, f, jh.estimate_PNL(q, e, x, t, f)]
                     for q, e, x, t, f in ((1, 100, 110, "long", 0.001), (0.044, 111482.42, 110477.89, "long", 0.0004),
                                           (2, 2500, 2400, "short", 0.001), (-3, 10, 12, "short", 0))]
hp_def = [{"name": "fast", "type": int, "min": 5, "max": 20}, {"name": "mult", "type": float, "min": 0.5, "max": 3.0}]
h["dna_to_hp_legacy"] = [[dna, jh.dna_to_hp(hp_def, dna)] for dna in ("(w", "w(", "OO", "aZ")]
h["round_decimals_down"] = [[x, d, float(jh.round_decimals_down(x, d))] for x, d in ((1234.5678, 2), (1234.5678, 0), (1234.5678, -2), (0.29, 2), (-1.555, 2))]

out = HERE / "jesse_utils_table.json"
out.write_text(json.dumps(table))
print(f"{out}: " + ", ".join(f"{k} {len(v)}" for k, v in table.items()))
