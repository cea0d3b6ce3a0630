"""Checks for the exercises of notebook 18 (privacy and trust): unique rows under quasi-identifiers,
per-example clipping, the DP-SGD noisy gradient, and integrated gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _table() -> Any:
    import pandas as pd  # only this check needs pandas

    rng = np.random.default_rng(18)
    n = 23
    return pd.DataFrame(
        {
            "age": rng.integers(20, 26, size=n),
            "home": rng.choice(["rent", "owner", "parents"], size=n),
            "job": rng.choice(["fixed", "freelance"], size=n),
            "income": rng.integers(50, 300, size=n),
        }
    )


def _unique_count(table: Any, qis: Sequence[str]) -> int:
    counts = table.value_counts(list(qis), dropna=False)
    return int((counts == 1).sum())


@exercise(
    "18.1",
    "rows unique on the quasi-identifiers",
    hint="table.value_counts(quasi_identifiers) counts each combination; count the combinations seen once.",
)
def check_count_unique(count_unique: Callable[[Any, Sequence[str]], int]) -> None:
    """Check ``count_unique(table, quasi_identifiers)`` counts rows whose combination occurs once."""
    table = _table()
    for qis in (["age", "home"], ["age", "home", "job"]):
        expected = _unique_count(table, qis)
        counts = table.value_counts(qis)
        got = count_unique(table.copy(), qis)
        if got is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
        if np.ndim(got) != 0:
            raise ExerciseFailed(f"the result should be one number, got something of shape {np.shape(got)}.")
        if expected != len(counts) and np.isclose(got, len(counts)):
            raise ExerciseFailed(
                "this is the number of distinct combinations; count only the rows whose combination occurs once."
            )
        if np.isclose(got, expected / len(table)) and expected:
            raise ExerciseFailed("this is the fraction of unique rows; return their number.")
        if np.isclose(got, int(counts.min())) and expected != int(counts.min()):
            raise ExerciseFailed("this is k (the smallest class size); count the rows in classes of size 1.")
        if np.isclose(got, len(table) - expected) and expected != len(table) - expected:
            raise ExerciseFailed("this counts the rows that are NOT unique; count those whose combination occurs once.")
        compare(f"count_unique(table, {qis})", got, expected)


def _clip(G: np.ndarray, C: float) -> np.ndarray:
    norms = np.linalg.norm(G, axis=1, keepdims=True)
    return G * np.minimum(1.0, C / norms)


@exercise(
    "18.2",
    "per-example gradient clipping",
    hint="norms = np.linalg.norm(G, axis=1, keepdims=True); multiply each row by min(1, C / its norm).",
)
def check_clip_rows(clip_rows: Callable[[np.ndarray, float], np.ndarray]) -> None:
    """Check ``clip_rows(G, C)`` scales each row of G down to L2 norm at most C."""
    rng = np.random.default_rng(182)
    G = rng.normal(size=(9, 5)) * rng.uniform(0.1, 3.0, size=(9, 1))
    C = 1.5
    expected = _clip(G, C)
    got = np.asarray(clip_rows(G.copy(), C), dtype=float)
    if got.shape != G.shape:
        raise ExerciseFailed(f"the result should have G's shape {G.shape}, got {got.shape}.")
    if np.allclose(got, np.clip(G, -C, C)):
        raise ExerciseFailed("this clips each entry to [-C, C]; clip each row's L2 norm instead.")
    if np.allclose(got, G * min(1.0, C / np.linalg.norm(G))):
        raise ExerciseFailed("this clips the whole batch's norm; clip each example (each row) separately.")
    if np.allclose(got, C * G / np.linalg.norm(G, axis=1, keepdims=True)):
        raise ExerciseFailed("every row now has norm C: rows already shorter than C must stay unchanged (min(1, ...)).")
    if np.allclose(got, G * np.minimum(1.0, C / np.linalg.norm(G, axis=0, keepdims=True))):
        raise ExerciseFailed("the norms were taken over columns (axis=0); each example is a row (axis=1).")
    compare("clip_rows(G, C)", got, expected)


@exercise(
    "18.3",
    "the DP-SGD noisy gradient",
    hint="(sum of the clipped rows + sigma * C * z) / B, with the rows clipped to norm C first.",
)
def check_private_gradient(
    private_gradient: Callable[[np.ndarray, float, float, np.ndarray, float], np.ndarray],
) -> None:
    """Check ``private_gradient(G, C, sigma, z, B)`` returns (Σ clip(gᵢ) + σ C z) / B."""
    rng = np.random.default_rng(183)
    G = rng.normal(size=(7, 4)) * rng.uniform(0.2, 3.0, size=(7, 1))
    C, sigma, B = 1.25, 0.75, 8.5
    z = rng.normal(size=4)
    clipped = _clip(G, C)
    expected = (clipped.sum(axis=0) + sigma * C * z) / B
    got = np.asarray(private_gradient(G.copy(), C, sigma, z.copy(), B), dtype=float)
    if got.shape != (4,):
        raise ExerciseFailed(f"the result should be one gradient of shape (4,), got shape {got.shape}.")
    if np.allclose(got, (G.sum(axis=0) + sigma * C * z) / B):
        raise ExerciseFailed("the rows were not clipped before summing: clip each row to norm C first.")
    if np.allclose(got, (clipped.sum(axis=0) + sigma * z) / B):
        raise ExerciseFailed("the noise was not scaled by C: its standard deviation is sigma * C.")
    if np.allclose(got, (clipped.sum(axis=0) + sigma * C * z) / len(G)):
        raise ExerciseFailed("this divides by the batch's actual size; divide by the expected batch size B.")
    if np.allclose(got, clipped.sum(axis=0) / B + sigma * C * z):
        raise ExerciseFailed("the noise was added after dividing by B; add it to the sum, then divide.")
    if np.allclose(got, clipped.sum(axis=0) / B):
        raise ExerciseFailed("no noise was added: add sigma * C * z to the sum of the clipped rows.")
    compare("private_gradient(G, C, sigma, z, B)", got, expected)


def _f(x: np.ndarray) -> np.ndarray:
    """f(x) = tanh(x0 + 2 x1) + x2² x3, applied to each row."""
    return np.tanh(x[..., 0] + 2 * x[..., 1]) + x[..., 2] ** 2 * x[..., 3]


def _grad_f(x: np.ndarray) -> np.ndarray:
    x = np.atleast_2d(x)
    s = 1 - np.tanh(x[:, 0] + 2 * x[:, 1]) ** 2
    g = np.zeros_like(x)
    g[:, 0], g[:, 1], g[:, 2], g[:, 3] = s, 2 * s, 2 * x[:, 2] * x[:, 3], x[:, 2] ** 2
    return g


def _ig_exact(x: np.ndarray, base: np.ndarray, points: int = 20001) -> np.ndarray:
    alphas = np.linspace(0.0, 1.0, points)
    grads = _grad_f(base + alphas[:, None] * (x - base))
    return (x - base) * np.trapezoid(grads, alphas, axis=0)


@exercise(
    "18.4",
    "integrated gradients",
    hint="Average grad_fn over points baseline + a (x - baseline), a from 0 to 1, then multiply by (x - baseline).",
)
def check_integrated_gradients(
    integrated_gradients: Callable[[Callable[[np.ndarray], np.ndarray], np.ndarray, np.ndarray, int], np.ndarray],
) -> None:
    """Check ``integrated_gradients(grad_fn, x, baseline, steps)`` for a (D,) input against the exact integral."""
    x = np.array([0.9, -0.4, 1.3, 0.7])
    base = np.array([-0.2, 0.3, 0.1, -0.5])
    expected = _ig_exact(x, base)
    got = np.asarray(integrated_gradients(_grad_f, x.copy(), base.copy(), 200), dtype=float)
    if got.shape != x.shape:
        raise ExerciseFailed(f"the result should have x's shape {x.shape}, got {got.shape}.")
    if np.allclose(got, _grad_f(x)[0] * (x - base), atol=1e-6):
        raise ExerciseFailed("this is the gradient at x times (x - baseline); average the gradient along the path.")
    if np.allclose(got, expected / (x - base), atol=1e-3):
        raise ExerciseFailed("this is the path-averaged gradient; multiply it by (x - baseline).")
    if np.allclose(got, _grad_f(x)[0] * x, atol=1e-6):
        raise ExerciseFailed("this is gradient × input; integrated gradients average along the path from the baseline.")
    gap = abs(float(got.sum()) - float(_f(x) - _f(base)))
    if gap > 1e-3:
        raise ExerciseFailed(
            f"the attributions sum to {got.sum():.6f}, not f(x) - f(baseline) = {float(_f(x) - _f(base)):.6f} "
            "(completeness fails): check the path points and the averaging weights."
        )
    compare("integrated_gradients(grad_fn, x, baseline, 200)", got, expected, rtol=1e-3, atol=1e-4)
