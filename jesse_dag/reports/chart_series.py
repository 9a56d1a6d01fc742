"""Series a strategy draws on its backtest chart, as Jesse's chart helpers do.

``Strategy`` mixes in :class:`ChartSeriesMixin`; each call records one value at the open time (seconds) of
the current bar, so the report draws it on the price chart or in a pane of its own.

Example:
    >>> class MyStrategy(Strategy):  # doctest: +SKIP
    ...     def before(self):
    ...         self.add_line_to_candle_chart("EMA 50", ta.ema(self.candles, 50))
    ...         self.add_extra_line_chart("RSI", "rsi", ta.rsi(self.candles))
    ...         self.add_horizontal_line_to_extra_chart("RSI", "overbought", 70)
"""
from __future__ import annotations

import math
from typing import Any, Iterable

# A fixed palette so the same series gets the same colour in every run (no random colours).
PALETTE = ("#2962FF", "#FF6D00", "#AA00FF", "#00BFA5", "#D50000", "#6D4C41", "#C51162", "#00B8D4",
           "#64DD17", "#FFD600")
LINE_STYLES = {"solid": "solid", "dotted": "dot", "dashed": "dash"}


def _check_value(what: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: value must be a number, got {value!r}") from None
    if math.isinf(v):
        raise ValueError(f"{what}: value must be finite, got {value!r}")
    return v  # NaN is kept: a gap in the line (indicators are NaN while they warm up)


class ChartSeriesMixin:
    """Jesse's chart helpers: lines and histograms on the candle chart or on extra panes, horizontal lines."""

    def _chart_store(self) -> dict:
        store = self.__dict__.get("_chart_series_store")
        if store is None:
            store = {"candle": {}, "extra": {}, "candle_hlines": {}, "extra_hlines": {}}
            self.__dict__["_chart_series_store"] = store
        return store

    def _chart_time(self) -> int:
        return int(self.current_candle[0] // 1000)

    def _next_color(self) -> str:
        store = self._chart_store()
        n = store.setdefault("_colors", 0)
        store["_colors"] = n + 1
        return PALETTE[n % len(PALETTE)]

    def _record(self, group: dict, title: str, value: Any, color: str | None, kind: str, what: str) -> None:
        v = _check_value(what, value)
        series = group.get(title)
        if series is None:
            series = group[title] = {"type": kind, "color": color or self._next_color(), "time": [], "value": []}
        elif series["type"] != kind:
            raise ValueError(f"{what}: already drawn as a {series['type']}, cannot add a {kind} point")
        t = self._chart_time()
        if series["time"] and series["time"][-1] == t:  # called twice in one bar: keep the last value
            series["value"][-1] = v
        else:
            series["time"].append(t)
            series["value"].append(v)

    def add_line_to_candle_chart(self, title: str, value: float, color: str | None = None) -> None:
        """Add this bar's ``value`` to the line ``title`` drawn over the candles."""
        self._record(self._chart_store()["candle"], title, value, color, "line", f'candle chart line "{title}"')

    def add_histogram_to_candle_chart(self, title: str, value: float, color: str | None = None) -> None:
        """Add this bar's ``value`` to the histogram ``title`` drawn over the candles."""
        self._record(self._chart_store()["candle"], title, value, color, "histogram",
                     f'candle chart histogram "{title}"')

    def add_extra_line_chart(self, chart_name: str, title: str, value: float, color: str | None = None) -> None:
        """Add this bar's ``value`` to the line ``title`` in the pane ``chart_name`` under the candles."""
        pane = self._chart_store()["extra"].setdefault(chart_name, {})
        self._record(pane, title, value, color, "line", f'extra chart "{chart_name}" line "{title}"')

    def add_extra_histogram_chart(self, chart_name: str, title: str, value: float, color: str | None = None) -> None:
        """Add this bar's ``value`` to the histogram ``title`` in the pane ``chart_name``."""
        pane = self._chart_store()["extra"].setdefault(chart_name, {})
        self._record(pane, title, value, color, "histogram", f'extra chart "{chart_name}" histogram "{title}"')

    def add_horizontal_line_to_candle_chart(self, title: str, value: float, color: str | None = None,
                                            line_width: float = 1.5, line_style: str = "solid") -> None:
        """A horizontal line at price ``value`` on the candle chart (the last call for ``title`` wins)."""
        self._hline(self._chart_store()["candle_hlines"], title, value, color, line_width, line_style,
                    f'candle chart horizontal line "{title}"')

    def add_horizontal_line_to_extra_chart(self, chart_name: str, title: str, value: float, color: str | None = None,
                                           line_width: float = 1.5, line_style: str = "solid") -> None:
        """A horizontal line at ``value`` in the pane ``chart_name`` (the last call for ``title`` wins)."""
        pane = self._chart_store()["extra_hlines"].setdefault(chart_name, {})
        self._hline(pane, title, value, color, line_width, line_style,
                    f'extra chart "{chart_name}" horizontal line "{title}"')

    def _hline(self, group: dict, title: str, value: Any, color: str | None, line_width: float, line_style: str,
               what: str) -> None:
        v = _check_value(what, value)
        if line_style not in LINE_STYLES:
            raise ValueError(f"{what}: line_style must be one of {sorted(LINE_STYLES)}, got {line_style!r}")
        old = group.get(title, {})
        group[title] = {"value": v, "color": color or old.get("color") or self._next_color(),
                        "width": float(line_width), "style": LINE_STYLES[line_style]}

    def chart_series(self) -> dict:
        """Everything drawn so far: ``{"candle": {title: series}, "extra": {pane: {title: series}},
        "candle_hlines": {...}, "extra_hlines": {pane: {...}}}``; a series is
        ``{"type": "line"|"histogram", "color", "time": [seconds], "value": [...]}``."""
        store = self._chart_store()
        return {k: v for k, v in store.items() if not k.startswith("_")}


def collect_chart_series(strategies: Iterable[Any]) -> dict:
    """The chart series of the first strategy that drew any (routes in order); empty groups when none did."""
    empty = {"candle": {}, "extra": {}, "candle_hlines": {}, "extra_hlines": {}}
    for s in strategies or ():
        getter = getattr(s, "chart_series", None)
        if callable(getter):
            series = getter()
            if any(series.values()):
                return series
    return empty
