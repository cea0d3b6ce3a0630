"""The checks of chapter 06's exercises (``helpers.exercises.ch06``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch06


def _not_done(*args):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# 6.1 gradients of a sigmoid neuron


def _neuron(w, x, b, y):
    a = _sigmoid(w @ x + b)
    return (a - y) * x, a - y


def _neuron_by_probability(w, x, b, y):
    # The long way: ∂L/∂a · ∂a/∂z · ∂z/∂w, which must give the same numbers.
    a = _sigmoid(w @ x + b)
    dL_da = -y / a + (1 - y) / (1 - a)
    dz = dL_da * a * (1 - a)
    return dz * x, float(dz)


@pytest.mark.parametrize("answer", [_neuron, _neuron_by_probability], ids=["a-minus-y", "long-chain"])
def test_check_neuron_gradients_passes_the_right_answer(answer, capsys):
    ch06.check_neuron_gradients(answer)
    assert capsys.readouterr().out == "Exercise 6.1 (gradients of a sigmoid neuron): correct.\n"


def test_check_neuron_gradients_stub_is_not_done(capsys):
    ch06.check_neuron_gradients(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 6.1 (gradients of a sigmoid neuron): not done yet. Hint: a = σ(w·x + b)")


def _neuron_extra_sigma_prime(w, x, b, y):
    a = _sigmoid(w @ x + b)
    return (a - y) * a * (1 - a) * x, (a - y) * a * (1 - a)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, x, b, y: tuple(-g for g in _neuron(w, x, b, y)), "sign is wrong"),
        (_neuron_extra_sigma_prime, "extra factor σ′"),
        (lambda w, x, b, y: ((w @ x + b - y) * x, w @ x + b - y), "z − y"),
        (lambda w, x, b, y: (_neuron(w, x, b, y)[1], _neuron(w, x, b, y)[1]), "dw is the number a − y"),
        (lambda w, x, b, y: (_neuron(w, x, b, y)[0], _neuron(w, x, b, y)[0]), "db has x's shape"),
        (lambda w, x, b, y: _neuron(w, x, b, y)[0], "return the tuple"),
        (lambda w, x, b, y: None, "return the tuple"),
    ],
    ids=["sign", "extra-sigma-prime", "z-not-a", "dw-scalar", "db-vector", "no-tuple", "none"],
)
def test_check_neuron_gradients_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch06.check_neuron_gradients(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w, x, b, y: ((_sigmoid(w @ x + b) - y) * w, _sigmoid(w @ x + b) - y),
        lambda w, x, b, y: ((_sigmoid(w @ x + b) - y) * x, _sigmoid(w @ x + b)),
        lambda w, x, b, y: ((_sigmoid(w @ x + b) - y) * x / 5, (_sigmoid(w @ x + b) - y) / 5),
        lambda w, x, b, y: (0.5 * (_sigmoid(w @ x + b) - y) * x, 0.5 * (_sigmoid(w @ x + b) - y)),
        lambda w, x, b, y: ((_sigmoid(w @ x) - y) * x, _sigmoid(w @ x) - y),
        lambda w, x, b, y: (_sigmoid(w @ x + b) * x, _sigmoid(w @ x + b)),
        lambda w, x, b, y: (np.zeros(5), 0.0),
    ],
    ids=["times-w", "db-is-a", "over-D", "half", "no-bias", "no-label", "zeros"],
)
def test_check_neuron_gradients_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch06.check_neuron_gradients, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 6.2 affine backward


def _affine(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def _affine_einsum(dout, x, W):
    return np.einsum("nm,dm->nd", dout, W), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)


@pytest.mark.parametrize("answer", [_affine, _affine_einsum], ids=["matmul", "einsum"])
def test_check_affine_backward_passes_the_right_answer(answer, capsys):
    ch06.check_affine_backward(answer)
    assert capsys.readouterr().out == "Exercise 6.2 (affine backward): correct.\n"


def test_check_affine_backward_stub_is_not_done(capsys):
    ch06.check_affine_backward(_not_done)
    assert "Exercise 6.2 (affine backward): not done yet. Hint: For z = x @ W + b" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda dout, x, W: (dout @ W.T, dout.T @ x, dout.sum(0)), "transpose of W"),
        (lambda dout, x, W: (dout @ W.T, x.T @ dout / len(x), dout.sum(0)), "divided by N"),
        (lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.mean(0)), "divided by N"),
        (lambda dout, x, W: (dout @ W.T, x.T @ dout, dout), "one bias is shared"),
        (lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(1)), "summed over axis 1"),
        (lambda dout, x, W: (dout @ W.T, x.T @ dout), "return the tuple"),
        (lambda dout, x, W: (-(dout @ W.T), x.T @ dout, dout.sum(0)), "wrong sign"),
        (lambda dout, x, W: ((dout @ W.T).T, x.T @ dout, dout.sum(0)), "transposed"),
    ],
    ids=["dW-transposed", "dW-over-N", "db-mean", "db-not-summed", "db-axis-1", "two-values", "dx-sign", "dx-T"],
)
def test_check_affine_backward_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch06.check_affine_backward(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda dout, x, W: (dout @ W, x.T @ dout, dout.sum(0)),
        lambda dout, x, W: (dout @ W.T, x.T @ dout + 1.0, dout.sum(0)),
        lambda dout, x, W: (dout @ W.T, W, dout.sum(0)),
        lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(0) + 1),
        lambda dout, x, W: (x, x.T @ dout, dout.sum(0)),
        lambda dout, x, W: (dout @ W.T * 2, 2 * x.T @ dout, 2 * dout.sum(0)),
    ],
    ids=["dx-no-T", "dW-offset", "dW-is-W", "db-offset", "dx-is-x", "double"],
)
def test_check_affine_backward_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch06.check_affine_backward, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 6.3 ReLU backward


def test_check_relu_backward_passes_the_right_answer(capsys):
    ch06.check_relu_backward(lambda dout, z: dout * (z > 0))
    ch06.check_relu_backward(lambda dout, z: np.where(z > 0, dout, 0.0))
    assert capsys.readouterr().out == "Exercise 6.3 (ReLU backward): correct.\n" * 2


def test_check_relu_backward_stub_is_not_done(capsys):
    ch06.check_relu_backward(_not_done)
    assert "Exercise 6.3 (ReLU backward): not done yet. Hint: dz = dout * (z > 0)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda dout, z: dout * (z >= 0), "relu′\\(0\\) = 0"),
        (lambda dout, z: (z > 0).astype(float), "multiply it by the upstream gradient"),
        (lambda dout, z: dout * np.maximum(z, 0), "relu\\(z\\), the activation"),
        (lambda dout, z: dout * (dout > 0), "mask comes from dout"),
        (lambda dout, z: dout, "unchanged"),
        (lambda dout, z: -dout * (z > 0), "wrong sign"),
        (lambda dout, z: None, "None"),
    ],
    ids=["mask-at-zero", "no-dout", "times-relu", "mask-from-dout", "identity", "sign", "none"],
)
def test_check_relu_backward_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch06.check_relu_backward(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda dout, z: dout * (z < 0),
        lambda dout, z: np.maximum(dout, 0),
        lambda dout, z: dout * (z > 0) + 0.01 * dout * (z <= 0),
        lambda dout, z: (dout * (z > 0)).T,
        lambda dout, z: np.zeros_like(dout),
    ],
    ids=["mask-inverted", "relu-of-dout", "leaky", "transposed", "zeros"],
)
def test_check_relu_backward_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch06.check_relu_backward, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 6.4 the δ recursion through tanh


def _hidden(delta_next, W_next, z):
    return (delta_next @ W_next.T) * (1 - np.tanh(z) ** 2)


def _hidden_cosh(delta_next, W_next, z):
    return (delta_next @ W_next.T) / np.cosh(z) ** 2


@pytest.mark.parametrize("answer", [_hidden, _hidden_cosh], ids=["1-tanh2", "sech2"])
def test_check_hidden_delta_passes_the_right_answer(answer, capsys):
    ch06.check_hidden_delta(answer)
    assert capsys.readouterr().out == "Exercise 6.4 (the δ recursion through tanh): correct.\n"


def test_check_hidden_delta_stub_is_not_done(capsys):
    ch06.check_hidden_delta(_not_done)
    assert "Exercise 6.4 (the δ recursion through tanh): not done yet. Hint: delta = " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda d, W, z: d @ W.T, "factor σ′\\(z\\)"),
        (lambda d, W, z: (d @ W.T) * (1 - z**2), "1 − z² was used"),
        (lambda d, W, z: (d @ W.T) * (1 - np.tanh(np.tanh(z)) ** 2), "evaluated at the activation"),
        (lambda d, W, z: (d @ W.T) * np.tanh(z), "instead of its derivative"),
        (lambda d, W, z: -_hidden(d, W, z), "sign is wrong"),
        (lambda d, W, z: _hidden(d, W, z).T, "transposed"),
    ],
    ids=["no-sigma-prime", "one-minus-z2", "sigma-prime-of-a", "times-tanh", "sign", "transposed"],
)
def test_check_hidden_delta_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch06.check_hidden_delta(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda d, W, z: d @ W,
        lambda d, W, z: (d @ W.T) * (1 - np.tanh(z)),
        lambda d, W, z: (d @ W.T) * _sigmoid(z) * (1 - _sigmoid(z)),
        lambda d, W, z: (d @ W.T) * (z > 0),
        lambda d, W, z: 0.5 * _hidden(d, W, z),
        lambda d, W, z: _hidden(d, W, z) / len(d),
    ],
    ids=["W-not-transposed", "no-square", "sigmoid-prime", "relu-prime", "half", "over-N"],
)
def test_check_hidden_delta_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch06.check_hidden_delta, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 6.5 backward pass of a two-layer network


def _two_layer(X, y, W1, b1, W2, b2, *, scale=1.0, mask=True, input_for_W2=False):
    n = len(X)
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0)
    d2 = _softmax(h @ W2 + b2)
    d2[np.arange(n), y] -= 1
    d2 *= scale / n
    d1 = d2 @ W2.T
    if mask:
        d1 = d1 * (z1 > 0)
    return {"W1": X.T @ d1, "b1": d1.sum(0), "W2": (X if input_for_W2 else h).T @ d2, "b2": d2.sum(0)}


def test_check_two_layer_grads_passes_the_right_answer(capsys):
    ch06.check_two_layer_grads(_two_layer)
    assert capsys.readouterr().out == "Exercise 6.5 (backward pass of a two-layer network): correct.\n"


def test_check_two_layer_grads_matches_helpers_mlp(capsys):
    from helpers import mlp

    def with_helpers(X, y, W1, b1, W2, b2):
        return mlp.mlp_loss_and_grads({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, y)[1]

    ch06.check_two_layer_grads(with_helpers)
    assert capsys.readouterr().out.endswith("correct.\n")


def test_check_two_layer_grads_stub_is_not_done(capsys):
    ch06.check_two_layer_grads(_not_done)
    assert "Exercise 6.5 (backward pass of a two-layer network): not done yet. Hint: d2 =" in capsys.readouterr().out


def _not_summed(X, y, W1, b1, W2, b2):
    grads = _two_layer(X, y, W1, b1, W2, b2)
    n = len(X)
    z1 = X @ W1 + b1
    d2 = _softmax(np.maximum(z1, 0) @ W2 + b2)
    d2[np.arange(n), y] -= 1
    grads["b2"] = d2 / n
    return grads


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda *a: _two_layer(*a, scale=len(a[0])), "N = 6 × too large"),
        (lambda *a: _two_layer(*a, scale=-1.0), "wrong sign"),
        (lambda *a: _two_layer(*a, input_for_W2=True), "not X"),
        (lambda *a: _two_layer(*a, mask=False), "ignore the ReLU"),
        (_not_summed, "sum δ over the rows"),
        (lambda *a: tuple(_two_layer(*a).values()), "return a dict"),
        (lambda *a: {k: v for k, v in _two_layer(*a).items() if k != "b2"}, "return a dict"),
        (lambda *a: {**_two_layer(*a), "W1": _two_layer(*a)["W1"].T}, "transposed"),
    ],
    ids=["no-1-over-N", "sign", "X-for-h", "no-relu-mask", "db-not-summed", "tuple", "missing-key", "dW1-T"],
)
def test_check_two_layer_grads_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch06.check_two_layer_grads(wrong)


def _tanh_hidden(X, y, W1, b1, W2, b2):
    n = len(X)
    z1 = X @ W1 + b1
    h = np.tanh(z1)
    d2 = _softmax(h @ W2 + b2)
    d2[np.arange(n), y] -= 1
    d2 /= n
    d1 = (d2 @ W2.T) * (1 - h**2)
    return {"W1": X.T @ d1, "b1": d1.sum(0), "W2": h.T @ d2, "b2": d2.sum(0)}


def _sigmoid_output(X, y, W1, b1, W2, b2):
    grads = _two_layer(X, y, W1, b1, W2, b2)
    n = len(X)
    h = np.maximum(X @ W1 + b1, 0)
    d2 = (_sigmoid(h @ W2 + b2) - np.eye(W2.shape[1])[y]) / n
    grads["W2"], grads["b2"] = h.T @ d2, d2.sum(0)
    return grads


@pytest.mark.parametrize(
    "wrong",
    [
        _tanh_hidden,
        _sigmoid_output,
        lambda *a: {**_two_layer(*a), "b1": np.zeros(4)},
        lambda *a: {k: 0.5 * v for k, v in _two_layer(*a).items()},
        lambda *a: {**_two_layer(*a), "W2": _two_layer(*a)["W2"] + 0.1},
    ],
    ids=["tanh-hidden", "sigmoid-output", "db1-zero", "half", "W2-offset"],
)
def test_check_two_layer_grads_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch06.check_two_layer_grads, wrong, capsys)
