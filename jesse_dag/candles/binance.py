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


def published_sha256(text: str, url: str) -> str:
    """The sha256 in a ``.CHECKSUM`` file's text (``<sha256>  <file name>``), or ``ChecksumError`` saying why not.

    Example:
        >>> published_sha256("", "https://x/BTCUSDT-1m-2024-01.zip.CHECKSUM")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        jesse_dag.candles.binance.ChecksumError: https://x/...CHECKSUM is empty: no sha256 to verify the download ...
    """
    fields = text.split()
    if not fields:
        raise ChecksumError(f"{url} is empty: no sha256 to verify the download against; retry later (Binance "
                            "may still be publishing it)")
    digest = fields[0].strip().lower()
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise ChecksumError(f"{url} does not start with a sha256 (64 hex digits) but with {digest[:20]!r}"
                            f"{'...' if len(digest) > 20 else ''}; check the base URL (a proxy or error page?)")
    return digest


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
    expected = published_sha256(resp.text, url + ".CHECKSUM")
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
