"""What a fresh process imports for its first backtest: not pandas, scipy.linalg or cffi's C parser (issue 16).

Each test runs a fresh interpreter (the point is what gets imported the first time), on a few hundred
synthetic 1m candles with an EMA strategy, so numba's cache is the only thing shared with other tests.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FIRST_BACKTEST = r"""
import json, sys
import numpy as np
from jesse_dag import research
from jesse_dag.strategies import Strategy
import jesse_dag.indicators as ta
from jesse_dag.candles.synthetic import candles_from_close_prices


class EmaCross(Strategy):
    def should_long(self):
        return ta.ema(self.candles, 8) > ta.ema(self.candles, 21)

    def go_long(self):
        self.buy = 1, self.price

    def update_position(self):
        if ta.ema(self.candles, 8) < ta.ema(self.candles, 21):
            self.liquidate()


candles = candles_from_close_prices(100 + np.sin(np.arange(600) / 20.0) * 5, seed=1)
candles[:, 0] = 1_609_459_200_000 + 60_000 * np.arange(len(candles))
config = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
routes = [{"exchange": "Sandbox", "strategy": EmaCross, "symbol": "BTC-USDT", "timeframe": "5m"}]
result = research.backtest(config, routes, [], {"Sandbox-BTC-USDT": {"exchange": "Sandbox", "symbol": "BTC-USDT",
                                                                      "candles": candles}})
first = {"trades": len(result["trades"]), "pandas": "pandas" in sys.modules,
         "scipy_linalg": "scipy.linalg" in sys.modules, "c_parser": "pycparser" in sys.modules,
         "indicators": sorted(m for m in sys.modules if m.startswith("jesse_dag.indicators.")
                              and not m.startswith("jesse_dag.indicators._")),
         "kernel_families": sorted(m for m in sys.modules if m.startswith("jesse_dag.indicators._kernels_"))}
""" + "{AFTER}" + r"""
print(json.dumps(first))
"""


def _fresh(after: str = "") -> dict:
    code = _FIRST_BACKTEST.replace("{AFTER}", after)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_backtest_imports_neither_pandas_nor_scipy_linalg_nor_a_c_parser() -> None:
    first = _fresh()
    assert first["trades"] > 0
    # the metrics dict is numpy only (pandas ~0.3 s); numba's BLAS probe looks at files (scipy.linalg ~0.2 s)
    assert not first["pandas"], "a backtest imported pandas"
    assert not first["scipy_linalg"], "a backtest imported scipy.linalg"
    # numba's cffi support builds its FFI (cffi's C parser, ~30 ms) when first asked, and a backtest never asks
    assert not first["c_parser"], "a backtest built numba's cffi.FFI"
    # only the indicator the strategy calls is loaded, and no family of kernels it does not use
    assert first["indicators"] == ["jesse_dag.indicators.ema"]
    assert first["kernel_families"] == []


def test_blas_and_cffi_still_work_after_a_backtest() -> None:
    # a user's kernel that needs BLAS still gets it (scipy.linalg imported when that kernel is typed), and
    # numba answered its BLAS probe as importing would have: np.convolve uses BLAS's dot. A cffi function
    # still types and runs in a kernel, and numba still recognises an FFI instance.
    after = r"""
import numba
import numba.np.arraymath as arraymath
@numba.njit
def gram(a):
    return np.dot(a, a)
first["dot"] = gram(np.arange(4.0))
first["convolve"] = numba.njit(lambda a: np.convolve(a, a))(np.ones(3)).tolist()
first["have_blas"] = arraymath._HAVE_BLAS
first["scipy_linalg_after"] = "scipy.linalg" in sys.modules
import cffi
from numba.core.typing import cffi_utils
ffi = cffi.FFI()
ffi.cdef("double cos(double);")
cos = ffi.dlopen(None).cos
first["cffi_cos"] = numba.njit(lambda x: cos(x))(0.0)
first["ffi_recognised"] = cffi_utils.is_ffi_instance(ffi) and isinstance(ffi, cffi.FFI)
"""
    first = _fresh(after)
    assert first["dot"] == 14.0
    assert first["convolve"] == [1.0, 2.0, 3.0, 2.0, 1.0]
    assert first["have_blas"] is True
    assert first["scipy_linalg_after"] is True
    assert first["cffi_cos"] == 1.0
    assert first["ffi_recognised"] is True


def test_an_indicator_loads_only_its_family_of_kernels() -> None:
    code = r"""
import json, sys
import numpy as np
import jesse_dag.indicators as ta
from jesse_dag.candles.synthetic import candles_from_close_prices
c = candles_from_close_prices(100 + np.sin(np.arange(300) / 9.0), seed=2)
loaded = {}
for name, call in (("obv", lambda: ta.obv(c)), ("kama", lambda: ta.kama(c, 10))):
    call()
    loaded[name] = sorted(m for m in sys.modules if m.startswith("jesse_dag.indicators._kernels_"))
print(json.dumps(loaded))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["obv"] == ["jesse_dag.indicators._kernels_volume"]
    # kama's module (adaptive averages) and the NaN helpers those use; no filters, rolling statistics, ...
    assert loaded["kama"] == ["jesse_dag.indicators._kernels_averages", "jesse_dag.indicators._kernels_series",
                              "jesse_dag.indicators._kernels_volume"]
