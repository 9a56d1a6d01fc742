"""Names that become parts of file paths: strategy, pipeline, market, exchange names and route symbols.

Such names come from routes, ``project.yaml`` and the command line, so they can hold ``../``, ``/``, a NUL
or a leading dot. Two rules, one per kind of use:

- a name that *selects* a folder or file (``strategies/<strategy>``, ``storage/inbox/<market>``,
  ``storage/optuna/<pipeline>.db``) must already be one safe path part; anything else is refused
  (:func:`path_part`): guessing another folder would read or write the wrong files;
- a name that is only *written into* a new file name (the stem of ``storage/csv/<strategy>-<symbol>-...``)
  is made safe (:func:`file_name_part`): each character outside letters, digits, ``_``, ``-`` and ``.`` becomes
  ``_`` and a leading dot is dropped, so the backtest that just ran still gets its files, inside the folder.

:func:`path_inside` joins checked parts under a base folder and checks the result stays in it.

Example:
    >>> path_part("EmaCrossSLTP", what="strategy name")
    'EmaCrossSLTP'
    >>> file_name_part("../../etc/BTC-USDT")
    '_.._etc_BTC-USDT'
    >>> path_part("../x", what="strategy name")
    Traceback (most recent call last):
    ...
    ValueError: strategy name '../x' cannot be a file or folder name: it holds '/'; a name starts with a letter, digit or '_', goes on with those, '-', '.' or spaces, does not end in '.' or a space and has at most 128 characters
"""
from __future__ import annotations

import os
import re
from pathlib import Path

MAX_PART_CHARS = 128
# \w is Unicode-aware: a strategy named in any alphabet stays usable; separators and controls never match.
_SAFE_PART = re.compile(r"\w[\w .\-]*")
_UNSAFE_CHAR = re.compile(r"[^\w.\-]")


def path_part(name: object, *, what: str, where: str = "") -> str:
    """``name`` unchanged if it can be one file or folder name on every OS; otherwise ``ValueError``.

    Accepted: letters, digits, ``_`` first; then also ``-``, ``.`` and spaces; not ending in a space or a
    dot; at most 128 characters. ``what`` (e.g. ``"strategy name"``) and ``where`` (e.g.
    ``"project.yaml pipelines.demo.strategy"``) go into the message.

    Example:
        >>> path_part("btc-1m", what="market name")
        'btc-1m'
    """
    at = f" ({where})" if where else ""
    rule = ("a name starts with a letter, digit or '_', goes on with those, '-', '.' or spaces, does not end "
            f"in '.' or a space and has at most {MAX_PART_CHARS} characters")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what}{at} must be a non-empty text, got {name!r}")
    if len(name) > MAX_PART_CHARS:
        raise ValueError(f"{what}{at} {name[:40]!r}... is {len(name)} characters long; {rule}")
    if not _SAFE_PART.fullmatch(name) or name[-1] in " .":
        bad = next((ch for ch in name if ch != " " and _UNSAFE_CHAR.match(ch)), None)
        why = (f"it holds {bad!r}" if bad else f"it starts with {name[0]!r}" if not re.match(r"\w", name)
               else f"it ends with {name[-1]!r}")
        raise ValueError(f"{what}{at} {name!r} cannot be a file or folder name: {why}; {rule}")
    return name


def file_name_part(text: object, *, max_chars: int = 80) -> str:
    """``text`` made safe to put into a file name: characters outside letters, digits, ``_``, ``-``, ``.``
    become ``_``, leading dots are dropped, the length is capped; never empty.

    Example:
        >>> file_name_part("BTC/USDT </script>")
        'BTC_USDT___script_'
    """
    safe = _UNSAFE_CHAR.sub("_", str(text)).lstrip(".")[:max_chars]
    return safe or "_"


def path_inside(base: str | os.PathLike, *parts: str, what: str = "name", where: str = "") -> Path:
    """``base / part / ...`` after checking each part with :func:`path_part` and that the joined path
    (symlinks not followed) stays inside ``base``.

    Example:
        >>> path_inside("storage", "inbox", "btc-1m", what="market name").as_posix()
        'storage/inbox/btc-1m'
    """
    root = Path(base)
    path = root.joinpath(*(path_part(p, what=what, where=where) for p in parts))
    if os.path.commonpath([os.path.abspath(root), os.path.abspath(path)]) != os.path.abspath(root):
        raise ValueError(f"{what} {parts!r} leads outside {root}")
    return path
