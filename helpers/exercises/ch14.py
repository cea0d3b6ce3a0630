"""Checks for the exercises of notebook 14 (case: diagnosis): thresholds, Brier score, explanations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _scalar(got: object, what: str) -> float:
    """``got`` as a float, or :class:`ExerciseFailed` naming ``what`` when it is no single number."""
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"{what} should be one number, got an array of shape {np.shape(got)}.")
    return float(got)  # type: ignore[arg-type]


def _recall(p: np.ndarray, y: np.ndarray, t: float) -> float:
    return float(np.mean(p[y == 1] >= t))


@exercise(
    "14.1",
    "the recall-first threshold",
    hint="sort the probabilities of the positives only; m = floor((1 - target) * n_pos) of them may fall below t.",
)
def check_recall_threshold(recall_threshold: Callable[[np.ndarray, np.ndarray, float], float]) -> None:
    """Check ``recall_threshold(p, y, target)``: the largest positive probability t with recall(t) ≥ target."""
    rng = np.random.default_rng(14)
    n = 67  # 22 positives: (1 - target) * 22 is not a whole number for 0.9, 0.75, 0.8
    y = (rng.random(n) < 0.4).astype(int)
    p = np.clip(0.35 * y + rng.random(n) * 0.65, 0.0, 1.0)
    n_pos = int(y.sum())
    for target in (0.9, 0.75, 0.8, 1.0):
        pos = np.sort(p[y == 1])
        m = int(np.floor((1 - target) * n_pos + 1e-9))
        expected = float(pos[m])
        got = _scalar(recall_threshold(p.copy(), y.copy(), target), "the threshold")
        if np.isclose(got, float(np.quantile(p, 1 - target))) and not np.isclose(got, expected):
            raise ExerciseFailed(
                "the threshold is a quantile of *all* probabilities; use only the positives' (y == 1)."
            )
        if m > 0 and np.isclose(got, float(pos[m - 1])):
            raise ExerciseFailed(
                f"for target {target} the threshold is one positive too low (recall {_recall(p, y, got):.3f}): "
                f"t can be raised to the next positive's probability and still keep recall ≥ target."
            )
        if _recall(p, y, got) < target - 1e-12:
            raise ExerciseFailed(
                f"for target {target}, recall at your threshold {got:.4f} is {_recall(p, y, got):.3f}, "
                f"below the target: too many positives fall below it (an off-by-one in m, or > instead of ≥?)."
            )
        if np.isclose(got, float(pos[0])) and m > 0:
            raise ExerciseFailed(
                f"for target {target} the threshold is the smallest positive probability (recall 1): correct "
                f"but too cautious; the largest threshold with recall ≥ target is wanted."
            )
        compare(f"recall_threshold(p, y, {target})", got, expected)


@exercise("14.2", "the Brier score", hint="np.mean((p - y) ** 2): the mean squared error of the probabilities.")
def check_brier_score(brier_score: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``brier_score(p, y)`` returns (1/N) Σ (pₙ − yₙ)²."""
    rng = np.random.default_rng(15)
    n = 23
    y = (rng.random(n) < 0.3).astype(int)
    p = rng.random(n)
    expected = float(np.mean((p - y) ** 2))
    got = _scalar(brier_score(p.copy(), y.copy()), "the Brier score")
    if np.isclose(got, np.sqrt(expected)):
        raise ExerciseFailed("this is the root of the Brier score; drop the square root.")
    if np.isclose(got, float(np.mean((1 - p - y) ** 2))):
        raise ExerciseFailed("you scored 1 − p: p is the probability of class 1 and is compared with y directly.")
    if np.isclose(got, float(np.mean(np.abs(p - y)))):
        raise ExerciseFailed("this is the mean absolute error; square the differences instead.")
    compare("brier_score(p, y)", got, expected)


@exercise(
    "14.3",
    "per-feature contributions",
    hint="standardise first: coef * (X - mean) / scale, broadcast over the rows of X.",
)
def check_linear_contributions(
    linear_contributions: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> None:
    """Check ``linear_contributions(coef, mean, scale, X)`` returns wⱼ (xₙⱼ − μⱼ)/sⱼ, shape (N, D)."""
    rng = np.random.default_rng(16)
    n, d = 4, 6
    coef, mean = rng.normal(size=d), rng.normal(size=d) * 3
    scale = rng.uniform(0.5, 4.0, size=d)
    X = mean + scale * rng.normal(size=(n, d))
    expected = coef * (X - mean) / scale
    got = linear_contributions(coef.copy(), mean.copy(), scale.copy(), X.copy())
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.shape(got) == (n, d):
        if np.allclose(got, coef * X):
            raise ExerciseFailed("the contributions use the raw features: standardise them, (X - mean) / scale.")
        if np.allclose(got, coef * X / scale):
            raise ExerciseFailed("the mean was not subtracted: use (X - mean) / scale.")
        if np.allclose(got, coef * (X - mean)):
            raise ExerciseFailed("the scale was not divided out: use (X - mean) / scale.")
        if np.allclose(got, coef * (X - mean) * scale):
            raise ExerciseFailed("multiplied by the scale instead of dividing by it.")
    if np.shape(got) == (n,) and np.allclose(got, expected.sum(axis=1)):
        raise ExerciseFailed(
            "these are the row sums (the logits without intercept); return one contribution per feature, shape (N, D)."
        )
    compare("linear_contributions(coef, mean, scale, X)", got, expected)


def _ranks(a: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(a))


@exercise(
    "14.4",
    "Spearman's rank correlation",
    hint="rank each array (argsort of argsort), then take the Pearson correlation of the ranks.",
)
def check_spearman_rho(spearman_rho: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``spearman_rho(a, b)``: the Pearson correlation of the ranks of two tie-free arrays."""
    rng = np.random.default_rng(17)
    n = 19
    a = rng.normal(size=n)
    b = np.exp(2 * a) + rng.normal(size=n) * 3  # a monotone but non-linear relation, plus noise
    cases = [(a, b), (a, -(a**3)), (a, np.exp(a))]
    for x, z in cases:
        expected = float(np.corrcoef(_ranks(x), _ranks(z))[0, 1])
        got = _scalar(spearman_rho(x.copy(), z.copy()), "Spearman's rho")
        if not np.isclose(expected, float(np.corrcoef(x, z)[0, 1])) and np.isclose(got, float(np.corrcoef(x, z)[0, 1])):
            raise ExerciseFailed("this is the Pearson correlation of the values; correlate their ranks instead.")
        if np.isclose(got, float(np.corrcoef(np.argsort(x), np.argsort(z))[0, 1])) and not np.isclose(got, expected):
            raise ExerciseFailed(
                "np.argsort gives the order, not the ranks: the rank of each entry is argsort(argsort(a))."
            )
        compare("spearman_rho(a, b)", got, expected)
