"""Checks for the exercises of notebook 13 (case: credit risk): the expected cost of a threshold,
undoing class weights, and the table behind a reliability diagram."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _expected_cost(y: np.ndarray, p: np.ndarray, threshold: float, c_fp: float, c_fn: float) -> float:
    reject = p >= threshold
    return float(np.mean(np.where(reject, (1 - y) * c_fp, y * c_fn)))


@exercise(
    "13.1",
    "expected cost of a threshold",
    hint="reject = p >= threshold; a rejected good loan (y = 0) costs c_fp, an approved default (y = 1) costs c_fn; "
    "average over all applicants.",
)
def check_expected_cost(expected_cost: Callable[[np.ndarray, np.ndarray, float, float, float], float]) -> None:
    """Check ``expected_cost(y, p, threshold, c_fp, c_fn)``: the mean cost per applicant of rejecting p ≥ threshold."""
    rng = np.random.default_rng(131)
    n, threshold, c_fp, c_fn = 37, 0.25, 0.1, 0.6
    p = rng.uniform(0.0, 0.6, size=n)
    p[:3] = threshold  # probabilities exactly at the threshold are rejected
    y = (rng.uniform(size=n) < p).astype(int)
    y[:3] = [0, 1, 0]
    y[3:6] = [1, 1, 0]
    expected = _expected_cost(y, p, threshold, c_fp, c_fn)
    got = expected_cost(y, p, threshold, c_fp, c_fn)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the cost?")
    got_arr = np.asarray(got, dtype=float)
    if got_arr.shape != ():
        raise ExerciseFailed(
            f"the result should be one number (the mean cost per applicant); got an array of shape {got_arr.shape}."
        )
    value = float(got_arr)
    if np.isclose(value, expected * n):
        raise ExerciseFailed("this is the total cost: divide by the number of applicants (np.mean, not np.sum).")
    if np.isclose(value, _expected_cost(y, p, threshold, c_fn, c_fp)):
        raise ExerciseFailed(
            "c_fp and c_fn are swapped: rejecting a good applicant (y = 0) costs c_fp, "
            "approving one who defaults (y = 1) costs c_fn."
        )
    if np.isclose(value, float(np.mean(np.where(p > threshold, (1 - y) * c_fp, y * c_fn)))):
        raise ExerciseFailed("an applicant with p exactly equal to the threshold must be rejected: use p >= threshold.")
    if np.isclose(value, float(np.mean(np.where(p < threshold, (1 - y) * c_fp, y * c_fn)))):
        raise ExerciseFailed("the decision is reversed: reject the applicants whose probability of default is HIGH.")
    compare("expected_cost(y, p, threshold, c_fp, c_fn)", value, expected)


def _undo_class_weights(p_w: np.ndarray, w: float) -> np.ndarray:
    return p_w / (p_w + w * (1.0 - p_w))


@exercise(
    "13.2",
    "undo class weights",
    hint="Weighting the positives by w multiplies the odds p / (1 - p) by w: divide the odds by w, "
    "then turn odds o back into a probability o / (1 + o).",
)
def check_undo_class_weights(undo_class_weights: Callable[[np.ndarray, float], np.ndarray]) -> None:
    """Check ``undo_class_weights(p_w, w)`` = p_w / (p_w + w (1 - p_w)), the odds divided by w."""
    rng = np.random.default_rng(132)
    w = 7.5
    p_w = np.concatenate([[0.0, 1.0, 0.5], rng.uniform(0.01, 0.99, size=11)])
    expected = _undo_class_weights(p_w, w)
    got = np.asarray(undo_class_weights(p_w, w), dtype=float)
    if got.shape != p_w.shape:
        raise ExerciseFailed(f"return one probability per input, shape {p_w.shape}; got shape {got.shape}.")
    inside = (p_w > 0) & (p_w < 1)
    if np.allclose(got[inside], p_w[inside] / (1 - p_w[inside]) / w):
        raise ExerciseFailed("these are the corrected odds: turn odds o into a probability with o / (1 + o).")
    if np.allclose(got, w * p_w / (w * p_w + 1 - p_w)):
        raise ExerciseFailed(
            "the odds were multiplied by w: the weighted model's odds are already w times too high, so divide."
        )
    if np.allclose(got, p_w / w):
        raise ExerciseFailed("the probability was divided by w; it is the odds p / (1 - p) that are scaled by w.")
    if not np.all(np.isfinite(got)):
        raise ExerciseFailed(
            "the result has NaN or inf: p_w = 1 must give 1 and p_w = 0 must give 0 (avoid dividing by 1 - p_w)."
        )
    compare("undo_class_weights(p_w, w)", got, expected)


def _reliability_bins(y: np.ndarray, p: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = np.minimum((p * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    sum_p = np.bincount(index, weights=p, minlength=n_bins)
    sum_y = np.bincount(index, weights=y, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum_p / counts, sum_y / counts, counts


@exercise(
    "13.3",
    "reliability table",
    hint="bin = min(floor(p * n_bins), n_bins - 1); per bin: mean of p, mean of y, count (np.bincount); "
    "NaN for the means of an empty bin.",
)
def check_reliability_bins(
    reliability_bins: Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    """Check ``reliability_bins(y, p, n_bins)`` returns (mean predicted, observed rate, count) per equal-width bin."""
    rng = np.random.default_rng(133)
    n, n_bins = 53, 6
    # bin 4, [4/6, 5/6), stays empty; the last bin holds only p = 1, which must not open a 7th bin
    p = np.concatenate([[0.0, 1.0, 0.5, 1 / 6], rng.uniform(0.0, 0.66, size=n - 4)])
    y = (rng.uniform(size=n) < p).astype(float)
    y[1] = 1.0
    exp_p, exp_y, exp_n = _reliability_bins(y, p, n_bins)
    result = reliability_bins(y, p, n_bins)
    if result is None or not isinstance(result, tuple) or len(result) != 3:
        raise ExerciseFailed("return a tuple of three arrays: (mean predicted, observed rate, count) per bin.")
    got_p, got_y, got_n = (np.asarray(r, dtype=float) for r in result)
    for name, got in (("mean predicted", got_p), ("observed rate", got_y), ("count", got_n)):
        if got.shape == (n_bins + 1,):
            raise ExerciseFailed(
                f"`{name}` has {n_bins + 1} entries: p = 1.0 landed in an extra bin; put it in the last one "
                "(np.minimum(index, n_bins - 1))."
            )
        if got.shape != (n_bins,):
            raise ExerciseFailed(f"`{name}` should have one entry per bin, shape ({n_bins},); got shape {got.shape}.")
    if np.allclose(got_p, exp_y, equal_nan=True) and np.allclose(got_y, exp_p, equal_nan=True):
        raise ExerciseFailed(
            "the first two arrays are swapped: first the mean predicted probability, then the observed rate."
        )
    empty = exp_n == 0
    if np.any(got_n[empty] != 0):
        raise ExerciseFailed("an empty bin must have count 0.")
    if np.any(np.isfinite(got_p[empty])) or np.any(np.isfinite(got_y[empty])):
        raise ExerciseFailed(
            "an empty bin has no mean: return NaN there (0 would draw a false point in the reliability diagram)."
        )
    centres = (np.arange(n_bins) + 0.5) / n_bins
    if np.allclose(got_p[~empty], centres[~empty]):
        raise ExerciseFailed(
            "the first array holds the bin centres: use the mean predicted probability of the rows in each bin."
        )
    compare("count", got_n, exp_n)
    compare("mean predicted", got_p, exp_p)
    compare("observed rate", got_y, exp_y)
