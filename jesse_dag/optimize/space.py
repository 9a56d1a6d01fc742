"""The search space: a strategy's ``hyperparameters()`` list read as Jesse reads it, as Optuna distributions.

Jesse's declaration (reference §1.2): each entry has ``name`` and ``type`` (``int``/``float`` or the strings
``'int'``/``'float'``/``'categorical'``), ``min``/``max`` with an optional ``step``, or ``options``.
``default`` is ignored by the search.

Example:
    >>> space = SearchSpace.from_list([{'name': 'fast', 'type': int, 'min': 3, 'max': 12, 'step': 3},
    ...                                {'name': 'side', 'type': 'categorical', 'options': ['both', 'long']}])
    >>> space.names
    ('fast', 'side')
    >>> space.distributions['fast'].high
    12
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution


class HyperparameterError(ValueError):
    """A ``hyperparameters()`` entry cannot be searched; the message names the entry and the field."""


def _type_name(value: Any) -> str:
    if value is int:
        return "int"
    if value is float:
        return "float"
    if isinstance(value, str):
        return value.strip().strip("'\"").lower()
    return getattr(value, "__name__", repr(value))


def _number(entry: dict, key: str, where: str) -> float:
    if key not in entry:
        raise HyperparameterError(f"{where}: missing {key!r}")
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise HyperparameterError(f"{where}: {key!r} must be a finite number, got {value!r}")
    return value


def _distribution(entry: Any, index: int) -> tuple[str, BaseDistribution]:
    if not isinstance(entry, dict):
        raise HyperparameterError(f"hyperparameters()[{index}] must be a dict, got {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise HyperparameterError(f"hyperparameters()[{index}]: 'name' must be a non-empty string, got {name!r}")
    where = f"hyperparameters()[{index}] {name!r}"
    if "type" not in entry:
        raise HyperparameterError(f"{where}: missing 'type' (int, float or 'categorical')")
    kind = _type_name(entry["type"])
    if kind == "categorical":
        options = entry.get("options")
        if not isinstance(options, (list, tuple)) or len(options) == 0:
            raise HyperparameterError(f"{where}: 'options' must be a non-empty list, got {options!r}")
        for o in options:
            if o is not None and not isinstance(o, (bool, int, float, str)):
                raise HyperparameterError(f"{where}: option {o!r} must be None, bool, int, float or str")
        if len(set(map(repr, options))) != len(options):
            raise HyperparameterError(f"{where}: 'options' has duplicates: {list(options)!r}")
        return name, CategoricalDistribution(tuple(options))
    if kind not in ("int", "float"):
        raise HyperparameterError(f"{where}: unsupported type {kind!r}; use int, float or 'categorical'")
    low, high = _number(entry, "min", where), _number(entry, "max", where)
    if low > high:
        raise HyperparameterError(f"{where}: 'min' ({low}) is greater than 'max' ({high})")
    step = entry.get("step")
    if step is not None:
        step = _number(entry, "step", where)
        if step <= 0:
            raise HyperparameterError(f"{where}: 'step' must be positive, got {step!r}")
    if kind == "int":
        if int(low) != low or int(high) != high or (step is not None and int(step) != step):
            raise HyperparameterError(f"{where}: an int hyperparameter needs whole 'min', 'max' and 'step'")
        low, high, step = int(low), int(high), int(step or 1)
        # Jesse's grid: min + k*step, so max is reachable only when (max - min) is a multiple of step
        return name, IntDistribution(low, low + (high - low) // step * step, step=step)
    low, high = float(low), float(high)
    if step is None:
        return name, FloatDistribution(low, high)
    # Jesse loses the top grid point to float error (0.1..0.3 step 0.1 gives {0.1, 0.2}); a tolerance keeps it
    k = int(math.floor((high - low) / step + 1e-9))
    return name, FloatDistribution(low, _round(low + k * step, step), step=float(step))


def _round(value: float, step: float) -> float:
    """``value`` on its step's decimal grid, so 0.1 + 2*0.1 reads 0.3 and not 0.30000000000000004."""
    decimals = max(0, -math.floor(math.log10(step))) + 6 if step > 0 else 12
    return round(value, decimals)


@dataclass(frozen=True)
class SearchSpace:
    """Ordered hyperparameter distributions of one strategy (the first route's, as in Jesse)."""

    names: tuple[str, ...]
    distributions: dict[str, BaseDistribution]

    @classmethod
    def from_list(cls, hyperparameters: list[dict]) -> "SearchSpace":
        """Check a ``hyperparameters()`` list and build the space; raises :class:`HyperparameterError`."""
        if not isinstance(hyperparameters, (list, tuple)):
            raise HyperparameterError(f"hyperparameters() must return a list, got {type(hyperparameters).__name__}")
        names, dists = [], {}
        for i, entry in enumerate(hyperparameters):
            name, dist = _distribution(entry, i)
            if name in dists:
                raise HyperparameterError(f"hyperparameters()[{i}]: duplicate name {name!r}")
            names.append(name)
            dists[name] = dist
        return cls(tuple(names), dists)

    @classmethod
    def from_strategy(cls, strategy: type) -> "SearchSpace":
        """The space of a Strategy subclass, read as Jesse does (``hyperparameters(None)``)."""
        return cls.from_list(strategy_hyperparameters(strategy))

    def __len__(self) -> int:
        return len(self.names)

    def suggest(self, trial: optuna.trial.BaseTrial) -> dict:
        """Draw one parameter dict from ``trial`` (Optuna's sampler decides), in declaration order."""
        params = {}
        for name in self.names:
            dist = self.distributions[name]
            if isinstance(dist, IntDistribution):
                value = trial.suggest_int(name, dist.low, dist.high, step=dist.step)
            elif isinstance(dist, FloatDistribution):
                value = trial.suggest_float(name, dist.low, dist.high, step=dist.step)
            else:
                value = trial.suggest_categorical(name, dist.choices)
            params[name] = self.clean(name, value)
        return params

    def clean(self, name: str, value: Any) -> Any:
        """A suggested value in the form a strategy gets: ints as int, floats rounded onto their step."""
        dist = self.distributions[name]
        if isinstance(dist, IntDistribution):
            return int(value)
        if isinstance(dist, FloatDistribution):
            return _round(float(value), dist.step) if dist.step else float(value)
        return value

    def to_jsonable(self) -> list:
        """A stable description of the space (part of a study's fingerprint)."""
        return [[n, optuna.distributions.distribution_to_json(self.distributions[n])] for n in self.names]


def strategy_hyperparameters(strategy: type) -> list:
    """``strategy.hyperparameters()`` called as Jesse calls it, with ``self`` None, else on a fresh instance."""
    try:
        return list(strategy.hyperparameters(None))
    except (AttributeError, TypeError):
        return list(strategy().hyperparameters())
