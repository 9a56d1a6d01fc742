"""Webhook notifications against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import email.parser
import email.policy
import io
import json
import random
import logging
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jesse_dag.reports.notify import WebhookError, post_summary, zip_attachments


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 204

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ctype = self.headers["Content-Type"]
        record = {"path": self.path, "ctype": ctype, "files": {}, "payload": None}
        if ctype.startswith("application/json"):
            record["payload"] = json.loads(body)
        else:
            msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
            )
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "payload_json":
                    record["payload"] = json.loads(part.get_content())
                else:
                    record["files"][part.get_filename()] = part.get_payload(decode=True)
        type(self).received.append(record)
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook(monkeypatch):
    _Hook.received = []
    _Hook.status = 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/webhooks/secret-token-123"
    monkeypatch.setenv("JESSE_DAG_WEBHOOK_URL", url)
    yield url
    server.shutdown()


def test_text_only_summary(hook):
    result = post_summary("Backtest EmaCrossSLTP", {"net_profit": 12.5, "total": 3})
    assert result.posts == 1
    (rec,) = _Hook.received
    assert rec["path"].endswith("secret-token-123")
    assert "Backtest EmaCrossSLTP" in rec["payload"]["content"]
    assert "net_profit  12.5" in rec["payload"]["content"]


def test_attachments_are_zipped_and_split_below_limit(hook, tmp_path, caplog):
    rng_bytes = random.Random(42).randbytes(300_000)  # incompressible, so the zip must be split
    files = []
    for i in range(3):
        p = tmp_path / f"report{i}.bin"
        p.write_bytes(rng_bytes[i:] + bytes([i]))
        files.append(p)
    caplog.set_level(logging.DEBUG)
    result = post_summary("Training", {"roc_auc": 0.61}, files, max_bytes=200_000, max_files_per_post=2)
    parts = [name for rec in _Hook.received for name in rec["files"]]
    assert result.files == tuple(parts)
    assert len(parts) > 2 and result.posts == len(_Hook.received) == -(-len(parts) // 2)
    blobs = [blob for rec in _Hook.received for blob in rec["files"].values()]
    assert all(len(b) <= 200_000 for b in blobs)
    with zipfile.ZipFile(io.BytesIO(b"".join(blobs))) as zf:
        assert sorted(zf.namelist()) == ["report0.bin", "report1.bin", "report2.bin"]
        assert zf.read("report1.bin") == files[1].read_bytes()
    assert "secret-token-123" not in caplog.text


def test_refused_post_does_not_leak_url(hook):
    _Hook.status = 500
    with pytest.raises(WebhookError) as err:
        post_summary("x", {"a": 1})
    assert "HTTP 500" in str(err.value) and "secret-token" not in str(err.value)


def test_unreachable_and_unset_url(monkeypatch):
    monkeypatch.setenv("JESSE_DAG_WEBHOOK_URL", "http://127.0.0.1:9/hooks/secret-xyz")
    with pytest.raises(WebhookError) as err:
        post_summary("x", {"a": 1}, timeout=2)
    assert "secret-xyz" not in str(err.value)
    monkeypatch.delenv("JESSE_DAG_WEBHOOK_URL")
    with pytest.raises(WebhookError, match="set the environment variable JESSE_DAG_WEBHOOK_URL"):
        post_summary("x", {"a": 1})


def test_missing_attachment_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.html"):
        zip_attachments([tmp_path / "nothing.html"])


def test_a_token_in_the_query_or_user_info_never_reaches_logs_or_errors(hook, caplog, monkeypatch):
    base = hook.rsplit("/api/", 1)[0]
    url = base.replace("http://", "http://bot:pw-secret-456@") + "/api/webhooks/1/tok?token=query-secret-789&wait=true"
    monkeypatch.setenv("JESSE_DAG_WEBHOOK_URL", url)
    caplog.set_level(logging.DEBUG)
    post_summary("x", {"a": 1})
    assert _Hook.received[0]["path"].endswith("token=query-secret-789&wait=true")  # the server got it all
    assert "POST" in caplog.text and "127.0.0.1" in caplog.text  # urllib3's debug line is there, redacted
    for secret in ("query-secret-789", "pw-secret-456", "/api/webhooks/1/tok"):
        assert secret not in caplog.text
    _Hook.status = 500
    with pytest.raises(WebhookError) as err:
        post_summary("x", {"a": 1})
    assert str(err.value).endswith(f"to {base} refused with HTTP 500")


def test_a_server_that_drips_its_answer_cannot_hold_the_post(monkeypatch, caplog):
    import socket

    stop, dripping = threading.Event(), threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def drip():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            dripping.set()
            for _ in range(120):  # a header byte every 0.25 s, for 30 s at most
                if stop.wait(0.25):
                    return
                try:
                    conn.sendall(b"X")
                except OSError:  # the client hung up
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    monkeypatch.setenv("JESSE_DAG_WEBHOOK_URL", f"http://127.0.0.1:{server.getsockname()[1]}/hooks/drip-secret")
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(WebhookError, match="did not finish within its deadline of 2 s") as err:
            post_summary("x", {"a": 1}, timeout=1.0)
        # back while the server would still be dripping for many seconds
        assert dripping.is_set() and thread.is_alive()
        assert "drip-secret" not in str(err.value) and "drip-secret" not in caplog.text
    finally:
        stop.set()
        thread.join(5)
        server.close()


def test_a_logged_traceback_is_redacted_too(caplog):
    from jesse_dag.reports.notify import _redacted_http_logs

    url = "https://hooks.example.com/services/T0/B0/tb-secret-321?token=q-secret-654"
    caplog.set_level(logging.DEBUG)
    with _redacted_http_logs(url):
        try:
            raise ConnectionError("Max retries exceeded with url: /services/T0/B0/tb-secret-321?token=q-secret-654")
        except ConnectionError:
            logging.getLogger("urllib3.connectionpool").debug("retrying %s", url, exc_info=True)
    assert "Traceback" in caplog.text and "https://hooks.example.com/<webhook>" in caplog.text
    assert "tb-secret-321" not in caplog.text and "q-secret-654" not in caplog.text
