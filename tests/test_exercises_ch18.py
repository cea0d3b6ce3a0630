"""The checks of chapter 18's exercises (``helpers.exercises.ch18``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch18


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 18.1 rows unique on the quasi-identifiers


def _unique_value_counts(table, qis):
    return int((table.value_counts(list(qis), dropna=False) == 1).sum())


def _unique_groupby(table, qis):
    sizes = table.groupby(list(qis), dropna=False)[list(qis)[0]].transform("size")
    return int((sizes == 1).sum())


@pytest.mark.parametrize("answer", [_unique_value_counts, _unique_groupby], ids=["value_counts", "groupby"])
def test_check_count_unique_passes_the_right_answer(answer, capsys):
    ch18.check_count_unique(answer)
    assert capsys.readouterr().out == "Exercise 18.1 (rows unique on the quasi-identifiers): correct.\n"


def test_check_count_unique_not_done(capsys):
    ch18.check_count_unique(_not_done)
    assert "Exercise 18.1 (rows unique on the quasi-identifiers): not done yet. Hint: table.value_counts" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda t, q: len(t.value_counts(list(q))), "number of distinct combinations"),
        (lambda t, q: _unique_value_counts(t, q) / len(t), "fraction of unique rows"),
        (lambda t, q: int(t.value_counts(list(q)).min()), "this is k"),
        (lambda t, q: len(t) - _unique_value_counts(t, q), "NOT unique"),
        (lambda t, q: None, "returned None"),
        (lambda t, q: t.value_counts(list(q)).to_numpy(), "one number"),
    ],
    ids=["distinct", "fraction", "k", "not-unique", "none", "array"],
)
def test_check_count_unique_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch18.check_count_unique(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda t, q: _unique_value_counts(t, q) + 1,
        lambda t, q: _unique_value_counts(t, list(q)[:1]),
        lambda t, q: int((t.value_counts(list(q)) == 2).sum()),
        lambda t, q: len(t),
    ],
)
def test_check_count_unique_wrong_answers_never_pass(wrong, capsys):
    _assert_never_passes(ch18.check_count_unique, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 18.2 per-example clipping


def _clip_right(G, C):
    norms = np.linalg.norm(G, axis=1, keepdims=True)
    return G * np.minimum(1.0, C / norms)


def _clip_loop(G, C):
    return np.stack([g if np.linalg.norm(g) <= C else g * C / np.linalg.norm(g) for g in G])


@pytest.mark.parametrize("answer", [_clip_right, _clip_loop], ids=["vectorised", "loop"])
def test_check_clip_rows_passes_the_right_answer(answer, capsys):
    ch18.check_clip_rows(answer)
    assert capsys.readouterr().out == "Exercise 18.2 (per-example gradient clipping): correct.\n"


def test_check_clip_rows_not_done(capsys):
    ch18.check_clip_rows(_not_done)
    assert "Exercise 18.2 (per-example gradient clipping): not done yet. Hint: norms" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda G, C: np.clip(G, -C, C), "each entry"),
        (lambda G, C: G * min(1.0, C / np.linalg.norm(G)), "whole batch"),
        (lambda G, C: C * G / np.linalg.norm(G, axis=1, keepdims=True), "every row now has norm C"),
        (lambda G, C: G * np.minimum(1.0, C / np.linalg.norm(G, axis=0, keepdims=True)), "axis=0"),
        (lambda G, C: _clip_right(G, C)[:, :-1], "shape"),
    ],
    ids=["elementwise", "batch-norm", "normalised", "columns", "shape"],
)
def test_check_clip_rows_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch18.check_clip_rows(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda G, C: G,
        lambda G, C: _clip_right(G, 2 * C),
        lambda G, C: G * np.minimum(1.0, C / np.linalg.norm(G, axis=1, keepdims=True) ** 2),
        lambda G, C: -_clip_right(G, C),
        lambda G, C: _clip_right(G, C).T,
    ],
)
def test_check_clip_rows_wrong_answers_never_pass(wrong, capsys):
    _assert_never_passes(ch18.check_clip_rows, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 18.3 the DP-SGD noisy gradient


def _private_right(G, C, sigma, z, B):
    return (_clip_right(G, C).sum(axis=0) + sigma * C * z) / B


def test_check_private_gradient_passes_the_right_answer(capsys):
    ch18.check_private_gradient(_private_right)
    assert capsys.readouterr().out == "Exercise 18.3 (the DP-SGD noisy gradient): correct.\n"


def test_check_private_gradient_not_done(capsys):
    ch18.check_private_gradient(_not_done)
    assert "Exercise 18.3 (the DP-SGD noisy gradient): not done yet. Hint: (sum of the clipped" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda G, C, s, z, B: (G.sum(axis=0) + s * C * z) / B, "not clipped"),
        (lambda G, C, s, z, B: (_clip_right(G, C).sum(axis=0) + s * z) / B, "not scaled by C"),
        (lambda G, C, s, z, B: (_clip_right(G, C).sum(axis=0) + s * C * z) / len(G), "actual size"),
        (lambda G, C, s, z, B: _clip_right(G, C).sum(axis=0) / B + s * C * z, "after dividing"),
        (lambda G, C, s, z, B: _clip_right(G, C).sum(axis=0) / B, "no noise"),
        (lambda G, C, s, z, B: _clip_right(G, C) / B, "shape"),
    ],
    ids=["unclipped", "unscaled-noise", "actual-batch", "noise-after", "no-noise", "per-example"],
)
def test_check_private_gradient_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch18.check_private_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda G, C, s, z, B: (_clip_right(G, C).mean(axis=0) + s * C * z) / B,
        lambda G, C, s, z, B: (_clip_right(G, C).sum(axis=0) - s * C * z) / B,
        lambda G, C, s, z, B: (_clip_right(G, C).sum(axis=0) + s * s * C * z) / B,
        lambda G, C, s, z, B: (_clip_right(G, C).sum(axis=0) + s * C * C * z) / B,
        lambda G, C, s, z, B: (_clip_right(G, 1.0).sum(axis=0) + s * C * z) / B,
    ],
)
def test_check_private_gradient_wrong_answers_never_pass(wrong, capsys):
    _assert_never_passes(ch18.check_private_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 18.4 integrated gradients


def _ig_midpoint(grad_fn, x, baseline, steps):
    alphas = (np.arange(steps) + 0.5) / steps
    return (x - baseline) * grad_fn(baseline + alphas[:, None] * (x - baseline)).mean(axis=0)


def _ig_trapezoid(grad_fn, x, baseline, steps):
    alphas = np.linspace(0.0, 1.0, steps + 1)
    grads = grad_fn(baseline + alphas[:, None] * (x - baseline))
    return (x - baseline) * (grads[1:] + grads[:-1]).mean(axis=0) / 2


def _ig_helper(grad_fn, x, baseline, steps):
    from helpers.explain import integrated_gradients

    return integrated_gradients(grad_fn, x, baseline, steps=steps)


@pytest.mark.parametrize("answer", [_ig_midpoint, _ig_trapezoid, _ig_helper], ids=["midpoint", "trapezoid", "helper"])
def test_check_integrated_gradients_passes_the_right_answer(answer, capsys):
    ch18.check_integrated_gradients(answer)
    assert capsys.readouterr().out == "Exercise 18.4 (integrated gradients): correct.\n"


def test_check_integrated_gradients_not_done(capsys):
    ch18.check_integrated_gradients(_not_done)
    assert "Exercise 18.4 (integrated gradients): not done yet. Hint: Average grad_fn" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda f, x, b, m: f(x[None])[0] * (x - b), "gradient at x times"),
        (lambda f, x, b, m: _ig_midpoint(f, x, b, m) / (x - b), "path-averaged gradient"),
        (lambda f, x, b, m: f(x[None])[0] * x, "gradient × input"),
        (lambda f, x, b, m: _ig_midpoint(f, x, b, m)[:-1], "shape"),
        (lambda f, x, b, m: f(b[None])[0] * (x - b), "completeness fails"),
    ],
    ids=["grad-at-x", "no-delta", "grad-times-input", "shape", "grad-at-baseline"],
)
def test_check_integrated_gradients_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch18.check_integrated_gradients(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda f, x, b, m: -_ig_midpoint(f, x, b, m),
        lambda f, x, b, m: 2 * _ig_midpoint(f, x, b, m),
        lambda f, x, b, m: _ig_midpoint(f, x, b, 2),
        lambda f, x, b, m: _ig_midpoint(f, b, x, m),
        lambda f, x, b, m: (x - b) * f(np.linspace(0, 1, m)[:, None] * x).mean(axis=0),
    ],
)
def test_check_integrated_gradients_wrong_answers_never_pass(wrong, capsys):
    _assert_never_passes(ch18.check_integrated_gradients, wrong, capsys)
