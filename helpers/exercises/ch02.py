r"""Checks for the exercises of notebook 02 (the ML workflow).

Conventions, as in the notebook: examples are rows; a confusion matrix ``C`` has the true class
in its rows and the predicted class in its columns, so ``C[i, j]`` counts examples of class
``i`` predicted as ``j``; the positive class of a binary problem is 1.

- 2.1 a standardiser fitted on the training split only,
  :math:`z = (x - \mu_{\text{train}}) / \sigma_{\text{train}}`;
- 2.2 the indices of k-fold cross-validation, fold for fold those of scikit-learn's
  ``KFold(n_splits=k)`` (no shuffling);
- 2.3 a multi-class confusion matrix;
- 2.4 per-class precision, recall and F1 from a confusion matrix;
- 2.5 ROC-AUC from ranks (the Mann–Whitney formula).

Each check builds its own inputs with a fixed generator and shapes that are all different, tests
the typical mistakes first with a message that names them, and ends with
:func:`helpers.checks.compare`. The references are NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

__all__ = [
    "check_standardise",
    "check_kfold_indices",
    "check_confusion_matrix",
    "check_precision_recall_f1",
    "check_roc_auc_by_ranks",
]


# --------------------------------------------------------------------------------------------
# References (NumPy only).
# --------------------------------------------------------------------------------------------


def _standardise(fit_on: np.ndarray, *arrays: np.ndarray, ddof: int = 0) -> list[np.ndarray]:
    """Standardise ``arrays`` with the column means and standard deviations of ``fit_on``.

    A column with zero spread is divided by 1, as scikit-learn's ``StandardScaler`` does.
    """
    mean = fit_on.mean(axis=0)
    std = fit_on.std(axis=0, ddof=ddof)
    std = np.where(std == 0, 1.0, std)
    return [(a - mean) / std for a in arrays]


def _kfold(n: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds of ``sklearn.model_selection.KFold(n_splits=k)``: the first ``n % k`` folds get one extra row."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    folds = []
    for stop, size in zip(stops, sizes, strict=True):
        val = np.arange(stop - size, stop)
        train = np.concatenate([np.arange(0, stop - size), np.arange(stop, n)])
        folds.append((train, val))
    return folds


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``C[i, j]`` = number of examples of true class ``i`` predicted as ``j``."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b``, with 0 where ``b`` is 0 (scikit-learn's ``zero_division=0``)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def _precision_recall_f1(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision (over columns), recall (over rows) and F1 (harmonic mean) of ``cm``."""
    tp = np.diag(cm).astype(float)
    precision = _safe_divide(tp, cm.sum(axis=0))
    recall = _safe_divide(tp, cm.sum(axis=1))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _auc_pairs(y_true: np.ndarray, scores: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties counted as one half."""
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    diff = pos[:, None] - neg[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def _auc_from_ranks(y_true: np.ndarray, ranks: np.ndarray) -> float:
    n_pos = int(np.sum(y_true == 1))
    n_neg = len(y_true) - n_pos
    return float((ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..N from the smallest value; tied values share the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def _auc_by_ranks_reference(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The rank formula itself (used by the tests to show it equals the pair count)."""
    return _auc_from_ranks(np.asarray(y_true), _average_ranks(np.asarray(scores, dtype=float)))


def _close(a: Any, b: Any, *, tol: float = 1e-9) -> bool:
    """Whether ``a`` and ``b`` have the same shape and agree to ``tol`` (False on any conversion error)."""
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, rtol=tol, atol=tol))


def _as_int_array(name: str, value: Any) -> np.ndarray:
    if value is None:
        raise ExerciseFailed(f"`{name}` is None: did the function forget to `return` it?")
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ExerciseFailed(f"`{name}` should be a 1-D array of row indices, got shape {arr.shape}.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ExerciseFailed(f"`{name}` should hold integer row indices, got dtype {arr.dtype}.")
    return arr.astype(np.int64)


# --------------------------------------------------------------------------------------------
# 2.1 A standardiser fitted on the training split only.
# --------------------------------------------------------------------------------------------


@exercise(
    "2.1",
    "standardise with training statistics",
    hint="μ = X_train.mean(axis=0), σ = X_train.std(axis=0) (ddof=0), σ = 1 where it is 0; "
    "return ((X_train - μ) / σ, (X_test - μ) / σ).",
)
def check_standardise(standardise: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``standardise(X_train, X_test)`` returns both splits scaled with the training split's statistics."""
    rng = np.random.default_rng(21)
    n_train, n_test, d = 9, 5, 4  # all different, so a transposed result cannot pass
    X_train = rng.normal(loc=[3.0, -1.0, 7.0, 0.5], scale=[2.0, 0.5, 1.0, 4.0], size=(n_train, d))
    X_test = rng.normal(loc=[4.0, -1.5, 7.0, 0.0], scale=[3.0, 1.0, 1.0, 2.0], size=(n_test, d))
    X_train[:, 2] = 7.0  # a column with zero spread in the training split (a border pixel, say)
    train_copy, test_copy = X_train.copy(), X_test.copy()

    result = standardise(X_train, X_test)
    if not np.array_equal(X_train, train_copy) or not np.array_equal(X_test, test_copy):
        raise ExerciseFailed("the function changed its input arrays in place; compute new arrays instead.")
    if result is None:
        raise ExerciseFailed("the function returned None: did it forget to `return (Z_train, Z_test)`?")
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise ExerciseFailed("return a pair `(Z_train, Z_test)`: the training split and the test split, both scaled.")
    Z_train, Z_test = (np.asarray(z, dtype=float) for z in result)
    exp_train, exp_test = _standardise(X_train, X_train, X_test)
    if Z_train.shape != (n_train, d) or Z_test.shape != (n_test, d):
        raise ExerciseFailed(
            f"`Z_train` and `Z_test` must keep the shapes of their inputs, {(n_train, d)} and {(n_test, d)}; "
            f"got {Z_train.shape} and {Z_test.shape}."
        )

    spread = [0, 1, 3]  # the columns whose spread is not zero; the others are judged further down
    if _close(Z_test[:, spread], _standardise(X_test, X_test)[0][:, spread]):
        raise ExerciseFailed(
            "`Z_test` was scaled with the test split's own mean and standard deviation. That uses the "
            "test data to build the model (leakage), and a single test example could not be scaled at all. "
            "Use the training split's μ and σ for both splits."
        )
    both = np.vstack([X_train, X_test])
    if _close(Z_test[:, spread], _standardise(both, X_test)[0][:, spread]) or _close(
        Z_train[:, spread], _standardise(both, X_train)[0][:, spread]
    ):
        raise ExerciseFailed(
            "the statistics come from the training and test splits together: the test rows leak into the "
            "scaler. Compute μ and σ from X_train alone."
        )
    if _close(Z_train[:, spread], _standardise(X_train, X_train, ddof=1)[0][:, spread]):
        raise ExerciseFailed(
            "σ is the sample standard deviation (ddof=1, divides by N − 1). Standardisation as in "
            "StandardScaler uses the population standard deviation, ddof=0 (NumPy's default)."
        )
    row_mean = X_train.mean(axis=1, keepdims=True)
    row_std = X_train.std(axis=1, keepdims=True)
    if _close(Z_train, (X_train - row_mean) / row_std):
        raise ExerciseFailed(
            "the statistics were taken over each row (axis=1). Each *feature* (column) gets its own μ and σ: axis=0."
        )
    if _close(Z_test[:, spread], X_test[:, spread]):
        raise ExerciseFailed("`Z_test` is X_test unchanged: scale the test split too, with the training statistics.")
    if not np.all(np.isfinite(Z_train)) or not np.all(np.isfinite(Z_test)):
        raise ExerciseFailed(
            "the result contains NaN or infinity: column 2 is constant in X_train, so σ = 0 there and "
            "0 / 0 appears. Divide by 1 where σ is 0, as StandardScaler does."
        )
    compare("Z_train", Z_train, exp_train)
    compare("Z_test", Z_test, exp_test)


# --------------------------------------------------------------------------------------------
# 2.2 k-fold indices.
# --------------------------------------------------------------------------------------------


@exercise(
    "2.2",
    "k-fold indices",
    hint="Fold sizes are n // k, plus one for the first n % k folds; fold j validates one contiguous block "
    "of rows and trains on all the others.",
)
def check_kfold_indices(kfold_indices: Callable[[int, int], Sequence[tuple[np.ndarray, np.ndarray]]]) -> None:
    """Check ``kfold_indices(n, k)`` returns the k (train, validation) index pairs of ``KFold(n_splits=k)``."""
    for n, k in [(23, 5), (10, 3), (12, 4), (7, 7)]:
        folds = kfold_indices(n, k)
        if folds is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` the list of folds?")
        folds = list(folds)
        where = f"kfold_indices({n}, {k})"
        if len(folds) != k:
            raise ExerciseFailed(f"{where} returned {len(folds)} folds; k-fold cross-validation has exactly k = {k}.")
        expected = _kfold(n, k)
        pairs = []
        for j, pair in enumerate(folds):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ExerciseFailed(f"{where}: fold {j} should be a pair (train_idx, val_idx).")
            train = _as_int_array(f"train_idx of fold {j}", pair[0])
            val = _as_int_array(f"val_idx of fold {j}", pair[1])
            for idx in (train, val):
                if idx.size and (idx.min() < 0 or idx.max() >= n):
                    raise ExerciseFailed(
                        f"{where}: fold {j} holds the index {int(idx.max()) if idx.max() >= n else int(idx.min())}, "
                        f"outside 0..{n - 1} (an off-by-one?)."
                    )
            pairs.append((train, val))
        sizes = []
        seen = np.zeros(n, dtype=np.int64)
        for j, (train, val) in enumerate(pairs):
            if len(np.unique(val)) != len(val) or len(np.unique(train)) != len(train):
                raise ExerciseFailed(f"{where}: fold {j} lists a row twice.")
            shared = np.intersect1d(train, val)
            if shared.size:
                raise ExerciseFailed(
                    f"{where}: in fold {j}, row {int(shared[0])} is in both the training and the validation "
                    f"indices. A model must never be validated on a row it was trained on."
                )
            if len(train) + len(val) != n:
                missing = np.setdiff1d(np.arange(n), np.concatenate([train, val]))
                raise ExerciseFailed(
                    f"{where}: fold {j} uses {len(train) + len(val)} of the {n} rows; row {int(missing[0])} is "
                    f"neither trained on nor validated (was the remainder n % k dropped, or is a slice off by one?)."
                )
            seen[val] += 1
            sizes.append(len(val))
        if np.any(seen > 1):
            row = int(np.flatnonzero(seen > 1)[0])
            raise ExerciseFailed(
                f"{where}: row {row} is in the validation part of {int(seen[row])} folds; the validation "
                f"folds must not overlap (each row is validated exactly once)."
            )
        if np.any(seen == 0):
            row = int(np.flatnonzero(seen == 0)[0])
            raise ExerciseFailed(
                f"{where}: row {row} is never in a validation fold; together the k validation folds must "
                f"cover every row exactly once (was the remainder n % k dropped?)."
            )
        expected_sizes = [len(v) for _, v in expected]
        if sizes != expected_sizes:
            raise ExerciseFailed(
                f"{where}: the validation folds have sizes {sizes}; KFold gives {expected_sizes}: every fold gets "
                f"n // k = {n // k} rows and the first n % k = {n % k} folds one more (not all the leftover "
                f"rows in the last fold)."
            )
        for j, ((train, val), (exp_train, exp_val)) in enumerate(zip(pairs, expected, strict=True)):
            if not np.array_equal(np.sort(val), exp_val):
                raise ExerciseFailed(
                    f"{where}: fold {j} validates rows {np.sort(val).tolist()}; KFold (no shuffling) validates "
                    f"the contiguous block {exp_val.tolist()}. Take the folds in order, from row 0."
                )
            compare(f"sorted train_idx of fold {j} of {where}", np.sort(train), exp_train)


# --------------------------------------------------------------------------------------------
# 2.3 A confusion matrix.
# --------------------------------------------------------------------------------------------


@exercise(
    "2.3",
    "confusion matrix",
    hint="C = np.zeros((n_classes, n_classes), dtype=int); add 1 to C[true, predicted] for every example.",
)
def check_confusion_matrix(confusion_matrix: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> None:
    """Check ``confusion_matrix(y_true, y_pred, n_classes)`` counts true classes in rows, predictions in columns."""
    rng = np.random.default_rng(23)
    n, n_classes = 40, 5
    y_true = rng.integers(0, 4, size=n)  # class 4 never occurs, yet the matrix must have a row and column for it
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 4, size=n))
    expected = _confusion(y_true, y_pred, n_classes)
    got = confusion_matrix(y_true.copy(), y_pred.copy(), n_classes)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the matrix?")
    arr = np.asarray(got, dtype=float)
    if arr.shape != expected.shape:
        if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] < n_classes:
            raise ExerciseFailed(
                f"the matrix is {arr.shape}, expected {expected.shape}: make it n_classes × n_classes, even for "
                f"classes that never occur or are never predicted (here class 4 never occurs)."
            )
        raise ExerciseFailed(f"the matrix has shape {arr.shape}, expected {expected.shape}.")
    if _close(arr, expected.T):
        raise ExerciseFailed(
            "the matrix is transposed: rows must be the TRUE class and columns the PREDICTED class, "
            "C[i, j] = number of examples of class i predicted as j (scikit-learn's convention)."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        row_normalised = expected / expected.sum(axis=1, keepdims=True)
    if _close(arr, np.nan_to_num(row_normalised)) or _close(arr, expected / n):
        raise ExerciseFailed("the matrix holds fractions; it should hold counts (whole numbers that sum to N).")
    if np.any(arr != np.round(arr)):
        raise ExerciseFailed("the matrix should hold whole counts; it holds fractions.")
    compare("C", arr, expected)


# --------------------------------------------------------------------------------------------
# 2.4 Precision, recall and F1 per class.
# --------------------------------------------------------------------------------------------


@exercise(
    "2.4",
    "precision, recall and F1 per class",
    hint="precision_k = C[k, k] / (column k's sum), recall_k = C[k, k] / (row k's sum), F1 = 2PR / (P + R); "
    "use 0 where a denominator is 0.",
)
def check_precision_recall_f1(
    precision_recall_f1: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    """Check ``precision_recall_f1(C)`` returns three arrays of per-class precision, recall and F1."""
    cm = np.array(
        [
            [50, 3, 0, 7],
            [10, 20, 0, 2],
            [4, 6, 0, 1],  # class 2 is never predicted: its precision is 0 / 0, reported as 0
            [1, 0, 0, 30],
        ]
    )
    precision, recall, f1 = _precision_recall_f1(cm)
    result = precision_recall_f1(cm.copy())
    if result is None:
        raise ExerciseFailed("the function returned None: did it forget to `return (precision, recall, f1)`?")
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise ExerciseFailed("return three arrays `(precision, recall, f1)`, one value per class each.")
    got_p, got_r, got_f = (np.asarray(x, dtype=float) for x in result)
    for name, arr in (("precision", got_p), ("recall", got_r), ("f1", got_f)):
        if arr.shape != (4,):
            raise ExerciseFailed(f"`{name}` should have one value per class, shape (4,); got {arr.shape}.")
    if _close(np.nan_to_num(got_p), recall) and _close(np.nan_to_num(got_r), precision):
        raise ExerciseFailed(
            "precision and recall are swapped. Precision divides by the column sum (everything PREDICTED as "
            "class k: how many of our alarms are right); recall divides by the row sum (everything truly of "
            "class k: how many of them we find)."
        )
    if np.isnan(got_p).any() or np.isnan(got_f).any():
        raise ExerciseFailed(
            "NaN in the result: class 2 is never predicted, so its precision is 0 / 0. Report 0 there "
            "(as scikit-learn does with zero_division=0)."
        )
    if _close(got_p, precision) and _close(got_r, recall):
        if _close(got_f, (precision + recall) / 2):
            raise ExerciseFailed("`f1` is the arithmetic mean of P and R; F1 is their harmonic mean, 2PR / (P + R).")
        accuracy = np.trace(cm) / cm.sum()
        if _close(got_f, np.full(4, accuracy)):
            raise ExerciseFailed("`f1` is the accuracy; compute one F1 per class from its precision and recall.")
    compare("precision", got_p, precision)
    compare("recall", got_r, recall)
    compare("f1", got_f, f1)


# --------------------------------------------------------------------------------------------
# 2.5 ROC-AUC by ranks.
# --------------------------------------------------------------------------------------------


@exercise(
    "2.5",
    "ROC-AUC by ranks",
    hint="Rank all scores from 1 (lowest) to N, tied scores sharing their average rank "
    "(scipy.stats.rankdata); AUC = (sum of the positives' ranks − n₊(n₊+1)/2) / (n₊ n₋).",
)
def check_roc_auc_by_ranks(roc_auc_by_ranks: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``roc_auc_by_ranks(y_true, scores)`` computes the Mann–Whitney AUC with averaged ranks for ties."""
    rng = np.random.default_rng(25)
    n = 37
    y_true = (rng.random(n) < 0.4).astype(int)
    y_true[:2] = [0, 1]  # both classes present
    scores = np.round(rng.normal(size=n) + 0.8 * y_true, 1)  # rounding makes ties, some across the classes
    expected = _auc_pairs(y_true, scores)

    got = roc_auc_by_ranks(y_true.copy(), scores.copy())
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the AUC?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"the AUC should be one number, got an array of shape {np.shape(got)}.")
    got = float(got)
    n_pos = int(y_true.sum())
    n_neg = n - n_pos
    ranks = _average_ranks(scores)
    if np.isclose(got, 1 - expected, rtol=0, atol=1e-9):
        raise ExerciseFailed(
            "this is 1 − AUC: the ranks run the wrong way, or the negatives' ranks were summed. Rank from the "
            "lowest score (rank 1) up, and sum the ranks of the positives (label 1)."
        )
    if np.isclose(got, ranks[y_true == 1].sum() / (n_pos * n_neg), rtol=0, atol=1e-9):
        raise ExerciseFailed("subtract n₊(n₊+1)/2 (the smallest possible rank sum) before dividing by n₊ n₋.")
    if np.isclose(got, ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2, rtol=0, atol=1e-9):
        raise ExerciseFailed("this is the Mann–Whitney U statistic; divide it by n₊ n₋ to get the AUC.")
    # Ties. All scores equal: a model that cannot tell anyone apart has AUC 0.5 exactly.
    flat = np.full(n, 0.3)
    got_flat = roc_auc_by_ranks(y_true.copy(), flat)
    if got_flat is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the AUC?")
    if np.ndim(got_flat) != 0:
        raise ExerciseFailed(f"the AUC should be one number, got an array of shape {np.shape(got_flat)}.")
    if not np.isclose(float(got_flat), 0.5, rtol=0, atol=1e-12):
        raise ExerciseFailed(
            f"with every score equal the AUC must be 0.5 (no pair can be ordered), got {float(got_flat):.6g}: "
            f"tied scores must share their average rank (scipy.stats.rankdata does this), not get 1, 2, 3, … "
            f"in the order they happen to come."
        )
    compare("AUC", got, expected, rtol=0, atol=1e-12)
