"""Tests of helpers.exercises.ch15: right answers pass, stubs say "not done yet", mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch15


def _not_done(*_args):
    raise NotImplementedError


# 15.1 ----------------------------------------------------------------------------------------


def _corrupt(ids, chosen, u, random_ids, mask_id):
    out = np.array(ids, copy=True)
    out[chosen & (u < 0.8)] = mask_id
    pick = chosen & (u >= 0.8) & (u < 0.9)
    out[pick] = random_ids[pick]
    return out


def _in_place(ids, chosen, u, random_ids, mask_id):
    ids[chosen & (u < 0.8)] = mask_id
    pick = chosen & (u >= 0.8) & (u < 0.9)
    ids[pick] = random_ids[pick]
    return ids


def test_corrupt_right_answer(capsys):
    ch15.check_corrupt(_corrupt)
    assert capsys.readouterr().out == "Exercise 15.1 (BERT's corruption rule): correct.\n"


def test_corrupt_stub(capsys):
    ch15.check_corrupt(_not_done)
    assert "not done yet. Hint: Copy ids" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_in_place, "in place"),
        (lambda ids, chosen, u, r, m: np.where(chosen, m, ids), "every chosen position"),
        (lambda ids, chosen, u, r, m: _corrupt(ids, chosen, 1 - u, r, m), "reversed"),
        (lambda ids, chosen, u, r, m: np.where(u < 0.8, m, np.where((u >= 0.8) & (u < 0.9), r, ids)), "not chosen"),
        (lambda ids, chosen, u, r, m: np.where(chosen & (u < 0.8), m, ids), "random_ids"),
        (lambda ids, chosen, u, r, m: np.where(chosen & (u < 0.8), m, np.where(chosen & (u >= 0.8), r, ids)), "keep"),
        (lambda ids, chosen, u, r, m: None, "None"),
        (lambda ids, chosen, u, r, m: _corrupt(ids, chosen, u, r, m).T, "shape"),
    ],
)
def test_corrupt_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch15.check_corrupt(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda ids, chosen, u, r, m: np.array(ids, copy=True),
        lambda ids, chosen, u, r, m: _corrupt(ids, chosen, u, r, m + 1),
        lambda ids, chosen, u, r, m: _corrupt(ids, ~chosen, u, r, m),
        lambda ids, chosen, u, r, m: np.where(chosen & (u < 0.9), m, ids),
        lambda ids, chosen, u, r, m: _corrupt(ids, chosen, u, np.array(ids, copy=True) * 0, m),
        lambda ids, chosen, u, r, m: _corrupt(ids, chosen, u * 0.5, r, m),
    ],
)
def test_corrupt_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch15.check_corrupt(wrong)


# 15.2 ----------------------------------------------------------------------------------------


def _masked_accuracy(logits, targets, weights):
    correct = np.argmax(logits, axis=-1) == targets
    return float(np.sum(correct * weights) / np.sum(weights))


def test_masked_accuracy_right_answer(capsys):
    ch15.check_masked_accuracy(_masked_accuracy)
    assert capsys.readouterr().out == "Exercise 15.2 (masked-prediction accuracy): correct.\n"


def test_masked_accuracy_stub(capsys):
    ch15.check_masked_accuracy(_not_done)
    assert "not done yet. Hint: correct = argmax" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda lo, t, w: float(np.mean(np.argmax(lo, axis=-1) == t)), "padding included"),
        (lambda lo, t, w: float(np.sum((np.argmax(lo, axis=-1) == t) * w)), "count"),
        (lambda lo, t, w: float(np.sum((np.argmax(lo, axis=-1) == t) * w) / w.size), "all slots"),
        (lambda lo, t, w: np.argmax(lo, axis=-1) == t, "one number"),
        (lambda lo, t, w: None, "None"),
    ],
)
def test_masked_accuracy_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch15.check_masked_accuracy(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda lo, t, w: 1 - _masked_accuracy(lo, t, w),
        lambda lo, t, w: float(np.sum((np.argmin(lo, axis=-1) == t) * w) / np.sum(w)),
        lambda lo, t, w: 0.0,
        lambda lo, t, w: float(np.mean(np.argmax(lo, axis=-1) == t) * np.mean(w)),
        lambda lo, t, w: _masked_accuracy(lo, t, w) * 100,
        lambda lo, t, w: float(np.sum((np.argmax(lo, axis=-1) == t) * (1 - w)) / np.sum(1 - w)),
    ],
)
def test_masked_accuracy_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch15.check_masked_accuracy(wrong)


# 15.3 ----------------------------------------------------------------------------------------


def _mean_pool(hidden, ids):
    mask = (ids != 0)[:, :, None].astype(hidden.dtype)
    return (hidden * mask).sum(axis=1) / mask.sum(axis=1)


def test_mean_pool_right_answer(capsys):
    ch15.check_mean_pool(_mean_pool)
    assert capsys.readouterr().out == "Exercise 15.3 (mean pooling over real characters): correct.\n"


def test_mean_pool_stub(capsys):
    ch15.check_mean_pool(_not_done)
    assert "not done yet. Hint: mask = (ids != 0)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda h, ids: h.mean(axis=1), "padding positions were averaged in"),
        (lambda h, ids: (h * (ids != 0)[:, :, None]).sum(axis=1) / h.shape[1], "divided by T"),
        (lambda h, ids: (h * (ids != 0)[:, :, None]).sum(axis=1), "this is a sum"),
        (lambda h, ids: h.mean(axis=2), "wrong axis"),
        (lambda h, ids: _mean_pool(h, ids).mean(axis=0), "batch axis"),
        (lambda h, ids: None, "None"),
    ],
)
def test_mean_pool_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch15.check_mean_pool(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda h, ids: h[:, 0, :],
        lambda h, ids: h.max(axis=1),
        lambda h, ids: _mean_pool(h, ids) * 2,
        lambda h, ids: _mean_pool(h, ids) - 1,
        lambda h, ids: (h * (ids == 0)[:, :, None]).sum(axis=1) / np.maximum((ids == 0).sum(axis=1), 1)[:, None],
    ],
)
def test_mean_pool_wrong_formulas_never_pass(wrong):
    with pytest.raises(ExerciseFailed):
        ch15.check_mean_pool(wrong)
