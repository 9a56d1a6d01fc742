"""One offline HTML page from plotly figures and HTML blocks (plotly.js: see :mod:`jesse_dag.reports._plotlyjs`).

Every name shown in a page (strategy, symbol, feature, series, metric names, titles) comes from the user:
text goes through ``html.escape``, JSON inside a ``<script>`` through :func:`script_json`, and text drawn by
plotly (trace names, axis categories, titles, annotations: plotly.js reads them as a subset of HTML)
through :func:`plot_text`.
"""
from __future__ import annotations

import html
import json
from typing import Any, Mapping, Sequence

import plotly.graph_objects as go

from jesse_dag.reports import _data
from jesse_dag.reports._plotlyjs import PLACEHOLDER

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0 24px 40px;color:#1f2328}
h1{font-size:22px;margin:18px 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
.sub{color:#57606a;font-size:13px} .note{color:#57606a;font-size:12px;margin:4px 0}
table{border-collapse:collapse;font-size:12px} td,th{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:right}
th{position:sticky;top:0;background:#f6f8fa} td:first-child,th:first-child{text-align:left}
.metrics{columns:3;column-gap:32px} .metrics table{width:100%}
.scroll{max-height:480px;overflow:auto;border:1px solid #d0d7de}
.pos{color:#1a7f37} .neg{color:#cf222e}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
"""
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
# In a <script> block "</script>" or "<!--" ends or changes the block; U+2028/2029 end a JavaScript line.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028",
                   0x2029: "\\u2029"}


def script_json(value: Any, **dumps_kwargs: Any) -> str:
    """``json.dumps(value)`` safe to put inside ``<script>...</script>``: ``<``, ``>``, ``&``, U+2028 and
    U+2029 are written as ``\\u`` escapes (the same value for a JSON reader).

    Example:
        >>> script_json({"title": "</script>"})
        '{"title": "\\\\u003c/script\\\\u003e"}'
    """
    return json.dumps(value, **dumps_kwargs).translate(_SCRIPT_ESCAPES)


def plot_text(text: Any) -> str:
    """``text`` for plotly to draw as it reads: plotly.js renders ``<b>``, ``<a href>``, ``<span style>``
    in names and labels and decodes ``&lt;`` ``&gt;`` ``&amp;``, so escaping shows the name verbatim.

    Example:
        >>> plot_text("<b>RSI</b> & co")
        '&lt;b&gt;RSI&lt;/b&gt; &amp; co'
    """
    return html.escape(str(text), quote=False)


class Page:
    """Collects sections; :meth:`html` gives the page, whose ``<head>`` holds the plotly.js placeholder."""

    def __init__(self, title: str, subtitle: str = ""):
        self.title, self.subtitle = title, subtitle
        self.parts: list[str] = []

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(text)}</p>')

    def raw(self, block: str) -> None:
        self.parts.append(block)

    def figure(self, fig: go.Figure, div_id: str) -> str:
        return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)

    def add_figure(self, fig: go.Figure, div_id: str) -> None:
        self.parts.append(self.figure(fig, div_id))

    def add_grid(self, figs: Sequence[tuple[go.Figure, str]]) -> None:
        self.parts.append('<div class="grid">' + "".join(f"<div>{self.figure(f, i)}</div>" for f, i in figs) + "</div>")

    def html(self) -> str:
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><style>{CSS}</style>{PLACEHOLDER}</head>'
                f"<body><h1>{html.escape(self.title)}</h1><div class=\"sub\">{html.escape(self.subtitle)}</div>"
                + "\n".join(self.parts) + "</body></html>\n")


def kv_table(items: Sequence[tuple[str, Any]] | Mapping[str, Any], table_id: str) -> str:
    """A two-column table; each row carries ``data-key`` and the exact ``data-value``."""
    items = list(items.items()) if isinstance(items, Mapping) else list(items)
    rows = "".join(f'<tr data-key="{html.escape(str(k))}" data-value="{html.escape(_data.exact_value(v))}">'
                   f"<td>{html.escape(str(k))}</td><td>{html.escape(_data.format_value(v))}</td></tr>"
                   for k, v in items)
    return f'<div class="metrics"><table id="{table_id}"><tbody>{rows}</tbody></table></div>'


def grid_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], table_id: str) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_data.format_value(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def small_layout(fig: go.Figure, title: str, height: int = 360, **kw) -> go.Figure:
    fig.update_layout(title=title, height=height, template="plotly_white", margin=dict(l=60, r=20, t=50, b=40), **kw)
    return fig
