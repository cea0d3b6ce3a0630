"""The checks of chapter 11's exercises (``helpers.exercises.ch11``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from helpers.checks import ExerciseFailed
from helpers.exercises import ch11


def _stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# 11.1 output size


def output_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def test_output_size_right_answer(capsys):
    ch11.check_output_size(output_size)
    assert capsys.readouterr().out == "Exercise 11.1 (output size of a convolution or pooling layer): correct.\n"


def test_output_size_stub(capsys):
    ch11.check_output_size(_stub)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 11.1 (output size of a convolution or pooling layer): not done yet. Hint:"), out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n, k, s, p: (n + 2 * p - k) // s, r"\+ 1 is missing"),
        (lambda n, k, s, p: (n + 2 * p - k) / s + 1, "fraction"),
        (lambda n, k, s, p: (n - k) // s + 1, "padding p was ignored"),
        (lambda n, k, s, p: (n + p - k) // s + 1, "BOTH sides"),
        (lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1, "rounds up"),
        (lambda n, k, s, p: float((n + 2 * p - k) // s + 1), "return an int"),
        (lambda n, k, s, p: None, "returned None"),
    ],
)
def test_output_size_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch11.check_output_size(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, k, s, p: (n - k) // s,
        lambda n, k, s, p: (n + 2 * p - k + 1) // s,
        lambda n, k, s, p: n // s,
        lambda n, k, s, p: (n + 2 * p) // s + 1,
        lambda n, k, s, p: (n + 2 * p - k) // s + 2,
        lambda n, k, s, p: n - k + 1,
    ],
)
def test_output_size_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch11.check_output_size(wrong)


# ---------------------------------------------------------------------------------------------
# 11.2 conv2d


def conv2d(image, kernel):
    return np.einsum("ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel)


def test_conv2d_right_answer(capsys):
    ch11.check_conv2d(conv2d)
    assert capsys.readouterr().out == "Exercise 11.2 (a 2-D convolution, valid, stride 1): correct.\n"


def test_conv2d_stub(capsys):
    ch11.check_conv2d(_stub)
    assert capsys.readouterr().out.startswith("Exercise 11.2 (a 2-D convolution, valid, stride 1): not done yet. Hint:")


def _same_padding(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)))
    return conv2d(padded, kernel)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda image, kernel: conv2d(image, kernel[::-1, ::-1]), "flipped"),
        (_same_padding, "same"),
        (lambda image, kernel: None, "returned None"),
    ],
)
def test_conv2d_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch11.check_conv2d(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda image, kernel: conv2d(image, kernel.T.reshape(kernel.shape)),
        lambda image, kernel: conv2d(image, kernel) + 1.0,
        lambda image, kernel: -conv2d(image, kernel),
        lambda image, kernel: conv2d(image, kernel) / kernel.size,
        lambda image, kernel: conv2d(image, kernel)[:-1],
        lambda image, kernel: np.maximum(conv2d(image, kernel), 0.0),
    ],
)
def test_conv2d_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch11.check_conv2d(wrong)


# ---------------------------------------------------------------------------------------------
# 11.3 max pooling


def max_pool2d(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[: h * size, : w * size].reshape(h, size, w, size).max(axis=(1, 3))


def test_max_pool_right_answer(capsys):
    ch11.check_max_pool2d(max_pool2d)
    assert capsys.readouterr().out == "Exercise 11.3 (2-D max pooling): correct.\n"


def test_max_pool_stub(capsys):
    ch11.check_max_pool2d(_stub)
    assert capsys.readouterr().out.startswith("Exercise 11.3 (2-D max pooling): not done yet. Hint:")


def _average_pool(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[: h * size, : w * size].reshape(h, size, w, size).mean(axis=(1, 3))


def _ceil_pool(x, size):
    h, w = -(-x.shape[0] // size), -(-x.shape[1] // size)
    padded = np.full((h * size, w * size), -np.inf)
    padded[: x.shape[0], : x.shape[1]] = x
    return padded.reshape(h, size, w, size).max(axis=(1, 3))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_average_pool, "average pooling"),
        (_ceil_pool, "ceil mode"),
        (lambda x, size: sliding_window_view(x, (size, size)).max(axis=(2, 3)), "overlap"),
        (lambda x, size: None, "returned None"),
    ],
)
def test_max_pool_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch11.check_max_pool2d(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x, size: max_pool2d(x, size).T,
        lambda x, size: -max_pool2d(-x, size),
        lambda x, size: max_pool2d(x, 2),
        lambda x, size: max_pool2d(np.abs(x), size),
    ],
)
def test_max_pool_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch11.check_max_pool2d(wrong)
