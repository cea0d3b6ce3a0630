"""Tests of the exercise checks of notebook 14 (case: diagnosis)."""

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch14


def _not_done(*_args):
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# 14.1 recall_threshold


def _recall_threshold(p, y_true, target):
    pos = np.sort(np.asarray(p)[np.asarray(y_true) == 1])
    m = int(np.floor((1 - target) * len(pos) + 1e-9))
    return float(pos[m])


def test_check_recall_threshold_passes_the_right_answer(capsys):
    ch14.check_recall_threshold(_recall_threshold)
    assert capsys.readouterr().out == "Exercise 14.1 (the recall-first threshold): correct.\n"


def test_check_recall_threshold_stub_is_not_done(capsys):
    ch14.check_recall_threshold(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 14.1 (the recall-first threshold): not done yet. Hint: sort the probabilities"), out


def test_check_recall_threshold_one_too_low():
    def one_too_low(p, y_true, target):
        pos = np.sort(p[y_true == 1])
        m = int(np.floor((1 - target) * len(pos) + 1e-9))
        return float(pos[max(m - 1, 0)])

    with pytest.raises(ExerciseFailed, match="one positive too low"):
        ch14.check_recall_threshold(one_too_low)


def test_check_recall_threshold_one_too_high():
    def one_too_high(p, y_true, target):
        pos = np.sort(p[y_true == 1])
        m = int(np.floor((1 - target) * len(pos) + 1e-9))
        return float(pos[min(m + 1, len(pos) - 1)])

    with pytest.raises(ExerciseFailed, match="below the target"):
        ch14.check_recall_threshold(one_too_high)


def test_check_recall_threshold_quantile_of_all_probabilities():
    with pytest.raises(ExerciseFailed, match="all"):
        ch14.check_recall_threshold(lambda p, y_true, target: float(np.quantile(p, 1 - target)))


def test_check_recall_threshold_smallest_positive():
    with pytest.raises(ExerciseFailed, match="too cautious|one positive too low"):
        ch14.check_recall_threshold(lambda p, y_true, target: float(np.min(p[y_true == 1])))


def test_check_recall_threshold_array_result():
    with pytest.raises(ExerciseFailed, match="one number"):
        ch14.check_recall_threshold(lambda p, y_true, target: np.sort(p[y_true == 1]))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p, y, t: 0.5,
        lambda p, y, t: float(np.sort(p)[int((1 - t) * len(p))]),
        lambda p, y, t: float(np.sort(p[y == 0])[int((1 - t) * np.sum(y == 0))]),
        lambda p, y, t: float(np.quantile(p[y == 1], 1 - t)),
        lambda p, y, t: float(np.sort(p[y == 1])[int(np.ceil((1 - t) * np.sum(y)))]),
        lambda p, y, t: float(np.sort(p[y == 1])[::-1][int((1 - t) * np.sum(y))]),
    ],
    ids=["constant-0.5", "all-probabilities", "negatives", "interpolated-quantile", "ceil", "descending"],
)
def test_check_recall_threshold_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or an IndexError: either stops the notebook
        ch14.check_recall_threshold(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 14.2 brier_score


def test_check_brier_score_passes_the_right_answer(capsys):
    ch14.check_brier_score(lambda p, y: float(np.mean((p - y) ** 2)))
    ch14.check_brier_score(lambda p, y: np.mean((y - p) ** 2))  # a NumPy scalar is fine too
    assert capsys.readouterr().out == "Exercise 14.2 (the Brier score): correct.\n" * 2


def test_check_brier_score_stub_is_not_done(capsys):
    ch14.check_brier_score(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 14.2 (the Brier score): not done yet. Hint: np.mean")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p, y: np.sqrt(np.mean((p - y) ** 2)), "root"),
        (lambda p, y: np.mean((1 - p - y) ** 2), "1 − p"),
        (lambda p, y: np.mean(np.abs(p - y)), "absolute"),
        (lambda p, y: np.sum((p - y) ** 2), "factor of 23"),
        (lambda p, y: (p - y) ** 2, "one number"),
        (lambda p, y: None, "None"),
    ],
    ids=["rmse", "one-minus-p", "mae", "sum", "array", "none"],
)
def test_check_brier_score_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch14.check_brier_score(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p, y: np.mean((p - y) ** 2) / 2,
        lambda p, y: np.mean(p - y) ** 2,
        lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
        lambda p, y: np.mean((np.round(p) - y) ** 2),
    ],
    ids=["half", "squared-mean", "log-loss", "rounded"],
)
def test_check_brier_score_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch14.check_brier_score(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 14.3 linear_contributions


def test_check_linear_contributions_passes_the_right_answer(capsys):
    ch14.check_linear_contributions(lambda coef, mean, scale, X: coef * (X - mean) / scale)
    assert capsys.readouterr().out == "Exercise 14.3 (per-feature contributions): correct.\n"


def test_check_linear_contributions_stub_is_not_done(capsys):
    ch14.check_linear_contributions(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 14.3 (per-feature contributions): not done yet. Hint:")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda coef, mean, scale, X: coef * X, "raw features"),
        (lambda coef, mean, scale, X: coef * X / scale, "mean was not subtracted"),
        (lambda coef, mean, scale, X: coef * (X - mean), "scale was not divided"),
        (lambda coef, mean, scale, X: coef * (X - mean) * scale, "multiplied by the scale"),
        (lambda coef, mean, scale, X: (coef * (X - mean) / scale).sum(axis=1), "row sums"),
        (lambda coef, mean, scale, X: (coef * (X - mean) / scale).T, "transposed"),
        (lambda coef, mean, scale, X: None, "None"),
    ],
    ids=["raw", "no-mean", "no-scale", "times-scale", "row-sums", "transposed", "none"],
)
def test_check_linear_contributions_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch14.check_linear_contributions(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda coef, mean, scale, X: coef * (X - mean) / scale**2,
        lambda coef, mean, scale, X: coef * (X + mean) / scale,
        lambda coef, mean, scale, X: (X - mean) / scale,
        lambda coef, mean, scale, X: coef * (X - X.mean(axis=0)) / X.std(axis=0),
        lambda coef, mean, scale, X: -coef * (X - mean) / scale,
    ],
    ids=["scale-squared", "plus-mean", "no-coef", "batch-statistics", "minus"],
)
def test_check_linear_contributions_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch14.check_linear_contributions(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 14.4 spearman_rho


def _spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    n = len(a)
    return 1 - 6 * np.sum((ra - rb) ** 2) / (n * (n**2 - 1))


def test_check_spearman_rho_passes_the_right_answer(capsys):
    ch14.check_spearman_rho(_spearman)
    ch14.check_spearman_rho(lambda a, b: np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])
    assert capsys.readouterr().out == "Exercise 14.4 (Spearman's rank correlation): correct.\n" * 2


def test_check_spearman_rho_agrees_with_scipy(capsys):
    from scipy.stats import spearmanr

    ch14.check_spearman_rho(lambda a, b: spearmanr(a, b).statistic)
    assert capsys.readouterr().out.endswith("correct.\n")


def test_check_spearman_rho_stub_is_not_done(capsys):
    ch14.check_spearman_rho(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 14.4 (Spearman's rank correlation): not done yet. Hint:")


def test_check_spearman_rho_pearson_of_values():
    with pytest.raises(ExerciseFailed, match="Pearson correlation of the values"):
        ch14.check_spearman_rho(lambda a, b: np.corrcoef(a, b)[0, 1])


def test_check_spearman_rho_argsort_once():
    with pytest.raises(ExerciseFailed, match="argsort"):
        ch14.check_spearman_rho(lambda a, b: np.corrcoef(np.argsort(a), np.argsort(b))[0, 1])


@pytest.mark.parametrize(
    "wrong",
    [
        lambda a, b: 1 - 6 * np.sum((np.argsort(np.argsort(a)) - np.argsort(np.argsort(b))) ** 2) / len(a) ** 3,
        lambda a, b: -_spearman(a, b),
        lambda a, b: _spearman(a, -b),
        lambda a, b: np.corrcoef(np.argsort(np.argsort(a)), b)[0, 1],
        lambda a, b: np.mean(np.argsort(np.argsort(a)) == np.argsort(np.argsort(b))),
    ],
    ids=["n-cubed", "negated", "descending-b", "one-ranked", "share-equal"],
)
def test_check_spearman_rho_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch14.check_spearman_rho(wrong)
    assert "correct" not in capsys.readouterr().out
