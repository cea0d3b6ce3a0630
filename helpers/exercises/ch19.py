"""Checks for the exercises of notebook 19 (errata): repair three kinds of error the articles make."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@exercise(
    "19.1",
    "the gradient of a sigmoid neuron's squared loss",
    hint="With p = σ(Xw + b) and r = (p − y) p (1 − p): dw = Xᵀ r, db = Σ r.",
)
def check_neuron_gradient(
    neuron_gradient: Callable[[np.ndarray, np.ndarray, np.ndarray, float], tuple[np.ndarray, float]],
) -> None:
    """Check ``neuron_gradient(X, y, w, b)`` returns (∂L/∂w, ∂L/∂b) for L = ½ Σ (yᵢ − σ(xᵢ·w + b))²."""
    rng = np.random.default_rng(19)
    n, d = 9, 4  # all different
    X, y = rng.normal(size=(n, d)), rng.integers(0, 2, size=n).astype(float)
    w, b = rng.normal(scale=0.7, size=d), 0.3
    p = _sigmoid(X @ w + b)
    r = (p - y) * p * (1 - p)
    dw_expected, db_expected = X.T @ r, float(r.sum())
    result = neuron_gradient(X, y, w, b)
    if result is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` (dw, db)?")
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise ExerciseFailed("return a pair (dw, db): the gradient for the weights and for the bias.")
    dw, db = result
    dw_arr = np.asarray(dw, dtype=float)
    if dw_arr.shape == dw_expected.shape:
        if np.allclose(dw_arr, -dw_expected) and np.isclose(float(np.sum(db)), -db_expected):
            raise ExerciseFailed(
                "the sign is reversed: that is Σ σ'(y − σ) x, article 003's formula; "
                "differentiating (y − σ)² brings out −σ'."
            )
        if np.allclose(dw_arr, X.T @ (p - y)):
            raise ExerciseFailed(
                "σ'(z) = σ(z)(1 − σ(z)) is missing: that is the gradient of cross-entropy, not of ½(y − σ)²."
            )
        if np.allclose(dw_arr, dw_expected / n):
            raise ExerciseFailed("the gradient is divided by N: L is a sum over examples, not a mean.")
    compare("dw", dw, dw_expected)
    if np.ndim(db) != 0:
        raise ExerciseFailed(f"`db` should be one number (the bias is a scalar), got shape {np.shape(db)}.")
    compare("db", db, db_expected)


@exercise(
    "19.2",
    "output size of a convolution or pooling layer",
    hint="floor((n + 2·padding − kernel) / stride) + 1, with integer division //.",
)
def check_conv_output_size(conv_output_size: Callable[..., int]) -> None:
    """Check ``conv_output_size(n, kernel, stride=1, padding=0)`` on convolutions and poolings."""
    cases = [
        ((32, 3), 30),
        ((30, 2, 2), 15),
        ((28, 5, 1, 2), 28),
        ((7, 3, 2, 1), 4),
        ((15, 2, 2), 7),
        ((224, 7, 2, 3), 112),
    ]
    for args, expected in cases:
        got = conv_output_size(*args)
        if got is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` the size?")
        if not isinstance(got, int | np.integer):
            raise ExerciseFailed(
                f"conv_output_size{args} returned {got!r} of type {type(got).__name__}; "
                "a size is a whole number: use integer division //."
            )
        n, kernel = args[0], args[1]
        stride = args[2] if len(args) > 2 else 1
        padding = args[3] if len(args) > 3 else 0
        if stride != 1 and got == n - kernel + 1 and expected != got:
            raise ExerciseFailed(f"conv_output_size{args} = {got}: the stride and padding are ignored.")
        if got == (n - kernel) // stride + 1 and expected != got:
            raise ExerciseFailed(f"conv_output_size{args} = {got}: the padding is missing (add 2·padding to n).")
        if got == (n + padding - kernel) // stride + 1 and expected != got:
            raise ExerciseFailed(f"conv_output_size{args} = {got}: padding goes on both sides, so add 2·padding.")
        if got == -(-(n + 2 * padding - kernel) // stride) + 1 and expected != got:
            raise ExerciseFailed(f"conv_output_size{args} = {got}: round down (floor), not up.")
        if got != expected:
            raise ExerciseFailed(f"conv_output_size{args} = {got}, expected {expected}.")
    compare("flatten size of article 003's network", 3 * conv_output_size(conv_output_size(32, 3), 2, 2) ** 2, 675)


@exercise(
    "19.3",
    "a softmax that returns a distribution",
    hint="e = exp(Z − Z.max(axis=1, keepdims=True)); return e / e.sum(axis=1, keepdims=True).",
)
def check_softmax_rows(softmax_rows: Callable[[np.ndarray], np.ndarray]) -> None:
    """Check ``softmax_rows(Z)`` is the row-wise softmax, stable for large logits."""
    rng = np.random.default_rng(1919)
    Z = rng.normal(scale=2.0, size=(5, 7))
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    got = softmax_rows(Z.copy())
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the probabilities?")
    got_arr = np.asarray(got, dtype=float)
    if got_arr.shape == Z.shape:
        col = np.exp(Z - Z.max(axis=0, keepdims=True))
        if np.allclose(got_arr, col / col.sum(axis=0, keepdims=True)):
            raise ExerciseFailed("the softmax runs down the columns (axis=0); each row is one example: use axis=1.")
        if np.allclose(got_arr, np.exp(Z) / np.exp(Z).sum()):
            raise ExerciseFailed("the whole matrix sums to 1; each row must sum to 1 (sum with axis=1, keepdims=True).")
        if np.allclose(got_arr, _sigmoid(Z)):
            raise ExerciseFailed("that is the element-wise sigmoid: its rows do not sum to 1.")
    compare("softmax_rows(Z)", got, expected)
    big = np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -1002.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        got_big = np.asarray(softmax_rows(big.copy()), dtype=float)
    if not np.all(np.isfinite(got_big)):
        raise ExerciseFailed("logits of ±1000 give NaN or inf: subtract each row's maximum before exp.")
    e_big = np.exp(big - big.max(axis=1, keepdims=True))
    compare("softmax_rows of large logits", got_big, e_big / e_big.sum(axis=1, keepdims=True))
