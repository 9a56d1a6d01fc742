"""Jesse's enum namespaces: classes of string constants, spelled and valued as in Jesse 3.5.3.

Strategies compare against these (``order.side == sides.BUY``), so the values are Jesse's strings.

Example:
    >>> from jesse_dag.enums import sides, timeframes, order_types
    >>> sides.BUY, timeframes.HOUR_4, timeframes.DAY_1, order_types.STOP_LIMIT
    ('buy', '4h', '1D', 'STOP LIMIT')
"""
from __future__ import annotations

__all__ = [
    "sides", "trade_types", "order_statuses", "timeframes", "colors", "order_types", "exchanges",
    "order_submitted_via", "data_providers", "migration_actions", "live_session_statuses", "live_session_modes",
    "values_of",
]


class sides:
    BUY = 'buy'
    SELL = 'sell'


class trade_types:
    LONG = 'long'
    SHORT = 'short'


class order_statuses:
    ACTIVE = 'ACTIVE'
    CANCELED = 'CANCELED'
    EXECUTED = 'EXECUTED'
    PARTIALLY_FILLED = 'PARTIALLY FILLED'
    QUEUED = 'QUEUED'
    LIQUIDATED = 'LIQUIDATED'
    REJECTED = 'REJECTED'


class timeframes:
    MINUTE_1 = '1m'
    MINUTE_3 = '3m'
    MINUTE_5 = '5m'
    MINUTE_15 = '15m'
    MINUTE_30 = '30m'
    MINUTE_45 = '45m'
    HOUR_1 = '1h'
    HOUR_2 = '2h'
    HOUR_3 = '3h'
    HOUR_4 = '4h'
    HOUR_6 = '6h'
    HOUR_8 = '8h'
    HOUR_12 = '12h'
    DAY_1 = '1D'
    DAY_3 = '3D'
    WEEK_1 = '1W'
    MONTH_1 = '1M'


class colors:
    GREEN = 'green'
    YELLOW = 'yellow'
    RED = 'red'
    MAGENTA = 'magenta'
    BLACK = 'black'


class order_types:
    MARKET = 'MARKET'
    LIMIT = 'LIMIT'
    STOP = 'STOP'
    FOK = 'FOK'
    STOP_LIMIT = 'STOP LIMIT'


class order_submitted_via:
    STOP_LOSS = 'stop-loss'
    TAKE_PROFIT = 'take-profit'


class exchanges:
    """Exchange names as Jesse spells them; backtests here only ever use ``SANDBOX`` (any name works)."""
    SANDBOX = 'Sandbox'
    CUSTOM_DATA = 'Custom Data'
    MASSIVE_STOCKS = 'Massive Stocks'
    MASSIVE_CURRENCIES = 'Massive Currencies'
    MASSIVE_INDICES = 'Massive Indices'
    MASSIVE_FUTURES = 'Massive Futures'
    COINBASE_SPOT = 'Coinbase Spot'
    BITFINEX_SPOT = 'Bitfinex Spot'
    BINANCE_SPOT = 'Binance Spot'
    BINANCE_US_SPOT = 'Binance US Spot'
    BINANCE_PERPETUAL_FUTURES = 'Binance Perpetual Futures'
    BINANCE_PERPETUAL_FUTURES_TESTNET = 'Binance Perpetual Futures Testnet'
    BYBIT_USDT_PERPETUAL = 'Bybit USDT Perpetual'
    BYBIT_USDC_PERPETUAL = 'Bybit USDC Perpetual'
    BYBIT_USDT_PERPETUAL_TESTNET = 'Bybit USDT Perpetual Testnet'
    BYBIT_USDC_PERPETUAL_TESTNET = 'Bybit USDC Perpetual Testnet'
    BYBIT_SPOT = 'Bybit Spot'
    BYBIT_SPOT_TESTNET = 'Bybit Spot Testnet'
    FTX_PERPETUAL_FUTURES = 'FTX Perpetual Futures'
    FTX_SPOT = 'FTX Spot'
    FTX_US_SPOT = 'FTX US Spot'
    BITGET_SPOT = 'Bitget Spot'
    BITGET_USDT_PERPETUAL = 'Bitget USDT Perpetual'
    BITGET_USDT_PERPETUAL_TESTNET = 'Bitget USDT Perpetual Testnet'
    DYDX_PERPETUAL = 'Dydx Perpetual'
    DYDX_PERPETUAL_TESTNET = 'Dydx Perpetual Testnet'
    APEX_OMNI_PERPETUAL_TESTNET = 'Apex Omni Perpetual Testnet'
    APEX_OMNI_PERPETUAL = 'Apex Omni Perpetual'
    GATE_USDT_PERPETUAL = 'Gate USDT Perpetual'
    GATE_SPOT = 'Gate Spot'
    HYPERLIQUID_PERPETUAL = 'Hyperliquid Perpetual'
    HYPERLIQUID_PERPETUAL_TESTNET = 'Hyperliquid Perpetual Testnet'
    LIGHTER_PERPETUAL = 'Lighter Perpetual'
    LIGHTER_PERPETUAL_TESTNET = 'Lighter Perpetual Testnet'
    KUCOIN_SPOT = 'KuCoin Spot'
    KUCOIN_USDT_PERPETUAL = 'KuCoin USDT Perpetual'
    KRAKEN_SPOT = 'Kraken Pro Spot'
    KRAKEN_PERPETUAL = 'Kraken Pro Futures'
    KRAKEN_PERPETUAL_TESTNET = 'Kraken Pro Futures Testnet'


# The four below name things of Jesse's app (its data provider, database migrations, live sessions); they
# are here so code that reads them imports, and nothing in jesse-dag uses them.
class data_providers:
    MASSIVE = 'Massive'


class migration_actions:
    ADD = 'add'
    DROP = 'drop'
    RENAME = 'rename'
    MODIFY_TYPE = 'modify_type'
    ALLOW_NULL = 'allow_null'
    DENY_NULL = 'deny_null'
    ADD_INDEX = 'add_index'
    DROP_INDEX = 'drop_index'


class live_session_statuses:
    DRAFT = 'draft'
    STARTING = 'starting'
    RUNNING = 'running'
    STOPPED = 'stopped'
    TERMINATED = 'terminated'


class live_session_modes:
    LIVETRADE = 'livetrade'
    PAPERTRADE = 'papertrade'


def values_of(namespace: type) -> list[str]:
    """The constants of one namespace in declaration order (Jesse's ``jh.class_iter`` as a list).

    Example:
        >>> values_of(sides)
        ['buy', 'sell']
    """
    return [v for k, v in vars(namespace).items() if not k.startswith("_") and isinstance(v, str)]
