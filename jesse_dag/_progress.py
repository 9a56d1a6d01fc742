"""One progress facility for long work: a tqdm bar on a terminal, plain lines in logs, nothing when off.

Library functions take ``progress: bool | None = None``: None shows progress when stderr is a terminal,
True always (a bar on a terminal, ``label: i/total (pct%) elapsed .., eta ..`` lines on stderr otherwise,
one every :data:`LINE_SECONDS` at most, plus the first and the last), False never prints. A function
(e.g. a Dagster asset's ``context.log.info``) gets the plain lines instead of stderr.

Example:
    >>> with progress(3, "demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.done
    3
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator

# on/off/when stderr is a terminal (True/False/None), or a function that gets the plain lines
Enabled = bool | None | Callable[[str], Any]
# seconds between two plain lines (logs); JESSE_DAG_PROGRESS_SECONDS overrides it (0: every update)
LINE_SECONDS = 10.0


def resolve(enabled: Enabled) -> bool:
    """``enabled`` with None meaning "when stderr is a terminal" (a function: on, the lines go to it).

    Example:
        >>> resolve(False), resolve(True), resolve(print)
        (False, True, True)
    """
    if callable(enabled):
        return True
    if enabled is None:
        return _is_tty(sys.stderr)
    return bool(enabled)


def _is_tty(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _line_seconds_setting() -> float:
    """:data:`LINE_SECONDS`, or ``JESSE_DAG_PROGRESS_SECONDS`` when set."""
    text = os.environ.get("JESSE_DAG_PROGRESS_SECONDS", "").strip()
    if not text:
        return LINE_SECONDS
    try:
        return max(float(text), 0.0)
    except ValueError:
        raise ValueError(f"JESSE_DAG_PROGRESS_SECONDS={text!r} is not a number of seconds; set it to e.g. 10 "
                         "(0: a line at every update) or unset it") from None


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


class Progress:
    """Counts ``done`` out of ``total`` (None: unknown) and shows it as the stream allows.

    Use :func:`progress` to make one; ``update(n, note)`` adds ``n``, ``set(done, note)`` jumps to a count.
    """

    def __init__(self, total: float | None, label: str, enabled: Enabled = None, unit: str = "",
                 stream: IO | None = None, line_seconds: float | None = None, initial: float = 0):
        self.total, self.label, self.unit, self.done = total, label, unit, initial
        self.enabled = resolve(enabled)
        self._log = enabled if callable(enabled) else None
        self.stream = stream if stream is not None else sys.stderr
        if line_seconds is None:
            line_seconds = _line_seconds_setting()
        self.line_seconds = line_seconds
        self.started = time.monotonic()
        self._last_line = None  # when the last plain line was written (None: none yet)
        self._bar = None
        if self.enabled and self._log is None and _is_tty(self.stream):
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=label, unit=f" {unit}" if unit else "it",
                             file=self.stream, dynamic_ncols=True)

    def update(self, n: float = 1, note: str = "") -> None:
        """Add ``n`` to the count (one finished item, or ``n`` units of work)."""
        self.set(self.done + n, note)

    def set(self, done: float, note: str = "") -> None:
        """Set the count to ``done`` (e.g. simulated minutes so far)."""
        step, self.done = done - self.done, done
        if not self.enabled:
            return
        if self._bar is not None:
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(step)
            return
        now = time.monotonic()
        finished = self.total is not None and done >= self.total
        if self._last_line is None or finished or now - self._last_line >= self.line_seconds:
            self._last_line = now
            self._write(self._line(now, note))

    def _line(self, now: float, note: str) -> str:
        elapsed = now - self.started
        unit = f" {self.unit}" if self.unit else ""
        count = _number(self.done)
        if not self.total:
            text = f"{self.label}: {count}{unit}, elapsed {_clock(elapsed)}"
        else:
            share = min(self.done / self.total, 1.0)
            eta = elapsed * (1 - share) / share if share > 0 else None
            text = (f"{self.label}: {count}/{_number(self.total)}{unit} ({share:.0%}) elapsed {_clock(elapsed)}, "
                    f"eta {_clock(eta) if eta is not None else '?'}")
        return f"{text} {note}" if note else text

    def _write(self, text: str) -> None:
        if self._log is not None:
            self._log(text)
        else:
            print(text, file=self.stream, flush=True)

    def close(self, failed: bool = False) -> None:
        """Close the bar, or write the closing line (``done in ..`` / ``failed after ..``)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            return
        elapsed = _clock(time.monotonic() - self.started)
        self._write(f"{self.label}: failed after {elapsed}" if failed else f"{self.label}: done in {elapsed}")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


@contextmanager
def progress(total: float | None, label: str, enabled: Enabled = None, *, unit: str = "",
             stream: IO | None = None, line_seconds: float | None = None, initial: float = 0) -> Iterator[Progress]:
    """A :class:`Progress` for the ``with`` block, closed at its end (``failed`` when the block raises);
    ``initial`` is work done before (a resumed study).

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> with progress(2, "runs", enabled=True, stream=out, line_seconds=0) as bar:
        ...     bar.update(); bar.update()
        >>> [line.split(" elapsed")[0] for line in out.getvalue().splitlines()]
        ['runs: 1/2 (50%)', 'runs: 2/2 (100%)', 'runs: done in 00:00']
    """
    bar = Progress(total, label, enabled, unit=unit, stream=stream, line_seconds=line_seconds, initial=initial)
    try:
        yield bar
    except BaseException:
        bar.close(failed=True)
        raise
    bar.close()
