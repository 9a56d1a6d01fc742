"""Where a report page gets plotly.js from, and the script that keeps its charts inside their boxes.

A rendered page holds :data:`PLACEHOLDER` in its ``<head>``; :func:`finish` replaces it when the page is
written:

- ``"shared"`` (the default of every ``write_*_report``): one ``plotly-<version>.min.js`` beside the page,
  written once per folder, so the reports under ``storage/reports/`` stay a few hundred kB each and still
  open offline;
- ``"inline"``: plotly.js inside the page (about 4.6 MB), one file that can be sent on its own.

:func:`standalone_html` turns a page written with ``"shared"`` into the ``"inline"`` form (the webhook's
attachments use it), so a report can always be sent as one file.

Example:
    >>> from jesse_dag.reports._plotlyjs import PLACEHOLDER, finish
    >>> page = f"<html><head>{PLACEHOLDER}</head><body></body></html>"
    >>> "plotly-" in finish(page, "/tmp/jesse_dag_doctest/report.html", "shared")
    True
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

PLACEHOLDER = "<!--jesse-dag:plotly.js-->"
MODES = ("shared", "inline")

# plotly draws a figure at its container's width at the moment its script runs. In a CSS grid the page is
# still being parsed then (the later cells do not exist yet), so the first cell spans the whole row and the
# chart is drawn far wider than the box it ends up in; "responsive" only follows window resizes. Watching
# each chart's box redraws it whenever the box itself changes size, for whatever reason.
RESIZE_SCRIPT = """<script>
(function () {
  function watch(div) {
    if (div.dataset.jdWatched) return;
    div.dataset.jdWatched = "1";
    new ResizeObserver(function () {
      if (div._fullLayout && Math.abs(div._fullLayout.width - div.clientWidth) > 1) Plotly.Plots.resize(div);
    }).observe(div);
  }
  function all() { document.querySelectorAll(".plotly-graph-div").forEach(watch); }
  document.addEventListener("DOMContentLoaded", all);
  window.addEventListener("load", function () {
    all();
    document.querySelectorAll(".plotly-graph-div").forEach(function (d) { if (d._fullLayout) Plotly.Plots.resize(d); });
  });
})();
</script>"""

_SHARED_TAG = re.compile(r'<script src="(plotly-[0-9A-Za-z.\-]+\.min\.js)" data-jesse-dag-plotly></script>')


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[str, str]:
    """(plotly.js source, its version) as shipped inside the installed plotly package."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    return get_plotlyjs(), get_plotlyjs_version()


@lru_cache(maxsize=1)
def _plotly_bytes() -> bytes:
    return _plotly_js()[0].encode()


def shared_file_name() -> str:
    """``plotly-<version>.min.js``: the name of the shared copy (a new plotly release gets a new file)."""
    return f"plotly-{_plotly_js()[1]}.min.js"


def _inline_tag() -> str:
    # "</script" cannot occur in a script block; plotly's minified source never holds it, and this keeps it so.
    return "<script>" + _plotly_js()[0].replace("</script", "<\\/script") + "</script>"


def ensure_shared_copy(folder: str | os.PathLike) -> Path:
    """Write ``plotly-<version>.min.js`` into ``folder`` unless an identical copy is there; return its path.

    Written to a temp file and renamed, so a reader never sees half of it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / shared_file_name()
    data = _plotly_bytes()
    if (target.is_file() and not target.is_symlink() and target.stat().st_size == len(data)
            and target.read_bytes() == data):
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def finish(page: str, path: str | os.PathLike, plotlyjs: str = "shared") -> str:
    """``page`` with its plotly.js placeholder filled for a file written at ``path`` (see the module doc)."""
    if plotlyjs not in MODES:
        raise ValueError(f"plotlyjs={plotlyjs!r}: expected one of {MODES}")
    if plotlyjs == "inline":
        tag = _inline_tag()
    else:
        name = ensure_shared_copy(Path(path).parent).name
        tag = f'<script src="{name}" data-jesse-dag-plotly></script>'
    return page.replace(PLACEHOLDER, tag + RESIZE_SCRIPT, 1)


def standalone_html(path: str | os.PathLike) -> bytes:
    """The bytes of the report at ``path`` with a shared plotly.js reference replaced by plotly.js itself."""
    text = Path(path).read_text(encoding="utf-8")
    return _SHARED_TAG.sub(lambda _m: _inline_tag(), text, count=1).encode("utf-8")
