"""Running the shared gather cases on our engine (Jesse's strategy files, only their imports changed)."""
from __future__ import annotations

import functools
import json
import re
import sys
import types
from pathlib import Path

import numpy as np

EXCHANGE = "Sandbox"
_IMPORT = re.compile(r"^(\s*)(from|import)\s+jesse(?=[\s.])")


@functools.lru_cache(maxsize=2)
def read_candles(path: str) -> np.ndarray:
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return raw[:, [0, 1, 4, 2, 3, 5]].copy()  # file t,o,h,l,c,v -> Jesse's t,o,c,h,l,v


def load_jesse_strategy(path: Path) -> type:
    """Exec a strategy written for Jesse with ``jesse`` imports turned into ``jesse_dag``; its class."""
    from jesse_dag.strategies import Strategy

    source = "".join(_IMPORT.sub(r"\1\2 jesse_dag", line) for line in path.read_text().splitlines(keepends=True))
    module = types.ModuleType(f"ml_parity_{path.stem}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return next(v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy)


def gather_inputs(parity_dir: Path, data_dir: Path, name: str):
    """(config, routes, data_routes, candles, warmup) as ``jesse_oracle.py`` builds them for a case."""
    from jesse_dag.candles.timeframes import timeframe_to_minutes

    case = next(c for c in json.loads((parity_dir / "cases.json").read_text()) if c["name"] == name)
    c = read_candles(str(data_dir / case["data"]))
    split = case["warmup_bars"] * timeframe_to_minutes(case["timeframe"])
    key = f"{EXCHANGE}-{case['symbol']}"
    config = {"starting_balance": 10_000, "fee": case["fee"], "type": case["type"],
              "futures_leverage": case["leverage"], "futures_leverage_mode": "cross", "exchange": EXCHANGE,
              "warm_up_candles": case["warmup_bars"]}
    routes = [{"exchange": EXCHANGE, "strategy": load_jesse_strategy(parity_dir / "strategies" / f"{name}.py"),
               "symbol": case["symbol"], "timeframe": case["timeframe"]}]
    candles = {key: {"exchange": EXCHANGE, "symbol": case["symbol"], "candles": c[split:]}}
    warmup = {key: {"exchange": EXCHANGE, "symbol": case["symbol"], "candles": c[:split]}}
    return config, routes, [], candles, warmup
