"""Checks for the exercises of notebook 12 (case: recommendation): NDCG@k, regularised item biases,
and the biased matrix-factorisation prediction."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _ndcg(ranks: np.ndarray, k: int) -> np.ndarray:
    return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)


@exercise(
    "12.1",
    "NDCG@k for one held-out item",
    hint="For 0-based ranks: 1 / log2(rank + 2) where rank < k, else 0 (np.where).",
)
def check_ndcg_at_k(ndcg_at_k: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``ndcg_at_k(ranks, k)`` returns 1/log2(rank + 2) for ranks below k and 0 otherwise."""
    rng = np.random.default_rng(12)
    k = 7
    ranks = np.concatenate([np.arange(12), rng.integers(0, 30, size=9)])
    expected = _ndcg(ranks, k)
    got = np.asarray(ndcg_at_k(ranks, k), dtype=float)
    if got.shape != ranks.shape:
        raise ExerciseFailed(
            f"the result should have one value per rank, shape {ranks.shape}; got shape {got.shape} "
            "(did you average? return the per-user values)."
        )
    if np.any(~np.isfinite(got)):
        raise ExerciseFailed(
            "the result has inf or NaN: with 0-based ranks the discount is log2(rank + 2), not log2(rank + 1)."
        )
    if np.allclose(got, np.where(ranks <= k, 1.0 / np.log2(ranks + 2.0), 0.0)):
        raise ExerciseFailed("rank k itself counts as a hit: with 0-based ranks the top k are ranks 0..k-1 (rank < k).")
    if np.allclose(got, (ranks < k).astype(float)):
        raise ExerciseFailed("this is the hit rate: NDCG also discounts a hit by 1 / log2(rank + 2).")
    if np.allclose(got, np.where(ranks < k, 1.0 / np.log(ranks + 2.0), 0.0)):
        raise ExerciseFailed("the discount uses the natural log; NDCG uses log base 2 (np.log2).")
    if np.allclose(got, np.where(ranks < k, 1.0 / np.log2(ranks + 3.0), 0.0)):
        raise ExerciseFailed("the rank is off by one: a 0-based rank 0 (first place) must give 1 / log2(2) = 1.")
    compare("ndcg_at_k(ranks, k)", got, expected)


def _item_biases(items: np.ndarray, residuals: np.ndarray, n_items: int, lam: float) -> np.ndarray:
    sums = np.bincount(items, weights=residuals, minlength=n_items)
    counts = np.bincount(items, minlength=n_items)
    return sums / np.maximum(lam + counts, 1e-300) * (counts > 0)


@exercise(
    "12.2",
    "regularised item biases",
    hint="Per item: the sum of its residuals divided by (lam + its number of rows); np.bincount does both sums.",
)
def check_item_biases(item_biases: Callable[[np.ndarray, np.ndarray, int, float], np.ndarray]) -> None:
    """Check ``item_biases(items, residuals, n_items, lam)`` = Σ residual / (λ + nᵢ), 0 for items without rows."""
    rng = np.random.default_rng(122)
    n_items, n, lam = 9, 40, 2.5
    items = rng.integers(0, n_items - 2, size=n)  # the last two items have no rows
    residuals = rng.normal(0.3, 1.0, size=n)
    expected = _item_biases(items, residuals, n_items, lam)
    got = np.asarray(item_biases(items, residuals, n_items, lam), dtype=float)
    if got.shape != (n_items,):
        raise ExerciseFailed(f"the result should have one bias per item, shape ({n_items},); got shape {got.shape}.")
    if np.any(~np.isfinite(got)):
        raise ExerciseFailed("the result has inf or NaN: an item with no rows must get bias 0, not 0/0.")
    counts = np.bincount(items, minlength=n_items)
    sums = np.bincount(items, weights=residuals, minlength=n_items)
    seen = counts > 0
    if np.allclose(got[seen], sums[seen] / counts[seen]):
        raise ExerciseFailed("these are plain means: λ was not added to the count in the denominator (no shrinkage).")
    if np.allclose(got[seen], (sums[seen] + lam) / (counts[seen] + lam)) or np.allclose(
        got[seen], (sums[seen] + lam) / counts[seen]
    ):
        raise ExerciseFailed("λ was added to the sum of residuals; it belongs in the denominator only: Σ / (λ + n_i).")
    if np.allclose(got[seen], sums[seen] / (lam * counts[seen])):
        raise ExerciseFailed("λ multiplies the count; it should be added: Σ / (λ + n_i).")
    compare("item_biases(...)", got, expected)


@exercise(
    "12.3",
    "biased matrix-factorisation prediction",
    hint="mu + b_u[users] + b_i[items] + the row-wise dot product np.sum(P[users] * Q[items], axis=1).",
)
def check_predict_ratings(predict_ratings: Callable[..., np.ndarray]) -> None:
    """Check ``predict_ratings(mu, b_u, b_i, P, Q, users, items)`` = μ + b_u + b_i + p_u·q_i per pair."""
    rng = np.random.default_rng(123)
    n_users, n_items, k, n = 6, 11, 4, 15
    mu = 3.5
    b_u, b_i = rng.normal(size=n_users), rng.normal(size=n_items)
    P, Q = rng.normal(size=(n_users, k)), rng.normal(size=(n_items, k))
    users, items = rng.integers(0, n_users, size=n), rng.integers(0, n_items, size=n)
    dot = np.sum(P[users] * Q[items], axis=1)
    expected = mu + b_u[users] + b_i[items] + dot
    got = np.asarray(predict_ratings(mu, b_u, b_i, P, Q, users, items), dtype=float)
    if got.shape == (n_users, n_items) or got.shape == (n, n):
        raise ExerciseFailed(
            f"the result has shape {got.shape}: that is a full matrix product; take the dot product of each "
            f"(user, item) pair only, shape ({n},)."
        )
    if got.shape == (n,):
        if np.allclose(got, dot):
            raise ExerciseFailed("only the dot product p_u·q_i: the global mean and both biases are missing.")
        if np.allclose(got, expected - mu):
            raise ExerciseFailed("the global mean mu was not added.")
        if np.allclose(got, mu + dot):
            raise ExerciseFailed("the user and item biases b_u[users] and b_i[items] were not added.")
        if np.allclose(got, mu + b_u[users] + b_i[items]):
            raise ExerciseFailed("the dot product p_u·q_i is missing: this is the bias baseline.")
    compare("predict_ratings(...)", got, expected)
