"""Regenerate indicators_group2_jesse.json: Jesse 3.5.3's hurst_exponent and ichimoku_cloud outputs.

Neither has a ``sequential`` flag, so the shared npz cannot hold them. Run with Jesse's own venv:

    /work/jesse-venv/bin/python tests/data/indicators_group2_oracle.py > tests/data/indicators_group2_jesse.json

Inputs: the first n rows of ``candles`` in ../shared/parity/indicators/btc_15m_2000.npz, Jesse's default
parameters, ``env.data.warmup_candles_num`` = 240 (Jesse's default), so hurst_exponent sees the last 240.
"""
import json
import sys
from pathlib import Path

import numpy as np
from jesse.indicators import hurst_exponent, ichimoku_cloud

NPZ = Path(__file__).resolve().parents[2].parent / "shared" / "parity" / "indicators" / "btc_15m_2000.npz"

candles = np.load(NPZ)["candles"]
out = {}
for method in (0, 1, 2):
    for n in (240, 1000, 2000):
        out[f"hurst_m{method}_{n}"] = hurst_exponent(candles[:n], method=method)
for n in (79, 80, 500, 2000):
    out[f"ichimoku_{n}"] = [float(v) for v in ichimoku_cloud(candles[:n])]
json.dump(out, sys.stdout, indent=1)
