"""Zip bombs and oversized downloads are refused before they are read whole; errors name the zip and
member; the downloader's symbol cannot change the URL's path (issue 15)."""
from __future__ import annotations

import http.server
import io
import struct
import threading
import zipfile

import pytest

from jesse_dag.candles import binance, importers
from jesse_dag.candles.importers import CandleFileError, read_candles_file

T0 = 1_735_689_600_000


def _kline_csv(rows: int) -> bytes:
    return "".join(f"{T0 + 60_000 * i},1,2,0.5,1.5,3,{T0 + 60_000 * i + 59_999},0,0,0,0,0\n"
                   for i in range(rows)).encode()


def _zip(path, name: str, data: bytes):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return path


@pytest.fixture
def never_unzipped(monkeypatch):
    """Call it after writing the zips: from then on, opening any zip member fails the test."""
    def refuse(self, *a, **k):
        raise AssertionError("a zip member was opened")
    return lambda: monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def test_a_highly_compressed_member_is_refused_before_it_is_read(tmp_path, never_unzipped):
    # 16 MiB of zeros zip to ~16 KB (1000x): the shape of a zip bomb, refused from the directory alone
    bomb = _zip(tmp_path / "2025-01-bomb.zip", "BTCUSDT-1m-2025-01.csv", bytes(16 * 1024 * 1024))
    never_unzipped()
    with pytest.raises(CandleFileError) as err:
        read_candles_file(bomb)
    msg = str(err.value)
    assert str(bomb) in msg and "'BTCUSDT-1m-2025-01.csv'" in msg and "16,777,216 bytes" in msg
    assert "zip bomb" in msg


def test_a_member_larger_than_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch, never_unzipped):
    monkeypatch.setattr(importers, "MAX_ZIP_MEMBER_BYTES", 100_000)
    big = _zip(tmp_path / "big.zip", "k.csv", _kline_csv(2_000))  # 104 KB of real-looking rows
    never_unzipped()
    with pytest.raises(CandleFileError, match=r"big.zip \(member 'k.csv'\): the member unzips to .* more than the "
                                              r"100,000 .* import the CSV itself"):
        read_candles_file(big)


def test_a_member_whose_declared_size_lies_is_refused_without_reading_more(tmp_path):
    data = _kline_csv(3_000)
    raw = bytearray(_zip(tmp_path / "x.zip", "k.csv", data).read_bytes())
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # central and local header: size 1,000
        i = raw.find(sig)
        raw[i + offset:i + offset + 4] = struct.pack("<I", 1_000)
    (tmp_path / "x.zip").write_bytes(bytes(raw))
    with pytest.raises(CandleFileError, match=r"x.zip: not a readable zip archive \(Bad CRC-32 for file 'k.csv'\)"):
        read_candles_file(tmp_path / "x.zip")


def test_a_member_is_streamed_and_read_only_up_to_its_size():
    reader = importers._BoundedReader(io.BytesIO(_kline_csv(100)), 1_000, "z.zip/k.csv")
    with pytest.raises(CandleFileError, match="z.zip/k.csv: the member holds more than 1,000 bytes"):
        while reader.read(300):
            pass
    assert reader.seen == 1_001


def test_zip_errors_name_the_zip(tmp_path):
    (tmp_path / "junk.zip").write_bytes(b"not a zip at all")
    with pytest.raises(CandleFileError, match=r"junk.zip: not a readable zip archive"):
        read_candles_file(tmp_path / "junk.zip")
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    with pytest.raises(CandleFileError, match=r"two.zip: expected one .csv inside the zip, found \['a.csv', 'b.csv'\]"):
        read_candles_file(tmp_path / "two.zip")


def test_a_normal_kline_zip_still_reads(tmp_path):
    c, info = read_candles_file(_zip(tmp_path / "ok.zip", "BTCUSDT-1m-2025-01-01.csv", _kline_csv(1440)))
    assert c.shape == (1440, 6) and int(c[-1, 0]) == T0 + 1439 * 60_000
    assert info.source == "ok.zip/BTCUSDT-1m-2025-01-01.csv"


class _Big(http.server.BaseHTTPRequestHandler):
    """Serves 300 KB for any path: with Content-Length, or chunked without it (``/chunked/...``)."""

    body = b"0" * 64 + b"  X.zip" + b" " * (300_000 - 71)  # a well-formed (wrong) checksum line, padded to 300 KB
    served: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).served.append(self.path)
        self.send_response(200)
        if self.path.startswith("/chunked/"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(self.body), 10_000):
                part = self.body[i:i + 10_000]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def big_server():
    _Big.served = []
    _Big.protocol_version = "HTTP/1.1"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Big)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_downloads_are_bounded_with_or_without_content_length(big_server, tmp_path):
    # the checksum file is one line: 300 KB for it is refused
    with pytest.raises(binance.DownloadError, match=r"X.zip.CHECKSUM: the server sends more than 4,096 bytes"):
        binance.download_verified(f"{big_server}/X.zip", tmp_path)
    with pytest.raises(binance.DownloadError, match="more than 4,096 bytes"):
        binance.download_verified(f"{big_server}/chunked/X.zip", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_oversized_archive_file_is_refused_and_removed(big_server, tmp_path, monkeypatch):
    monkeypatch.setattr(binance, "MAX_CHECKSUM_BYTES", 1_000_000)  # let the 300 KB "checksum" through
    for prefix in ("", "/chunked"):
        with pytest.raises(binance.DownloadError, match="more than 100,000 bytes"):
            binance.download_verified(f"{big_server}{prefix}/X.zip", tmp_path, max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_a_symbol_cannot_change_the_archive_path(big_server, tmp_path):
    from jesse_dag.store.importing import import_binance_archive

    for symbol in ("BTC/../../x", "BTC?USDT", "BTC USDT", "BTC%2FUSDT", ""):
        with pytest.raises(ValueError, match="is not a Binance archive symbol"):
            import_binance_archive("Binance Spot", symbol, "2025-01-01", "2025-01-02", base_url=big_server,
                                   db=tmp_path / "s.duckdb")
    assert _Big.served == []
    assert binance.archive_url("https://x", "spot", "1000SHIBUSDT", "2025-01-02").endswith(
        "/spot/daily/klines/1000SHIBUSDT/1m/1000SHIBUSDT-1m-2025-01-02.zip")


def test_the_reported_bomb_shape_is_refused_from_the_directory(tmp_path, never_unzipped):
    # the probe's shape: a small zip whose member says it unzips to 1.5 GB
    raw = bytearray(_zip(tmp_path / "2025-01.zip", "k.csv", _kline_csv(1_000)).read_bytes())
    i = raw.find(b"PK\x01\x02")
    raw[i + 24:i + 28] = struct.pack("<I", 1_500_000_000)
    (tmp_path / "2025-01.zip").write_bytes(bytes(raw))
    never_unzipped()
    with pytest.raises(CandleFileError, match=r"2025-01.zip \(member 'k.csv'\): the member unzips to 1,500,000,000"):
        read_candles_file(tmp_path / "2025-01.zip")
