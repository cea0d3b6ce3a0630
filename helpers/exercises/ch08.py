"""Checks for the exercises of notebook 08 (generalisation).

Each check builds its own inputs with a fixed generator, calls the learner's function, looks for
the typical mistakes of the chapter first (dropout without the 1/(1 − rate) scaling, scaling at
test time, a new mask in the backward pass, penalised biases, the factor 2 of Keras's L2,
patience off by one, a power law fitted on a linear scale), and ends with
:func:`helpers.checks.compare`. The references are plain NumPy, written here so that a check
never depends on the code it teaches (:mod:`helpers.regularization`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

# --------------------------------------------------------------------------------------------
# Small tools.
# --------------------------------------------------------------------------------------------


def _pair(got: Any, what: str) -> tuple[Any, Any]:
    """``got`` as a pair, or an error that says what was expected."""
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise ExerciseFailed(f"the function must return a pair {what}, got {type(got).__name__}: {got!r:.80}.")
    return got[0], got[1]


def _array(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if value is None:
        raise ExerciseFailed(f"`{name}` is None: it must be an array of shape {shape}, the shape of the input.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseFailed(f"`{name}` must be an array of numbers, got {type(value).__name__}.") from None
    if arr.shape != shape:
        raise ExerciseFailed(f"`{name}` has shape {arr.shape}, expected {shape}, the shape of the input.")
    return arr


def _close(a: np.ndarray, b: np.ndarray, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


# --------------------------------------------------------------------------------------------
# 8.1 Inverted dropout, forward.
# --------------------------------------------------------------------------------------------


def _check_keep(keep: Any, shape: tuple[int, ...]) -> np.ndarray:
    arr = _array(keep, "keep", shape)
    if not np.all((arr == 0) | (arr == 1)):
        raise ExerciseFailed(
            "`keep` must be a boolean mask (True where a unit is kept), but it holds other values. "
            "Return the comparison itself, e.g. keep = rng.random(x.shape) >= rate."
        )
    return arr.astype(bool)


@exercise(
    "8.1",
    "inverted dropout",
    hint="keep = rng.random(x.shape) >= rate; out = x * keep / (1 - rate) while training; at test time return x.",
)
def check_dropout(dropout: Callable[..., Any]) -> None:
    """Check ``dropout(x, rate, rng, training=True) -> (out, keep)``, inverted dropout."""
    rate = 0.3
    x = np.random.default_rng(80).uniform(1.0, 2.0, size=(400, 250))  # no zeros: 0 in `out` means dropped
    out, keep = _pair(dropout(x.copy(), rate, np.random.default_rng(81)), "(out, keep)")
    out = _array(out, "out", x.shape)
    keep = _check_keep(keep, x.shape)
    share = 1.0 - keep.mean()
    sd = math.sqrt(rate * (1 - rate) / x.size)
    if abs(share - (1 - rate)) < 6 * sd:
        raise ExerciseFailed(
            f"{share:.1%} of the units were dropped, which is 1 − rate: `rate` is the probability of "
            f"DROPPING a unit (Keras's convention), so keep a unit when rng.random(...) >= rate."
        )
    if abs(share - rate) > 6 * sd:
        raise ExerciseFailed(f"{share:.1%} of the units were dropped; with rate = {rate} about {rate:.0%} should be.")
    if np.any(out[~keep] != 0):
        raise ExerciseFailed("`out` is not 0 where `keep` is False: dropped units must output exactly 0.")
    if _close(out[keep], x[keep]):
        raise ExerciseFailed(
            "the kept units equal x: divide them by (1 − rate). Without that inverted-dropout scaling the "
            "expected output is (1 − rate)·x during training but x at test time."
        )
    if _close(out[keep], x[keep] * (1 - rate)):
        raise ExerciseFailed("the kept units were multiplied by (1 − rate); divide by (1 − rate) instead.")
    compare("out[keep]", out[keep], x[keep] / (1 - rate))

    # The mask comes from `rng`: the same seed gives the same mask, a second call a new one.
    small = np.ones((6, 50))
    rng = np.random.default_rng(82)
    first = _check_keep(_pair(dropout(small.copy(), 0.5, rng), "(out, keep)")[1], small.shape)
    again = _check_keep(_pair(dropout(small.copy(), 0.5, np.random.default_rng(82)), "(out, keep)")[1], small.shape)
    if not np.array_equal(first, again):
        raise ExerciseFailed(
            "two generators with the same seed gave different masks: draw the mask from the `rng` argument "
            "(rng.random(x.shape)), not from np.random, so a run can be repeated."
        )
    second = _check_keep(_pair(dropout(small.copy(), 0.5, rng), "(out, keep)")[1], small.shape)
    if np.array_equal(first, second):
        raise ExerciseFailed("two calls with the same generator gave the same mask: draw a new mask at every call.")

    # Test time: nothing is dropped and nothing is scaled.
    test_out, test_keep = _pair(dropout(x.copy(), rate, np.random.default_rng(83), training=False), "(out, keep)")
    test_out = _array(test_out, "out (training=False)", x.shape)
    if _close(test_out, x * (1 - rate)):
        raise ExerciseFailed(
            "at test time `out` is (1 − rate)·x: with inverted dropout the scaling already happened during "
            "training, so at test time return x unchanged (scaling now would shrink every activation)."
        )
    if np.any(test_out == 0):
        raise ExerciseFailed("with training=False some units were dropped: at test time dropout does nothing.")
    compare("out (training=False)", test_out, x)
    if not np.all(_check_keep(test_keep, x.shape)):
        raise ExerciseFailed("with training=False `keep` should be True everywhere: every unit is kept.")
    zero_out, _ = _pair(dropout(x.copy(), 0.0, np.random.default_rng(84)), "(out, keep)")
    compare("out (rate=0)", _array(zero_out, "out (rate=0)", x.shape), x)


# --------------------------------------------------------------------------------------------
# 8.2 Dropout, backward.
# --------------------------------------------------------------------------------------------


@exercise(
    "8.2",
    "dropout backward",
    hint="dx = dout * keep / (1 - rate): the same mask and the same scaling as the forward pass.",
)
def check_dropout_backward(dropout_backward: Callable[..., Any]) -> None:
    """Check ``dropout_backward(dout, keep, rate) -> dx`` for inverted dropout."""
    rng = np.random.default_rng(85)
    rate = 0.4
    dout = rng.choice([-1.0, 1.0], size=(5, 7)) * rng.uniform(0.5, 1.5, size=(5, 7))
    keep = rng.random((5, 7)) >= rate
    keep[0, :2] = (True, False)  # both kinds of unit, whatever the draw
    got = dropout_backward(dout.copy(), keep.copy(), rate)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` dx?")
    dx = _array(got, "dx", dout.shape)
    expected = dout * keep / (1 - rate)
    if _close(dx, dout * ~keep / (1 - rate)):
        raise ExerciseFailed(
            "the mask is inverted: `keep` is True for the units that were KEPT; they get the gradient."
        )
    if _close(dx, dout * keep):
        raise ExerciseFailed("dx is missing the factor 1/(1 − rate): the forward pass scaled the kept units by it.")
    if _close(dx, dout * keep * (1 - rate)):
        raise ExerciseFailed("dx was multiplied by (1 − rate); the forward pass divided by it, so divide here too.")
    if not np.array_equal(dx != 0, keep):
        raise ExerciseFailed(
            "dx is non-zero for a unit that was dropped, or zero for one that was kept: use the `keep` mask "
            "you were given (the forward pass's). A new mask would send gradient to units that took no part."
        )
    compare("dx", dx, expected)


# --------------------------------------------------------------------------------------------
# 8.3 L2 gradient on the weights only.
# --------------------------------------------------------------------------------------------


@exercise(
    "8.3",
    "L2 gradient on weights only",
    hint="{k: lam * v if k.startswith('W') else np.zeros_like(v) for k, v in params.items()}",
)
def check_l2_gradient(l2_gradient: Callable[..., Any]) -> None:
    """Check ``l2_gradient(params, lam) -> dict``, the gradient of λ/2 Σ‖W‖² (biases not penalised)."""
    rng = np.random.default_rng(86)
    shapes = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    params = {k: rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.5, 1.5, size=s) for k, s in shapes.items()}
    copies = {k: v.copy() for k, v in params.items()}
    lam = 0.3
    got = l2_gradient(params, lam)
    for key in params:
        if not np.array_equal(params[key], copies[key]):
            raise ExerciseFailed(f"params[{key!r}] was changed in place: return new arrays, leave params as it was.")
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` the dict of gradients?")
    if not isinstance(got, Mapping):
        raise ExerciseFailed(
            f"the result must be a dict with one gradient per parameter, got {type(got).__name__}. (The penalty "
            f"itself is a number; its gradient has one array per key of params.)"
        )
    if set(got) != set(params):
        raise ExerciseFailed(
            f"the result has keys {sorted(got)}, expected {sorted(params)}: return a gradient for every key, "
            f"zeros for the biases, so that it adds key by key to the gradient of the data loss."
        )
    grads = {k: _array(v, f"grads[{k!r}]", params[k].shape) for k, v in got.items()}
    for key in ("b1", "b2"):
        if _close(grads[key], lam * params[key]) or _close(grads[key], 2 * lam * params[key]):
            raise ExerciseFailed(f"`{key}` was penalised: biases are not, so their gradient is 0.")
    for key in ("W1", "W2"):
        W = params[key]
        if _close(grads[key], 2 * lam * W):
            raise ExerciseFailed(
                f"grads[{key!r}] is 2λW: with the ½ in R = λ/2 Σ W², the gradient is λW. (2λW is the gradient of "
                f"Keras's L2(λ) = λ Σ W², which has no ½.)"
            )
        if _close(grads[key], 0.5 * lam * W):
            raise ExerciseFailed(f"grads[{key!r}] is ½λW: the ½ cancels against the 2 of d(w²)/dw = 2w.")
        if _close(grads[key], W):
            raise ExerciseFailed(f"grads[{key!r}] equals W: multiply by λ = lam.")
    for key in params:
        expected = lam * params[key] if key.startswith("W") else np.zeros_like(params[key])
        compare(f"grads[{key!r}]", grads[key], expected)


# --------------------------------------------------------------------------------------------
# 8.4 Early stopping with patience.
# --------------------------------------------------------------------------------------------


def _early_stopping(
    losses: Sequence[float], patience: int, *, ties_improve: bool = False, shift: int = 0
) -> tuple[int, int]:
    """Keras's EarlyStopping rule (1-based epochs); ``shift`` moves the stop, for the off-by-one variants."""
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, value in enumerate(losses, start=1):
        wait += 1
        if value < best or (ties_improve and value <= best):
            best, best_epoch, wait = value, epoch, 0
            continue
        if wait >= patience + shift and epoch > 1:
            return epoch, best_epoch
    return len(losses), best_epoch


_STOPPING_CASES: list[tuple[list[float], int]] = [
    ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.8, 0.9, 0.95, 1.0, 1.1], 3),
    ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.8, 0.9, 0.95, 1.0, 1.1], 4),
    ([0.5, 0.4, 0.4, 0.4, 0.3, 0.31, 0.32, 0.33, 0.34], 2),
    ([2.0, 1.5, 1.2, 1.1, 1.05, 1.0], 2),
    ([0.9, 0.95, 0.97, 0.99, 0.98, 1.0, 1.1], 3),
]


def _stopping_variants(case: tuple[list[float], int]) -> dict[str, tuple[int, int]]:
    losses, patience = case
    right = _early_stopping(losses, patience)
    return {
        "right": right,
        "early": _early_stopping(losses, patience, shift=-1),
        "late": _early_stopping(losses, patience, shift=1),
        "ties": _early_stopping(losses, patience, ties_improve=True),
        "zero-based": (right[0] - 1, right[1] - 1),
        "global": (right[0], int(np.argmin(losses)) + 1),
    }


_STOPPING_MESSAGES = {
    "early": "training stopped one epoch too early (patience off by one): stop when `patience` epochs IN A ROW "
    "have not improved on the best, i.e. at epoch best + patience, as Keras's EarlyStopping does.",
    "late": "training stopped one epoch too late (patience off by one): with the best at epoch b it stops at "
    "epoch b + patience, not b + patience + 1.",
    "ties": "a loss equal to the best was counted as an improvement: Keras needs a strict decrease "
    "(value < best; min_delta = 0), so a tie adds to the wait.",
    "zero-based": "both numbers are one too small: count epochs from 1, as Keras's messages do.",
    "global": "best_epoch is the lowest loss of the WHOLE list, including epochs after training stopped: only "
    "epochs that ran can be restored.",
}


@exercise(
    "8.4",
    "early stopping with patience",
    hint="Track best and wait; per epoch: wait += 1; if loss < best: best, best_epoch, wait = loss, epoch, 0; "
    "elif wait >= patience: stop.",
)
def check_early_stopping(early_stopping: Callable[..., Any]) -> None:
    """Check ``early_stopping(val_losses, patience) -> (epochs_run, best_epoch)``, Keras's rule, 1-based."""
    results = []
    for losses, patience in _STOPPING_CASES:
        got = _pair(early_stopping(list(losses), patience), "(epochs_run, best_epoch)")
        try:
            results.append((int(got[0]), int(got[1])))
        except (TypeError, ValueError):
            raise ExerciseFailed(f"both returned values must be whole numbers (epochs), got {got!r}.") from None
    variants = [_stopping_variants(case) for case in _STOPPING_CASES]
    if all(r == v["right"] for r, v in zip(results, variants, strict=True)):
        return
    for name, message in _STOPPING_MESSAGES.items():
        if all(r == v[name] for r, v in zip(results, variants, strict=True)):
            raise ExerciseFailed(message)
    for (losses, patience), r, v in zip(_STOPPING_CASES, results, variants, strict=True):
        if r != v["right"]:
            raise ExerciseFailed(
                f"for val_losses={losses} and patience={patience} the answer is (epochs_run, best_epoch) = "
                f"{v['right']}, got {r}."
            )


# --------------------------------------------------------------------------------------------
# 8.5 How much data: a power law through a learning curve.
# --------------------------------------------------------------------------------------------


def _data_needed(sizes: np.ndarray, accuracies: np.ndarray, target: float) -> float:
    slope, intercept = np.polyfit(np.log(sizes), np.log(1 - accuracies), 1)  # log err = log a - b log n
    return float(np.exp((np.log(1 - target) - intercept) / slope))


@exercise(
    "8.5",
    "data needed from a learning curve",
    hint="err = 1 - acc; slope, intercept = np.polyfit(np.log(n), np.log(err), 1); "
    "solve log(1 - target) = intercept + slope·log n for n.",
)
def check_data_needed(data_needed: Callable[..., Any]) -> None:
    """Check ``data_needed(sizes, accuracies, target) -> float``: n where the fitted power law reaches ``target``."""
    rng = np.random.default_rng(87)
    sizes = np.array([100.0, 200.0, 400.0, 800.0, 1600.0])
    errors = 0.9 * sizes**-0.35 * np.exp(rng.normal(scale=0.03, size=sizes.size))
    accuracies = 1 - errors
    target = 0.95
    got = data_needed(sizes.copy(), accuracies.copy(), target)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` n?")
    try:
        n = float(np.asarray(got, dtype=float))
    except (TypeError, ValueError):
        raise ExerciseFailed(f"the result must be one number (a training-set size), got {got!r:.80}.") from None
    expected = _data_needed(sizes, accuracies, target)
    slope, intercept = np.polyfit(np.log(sizes), np.log(accuracies), 1)
    on_accuracy = np.exp((np.log(target) - intercept) / slope)
    lin_slope, lin_intercept = np.polyfit(sizes, 1 - accuracies, 1)
    linear = ((1 - target) - lin_intercept) / lin_slope
    if np.isclose(n, on_accuracy, rtol=1e-6):
        raise ExerciseFailed(
            "the power law was fitted to the accuracy: fit the ERROR, err = 1 − accuracy, which falls like a·n^(−b)."
        )
    if np.isclose(n, linear, rtol=1e-6):
        raise ExerciseFailed(
            "a straight line was fitted to error against n: a power law is a straight line in log-log axes, so "
            "fit log(err) against log(n)."
        )
    if np.isclose(n, np.log(expected), rtol=1e-6) or np.isclose(n, np.log10(expected), rtol=1e-6):
        raise ExerciseFailed("that is log(n): return n itself (np.exp of the solution for log n).")
    if np.isclose(n, 1 / expected, rtol=1e-6):
        raise ExerciseFailed("the exponent has the wrong sign: solve log(err) = intercept + slope·log(n) for log(n).")
    compare("n", n, expected)
