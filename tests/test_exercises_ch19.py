"""The checks of notebook 19's exercises: right answers pass, stubs are "not done yet", and each
typical mistake gets the message that names it. Their messages are what learners read."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch19


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or a NumPy error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 19.1 neuron_gradient(X, y, w, b) -> (dw, db)


def _neuron_gradient(X, y, w, b, *, sign=1.0, derivative=True, mean=False):
    p = _sigmoid(X @ w + b)
    r = sign * (p - y) * (p * (1 - p) if derivative else 1.0)
    if mean:
        r = r / len(y)
    return X.T @ r, float(r.sum())


def test_neuron_gradient_passes_the_right_answer(capsys):
    ch19.check_neuron_gradient(_neuron_gradient)
    ch19.check_neuron_gradient(lambda X, y, w, b: list(_neuron_gradient(X, y, w, b)))
    assert capsys.readouterr().out == "Exercise 19.1 (the gradient of a sigmoid neuron's squared loss): correct.\n" * 2


def test_neuron_gradient_stub_is_not_done(capsys):
    ch19.check_neuron_gradient(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 19.1 (the gradient of a sigmoid neuron's squared loss): not done yet. Hint: "), out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, sign=-1.0), "sign is reversed.*article 003"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, derivative=False), "σ'\\(z\\).*missing"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, mean=True), "divided by N"),
        (lambda X, y, w, b: None, "returned None"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b)[0], "return a pair"),
        (lambda X, y, w, b: (_neuron_gradient(X, y, w, b)[0], np.ones(3)), "one number"),
    ],
    ids=["sign", "no-derivative", "mean", "none", "not-a-pair", "db-array"],
)
def test_neuron_gradient_names_the_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch19.check_neuron_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w, b: (X.T @ (y - _sigmoid(X @ w + b)), 0.0),
        lambda X, y, w, b: (2 * _neuron_gradient(X, y, w, b)[0], 2 * _neuron_gradient(X, y, w, b)[1]),
        lambda X, y, w, b: (_neuron_gradient(X, y, w, b)[0], 0.0),
        lambda X, y, w, b: (_neuron_gradient(X, y, w, 0.0)[0], _neuron_gradient(X, y, w, 0.0)[1]),
        lambda X, y, w, b: (np.zeros_like(w), 0.0),
    ],
    ids=["bce-sign", "doubled", "no-db", "bias-ignored", "zeros"],
)
def test_neuron_gradient_wrong_formulas_never_pass(wrong, capsys):
    _assert_never_passes(ch19.check_neuron_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 19.2 conv_output_size(n, kernel, stride=1, padding=0) -> int


def _conv(n, kernel, stride=1, padding=0):
    return (n + 2 * padding - kernel) // stride + 1


def test_conv_output_size_passes_the_right_answer(capsys):
    ch19.check_conv_output_size(_conv)
    ch19.check_conv_output_size(
        lambda n, kernel, stride=1, padding=0: math.floor((n + 2 * padding - kernel) / stride) + 1
    )
    assert capsys.readouterr().out == "Exercise 19.2 (output size of a convolution or pooling layer): correct.\n" * 2


def test_conv_output_size_stub_is_not_done(capsys):
    ch19.check_conv_output_size(_not_done)
    assert "not done yet. Hint: floor((n + 2·padding − kernel) / stride) + 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n, kernel, stride=1, padding=0: n - kernel + 1, "stride and padding are ignored"),
        (lambda n, kernel, stride=1, padding=0: (n - kernel) // stride + 1, "padding is missing"),
        (lambda n, kernel, stride=1, padding=0: (n + padding - kernel) // stride + 1, "both sides"),
        (lambda n, kernel, stride=1, padding=0: -(-(n + 2 * padding - kernel) // stride) + 1, "round down"),
        (lambda n, kernel, stride=1, padding=0: (n + 2 * padding - kernel) / stride + 1, "whole number"),
        (lambda n, kernel, stride=1, padding=0: None, "returned None"),
    ],
    ids=["no-stride", "no-padding", "one-side-padding", "ceil", "float", "none"],
)
def test_conv_output_size_names_the_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch19.check_conv_output_size(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, kernel, stride=1, padding=0: (n + 2 * padding - kernel) // stride,
        lambda n, kernel, stride=1, padding=0: (n + 2 * padding + kernel) // stride + 1,
        lambda n, kernel, stride=1, padding=0: (n - 2 * padding - kernel) // stride + 1,
        lambda n, kernel, stride=1, padding=0: n // stride,
        lambda n, kernel, stride=1, padding=0: 3 if n == 32 else _conv(n, kernel, stride, padding),
    ],
    ids=["no-plus-one", "plus-kernel", "minus-padding", "n-over-stride", "article-27"],
)
def test_conv_output_size_wrong_formulas_never_pass(wrong, capsys):
    _assert_never_passes(ch19.check_conv_output_size, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 19.3 softmax_rows(Z) -> (N, K)


def _softmax_rows(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_rows_passes_the_right_answer(capsys):
    ch19.check_softmax_rows(_softmax_rows)
    assert capsys.readouterr().out == "Exercise 19.3 (a softmax that returns a distribution): correct.\n"


def test_softmax_rows_stub_is_not_done(capsys):
    ch19.check_softmax_rows(_not_done)
    assert "not done yet. Hint: e = exp(Z − Z.max(axis=1, keepdims=True))" in capsys.readouterr().out


def _columns(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_columns, "columns"),
        (lambda Z: np.exp(Z) / np.exp(Z).sum(), "whole matrix sums to 1"),
        (_sigmoid, "element-wise sigmoid"),
        (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "NaN or inf.*subtract"),
        (lambda Z: None, "returned None"),
    ],
    ids=["axis-0", "global-sum", "sigmoid", "unstable", "none"],
)
def test_softmax_rows_names_the_typical_mistakes(wrong, message):
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(ExerciseFailed, match=message),
    ):
        ch19.check_softmax_rows(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Z: np.exp(Z),
        lambda Z: Z / Z.sum(axis=1, keepdims=True),
        lambda Z: _softmax_rows(Z).T,
        lambda Z: _softmax_rows(Z / 2),
        lambda Z: np.full_like(Z, 1 / Z.shape[1]),
    ],
    ids=["no-normalisation", "divide-by-sum", "transposed", "temperature", "uniform"],
)
def test_softmax_rows_wrong_formulas_never_pass(wrong, capsys):
    _assert_never_passes(ch19.check_softmax_rows, wrong, capsys)
