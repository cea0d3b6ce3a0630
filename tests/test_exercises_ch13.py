"""The checks of chapter 13's exercises (``helpers.exercises.ch13``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch13


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 13.1 expected cost of a threshold


def _cost(y, p, t, c_fp, c_fn, *, reject=None):
    y, p = np.asarray(y), np.asarray(p)
    rej = p >= t if reject is None else reject(p, t)
    return np.mean(np.where(rej, (1 - y) * c_fp, y * c_fn))


def _cost_counts(y, p, t, c_fp, c_fn):
    rej = p >= t
    return (c_fp * np.sum(rej & (y == 0)) + c_fn * np.sum(~rej & (y == 1))) / len(y)


@pytest.mark.parametrize("answer", [_cost, _cost_counts], ids=["where", "counts"])
def test_check_expected_cost_passes_the_right_answer(answer, capsys):
    ch13.check_expected_cost(answer)
    assert capsys.readouterr().out == "Exercise 13.1 (expected cost of a threshold): correct.\n"


def test_check_expected_cost_stub_is_not_done(capsys):
    ch13.check_expected_cost(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 13.1 (expected cost of a threshold): not done yet. Hint: ")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda y, p, t, a, b: None, "returned None"),
        (lambda y, p, t, a, b: np.where(p >= t, (1 - y) * a, y * b), "one number"),
        (lambda y, p, t, a, b: len(y) * _cost(y, p, t, a, b), "total cost"),
        (lambda y, p, t, a, b: _cost(y, p, t, b, a), "swapped"),
        (lambda y, p, t, a, b: _cost(y, p, t, a, b, reject=lambda q, s: q > s), "p >= threshold"),
        (lambda y, p, t, a, b: _cost(y, p, t, a, b, reject=lambda q, s: q < s), "reversed"),
    ],
    ids=["none", "per-row", "sum", "swapped", "strict", "reversed"],
)
def test_check_expected_cost_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch13.check_expected_cost(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda y, p, t, a, b: np.mean(np.where(p >= t, y * a, (1 - y) * b)),
        lambda y, p, t, a, b: np.mean(np.where(p >= t, a, b)),
        lambda y, p, t, a, b: np.mean((p >= t) != y),
        lambda y, p, t, a, b: np.mean(np.where(p >= t, (1 - y) * a, y * b)) / np.mean(y),
        lambda y, p, t, a, b: 0.0,
    ],
    ids=["costs-on-right-decisions", "no-labels", "error-rate", "per-default", "zero"],
)
def test_check_expected_cost_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch13.check_expected_cost, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 13.2 undo class weights


def _undo_right(p_w, w):
    return p_w / (p_w + w * (1 - p_w))


def _undo_via_logit(p_w, w):
    with np.errstate(divide="ignore"):
        z = np.log(p_w) - np.log1p(-p_w) - np.log(w)
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("answer", [_undo_right, _undo_via_logit], ids=["odds", "logit"])
def test_check_undo_class_weights_passes_the_right_answer(answer, capsys):
    ch13.check_undo_class_weights(answer)
    assert capsys.readouterr().out == "Exercise 13.2 (undo class weights): correct.\n"


def test_check_undo_class_weights_stub_is_not_done(capsys):
    ch13.check_undo_class_weights(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 13.2 (undo class weights): not done yet. Hint: ")


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p, w: p[:-1] / (p[:-1] + w * (1 - p[:-1])), "one probability per input"),
        (lambda p, w: p / (1 - p) / w, "corrected odds"),
        (lambda p, w: w * p / (w * p + 1 - p), "multiplied by w"),
        (lambda p, w: p / w, "probability was divided"),
        (lambda p, w: (p / (1 - p) / w) / (1 + p / (1 - p) / w), "NaN or inf"),
    ],
    ids=["shape", "odds", "times-w", "p-over-w", "nan-at-1"],
)
def test_check_undo_class_weights_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch13.check_undo_class_weights(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p, w: p,
        lambda p, w: p / (p + (1 - p) / w),
        lambda p, w: p / (p + w * (1 - p)) ** 2,
        lambda p, w: 1 - p / (p + w * (1 - p)),
        lambda p, w: np.clip(p - np.log(w), 0, 1),
    ],
    ids=["unchanged", "inverse-weight", "squared", "complement", "shifted"],
)
def test_check_undo_class_weights_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch13.check_undo_class_weights, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 13.3 reliability table


def _bins_right(y, p, n_bins):
    index = np.minimum((p * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (
            np.bincount(index, weights=p, minlength=n_bins) / counts,
            np.bincount(index, weights=y, minlength=n_bins) / counts,
            counts,
        )


def _bins_loop(y, p, n_bins):
    mean_p, rate, count = np.full(n_bins, np.nan), np.full(n_bins, np.nan), np.zeros(n_bins, dtype=int)
    index = np.clip(np.floor(p * n_bins).astype(int), 0, n_bins - 1)
    for b in range(n_bins):
        rows = index == b
        count[b] = rows.sum()
        if count[b]:
            mean_p[b], rate[b] = p[rows].mean(), y[rows].mean()
    return mean_p, rate, count


def _bins_extra(y, p, n_bins):
    index = (p * n_bins).astype(int)
    counts = np.bincount(index, minlength=n_bins + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (
            np.bincount(index, weights=p, minlength=n_bins + 1) / counts,
            np.bincount(index, weights=y, minlength=n_bins + 1) / counts,
            counts,
        )


def _bins_zero_empty(y, p, n_bins):
    mean_p, rate, counts = _bins_right(y, p, n_bins)
    return np.nan_to_num(mean_p), np.nan_to_num(rate), counts


def _bins_centres(y, p, n_bins):
    mean_p, rate, counts = _bins_right(y, p, n_bins)
    return np.where(counts > 0, (np.arange(n_bins) + 0.5) / n_bins, np.nan), rate, counts


@pytest.mark.parametrize("answer", [_bins_right, _bins_loop], ids=["bincount", "loop"])
def test_check_reliability_bins_passes_the_right_answer(answer, capsys):
    ch13.check_reliability_bins(answer)
    assert capsys.readouterr().out == "Exercise 13.3 (reliability table): correct.\n"


def test_check_reliability_bins_stub_is_not_done(capsys):
    ch13.check_reliability_bins(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 13.3 (reliability table): not done yet. Hint: ")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda y, p, n: list(_bins_right(y, p, n)), "tuple of three"),
        (_bins_extra, "extra bin"),
        (lambda y, p, n: (_bins_right(y, p, n)[1], _bins_right(y, p, n)[0], _bins_right(y, p, n)[2]), "swapped"),
        (_bins_zero_empty, "NaN there"),
        (_bins_centres, "bin centres"),
        (lambda y, p, n: tuple(r[:-1] for r in _bins_right(y, p, n)), "one entry per bin"),
    ],
    ids=["list", "extra-bin", "swapped", "zero-for-empty", "centres", "short"],
)
def test_check_reliability_bins_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch13.check_reliability_bins(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda y, p, n: (_bins_right(y, p, n)[0], _bins_right(y, p, n)[1], _bins_right(y, p, n)[2] / len(y)),
        lambda y, p, n: _bins_right(y, np.round(p, 1), n),
        lambda y, p, n: tuple(r[:n] for r in _bins_right(y, p, n + 1)),
        lambda y, p, n: _bins_right(1 - y, p, n),
    ],
    ids=["fractions", "rounded", "wrong-width", "flipped-labels"],
)
def test_check_reliability_bins_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch13.check_reliability_bins, wrong, capsys)
