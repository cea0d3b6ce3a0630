"""Checks for the exercises of notebook 17 (efficiency and scale): pruning, int8, data parallelism."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _prune_reference(w: np.ndarray, sparsity: float) -> np.ndarray:
    k = int(round(sparsity * w.size))
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[:k]] = 0.0
    return out.reshape(w.shape)


@exercise(
    "17.1",
    "magnitude pruning",
    hint="Rank the entries by |w|; set the round(sparsity * w.size) smallest to 0 in a copy of w.",
)
def check_prune_smallest(prune_smallest: Callable[[np.ndarray, float], np.ndarray]) -> None:
    """Check ``prune_smallest(w, sparsity)`` zeroes the ``round(sparsity * n)`` smallest-magnitude entries."""
    rng = np.random.default_rng(170)
    w = rng.normal(size=(6, 9))
    original = w.copy()
    for s in (0.5, 0.25, 0.9):
        got = prune_smallest(w, s)
        if got is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` the pruned array?")
        if not np.array_equal(w, original):
            raise ExerciseFailed("the input `w` was changed in place; prune a copy (w.copy()) and return it.")
        got = np.asarray(got)
        if got.shape == w.shape:
            k = int(round(s * w.size))
            if np.array_equal(got, _prune_reference(w, 1 - s)) and k != w.size - k:
                raise ExerciseFailed(
                    f"it pruned {w.size - k} entries for sparsity {s}: `sparsity` is the fraction set to zero, "
                    "not the fraction kept."
                )
            largest = w.copy().ravel()
            largest[np.argsort(-np.abs(largest), kind="stable")[:k]] = 0.0
            if np.array_equal(got, largest.reshape(w.shape)):
                raise ExerciseFailed("it pruned the LARGEST weights; magnitude pruning removes the smallest |w|.")
            signed = w.copy().ravel()
            signed[np.argsort(signed, kind="stable")[:k]] = 0.0
            if np.array_equal(got, signed.reshape(w.shape)):
                raise ExerciseFailed("it ranked by w, so large negative weights were pruned; rank by |w| (np.abs).")
            if np.count_nonzero(got == 0) != k:
                raise ExerciseFailed(
                    f"for sparsity {s} it zeroed {np.count_nonzero(got == 0)} of {w.size}, expected {k}."
                )
        compare(f"prune_smallest(w, {s})", got, _prune_reference(w, s))


def _quantize_reference(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.max(np.abs(w), axis=0) / 127.0
    return np.rint(w / scale).astype(np.int8), scale


@exercise(
    "17.2",
    "per-channel int8 quantisation",
    hint="scale = max|w| over axis 0 (one per column) / 127; q = np.rint(w / scale).astype(np.int8).",
)
def check_quantize_per_channel(quantize_per_channel: Callable[[np.ndarray], tuple[Any, Any]]) -> None:
    """Check ``quantize_per_channel(w)`` returns symmetric int8 ``q`` and one scale per output column."""
    rng = np.random.default_rng(171)
    d_in, d_out = 7, 5
    w = rng.normal(size=(d_in, d_out)) * np.array([0.01, 0.1, 1.0, 3.0, 0.5])  # very different column ranges
    result = quantize_per_channel(w)
    if not isinstance(result, tuple) or len(result) != 2:
        raise ExerciseFailed("return a pair (q, scale).")
    q, scale = np.asarray(result[0]), np.asarray(result[1], dtype=float)
    q_ref, scale_ref = _quantize_reference(w)
    if scale.shape == (d_in,):
        raise ExerciseFailed(
            f"`scale` has shape ({d_in},): one per ROW (input); a Dense kernel's channels are its columns, "
            "so take the max over axis 0."
        )
    if scale.size == 1 or (scale.shape == (d_out,) and np.allclose(scale, scale[0])):
        raise ExerciseFailed("all columns share one scale: that is per-TENSOR; take max|w| per column (axis=0).")
    if scale.shape == (d_out,):
        for divisor in (128.0, 255.0, 256.0):
            if np.allclose(scale, np.max(np.abs(w), axis=0) / divisor):
                raise ExerciseFailed(
                    f"the scale divides by {divisor:g}; symmetric int8 uses 127 so that ±max|w| maps to ±127."
                )
    compare("scale", scale, scale_ref)
    if not np.issubdtype(q.dtype, np.integer):
        raise ExerciseFailed(f"`q` has dtype {q.dtype}; store integers: .astype(np.int8).")
    if (
        q.shape == w.shape
        and np.array_equal(q, np.floor(w / scale_ref).astype(np.int8))
        and not np.array_equal(q, q_ref)
    ):
        raise ExerciseFailed("`q` was truncated with floor; round to the nearest integer (np.rint).")
    compare("q", q.astype(float), q_ref.astype(float))


def _speedup_reference(n: int, t_compute: float, n_bytes: float, bandwidth: float, latency: float) -> float:
    def t(k: int) -> float:
        return t_compute / k + 2 * (k - 1) * (latency + n_bytes / (k * bandwidth))

    return t(1) / t(n)


@exercise(
    "17.3",
    "data-parallel speed-up",
    hint="t(N) = t_compute/N + 2(N-1)/N * n_bytes/bandwidth + 2(N-1) * latency; return t(1) / t(N).",
)
def check_speedup(speedup: Callable[[int, float, float, float, float], float]) -> None:
    """Check ``speedup(n_devices, t_compute, n_bytes, bandwidth, latency)`` against the ring all-reduce model."""
    cases = [
        (4, 0.8, 4e8, 1e10, 1e-5),
        (8, 2.0, 1.2e9, 5e10, 3e-5),
        (16, 0.3, 2e8, 2.5e10, 2e-4),
        (1, 0.5, 1e8, 1e9, 1e-3),
    ]
    for n, tc, nb, bw, lat in cases:
        got = speedup(n, tc, nb, bw, lat)
        if got is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` the speed-up?")
        expected = _speedup_reference(n, tc, nb, bw, lat)
        t_n = tc / n + 2 * (n - 1) * (lat + nb / (n * bw))
        if n > 1:
            if np.isclose(got, t_n):
                raise ExerciseFailed("it returned the step time t(N); the speed-up is t(1) / t(N).")
            if np.isclose(got, float(n)):
                raise ExerciseFailed("it returned N: the ideal speed-up ignores the all-reduce time.")
            no_latency = tc / (tc / n + 2 * (n - 1) * nb / (n * bw))
            if np.isclose(got, no_latency):
                raise ExerciseFailed("the latency term 2(N-1)·latency is missing from t(N).")
            half = tc / (tc / n + (n - 1) * (lat + nb / (n * bw)))
            if np.isclose(got, half):
                raise ExerciseFailed("the all-reduce takes 2(N-1) steps (reduce-scatter, then all-gather), not N-1.")
            no_split = tc / (tc / n + 2 * (n - 1) * (lat + nb / bw))
            if np.isclose(got, no_split):
                raise ExerciseFailed("each ring step sends n_bytes/N (one chunk), not all n_bytes.")
        compare(f"speedup(N={n})", got, expected)


@exercise(
    "17.4",
    "the per-replica loss",
    hint="Sum the replica's per-example losses and divide by the GLOBAL batch size (not the replica's).",
)
def check_replica_loss(replica_loss: Callable[[np.ndarray, int], float]) -> None:
    """Check ``replica_loss(per_example, global_batch_size)`` = sum(per_example) / global_batch_size."""
    rng = np.random.default_rng(174)
    global_batch, n_replicas = 24, 3
    losses = rng.exponential(size=global_batch)
    parts = np.split(losses, n_replicas)
    got = [replica_loss(p, global_batch) for p in parts]
    if any(g is None for g in got):
        raise ExerciseFailed("the function returned None: did it forget to `return` the loss?")
    if np.allclose(got, [p.mean() for p in parts]):
        raise ExerciseFailed(
            "it averaged over the replica's own examples; the all-reduce SUMS the replicas' gradients, "
            f"so the update would be {n_replicas}× too large. Divide by the global batch size."
        )
    if np.allclose(got, [p.sum() / global_batch / n_replicas for p in parts]):
        raise ExerciseFailed("it divided by the number of replicas as well; sum / global_batch_size is all it takes.")
    compare("sum over replicas of replica_loss", float(np.sum(got)), float(losses.mean()))
    compare("replica_loss(first replica)", got[0], parts[0].sum() / global_batch)
