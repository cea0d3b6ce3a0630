"""``helpers.exercises.ch03``: right answers pass, stubs are "not done yet", each typical mistake is named."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.activations import sigmoid, softmax
from helpers.checks import NOT_DONE, PASSED, ExerciseFailed
from helpers.exercises import ch03


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------------------------
# The right answers (several correct ways each) pass.


def _softmax_right(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _jacobian_right(z):
    p = _softmax_right(z)
    return np.diag(p) - np.outer(p, p)


RIGHT = {
    "dense": (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W + b), "a dense layer of neurons"),
    "dense_einsum": (
        ch03.check_dense_forward,
        lambda X, W, b, act: act(np.einsum("nd,dk->nk", X, W) + b[None, :]),
        "a dense layer of neurons",
    ),
    "sigmoid_derivative": (
        ch03.check_sigmoid_derivative,
        lambda x: sigmoid(x) * (1 - sigmoid(x)),
        "the sigmoid's derivative",
    ),
    "sigmoid_derivative_naive": (
        ch03.check_sigmoid_derivative,
        lambda x: _naive_sigmoid(x) * (1 - _naive_sigmoid(x)),
        "the sigmoid's derivative",
    ),
    "sigmoid_derivative_symmetric": (
        ch03.check_sigmoid_derivative,
        lambda x: sigmoid(x) * sigmoid(-x),
        "the sigmoid's derivative",
    ),
    "tanh": (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(2 * x) - 1, "tanh from the sigmoid"),
    "tanh_naive": (ch03.check_tanh_from_sigmoid, lambda x: 2 * _naive_sigmoid(2 * x) - 1, "tanh from the sigmoid"),
    "tanh_other_form": (
        ch03.check_tanh_from_sigmoid,
        lambda x: sigmoid(2 * x) - sigmoid(-2 * x),
        "tanh from the sigmoid",
    ),
    "softmax": (ch03.check_softmax, _softmax_right, "a stable softmax along an axis"),
    "softmax_helpers": (ch03.check_softmax, lambda z, axis=-1: softmax(z, axis=axis), "a stable softmax along an axis"),
    "jacobian": (ch03.check_softmax_jacobian, _jacobian_right, "the softmax Jacobian"),
    "jacobian_loops": (
        ch03.check_softmax_jacobian,
        lambda z: np.array(
            [[_softmax_right(z)[i] * ((i == j) - _softmax_right(z)[j]) for j in range(len(z))] for i in range(len(z))]
        ),
        "the softmax Jacobian",
    ),
}


@pytest.mark.parametrize("case", RIGHT)
def test_right_answer_passes(case, capsys):
    check, answer, title = RIGHT[case]
    check(answer)
    out = capsys.readouterr()
    assert out.out.endswith(f"({title}): {PASSED}.\n"), out.out
    assert out.err == ""


CHECKS = [
    ch03.check_dense_forward,
    ch03.check_sigmoid_derivative,
    ch03.check_tanh_from_sigmoid,
    ch03.check_softmax,
    ch03.check_softmax_jacobian,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_stub_is_not_done_with_the_hint(check, capsys):
    check(_not_done)
    out = capsys.readouterr().out
    assert f": {NOT_DONE}. Hint: {check.hint}\n" in out, out
    assert out.startswith(f"Exercise {check.number} ("), out


def test_exercise_numbers_are_3_1_to_3_5():
    assert [c.number for c in CHECKS] == ["3.1", "3.2", "3.3", "3.4", "3.5"]


# ---------------------------------------------------------------------------------------------
# Each typical mistake gets its own message.

MISTAKES = [
    # 3.1
    (ch03.check_dense_forward, lambda X, W, b, act: X @ W + b, "activation was not applied"),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W), "bias b was not added"),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W) + b, "bias was added after the activation"),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W + b).T, "transposed"),
    (ch03.check_dense_forward, lambda X, W, b, act: sigmoid(X @ W + b), "dense_forward\\(X, W, b, tanh\\)"),
    # 3.2
    (ch03.check_sigmoid_derivative, lambda x: x * (1 - x), "applied to the input x instead of to σ\\(x\\)"),
    (ch03.check_sigmoid_derivative, lambda x: sigmoid(x), "σ\\(x\\) itself"),
    (ch03.check_sigmoid_derivative, lambda x: 1 - sigmoid(x) ** 2, "tanh rule"),
    (ch03.check_sigmoid_derivative, lambda x: sigmoid(x) * (sigmoid(x) - 1), "wrong sign"),
    (ch03.check_sigmoid_derivative, lambda x: 2 * sigmoid(x) * (1 - sigmoid(x)), "factor of 2"),
    # 3.3
    (ch03.check_tanh_from_sigmoid, lambda x: np.tanh(x), "np.tanh was called"),
    (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(x) - 1, "argument must be 2x"),
    (ch03.check_tanh_from_sigmoid, lambda x: sigmoid(2 * x) - 1, "factor 2 in front of σ is missing"),
    (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(2 * x), "the − 1 is missing"),
    (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(-2 * x) - 1, "wrong sign"),
    # 3.4
    (ch03.check_softmax, lambda z, axis=-1: _softmax_right(z, axis=-1), "normalised along axis 2 instead"),
    (ch03.check_softmax, lambda z, axis=-1: _softmax_right(z, axis=0), "normalised along axis 0 instead"),
    (ch03.check_softmax, lambda z, axis=-1: np.exp(z) / np.exp(z).sum(), "whole array sums to 1"),
    (
        ch03.check_softmax,
        lambda z, axis=-1: np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True),
        "logits near 1000: e\\^1000 overflows",
    ),
    (
        ch03.check_softmax,
        lambda z, axis=-1: np.exp(z - z.max()) / np.sum(np.exp(z - z.max()), axis=axis, keepdims=True),
        "not the maximum of the whole array",
    ),
    (ch03.check_softmax, lambda z, axis=-1: np.exp(z - z.max(axis=axis, keepdims=True)), "sum to .*, not 1"),
    # 3.5
    (ch03.check_softmax_jacobian, lambda z: _softmax_right(z) * (1 - _softmax_right(z)), "only the diagonal"),
    (
        ch03.check_softmax_jacobian,
        lambda z: np.diag(_softmax_right(z) * (1 - _softmax_right(z))),
        "off-diagonal entries −p_i p_j are missing",
    ),
    (ch03.check_softmax_jacobian, lambda z: np.diag(_softmax_right(z)), "the term − p pᵀ is missing"),
    (ch03.check_softmax_jacobian, lambda z: -np.outer(_softmax_right(z), _softmax_right(z)), "diag\\(p\\) is missing"),
    (ch03.check_softmax_jacobian, lambda z: np.diag(z) - np.outer(z, z), "applied to the logits z"),
    (ch03.check_softmax_jacobian, lambda z: -_jacobian_right(z), "wrong sign"),
]


@pytest.mark.parametrize(
    ("check", "answer", "message"), MISTAKES, ids=[f"{m[0].number}-{i}" for i, m in enumerate(MISTAKES)]
)
def test_typical_mistake_is_named(check, answer, message, capsys):
    with pytest.raises(ExerciseFailed, match=message) as info:
        check(answer)
    assert str(info.value).startswith(f"Exercise {check.number} ("), str(info.value)
    out = capsys.readouterr()
    assert out.out == "", "a wrong answer must not also print 'correct'"
    assert out.err == "", "the check must not let NumPy warnings from the learner's code reach stderr"


# ---------------------------------------------------------------------------------------------
# A list of other wrong formulas: none may pass.

WRONG = [
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W + 2 * b)),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W - b)),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X) @ W + b),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W + b)[:, :-1]),
    (ch03.check_dense_forward, lambda X, W, b, act: act(X @ W + b).sum(axis=1)),
    (ch03.check_dense_forward, lambda X, W, b, act: None),
    (ch03.check_sigmoid_derivative, lambda x: sigmoid(x) ** 2),
    (ch03.check_sigmoid_derivative, lambda x: np.exp(-x) / (1 + np.exp(-x))),
    (ch03.check_sigmoid_derivative, lambda x: 0.25 * np.ones_like(x)),
    (ch03.check_sigmoid_derivative, lambda x: sigmoid(x) * (1 - sigmoid(x))[:1]),
    (ch03.check_sigmoid_derivative, lambda x: float(np.mean(sigmoid(x) * (1 - sigmoid(x))))),
    (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(2 * x) + 1),
    (ch03.check_tanh_from_sigmoid, lambda x: sigmoid(x)),
    (ch03.check_tanh_from_sigmoid, lambda x: 2 * sigmoid(x / 2) - 1),
    (ch03.check_tanh_from_sigmoid, lambda x: 1 - 2 * sigmoid(2 * x) ** 2),
    (ch03.check_softmax, lambda z, axis=-1: np.exp(z)),
    (ch03.check_softmax, lambda z, axis=-1: z / np.sum(z, axis=axis, keepdims=True)),
    (ch03.check_softmax, lambda z, axis=-1: sigmoid(z)),
    (ch03.check_softmax, lambda z, axis=-1: _softmax_right(2 * z, axis=axis)),
    (ch03.check_softmax, lambda z, axis=-1: np.log(_softmax_right(z, axis=axis))),
    (ch03.check_softmax, lambda z, axis=-1: np.exp(z - z.max(axis=axis, keepdims=True))),
    (ch03.check_softmax_jacobian, lambda z: np.outer(_softmax_right(z), _softmax_right(z))),
    (ch03.check_softmax_jacobian, lambda z: np.eye(len(z)) - np.outer(_softmax_right(z), _softmax_right(z))),
    (ch03.check_softmax_jacobian, lambda z: _jacobian_right(z)[:, :-1]),
    (ch03.check_softmax_jacobian, lambda z: np.diag(_softmax_right(z)) - np.outer(_softmax_right(z), z)),
    (ch03.check_softmax_jacobian, lambda z: np.zeros((len(z), len(z)))),
]


@pytest.mark.parametrize(("check", "answer"), WRONG, ids=[f"{w[0].number}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_formula_never_passes(check, answer, capsys):
    with pytest.raises(ExerciseFailed):
        check(answer)
    assert PASSED not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The checks leave no trace and do not hide the learner's own bugs.


def test_tanh_check_restores_np_tanh():
    original = np.tanh
    with pytest.raises(ExerciseFailed):
        ch03.check_tanh_from_sigmoid(lambda x: np.tanh(x))
    ch03.check_tanh_from_sigmoid(_not_done)
    assert np.tanh is original


def test_a_bug_in_the_learners_code_propagates():
    def buggy(z, axis=-1):
        return z - z.max(axis=axis)  # no keepdims: shapes (2, 3, 4) and (2, 4) do not broadcast

    with pytest.raises(ValueError, match="broadcast"):
        ch03.check_softmax(buggy)


def test_checks_do_not_change_global_numpy_error_state():
    before = np.geterr()
    with pytest.raises(ExerciseFailed, match="overflows"):
        ch03.check_softmax(lambda z, axis=-1: np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True))
    assert np.geterr() == before
