"""Checks for the exercises of notebook 03 (neurons and activations).

Each check builds its own inputs (fixed generators, shapes that differ in every dimension), runs
the learner's function, looks for the typical mistakes first and names them, then compares with
a NumPy reference from :mod:`helpers.activations`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..activations import sigmoid, softmax, tanh
from ..checks import ExerciseFailed, compare, exercise

Activation = Callable[[np.ndarray], np.ndarray]


def _matches(got: Any, expected: np.ndarray, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when ``got`` has ``expected``'s shape and values (a quiet probe for a known mistake)."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.shape == expected.shape and bool(np.allclose(arr, expected, rtol=rtol, atol=atol))


def _quietly(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with NumPy's overflow and invalid-value warnings off: the check reports them."""
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


@exercise(
    "3.1",
    "a dense layer of neurons",
    hint="Z = X @ W + b (X is (N, D), W is (D, K), b is (K,)), then return activation(Z).",
)
def check_dense_forward(dense_forward: Callable[[np.ndarray, np.ndarray, np.ndarray, Activation], np.ndarray]) -> None:
    """Check ``dense_forward(X, W, b, activation)`` returns ``activation(X @ W + b)``, shape (N, K)."""
    rng = np.random.default_rng(0)
    n, d, k = 6, 4, 3  # all different, so a transposed matrix cannot slip through
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, k)), rng.normal(size=k)
    for activation in (sigmoid, tanh):
        Z = X @ W + b
        got = dense_forward(X, W, b, activation)
        if _matches(got, Z):
            raise ExerciseFailed("the result equals X @ W + b: the activation was not applied to Z.")
        if _matches(got, activation(X @ W)):
            raise ExerciseFailed("the result equals activation(X @ W): the bias b was not added.")
        if _matches(got, activation(X @ W) + b):
            raise ExerciseFailed("the bias was added after the activation; it belongs inside: activation(X @ W + b).")
        compare(f"dense_forward(X, W, b, {activation.__name__})", got, activation(Z))


@exercise(
    "3.2",
    "the sigmoid's derivative",
    hint="Compute s = sigmoid(x) first, then return s * (1 - s); the input x is the pre-activation.",
)
def check_sigmoid_derivative(sigmoid_derivative: Activation) -> None:
    """Check ``sigmoid_derivative(x)`` returns σ(x)(1 − σ(x)) element-wise, for any shape."""
    rng = np.random.default_rng(1)
    x = rng.normal(scale=4.0, size=(5, 7))
    x[0, :3] = [0.0, -30.0, 30.0]
    s = sigmoid(x)
    expected = s * (1 - s)
    got = _quietly(sigmoid_derivative, x)
    if _matches(got, x * (1 - x)):
        raise ExerciseFailed(
            "the result is x * (1 - x): the formula σ(1 − σ) was applied to the input x instead of to σ(x)."
        )
    if _matches(got, s):
        raise ExerciseFailed("the result is σ(x) itself, not its derivative σ(x)(1 − σ(x)).")
    if _matches(got, 1 - s**2):
        raise ExerciseFailed("the result is 1 − σ(x)²: that is the tanh rule (1 − tanh²), not the sigmoid's.")
    compare("sigmoid_derivative(x)", got, expected, atol=1e-12)


@exercise(
    "3.3",
    "tanh from the sigmoid",
    hint="tanh(x) = 2·sigmoid(2x) − 1; use helpers.activations.sigmoid (or your own), not np.tanh.",
)
def check_tanh_from_sigmoid(tanh_from_sigmoid: Activation) -> None:
    """Check ``tanh_from_sigmoid(x)`` returns 2σ(2x) − 1 without calling ``np.tanh``."""
    rng = np.random.default_rng(2)
    x = rng.normal(scale=2.0, size=(3, 8))
    x[0, 0] = 0.0
    original = np.tanh
    used_tanh = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        used_tanh.append(True)
        return original(*args, **kwargs)

    np.tanh = spy  # type: ignore[misc]  # restored in `finally`
    try:
        got = _quietly(tanh_from_sigmoid, x)
    finally:
        np.tanh = original  # type: ignore[misc]
    if used_tanh:
        raise ExerciseFailed("np.tanh was called: the point is to build tanh from the sigmoid, 2·σ(2x) − 1.")
    if _matches(got, 2 * sigmoid(x) - 1):
        raise ExerciseFailed("the result is 2·σ(x) − 1, which is tanh(x/2): the sigmoid's argument must be 2x.")
    if _matches(got, sigmoid(2 * x) - 1):
        raise ExerciseFailed("the result is σ(2x) − 1: the factor 2 in front of σ is missing.")
    if _matches(got, 2 * sigmoid(2 * x)):
        raise ExerciseFailed("the result is 2·σ(2x): the − 1 is missing (tanh runs from −1 to 1).")
    compare("tanh_from_sigmoid(x)", got, np.tanh(x), atol=1e-12)


def _softmax_mistakes(got: Any, z: np.ndarray, axis: int) -> None:
    """Raise for the typical mistakes of a softmax along ``axis`` (moderate logits)."""
    ax = axis % z.ndim
    for other in range(z.ndim):
        if other != ax and _matches(got, softmax(z, axis=other)):
            raise ExerciseFailed(
                f"with axis={axis} the result is normalised along axis {other} instead: each slice along "
                f"axis {axis} must sum to 1. Use the `axis` argument in both the max and the sum."
            )
    arr = np.asarray(got, dtype=float) if got is not None else None
    if arr is not None and arr.shape == z.shape and np.isfinite(arr).all():
        sums = arr.sum(axis=ax)
        if not np.allclose(sums, 1.0, rtol=0.0, atol=1e-9) and not np.isclose(arr.sum(), 1.0, rtol=0.0, atol=1e-9):
            raise ExerciseFailed(
                f"the slices along axis={axis} sum to {float(sums.min()):.4g}…{float(sums.max()):.4g}, not 1: "
                f"divide the exponentials by their sum along that axis."
            )
    e = np.exp(z - z.max())
    if _matches(got, e / e.sum()):
        raise ExerciseFailed(
            f"the whole array sums to 1: sum along axis={axis} only, with keepdims=True so it broadcasts."
        )


@exercise(
    "3.4",
    "a stable softmax along an axis",
    hint="Subtract z.max(axis=axis, keepdims=True), exponentiate, divide by the sum along the same axis "
    "(keepdims=True).",
)
def check_softmax(softmax_fn: Callable[..., np.ndarray]) -> None:
    """Check ``softmax(z, axis)`` normalises along ``axis`` and survives logits of ±1000."""
    rng = np.random.default_rng(3)
    z = rng.normal(scale=2.0, size=(2, 3, 4))
    for axis in (1, -1):
        got = _quietly(softmax_fn, z, axis=axis)
        _softmax_mistakes(got, z, axis)
        compare(f"softmax(z, axis={axis})", got, softmax(z, axis=axis), atol=1e-12)

    # Large logits, with rows at very different scales.
    big = np.array([[1000.0, 999.0, -1000.0, 998.0, 0.0], [-1000.0, -1001.0, -999.0, -1002.5, -1000.5]])
    expected = softmax(big, axis=-1)
    got = _quietly(softmax_fn, big, axis=-1)
    arr = np.asarray(got, dtype=float) if got is not None else None
    if arr is not None and arr.shape == big.shape and not np.isfinite(arr[0]).all():
        raise ExerciseFailed(
            "NaN or infinity for logits near 1000: e^1000 overflows to inf in float64 and inf/inf is NaN. "
            "Subtract the maximum along the axis before exponentiating (it cancels in the ratio)."
        )
    if arr is not None and arr.shape == big.shape and not np.isfinite(arr[1]).all():
        raise ExerciseFailed(
            "NaN for the row of logits near −1000: every e^z underflowed to 0 and 0/0 is NaN. Subtract each "
            "slice's own maximum (max along the axis, keepdims=True), not the maximum of the whole array."
        )
    compare("softmax(z, axis=-1) for logits near ±1000", got, expected, atol=1e-12)


@exercise(
    "3.5",
    "the softmax Jacobian",
    hint="p = softmax(z); return np.diag(p) - np.outer(p, p), the (K, K) matrix of ∂p_i/∂z_j.",
)
def check_softmax_jacobian(softmax_jacobian: Callable[[np.ndarray], np.ndarray]) -> None:
    """Check ``softmax_jacobian(z)`` for one logit vector z of shape (K,) returns diag(p) − p pᵀ."""
    rng = np.random.default_rng(4)
    z = rng.normal(scale=1.5, size=5)
    p = softmax(z)
    expected = np.diag(p) - np.outer(p, p)
    got = _quietly(softmax_jacobian, z.copy())
    if _matches(got, p * (1 - p)):
        raise ExerciseFailed(
            "the result is the vector p(1 − p): that is only the diagonal. The Jacobian is the (K, K) "
            "matrix with ∂p_i/∂z_j = −p_i p_j off the diagonal."
        )
    if _matches(got, np.diag(p * (1 - p))):
        raise ExerciseFailed("only the diagonal p_i(1 − p_i) is filled: the off-diagonal entries −p_i p_j are missing.")
    if _matches(got, np.diag(p)):
        raise ExerciseFailed("the result is diag(p): the term − p pᵀ is missing.")
    if _matches(got, -np.outer(p, p)):
        raise ExerciseFailed("the result is − p pᵀ: the term diag(p) is missing.")
    if _matches(got, np.diag(z) - np.outer(z, z)):
        raise ExerciseFailed("the formula was applied to the logits z; it needs the probabilities p = softmax(z).")
    compare("softmax_jacobian(z)", got, expected, atol=1e-12)
