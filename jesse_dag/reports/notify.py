"""Post a finished backtest or training summary to a chat webhook (Discord-compatible payload).

The URL comes from an environment variable (default ``JESSE_DAG_WEBHOOK_URL``); logs and error messages
show its scheme and host only (the token may sit in the path, the query or the user info). Each post has
an overall deadline besides the per-read ``timeout``. Attachments are zipped; a zip larger than the size
limit is split into parts below it, and each post carries at most ``max_files_per_post`` files, so one
summary may take several posts (the first carries the text).

Example:
    >>> import os
    >>> from jesse_dag.reports.notify import post_summary
    >>> os.environ["JESSE_DAG_WEBHOOK_URL"] = "http://127.0.0.1:9/hook"  # doctest: +SKIP
    >>> post_summary("Backtest EmaCrossSLTP", {"net_profit": 12.5}, attachments=["report.html"])  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import socket
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from jesse_dag.reports._plotlyjs import standalone_html

logger = logging.getLogger(__name__)

WEBHOOK_ENV = "JESSE_DAG_WEBHOOK_URL"
# Discord's limits: 2,000 characters of content, 10 files and 8 MiB (older default, the safe one) a post.
MAX_CONTENT_CHARS = 2000
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_FILES = 10


def public_url(url: str) -> str:
    """What of a webhook URL may be shown: scheme and host (with port), never user, path, query or fragment.

    Example:
        >>> public_url("https://user:pw@discord.com:443/api/webhooks/1/tok?thread_id=9#x")
        'https://discord.com:443'
    """
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


def _secret_parts(url: str) -> list[str]:
    """Every piece of ``url`` that may hold its token, as logged raw or requoted by requests, longest first."""
    from requests.utils import requote_uri

    found: set[str] = set()
    for u in {url, requote_uri(url)}:
        p = urlsplit(u)
        target = p.path + (f"?{p.query}" if p.query else "")
        found.update({u, target, p.path, p.query, p.fragment, p.netloc if "@" in p.netloc else "",
                      p.netloc.rsplit("@", 1)[0] if "@" in p.netloc else "", p.password or ""})
    return sorted((s for s in found if len(s) > 1 and s not in ("/", public_url(url))), key=len, reverse=True)


class _RedactUrl(logging.Filter):
    """Replaces the webhook URL, its request target (path and query), and any user info by ``<webhook>``
    in log records of urllib3 and requests (DEBUG lines say ``"POST /api/webhooks/<id>/<token>?..."``)."""

    def __init__(self, url: str):
        super().__init__()
        self.secrets = _secret_parts(url)
        self.shown = public_url(url)

    def _redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, f"{self.shown}/<webhook>" if "://" in s else "<webhook>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s in text for s in self.secrets):
            record.msg, record.args = self._redact(text), ()
        if record.exc_info and not record.exc_text:
            # a logged traceback quotes exception texts (urllib3's carry the URL): format it now, redacted;
            # handlers use exc_text when it is set
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        return True


def _http_loggers() -> list[logging.Logger]:
    # A filter acts only on records logged to its own logger, not on those its children pass up: every
    # urllib3/requests logger that exists (urllib3.connectionpool, urllib3.util.retry, ...) gets one.
    names = {"urllib3", "urllib3.connectionpool", "urllib3.util.retry", "urllib3.response", "requests"}
    names |= {n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in ("urllib3", "requests")}
    return [logging.getLogger(n) for n in sorted(names)]


@contextlib.contextmanager
def _redacted_http_logs(url: str):
    flt = _RedactUrl(url)
    loggers = _http_loggers()
    for lg in loggers:
        lg.addFilter(flt)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(flt)


class _DeadlineAdapter(HTTPAdapter):
    """An adapter that remembers the sockets it opens, so a post past its deadline can be cut off.

    ``timeout`` bounds each socket operation only: a server that sends a byte every half second keeps a
    request alive indefinitely. Shutting the sockets down wakes the blocked read at once.
    """

    def __init__(self):
        super().__init__(max_retries=0)
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def get_connection_with_tls_context(self, *args, **kwargs):
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        if not getattr(pool, "_jesse_dag_tracked", False):
            adapter, base = self, pool.ConnectionCls

            class Tracked(base):  # type: ignore[misc,valid-type]
                def connect(self):
                    super().connect()
                    with adapter._lock:
                        adapter._sockets.append(self.sock)

            pool.ConnectionCls = Tracked
            pool._jesse_dag_tracked = True
        return pool

    def abort(self) -> None:
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def _deadline(http: requests.Session, url: str, seconds: float):
    """Within the block, requests to ``url``'s host go through a :class:`_DeadlineAdapter` that is cut off
    after ``seconds``; yields a function that tells whether that happened. The session's own adapter for
    that prefix is put back afterwards."""
    parts = urlsplit(url)
    prefix = f"{parts.scheme}://{parts.netloc}/".lower()
    adapter = _DeadlineAdapter()
    previous = http.adapters.get(prefix)
    http.mount(prefix, adapter)
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        adapter.abort()

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield fired.is_set
    finally:
        timer.cancel()
        adapter.close()
        del http.adapters[prefix]
        if previous is not None:
            http.mount(prefix, previous)


class WebhookError(RuntimeError):
    """A post failed; the message never contains the webhook URL."""


@dataclass(frozen=True)
class PostResult:
    posts: int
    files: tuple[str, ...]


def format_summary(title: str, metrics: Mapping[str, object]) -> str:
    """A short aligned text block: the title then ``key  value`` lines, cut to Discord's limit."""
    width = max((len(str(k)) for k in metrics), default=0)
    lines = [f"**{title}**", "```"]
    for k, v in metrics.items():
        if isinstance(v, float):
            v = f"{v:,.6g}"
        lines.append(f"{str(k):<{width}}  {v}")
    lines.append("```")
    text = "\n".join(lines)
    if len(text) > MAX_CONTENT_CHARS:
        text = text[: MAX_CONTENT_CHARS - 8] + "\n…\n```"
    return text


def zip_attachments(paths: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> list[tuple[str, bytes]]:
    """Zip ``paths`` into one archive; if it is larger than ``max_bytes``, split it into numbered parts.

    Parts are plain byte slices of the archive (``results.zip.001``, ``.002``...): ``cat`` them back
    together to unzip. Returns ``[(filename, bytes), ...]``, each at most ``max_bytes``.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in paths:
            p = Path(p)
            if not p.is_file():
                raise FileNotFoundError(f"attachment {p} does not exist")
            if p.suffix.lower() in (".html", ".htm"):  # a report sent alone must carry its own plotly.js
                zf.writestr(p.name, standalone_html(p))
            else:
                zf.write(p, arcname=p.name)
    data = buf.getvalue()
    if len(data) <= max_bytes:
        return [("results.zip", data)]
    return [
        (f"results.zip.{i + 1:03d}", data[start : start + max_bytes])
        for i, start in enumerate(range(0, len(data), max_bytes))
    ]


def post_summary(
    title: str,
    metrics: Mapping[str, object],
    attachments: Sequence[str | Path] = (),
    *,
    env_var: str = WEBHOOK_ENV,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files_per_post: int = DEFAULT_MAX_FILES,
    timeout: float = 10.0,
    deadline: float | None = None,
    session: requests.Session | None = None,
) -> PostResult:
    """Post ``title`` and ``metrics`` (and zipped ``attachments``) to the webhook named by ``env_var``.

    ``timeout`` bounds each connect and read; ``deadline`` bounds each whole post (default: twice
    ``timeout`` plus one second per 100 kB sent), so a server that answers a byte at a time cannot hold
    the caller. Logs and errors show the webhook as ``scheme://host`` only.
    """
    url = os.environ.get(env_var, "")
    if not url:
        raise WebhookError(f"no webhook configured: set the environment variable {env_var}")
    if not re.match(r"^https?://[^/?#]", url):
        raise WebhookError(f"{env_var} does not hold an http(s) URL")
    files = zip_attachments(attachments, max_bytes) if attachments else []
    batches: list[list[tuple[str, bytes]]] = [
        files[i : i + max_files_per_post] for i in range(0, len(files), max_files_per_post)
    ] or [[]]
    http = session or requests.Session()
    content = format_summary(title, metrics)
    try:
        with _redacted_http_logs(url):
            for n, batch in enumerate(batches):
                limit = deadline if deadline is not None else 2 * timeout + sum(len(b) for _, b in batch) / 100_000
                _post_one(http, url, title, content, n, batch, len(batches), timeout, limit)
    finally:
        if session is None:
            http.close()
    return PostResult(posts=len(batches), files=tuple(name for name, _ in files))


def _post_one(http: requests.Session, url: str, title: str, content: str, n: int,
              batch: list[tuple[str, bytes]], total: int, timeout: float, deadline: float) -> None:
    payload = {"content": content if n == 0 else f"{title} (part {n + 1}/{total})"}
    multipart = {f"files[{i}]": (name, blob, "application/octet-stream") for i, (name, blob) in enumerate(batch)}
    where = f"webhook post {n + 1}/{total} to {public_url(url)}"
    with _deadline(http, url, deadline) as cut_off:
        try:
            if multipart:
                resp = http.post(url, data={"payload_json": json.dumps(payload)}, files=multipart, timeout=timeout)
            else:
                resp = http.post(url, json=payload, timeout=timeout)
            resp.close()
        except requests.RequestException as exc:
            # The exception text carries the URL's path and query (the secret parts): report only its kind.
            failure = f"failed: {type(exc).__name__}"
        else:
            failure = None
    if cut_off():  # also when the cut-off answer still parsed (a status line, then headers cut short)
        raise WebhookError(f"{where} did not finish within its deadline of {deadline:g} s (the server answers "
                           "too slowly); pass a larger deadline if the attachments are big")
    if failure:
        raise WebhookError(f"{where} {failure}")
    if resp.status_code >= 400:
        raise WebhookError(f"{where} refused with HTTP {resp.status_code}")
    logger.info("posted summary part %d/%d to the webhook %s (%d files)", n + 1, total, public_url(url), len(batch))
