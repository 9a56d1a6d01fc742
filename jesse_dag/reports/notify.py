"""Post a finished backtest or training summary to a chat webhook (Discord-compatible payload).

The URL comes from an environment variable (default ``JESSE_DAG_WEBHOOK_URL``) and never appears in
logs or error messages. Attachments are zipped; a zip larger than the size limit is split into parts
below it, and each post carries at most ``max_files_per_post`` files, so one summary may take several
posts (the first carries the text).

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
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import requests

from jesse_dag.reports._plotlyjs import standalone_html

logger = logging.getLogger(__name__)

WEBHOOK_ENV = "JESSE_DAG_WEBHOOK_URL"
# Discord's limits: 2,000 characters of content, 10 files and 8 MiB (older default, the safe one) a post.
MAX_CONTENT_CHARS = 2000
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_FILES = 10


class _RedactUrl(logging.Filter):
    """Blanks the webhook's path in urllib3's debug lines ("POST /api/webhooks/<id>/<token>")."""

    def __init__(self, url: str):
        super().__init__()
        self.secrets = [url, urlsplit(url).path]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s and s in text for s in self.secrets):
            for s in self.secrets:
                if s:
                    text = text.replace(s, "<webhook-url>")
            record.msg, record.args = text, ()
        return True


@contextlib.contextmanager
def _redacted_http_logs(url: str):
    flt = _RedactUrl(url)
    loggers = [logging.getLogger(n) for n in ("urllib3.connectionpool", "urllib3", "requests")]
    for lg in loggers:
        lg.addFilter(flt)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(flt)


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
    session: requests.Session | None = None,
) -> PostResult:
    """Post ``title`` and ``metrics`` (and zipped ``attachments``) to the webhook named by ``env_var``."""
    url = os.environ.get(env_var, "")
    if not url:
        raise WebhookError(f"no webhook configured: set the environment variable {env_var}")
    if not re.match(r"^https?://", url):
        raise WebhookError(f"{env_var} does not hold an http(s) URL")
    files = zip_attachments(attachments, max_bytes) if attachments else []
    batches: list[list[tuple[str, bytes]]] = [
        files[i : i + max_files_per_post] for i in range(0, len(files), max_files_per_post)
    ] or [[]]
    http = session or requests.Session()
    content = format_summary(title, metrics)
    with _redacted_http_logs(url):
        for n, batch in enumerate(batches):
            _post_one(http, url, title, content, n, batch, len(batches), timeout)
    return PostResult(posts=len(batches), files=tuple(name for name, _ in files))


def _post_one(http: requests.Session, url: str, title: str, content: str, n: int,
              batch: list[tuple[str, bytes]], total: int, timeout: float) -> None:
    payload = {"content": content if n == 0 else f"{title} (part {n + 1}/{total})"}
    multipart = {f"files[{i}]": (name, blob, "application/octet-stream") for i, (name, blob) in enumerate(batch)}
    try:
        if multipart:
            resp = http.post(url, data={"payload_json": json.dumps(payload)}, files=multipart, timeout=timeout)
        else:
            resp = http.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        # The exception text carries the URL's path (the secret part): report only its kind.
        raise WebhookError(f"webhook post {n + 1}/{total} failed: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        raise WebhookError(f"webhook post {n + 1}/{total} refused with HTTP {resp.status_code}")
    logger.info("posted summary part %d/%d to the webhook (%d files)", n + 1, total, len(batch))
