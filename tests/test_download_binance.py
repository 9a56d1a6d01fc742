"""The Binance archive downloader against a small HTTP server on 127.0.0.1 serving the archive's layout."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile

import numpy as np
import pytest

from jesse_dag.candles.binance import ChecksumError
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store import load_candles
from jesse_dag.store.importing import import_binance_archive

JAN_2025 = 1_735_689_600_000  # 2025-01-01T00:00Z


def _publish(root, market_path, symbol, period, candles, unit_factor):
    kind = "monthly" if len(period) == 7 else "daily"
    folder = root / "data" / market_path / kind / "klines" / symbol / "1m"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{symbol}-1m-{period}"
    lines = []
    for t, o, c, h, l, v in candles:
        ts = int(t) * unit_factor
        lines.append(",".join([str(ts)] + [repr(float(x)) for x in (o, h, l, c, v)]
                              + [str(ts + 60_000 * unit_factor - 1), "0", "0", "0", "0", "0"]))
    zpath = folder / f"{name}.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(f"{name}.csv", "\n".join(lines) + "\n")
    digest = hashlib.sha256(zpath.read_bytes()).hexdigest()
    (folder / f"{name}.zip.CHECKSUM").write_text(f"{digest}  {name}.zip\n")
    return zpath


@pytest.fixture()
def archive(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    requests_seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_GET(self):
            requests_seen.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}", requests_seen
    server.shutdown()
    server.server_close()


def test_monthly_and_daily_files_are_verified_stored_and_not_fetched_again(archive, tmp_path):
    root, url, seen = archive
    m = synthetic_market(days=33, seed=9, start_timestamp=JAN_2025)
    jan, feb1, feb2 = m[: 31 * 1440], m[31 * 1440: 32 * 1440], m[32 * 1440:]
    _publish(root, "spot", "BTCUSDT", "2025-01", jan, 1000)  # spot files in 2025: microseconds
    _publish(root, "spot", "BTCUSDT", "2025-02-01", feb1, 1000)
    _publish(root, "spot", "BTCUSDT", "2025-02-02", feb2, 1000)
    db = tmp_path / "s.duckdb"
    r = import_binance_archive("Binance Spot", "BTC-USDT", "2025-01-01", "2025-02-03", base_url=url, db=db)
    assert r.details["fetched"] == ["2025-01", "2025-02-01", "2025-02-02"]
    assert set(r.details["timestamp_units"].values()) == {"us"}
    assert r.rows_added == len(m) and r.gaps == []
    assert np.array_equal(load_candles("Binance Spot", "BTC-USDT", db=db), m)
    seen.clear()
    again = import_binance_archive("Binance Spot", "BTC-USDT", "2025-01-01", "2025-02-03", base_url=url, db=db)
    assert again.details["skipped"] == ["2025-01", "2025-02-01", "2025-02-02"] and seen == []
    assert again.rows_added == 0


def test_futures_layout_missing_month_falls_back_to_days_and_reports_gaps(archive, tmp_path):
    root, url, seen = archive
    m = synthetic_market(days=3, seed=10, start_timestamp=JAN_2025 + 31 * 86_400_000 * 0)
    _publish(root, "futures/um", "ETHUSDT", "2025-01-01", m[:1440], 1)
    _publish(root, "futures/um", "ETHUSDT", "2025-01-03", m[2880:], 1)
    db = tmp_path / "s.duckdb"
    r = import_binance_archive("Binance Perpetual Futures", "ETH-USDT", "2025-01-01", "2025-01-04",
                               market="futures", base_url=url, db=db)
    assert r.details["fetched"] == ["2025-01-01", "2025-01-03"] and r.details["missing"] == ["2025-01-02"]
    assert r.gaps == [(int(m[1440, 0]), int(m[2879, 0]))]
    assert all("/data/futures/um/daily/klines/ETHUSDT/1m/" in p for p in seen)
    # a whole month asked for, monthly file not published: the days are fetched instead
    r = import_binance_archive("Binance Perpetual Futures", "ETH-USDT", "2025-01-01", "2025-02-01",
                               market="futures", base_url=url, db=db)
    assert "/data/futures/um/monthly/klines/ETHUSDT/1m/ETHUSDT-1m-2025-01.zip.CHECKSUM" in seen
    assert r.details["skipped"] == ["2025-01-01", "2025-01-03"] and len(r.details["missing"]) == 29


def test_checksum_mismatch_is_refused_and_nothing_stored(archive, tmp_path):
    root, url, _ = archive
    m = synthetic_market(days=1, seed=11, start_timestamp=JAN_2025)
    z = _publish(root, "spot", "BTCUSDT", "2025-01-01", m, 1000)
    z.write_bytes(z.read_bytes() + b"tampered")
    db = tmp_path / "s.duckdb"
    with pytest.raises(ChecksumError, match="does not match the published checksum"):
        import_binance_archive("Binance Spot", "BTC-USDT", "2025-01-01", "2025-01-02", base_url=url, db=db)
    from jesse_dag.store import list_markets

    assert list_markets(db) == []
