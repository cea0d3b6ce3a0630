"""Tests of helpers.exercises.ch01: right answers pass, stubs are "not done yet", and each typical
mistake gets the message that names it (a learner reads these messages, so their content is tested)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch01


def _not_done(*args):
    raise NotImplementedError("write this function")


# ---------------------------------------------------------------------------------------------
# 1.1 dense layer


def _dense(d_in, d_out, bias):
    return d_in * d_out + (d_out if bias else 0)


def test_dense_params_passes_the_right_answer(capsys):
    ch01.check_dense_params(_dense)
    ch01.check_dense_params(lambda i, o, b: np.int64(i * o + b * o))  # a NumPy integer is fine too
    assert capsys.readouterr().out == "Exercise 1.1 (parameters of a dense layer): correct.\n" * 2


def test_dense_params_stub_is_not_done(capsys):
    ch01.check_dense_params(_not_done)
    assert capsys.readouterr().out.startswith(
        "Exercise 1.1 (parameters of a dense layer): not done yet. Hint: d_in·d_out weights, plus d_out biases"
    )


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda i, o, b: i * o, "the bias was not counted"),
        (lambda i, o, b: i * o + o, "bias=False was ignored"),
        (lambda i, o, b: i * o + (i if b else 0), r"counted d_in biases"),
        (lambda i, o, b: (i + 1) * (o + 1) if b else i * o, r"\(d_in \+ 1\)\(d_out \+ 1\)"),
        (lambda i, o, b: None, "returned None"),
        (lambda i, o, b: [i * o, o], "should return one number"),
        (lambda i, o, b: "many", "should return a number, got str"),
    ],
)
def test_dense_params_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=r"^Exercise 1\.1 \(parameters of a dense layer\): .*" + message):
        ch01.check_dense_params(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda i, o, b: i * o + (o if b else 0) + 1,
        lambda i, o, b: i * o * 2 + (o if b else 0),
        lambda i, o, b: i + o,
        lambda i, o, b: (i * o + o) if not b else i * o,
        lambda i, o, b: o * o + (o if b else 0),
        lambda i, o, b: i * i + (o if b else 0),
    ],
)
def test_dense_params_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch01.check_dense_params(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 1.2 multi-head attention


def _attention(d, h, k):
    return 3 * (d * h * k + h * k) + h * k * d + d


def test_attention_params_passes_the_right_answer(capsys):
    ch01.check_attention_params(_attention)
    assert capsys.readouterr().out == "Exercise 1.2 (parameters of multi-head attention): correct.\n"


def test_attention_params_stub_is_not_done(capsys):
    ch01.check_attention_params(_not_done)
    assert "not done yet. Hint: Q, K and V each map d_model → num_heads·key_dim" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda d, h, k: 4 * d * d + 4 * d, r"4·d_model² \+ 4·d_model, which holds only when"),
        (lambda d, h, k: 4 * d * h * k, "the biases are missing"),
        (lambda d, h, k: 3 * (d * h * k + h * k) + 2 * (h * k * d + d), "output projection was counted twice"),
        (lambda d, h, k: 3 * (d * k + k) + k * d + d, "counted one head only"),
        (lambda d, h, k: 4 * (d * h * k + h * k), "bias has d_model entries"),
        (lambda d, h, k: 3 * (d * h * k + h * k), r"output projection \(num_heads·key_dim → d_model\) is missing"),
    ],
)
def test_attention_params_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch01.check_attention_params(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda d, h, k: 3 * (d * h * k + h * k) + h * k * d,  # no output bias
        lambda d, h, k: 3 * d * h * k + h * k * d + d,  # no Q/K/V biases
        lambda d, h, k: 4 * (d * k + k),
        lambda d, h, k: 3 * (d * d + d) + d * d + d + h * k,
        lambda d, h, k: _attention(d, h, k) + 2 * d,  # the block's layer norm counted in
        lambda d, h, k: _attention(k, h, d),  # d_model and key_dim swapped
    ],
)
def test_attention_params_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch01.check_attention_params(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 1.3 tokens for a compute budget


def test_tokens_for_budget_passes_the_right_answer(capsys):
    ch01.check_tokens_for_budget(lambda flops, n: flops / (6 * n))
    assert capsys.readouterr().out == "Exercise 1.3 (tokens for a compute budget): correct.\n"


def test_tokens_for_budget_stub_is_not_done(capsys):
    ch01.check_tokens_for_budget(_not_done)
    assert "not done yet. Hint: Training costs about 6·N FLOPs per token" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda c, n: c / (2 * n), "you divided by 2N, the forward pass only"),
        (lambda c, n: c / (4 * n), "you divided by 4N, the backward pass only"),
        (lambda c, n: c / 6, "the parameter count is missing"),
        (lambda c, n: 6 * n / c, "upside down"),
    ],
)
def test_tokens_for_budget_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch01.check_tokens_for_budget(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda c, n: c / (6 * n * n),
        lambda c, n: c * 6 * n,
        lambda c, n: c / (3 * n),
        lambda c, n: c / (6 * n) / 1e9,
        lambda c, n: round(c / (6 * n), -9),
    ],
)
def test_tokens_for_budget_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch01.check_tokens_for_budget(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 1.4 cost of a training run


def _run_cost(n, d, peak, u, price):
    return 6 * n * d / (peak * u) / 3600 * price


def test_training_run_cost_passes_the_right_answer(capsys):
    ch01.check_training_run_cost(_run_cost)
    assert capsys.readouterr().out == "Exercise 1.4 (cost of a training run): correct.\n"


def test_training_run_cost_stub_is_not_done(capsys):
    ch01.check_training_run_cost(_not_done)
    assert "not done yet. Hint: seconds = 6·N·D / (peak × utilization)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n, d, p, u, c: 2 * n * d / (p * u) / 3600 * c, "you used 2·N·D FLOPs"),
        (lambda n, d, p, u, c: 6 * n * d / (p * u) * c, "divide the seconds by 3600"),
        (lambda n, d, p, u, c: 6 * n * d / p / 3600 * c, "the utilization is missing"),
        (lambda n, d, p, u, c: 6 * n * d / p * u / 3600 * c, "multiply the peak by the utilization"),
        (lambda n, d, p, u, c: 6 * n * d / (p * u) / 60 * c, "minutes"),
        (lambda n, d, p, u, c: 6 * n * d / (p * u) / 3600, "the price per device-hour is missing"),
    ],
)
def test_training_run_cost_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch01.check_training_run_cost(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, d, p, u, c: 6 * n * d / (p * u) / 3600 / c,
        lambda n, d, p, u, c: 6 * n * d * p * u / 3600 * c,
        lambda n, d, p, u, c: 6 * n * d / (p * u) / 86400 * c,
        lambda n, d, p, u, c: 3 * n * d / (p * u) / 3600 * c,
        lambda n, d, p, u, c: 6 * n / (p * u) / 3600 * c,
        lambda n, d, p, u, c: round(_run_cost(n, d, p, u, c)),
    ],
)
def test_training_run_cost_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch01.check_training_run_cost(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The module


def test_ch01_checks_load_no_heavy_library(run_python):
    heavy = ("tensorflow", "keras", "pandas", "matplotlib")
    code = f"import json, sys, helpers.exercises.ch01; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_every_check_has_a_number_and_a_hint():
    numbers = [check.number for check in (getattr(ch01, name) for name in ch01.__all__)]
    assert numbers == ["1.1", "1.2", "1.3", "1.4"]
    assert all(getattr(ch01, name).hint for name in ch01.__all__)
