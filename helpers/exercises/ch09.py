"""Checks for the exercises of notebook 09 (attention and Transformers).

Each check builds its own inputs with a fixed generator and shapes that are all different (so a
transposed or reshaped answer cannot pass), calls the learner's function, looks for the typical
mistakes of the chapter first (a mask with the wrong convention or applied after the softmax,
the softmax over the wrong axis, no 1/√d_k or the wrong size in it, sines and cosines swapped,
heads split by a bare reshape), and ends with :func:`helpers.checks.compare`. The references are
plain NumPy written here, independent of :mod:`helpers.attention`, so that a check cannot inherit
a bug of the code it teaches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

# --------------------------------------------------------------------------------------------
# NumPy references.
# --------------------------------------------------------------------------------------------


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; a slice that is -inf throughout gives NaN (silently), as a learner's would."""
    with np.errstate(invalid="ignore"):
        e = np.exp(z - np.max(z, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)


def _masked_softmax(z: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Softmax over the last axis with blocked entries (mask False) at exactly 0; every row has a True."""
    return _softmax(np.where(mask, z, -np.inf))


def _pe(n: int, d: int, *, swap: bool = False, layout: str = "paper", first: int = 0) -> np.ndarray:
    """The sinusoidal encoding, or one of its usual wrong variants."""
    pos = np.arange(first, first + n)[:, None]
    j = np.arange(d)
    exponent = {"paper": 2 * (j // 2) / d, "column": 2 * j / d, "plain": j / d}.get(layout, 2 * (j // 2) / d)
    angles = pos / 10000.0**exponent
    even, odd = (np.cos, np.sin) if swap else (np.sin, np.cos)
    if layout == "halves":  # all sines, then all cosines
        half = pos / 10000.0 ** (2 * np.arange(d // 2) / d)
        return np.concatenate([even(half), odd(half)], axis=1)
    return np.where(j % 2 == 0, even(angles), odd(angles))


# --------------------------------------------------------------------------------------------
# Small tools for recognising mistakes.
# --------------------------------------------------------------------------------------------


def _as_array(got: Any) -> np.ndarray | None:
    """``got`` as an array, or ``None`` when it is no array of numbers (compare() then says so)."""
    if got is None:
        return None
    try:
        arr = np.asarray(got)
        return arr if arr.dtype.kind in "biuf" else None
    except (TypeError, ValueError):
        return None


def _matches(got: np.ndarray | None, candidate: np.ndarray, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether ``got`` has ``candidate``'s shape and values."""
    if got is None or got.shape != np.shape(candidate):
        return False
    return bool(np.allclose(got.astype(float), candidate, rtol=rtol, atol=atol, equal_nan=True))


def _quietly(function: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function on copies of array inputs, NumPy's overflow warnings silenced.

    The check explains an overflow in its own message; a RuntimeWarning would only add noise on
    stderr. Copies keep a function that changes its input in place from changing the check's.
    """
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return function(*copies)


def _weights_mistakes(got: np.ndarray | None, z: np.ndarray, mask: np.ndarray | None, name: str) -> None:
    """Raise with a specific message if ``got`` equals a typical wrong masked softmax of the scores ``z``.

    A candidate that happens to equal the right answer on these inputs is skipped.
    """
    if got is None or got.shape != z.shape:
        return
    full = np.ones(z.shape, dtype=bool) if mask is None else mask
    expected = _masked_softmax(z, full)
    candidates: list[tuple[np.ndarray, str]] = []
    if mask is not None:
        candidates += [
            (
                _softmax(z) * mask,
                f"the mask was applied after the softmax (weights multiplied by the mask), so the rows of `{name}` no "
                f"longer sum to 1. Block the scores before the softmax: np.where(mask, scores, -np.inf).",
            ),
            (
                _masked_softmax(z, ~mask),
                f"the mask is inverted: `{name}` puts weight on the blocked positions. Here True means *may "
                f"attend* (Keras's convention; PyTorch's is the opposite): keep the scores where mask is True.",
            ),
            (
                _softmax(z) * ~mask,
                f"the mask is inverted (and applied after the softmax): `{name}` puts weight on the blocked "
                f"positions. Here True means *may attend*: block the scores where mask is False, before the softmax.",
            ),
            (_softmax(z), f"the mask was ignored: the blocked positions got non-zero `{name}`."),
            (
                _softmax(np.where(mask, z, 0.0)),
                f"the blocked scores were set to 0, but exp(0) = 1 still gives them weight in `{name}`. Set them "
                f"to -np.inf (or a very large negative number) so that exp() makes them 0.",
            ),
        ]
    if z.shape[-2] > 1:
        candidates.append(
            (
                _softmax(np.where(full, z, -np.inf), axis=-2),  # NaN in fully blocked columns, as theirs would be
                f"the softmax runs over the wrong axis: each *column* of `{name}` sums to 1. Normalise over the "
                f"keys, the last axis (axis=-1), so that each query's weights sum to 1.",
            )
        )
    for candidate, message in candidates:
        if _matches(got, candidate) and not _matches(candidate, expected):
            raise ExerciseFailed(message)


# --------------------------------------------------------------------------------------------
# 9.1 Causal mask.
# --------------------------------------------------------------------------------------------


@exercise(
    "9.1",
    "causal mask",
    hint="A lower-triangular boolean matrix with the diagonal: np.tril(np.ones((n, n), dtype=bool)).",
)
def check_causal_mask(causal_mask: Callable[[int], Any]) -> None:
    """Check ``causal_mask(n)``: an (n, n) boolean array, True where key s <= query t (may attend)."""
    for n in (4, 7, 1):
        expected = np.tril(np.ones((n, n), dtype=bool))
        got = _as_array(_quietly(causal_mask, n))
        if got is not None and got.shape == expected.shape and n > 1:
            as_bool = got.astype(bool)
            if np.array_equal(as_bool, np.triu(np.ones((n, n), dtype=bool))):
                raise ExerciseFailed(
                    "the mask is upper-triangular: each token would attend to itself and the *future*. A causal "
                    "mask lets query t see keys s <= t: lower-triangular (np.tril)."
                )
            if np.array_equal(as_bool, ~expected):
                raise ExerciseFailed(
                    "the mask is inverted: True marks the blocked (future) positions, PyTorch's convention. "
                    "Here True means *may attend* (Keras's convention): np.tril, not np.triu(..., k=1)."
                )
            if np.array_equal(as_bool, np.tril(np.ones((n, n), dtype=bool), k=-1)):
                raise ExerciseFailed(
                    "the diagonal is False: a token must be allowed to attend to itself (and with k=-1 the first "
                    "token has no key at all). Use np.tril with k=0."
                )
            if got.dtype != np.bool_ and np.array_equal(as_bool, expected) and np.isin(got, (0, 1)).all():
                raise ExerciseFailed(
                    f"the pattern is right but the dtype is {got.dtype}; return a boolean mask (dtype=bool), "
                    f"as Keras's attention_mask expects."
                )
        compare(f"causal_mask({n})", got, expected)
        if got is not None and got.dtype != np.bool_:
            raise ExerciseFailed(f"`causal_mask({n})` has dtype {got.dtype}; return a boolean mask (dtype=bool).")


# --------------------------------------------------------------------------------------------
# 9.2 Masked softmax.
# --------------------------------------------------------------------------------------------


@exercise(
    "9.2",
    "masked softmax",
    hint="Set the blocked scores to -inf with np.where(mask, scores, -np.inf), subtract each row's max, "
    "exponentiate, and divide by the row sums (axis=-1, keepdims=True).",
)
def check_masked_softmax(masked_softmax: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``masked_softmax(scores, mask)``: softmax over the last axis, blocked entries (mask False) exactly 0.

    Tested on scores of shape (2, 3, 5) with a mask of the same shape, on a (4, 6) matrix with a
    key-padding mask of shape (4, 6), and on scores near 800 (a naive exp overflows).
    """
    rng = np.random.default_rng(92)
    z1 = rng.normal(scale=2.0, size=(2, 3, 5))
    m1 = rng.random((2, 3, 5)) > 0.4
    m1[..., 1] = True  # every query may attend to at least one key
    z2 = rng.normal(scale=2.0, size=(4, 6))
    m2 = np.arange(6)[None, :] < np.array([[2], [6], [4], [5]])
    z3 = 800.0 + rng.normal(size=(3, 4))
    m3 = np.array([[True, True, False, True], [True, False, False, False], [True, True, True, True]])
    for z, mask in ((z1, m1), (z2, m2), (z3, m3)):
        expected = _masked_softmax(z, mask)
        got = _as_array(_quietly(masked_softmax, z, mask))
        _weights_mistakes(got, z, mask, "weights")
        if got is not None and got.shape == z.shape and not np.all(np.isfinite(got)) and z.min() > 100:
            raise ExerciseFailed(
                "the weights contain NaN or infinity for large scores (around 800): exp overflows. Subtract each "
                "row's maximum (over the allowed entries) before np.exp; it cancels in the ratio."
            )
        compare("weights", got, expected)


# --------------------------------------------------------------------------------------------
# 9.3 Scaled dot-product attention.
# --------------------------------------------------------------------------------------------


@exercise(
    "9.3",
    "scaled dot-product attention",
    hint="scores = Q @ K.swapaxes(-1, -2) / np.sqrt(d_k) with d_k = Q.shape[-1]; block them where mask is False; "
    "weights = softmax over the last axis; return (weights @ V, weights).",
)
def check_scaled_dot_product_attention(attention: Callable[..., Any]) -> None:
    """Check ``attention(Q, K, V, mask=None)`` returns ``(out, weights)``.

    Q has shape (2, 4, 3), K (2, 6, 3), V (2, 6, 5): d_k = 3 and d_v = 5 differ, so scaling by the
    wrong size shows. Called once without a mask and once with a mask of shape (2, 4, 6).
    """
    rng = np.random.default_rng(93)
    Q, K, V = rng.normal(scale=1.5, size=(2, 4, 3)), rng.normal(scale=1.5, size=(2, 6, 3)), rng.normal(size=(2, 6, 5))
    mask = rng.random((2, 4, 6)) > 0.4
    mask[..., 2] = True
    raw = Q @ np.swapaxes(K, -1, -2)
    d_k, d_v = Q.shape[-1], V.shape[-1]
    for m in (None, mask):
        args = (Q, K, V) if m is None else (Q, K, V, m)
        result = _quietly(attention, *args)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise ExerciseFailed(
                f"the function should return a pair (out, weights), got {type(result).__name__}"
                + (f" of length {len(result)}." if isinstance(result, tuple | list) else ".")
            )
        out, weights = (_as_array(r) for r in result)
        if out is not None and out.shape == (2, 4, 6) and weights is not None and weights.shape == (2, 4, 5):
            raise ExerciseFailed("the pair is in the wrong order: return (out, weights), not (weights, out).")
        full = np.ones(raw.shape, dtype=bool) if m is None else m

        def soft(z: np.ndarray, full: np.ndarray = full) -> np.ndarray:
            return _masked_softmax(z, full)

        for scores, message in (
            (raw, "the scores were not divided by √d_k: softmax(Q Kᵀ) saturates as d_k grows"),
            (raw / d_k, "the scores were divided by d_k instead of √d_k"),
            (
                raw / np.sqrt(d_v),
                "the scores were divided by √d_v (the value size); the scale uses the key size d_k = Q.shape[-1]",
            ),
        ):
            if _matches(weights, soft(scores)):
                raise ExerciseFailed(f"{message}. Use scores = Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1]).")
        _weights_mistakes(weights, raw / np.sqrt(d_k), m, "weights")
        expected_w = soft(raw / np.sqrt(d_k))
        compare("weights", weights, expected_w)
        compare("out", out, expected_w @ V)


# --------------------------------------------------------------------------------------------
# 9.4 Sinusoidal positional encoding.
# --------------------------------------------------------------------------------------------


@exercise(
    "9.4",
    "sinusoidal positional encoding",
    hint="angle[p, j] = p / 10000 ** (2 * (j // 2) / d_model); sine in the even columns j, cosine in the odd ones.",
)
def check_positional_encoding(positional_encoding: Callable[[int, int], Any]) -> None:
    """Check ``positional_encoding(n_positions, d_model)`` returns the (n_positions, d_model) encoding of the paper."""
    for n, d in ((11, 8), (5, 6)):
        expected = _pe(n, d)
        got = _as_array(_quietly(positional_encoding, n, d))
        mistakes = (
            (_pe(n, d, swap=True), "sines and cosines are swapped: the even columns (0, 2, …) hold the sines"),
            (
                _pe(n, d, layout="halves"),
                "all the sines come first, then all the cosines; the paper interleaves them: sin in column 2i, "
                "cos in column 2i + 1",
            ),
            (
                _pe(n, d, layout="column"),
                "the exponent uses the column index j instead of the pair index i = j // 2: columns 2i and 2i + 1 "
                "share the frequency 1 / 10000^(2i/d)",
            ),
            (
                _pe(n, d, layout="plain"),
                "the exponent is j/d with the column index j, so each cosine has a different frequency from its "
                "sine; use 2 * (j // 2) / d",
            ),
            (_pe(n, d, first=1), "the positions start at 1; they start at 0 (the first row is sin 0 = 0, cos 0 = 1)"),
        )
        for candidate, message in mistakes:
            if _matches(got, candidate):
                raise ExerciseFailed(message + ".")
        compare(f"positional_encoding({n}, {d})", got, expected)


# --------------------------------------------------------------------------------------------
# 9.5 Split heads.
# --------------------------------------------------------------------------------------------


@exercise(
    "9.5",
    "split heads",
    hint="x.reshape(B, T, num_heads, d // num_heads), then move the head axis in front of the positions: "
    ".transpose(0, 2, 1, 3).",
)
def check_split_heads(split_heads: Callable[[np.ndarray, int], Any]) -> None:
    """Check ``split_heads(x, num_heads)``: (B, T, h·k) → (B, h, T, k), head i taking columns i·k … (i+1)·k − 1."""
    rng = np.random.default_rng(95)
    for b, t, h, k in ((2, 5, 3, 4), (3, 4, 2, 7)):
        x = rng.normal(size=(b, t, h * k))
        expected = x.reshape(b, t, h, k).transpose(0, 2, 1, 3)
        got = _as_array(_quietly(split_heads, x, h))
        if _matches(got, x.reshape(b, h, t, k)):
            raise ExerciseFailed(
                "x was reshaped straight to (B, h, T, k), which mixes positions and heads (head 0 gets the first "
                "rows, not the first columns). Reshape to (B, T, h, k) first, then .transpose(0, 2, 1, 3)."
            )
        if _matches(got, x.reshape(b, t, h, k)):
            raise ExerciseFailed(
                "the result has shape (B, T, h, k): the head axis still comes after the positions. Move it in "
                "front with .transpose(0, 2, 1, 3), so each head is a (T, k) matrix."
            )
        if _matches(got, x.reshape(b, t, k, h).transpose(0, 3, 1, 2)):
            raise ExerciseFailed(
                "each head takes every h-th column; head i must take the contiguous block of columns "
                "i·k … (i+1)·k − 1 (reshape to (B, T, h, k), not (B, T, k, h))."
            )
        if _matches(got, expected.swapaxes(-1, -2)):
            raise ExerciseFailed("the last two axes are swapped: the result should be (B, h, T, k), not (B, h, k, T).")
        compare("split_heads(x, num_heads)", got, expected)
