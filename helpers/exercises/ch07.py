"""Checks for the exercises of notebook 07 (optimizers).

Each check builds its own inputs with a fixed generator (arrays of shapes that are all different
from one exercise to the next), calls the learner's function on copies of them, looks for the
chapter's typical mistakes first (the wrong sign, the decay applied to the wrong term, ε inside
or outside the square root, no bias correction, the step number off by one, the state not
updated), and ends with :func:`helpers.checks.compare`. The references are plain NumPy written
here, in Keras 3's form, so that a check never depends on :mod:`helpers.optim`, the code the
chapter teaches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

# --------------------------------------------------------------------------------------------
# Small tools.
# --------------------------------------------------------------------------------------------


def _call(function: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function on copies of the array arguments, with NumPy's warnings silenced.

    Copies keep a function that updates its inputs in place from changing the check's own; a
    division by zero (t - 1 = 0 in a bias correction) is explained by the check's message.
    """
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return function(*copies)


def _as_array(got: Any) -> np.ndarray | None:
    if got is None:
        return None
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


def _matches(got: np.ndarray | None, candidate: np.ndarray, *, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    if got is None or got.shape != np.shape(candidate):
        return False
    return bool(np.allclose(got, candidate, rtol=rtol, atol=atol, equal_nan=True))


def _unpack(result: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The learner's tuple of results, or a message that says what to return."""
    wanted = f"({', '.join(names)})"
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = (
            f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) else repr(result)
        )
        if isinstance(result, np.ndarray):
            got = f"one array of shape {result.shape}"
        raise ExerciseFailed(f"the function should return the tuple {wanted}, got {got}.")
    return tuple(result)


# --------------------------------------------------------------------------------------------
# 7.1 Momentum.
# --------------------------------------------------------------------------------------------


def _momentum(w, g, v, lr, mu):
    v_new = mu * v - lr * g
    return w + v_new, v_new


@exercise(
    "7.1",
    "momentum step",
    hint="v_new = mu * v - lr * g, then w_new = w + v_new; return (w_new, v_new).",
)
def check_momentum_step(momentum_step: Callable[..., Any]) -> None:
    """Check ``momentum_step(w, g, v, lr, mu) -> (w_new, v_new)`` in Keras's form.

    One step from a non-zero velocity, arrays of shape (3, 5), then three steps from v = 0.
    """
    rng = np.random.default_rng(71)
    w, g, v = (rng.normal(size=(3, 5)) for _ in range(3))
    v *= 0.1
    lr, mu = 0.05, 0.8
    w_exp, v_exp = _momentum(w, g, v, lr, mu)
    w_got, v_got = (_as_array(x) for x in _unpack(_call(momentum_step, w, g, v, lr, mu), ("w_new", "v_new")))

    if _matches(w_got, w + mu * v + lr * g) or _matches(v_got, mu * v + lr * g):
        raise ExerciseFailed(
            "the step goes uphill: the gradient must be subtracted, v_new = mu * v - lr * g (the sign of lr * g)."
        )
    if _matches(w_got, w - lr * (mu * v + g)):
        raise ExerciseFailed(
            "this is the other convention (PyTorch's): v accumulates gradients and w_new = w - lr * v. Here v is "
            "Keras's velocity, which already holds the learning rate: v_new = mu * v - lr * g, w_new = w + v_new."
        )
    if _matches(w_got, w + mu * v - (1 - mu) * lr * g) or _matches(v_got, mu * v - (1 - mu) * lr * g):
        raise ExerciseFailed(
            "the gradient is damped by (1 - mu), as in an exponential moving average; momentum adds the full "
            "-lr * g to mu * v."
        )
    if _matches(w_got, w + mu * v - lr * g) and _matches(v_got, v):
        raise ExerciseFailed(
            "w is right but v_new is the old velocity: return the updated velocity, or the next step forgets it."
        )
    if _matches(w_got, w + v) or _matches(w_got, w + v - lr * g):
        raise ExerciseFailed("w moved with the old velocity: update v first, then w_new = w + v_new.")
    if _matches(v_got, v):
        raise ExerciseFailed("v_new is the old velocity: the state was not updated.")
    if _matches(v_got, lr * v - mu * g):
        raise ExerciseFailed("lr and mu are swapped: v_new = mu * v - lr * g.")
    compare("v_new", v_got, v_exp)
    compare("w_new", w_got, w_exp)

    # Three steps from rest, feeding the returned velocity back in.
    w_a, v_a = rng.normal(size=4), np.zeros(4)
    w_b, v_b = w_a.copy(), v_a.copy()
    for _ in range(3):
        g = rng.normal(size=4)
        w_a, v_a = _momentum(w_a, g, v_a, 0.1, 0.9)
        w_b, v_b = _unpack(_call(momentum_step, w_b, g, v_b, 0.1, 0.9), ("w_new", "v_new"))
    compare("w after three steps from v = 0", w_b, w_a)


# --------------------------------------------------------------------------------------------
# 7.2 RMSProp.
# --------------------------------------------------------------------------------------------


def _rmsprop(w, g, s, lr, rho, eps):
    s_new = rho * s + (1 - rho) * g**2
    return w - lr * g / np.sqrt(s_new + eps), s_new


@exercise(
    "7.2",
    "RMSProp step",
    hint="s_new = rho * s + (1 - rho) * g**2, then w_new = w - lr * g / np.sqrt(s_new + eps) (ε inside the root, "
    "as Keras does); return (w_new, s_new).",
)
def check_rmsprop_step(rmsprop_step: Callable[..., Any]) -> None:
    """Check ``rmsprop_step(w, g, s, lr, rho, eps) -> (w_new, s_new)`` in Keras's form (ε inside the root).

    Arrays of shape (4, 2) with small gradients and a large ε (1e-3), so that where ε sits shows.
    """
    rng = np.random.default_rng(72)
    w = rng.normal(size=(4, 2))
    g = 0.03 * rng.normal(size=(4, 2))
    s = 1e-3 * rng.uniform(0.2, 1.0, size=(4, 2))
    lr, rho, eps = 0.01, 0.8, 1e-3
    w_exp, s_exp = _rmsprop(w, g, s, lr, rho, eps)
    w_got, s_got = (_as_array(x) for x in _unpack(_call(rmsprop_step, w, g, s, lr, rho, eps), ("w_new", "s_new")))

    if _matches(s_got, (1 - rho) * s + rho * g**2):
        raise ExerciseFailed(
            "rho multiplies the wrong term: the running mean keeps rho of the old s and adds (1 - rho) of g**2."
        )
    if _matches(s_got, rho * s + (1 - rho) * np.abs(g)) or _matches(s_got, rho * s + (1 - rho) * g):
        raise ExerciseFailed("s must average the *squared* gradient, g**2 (it estimates the mean square).")
    if _matches(w_got, w + lr * g / np.sqrt(s_exp + eps)):
        raise ExerciseFailed("the step goes uphill: subtract lr * g / np.sqrt(s_new + eps).")
    if _matches(w_got, w - lr * g / (np.sqrt(s_exp) + eps)):
        raise ExerciseFailed(
            "ε is outside the square root, sqrt(s) + eps, as in Adam; Keras's RMSprop puts it inside: "
            "np.sqrt(s_new + eps)."
        )
    if _matches(w_got, w - lr * g / (s_exp + eps)):
        raise ExerciseFailed("the square root is missing: divide by np.sqrt(s_new + eps), the root mean square.")
    if _matches(w_got, w - lr * g / np.sqrt(s + eps)):
        raise ExerciseFailed("the step used the old s: update s first, then divide by np.sqrt(s_new + eps).")
    if _matches(s_got, s):
        raise ExerciseFailed("s_new is the old s: the state was not updated.")
    compare("s_new", s_got, s_exp)
    compare("w_new", w_got, w_exp)


# --------------------------------------------------------------------------------------------
# 7.3 Adam.
# --------------------------------------------------------------------------------------------


def _adam(w, g, m, v, t, lr, b1, b2, eps):
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g**2
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    return w - lr_t * m_new / (np.sqrt(v_new) + eps), m_new, v_new


def _adam_mistakes(w, g, m, v, t, lr, b1, b2, eps) -> list[tuple[str, np.ndarray]]:
    """(message, w_new) for each typical mistake, given the right moments."""
    m1 = b1 * m + (1 - b1) * g
    v1 = b2 * v + (1 - b2) * g**2
    c1, c2 = 1 - b1**t, 1 - b2**t
    with np.errstate(divide="ignore", invalid="ignore"):
        off = [
            (
                "no bias correction: m and v start at 0, so early on they are too small; use "
                "lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t).",
                w - lr * m1 / (np.sqrt(v1) + eps),
            ),
            (
                "only m is bias-corrected: v needs it too, the sqrt(1 - beta_2**t) in lr_t.",
                w - lr * (m1 / c1) / (np.sqrt(v1) + eps),
            ),
            (
                "only v is bias-corrected: m needs it too, the 1 / (1 - beta_1**t) in lr_t.",
                w - lr * m1 / (np.sqrt(v1 / c2) + eps),
            ),
            (
                "this is the paper's placement of ε, sqrt(v_hat) + eps with v_hat = v / (1 - beta_2**t). Keras adds ε "
                "to sqrt(v) before the correction: w - lr_t * m / (np.sqrt(v) + eps).",
                w - lr * (m1 / c1) / (np.sqrt(v1 / c2) + eps),
            ),
            (
                "ε is inside the square root (that is RMSProp's place for it); Adam uses np.sqrt(v) + eps.",
                w - lr * math.sqrt(c2) / c1 * m1 / np.sqrt(v1 + eps),
            ),
            (
                "the step went uphill: subtract lr_t * m / (np.sqrt(v) + eps).",
                w + lr * math.sqrt(c2) / c1 * m1 / (np.sqrt(v1) + eps),
            ),
            (
                "the step used the old m and v: update both moments first, then step with the new ones.",
                w - lr * math.sqrt(c2) / c1 * m / (np.sqrt(v) + eps),
            ),
        ]
        for shift, word in ((-1, "t - 1"), (1, "t + 1")):
            s = t + shift
            off.append(
                (
                    f"the bias correction used {word} instead of t: t is this update's number, 1 at the first update "
                    f"(and 1 - beta**0 = 0 would divide by zero).",
                    w - lr * math.sqrt(1 - b2**s) / (1 - b1**s) * m1 / (np.sqrt(v1) + eps),
                )
            )
    return off


@exercise(
    "7.3",
    "Adam step",
    hint="m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; lr_t = lr*sqrt(1 - b2**t)/(1 - b1**t); "
    "w_new = w - lr_t*m/(np.sqrt(v) + eps); return (w_new, m, v).",
)
def check_adam_step(adam_step: Callable[..., Any]) -> None:
    """Check ``adam_step(w, g, m, v, t, lr, beta_1, beta_2, eps) -> (w_new, m_new, v_new)``, Keras's form.

    Arrays of shape (2, 3, 2) at update t = 3 with a large ε (1e-3) and small gradients, so that
    ε's place and the bias correction both show; then t = 1 from zero moments; then 4 updates.
    """
    rng = np.random.default_rng(73)
    shape = (2, 3, 2)
    w = rng.normal(size=shape)
    g = 0.01 * rng.normal(size=shape)
    m = 0.005 * rng.normal(size=shape)
    v = 1e-4 * rng.uniform(0.5, 1.5, size=shape)
    t, lr, b1, b2, eps = 3, 0.01, 0.9, 0.99, 1e-3
    w_exp, m_exp, v_exp = _adam(w, g, m, v, t, lr, b1, b2, eps)
    result = _unpack(_call(adam_step, w, g, m, v, t, lr, b1, b2, eps), ("w_new", "m_new", "v_new"))
    w_got, m_got, v_got = (_as_array(x) for x in result)

    if _matches(m_got, (1 - b1) * m + b1 * g) or _matches(v_got, (1 - b2) * v + b2 * g**2):
        raise ExerciseFailed(
            "a beta multiplies the wrong term: keep beta of the old moment and add (1 - beta) of the new "
            "gradient, m = b1*m + (1-b1)*g."
        )
    if _matches(v_got, b2 * v + (1 - b2) * np.abs(g)) or _matches(v_got, b2 * v + (1 - b2) * g):
        raise ExerciseFailed("v must average the *squared* gradient, g**2.")
    if _matches(m_got, m_exp / (1 - b1**t)) or _matches(v_got, v_exp / (1 - b2**t)):
        raise ExerciseFailed(
            "the returned m or v is bias-corrected: return the raw moments (the state); the correction only "
            "enters the step."
        )
    if _matches(m_got, m) or _matches(v_got, v):
        raise ExerciseFailed("m_new or v_new is the old moment: the state was not updated.")
    compare("m_new", m_got, m_exp)
    compare("v_new", v_got, v_exp)
    if w_got is not None and w_got.shape == w_exp.shape and not np.all(np.isfinite(w_got)):
        raise ExerciseFailed(
            "w_new holds NaN or inf at t = 3. Is there a division by zero in the bias correction? "
            "t counts updates from 1."
        )
    for message, candidate in _adam_mistakes(w, g, m, v, t, lr, b1, b2, eps):
        if np.all(np.isfinite(candidate)) and _matches(w_got, candidate):
            raise ExerciseFailed(message)
    compare("w_new", w_got, w_exp)

    # The first update, from zero moments: t = 1.
    w1, g1 = rng.normal(size=5), rng.normal(size=5)
    zeros = np.zeros(5)
    expected = _adam(w1, g1, zeros, zeros, 1, 0.1, 0.9, 0.999, 1e-7)[0]
    names = ("w_new", "m_new", "v_new")
    got = _as_array(_unpack(_call(adam_step, w1, g1, zeros, zeros, 1, 0.1, 0.9, 0.999, 1e-7), names)[0])
    if got is not None and got.shape == expected.shape and not np.all(np.isfinite(got)):
        raise ExerciseFailed(
            "w_new is NaN or inf at the first update t = 1: the bias correction divided by 1 - beta_1**0 = 0. "
            "t is this update's number, starting at 1."
        )
    compare("w_new at the first update (t = 1, m = v = 0)", got, expected)

    # Four updates, feeding the state back in.
    wa, ma, va = rng.normal(size=3), np.zeros(3), np.zeros(3)
    wb, mb, vb = wa.copy(), ma.copy(), va.copy()
    for step in range(1, 5):
        g = rng.normal(size=3)
        wa, ma, va = _adam(wa, g, ma, va, step, 0.05, 0.9, 0.999, 1e-7)
        wb, mb, vb = _unpack(_call(adam_step, wb, g, mb, vb, step, 0.05, 0.9, 0.999, 1e-7), names)
    compare("w after four updates from m = v = 0", wb, wa)


# --------------------------------------------------------------------------------------------
# 7.4 Warm-up and cosine decay.
# --------------------------------------------------------------------------------------------


def _warmup_cosine(step: int, base_lr: float, warmup_steps: int, total_steps: int) -> float:
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    progress = (min(step, total_steps) - warmup_steps) / (total_steps - warmup_steps)
    return base_lr * 0.5 * (1 + math.cos(math.pi * progress))


@exercise(
    "7.4",
    "warm-up then cosine decay",
    hint="If step < warmup_steps: base_lr * step / warmup_steps. Else p = (min(step, total_steps) - warmup_steps) / "
    "(total_steps - warmup_steps) and the rate is base_lr * 0.5 * (1 + cos(pi * p)).",
)
def check_warmup_cosine_lr(warmup_cosine_lr: Callable[..., Any]) -> None:
    """Check ``warmup_cosine_lr(step, base_lr, warmup_steps, total_steps) -> float`` for every step.

    Steps 0 to total_steps + 5 for (base_lr 0.3, 4 warm-up steps, 20 in all), then for a schedule
    with no warm-up (0 warm-up steps).
    """
    for base, warmup, total in ((0.3, 4, 20), (0.02, 0, 9)):
        steps = range(total + 6)
        expected = np.array([_warmup_cosine(s, base, warmup, total) for s in steps])
        raw = [_call(warmup_cosine_lr, s, base, warmup, total) for s in steps]
        if any(r is None for r in raw):
            raise ExerciseFailed("the function returned None for some step: did it forget to `return` the rate?")
        try:
            got = np.array([float(r) for r in raw])
        except (TypeError, ValueError):
            raise ExerciseFailed(
                f"the function should return one number per step, got {type(raw[0]).__name__}."
            ) from None
        label = f"the rates for steps 0..{total + 5} (base_lr={base}, warmup_steps={warmup}, total_steps={total})"
        if warmup:
            if _matches(got[:warmup], base * (np.arange(warmup) + 1) / warmup):
                raise ExerciseFailed(
                    "the warm-up is one step ahead: at step 0 the rate is 0 and it reaches base_lr at step "
                    "warmup_steps (rate = base_lr * step / warmup_steps; steps count from 0, as Keras counts them)."
                )
            if _matches(got[:warmup], np.full(warmup, base)):
                raise ExerciseFailed("there is no warm-up: for step < warmup_steps the rate rises linearly from 0.")
        cosine_from_zero = np.array([base * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)) for s in steps])
        if warmup and _matches(got[warmup:], cosine_from_zero[warmup:]):
            raise ExerciseFailed(
                "the cosine phase starts at step 0 instead of at the end of the warm-up: use "
                "p = (step - warmup_steps) / (total_steps - warmup_steps)."
            )
        if np.any(got < -1e-12):
            raise ExerciseFailed(
                "some rates are negative: a cosine decay is base_lr * 0.5 * (1 + cos(pi * p)), between 0 and base_lr, "
                "not base_lr * cos(pi * p)."
            )
        if np.any(got[total + 1 :] > 1e-9):
            raise ExerciseFailed(
                "after total_steps the rate rises again: clamp the step, p = (min(step, total_steps) - warmup_steps) "
                "/ (total_steps - warmup_steps), so the rate stays at 0."
            )
        compare(label, got, expected, rtol=1e-9, atol=1e-12)
