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
import re
from pathlib import Path
from urllib.parse import quote

DEFAULT_BASE_URL = "https://data.binance.vision"
MARKETS = {"spot": "spot", "futures": "futures/um", "futures/um": "futures/um", "usdm": "futures/um"}
# A month of 1m klines is a few MB zipped: anything far larger is not a kline file. The checksum file is
# one line, "<sha256>  <file name>".
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
MAX_CHECKSUM_BYTES = 4096
_SYMBOL = re.compile(r"[A-Za-z0-9_]{1,40}")
_PERIOD = re.compile(r"\d{4}-\d{2}(-\d{2})?")
_INTERVAL = re.compile(r"\d{1,3}[smhdwM]")


class ChecksumError(ValueError):
    """A downloaded file does not match its published sha256."""


class DownloadError(ValueError):
    """A download is refused: larger than its limit, or not what the archive publishes."""


def archive_url(base_url: str, market: str, symbol: str, period: str, interval: str = "1m") -> str:
    """URL of one kline zip; ``period`` ``YYYY-MM`` is monthly, ``YYYY-MM-DD`` daily.

    ``symbol`` is the archive's (``BTCUSDT``): letters, digits and ``_`` only, so it cannot change the path.

    Example:
        >>> archive_url("https://data.binance.vision", "spot", "BTC/../USDT", "2024-01")
        Traceback (most recent call last):
        ...
        ValueError: symbol 'BTC/../USDT' is not a Binance archive symbol: expected 1 to 40 letters, digits or '_' (e.g. BTCUSDT)
    """
    if market not in MARKETS:
        raise ValueError(f"unknown market {market!r}; expected one of {', '.join(MARKETS)}")
    if not _SYMBOL.fullmatch(symbol):
        raise ValueError(f"symbol {symbol!r} is not a Binance archive symbol: expected 1 to 40 letters, digits or "
                         "'_' (e.g. BTCUSDT)")
    if not _PERIOD.fullmatch(period):
        raise ValueError(f"period {period!r}: expected YYYY-MM (monthly file) or YYYY-MM-DD (daily file)")
    if not _INTERVAL.fullmatch(interval):
        raise ValueError(f"interval {interval!r}: expected a kline interval such as 1m, 1h, 1d")
    kind = "monthly" if len(period) == 7 else "daily"
    sym = quote(symbol, safe="")  # already plain; quoted so the URL stays right if the rule ever widens
    return f"{base_url.rstrip('/')}/data/{MARKETS[market]}/{kind}/klines/{sym}/{interval}/{sym}-{interval}-{period}.zip"


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


def _get_bounded(http, url: str, limit: int, timeout: float, sink=None) -> bytes | None:
    """GET ``url`` streamed; None on 404. The body goes to ``sink(chunk)`` (or is returned) and is refused
    with ``DownloadError`` past ``limit`` bytes, whatever ``Content-Length`` says."""
    resp = http.get(url, timeout=timeout, stream=True)
    try:
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        declared = resp.headers.get("Content-Length")
        too_big = (f"{url}: the server sends more than {limit:,} bytes, far more than a kline archive file; "
                   "check base_url (a mirror or proxy may answer with something else)")
        if declared and declared.isdigit() and int(declared) > limit:
            raise DownloadError(too_big)
        parts: list[bytes] = []
        seen = 0
        for chunk in resp.iter_content(chunk_size=1 << 16):
            seen += len(chunk)
            if seen > limit:
                raise DownloadError(too_big)
            if sink is None:
                parts.append(chunk)
            else:
                sink(chunk)
        return b"".join(parts)
    finally:
        resp.close()


def download_verified(url: str, dest_dir: str | os.PathLike, *, session=None, timeout: float = 60.0,
                      max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path | None:
    """Download ``url`` and its ``.CHECKSUM`` into ``dest_dir``, verify the sha256; None if not published (404).

    Bodies are streamed to disk and bounded (``max_bytes``, 4 KiB for the checksum). A mismatching or
    oversized file is deleted and ``ChecksumError`` / ``DownloadError`` raised.
    """
    import requests

    http = session or requests
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / url.rsplit("/", 1)[1]
    checksum = _get_bounded(http, url + ".CHECKSUM", MAX_CHECKSUM_BYTES, timeout)
    if checksum is None:
        return None
    expected = published_sha256(checksum.decode("utf-8", "replace"), url + ".CHECKSUM")
    tmp = target.with_suffix(".part")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as fh:
            def sink(chunk: bytes) -> None:
                digest.update(chunk)
                fh.write(chunk)

            if _get_bounded(http, url, max_bytes, timeout, sink) is None:
                tmp.unlink(missing_ok=True)
                return None
        if digest.hexdigest() != expected:
            raise ChecksumError(f"{url}: sha256 {digest.hexdigest()} does not match the published checksum {expected}")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
