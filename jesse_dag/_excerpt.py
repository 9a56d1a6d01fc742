"""Short, escaped excerpts of file contents for error messages.

A refused file may be anything (a key file, a binary, a 2 GB line): an error names the file and the
problem and quotes at most ``limit`` characters of what it found, ``repr``-escaped (control characters,
quotes and invisible Unicode such as U+202E shown as escapes), saying how much was left out.

Example:
    >>> excerpt("root:x:0:0:root:/root:/bin/bash\\n" * 3)
    "'root:x:0:0:root:/root:/bin/bash\\\\nroot:x:0' (first 40 of 96 characters)"
    >>> excerpt_list(["timestamp", "x" * 50, "y" * 50, "z"])
    "['timestamp', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' (first 40 of 50 characters), 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' (first 31 of 50 characters), ... 1 more]"
"""
from __future__ import annotations

from typing import Iterable

EXCERPT_CHARS = 40


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of the first ``limit`` characters of ``text`` (bytes are decoded with replacement), plus
    how long it was when it was cut.

    Example:
        >>> excerpt("abc\\x1b[2J")
        "'abc\\\\x1b[2J'"
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r} (first {limit} of {len(text):,} characters)"


def excerpt_list(items: Iterable[object], max_items: int = 12, limit: int = EXCERPT_CHARS,
                 budget: int = 2 * EXCERPT_CHARS) -> str:
    """Items of ``items``, each an :func:`excerpt`, as ``[...]``: at most ``max_items`` of them and ``budget``
    characters of content in all, then how many were left out.

    Example:
        >>> excerpt_list(["a", "b"])
        "['a', 'b']"
    """
    items = [str(x) for x in items]
    shown: list[str] = []
    used = 0
    for x in items[:max_items]:
        if used >= budget:
            break
        shown.append(excerpt(x, min(limit, budget - used)))
        used += min(len(x), limit)
    if len(items) > len(shown):
        shown.append(f"... {len(items) - len(shown):,} more")
    return "[" + ", ".join(shown) + "]"
