"""The IO manager of the values steps pass each other, under the Parquet store's URI (``<store>/io/...``).

Dagster's default IO manager pickles each output (numpy arrays of candles, dicts of samples) into the
instance's local folder: a step on another machine could not read it. With ``storage: {kind: parquet}``
the outputs go under the store's URI instead, through the same fsspec filesystem as the store, and each is
written whole to a temporary key and then moved in (a retried or killed step never leaves half a pickle
that the next step would read).

Reports: an output that names files under the project's ``storage/reports/`` (the report assets return
their HTML and JSON paths, or give them as path metadata) has those files, and the plotly.js their pages
load, published under ``<uri>/reports/`` with the same relative path, so the reports live beside the data
under the one URI while the local copy stays where links point.

The values are pickles, as with Dagster's default: whoever can write the bucket can run code in the
steps that read it, so the bucket must be writable by the research team's workers only.

Example:
    >>> io = StoreIOManager(uri="s3://research/jd?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000")  # doctest: +SKIP
"""
from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import UPathIOManager

from jesse_dag.store.parquet import parquet_store


# the shared plotly.js a report page loads from beside itself (jesse_dag.reports._plotlyjs, "shared")
_PLOTLY_SCRIPT = re.compile(r'<script src="(plotly-[0-9A-Za-z.\-]+\.min\.js)"')


def _strings(value: Any, depth: int = 0) -> list[str]:
    """The strings in ``value``: itself, a dict's values and a metadata value's path or JSON, three dicts deep
    (lists are not searched: a report's path sits in a dict, and samples come in long lists)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dg.PathMetadataValue):
        return [str(value.path)]
    if isinstance(value, dg.JsonMetadataValue):
        value = value.data
    if isinstance(value, dict) and depth < 3:
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    return []


class _StorePickles(UPathIOManager):
    extension = ".pickle"

    def __init__(self, uri: str, reports_dir: str | None = None):
        from upath import UPath

        self.reports_dir = None if reports_dir is None else Path(reports_dir).resolve()
        self.store = parquet_store(uri)
        loc = self.store.loc
        base = UPath(loc.key("io")) if loc.protocol == "file" else UPath(loc.url(loc.key("io")), **loc.storage_options())
        super().__init__(base_path=base)

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path) -> None:
        self.store.put_atomic(path.path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        for report in self._reports_named(obj, context.output_metadata):
            self._publish(context, report)
            if report.suffix == ".html":  # the shared plotly.js its charts load, once per version
                for script in set(_PLOTLY_SCRIPT.findall(report.read_text(errors="replace"))):
                    js = report.with_name(script)
                    key = self.store.loc.key("reports", js.relative_to(self.reports_dir).as_posix())
                    if js.is_file() and not self.store.fs.exists(key):
                        self._publish(context, js)

    def _publish(self, context: dg.OutputContext, report: Path) -> None:
        relative = report.relative_to(self.reports_dir).as_posix()
        self.store.put_atomic(self.store.loc.key("reports", relative), report.read_bytes())
        context.log.debug(f"published {report} as {self.store.loc.url(self.store.loc.key('reports', relative))}")

    def _reports_named(self, obj: Any, metadata: Any = None) -> list[Path]:
        """The files under the reports folder that an output names: in its value (a dict's strings, nested
        dicts included: a universe's comparison names each market's page under ``markets``) or its metadata
        (a walk-forward's value names no file; its ``report`` and ``json`` path metadata do)."""
        if self.reports_dir is None:
            return []
        out = []
        for value in [*_strings(obj), *_strings(dict(metadata or {}))]:
            if value.endswith((".html", ".json", ".md", ".csv")):
                path = Path(value).resolve()
                if path.is_file() and path.is_relative_to(self.reports_dir):
                    out.append(path)
        return sorted(set(out))

    def load_from_path(self, context: dg.InputContext, path) -> Any:
        return pickle.loads(self.store.fs.cat_file(path.path))

    def path_exists(self, path) -> bool:
        return self.store.fs.exists(path.path)

    def unlink(self, path) -> None:
        if self.store.fs.exists(path.path):
            self.store.fs.rm_file(path.path)

    def make_directory(self, path) -> None:
        if self.store.loc.protocol == "file":
            self.store.fs.makedirs(path.path, exist_ok=True)


class StoreIOManager(dg.ConfigurableIOManagerFactory):
    """Step outputs as pickles under ``<uri>/io`` (``uri``: the Parquet store's URI, options included); report
    files an output names under ``reports_dir`` published under ``<uri>/reports``."""

    uri: str
    reports_dir: str | None = None

    def create_io_manager(self, context) -> _StorePickles:
        return _StorePickles(self.uri, self.reports_dir)
