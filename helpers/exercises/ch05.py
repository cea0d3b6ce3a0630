"""Checks for the exercises of notebook 05 (cross-entropy).

Each check builds its own inputs with a fixed generator, calls the learner's function, looks for
the typical mistakes of the chapter first (log base 2 instead of e, a missing minus sign, a sum
instead of a mean, NaN at p = 0, overflow at large logits, a forgotten 1/N), and ends with
:func:`helpers.checks.compare`. The references are plain NumPy, written here so that a check
never depends on the code it teaches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

_LN2 = float(np.log(2.0))


# --------------------------------------------------------------------------------------------
# NumPy references (independent of helpers.losses, so a check cannot inherit its bugs).
# --------------------------------------------------------------------------------------------


def _entropy(p: np.ndarray) -> np.ndarray:
    """H(p) = -Σ p log p along the last axis, with 0 log 0 = 0, in nats."""
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)


def _cross_entropy(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """H(p, q) = -Σ p log q along the last axis (q > 0 wherever p > 0), in nats."""
    safe = np.where(p > 0, q, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


# --------------------------------------------------------------------------------------------
# Small tools for recognising mistakes.
# --------------------------------------------------------------------------------------------


def _as_array(got: Any) -> np.ndarray | None:
    """``got`` as a float array, or ``None`` when it is no array of numbers (compare() then says so)."""
    if got is None:
        return None
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


def _matches(got: np.ndarray | None, candidate: np.ndarray, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether ``got`` has ``candidate``'s shape and values (NaN where the candidate is NaN)."""
    if got is None or got.shape != np.shape(candidate):
        return False
    return bool(np.allclose(got, candidate, rtol=rtol, atol=atol, equal_nan=True))


def _non_finite(got: np.ndarray | None) -> bool:
    return got is not None and got.dtype.kind == "f" and not bool(np.all(np.isfinite(got)))


def _quietly(function: Callable[..., Any], *args: np.ndarray) -> Any:
    """Call the learner's function on copies of the inputs, with NumPy's overflow warnings silenced.

    The check explains an overflow in its own message; NumPy's RuntimeWarning would only add noise
    on stderr. Copies keep a function that changes its input in place from changing the check's.
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return function(*(np.array(a, copy=True) for a in args))


# --------------------------------------------------------------------------------------------
# 5.1 Entropy.
# --------------------------------------------------------------------------------------------


@exercise(
    "5.1",
    "entropy",
    hint="H(p) = -Σₖ pₖ log pₖ along the last axis, with the natural log; make 0·log 0 count as 0, "
    "e.g. np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) or scipy.special.entr(p).",
)
def check_entropy(entropy: Callable[[np.ndarray], Any]) -> None:
    """Check ``entropy(p)``: -Σ p log p in nats along the last axis, 0 log 0 = 0.

    Tested on one distribution of shape (5,) (a number back) and a batch of shape (4, 6) (one
    entropy per row back), the batch holding zeros and a one-hot row.
    """
    rng = np.random.default_rng(51)
    single = rng.dirichlet(np.ones(5))
    batch = rng.dirichlet(np.full(6, 0.7), size=4)
    batch[1, [0, 3]] = 0.0
    batch[1] /= batch[1].sum()
    batch[2] = np.eye(6)[4]  # one-hot: entropy 0

    for p in (single, batch):
        expected = _entropy(p)
        raw = _quietly(entropy, p)
        got = _as_array(raw)
        if _matches(got, expected / _LN2):
            raise ExerciseFailed(
                "the entropy is in bits (log base 2): every value is 1/ln 2 ≈ 1.443 × the right one. "
                "The course measures information in nats, with the natural log np.log."
            )
        if _matches(got, -expected):
            raise ExerciseFailed("the entropy is negative: the minus sign in H(p) = -Σ p log p is missing.")
        if got is not None and got.shape == expected.shape and _non_finite(got) and np.any(p == 0):
            raise ExerciseFailed(
                "the entropy is NaN for a distribution that holds a zero: 0 · log 0 gave 0 · (-inf) = NaN. "
                "By convention (the limit of p log p as p → 0) that term is 0: use np.where, or "
                "scipy.special.entr."
            )
        if p.ndim == 2 and got is not None and got.ndim == 0 and np.isclose(got, expected.sum()):
            raise ExerciseFailed(
                "the result is one number for a batch of 4 distributions: it sums over the whole array. "
                "Sum along the last axis only (axis=-1), one entropy per row."
            )
        compare("H(p)" if p.ndim == 1 else "H(P) for a batch of shape (4, 6)", raw, expected)


# --------------------------------------------------------------------------------------------
# 5.2 KL divergence.
# --------------------------------------------------------------------------------------------


@exercise(
    "5.2",
    "KL divergence",
    hint="KL(p‖q) = Σₖ pₖ log(pₖ / qₖ) along the last axis, natural log, and a term with pₖ = 0 counts as 0.",
)
def check_kl_divergence(kl_divergence: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``kl_divergence(p, q)``: Σ p log(p/q) in nats along the last axis, 0 where p = 0.

    First on strictly positive rows of shape (3, 7) (to tell the order of the arguments and the
    log base), then on rows of shape (2, 5) where ``p`` holds zeros.
    """
    rng = np.random.default_rng(52)
    p = rng.dirichlet(np.ones(7), size=3)
    q = rng.dirichlet(np.ones(7), size=3)
    expected = _cross_entropy(p, q) - _entropy(p)
    raw = _quietly(kl_divergence, p, q)
    got = _as_array(raw)
    if _matches(got, _cross_entropy(q, p) - _entropy(q)):
        raise ExerciseFailed(
            "this is KL(q‖p), not KL(p‖q): the arguments are swapped. KL is not symmetric; the "
            "weights of the sum are p: Σ p log(p / q)."
        )
    if _matches(got, expected / _LN2):
        raise ExerciseFailed("the divergence is in bits (log base 2); use the natural log np.log (nats).")
    if _matches(got, -expected):
        raise ExerciseFailed("the sign is wrong: KL(p‖q) = Σ p log(p / q) ≥ 0; this is Σ p log(q / p).")
    if _matches(got, _cross_entropy(p, q)):
        raise ExerciseFailed(
            "this is the cross-entropy H(p, q) = -Σ p log q; KL(p‖q) = H(p, q) - H(p) also subtracts the "
            "entropy of p (the Σ p log p term is missing)."
        )
    compare("KL(p‖q)", raw, expected)

    p0 = rng.dirichlet(np.ones(5), size=2)
    p0[0, [1, 4]] = 0.0
    p0[0] /= p0[0].sum()
    q0 = rng.dirichlet(np.ones(5), size=2)
    expected0 = _cross_entropy(p0, q0) - _entropy(p0)
    raw0 = _quietly(kl_divergence, p0, q0)
    got0 = _as_array(raw0)
    if got0 is not None and got0.shape == expected0.shape and _non_finite(got0):
        raise ExerciseFailed(
            "the divergence is NaN when p holds a zero: 0 · log(0 / q) gave 0 · (-inf) = NaN. A term with "
            "pₖ = 0 counts as 0 (use np.where(p > 0, ...), or scipy.special.rel_entr)."
        )
    compare("KL(p‖q) where p holds zeros", raw0, expected0)


# --------------------------------------------------------------------------------------------
# 5.3 Log-softmax.
# --------------------------------------------------------------------------------------------


@exercise(
    "5.3",
    "stable log-softmax",
    hint="m = z.max(axis=-1, keepdims=True); return (z - m) - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)).",
)
def check_log_softmax(log_softmax: Callable[[np.ndarray], Any]) -> None:
    """Check ``log_softmax(z)``: z - logsumexp(z) along the last axis, finite for logits of ±1000.

    On moderate logits of shape (4, 3) first, then on logits of shape (3, 5) with entries of ±1000
    (where exp overflows and softmax underflows to 0), then on one vector of shape (6,).
    """
    rng = np.random.default_rng(53)
    moderate = rng.normal(scale=2.0, size=(4, 3))
    expected = _log_softmax(moderate)
    raw = _quietly(log_softmax, moderate)
    got = _as_array(raw)
    shifted = moderate - moderate.max(axis=-1, keepdims=True)
    if _matches(got, np.exp(expected)):
        raise ExerciseFailed("this is softmax(z), not its logarithm: take the log (or subtract logsumexp).")
    if _matches(got, shifted):
        raise ExerciseFailed(
            "the normaliser is missing: log softmax(z) = z - m - log Σ exp(z - m); only the max m was subtracted."
        )
    if _matches(got, moderate):
        raise ExerciseFailed("the result is z itself: subtract logsumexp(z) = m + log Σ exp(z - m) from every logit.")
    if _matches(got, moderate - np.log(np.sum(np.exp(moderate), axis=0, keepdims=True))):
        raise ExerciseFailed("normalised along axis 0 (down the columns); the classes are along the last axis.")
    compare("log_softmax(z) for moderate logits", raw, expected)

    large = rng.normal(scale=2.0, size=(3, 5))
    large[0, 2] += 1000.0  # exp(1000) overflows
    large[1] -= 1000.0  # every exp underflows to 0 unless the max is subtracted
    large[2, 0] -= 1000.0  # softmax of this entry underflows to 0, its log is -1000 - ...
    expected_large = _log_softmax(large)
    raw_large = _quietly(log_softmax, large)
    got_large = _as_array(raw_large)
    if got_large is not None and got_large.shape == expected_large.shape and _non_finite(got_large):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(got_large))[0])
        raise ExerciseFailed(
            f"the result is NaN or ±inf at index {where} for logits of ±1000: exp(1000) overflows to inf, "
            f"and the softmax of a logit 1000 below the others underflows to 0, whose log is -inf. Subtract "
            f"each row's maximum before np.exp, and never take np.log of a softmax (log-sum-exp)."
        )
    compare("log_softmax(z) for logits of ±1000", raw_large, expected_large)

    vector = rng.normal(size=6)
    compare("log_softmax(z) for one vector z of shape (6,)", _quietly(log_softmax, vector), _log_softmax(vector))


# --------------------------------------------------------------------------------------------
# 5.4 Binary cross-entropy from logits.
# --------------------------------------------------------------------------------------------


@exercise(
    "5.4",
    "binary cross-entropy from logits",
    hint="The mean over all entries of y·softplus(-z) + (1 - y)·softplus(z), with softplus(z) = np.logaddexp(0, z).",
)
def check_bce_from_logits(bce_from_logits: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``bce_from_logits(y, z)``: the mean BCE of labels ``y`` and logits ``z``, exact for any logit.

    On 7 moderate logits first (to tell the sign, the mean and the labels' roles), then on a (2, 3)
    batch with logits up to ±800, where exp overflows and a probability rounds to 0 or 1.
    """
    rng = np.random.default_rng(54)
    y = rng.integers(0, 2, size=7).astype(float)
    y[:2] = [0.0, 1.0]  # both labels occur
    z = rng.normal(scale=2.0, size=7)
    per_entry = y * _softplus(-z) + (1 - y) * _softplus(z)
    expected = float(np.mean(per_entry))
    raw = _quietly(bce_from_logits, y, z)
    got = _as_array(raw)
    if got is not None and got.ndim != 0:
        if _matches(got, per_entry):
            raise ExerciseFailed("the result is one loss per entry; return their mean, one number.")
        raise ExerciseFailed(f"the result should be one number (the mean loss), got an array of shape {got.shape}.")
    if _matches(got, np.sum(per_entry)):
        raise ExerciseFailed("the losses are summed over the 7 entries; the loss is their mean (divide by N).")
    if _matches(got, -expected):
        raise ExerciseFailed("the loss is negative: the minus sign of -[y log p + (1 - y) log(1 - p)] is missing.")
    if _matches(got, float(np.mean((1 - y) * _softplus(-z) + y * _softplus(z)))):
        raise ExerciseFailed(
            "the roles of the labels are swapped: a label y = 1 must cost -log σ(z) = softplus(-z), which is "
            "small for a large positive logit."
        )
    if _matches(got, expected / _LN2):
        raise ExerciseFailed("the loss is in bits (log base 2); use the natural log (np.log, np.logaddexp).")
    compare("bce_from_logits(y, z)", raw, expected)

    y_big = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    z_big = np.array([[800.0, -800.0, 40.0], [800.0, -800.0, -1.5]])
    expected_big = float(np.mean(y_big * _softplus(-z_big) + (1 - y_big) * _softplus(z_big)))
    raw_big = _quietly(bce_from_logits, y_big, z_big)
    got_big = _as_array(raw_big)
    if got_big is not None and got_big.ndim == 0 and _non_finite(got_big):
        raise ExerciseFailed(
            "the loss is NaN or infinite for logits of ±800: np.exp(800) overflows, or σ(z) rounds to "
            "exactly 0 or 1 and its log is -inf. Never go through the probability: use "
            "np.logaddexp(0, z) for softplus(z) = -log(1 - σ(z))."
        )
    if got_big is not None and got_big.ndim == 0 and 0 < float(got_big) < 0.9 * expected_big:
        raise ExerciseFailed(
            f"the loss for logits of ±800 is {float(got_big):.6g}, expected {expected_big:.6g}: a wrong logit "
            f"of 800 costs 800, but this loss is capped. Was the probability clipped (np.clip(p, eps, 1 - eps))? "
            f"Clipping cannot tell a logit of 40 from one of 800; compute from the logit with np.logaddexp."
        )
    compare("bce_from_logits(y, z) with logits of ±800", raw_big, expected_big, rtol=1e-9)


# --------------------------------------------------------------------------------------------
# 5.5 The softmax cross-entropy gradient for a batch.
# --------------------------------------------------------------------------------------------


@exercise(
    "5.5",
    "softmax cross-entropy gradient",
    hint="dL/dZ = (softmax(Z) - Y) / N for the mean loss over N rows; compute softmax with the row max subtracted.",
)
def check_softmax_ce_gradient(softmax_ce_gradient: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``softmax_ce_gradient(Y, Z)``: ∂L/∂Z = (softmax(Z) - Y) / N for one-hot ``Y`` of shape (N, K).

    On a batch of shape (5, 3) with moderate logits, then on a (4, 6) batch with a logit of 900.
    """
    rng = np.random.default_rng(55)
    n, k = 5, 3
    Y = np.eye(k)[rng.integers(0, k, size=n)]
    Z = rng.normal(scale=1.5, size=(n, k))
    P = np.exp(_log_softmax(Z))
    expected = (P - Y) / n
    raw = _quietly(softmax_ce_gradient, Y, Z)
    got = _as_array(raw)
    if _matches(got, P - Y):
        raise ExerciseFailed(
            f"the gradient is {n} × too large: the loss is the mean over the N = {n} rows, so every row's "
            f"p - y is divided by N."
        )
    if _matches(got, (Y - P) / n) or _matches(got, Y - P):
        raise ExerciseFailed("the sign is wrong: it is p - y (prediction minus target), not y - p.")
    with np.errstate(divide="ignore"):
        wrt_p = -Y / P
    if _matches(got, wrt_p / n) or _matches(got, wrt_p):
        raise ExerciseFailed(
            "this is -y/p, the gradient with respect to the probabilities p, not the logits z. Chain it through "
            "the softmax Jacobian: the result collapses to (p - y) / N."
        )
    sig = 1 / (1 + np.exp(-Z))
    if _matches(got, (sig - Y) / n) or _matches(got, sig - Y):
        raise ExerciseFailed("σ(z) was used, not softmax(z): the probabilities of a row must sum to 1.")
    col = np.exp(Z - Z.max(axis=0, keepdims=True))
    col /= col.sum(axis=0, keepdims=True)
    if _matches(got, (col - Y) / n):
        raise ExerciseFailed(
            "the softmax was taken along axis 0 (over the examples); take it along each row (axis=-1)."
        )
    compare("dL/dZ", raw, expected)

    n2, k2 = 4, 6
    Y2 = np.eye(k2)[rng.integers(0, k2, size=n2)]
    Z2 = rng.normal(size=(n2, k2))
    Z2[1, 3] = 900.0
    expected2 = (np.exp(_log_softmax(Z2)) - Y2) / n2
    raw2 = _quietly(softmax_ce_gradient, Y2, Z2)
    got2 = _as_array(raw2)
    if got2 is not None and got2.shape == expected2.shape and _non_finite(got2):
        raise ExerciseFailed(
            "the gradient is NaN for a logit of 900: exp(900) overflows to inf and inf/inf is NaN. Subtract each "
            "row's maximum before np.exp (it cancels in the softmax)."
        )
    compare("dL/dZ with a logit of 900", raw2, expected2)
