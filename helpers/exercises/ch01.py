"""Checks for the exercises of notebook 01 (what a large model is): parameter counts, compute and cost.

Each check calls the learner's function on several sizes of its own (all different, so that a
swapped argument cannot pass), looks first for the usual mistakes (a forgotten bias, the output
projection counted twice, 2ND instead of 6ND, seconds priced as hours) and names them, then
compares every result with :mod:`helpers.sizing`, whose counts the tests check against Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import sizing
from ..checks import ExerciseFailed, compare, exercise

__all__ = ["check_dense_params", "check_attention_params", "check_tokens_for_budget", "check_training_run_cost"]


def _results(function: Callable[..., Any], cases: Sequence[tuple[Any, ...]], name: str) -> np.ndarray:
    """Call ``function(*case)`` for every case; the answers as a float array, or a message naming the problem."""
    answers = []
    for case in cases:
        answer = function(*case)
        if answer is None:
            raise ExerciseFailed(f"`{name}{case}` returned None: did the function forget to `return` its result?")
        if np.ndim(answer) != 0:
            raise ExerciseFailed(f"`{name}{case}` should return one number, got something of shape {np.shape(answer)}.")
        try:
            answers.append(float(answer))
        except (TypeError, ValueError):
            raise ExerciseFailed(
                f"`{name}{case}` should return a number, got {type(answer).__name__}: {answer!r}."
            ) from None
    return np.array(answers)


def _matches(got: np.ndarray, formula: Callable[..., float], cases: Sequence[tuple[Any, ...]], *, exact: bool) -> bool:
    """Whether ``got`` equals ``formula`` on every case: to the unit for counts, to 1e-9 relative for the rest."""
    expected = [formula(*case) for case in cases]
    return bool(np.allclose(got, expected, rtol=0.0, atol=0.5) if exact else np.allclose(got, expected, rtol=1e-9))


@exercise("1.1", "parameters of a dense layer", hint="d_in·d_out weights, plus d_out biases when bias is True.")
def check_dense_params(dense_params: Callable[[int, int, bool], int]) -> None:
    """Check ``dense_params(d_in, d_out, bias)`` counts the parameters of ``keras.layers.Dense``."""
    cases = [(3, 5, True), (7, 2, True), (11, 13, False), (784, 128, True), (64, 10, False)]
    got = _results(dense_params, cases, "dense_params")
    mistakes = [
        (lambda i, o, b: i * o, "the bias was not counted: with bias=True there is one bias per output unit."),
        (lambda i, o, b: i * o + o, "bias=False was ignored: without a bias the layer has only d_in·d_out weights."),
        (lambda i, o, b: i * o + (i if b else 0), "counted d_in biases; there is one bias per *output* unit (d_out)."),
        (
            lambda i, o, b: (i + 1) * (o + 1) if b else i * o,
            "(d_in + 1)(d_out + 1) is d_in + 1 too many: the biases are one extra row of d_out.",
        ),
    ]
    for formula, message in mistakes:
        if _matches(got, formula, cases, exact=True):
            raise ExerciseFailed(message)
    compare("dense_params", got, [sizing.dense_params(i, o, bias=b) for i, o, b in cases], rtol=0.0, atol=0.5)


@exercise(
    "1.2",
    "parameters of multi-head attention",
    hint="Q, K and V each map d_model → num_heads·key_dim (weights and biases); the output projection maps "
    "num_heads·key_dim → d_model (weights and d_model biases).",
)
def check_attention_params(attention_params: Callable[[int, int, int], int]) -> None:
    """Check ``attention_params(d_model, num_heads, key_dim)`` counts Keras ``MultiHeadAttention``'s parameters."""
    cases = [(16, 2, 5), (12, 3, 7), (30, 6, 4), (8, 4, 2), (20, 1, 9)]
    got = _results(attention_params, cases, "attention_params")
    mistakes = [
        (
            lambda d, h, k: 4 * d * d + 4 * d,
            "this is 4·d_model² + 4·d_model, which holds only when num_heads·key_dim = d_model. Each head "
            "projects to key_dim, so Q, K and V have d_model × (num_heads·key_dim) weights each.",
        ),
        (
            lambda d, h, k: 4 * d * h * k,
            "the biases are missing: num_heads·key_dim each for Q, K, V; d_model for the output.",
        ),
        (
            lambda d, h, k: 3 * (d * h * k + h * k) + 2 * (h * k * d + d),
            "the output projection was counted twice; there is one, from num_heads·key_dim to d_model.",
        ),
        (lambda d, h, k: 3 * (d * k + k) + k * d + d, "counted one head only: every projection has num_heads·key_dim."),
        (
            lambda d, h, k: 3 * (d * h * k + h * k) + h * k * d + h * k,
            "the output projection's bias has d_model entries (one per output), not num_heads·key_dim.",
        ),
        (lambda d, h, k: 3 * (d * h * k + h * k), "the output projection (num_heads·key_dim → d_model) is missing."),
    ]
    for formula, message in mistakes:
        if _matches(got, formula, cases, exact=True):
            raise ExerciseFailed(message)
    expected = [sizing.attention_params(d, h, k) for d, h, k in cases]
    compare("attention_params", got, expected, rtol=0.0, atol=0.5)


@exercise(
    "1.3",
    "tokens for a compute budget",
    hint="Training costs about 6·N FLOPs per token (2N forward, 4N backward), so D = C / (6N).",
)
def check_tokens_for_budget(tokens_for_budget: Callable[[float, float], float]) -> None:
    """Check ``tokens_for_budget(flops, n_params)`` returns D = C / (6N)."""
    cases = [(1e21, 1.24e8), (3.15e23, 1.75e11), (6e18, 5e7), (2.5e20, 3.4e8)]
    got = _results(tokens_for_budget, cases, "tokens_for_budget")
    mistakes = [
        (lambda c, n: c / (2 * n), "you divided by 2N, the forward pass only; the backward pass costs another 4N."),
        (lambda c, n: c / (4 * n), "you divided by 4N, the backward pass only; add the forward pass (2N): 6N."),
        (lambda c, n: c / 6, "the parameter count is missing: every token costs 6 FLOPs per parameter."),
        (lambda c, n: 6 * n / c, "the fraction is upside down: D = C / (6N)."),
    ]
    for formula, message in mistakes:
        if _matches(got, formula, cases, exact=False):
            raise ExerciseFailed(message)
    compare("tokens_for_budget", got, [flops / (6 * n) for flops, n in cases], rtol=1e-9)


@exercise(
    "1.4",
    "cost of a training run",
    hint="seconds = 6·N·D / (peak × utilization); device-hours = seconds / 3600; money = device-hours × price.",
)
def check_training_run_cost(run_cost: Callable[[float, float, float, float, float], float]) -> None:
    """Check ``run_cost(n_params, n_tokens, peak_flops_per_second, utilization, price_per_hour)`` returns the money."""
    cases = [
        (1.24e8, 2.5e9, 312e12, 0.4, 2.0),
        (1.75e11, 3e11, 989e12, 0.35, 4.5),
        (5e7, 1e9, 1e14, 0.5, 1.0),
        (3.4e8, 4e10, 197e12, 0.25, 0.8),
    ]
    got = _results(run_cost, cases, "run_cost")

    def money(flops_per_token_and_param: float, per_second_price: bool = False) -> Callable[..., float]:
        def formula(n: float, d: float, peak: float, u: float, price: float) -> float:
            seconds = flops_per_token_and_param * n * d / (peak * u)
            return seconds * price if per_second_price else seconds / 3600 * price

        return formula

    mistakes = [
        (money(2), "you used 2·N·D FLOPs, one forward pass; training needs 6·N·D (forward and backward)."),
        (money(6, per_second_price=True), "seconds were multiplied by a price per hour: divide the seconds by 3600."),
        (lambda n, d, p, u, c: 6 * n * d / p / 3600 * c, "the utilization is missing: a run achieves peak × u."),
        (lambda n, d, p, u, c: 6 * n * d / p * u / 3600 * c, "multiply the peak by the utilization, don't divide."),
        (lambda n, d, p, u, c: 6 * n * d / (p * u) / 60 * c, "dividing by 60 gives minutes; prices are per hour."),
        (lambda n, d, p, u, c: 6 * n * d / (p * u) / 3600, "the price per device-hour is missing."),
    ]
    for formula, message in mistakes:
        if _matches(got, formula, cases, exact=False):
            raise ExerciseFailed(message)
    expected = [sizing.training_cost(sizing.training_flops(n, d), p, u, c).money for n, d, p, u, c in cases]
    compare("run_cost", got, expected, rtol=1e-9)
