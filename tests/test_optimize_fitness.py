"""Fitness (Jesse's arithmetic, with the non-finite and optimal_total fixes), search space and DNA."""
from __future__ import annotations

import math

import optuna
import pytest

from jesse_dag.helpers import dna_to_hp, hp_to_dna
from jesse_dag.optimize import SENTINEL, HyperparameterError, SearchSpace, fitness, objective_name


def test_fitness_matches_jesse_worked_example():
    # reference §4 A: 62 training trades, optimal_total 200
    assert fitness({"total": 62, "sharpe_ratio": 0.60648}, "sharpe", 200).score == pytest.approx(0.15671, abs=5e-6)
    assert fitness({"total": 62, "calmar_ratio": 1.36479}, "calmar", 200).score == pytest.approx(0.04763, abs=5e-6)
    assert fitness({"total": 62, "smart_sharpe": 0.54326}, "smart sharpe", 200).score == pytest.approx(0.14775,
                                                                                                    abs=5e-6)
    assert fitness({"total": 62, "omega_ratio": 1.08217}, "omega", 200).score == pytest.approx(0.22408, abs=5e-6)


@pytest.mark.parametrize("trades, expected", [(5, SENTINEL), (6, 0.12297), (20, 0.20560), (200, 0.36364),
                                              (1000, 0.36364)])
def test_trade_factor_matches_jesse(trades, expected):
    assert fitness({"total": trades, "sharpe_ratio": 1.5}, "sharpe", 200).score == pytest.approx(expected, abs=5e-6)


@pytest.mark.parametrize("ratio", [math.inf, -math.inf, math.nan, None])
def test_non_finite_ratio_never_wins(ratio):
    f = fitness({"total": 50, "serenity_index": ratio}, "serenity", 200)
    assert f.score == SENTINEL and not f.is_candidate
    assert "not finite" in f.reason


def test_negative_ratio_and_too_few_trades_get_the_sentinel():
    assert fitness({"total": 50, "sharpe_ratio": -0.01}, "sharpe", 200).score == SENTINEL
    assert "fewer than 6" in fitness({"total": 5, "sharpe_ratio": 3}, "sharpe", 200).reason
    # a ratio of 0 still scores, as in Jesse
    assert fitness({"total": 200, "sharpe_ratio": 0.0}, "sharpe", 200).score == pytest.approx(0.5 / 5.5)


def test_objective_names_and_bad_values():
    assert objective_name("Smart_Sortino") == "smart sortino"
    with pytest.raises(ValueError, match="not one of"):
        objective_name("profit")
    with pytest.raises(ValueError, match="optimal_total must be a number >= 2"):
        fitness({"total": 20, "sharpe_ratio": 1}, "sharpe", 1)


def test_space_reads_jesse_declarations():
    space = SearchSpace.from_list([
        {"name": "a", "type": int, "min": 1, "max": 10, "step": 4},
        {"name": "b", "type": "float", "min": 0.1, "max": 0.3, "step": 0.1},
        {"name": "c", "type": "'categorical'", "options": ["x", "y"]},
        {"name": "d", "type": float, "min": 0.0, "max": 1.0},
    ])
    a, b, c, d = (space.distributions[n] for n in "abcd")
    assert (a.low, a.high, a.step) == (1, 9, 4)  # Jesse's grid {1, 5, 9}
    assert b.high == pytest.approx(0.3)  # Jesse lost the top point to float error; kept here
    assert c.choices == ("x", "y") and d.step is None
    grid = {space.clean("b", v) for v in (0.1, 0.1 + 0.1, 0.1 + 2 * 0.1)}
    assert grid == {0.1, 0.2, 0.3}


def test_space_suggests_only_grid_values():
    space = SearchSpace.from_list([{"name": "a", "type": int, "min": 1, "max": 10, "step": 4},
                                   {"name": "b", "type": float, "min": 0.1, "max": 0.3, "step": 0.1}])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    seen = set()
    for _ in range(60):
        t = study.ask()
        p = space.suggest(t)
        study.tell(t, 0.0)
        seen.add((p["a"], p["b"]))
    assert {a for a, _ in seen} == {1, 5, 9}
    assert {b for _, b in seen} == {0.1, 0.2, 0.3}


@pytest.mark.parametrize("entry, message", [
    ({"name": "x", "type": bool, "min": 0, "max": 1}, "unsupported type 'bool'"),
    ({"name": "x", "type": int, "min": 5, "max": 1}, "'min' \\(5\\) is greater than 'max' \\(1\\)"),
    ({"name": "x", "type": int, "min": 0, "max": 1, "step": 0}, "'step' must be positive"),
    ({"name": "x", "type": "categorical", "options": []}, "'options' must be a non-empty list"),
    ({"name": "x", "type": float, "max": 1}, "missing 'min'"),
    ({"type": int, "min": 0, "max": 1}, "'name' must be a non-empty string"),
])
def test_space_refuses_bad_entries_naming_them(entry, message):
    with pytest.raises(HyperparameterError, match=message):
        SearchSpace.from_list([{"name": "ok", "type": int, "min": 0, "max": 3}, entry])


def test_space_refuses_duplicate_names():
    with pytest.raises(HyperparameterError, match=r"hyperparameters\(\)\[1\]: duplicate name 'a'"):
        SearchSpace.from_list([{"name": "a", "type": int, "min": 0, "max": 3}] * 2)


def test_dna_is_jesse_encoding_both_ways():
    params = {"fast": 6, "risk": 0.4, "side": "both", "slow": 23}
    dna = hp_to_dna(params)
    assert dna == "eyJmYXN0IjogNiwgInJpc2siOiAwLjQsICJzaWRlIjogImJvdGgiLCAic2xvdyI6IDIzfQ=="  # reference §4 B
    assert dna_to_hp([], dna) == params
