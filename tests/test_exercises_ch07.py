"""The checks of chapter 07's exercises (``helpers.exercises.ch07``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import optim
from helpers.checks import ExerciseFailed
from helpers.exercises import ch07


def _not_done(*args):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 7.1 momentum


def _momentum(w, g, v, lr, mu):
    v = mu * v - lr * g
    return w + v, v


def _momentum_in_place(w, g, v, lr, mu):
    v *= mu
    v -= lr * g
    w += v
    return w, v


def _momentum_via_helpers(w, g, v, lr, mu):
    new, state = optim.momentum({"w": w}, {"w": g}, {"optimizer": "momentum", "step": 0, "velocity": {"w": v}}, lr, mu)
    return new["w"], state["velocity"]["w"]


@pytest.mark.parametrize(
    "answer", [_momentum, _momentum_in_place, _momentum_via_helpers], ids=["plain", "in-place", "helpers"]
)
def test_check_momentum_step_passes_the_right_answer(answer, capsys):
    ch07.check_momentum_step(answer)
    assert capsys.readouterr().out == "Exercise 7.1 (momentum step): correct.\n"


def test_check_momentum_step_stub_is_not_done(capsys):
    ch07.check_momentum_step(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 7.1 (momentum step): not done yet. Hint: v_new = mu * v")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, g, v, lr, mu: (w + mu * v + lr * g, mu * v + lr * g), "uphill"),
        (lambda w, g, v, lr, mu: (w - lr * (mu * v + g), mu * v + g), "PyTorch"),
        (lambda w, g, v, lr, mu: (w + mu * v - (1 - mu) * lr * g, mu * v - (1 - mu) * lr * g), r"\(1 - mu\)"),
        (lambda w, g, v, lr, mu: (w + mu * v - lr * g, v), "old velocity: return the updated"),
        (lambda w, g, v, lr, mu: (w + v, mu * v - lr * g), "moved with the old velocity"),
        (lambda w, g, v, lr, mu: (w + lr * v - mu * g, lr * v - mu * g), "swapped"),
        (lambda w, g, v, lr, mu: w + mu * v - lr * g, "return the tuple"),
        (lambda w, g, v, lr, mu: None, "return the tuple"),
    ],
    ids=["sign", "pytorch", "dampened", "state-not-returned", "old-velocity", "swapped", "one-array", "none"],
)
def test_check_momentum_step_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch07.check_momentum_step(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w, g, v, lr, mu: (w - lr * g, v),
        lambda w, g, v, lr, mu: (w - lr * g, mu * v - lr * g),
        lambda w, g, v, lr, mu: (w + mu * v - lr * g, mu * v - lr * g + 1e-3),
        lambda w, g, v, lr, mu: (w + mu * (mu * v - lr * g) - lr * g, mu * v - lr * g),  # Nesterov
        lambda w, g, v, lr, mu: (w + 2 * (mu * v - lr * g), mu * v - lr * g),
        lambda w, g, v, lr, mu: _momentum(w, g, v, lr, 0.9),
    ],
    ids=["sgd", "sgd-with-state", "offset", "nesterov", "double", "fixed-mu"],
)
def test_check_momentum_step_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch07.check_momentum_step, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 7.2 RMSProp


def _rmsprop(w, g, s, lr, rho, eps):
    s = rho * s + (1 - rho) * np.square(g)
    return w - lr * g / np.sqrt(s + eps), s


def _rmsprop_via_helpers(w, g, s, lr, rho, eps):
    new, state = optim.rmsprop(
        {"w": w}, {"w": g}, {"optimizer": "rmsprop", "step": 0, "mean_square": {"w": s}}, lr, rho, eps
    )
    return new["w"], state["mean_square"]["w"]


@pytest.mark.parametrize("answer", [_rmsprop, _rmsprop_via_helpers], ids=["plain", "helpers"])
def test_check_rmsprop_step_passes_the_right_answer(answer, capsys):
    ch07.check_rmsprop_step(answer)
    assert capsys.readouterr().out == "Exercise 7.2 (RMSProp step): correct.\n"


def test_check_rmsprop_step_stub_is_not_done(capsys):
    ch07.check_rmsprop_step(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 7.2 (RMSProp step): not done yet. Hint: s_new = rho * s")


def _s(s, g, rho):
    return rho * s + (1 - rho) * g**2


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, g, s, lr, rho, eps: _rmsprop(w, g, s, lr, 1 - rho, eps), "wrong term"),
        (
            lambda w, g, s, lr, rho, eps: (
                w - lr * g / np.sqrt(rho * s + (1 - rho) * abs(g) + eps),
                rho * s + (1 - rho) * abs(g),
            ),
            "squared",
        ),
        (lambda w, g, s, lr, rho, eps: (w + lr * g / np.sqrt(_s(s, g, rho) + eps), _s(s, g, rho)), "uphill"),
        (lambda w, g, s, lr, rho, eps: (w - lr * g / (np.sqrt(_s(s, g, rho)) + eps), _s(s, g, rho)), "inside"),
        (lambda w, g, s, lr, rho, eps: (w - lr * g / (_s(s, g, rho) + eps), _s(s, g, rho)), "square root is missing"),
        (lambda w, g, s, lr, rho, eps: (w - lr * g / np.sqrt(s + eps), _s(s, g, rho)), "old s"),
        (lambda w, g, s, lr, rho, eps: (w - lr * g / np.sqrt(_s(s, g, rho) + eps), s), "not updated"),
    ],
    ids=["rho-swapped", "abs", "sign", "eps-outside", "no-sqrt", "old-s", "state-not-updated"],
)
def test_check_rmsprop_step_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch07.check_rmsprop_step(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w, g, s, lr, rho, eps: (w - lr * g, _s(s, g, rho)),
        lambda w, g, s, lr, rho, eps: (w - lr * np.sign(g), _s(s, g, rho)),
        lambda w, g, s, lr, rho, eps: (w - lr * g / np.sqrt(_s(s, g, rho) / (1 - rho) + eps), _s(s, g, rho)),
        lambda w, g, s, lr, rho, eps: (w - lr * g / np.sqrt(_s(s, g, rho)), _s(s, g, rho)),
        lambda w, g, s, lr, rho, eps: (w - lr * g / np.sqrt(_s(s, g, rho) + eps), _s(s, g, rho)).__reversed__(),
        lambda w, g, s, lr, rho, eps: _rmsprop(w, g, s, lr, 0.9, eps),
    ],
    ids=["sgd", "sign-sgd", "bias-corrected", "no-eps", "reversed", "fixed-rho"],
)
def test_check_rmsprop_step_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch07.check_rmsprop_step, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 7.3 Adam


def _adam(w, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    return w - lr_t * m / (np.sqrt(v) + eps), m, v


def _adam_keras_arithmetic(w, g, m, v, t, lr, b1, b2, eps):
    m = m + (g - m) * (1 - b1)
    v = v + (g * g - v) * (1 - b2)
    return w - m * (lr * np.sqrt(1 - b2**t) / (1 - b1**t)) / (np.sqrt(v) + eps), m, v


def _adam_via_helpers(w, g, m, v, t, lr, b1, b2, eps):
    state = {"optimizer": "adam", "step": t - 1, "m": {"w": m}, "v": {"w": v}}
    new, state = optim.adam({"w": w}, {"w": g}, state, lr, b1, b2, eps)
    return new["w"], state["m"]["w"], state["v"]["w"]


@pytest.mark.parametrize(
    "answer", [_adam, _adam_keras_arithmetic, _adam_via_helpers], ids=["plain", "keras-arithmetic", "helpers"]
)
def test_check_adam_step_passes_the_right_answer(answer, capsys):
    ch07.check_adam_step(answer)
    assert capsys.readouterr().out == "Exercise 7.3 (Adam step): correct.\n"


def test_check_adam_step_stub_is_not_done(capsys):
    ch07.check_adam_step(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 7.3 (Adam step): not done yet. Hint: m = b1*m")


def _moments(g, m, v, b1, b2):
    return b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2


def _adam_with(step):
    """An Adam whose step is computed by ``step(w, m_new, v_new, m_old, v_old, t, lr, b1, b2, eps)``."""

    def answer(w, g, m, v, t, lr, b1, b2, eps):
        m1, v1 = _moments(g, m, v, b1, b2)
        return step(w, m1, v1, m, v, t, lr, b1, b2, eps), m1, v1

    return answer


def _rate(t, lr, b1, b2):
    return lr * math.sqrt(1 - b2**t) / (1 - b1**t)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, 1 - b1, b2, eps), "wrong term"),
        (lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, b1, 1 - b2, eps), "wrong term"),
        (
            lambda w, g, m, v, t, lr, b1, b2, eps: (w, b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * abs(g)),
            "squared",
        ),
        (
            lambda w, g, m, v, t, lr, b1, b2, eps: (
                w,
                _moments(g, m, v, b1, b2)[0] / (1 - b1**t),
                _moments(g, m, v, b1, b2)[1] / (1 - b2**t),
            ),
            "raw moments",
        ),
        (lambda w, g, m, v, t, lr, b1, b2, eps: (w, m, _moments(g, m, v, b1, b2)[1]), "not updated"),
        (_adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - lr * m / (np.sqrt(v) + eps)), "no bias correction"),
        (
            _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - lr * m / (1 - b1**t) / (np.sqrt(v) + eps)),
            "only m is bias-corrected",
        ),
        (
            _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - lr * m / (np.sqrt(v / (1 - b2**t)) + eps)),
            "only v is bias-corrected",
        ),
        (
            _adam_with(
                lambda w, m, v, m0, v0, t, lr, b1, b2, eps: (
                    w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
                )
            ),
            "paper's placement",
        ),
        (
            _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t, lr, b1, b2) * m / np.sqrt(v + eps)),
            "inside the square root",
        ),
        (
            _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w + _rate(t, lr, b1, b2) * m / (np.sqrt(v) + eps)),
            "uphill",
        ),
        (
            _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t, lr, b1, b2) * m0 / (np.sqrt(v0) + eps)),
            "old m and v",
        ),
        (
            _adam_with(
                lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t + 1, lr, b1, b2) * m / (np.sqrt(v) + eps)
            ),
            r"t \+ 1 instead of t",
        ),
        (
            _adam_with(
                lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t - 1, lr, b1, b2) * m / (np.sqrt(v) + eps)
            ),
            "t - 1 instead of t",
        ),
        (lambda w, g, m, v, t, lr, b1, b2, eps: (w, m), "return the tuple"),
    ],
    ids=[
        "beta1-swapped",
        "beta2-swapped",
        "abs",
        "corrected-state",
        "m-not-updated",
        "no-correction",
        "only-m",
        "only-v",
        "paper-eps",
        "eps-inside",
        "sign",
        "old-moments",
        "t-plus-1",
        "t-minus-1",
        "two-values",
    ],
)
def test_check_adam_step_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch07.check_adam_step(wrong)


def test_check_adam_step_catches_t_starting_at_zero_at_the_first_update():
    """A learner who numbers updates from 0 divides by 1 - beta**0 = 0 at the first update."""

    def zero_based(w, g, m, v, t, lr, b1, b2, eps):
        return _adam(w, g, m, v, t - 1, lr, b1, b2, eps) if t > 1 else (w / 0.0, *_moments(g, m, v, b1, b2))

    with pytest.raises(ExerciseFailed, match="NaN or inf at the first update"):
        ch07.check_adam_step(lambda *a: _adam_passes_t3(zero_based, *a))


def _adam_passes_t3(fn, w, g, m, v, t, lr, b1, b2, eps):
    """Right at t = 3 (so the first part of the check passes), ``fn`` elsewhere."""
    return _adam(w, g, m, v, t, lr, b1, b2, eps) if t == 3 else fn(w, g, m, v, t, lr, b1, b2, eps)


@pytest.mark.parametrize(
    "wrong",
    [
        _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - lr * np.sign(m)),
        _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t, lr, b1, b2) * m / (v + eps)),
        _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - _rate(t, lr, b1, b2) * m / np.sqrt(v)),
        _adam_with(lambda w, m, v, m0, v0, t, lr, b1, b2, eps: w - lr / (1 - b1**t) * m / (np.sqrt(v) + eps)),
        lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, 0.9, 0.999, eps),
        lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, 1, lr, b1, b2, eps),
        lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, b1, b2, 1e-8),
    ],
    ids=["sign-of-m", "no-sqrt", "no-eps", "half-correction", "fixed-betas", "t-always-1", "fixed-eps"],
)
def test_check_adam_step_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch07.check_adam_step, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 7.4 warm-up then cosine decay


def _schedule(step, base_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    p = (min(step, total_steps) - warmup_steps) / (total_steps - warmup_steps)
    return base_lr * 0.5 * (1 + math.cos(math.pi * p))


def _schedule_via_helpers(step, base_lr, warmup_steps, total_steps):
    return optim.warmup_cosine(step, base_lr=base_lr, warmup_steps=warmup_steps, total_steps=total_steps)


@pytest.mark.parametrize("answer", [_schedule, _schedule_via_helpers], ids=["plain", "helpers"])
def test_check_warmup_cosine_lr_passes_the_right_answer(answer, capsys):
    ch07.check_warmup_cosine_lr(answer)
    assert capsys.readouterr().out == "Exercise 7.4 (warm-up then cosine decay): correct.\n"


def test_check_warmup_cosine_lr_stub_is_not_done(capsys):
    ch07.check_warmup_cosine_lr(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 7.4 (warm-up then cosine decay): not done yet. Hint: If step <")


def _cos(base, p):
    return base * 0.5 * (1 + math.cos(math.pi * p))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (
            lambda s, b, w, t: b * (s + 1) / w if s < w else _schedule(s, b, w, t),
            "one step ahead",
        ),
        (lambda s, b, w, t: b if s < w else _schedule(s, b, w, t), "no warm-up"),
        (lambda s, b, w, t: b * s / w if s < w else _cos(b, min(s, t) / t), "end of the warm-up"),
        (
            lambda s, b, w, t: b * s / w if s < w else b * math.cos(math.pi * (min(s, t) - w) / (t - w)),
            "negative",
        ),
        (lambda s, b, w, t: b * s / w if s < w else _cos(b, (s - w) / (t - w)), "rises again"),
        (lambda s, b, w, t: None, "None"),
        (lambda s, b, w, t: [b], "one number per step"),
    ],
    ids=["warmup-ahead", "no-warmup", "cosine-from-0", "no-half-one-plus", "no-clamp", "none", "list"],
)
def test_check_warmup_cosine_lr_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch07.check_warmup_cosine_lr(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda s, b, w, t: b,
        lambda s, b, w, t: b * s / max(w, 1) if s < w else b * (1 - (min(s, t) - w) / (t - w)),  # linear decay
        lambda s, b, w, t: _schedule(s, b, w, t + 1),
        lambda s, b, w, t: _schedule(s, 2 * b, w, t),
        lambda s, b, w, t: _schedule(s, b, w, t) + 1e-4,
        lambda s, b, w, t: b * s / w if s < w else _cos(b, (min(s, t) - w) / t),
    ],
    ids=["constant", "linear-decay", "total-off-by-one", "double", "offset", "wrong-denominator"],
)
def test_check_warmup_cosine_lr_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch07.check_warmup_cosine_lr, wrong, capsys)
