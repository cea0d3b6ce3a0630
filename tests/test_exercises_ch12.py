"""The checks of chapter 12's exercises (``helpers.exercises.ch12``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch12


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 12.1 NDCG@k


def _ndcg_right(ranks, k):
    ranks = np.asarray(ranks)
    return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)


def _ndcg_loop(ranks, k):
    return np.array([1 / np.log2(r + 2) if r < k else 0.0 for r in ranks])


@pytest.mark.parametrize("answer", [_ndcg_right, _ndcg_loop], ids=["where", "loop"])
def test_check_ndcg_passes_the_right_answer(answer, capsys):
    ch12.check_ndcg_at_k(answer)
    assert capsys.readouterr().out == "Exercise 12.1 (NDCG@k for one held-out item): correct.\n"


def test_check_ndcg_stub_is_not_done(capsys):
    ch12.check_ndcg_at_k(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 12.1 (NDCG@k for one held-out item): not done yet. Hint: ")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda r, k: float(np.mean(_ndcg_right(r, k))), "one value per rank"),
        (lambda r, k: np.where(np.asarray(r) < k, 1.0 / np.log2(np.asarray(r) + 1.0), 0.0), "log2\\(rank \\+ 2\\)"),
        (lambda r, k: np.where(np.asarray(r) <= k, 1.0 / np.log2(np.asarray(r) + 2.0), 0.0), "rank < k"),
        (lambda r, k: (np.asarray(r) < k).astype(float), "hit rate"),
        (lambda r, k: np.where(np.asarray(r) < k, 1.0 / np.log(np.asarray(r) + 2.0), 0.0), "natural log"),
        (lambda r, k: np.where(np.asarray(r) < k, 1.0 / np.log2(np.asarray(r) + 3.0), 0.0), "off by one"),
    ],
    ids=["averaged", "log2-rank+1", "rank<=k", "hit-rate", "ln", "rank+3"],
)
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_check_ndcg_names_typical_mistakes(wrong, message, capsys):
    with pytest.raises(ExerciseFailed, match=message):
        ch12.check_ndcg_at_k(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda r, k: np.where(np.asarray(r) < k, 1.0 / (np.asarray(r) + 1.0), 0.0),
        lambda r, k: np.where(np.asarray(r) < k - 1, 1.0 / np.log2(np.asarray(r) + 2.0), 0.0),
        lambda r, k: 1.0 / np.log2(np.asarray(r) + 2.0),
        lambda r, k: np.where(np.asarray(r) < k, np.log2(np.asarray(r) + 2.0), 0.0),
        lambda r, k: np.zeros(len(r)),
    ],
    ids=["reciprocal-rank", "k-1", "no-cutoff", "not-inverted", "zeros"],
)
def test_check_ndcg_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch12.check_ndcg_at_k, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 12.2 regularised item biases


def _biases_right(items, residuals, n_items, lam):
    sums = np.bincount(items, weights=residuals, minlength=n_items)
    counts = np.bincount(items, minlength=n_items)
    return sums / (lam + counts + (counts == 0))


def _biases_loop(items, residuals, n_items, lam):
    out = np.zeros(n_items)
    for j in range(n_items):
        rows = residuals[items == j]
        if len(rows):
            out[j] = rows.sum() / (lam + len(rows))
    return out


@pytest.mark.parametrize("answer", [_biases_right, _biases_loop], ids=["bincount", "loop"])
def test_check_item_biases_passes_the_right_answer(answer, capsys):
    ch12.check_item_biases(answer)
    assert capsys.readouterr().out == "Exercise 12.2 (regularised item biases): correct.\n"


def test_check_item_biases_stub_is_not_done(capsys):
    ch12.check_item_biases(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 12.2 (regularised item biases): not done yet. Hint: ")


def _sums_counts(items, residuals, n_items):
    return np.bincount(items, weights=residuals, minlength=n_items), np.bincount(items, minlength=n_items)


def _plain_mean(items, residuals, n_items, lam):
    s, c = _sums_counts(items, residuals, n_items)
    return s / np.maximum(c, 1)


def _lam_in_numerator(items, residuals, n_items, lam):
    s, c = _sums_counts(items, residuals, n_items)
    return np.where(c > 0, (s + lam) / (c + lam), 0.0)


def _lam_times_count(items, residuals, n_items, lam):
    s, c = _sums_counts(items, residuals, n_items)
    return np.where(c > 0, s / (lam * np.maximum(c, 1)), 0.0)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda it, r, n, lam: _biases_right(it, r, n, lam)[:-2], "one bias per item"),
        (lambda it, r, n, lam: np.bincount(it, r, n) / np.bincount(it, minlength=n), "inf or NaN"),
        (_plain_mean, "plain means"),
        (_lam_in_numerator, "added to the sum"),
        (_lam_times_count, "multiplies the count"),
    ],
    ids=["short", "nan", "mean", "lam-numerator", "lam-times"],
)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_check_item_biases_names_typical_mistakes(wrong, message, capsys):
    with pytest.raises(ExerciseFailed, match=message):
        ch12.check_item_biases(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda it, r, n, lam: -_biases_right(it, r, n, lam),
        lambda it, r, n, lam: _biases_right(it, r, n, 0.0) * 0.9,
        lambda it, r, n, lam: _biases_right(it, r, n, 2 * lam),
        lambda it, r, n, lam: np.bincount(it, r, n) / (lam + len(it)),
        lambda it, r, n, lam: np.full(n, r.mean()),
    ],
    ids=["negated", "scaled", "double-lam", "global-count", "global-mean"],
)
def test_check_item_biases_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch12.check_item_biases, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 12.3 biased MF prediction


def _predict_right(mu, b_u, b_i, P, Q, users, items):
    return mu + b_u[users] + b_i[items] + np.sum(P[users] * Q[items], axis=1)


def _predict_einsum(mu, b_u, b_i, P, Q, users, items):
    return mu + b_u[users] + b_i[items] + np.einsum("nk,nk->n", P[users], Q[items])


@pytest.mark.parametrize("answer", [_predict_right, _predict_einsum], ids=["sum", "einsum"])
def test_check_predict_passes_the_right_answer(answer, capsys):
    ch12.check_predict_ratings(answer)
    assert capsys.readouterr().out == "Exercise 12.3 (biased matrix-factorisation prediction): correct.\n"


def test_check_predict_stub_is_not_done(capsys):
    ch12.check_predict_ratings(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 12.3 (biased matrix-factorisation prediction): not done yet.")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda mu, bu, bi, P, Q, u, i: P @ Q.T, "full matrix product"),
        (lambda mu, bu, bi, P, Q, u, i: P[u] @ Q[i].T, "full matrix product"),
        (lambda mu, bu, bi, P, Q, u, i: np.sum(P[u] * Q[i], axis=1), "global mean and both biases"),
        (lambda mu, bu, bi, P, Q, u, i: _predict_right(0.0, bu, bi, P, Q, u, i), "global mean mu"),
        (lambda mu, bu, bi, P, Q, u, i: mu + np.sum(P[u] * Q[i], axis=1), "biases"),
        (lambda mu, bu, bi, P, Q, u, i: mu + bu[u] + bi[i], "dot product"),
    ],
    ids=["PQt", "pairs-matrix", "dot-only", "no-mu", "no-biases", "no-dot"],
)
def test_check_predict_names_typical_mistakes(wrong, message, capsys):
    with pytest.raises(ExerciseFailed, match=message):
        ch12.check_predict_ratings(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda mu, bu, bi, P, Q, u, i: mu + bu[i % len(bu)] + bi[u] + np.sum(P[u] * Q[i], axis=1),
        lambda mu, bu, bi, P, Q, u, i: np.clip(_predict_right(mu, bu, bi, P, Q, u, i), 0.5, 5.0),
        lambda mu, bu, bi, P, Q, u, i: mu + bu[u] - bi[i] + np.sum(P[u] * Q[i], axis=1),
        lambda mu, bu, bi, P, Q, u, i: mu + bu[u] + bi[i] + np.sum(P[u] * Q[i]),
        lambda mu, bu, bi, P, Q, u, i: mu * (1 + bu[u] + bi[i]) + np.sum(P[u] * Q[i], axis=1),
    ],
    ids=["swapped-biases", "clipped", "minus-bi", "summed-all", "mu-times"],
)
def test_check_predict_never_passes_wrong_formulas(wrong, capsys):
    _assert_never_passes(ch12.check_predict_ratings, wrong, capsys)
