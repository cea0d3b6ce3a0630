"""The checks of chapter 09's exercises (``helpers.exercises.ch09``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers import attention
from helpers.checks import ExerciseFailed
from helpers.exercises import ch09


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


def _softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------------
# 9.1 causal mask


@pytest.mark.parametrize(
    "answer",
    [
        lambda n: np.tril(np.ones((n, n), dtype=bool)),
        lambda n: np.arange(n)[None, :] <= np.arange(n)[:, None],
        attention.causal_mask,
    ],
    ids=["tril", "comparison", "helpers"],
)
def test_check_causal_mask_passes_the_right_answer(answer, capsys):
    ch09.check_causal_mask(answer)
    assert capsys.readouterr().out == "Exercise 9.1 (causal mask): correct.\n"


def test_check_causal_mask_stub_is_not_done(capsys):
    ch09.check_causal_mask(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 9.1 (causal mask): not done yet. Hint: A lower-triangular")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n: np.triu(np.ones((n, n), dtype=bool)), "upper-triangular"),
        (lambda n: np.triu(np.ones((n, n), dtype=bool), k=1), "inverted"),
        (lambda n: ~np.tril(np.ones((n, n), dtype=bool)), "inverted"),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1), "diagonal is False"),
        (lambda n: np.tril(np.ones((n, n))), "dtype"),
        (lambda n: np.tril(np.ones((n, n), dtype=int)), "dtype"),
        (lambda n: None, "None"),
    ],
)
def test_check_causal_mask_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch09.check_causal_mask(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n: np.ones((n, n), dtype=bool),
        lambda n: np.eye(n, dtype=bool),
        lambda n: np.tril(np.ones((n, n + 1), dtype=bool)),
        lambda n: np.tril(np.ones((n, n), dtype=bool))[::-1],
        lambda n: np.tril(np.ones((n, n), dtype=bool), k=1),
    ],
    ids=["all-true", "identity", "wrong-shape", "flipped", "one-ahead"],
)
def test_check_causal_mask_never_passes_a_wrong_mask(wrong, capsys):
    _assert_never_passes(ch09.check_causal_mask, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 9.2 masked softmax


def _masked_softmax(scores, mask):
    return _softmax(np.where(mask, scores, -np.inf))


def _masked_softmax_large_negative(scores, mask):
    return _softmax(np.where(mask, scores, -1e9))


def _masked_softmax_no_max(scores, mask):
    e = np.where(mask, np.exp(scores), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "answer",
    [_masked_softmax, _masked_softmax_large_negative, attention.masked_softmax],
    ids=["-inf", "-1e9", "helpers"],
)
def test_check_masked_softmax_passes_the_right_answer(answer, capsys):
    ch09.check_masked_softmax(answer)
    assert capsys.readouterr().out == "Exercise 9.2 (masked softmax): correct.\n"


def test_check_masked_softmax_stub_is_not_done(capsys):
    ch09.check_masked_softmax(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 9.2 (masked softmax): not done yet. Hint: Set the blocked")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda z, m: _softmax(z) * m, "after the softmax"),
        (lambda z, m: _masked_softmax(z, ~m), "inverted"),
        (lambda z, m: _softmax(z), "mask was ignored"),
        (lambda z, m: _softmax(np.where(m, z, 0.0)), "set to 0"),
        (lambda z, m: _softmax(np.where(m, z, -np.inf), axis=-2), "wrong axis"),
        (_masked_softmax_no_max, "overflows"),
        (lambda z, m: None, "None"),
    ],
    ids=["after-softmax", "inverted", "ignored", "zero-fill", "wrong-axis", "overflow", "none"],
)
def test_check_masked_softmax_names_the_mistake(wrong, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the check itself must not warn (it would reach the notebook's stderr)
        with pytest.raises(ExerciseFailed, match=message):
            ch09.check_masked_softmax(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda z, m: _masked_softmax(z, m).T,
        lambda z, m: _masked_softmax(2 * z, m),
        lambda z, m: _masked_softmax(z / np.sqrt(z.shape[-1]), m),
        lambda z, m: np.where(m, np.exp(z), 0.0),
        lambda z, m: _masked_softmax(z, m)[..., :-1],
        lambda z, m: _masked_softmax(z, m) + 0.01,
    ],
    ids=["transposed", "doubled", "scaled", "unnormalised", "sliced", "offset"],
)
def test_check_masked_softmax_never_passes_a_wrong_formula(wrong, capsys):
    with np.errstate(over="ignore", invalid="ignore"):
        _assert_never_passes(ch09.check_masked_softmax, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 9.3 scaled dot-product attention


def _attention(Q, K, V, mask=None, *, scale=None, axis=-1, after=False, invert=False):
    scores = Q @ np.swapaxes(K, -1, -2) / (np.sqrt(Q.shape[-1]) if scale is None else scale)
    if mask is None:
        weights = _softmax(scores, axis)
    elif after:
        weights = _softmax(scores, axis) * mask
    else:
        weights = _softmax(np.where(~mask if invert else mask, scores, -np.inf), axis)
    return weights @ V, weights


@pytest.mark.parametrize("answer", [_attention, attention.scaled_dot_product_attention], ids=["reference", "helpers"])
def test_check_attention_passes_the_right_answer(answer, capsys):
    ch09.check_scaled_dot_product_attention(answer)
    assert capsys.readouterr().out == "Exercise 9.3 (scaled dot-product attention): correct.\n"


def test_check_attention_stub_is_not_done(capsys):
    ch09.check_scaled_dot_product_attention(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 9.3 (scaled dot-product attention): not done yet. Hint: scores = Q @ K"), out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, scale=1.0), "not divided by √d_k"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, scale=Q.shape[-1]), "by d_k instead of √d_k"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, scale=np.sqrt(V.shape[-1])), "value size"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, axis=-2), "wrong axis"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, after=True), "after the softmax"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask, invert=True), "inverted"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V), "mask was ignored"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask)[::-1], "wrong order"),
        (lambda Q, K, V, mask=None: _attention(Q, K, V, mask)[0], "pair"),
        (lambda Q, K, V, mask=None: (_attention(Q, K, V, mask)[1] @ V * 2, _attention(Q, K, V, mask)[1]), "`out`"),
    ],
    ids=["no-scale", "d_k", "d_v", "axis", "after", "inverted", "ignored", "order", "single", "out"],
)
def test_check_attention_names_the_mistake(wrong, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExerciseFailed, match=message):
            ch09.check_scaled_dot_product_attention(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Q, K, V, mask=None: _attention(Q, K, V, mask, scale=np.sqrt(K.shape[-2])),
        lambda Q, K, V, mask=None: (_attention(Q, K, V, mask)[1] @ V + 1, _attention(Q, K, V, mask)[1]),
        lambda Q, K, V, mask=None: (Q, _attention(Q, K, V, mask)[1]),
        lambda Q, K, V, mask=None: _attention(K, Q, V, mask),
        lambda Q, K, V, mask=None: _attention(Q, K, K, mask),
    ],
    ids=["sqrt-S", "out-offset", "returns-Q", "Q-K-swapped", "V-is-K"],
)
def test_check_attention_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch09.check_scaled_dot_product_attention, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 9.4 positional encoding


def _pe(n, d):
    pos, j = np.arange(n)[:, None], np.arange(d)[None, :]
    angles = pos / 10000 ** (2 * (j // 2) / d)
    return np.where(j % 2 == 0, np.sin(angles), np.cos(angles))


def _pe_slices(n, d):
    pe = np.zeros((n, d))
    freq = 1 / 10000 ** (np.arange(0, d, 2) / d)
    pe[:, 0::2] = np.sin(np.arange(n)[:, None] * freq)
    pe[:, 1::2] = np.cos(np.arange(n)[:, None] * freq)
    return pe


@pytest.mark.parametrize(
    "answer",
    [_pe, _pe_slices, attention.sinusoidal_positional_encoding],
    ids=["where", "slices", "helpers"],
)
def test_check_positional_encoding_passes_the_right_answer(answer, capsys):
    ch09.check_positional_encoding(answer)
    assert capsys.readouterr().out == "Exercise 9.4 (sinusoidal positional encoding): correct.\n"


def test_check_positional_encoding_stub_is_not_done(capsys):
    ch09.check_positional_encoding(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 9.4 (sinusoidal positional encoding): not done yet. Hint: angle[p, j]"), out


def _pe_variant(n, d, *, swap=False, exponent=None, halves=False, first=0):
    pos, j = np.arange(first, first + n)[:, None], np.arange(d)[None, :]
    angles = pos / 10000 ** ((2 * (j // 2) / d) if exponent is None else exponent(j, d))
    sin, cos = (np.cos, np.sin) if swap else (np.sin, np.cos)
    if halves:
        half = pos / 10000 ** (2 * np.arange(d // 2) / d)
        return np.concatenate([sin(half), cos(half)], axis=1)
    return np.where(j % 2 == 0, sin(angles), cos(angles))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n, d: _pe_variant(n, d, swap=True), "swapped"),
        (lambda n, d: _pe_variant(n, d, halves=True), "interleaves"),
        (lambda n, d: _pe_variant(n, d, exponent=lambda j, d: 2 * j / d), "pair index"),
        (lambda n, d: _pe_variant(n, d, exponent=lambda j, d: j / d), "different frequency"),
        (lambda n, d: _pe_variant(n, d, first=1), "start at 1"),
        (lambda n, d: _pe(n, d).T, "transposed"),
    ],
)
def test_check_positional_encoding_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch09.check_positional_encoding(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, d: _pe_variant(n, d, exponent=lambda j, d: 2 * (j // 2) / (d + 1)),
        lambda n, d: np.sin(np.arange(n)[:, None] / 10000 ** (2 * (np.arange(d)[None, :] // 2) / d)),
        lambda n, d: _pe(n + 1, d)[1:],
        lambda n, d: _pe(n, d)[:, ::-1],
    ],
    ids=["d+1", "sin-only", "shifted", "reversed-columns"],
)
def test_check_positional_encoding_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch09.check_positional_encoding, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 9.5 split heads


def _split(x, h):
    b, t, d = x.shape
    return x.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)


@pytest.mark.parametrize(
    "answer",
    [_split, lambda x, h: np.stack(np.split(x, h, axis=-1), axis=1), attention.split_heads],
    ids=["reshape-transpose", "np.split", "helpers"],
)
def test_check_split_heads_passes_the_right_answer(answer, capsys):
    ch09.check_split_heads(answer)
    assert capsys.readouterr().out == "Exercise 9.5 (split heads): correct.\n"


def test_check_split_heads_stub_is_not_done(capsys):
    ch09.check_split_heads(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 9.5 (split heads): not done yet. Hint: x.reshape(B, T,")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "reshaped straight"),
        (lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1), "still comes after the positions"),
        (lambda x, h: x.reshape(x.shape[0], x.shape[1], -1, h).transpose(0, 3, 1, 2), "every h-th column"),
        (lambda x, h: _split(x, h).swapaxes(-1, -2), "last two axes are swapped"),
    ],
)
def test_check_split_heads_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch09.check_split_heads(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x, h: _split(x, h)[:, ::-1],
        lambda x, h: _split(x[:, ::-1], h),
        lambda x, h: x.reshape(x.shape[0], -1, h, x.shape[1] // 1).transpose(0, 2, 1, 3),
        lambda x, h: _split(x, h) * 2,
    ],
    ids=["heads-reversed", "positions-reversed", "bad-reshape", "doubled"],
)
def test_check_split_heads_never_passes_a_wrong_answer(wrong, capsys):
    _assert_never_passes(ch09.check_split_heads, wrong, capsys)
