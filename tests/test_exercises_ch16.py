"""Tests of helpers.exercises.ch16: right answers pass, stubs say "not done yet", mistakes are named."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch16

N = NormalDist()


def _not_done(*_args):
    raise NotImplementedError


# 16.1 ----------------------------------------------------------------------------------------


def _z(x_a, n_a, x_b, n_b):
    p = (x_a + x_b) / (n_a + n_b)
    return (x_b / n_b - x_a / n_a) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


def test_pooled_z_right_answer(capsys):
    ch16.check_pooled_z(_z)
    assert capsys.readouterr().out == "Exercise 16.1 (pooled z statistic): correct.\n"


def test_pooled_z_matches_the_helper(capsys):
    from helpers.experiments import two_proportion_ztest

    ch16.check_pooled_z(lambda *a: two_proportion_ztest(*a).z)
    assert "correct" in capsys.readouterr().out


def test_pooled_z_stub(capsys):
    ch16.check_pooled_z(_not_done)
    assert "not done yet. Hint: p = (x_a + x_b)" in capsys.readouterr().out


def _wald(x_a, n_a, x_b, n_b):
    pa, pb = x_a / n_a, x_b / n_b
    return (pb - pa) / math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)


def _no_sqrt(x_a, n_a, x_b, n_b):
    p = (x_a + x_b) / (n_a + n_b)
    return (x_b / n_b - x_a / n_a) / (p * (1 - p) * (1 / n_a + 1 / n_b))


def _one_n(x_a, n_a, x_b, n_b):
    p = (x_a + x_b) / (n_a + n_b)
    return (x_b / n_b - x_a / n_a) / math.sqrt(p * (1 - p) / (n_a + n_b))


def _counts(x_a, n_a, x_b, n_b):
    p = (x_a + x_b) / (n_a + n_b)
    return (x_b - x_a) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda *a: -_z(*a), "sign is reversed"),
        (_wald, "pooled rate"),
        (_no_sqrt, "square root"),
        (_one_n, "1/n_a \\+ 1/n_b"),
        (_counts, "raw counts"),
        (lambda *a: None, "None"),
        (lambda *a: [_z(*a)], "one number"),
    ],
)
def test_pooled_z_mistakes_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch16.check_pooled_z(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: 0.0,
        lambda *a: 2 * _z(*a),
        lambda *a: _z(*a) + 0.1,
        lambda x_a, n_a, x_b, n_b: _z(x_b, n_b, x_a, n_a) * 1.01,
        lambda x_a, n_a, x_b, n_b: x_b / n_b - x_a / n_a,
        lambda *a: abs(_z(*a)),
    ],
    ids=["zero", "double", "offset", "swapped-scaled", "no-se", "abs"],
)
def test_pooled_z_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch16.check_pooled_z(wrong)
    assert "correct" not in capsys.readouterr().out


# 16.2 ----------------------------------------------------------------------------------------


def _n(p_a, p_b, alpha, power, *, za=None, zb=None):
    za = N.inv_cdf(1 - alpha / 2) if za is None else za
    zb = N.inv_cdf(power) if zb is None else zb
    pbar = (p_a + p_b) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return (num / (p_b - p_a)) ** 2


def test_sample_size_right_answer(capsys):
    ch16.check_sample_size(lambda *a: math.ceil(_n(*a)))
    assert capsys.readouterr().out == "Exercise 16.2 (users per arm): correct.\n"


def test_sample_size_matches_the_helper(capsys):
    from helpers.experiments import sample_size_per_arm

    ch16.check_sample_size(lambda p_a, p_b, alpha, pw: sample_size_per_arm(p_a, p_b, alpha=alpha, power=pw))
    assert "correct" in capsys.readouterr().out


def test_sample_size_stub(capsys):
    ch16.check_sample_size(_not_done)
    assert "not done yet. Hint: z_a = NormalDist()" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw, za=N.inv_cdf(1 - alpha))), "one-sided"),
        (lambda *a: 2 * math.ceil(_n(*a)), "total over both arms"),
        (lambda *a: _n(*a), "whole number"),
        (lambda *a: math.floor(_n(*a)), "round \\*up\\*"),
        (lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw, zb=N.inv_cdf(1 - pw))), "inv_cdf\\(power\\)"),
        (lambda *a: None, "None"),
    ],
)
def test_sample_size_mistakes_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch16.check_sample_size(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: 1000,
        lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw) / 2),
        lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw, zb=0.0)),
        lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw) * abs(p_b - p_a)),
        lambda p_a, p_b, alpha, pw: math.ceil(_n(p_a, p_b, alpha, pw)) + 1,
    ],
    ids=["constant", "half", "no-power-term", "delta-not-squared", "off-by-one"],
)
def test_sample_size_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch16.check_sample_size(wrong)
    assert "correct" not in capsys.readouterr().out


# 16.3 ----------------------------------------------------------------------------------------


def _pick(proba, labelled, k):
    score = np.where(labelled, np.inf, np.abs(proba - 0.5))
    return np.argsort(score, kind="stable")[:k]


def test_uncertainty_pick_right_answer(capsys):
    ch16.check_uncertainty_pick(_pick)
    assert capsys.readouterr().out == "Exercise 16.3 (uncertainty sampling): correct.\n"


def test_uncertainty_pick_stub(capsys):
    ch16.check_uncertainty_pick(_not_done)
    assert "not done yet. Hint: Score |proba - 0.5|" in capsys.readouterr().out


def _mask(proba, labelled, k):
    out = np.zeros(len(proba), dtype=bool)
    out[_pick(proba, labelled, k)] = True
    return out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda proba, labelled, k: np.argsort(np.abs(proba - 0.5))[:k], "labelled already"),
        (
            lambda proba, labelled, k: np.argsort(-np.where(labelled, -np.inf, np.abs(proba - 0.5)))[:k],
            "most \\*confident\\*",
        ),
        (_mask, "boolean mask"),
        (lambda proba, labelled, k: _pick(proba, labelled, k)[::-1], "order them"),
        (lambda proba, labelled, k: _pick(proba, labelled, k + 1), "exactly k"),
        (lambda proba, labelled, k: None, "None"),
    ],
)
def test_uncertainty_pick_mistakes_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch16.check_uncertainty_pick(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda proba, labelled, k: np.arange(k),
        lambda proba, labelled, k: np.flatnonzero(~labelled)[:k],
        lambda proba, labelled, k: np.argsort(np.where(labelled, np.inf, proba))[:k],
        lambda proba, labelled, k: _pick(proba, labelled, 2 * k)[k:],
    ],
    ids=["first-k", "first-unlabelled", "lowest-proba", "next-k"],
)
def test_uncertainty_pick_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch16.check_uncertainty_pick(wrong)
    assert "correct" not in capsys.readouterr().out


# 16.4 ----------------------------------------------------------------------------------------


def test_peeking_rate_right_answer(capsys):
    ch16.check_peeking_rate(lambda p, alpha: (p < alpha).any(axis=1).mean())
    assert capsys.readouterr().out == "Exercise 16.4 (false positives of a peeker): correct.\n"


def test_peeking_rate_stub(capsys):
    ch16.check_peeking_rate(_not_done)
    assert "not done yet. Hint: (p_values < alpha)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p, alpha: (p < alpha).mean(), "share of \\*looks\\*"),
        (lambda p, alpha: (p[:, -1] < alpha).mean(), "fixed-horizon"),
        (lambda p, alpha: (p < alpha).any(axis=0).mean(), "axis=1"),
        (lambda p, alpha: (p < alpha).any(axis=1).sum(), "count"),
        (lambda p, alpha: None, "None"),
    ],
)
def test_peeking_rate_mistakes_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch16.check_peeking_rate(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p, alpha: alpha,
        lambda p, alpha: (p < alpha / p.shape[1]).any(axis=1).mean(),
        lambda p, alpha: (p > alpha).any(axis=1).mean(),
        lambda p, alpha: (p < alpha).all(axis=1).mean(),
        lambda p, alpha: (p[:, 0] < alpha).mean(),
    ],
    ids=["alpha", "bonferroni", "greater", "all", "first-look"],
)
def test_peeking_rate_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch16.check_peeking_rate(wrong)
    assert "correct" not in capsys.readouterr().out
