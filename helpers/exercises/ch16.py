"""Checks for the exercises of notebook 16 (user advantage: the data flywheel).

- 16.1 the pooled two-proportion z statistic of an A/B test;
- 16.2 the number of users per arm that a test needs for a given power;
- 16.3 uncertainty sampling: which unlabelled examples to send for labelling next;
- 16.4 the false-positive rate of an experimenter who peeks at every look.

Each check builds its own inputs with a fixed generator, tests the typical mistakes first with a
message that names them, and ends with :func:`helpers.checks.compare`. References are NumPy and
the standard library (``statistics.NormalDist`` for normal quantiles).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

__all__ = [
    "check_pooled_z",
    "check_sample_size",
    "check_uncertainty_pick",
    "check_peeking_rate",
]

_NORMAL = NormalDist()


def _number(name: str, got: object) -> float:
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"`{name}` should be one number, got shape {np.shape(got)}.")
    return float(got)  # type: ignore[arg-type]


def _pooled_z(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    p = (x_a + x_b) / (n_a + n_b)
    return (x_b / n_b - x_a / n_a) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


@exercise(
    "16.1",
    "pooled z statistic",
    hint="p = (x_a + x_b) / (n_a + n_b); se = sqrt(p (1 - p) (1/n_a + 1/n_b)); return (x_b/n_b - x_a/n_a) / se.",
)
def check_pooled_z(pooled_z: Callable[[int, int, int, int], float]) -> None:
    """Check ``pooled_z(x_a, n_a, x_b, n_b)``: the z statistic of B's rate minus A's, pooled standard error."""
    rng = np.random.default_rng(16)
    cases = [(int(rng.integers(60, 90)), 700, int(rng.integers(120, 160)), 1100), (45, 300, 41, 350)]
    for x_a, n_a, x_b, n_b in cases:
        expected = _pooled_z(x_a, n_a, x_b, n_b)
        got = _number("pooled_z", pooled_z(x_a, n_a, x_b, n_b))
        pa, pb = x_a / n_a, x_b / n_b
        if math.isclose(got, -expected, rel_tol=1e-6):
            raise ExerciseFailed("the sign is reversed: the statistic is B's rate minus A's (treatment minus control).")
        wald = (pb - pa) / math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
        if math.isclose(got, wald, rel_tol=1e-6):
            raise ExerciseFailed(
                "this uses each arm's own rate in the standard error (the Wald form); the test assumes "
                "equal rates under H0, so use the pooled rate (x_a + x_b) / (n_a + n_b) in both terms."
            )
        p = (x_a + x_b) / (n_a + n_b)
        if math.isclose(got, (pb - pa) / (p * (1 - p) * (1 / n_a + 1 / n_b)), rel_tol=1e-6):
            raise ExerciseFailed("the square root is missing: divide by the standard error, not the variance.")
        if math.isclose(got, (pb - pa) / math.sqrt(p * (1 - p) / (n_a + n_b)), rel_tol=1e-6):
            raise ExerciseFailed("the variance needs 1/n_a + 1/n_b (one term per arm), not 1/(n_a + n_b).")
        if math.isclose(got, (x_b - x_a) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b)), rel_tol=1e-6):
            raise ExerciseFailed("compare rates x/n, not raw counts: the arms have different sizes.")
        compare("pooled_z", got, expected)


def _sample_size(p_a: float, p_b: float, alpha: float, power: float, *, two_sided: bool = True) -> float:
    za = _NORMAL.inv_cdf(1 - alpha / 2) if two_sided else _NORMAL.inv_cdf(1 - alpha)
    zb = _NORMAL.inv_cdf(power)
    pbar = (p_a + p_b) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return (num / (p_b - p_a)) ** 2


@exercise(
    "16.2",
    "users per arm",
    hint=(
        "z_a = NormalDist().inv_cdf(1 - alpha/2), z_b = NormalDist().inv_cdf(power), pbar = (p_a + p_b)/2; "
        "n = ((z_a sqrt(2 pbar (1-pbar)) + z_b sqrt(p_a(1-p_a) + p_b(1-p_b))) / (p_b - p_a))**2, rounded up."
    ),
)
def check_sample_size(sample_size: Callable[[float, float, float, float], int]) -> None:
    """Check ``sample_size(p_a, p_b, alpha, power)``: users per arm (an int, rounded up), two-sided test."""
    cases = [(0.10, 0.11, 0.05, 0.8), (0.30, 0.27, 0.01, 0.9), (0.05, 0.065, 0.1, 0.7)]
    for p_a, p_b, alpha, pw in cases:
        exact = _sample_size(p_a, p_b, alpha, pw)
        expected = math.ceil(exact)
        got = _number("sample_size", sample_size(p_a, p_b, alpha, pw))
        if math.isclose(got, math.ceil(_sample_size(p_a, p_b, alpha, pw, two_sided=False)), rel_tol=1e-9):
            raise ExerciseFailed("this is the one-sided size: a two-sided test uses z at 1 - alpha/2, not 1 - alpha.")
        if math.isclose(got, 2 * expected, rel_tol=2e-4) or math.isclose(got, 2 * exact, rel_tol=2e-4):
            raise ExerciseFailed("this is the total over both arms; return the number of users in *each* arm.")
        if got != round(got):
            raise ExerciseFailed(f"return a whole number of users (rounded up), got {got}.")
        if got == math.floor(exact) and math.floor(exact) != expected:
            raise ExerciseFailed("round *up* (math.ceil): rounding down leaves the test below the requested power.")
        zb_wrong = _NORMAL.inv_cdf(1 - pw)
        za = _NORMAL.inv_cdf(1 - alpha / 2)
        pbar = (p_a + p_b) / 2
        num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb_wrong * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
        if math.isclose(got, math.ceil((num / (p_b - p_a)) ** 2), rel_tol=1e-9):
            raise ExerciseFailed(
                "z for the power is NormalDist().inv_cdf(power) (about +0.84 for 80 %), not of 1 - power."
            )
        compare("sample_size", got, expected)


@exercise(
    "16.3",
    "uncertainty sampling",
    hint="Score |proba - 0.5|; set it to +inf where labelled is True; return np.argsort(score, kind='stable')[:k].",
)
def check_uncertainty_pick(uncertainty_pick: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> None:
    """Check ``uncertainty_pick(proba, labelled, k)``: indices of the k unlabelled examples closest to p = 0.5."""
    rng = np.random.default_rng(160)
    n, k = 23, 5
    proba = rng.uniform(0.02, 0.98, size=n)  # no ties in |p - 0.5|
    labelled = np.zeros(n, dtype=bool)
    labelled[np.argsort(np.abs(proba - 0.5))[[0, 2]]] = True  # two of the most uncertain are labelled already
    labelled[rng.choice(np.flatnonzero(~labelled), 4, replace=False)] = True
    score = np.where(labelled, np.inf, np.abs(proba - 0.5))
    expected = np.argsort(score, kind="stable")[:k]
    got = uncertainty_pick(proba.copy(), labelled.copy(), k)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    got = np.asarray(got)
    if got.dtype == bool:
        raise ExerciseFailed("return the *indices* of the chosen examples (integers), not a boolean mask.")
    if got.shape != (k,):
        raise ExerciseFailed(f"return exactly k={k} indices, got shape {got.shape}.")
    if labelled[got.astype(int)].any():
        raise ExerciseFailed("some chosen examples are labelled already; pick only where labelled is False.")
    confident = np.argsort(-np.where(labelled, -np.inf, np.abs(proba - 0.5)), kind="stable")[:k]
    if set(got.tolist()) == set(confident.tolist()):
        raise ExerciseFailed("these are the most *confident* examples; uncertainty sampling wants p closest to 0.5.")
    if set(got.tolist()) == set(expected.tolist()) and not np.array_equal(got, expected):
        raise ExerciseFailed("the right examples, but order them from most to least uncertain.")
    compare("uncertainty_pick", got, expected)


@exercise(
    "16.4",
    "false positives of a peeker",
    hint="(p_values < alpha).any(axis=1).mean(): an experiment counts once if *any* of its looks crossed alpha.",
)
def check_peeking_rate(peeking_rate: Callable[[np.ndarray, float], float]) -> None:
    """Check ``peeking_rate(p_values, alpha)``: share of rows (experiments) with some p-value below alpha."""
    rng = np.random.default_rng(161)
    p_values = rng.uniform(0.0, 1.0, size=(37, 9)) ** 0.6
    alpha = 0.08
    expected = float((p_values < alpha).any(axis=1).mean())
    got = _number("peeking_rate", peeking_rate(p_values.copy(), alpha))
    if math.isclose(got, float((p_values < alpha).mean()), rel_tol=1e-9):
        raise ExerciseFailed(
            "this is the share of *looks* below alpha; count each experiment (row) once if any look is."
        )
    if math.isclose(got, float((p_values[:, -1] < alpha).mean()), rel_tol=1e-9):
        raise ExerciseFailed("this is the fixed-horizon rate (last look only); the peeker stops at the *first* hit.")
    if math.isclose(got, float((p_values < alpha).any(axis=0).mean()), rel_tol=1e-9):
        raise ExerciseFailed("rows are experiments and columns looks: reduce over axis=1, not axis=0.")
    if math.isclose(got, float((p_values < alpha).any(axis=1).sum()), rel_tol=1e-9):
        raise ExerciseFailed("this is a count; divide by the number of experiments (rows).")
    compare("peeking_rate", got, expected)
