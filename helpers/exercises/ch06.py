"""Checks for the exercises of notebook 06 (backpropagation).

Each check builds its own inputs with a fixed generator and shapes that are all different (so a
transposed matrix cannot pass), calls the learner's function, looks for the chapter's typical
mistakes first (a reversed sign, a forgotten or extra 1/N, a transposed product, a bias gradient
not summed over the batch, σ′ taken of the activation instead of the pre-activation, the ReLU
mask at z = 0, the network input used where a hidden activation belongs), and ends with
:func:`helpers.checks.compare`. The references are plain NumPy, written here so that a check
never depends on the code it teaches (``helpers.layers``, ``helpers.mlp``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

# --------------------------------------------------------------------------------------------
# NumPy references.
# --------------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _two_layer(
    X: np.ndarray, y: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> dict[str, np.ndarray]:
    """Every intermediate of a ReLU MLP with a mean softmax cross-entropy, and its gradients."""
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0.0)
    z2 = h @ W2 + b2
    d2 = _softmax(z2)
    d2[np.arange(n), y] -= 1.0
    d2 /= n
    dh = d2 @ W2.T
    d1 = dh * (z1 > 0)
    return {
        "z1": z1,
        "h": h,
        "d2": d2,
        "dh": dh,
        "d1": d1,
        "W1": X.T @ d1,
        "b1": d1.sum(0),
        "W2": h.T @ d2,
        "b2": d2.sum(0),
    }


# --------------------------------------------------------------------------------------------
# Small tools for recognising mistakes.
# --------------------------------------------------------------------------------------------


def _as_array(got: Any) -> np.ndarray | None:
    """``got`` as a float array, or ``None`` when it is no array of numbers (compare() then says so)."""
    if got is None:
        return None
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


def _matches(got: np.ndarray | None, candidate: np.ndarray, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether ``got`` has ``candidate``'s shape and values."""
    if got is None or got.shape != np.shape(candidate):
        return False
    return bool(np.allclose(got, candidate, rtol=rtol, atol=atol))


def _call(function: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function on copies, so that changing an input in place cannot change the check's."""
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return function(*(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args))


def _unpack(result: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The learner's tuple of results, or a message saying what was expected."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        kind = type(result).__name__
        got = f"a {kind} of length {len(result)}" if isinstance(result, (tuple, list)) else f"a {kind}"
        raise ExerciseFailed(f"return the tuple ({', '.join(names)}), got {got}.")
    return tuple(result)


# --------------------------------------------------------------------------------------------
# 6.1 The chain rule by hand: one sigmoid neuron with binary cross-entropy.
# --------------------------------------------------------------------------------------------


@exercise(
    "6.1",
    "gradients of a sigmoid neuron",
    hint="a = σ(w·x + b); the chain rule gives ∂L/∂z = a − y, then ∂L/∂w = (a − y)·x and ∂L/∂b = a − y.",
)
def check_neuron_gradients(neuron_gradients: Callable[..., Any]) -> None:
    """Check ``neuron_gradients(w, x, b, y) -> (dw, db)`` for L = BCE(y, σ(w·x + b)), one example.

    ``w`` and ``x`` have shape (5,); tested with a label 1 and a label 0.
    """
    rng = np.random.default_rng(61)
    w, x = rng.normal(size=5), rng.normal(size=5)
    b = float(rng.normal())
    for y in (1.0, 0.0):
        z = float(w @ x + b)
        a = float(_sigmoid(np.array(z)))
        dz = a - y
        dw, db = _unpack(_call(neuron_gradients, w, x, b, y), ("dw", "db"))
        got_w, got_b = _as_array(dw), _as_array(db)
        if _matches(got_w, -dz * x) and _matches(got_b, np.array(-dz)):
            raise ExerciseFailed("the sign is wrong: ∂L/∂z = a − y (prediction minus label), not y − a.")
        if _matches(got_w, dz * a * (1 - a) * x):
            raise ExerciseFailed(
                "an extra factor σ′(z) = a(1 − a): for cross-entropy, ∂L/∂a = (a − y) / (a(1 − a)), and the "
                "σ′(z) of the chain rule cancels that denominator. ∂L/∂z is simply a − y."
            )
        if _matches(got_w, (z - y) * x):
            raise ExerciseFailed("z − y was used: the prediction is a = σ(z), so ∂L/∂z = σ(z) − y.")
        if got_w is not None and got_w.shape == () and np.isclose(float(got_w), dz):
            raise ExerciseFailed(
                "dw is the number a − y: that is ∂L/∂z (= ∂L/∂b). ∂L/∂wᵢ = (∂L/∂z)·xᵢ, a vector of x's shape."
            )
        if got_b is not None and got_b.shape == x.shape and np.allclose(got_b, dz * x):
            raise ExerciseFailed("db has x's shape: ∂z/∂b = 1, so ∂L/∂b = ∂L/∂z, one number.")
        compare(f"dw (label y = {y:g})", dw, dz * x)
        compare(f"db (label y = {y:g})", db, dz)


# --------------------------------------------------------------------------------------------
# 6.2 Affine backward.
# --------------------------------------------------------------------------------------------


@exercise(
    "6.2",
    "affine backward",
    hint="For z = x @ W + b: dx = dout @ W.T, dW = x.T @ dout, db = dout.sum(axis=0). Each has its input's shape.",
)
def check_affine_backward(affine_backward: Callable[..., Any]) -> None:
    """Check ``affine_backward(dout, x, W) -> (dx, dW, db)`` for z = xW + b.

    ``x`` has shape (6, 4), ``W`` (4, 3), ``dout`` (6, 3), then (2, 5), (5, 7), (2, 7).
    """
    rng = np.random.default_rng(62)
    for n, d, m in ((6, 4, 3), (2, 5, 7)):
        x, W, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m))
        dx, dW, db = _unpack(_call(affine_backward, dout, x, W), ("dx", "dW", "db"))
        got_dW, got_db = _as_array(dW), _as_array(db)
        right_dW = x.T @ dout
        if got_dW is not None and got_dW.shape == (m, d) and np.allclose(got_dW, right_dW.T):
            raise ExerciseFailed(
                f"dW has shape {(m, d)}, the transpose of W's {(d, m)}: it is dout.T @ x. Use x.T @ dout; a "
                f"gradient always has the shape of its parameter."
            )
        if _matches(got_dW, right_dW / n) or _matches(got_db, dout.mean(axis=0)):
            raise ExerciseFailed(
                f"divided by N = {n}: dout is already ∂L/∂z of the *mean* loss (the 1/N is in it), so the "
                f"sums over the batch are plain sums."
            )
        if got_db is not None and got_db.shape == (n, m) and np.allclose(got_db, dout):
            raise ExerciseFailed(
                f"db has shape {(n, m)}: one bias is shared by all {n} rows, so its gradient is the sum of dout "
                f"over the rows, dout.sum(axis=0), of shape ({m},)."
            )
        if got_db is not None and got_db.shape == (n,) and np.allclose(got_db, dout.sum(axis=1)):
            raise ExerciseFailed("db was summed over axis 1 (the units); sum over the rows (the examples), axis=0.")
        compare("dx", dx, dout @ W.T)
        compare("dW", dW, right_dW)
        compare("db", db, dout.sum(axis=0))


# --------------------------------------------------------------------------------------------
# 6.3 ReLU backward.
# --------------------------------------------------------------------------------------------


@exercise(
    "6.3",
    "ReLU backward",
    hint="dz = dout * (z > 0): the gradient passes where the unit was active and is 0 elsewhere, 0 at z = 0 too.",
)
def check_relu_backward(relu_backward: Callable[..., Any]) -> None:
    """Check ``relu_backward(dout, z) -> dz`` with relu′(0) = 0; ``z`` of shape (4, 7) holds exact zeros."""
    rng = np.random.default_rng(63)
    z = rng.normal(size=(4, 7))
    z[[0, 1, 3], [2, 5, 0]] = 0.0
    dout = rng.normal(size=(4, 7))
    expected = dout * (z > 0)
    raw = _call(relu_backward, dout, z)
    got = _as_array(raw)
    if _matches(got, dout * (z >= 0)):
        raise ExerciseFailed(
            "the gradient passes at z = 0: the course's convention (as TensorFlow's and JAX's) is relu′(0) = 0; "
            "use z > 0, not z >= 0."
        )
    if _matches(got, (z > 0).astype(float)) or _matches(got, (z >= 0).astype(float)):
        raise ExerciseFailed("this is relu′(z) alone; multiply it by the upstream gradient dout.")
    if _matches(got, dout * np.maximum(z, 0.0)):
        raise ExerciseFailed("dout was multiplied by relu(z), the activation, instead of its derivative 1[z > 0].")
    if _matches(got, dout * (dout > 0)):
        raise ExerciseFailed("the mask comes from dout; it must come from the forward input: where z > 0.")
    if _matches(got, dout):
        raise ExerciseFailed("dout came back unchanged: the gradient must be 0 where the unit was off (z ≤ 0).")
    compare("dz", raw, expected)


# --------------------------------------------------------------------------------------------
# 6.4 One step of the δ recursion, through tanh.
# --------------------------------------------------------------------------------------------


@exercise(
    "6.4",
    "the δ recursion through tanh",
    hint="delta = (delta_next @ W_next.T) * (1 - np.tanh(z) ** 2): back through the weights, then through σ′(z).",
)
def check_hidden_delta(hidden_delta: Callable[..., Any]) -> None:
    """Check ``hidden_delta(delta_next, W_next, z) -> delta`` for a tanh layer.

    δ = (δ_next W_nextᵀ) ⊙ (1 − tanh² z) with ``delta_next`` (5, 3), ``W_next`` (4, 3), ``z`` (5, 4).
    """
    rng = np.random.default_rng(64)
    n, h, m = 5, 4, 3
    delta_next, W_next = rng.normal(size=(n, m)), rng.normal(size=(h, m))
    z = rng.normal(scale=1.2, size=(n, h))
    back = delta_next @ W_next.T
    a = np.tanh(z)
    raw = _call(hidden_delta, delta_next, W_next, z)
    got = _as_array(raw)
    if _matches(got, back):
        raise ExerciseFailed("the factor σ′(z) = 1 − tanh²(z) is missing: after the weights, go back through tanh.")
    if _matches(got, back * (1 - z**2)):
        raise ExerciseFailed(
            "1 − z² was used: the formula 1 − a² holds for the activation a = tanh(z), not for z itself."
        )
    if _matches(got, back * (1 - np.tanh(a) ** 2)):
        raise ExerciseFailed(
            "σ′ was evaluated at the activation a = tanh(z): tanh′ must be taken at the pre-activation, "
            "1 − tanh(z)², which is 1 − a² (not 1 − tanh(a)²)."
        )
    if _matches(got, back * a):
        raise ExerciseFailed("multiplied by tanh(z), the activation, instead of its derivative 1 − tanh(z)².")
    if _matches(got, -back * (1 - a**2)):
        raise ExerciseFailed("the sign is wrong: nothing in the recursion flips it.")
    compare("delta", raw, back * (1 - a**2))


# --------------------------------------------------------------------------------------------
# 6.5 A whole two-layer backward pass.
# --------------------------------------------------------------------------------------------


@exercise(
    "6.5",
    "backward pass of a two-layer network",
    hint="d2 = (softmax(z2) − onehot(y)) / N; dW2 = h.T @ d2; db2 = d2.sum(0); d1 = (d2 @ W2.T) * (z1 > 0); "
    "dW1 = X.T @ d1; db1 = d1.sum(0).",
)
def check_two_layer_grads(two_layer_grads: Callable[..., Any]) -> None:
    """Check ``two_layer_grads(X, y, W1, b1, W2, b2) -> {"W1": ..., "b1": ..., "W2": ..., "b2": ...}``.

    The network is z1 = X W1 + b1, h = relu(z1), z2 = h W2 + b2, with the mean softmax
    cross-entropy of integer labels ``y``. ``X`` has shape (6, 5), ``W1`` (5, 4), ``W2`` (4, 3).
    """
    rng = np.random.default_rng(65)
    n, d, h, k = 6, 5, 4, 3
    X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
    y[:3] = [0, 1, 2]
    W1, b1 = rng.normal(scale=0.8, size=(d, h)), rng.normal(scale=0.3, size=h)
    W2, b2 = rng.normal(scale=0.8, size=(h, k)), rng.normal(scale=0.3, size=k)
    ref = _two_layer(X, y, W1, b1, W2, b2)
    result = _call(two_layer_grads, X, y, W1, b1, W2, b2)
    if not isinstance(result, dict) or sorted(result) != ["W1", "W2", "b1", "b2"]:
        keys = sorted(result) if isinstance(result, dict) else type(result).__name__
        raise ExerciseFailed(f'return a dict with the keys "W1", "b1", "W2", "b2" (the parameters), got {keys}.')
    got = {key: _as_array(value) for key, value in result.items()}
    if all(_matches(got[key], n * ref[key]) for key in got):
        raise ExerciseFailed(
            f"every gradient is N = {n} × too large: the loss is the mean over the batch, so "
            f"δ₂ = (softmax(z2) − onehot(y)) / N."
        )
    if all(_matches(got[key], -ref[key]) for key in got):
        raise ExerciseFailed("every gradient has the wrong sign: δ₂ = softmax(z2) − onehot(y), not onehot(y) − p.")
    if got["W2"] is not None and got["W2"].shape == (d, k) and np.allclose(got["W2"], X.T @ ref["d2"]):
        raise ExerciseFailed(
            f"dW2 has shape {(d, k)} = Xᵀ δ₂: the second layer's input is the hidden activation h, not X. "
            f"dW2 = h.T @ δ₂, shape {(h, k)}."
        )
    if _matches(got["W1"], X.T @ ref["dh"]) or _matches(got["b1"], ref["dh"].sum(0)):
        raise ExerciseFailed("dW1/db1 ignore the ReLU: multiply δ₂ W2ᵀ by relu′(z1) = (z1 > 0) before using it.")
    for key, shape in (("b1", (n, h)), ("b2", (n, k))):
        if got[key] is not None and got[key].shape == shape:
            raise ExerciseFailed(f"d{key} has shape {shape}: sum δ over the rows of the batch (axis=0).")
    for key in ("W2", "b2", "W1", "b1"):
        compare(f"grads[{key!r}]", result[key], ref[key])
