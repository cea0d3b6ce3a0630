"""The checks of notebook 02's exercises: right answers pass, stubs are "not done yet", typical mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from helpers.checks import ExerciseFailed
from helpers.exercises import ch02


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _fails(check, answer, capsys) -> None:
    """The check must stop a wrong answer (ExerciseFailed, or an error from the answer itself) and never say correct."""
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or NumPy's own error: either stops the notebook
        check(answer)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The references agree with scikit-learn and SciPy.


def test_standardise_reference_matches_standard_scaler():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(20, 3)), rng.normal(size=(6, 3))
    X_train[:, 1] = 2.0
    scaler = StandardScaler().fit(X_train)
    Z_train, Z_test = ch02._standardise(X_train, X_train, X_test)
    np.testing.assert_allclose(Z_train, scaler.transform(X_train), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Z_test, scaler.transform(X_test), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("n", "k"), [(23, 5), (10, 3), (12, 4), (7, 7), (5, 2)])
def test_kfold_reference_matches_sklearn(n, k):
    ours = ch02._kfold(n, k)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    for (a_train, a_val), (b_train, b_val) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_val, b_val)


def test_confusion_and_metrics_references_match_sklearn():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 4, 60), rng.integers(0, 3, 60)
    cm = ch02._confusion(y_true, y_pred, 4)
    np.testing.assert_array_equal(cm, sk_confusion_matrix(y_true, y_pred, labels=range(4)))
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=range(4), zero_division=0)
    for ours, theirs in zip(ch02._precision_recall_f1(cm), (p, r, f), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_auc_references_match_sklearn_and_each_other():
    rng = np.random.default_rng(2)
    y = (rng.random(50) < 0.3).astype(int)
    s = np.round(rng.normal(size=50) + y, 1)  # with ties
    expected = roc_auc_score(y, s)
    assert ch02._auc_pairs(y, s) == pytest.approx(expected, abs=1e-12)
    assert ch02._auc_by_ranks_reference(y, s) == pytest.approx(expected, abs=1e-12)
    np.testing.assert_allclose(ch02._average_ranks(s), rankdata(s), rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# 2.1 standardise


def _standardise(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    sigma = np.where(sigma == 0, 1.0, sigma)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def test_check_standardise_passes_the_right_answer(capsys):
    ch02.check_standardise(_standardise)

    def with_sklearn(X_train, X_test):
        scaler = StandardScaler().fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test)

    ch02.check_standardise(with_sklearn)
    assert capsys.readouterr().out == "Exercise 2.1 (standardise with training statistics): correct.\n" * 2


def test_check_standardise_stub_is_not_done(capsys):
    ch02.check_standardise(_not_done)
    assert capsys.readouterr().out.startswith(
        "Exercise 2.1 (standardise with training statistics): not done yet. Hint: μ = X_train.mean(axis=0)"
    )


def _own_stats(X):
    s = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(s == 0, 1.0, s)


def _sample_std(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)
    sigma = np.where(sigma == 0, 1.0, sigma)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def _all_data(X_train, X_test):
    both = np.vstack([X_train, X_test])
    mu, sigma = both.mean(axis=0), both.std(axis=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def _rows(X_train, X_test):
    def by_row(X):
        return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)

    return by_row(X_train), by_row(X_test)


def _in_place(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    sigma = np.where(sigma == 0, 1.0, sigma)
    X_test -= mu
    X_test /= sigma
    X_train -= mu
    X_train /= sigma
    return X_train, X_test


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X_train, X_test: (_own_stats(X_train), _own_stats(X_test)), "test split's own mean"),
        (_all_data, "training and test splits together"),
        (_sample_std, "ddof=1"),
        (_rows, "axis=1"),
        (lambda X_train, X_test: (_own_stats(X_train), X_test), "X_test unchanged"),
        (
            lambda X_train, X_test: (
                (X_train - X_train.mean(0)) / X_train.std(0),
                (X_test - X_train.mean(0)) / X_train.std(0),
            ),
            "σ = 0",
        ),
        (_in_place, "in place"),
        (lambda X_train, X_test: None, "None"),
        (lambda X_train, X_test: _standardise(X_train, X_test)[0], r"pair `\(Z_train, Z_test\)`"),
        (lambda X_train, X_test: tuple(z.T for z in _standardise(X_train, X_test)), "keep the shapes"),
    ],
    ids=[
        "test-stats",
        "all-data",
        "sample-std",
        "row-stats",
        "test-unscaled",
        "zero-spread-nan",
        "in-place",
        "none",
        "one-array",
        "transposed",
    ],
)
def test_check_standardise_names_the_mistake(wrong, message):
    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(ExerciseFailed, match=message):
            ch02.check_standardise(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X_train, X_test: (X_train - X_train.mean(0), X_test - X_train.mean(0)),
        lambda X_train, X_test: (X_train / np.where(X_train.std(0) == 0, 1, X_train.std(0)), X_test),
        lambda X_train, X_test: (_standardise(X_train, X_test)[1], _standardise(X_train, X_test)[0]),
        lambda X_train, X_test: tuple(2 * z for z in _standardise(X_train, X_test)),
        lambda X_train, X_test: (_standardise(X_train, X_test)[0], _standardise(X_train, X_test)[1] + 0.1),
    ],
    ids=["no-division", "no-centring", "swapped-outputs", "doubled", "offset-test"],
)
def test_check_standardise_never_passes_a_wrong_answer(wrong, capsys):
    _fails(ch02.check_standardise, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 2.2 kfold_indices


def _kfold_indices(n, k):
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    folds, start = [], 0
    for size in sizes:
        val = np.arange(start, start + size)
        train = np.concatenate([np.arange(0, start), np.arange(start + size, n)])
        folds.append((train, val))
        start += size
    return folds


def test_check_kfold_indices_passes_the_right_answer(capsys):
    ch02.check_kfold_indices(_kfold_indices)
    ch02.check_kfold_indices(lambda n, k: list(KFold(n_splits=k).split(np.zeros(n))))
    ch02.check_kfold_indices(lambda n, k: [(list(t[::-1]), list(v)) for t, v in _kfold_indices(n, k)])  # any order
    assert capsys.readouterr().out == "Exercise 2.2 (k-fold indices): correct.\n" * 3


def test_check_kfold_indices_stub_is_not_done(capsys):
    ch02.check_kfold_indices(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 2.2 (k-fold indices): not done yet. Hint: Fold sizes")


def _leftover_in_last(n, k):
    size = n // k
    folds = []
    for j in range(k):
        stop = n if j == k - 1 else (j + 1) * size
        val = np.arange(j * size, stop)
        folds.append((np.setdiff1d(np.arange(n), val), val))
    return folds


def _remainder_dropped(n, k):
    size = n // k
    return [
        (np.setdiff1d(np.arange(size * k), np.arange(j * size, (j + 1) * size)), np.arange(j * size, (j + 1) * size))
        for j in range(k)
    ]


def _train_includes_val(n, k):
    return [(np.arange(n), v) for _, v in _kfold_indices(n, k)]


def _off_by_one_slice(n, k):
    folds = []
    for train, val in _kfold_indices(n, k):
        folds.append((train[train != val[-1] + 1], val))  # forgets the row just after the validation block
    return folds


def _overlapping(n, k):
    folds = []
    for _train, val in _kfold_indices(n, k):
        wider = np.arange(val[0], min(val[-1] + 2, n))
        folds.append((np.setdiff1d(np.arange(n), wider), wider))
    return folds


def _reversed_order(n, k):
    return _kfold_indices(n, k)[::-1]


def _interleaved(n, k):
    return [(np.setdiff1d(np.arange(n), np.arange(j, n, k)), np.arange(j, n, k)) for j in range(k)]


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n, k: _kfold_indices(n, k)[:-1], "exactly k"),
        (_leftover_in_last, "not all the leftover"),
        (_remainder_dropped, "remainder n % k dropped"),
        (_train_includes_val, "both the training and the validation"),
        (_off_by_one_slice, "neither trained on nor validated"),
        (_overlapping, "must not overlap"),
        (_reversed_order, "sizes"),
        (_interleaved, "sizes|contiguous block"),
        (lambda n, k: [(t, v + 1) for t, v in _kfold_indices(n, k)], "outside"),
        (lambda n, k: [(t.astype(float), v) for t, v in _kfold_indices(n, k)], "integer"),
        (lambda n, k: None, "None"),
    ],
    ids=[
        "k-1-folds",
        "leftover-last",
        "remainder-dropped",
        "val-in-train",
        "off-by-one",
        "overlap",
        "reversed",
        "interleaved",
        "shifted",
        "floats",
        "none",
    ],
)
def test_check_kfold_indices_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch02.check_kfold_indices(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, k: [(v, t) for t, v in _kfold_indices(n, k)],
        lambda n, k: [(np.arange(n), np.arange(n)) for _ in range(k)],
        lambda n, k: list(KFold(n_splits=k, shuffle=True, random_state=0).split(np.zeros(n))),
        lambda n, k: [(t, v) for t, v in _kfold_indices(n, k + 1)][:k],
        _leftover_in_last,
        _interleaved,
    ],
    ids=["swapped-pair", "all-all", "shuffled", "k-plus-one", "leftover-last", "interleaved"],
)
def test_check_kfold_indices_never_passes_a_wrong_answer(wrong, capsys):
    _fails(ch02.check_kfold_indices, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 2.3 confusion_matrix


def _confusion_matrix(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def test_check_confusion_matrix_passes_the_right_answer(capsys):
    ch02.check_confusion_matrix(_confusion_matrix)
    ch02.check_confusion_matrix(lambda t, p, k: sk_confusion_matrix(t, p, labels=range(k)))
    assert capsys.readouterr().out == "Exercise 2.3 (confusion matrix): correct.\n" * 2


def test_check_confusion_matrix_stub_is_not_done(capsys):
    ch02.check_confusion_matrix(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 2.3 (confusion matrix): not done yet. Hint: C = np.zeros")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda t, p, k: _confusion_matrix(t, p, k).T, "transposed"),
        (lambda t, p, k: _confusion_matrix(p, t, k), "transposed"),
        (lambda t, p, k: sk_confusion_matrix(t, p), "n_classes × n_classes"),
        (lambda t, p, k: _confusion_matrix(t, p, k) / len(t), "fractions"),
        (lambda t, p, k: sk_confusion_matrix(t, p, labels=range(k), normalize="true"), "fractions"),
        (lambda t, p, k: np.zeros(k), "shape"),
        (lambda t, p, k: None, "None"),
    ],
    ids=["transposed", "arguments-swapped", "too-small", "over-n", "row-normalised", "1-d", "none"],
)
def test_check_confusion_matrix_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch02.check_confusion_matrix(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda t, p, k: _confusion_matrix(t, p, k) + np.eye(k, dtype=int),
        lambda t, p, k: np.diag(np.bincount(t, minlength=k)),
        lambda t, p, k: np.outer(np.bincount(t, minlength=k), np.bincount(p, minlength=k)) // len(t),
        lambda t, p, k: _confusion_matrix(t, np.roll(p, 1), k),
    ],
    ids=["plus-identity", "diagonal-only", "outer-product", "misaligned"],
)
def test_check_confusion_matrix_never_passes_a_wrong_answer(wrong, capsys):
    _fails(ch02.check_confusion_matrix, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 2.4 precision_recall_f1


def _divide(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def _precision_recall_f1(C):
    tp = np.diag(C)
    precision, recall = _divide(tp, C.sum(axis=0)), _divide(tp, C.sum(axis=1))
    return precision, recall, _divide(2 * precision * recall, precision + recall)


def test_check_precision_recall_f1_passes_the_right_answer(capsys):
    ch02.check_precision_recall_f1(_precision_recall_f1)
    assert capsys.readouterr().out == "Exercise 2.4 (precision, recall and F1 per class): correct.\n"


def test_check_precision_recall_f1_stub_is_not_done(capsys):
    ch02.check_precision_recall_f1(_not_done)
    assert "not done yet. Hint: precision_k = C[k, k] / (column k's sum)" in capsys.readouterr().out


def _swapped(C):
    p, r, f = _precision_recall_f1(C)
    return r, p, f


def _naive_division(C):
    tp = np.diag(C)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision, recall = tp / C.sum(axis=0), tp / C.sum(axis=1)
        return precision, recall, 2 * precision * recall / (precision + recall)


def _swapped_naive(C):
    p, r, f = _naive_division(C)
    return r, p, f


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_swapped, "swapped"),
        (_swapped_naive, "swapped"),
        (_naive_division, "0 / 0"),
        (lambda C: (*_precision_recall_f1(C)[:2], sum(_precision_recall_f1(C)[:2]) / 2), "harmonic"),
        (lambda C: (*_precision_recall_f1(C)[:2], np.full(4, np.trace(C) / C.sum())), "accuracy"),
        (lambda C: _precision_recall_f1(C)[:2], "three arrays"),
        (lambda C: tuple(x.mean() for x in _precision_recall_f1(C)), "one value per class"),
        (lambda C: None, "None"),
    ],
    ids=["swapped", "swapped-with-nan", "nan", "arithmetic-mean", "accuracy", "two-arrays", "macro-averages", "none"],
)
def test_check_precision_recall_f1_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch02.check_precision_recall_f1(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda C: (_divide(np.diag(C), C.sum()), *_precision_recall_f1(C)[1:]),
        lambda C: (
            _precision_recall_f1(C)[0],
            _divide(np.diag(C), C.sum(axis=0) + C.sum(axis=1)),
            _precision_recall_f1(C)[2],
        ),
        lambda C: (*_precision_recall_f1(C)[:2], np.sqrt(_precision_recall_f1(C)[0] * _precision_recall_f1(C)[1])),
        lambda C: _precision_recall_f1(C.T),
    ],
    ids=["precision-over-all", "recall-over-both", "geometric-mean", "transposed-input"],
)
def test_check_precision_recall_f1_never_passes_a_wrong_answer(wrong, capsys):
    _fails(ch02.check_precision_recall_f1, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 2.5 roc_auc_by_ranks


def _roc_auc_by_ranks(y_true, scores):
    ranks = rankdata(scores)
    n_pos = int(np.sum(y_true == 1))
    n_neg = len(y_true) - n_pos
    return float((ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def test_check_roc_auc_by_ranks_passes_the_right_answer(capsys):
    ch02.check_roc_auc_by_ranks(_roc_auc_by_ranks)
    ch02.check_roc_auc_by_ranks(lambda y, s: roc_auc_score(y, s))  # a NumPy float is fine too
    assert capsys.readouterr().out == "Exercise 2.5 (ROC-AUC by ranks): correct.\n" * 2


def test_check_roc_auc_by_ranks_stub_is_not_done(capsys):
    ch02.check_roc_auc_by_ranks(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 2.5 (ROC-AUC by ranks): not done yet. Hint: Rank all scores")


def _ordinal_ranks(y_true, scores):
    ranks = rankdata(scores, method="ordinal")
    n_pos = int(np.sum(y_true == 1))
    return float((ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (len(y_true) - n_pos)))


def _u_statistic(y_true, scores):
    ranks = rankdata(scores)
    n_pos = int(np.sum(y_true == 1))
    return float(ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2)


def _no_subtraction(y_true, scores):
    ranks = rankdata(scores)
    n_pos = int(np.sum(y_true == 1))
    return float(ranks[y_true == 1].sum() / (n_pos * (len(y_true) - n_pos)))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda y, s: _roc_auc_by_ranks(y, -s), "1 − AUC"),
        (lambda y, s: _roc_auc_by_ranks(1 - y, s), "1 − AUC"),
        (_ordinal_ranks, "average rank"),
        (_u_statistic, "U statistic"),
        (_no_subtraction, r"subtract n₊\(n₊\+1\)/2"),
        (lambda y, s: np.array([_roc_auc_by_ranks(y, s)]), "one number"),
        (lambda y, s: None, "None"),
    ],
    ids=["negated-scores", "negatives-ranked", "ordinal-ties", "u-statistic", "no-subtraction", "array", "none"],
)
def test_check_roc_auc_by_ranks_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch02.check_roc_auc_by_ranks(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda y, s: _roc_auc_by_ranks(y, s) * 0.9,
        lambda y, s: float(np.mean(s[y == 1]) > np.mean(s[y == 0])),
        lambda y, s: float(np.mean((s > np.median(s)) == y)),
        lambda y, s: _roc_auc_by_ranks(y, np.round(s)),
        lambda y, s: float((rankdata(s)[y == 1].sum() - y.sum() * (y.sum() + 1) / 2) / len(y) ** 2),
    ],
    ids=["scaled", "mean-comparison", "accuracy-at-median", "coarser-scores", "over-n-squared"],
)
def test_check_roc_auc_by_ranks_never_passes_a_wrong_answer(wrong, capsys):
    _fails(ch02.check_roc_auc_by_ranks, wrong, capsys)
