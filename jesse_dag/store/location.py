"""Where a store lives: a DuckDB file (a path) or Parquet under a URI (a local folder or an S3-API bucket).

Every store function takes ``db=``. A plain path (or ``None``) is the DuckDB file, as always. A store URI names
the Parquet backend: ``file:///abs/folder`` (a local or mounted shared folder) or ``s3://bucket/prefix``, with
the filesystem's options in the query (``endpoint_url``, ``region``, ``profile``, ``anonymous``), so the one
string a Dagster resource or a worker process passes along says everything but the credentials, which come
from the environment (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_PROFILE`` / instance role, as
boto reads them).

Example:
    >>> loc = parquet_location("s3://research/store?endpoint_url=http://127.0.0.1:9000&region=eu-west-1")
    >>> loc.protocol, loc.root, loc.options["endpoint_url"]
    ('s3', 'research/store', 'http://127.0.0.1:9000')
    >>> parquet_location("storage/jesse_dag.duckdb") is None
    True
    >>> store_uri("s3://research/store", endpoint_url="http://127.0.0.1:9000")
    's3://research/store?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000'
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

# The filesystem options a store URI may carry; never credentials (those come from the environment).
OPTIONS = ("endpoint_url", "region", "profile", "anonymous")
SCHEMES = ("file", "s3")


class StoreURIError(ValueError):
    """A store URI that cannot be used: unknown scheme, unknown option, no bucket."""


@dataclass(frozen=True)
class ParquetLocation:
    """A Parquet store: ``protocol`` (``file`` or ``s3``), ``root`` (a folder path, or ``bucket/prefix``)
    and the filesystem ``options``."""

    protocol: str
    root: str
    options: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def uri(self) -> str:
        """The store URI this location was read from (options included)."""
        base = f"file://{self.root}" if self.protocol == "file" else f"s3://{self.root}"
        return store_uri(base, **self.options)

    def key(self, *parts: str) -> str:
        """The filesystem path of ``parts`` under the root (what ``self.filesystem()`` takes)."""
        return posixpath.join(self.root, *parts)

    def url(self, path: str) -> str:
        """What DuckDB reads ``path`` (a filesystem path from :meth:`key`) as: the path itself locally, an
        ``s3://`` URL through the registered fsspec filesystem."""
        return path if self.protocol == "file" else f"s3://{path}"

    def filesystem(self):
        """The fsspec filesystem of this store (``s3fs.S3FileSystem`` for ``s3``: one cached instance per
        options, without a listings cache, so a key another worker just wrote is seen)."""
        if self.protocol == "file":
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem()
        return _s3(tuple(sorted(self.options.items())))

    def storage_options(self) -> dict:
        """The fsspec (s3fs) options of this location, for code that builds its own filesystem (UPath)."""
        return s3_options(self.options) if self.protocol == "s3" else {}


_S3_CACHE: dict[tuple, object] = {}


def _s3(options: tuple):
    # one client per options and process: s3fs builds a session per instance (slow), and forked workers must
    # not share the parent's event loop, so the cache is keyed by the process too
    key = (os.getpid(), options)
    if key not in _S3_CACHE:
        import s3fs

        _S3_CACHE[key] = s3fs.S3FileSystem(**s3_options(dict(options)), skip_instance_cache=True)
    return _S3_CACHE[key]


def s3_options(options: dict) -> dict:
    """s3fs's keyword arguments for a store URI's options (no listings cache: another worker's new key is seen)."""
    out: dict = {"use_listings_cache": False,
                 "anon": str(options.get("anonymous", "")).lower() in ("1", "true", "yes")}
    if options.get("endpoint_url"):
        out["endpoint_url"] = options["endpoint_url"]
    if options.get("profile"):
        out["profile"] = options["profile"]
    if options.get("region"):
        out["client_kwargs"] = {"region_name": options["region"]}
    return out


def store_uri(uri: str, **options) -> str:
    """``uri`` with the filesystem ``options`` (see :data:`OPTIONS`; ``None`` values left out) in its query."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise StoreURIError(f"store URI {uri!r}: unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    query = urlencode({k: str(v).lower() if isinstance(v, bool) else v
                       for k, v in sorted(options.items()) if v is not None})
    return uri + (f"?{query}" if query else "")


def _uri_text(db) -> bool:
    return isinstance(db, str) and db.startswith(tuple(f"{s}://" for s in SCHEMES))


def _default(db):
    """``db``, or for ``None`` the store ``$JESSE_DAG_DB`` names when that is a store URI (the store functions'
    default, as for a DuckDB path)."""
    if db is None and _uri_text(os.environ.get("JESSE_DAG_DB")):
        return os.environ["JESSE_DAG_DB"]
    return db


def is_store_uri(db) -> bool:
    """Whether ``db`` names the Parquet backend (``file://`` or ``s3://``; ``None``: ``$JESSE_DAG_DB`` does)
    rather than a DuckDB file."""
    db = _default(db)
    return isinstance(db, ParquetLocation) or _uri_text(db)


def parquet_location(db) -> ParquetLocation | None:
    """The Parquet location ``db`` names, or ``None`` for a DuckDB file (a path or ``None``)."""
    db = _default(db)
    if isinstance(db, ParquetLocation):
        return db
    if not is_store_uri(db):
        return None
    parts = urlsplit(db)
    options = dict(parse_qsl(parts.query))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise StoreURIError(f"store URI {db!r}: unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)} "
                            "(credentials come from the environment, never the URI)")
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StoreURIError(f"store URI {db!r}: a file:// URI names an absolute folder: file:///path/to/store")
        root = unquote(parts.path).rstrip("/") or "/"
        return ParquetLocation("file", str(Path(root).absolute()), options)
    if not parts.netloc:
        raise StoreURIError(f"store URI {db!r}: no bucket; write s3://bucket/prefix")
    root = posixpath.join(parts.netloc, unquote(parts.path).strip("/")).rstrip("/")
    return ParquetLocation("s3", root, options)


def folder_uri(folder: str | os.PathLike) -> str:
    """The store URI of a local folder (made absolute)."""
    return "file://" + quote(str(Path(folder).absolute()))


def store_exists(db) -> bool:
    """Whether the store ``db`` holds anything yet: the DuckDB file exists, or the Parquet store has a key."""
    loc = parquet_location(db)
    if loc is None:
        from jesse_dag.store.connection import resolve_path

        return resolve_path(db).exists()
    fs = loc.filesystem()
    try:
        return bool(fs.ls(loc.root, detail=False))
    except FileNotFoundError:
        return False


def describe(db) -> str:
    """A store for messages: its URI without options, or the DuckDB file's path."""
    loc = parquet_location(db)
    if loc is None:
        return str(db)
    return loc.uri.split("?")[0]
