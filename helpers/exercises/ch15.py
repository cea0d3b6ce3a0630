"""Checks for the exercises of notebook 15 (case: pre-train, then fine-tune).

- 15.1 BERT's corruption rule: 80 % ``[MASK]``, 10 % a random id, 10 % unchanged;
- 15.2 the accuracy of masked-character predictions, over masked positions only;
- 15.3 mean pooling of hidden states over real (non-padding) characters.

Each check builds its own inputs with a fixed generator and shapes that all differ, tests the
typical mistakes first with a message that names them, and ends with
:func:`helpers.checks.compare`. References are NumPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

__all__ = ["check_corrupt", "check_masked_accuracy", "check_mean_pool"]


def _corrupt(ids: np.ndarray, chosen: np.ndarray, u: np.ndarray, random_ids: np.ndarray, mask_id: int) -> np.ndarray:
    out = ids.copy()
    out[chosen & (u < 0.8)] = mask_id
    pick = chosen & (u >= 0.8) & (u < 0.9)
    out[pick] = random_ids[pick]
    return out


def _none(got: object) -> None:
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")


@exercise(
    "15.1",
    "BERT's corruption rule",
    hint="Copy ids; where chosen & (u < 0.8) put mask_id; where chosen & (0.8 <= u < 0.9) put random_ids; "
    "leave the rest.",
)
def check_corrupt(corrupt: Callable[..., np.ndarray]) -> None:
    """Check ``corrupt(ids, chosen, u, random_ids, mask_id)`` -> a new (B, T) int array."""
    rng = np.random.default_rng(151)
    ids = rng.integers(5, 40, size=(6, 9))
    chosen = rng.random((6, 9)) < 0.5
    u = rng.random((6, 9))
    # make sure every case occurs: masked, random, unchanged, and an unchosen position with small u
    chosen[0, :4] = True
    u[0, :4] = [0.1, 0.85, 0.95, 0.5]
    chosen[1, 0], u[1, 0] = False, 0.05
    random_ids = rng.integers(5, 40, size=(6, 9))
    random_ids[random_ids == ids] += 1  # a random replacement always differs here, so it is visible
    mask_id = 3
    before = ids.copy()
    expected = _corrupt(ids, chosen, u, random_ids, mask_id)
    got = corrupt(ids, chosen, u, random_ids, mask_id)
    _none(got)
    if not np.array_equal(ids, before):
        raise ExerciseFailed("`ids` was changed in place; work on a copy (np.array(ids, copy=True)).")
    got = np.asarray(got)
    if got.shape != expected.shape:
        raise ExerciseFailed(f"the result should have the shape of ids {expected.shape}, got {got.shape}.")
    if got[1, 0] == mask_id:
        raise ExerciseFailed("a position that was not chosen was masked: combine every rule with `chosen`.")
    if np.array_equal(got, np.where(chosen, mask_id, ids)):
        raise ExerciseFailed("every chosen position became mask_id; only those with u < 0.8 should (80 %).")
    if np.array_equal(got, _corrupt(ids, chosen, 1 - u, random_ids, mask_id)):
        raise ExerciseFailed("the thresholds are reversed: mask where u < 0.8, random where 0.8 <= u < 0.9.")
    if got[0, 1] != random_ids[0, 1]:
        raise ExerciseFailed("chosen positions with 0.8 <= u < 0.9 should take the id from random_ids (10 %).")
    if got[0, 2] != ids[0, 2]:
        raise ExerciseFailed("chosen positions with u >= 0.9 should keep their original id (10 %).")
    compare("corrupted ids", got, expected)


@exercise(
    "15.2",
    "masked-prediction accuracy",
    hint="correct = argmax(logits, axis=-1) == targets; return sum(correct * weights) / sum(weights).",
)
def check_masked_accuracy(masked_accuracy: Callable[[np.ndarray, np.ndarray, np.ndarray], float]) -> None:
    """Check ``masked_accuracy(logits (B, P, V), targets (B, P), weights (B, P))`` -> float."""
    rng = np.random.default_rng(152)
    b, p, v = 5, 7, 11
    logits = rng.normal(size=(b, p, v))
    targets = rng.integers(0, v, size=(b, p))
    # about half the predictions right; padding slots (weight 0) are all right, so counting them shows
    right = rng.random((b, p)) < 0.4
    weights = (rng.random((b, p)) < 0.6).astype(float)
    weights[0, 0] = 1.0
    right |= weights == 0
    for i, j in zip(*np.nonzero(right), strict=True):
        logits[i, j, targets[i, j]] = logits[i, j].max() + 1.0
    correct = logits.argmax(-1) == targets
    expected = float(np.sum(correct * weights) / np.sum(weights))
    got = masked_accuracy(logits, targets, weights)
    _none(got)
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"the result should be one number, got shape {np.shape(got)}.")
    if np.isclose(got, correct.mean()):
        raise ExerciseFailed("this averages over every slot, padding included; count only positions with weight 1.")
    if np.isclose(got, np.sum(correct * weights)):
        raise ExerciseFailed("this is a count of correct masked positions; divide by the number of masked positions.")
    if np.isclose(got, np.sum(correct * weights) / weights.size):
        raise ExerciseFailed("divided by all slots; divide by sum(weights), the number of masked positions.")
    compare("masked accuracy", got, expected)


@exercise(
    "15.3",
    "mean pooling over real characters",
    hint="mask = (ids != 0)[:, :, None]; return (hidden * mask).sum(axis=1) / mask.sum(axis=1).",
)
def check_mean_pool(mean_pool: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``mean_pool(hidden (B, T, d), ids (B, T))`` -> (B, d), the mean over positions with ids != 0."""
    rng = np.random.default_rng(153)
    b, t, d = 4, 6, 3
    hidden = rng.normal(size=(b, t, d)) + 1.0
    lengths = np.array([6, 2, 4, 1])
    ids = np.where(np.arange(t)[None, :] < lengths[:, None], rng.integers(3, 50, size=(b, t)), 0)
    mask = (ids != 0)[:, :, None]
    expected = (hidden * mask).sum(axis=1) / mask.sum(axis=1)
    got = mean_pool(hidden, ids)
    _none(got)
    got = np.asarray(got, dtype=float)
    if got.shape == (b, t):
        raise ExerciseFailed(f"pooled over the wrong axis: the result should be (B, d) = {(b, d)}, got {got.shape}.")
    if got.shape == (d,) or got.shape == (t, d):
        raise ExerciseFailed(f"the batch axis was averaged away: the result should be (B, d) = {(b, d)}.")
    if got.shape == expected.shape:
        if np.allclose(got, hidden.mean(axis=1)):
            raise ExerciseFailed("padding positions were averaged in; average only where ids != 0.")
        if np.allclose(got, (hidden * mask).sum(axis=1) / t):
            raise ExerciseFailed("divided by T, padding included; divide by the number of real characters.")
        if np.allclose(got, (hidden * mask).sum(axis=1)):
            raise ExerciseFailed("this is a sum; divide by the number of real characters for the mean.")
    compare("pooled", got, expected)
