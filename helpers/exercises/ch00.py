"""Checks for the exercises of notebook 00 (start here): the notation, and how checks work."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


@exercise("0.1", "logits of a dense layer", hint="Z = X @ W + b; X is (N, D), W is (D, K), b is (K,).")
def check_logits(logits: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``logits(X, W, b)`` computes ``Z = X W + b`` in the course's row convention."""
    rng = np.random.default_rng(0)
    n, d, k = 5, 3, 4  # all different, so a transposed matrix cannot slip through
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, k)), rng.normal(size=k)
    got = logits(X, W, b)
    if np.shape(got) == (n, k) and np.allclose(got, X @ W):
        raise ExerciseFailed("`Z` equals X @ W: the bias b was not added.")
    compare("Z", got, X @ W + b)


@exercise("0.2", "mean squared error", hint="Average the squared differences over all N examples.")
def check_mean_squared_error(mse: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``mse(y, y_hat)`` returns (1/N) Σ (ŷᵢ − yᵢ)² as a scalar."""
    rng = np.random.default_rng(1)
    y, y_hat = rng.normal(size=7), rng.normal(size=7)
    expected = float(np.mean((y_hat - y) ** 2))
    got = mse(y, y_hat)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"the result should be one number, got an array of shape {np.shape(got)}.")
    if np.isclose(got, np.sqrt(expected)):
        raise ExerciseFailed("this is the root of the mean squared error (RMSE); drop the square root.")
    compare("mse(y, y_hat)", got, expected)
