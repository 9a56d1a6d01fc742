"""Binance's public data archive (data.binance.vision): URLs of kline zips and checked downloads.

Layout: ``{base}/data/{spot|futures/um}/{monthly|daily}/klines/{SYMBOL}/{interval}/{SYMBOL}-{interval}-{period}.zip``
with ``.zip.CHECKSUM`` beside each file (``<sha256>  <file name>``). ``period`` is ``YYYY-MM`` (monthly)
or ``YYYY-MM-DD`` (daily).

Example:
    >>> archive_url("https://data.binance.vision", "spot", "BTCUSDT", "2024-01")
    'https://data.binance.vision/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip'
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEFAULT_BASE_URL = "https://data.binance.vision"
MARKETS = {"spot": "spot", "futures": "futures/um", "futures/um": "futures/um", "usdm": "futures/um"}


class ChecksumError(ValueError):
    """A downloaded file does not match its published sha256."""


def archive_url(base_url: str, market: str, symbol: str, period: str, interval: str = "1m") -> str:
    """URL of one kline zip; ``period`` ``YYYY-MM`` is monthly, ``YYYY-MM-DD`` daily."""
    if market not in MARKETS:
        raise ValueError(f"unknown market {market!r}; expected one of {', '.join(MARKETS)}")
    kind = "monthly" if len(period) == 7 else "daily"
    return (f"{base_url.rstrip('/')}/data/{MARKETS[market]}/{kind}/klines/{symbol}/{interval}/"
            f"{symbol}-{interval}-{period}.zip")


def download_verified(url: str, dest_dir: str | os.PathLike, *, session=None, timeout: float = 60.0) -> Path | None:
    """Download ``url`` and its ``.CHECKSUM`` into ``dest_dir``, verify the sha256; None if not published (404).

    A mismatching file is deleted and ``ChecksumError`` raised.
    """
    import requests

    http = session or requests
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / url.rsplit("/", 1)[1]
    resp = http.get(url + ".CHECKSUM", timeout=timeout)
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    expected = resp.text.split()[0].strip().lower()
    resp = http.get(url, timeout=timeout)
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    digest = hashlib.sha256(resp.content).hexdigest()
    if digest != expected:
        raise ChecksumError(f"{url}: sha256 {digest} does not match the published checksum {expected}")
    tmp = target.with_suffix(".part")
    tmp.write_bytes(resp.content)
    tmp.replace(target)
    return target
