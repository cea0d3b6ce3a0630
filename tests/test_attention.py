"""Tests of helpers.attention: Keras references, finite differences, masks, properties, validation.

Tolerances, by dtype (observed maxima in brackets, on this course's CPU build):

- NumPy vs ``keras.layers.MultiHeadAttention`` in float32: atol 1e-5, rtol 1e-5 on outputs of size
  ~1 [5e-7]; attention weights atol 1e-6 [2.4e-7]. In float64 (the layer accepts dtype="float64"):
  atol 1e-12 [2e-15] when 1/√key_dim is exact in float32 (key_dim 1, 4, 16, ...). Otherwise Keras
  scales by 1/√key_dim *rounded to float32* even in float64 (its Python-float constant passes
  through a float32 tensor), a relative error of up to 3e-8 in the scores:
  ``keras_float64_scale`` reproduces that rounding, after which the agreement is again 1e-12.
- NumPy encoder block vs the Keras-built block: float32 atol 1e-5 [6e-7]; float64 with ReLU
  atol 1e-12 [1e-15]; float64 with GELU atol 1e-7 [7.5e-9], because TensorFlow's GELU multiplies by
  1/√2 rounded to float32 even in float64 (see tests/test_activations.py).
- The backward pass vs central differences (float64, h = 1e-5): entry-wise relative error < 1e-7
  on inputs of order 1 and a random upstream gradient, so that no gradient entry is near 0; vs
  ``tf.GradientTape`` of the same computation in float64: rtol 1e-10.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import attention as att
from helpers import sizing
from helpers.activations import softmax
from helpers.gradcheck import numerical_gradient, relative_error

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None)
F32 = {"atol": 1e-5, "rtol": 1e-5}
F64 = {"atol": 1e-12, "rtol": 1e-12}


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


def random_mha_layer(keras, rng, *, num_heads, key_dim, value_dim=None, d_q, d_kv, dtype, use_bias=True):
    """A built Keras MultiHeadAttention with random kernels *and* random biases (Keras's are zero)."""
    layer = keras.layers.MultiHeadAttention(
        num_heads=num_heads, key_dim=key_dim, value_dim=value_dim, use_bias=use_bias, dtype=dtype
    )
    layer.build((None, 3, d_q), (None, 4, d_kv))
    weights = {name: w + 0.3 * rng.normal(size=w.shape) for name, w in att.mha_weights_from_keras(layer).items()}
    weights = {name: w.astype(dtype) for name, w in weights.items()}
    layer.set_weights(att.mha_weights_to_keras(weights))
    return layer, weights


def keras_float64_scale(weights, key_dim):
    """Weights whose queries carry Keras's float32-rounded 1/√key_dim instead of the exact one."""
    factor = float(np.float32(1 / np.sqrt(key_dim))) * np.sqrt(key_dim)
    return {**weights, "query_kernel": weights["query_kernel"] * factor, "query_bias": weights["query_bias"] * factor}


def test_keras_rounds_its_float64_attention_scale_to_float32(keras):
    rng = np.random.default_rng(20)
    layer, weights = random_mha_layer(keras, rng, num_heads=1, key_dim=3, d_q=4, d_kv=4, dtype="float64")
    x = rng.normal(size=(1, 5, 4))
    _, k_scores = layer(x, x, return_attention_scores=True)
    exact = att.multi_head_attention(x, x, weights, 1)[1]
    rounded = att.multi_head_attention(x, x, keras_float64_scale(weights, 3), 1)[1]
    np.testing.assert_allclose(rounded, k_scores.numpy(), **F64)
    assert np.abs(exact - k_scores.numpy()).max() > 1e-10  # the difference is Keras's rounding, not ours
    np.testing.assert_allclose(exact, k_scores.numpy(), atol=1e-7)


# ---------------------------------------------------------------------------------------------
# masked_softmax


def test_masked_softmax_without_mask_is_the_softmax():
    z = np.random.default_rng(0).normal(size=(3, 4, 5))
    np.testing.assert_allclose(att.masked_softmax(z), softmax(z, axis=-1), rtol=1e-15, atol=0)


def test_masked_softmax_masked_entries_are_exactly_zero_and_rows_sum_to_one():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 6))
    mask = rng.random((4, 6)) > 0.4
    mask[:, 2] = True
    w = att.masked_softmax(z, mask)
    assert np.all(w[~mask] == 0.0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    # equals the textbook recipe: masked scores set to -inf, then an ordinary softmax
    np.testing.assert_allclose(w, softmax(np.where(mask, z, -np.inf), axis=-1), rtol=1e-15, atol=0)


def test_masked_softmax_fully_masked_row_is_zero_not_nan():
    z = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = att.masked_softmax(z, np.array([[False, False], [True, False]]))
    np.testing.assert_array_equal(w, [[0.0, 0.0], [1.0, 0.0]])


def test_masked_softmax_does_not_overflow_and_keeps_float32():
    z = np.array([[1000.0, 999.0, -1000.0]], dtype=np.float32)
    w = att.masked_softmax(z, np.array([[True, True, False]]))
    assert w.dtype == np.float32
    np.testing.assert_allclose(w, [[1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1)), 0.0]], rtol=1e-6)


def test_masked_softmax_accepts_a_mask_of_zeros_and_ones():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(att.masked_softmax(z, [[1, 1, 0]]), att.masked_softmax(z, [[True, True, False]]))


# ---------------------------------------------------------------------------------------------
# scaled_dot_product_attention


def test_attention_worked_example_by_hand():
    Q = np.array([[1.0, 0.0], [0.0, 2.0]])
    K = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    V = np.array([[1.0], [2.0], [4.0]])
    out, w = att.scaled_dot_product_attention(Q, K, V)
    scores = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]]) / np.sqrt(2)
    expected_w = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(w, expected_w, rtol=1e-14)
    np.testing.assert_allclose(out, expected_w @ V, rtol=1e-14)


def test_attention_scales_by_the_key_size_not_the_value_size():
    rng = np.random.default_rng(2)
    Q, K, V = rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=(6, 7))  # d_k = 3, d_v = 7
    _, w = att.scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(w, softmax(Q @ K.T / np.sqrt(3), axis=-1), rtol=1e-14)


def test_attention_broadcasts_batch_dimensions():
    rng = np.random.default_rng(3)
    Q, K, V = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 6, 5)), rng.normal(size=(3, 6, 2))
    out, w = att.scaled_dot_product_attention(Q, K, V)
    assert out.shape == (2, 3, 4, 2) and w.shape == (2, 3, 4, 6)
    for b in range(2):
        for h in range(3):
            o, a = att.scaled_dot_product_attention(Q[b, h], K[h], V[h])
            np.testing.assert_allclose(out[b, h], o, rtol=1e-14)
            np.testing.assert_allclose(w[b, h], a, rtol=1e-14)


def test_attention_ignores_the_contents_of_masked_keys():
    rng = np.random.default_rng(4)
    Q, K, V = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 7, 3)), rng.normal(size=(2, 7, 4))
    mask = att.padding_mask([4, 6], 7)
    out, w = att.scaled_dot_product_attention(Q, K, V, mask)
    K2, V2 = K.copy(), V.copy()
    K2[0, 4:], V2[0, 4:], K2[1, 6:], V2[1, 6:] = 50.0, -50.0, 50.0, -50.0
    out2, _ = att.scaled_dot_product_attention(Q, K2, V2, mask)
    np.testing.assert_array_equal(out, out2)
    assert np.all(w[0, :, 4:] == 0) and np.all(w[1, :, 6:] == 0)


def test_causal_attention_output_does_not_depend_on_later_positions():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 4))
    out, w = att.scaled_dot_product_attention(X, X, X, att.causal_mask(6))
    X2 = X.copy()
    X2[4:] = rng.normal(size=(2, 4))
    out2, _ = att.scaled_dot_product_attention(X2, X2, X2, att.causal_mask(6))
    np.testing.assert_array_equal(out[:4], out2[:4])
    assert not np.allclose(out[4:], out2[4:])
    assert np.all(np.triu(w, k=1) == 0)


@PROPERTY
@given(
    t=st.integers(1, 6),
    s=st.integers(1, 6),
    d_k=st.integers(1, 5),
    d_v=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_attention_weights_are_distributions_and_masked_entries_zero(t, s, d_k, d_v, seed):
    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(size=(t, d_k)), rng.normal(size=(s, d_k)), rng.normal(size=(s, d_v))
    mask = rng.random((t, s)) > 0.5
    mask[:, rng.integers(s)] = True  # every query may see at least one key
    out, w = att.scaled_dot_product_attention(Q, K, V, mask)
    assert out.shape == (t, d_v) and w.shape == (t, s)
    assert np.all(w >= 0) and np.all(w[~mask] == 0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The backward pass


def _attention_problem(seed: int, *, mask: bool):
    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    R = rng.uniform(0.5, 1.5, size=(2, 3, 3)) * rng.choice([-1.0, 1.0], size=(2, 3, 3))  # dL/dout, no entry near 0
    m = att.padding_mask([4, 5], 5) & (rng.random((2, 3, 5)) > 0.2) if mask else None
    if m is not None:
        m[:, :, 0] = True
    return Q, K, V, R, m


@pytest.mark.parametrize("masked", [False, True], ids=["no mask", "mask"])
def test_backward_matches_finite_differences(masked):
    Q, K, V, R, m = _attention_problem(6, mask=masked)
    out, w = att.scaled_dot_product_attention(Q, K, V, m)
    grads = att.scaled_dot_product_attention_backward(R, Q, K, V, w)
    inputs = {"Q": Q, "K": K, "V": V}
    for (name, x), analytic in zip(inputs.items(), grads, strict=True):

        def loss(value, name=name):
            args = {**inputs, name: value}
            return float(np.sum(att.scaled_dot_product_attention(args["Q"], args["K"], args["V"], m)[0] * R))

        numeric = numerical_gradient(loss, x, h=1e-5)
        # a key masked for every query gets no gradient: both are exactly 0 there
        assert relative_error(analytic, numeric) < 1e-7, name


def test_backward_matches_gradient_tape(tf):
    Q, K, V, R, m = _attention_problem(7, mask=True)
    q, k, v = (tf.Variable(a) for a in (Q, K, V))
    with tf.GradientTape() as tape:
        scores = tf.matmul(q / np.sqrt(4.0), k, transpose_b=True)
        weights = tf.nn.softmax(tf.where(m, scores, tf.constant(-np.inf, tf.float64)), axis=-1)
        loss = tf.reduce_sum(tf.matmul(weights, v) * R)
    expected = tape.gradient(loss, [q, k, v])
    _, w = att.scaled_dot_product_attention(Q, K, V, m)
    for got, want in zip(att.scaled_dot_product_attention_backward(R, Q, K, V, w), expected, strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-14)


def test_backward_sums_over_broadcast_batch_axes():
    rng = np.random.default_rng(8)
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    out, w = att.scaled_dot_product_attention(Q, K, V)
    R = rng.normal(size=out.shape)
    _, dK, dV = att.scaled_dot_product_attention_backward(R, Q, K, V, w)
    per_example = [att.scaled_dot_product_attention_backward(R[b], Q[b], K, V, w[b]) for b in range(2)]
    np.testing.assert_allclose(dK, per_example[0][1] + per_example[1][1], rtol=1e-13)
    np.testing.assert_allclose(dV, per_example[0][2] + per_example[1][2], rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# Masks, heads, positions


def test_causal_mask_is_lower_triangular_with_the_diagonal():
    np.testing.assert_array_equal(att.causal_mask(4), np.tril(np.ones((4, 4), dtype=bool)))
    assert att.causal_mask(1).tolist() == [[True]]


def test_padding_mask_blocks_keys_beyond_each_length():
    m = att.padding_mask(np.array([1, 3]), 3)
    assert m.shape == (2, 1, 3) and m.dtype == bool
    np.testing.assert_array_equal(m[:, 0], [[True, False, False], [True, True, True]])


@PROPERTY
@given(b=st.integers(1, 3), t=st.integers(1, 5), h=st.integers(1, 4), k=st.integers(1, 4))
def test_split_and_merge_heads_are_inverse(b, t, h, k):
    x = np.arange(b * t * h * k, dtype=float).reshape(b, t, h * k)
    split = att.split_heads(x, h)
    assert split.shape == (b, h, t, k)
    np.testing.assert_array_equal(split[:, 1 % h, :, :], x[:, :, (1 % h) * k : (1 % h + 1) * k])
    np.testing.assert_array_equal(att.merge_heads(split), x)


def test_dense_projection_then_split_heads_is_keras_einsum_projection():
    rng = np.random.default_rng(9)
    x, kernel = rng.normal(size=(2, 5, 6)), rng.normal(size=(6, 3, 4))
    via_einsum = np.einsum("btd,dhk->bhtk", x, kernel)
    via_dense = att.split_heads(x @ kernel.reshape(6, 12), 3)
    np.testing.assert_allclose(via_einsum, via_dense, rtol=1e-13)


def test_positional_encoding_follows_the_paper():
    pe = att.sinusoidal_positional_encoding(50, 16)
    assert pe.shape == (50, 16) and np.all(np.abs(pe) <= 1)
    for pos, i in [(0, 0), (7, 0), (13, 3), (49, 7)]:
        angle = pos / 10000 ** (2 * i / 16)
        assert pe[pos, 2 * i] == pytest.approx(np.sin(angle), abs=1e-15)
        assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(angle), abs=1e-15)
    odd = att.sinusoidal_positional_encoding(5, 7)
    np.testing.assert_allclose(odd[:, 6], np.sin(np.arange(5) / 10000 ** (6 / 7)), rtol=1e-15)


@pytest.mark.parametrize("k", [1, 5, 17])
def test_positional_encoding_of_pos_plus_k_is_a_fixed_rotation_of_pos(k):
    d, n = 12, 40
    pe = att.sinusoidal_positional_encoding(n + k, d)
    omega = 1 / 10000 ** (2 * np.arange(d // 2) / d)
    M = np.zeros((d, d))
    for i, w in enumerate(omega):
        c, s = np.cos(k * w), np.sin(k * w)
        M[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [[c, -s], [s, c]]  # row vectors: PE[p + k] = PE[p] @ M
    np.testing.assert_allclose(pe[:n] @ M, pe[k : n + k], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Multi-head attention vs keras.layers.MultiHeadAttention


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask_kind", ["none", "padding", "random", "causal"])
def test_multi_head_attention_equals_keras(keras, dtype, mask_kind):
    rng = np.random.default_rng(10)
    tol = F32 if dtype == "float32" else F64
    layer, weights = random_mha_layer(keras, rng, num_heads=3, key_dim=4, value_dim=5, d_q=7, d_kv=7, dtype=dtype)
    x = rng.normal(size=(2, 6, 7)).astype(dtype)
    masks = {
        "none": None,
        "padding": att.padding_mask([4, 6], 6),
        "random": (rng.random((2, 6, 6)) > 0.4) | np.eye(6, dtype=bool),
        "causal": att.causal_mask(6),
    }
    mask = masks[mask_kind]
    if mask_kind == "causal":
        k_out, k_scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
        k_fused = layer(x, x, use_causal_mask=True)
    else:
        k_mask = None if mask is None else np.broadcast_to(mask, (2, 6, 6))
        k_out, k_scores = layer(x, x, attention_mask=k_mask, return_attention_scores=True)
        k_fused = layer(x, x, attention_mask=k_mask)  # Keras's other code path: no scores returned
    out, scores = att.multi_head_attention(x, x, weights, 3, mask)
    assert out.dtype == np.dtype(dtype) and scores.shape == (2, 3, 6, 6)
    np.testing.assert_allclose(out, k_out.numpy(), **tol)
    np.testing.assert_allclose(out, k_fused.numpy(), **tol)
    np.testing.assert_allclose(scores, k_scores.numpy(), atol=tol["atol"] / 10, rtol=tol["rtol"])
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, atol=1e-6 if dtype == "float32" else 1e-14)
    if mask is not None:
        assert np.all(scores[~np.broadcast_to(mask[:, None] if mask.ndim == 3 else mask, scores.shape)] == 0)


def test_cross_attention_with_other_lengths_and_sizes_equals_keras(keras):
    rng = np.random.default_rng(11)
    layer, weights = random_mha_layer(keras, rng, num_heads=2, key_dim=3, value_dim=6, d_q=5, d_kv=9, dtype="float64")
    x_q, x_kv = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 7, 9))
    k_out, k_scores = layer(x_q, x_kv, return_attention_scores=True)
    out, scores = att.multi_head_attention(x_q, x_kv, keras_float64_scale(weights, 3), 2)
    assert out.shape == (3, 4, 5) and scores.shape == (3, 2, 4, 7)
    np.testing.assert_allclose(out, k_out.numpy(), **F64)
    np.testing.assert_allclose(scores, k_scores.numpy(), **F64)


def test_multi_head_attention_without_biases_equals_keras(keras):
    rng = np.random.default_rng(12)
    layer, weights = random_mha_layer(
        keras, rng, num_heads=2, key_dim=4, d_q=6, d_kv=6, dtype="float64", use_bias=False
    )
    assert set(weights) == {"query_kernel", "key_kernel", "value_kernel", "output_kernel"}
    x = rng.normal(size=(2, 5, 6))
    np.testing.assert_allclose(att.multi_head_attention(x, x, weights, 2)[0], layer(x, x).numpy(), **F64)


def test_unbatched_input_equals_each_batch_row():
    rng = np.random.default_rng(13)
    w = att.init_multi_head_attention(rng, 6, 2, 3)
    w = {name: a + rng.normal(size=a.shape) for name, a in w.items()}
    x = rng.normal(size=(2, 5, 6))
    out, scores = att.multi_head_attention(x, x, w, 2, att.causal_mask(5))
    for b in range(2):
        o, s = att.multi_head_attention(x[b], x[b], w, 2, att.causal_mask(5))
        np.testing.assert_allclose(out[b], o, rtol=1e-13)
        np.testing.assert_allclose(scores[b], s, rtol=1e-13)


def test_a_fully_masked_query_gets_zero_weights_as_in_keras_scores(keras):
    rng = np.random.default_rng(14)
    layer, weights = random_mha_layer(keras, rng, num_heads=2, key_dim=3, d_q=4, d_kv=4, dtype="float64")
    x = rng.normal(size=(1, 3, 4))
    mask = np.ones((1, 3, 3), dtype=bool)
    mask[0, 1] = False  # query 1 may attend to nothing (a padding query)
    k_out, k_scores = layer(x, x, attention_mask=mask, return_attention_scores=True)
    out, scores = att.multi_head_attention(x, x, keras_float64_scale(weights, 3), 2, mask)
    assert np.all(scores[0, :, 1] == 0)
    np.testing.assert_allclose(scores, k_scores.numpy(), **F64)
    np.testing.assert_allclose(out, k_out.numpy(), **F64)
    np.testing.assert_allclose(out[0, 1], weights["output_bias"], **F64)  # zero heads, only the output bias


@PROPERTY
@given(
    t=st.integers(2, 6),
    d=st.integers(2, 6),
    heads=st.integers(1, 3),
    key_dim=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_self_attention_without_positions_is_permutation_equivariant(t, d, heads, key_dim, seed):
    rng = np.random.default_rng(seed)
    w = att.init_multi_head_attention(rng, d, heads, key_dim)
    w = {name: a + 0.5 * rng.normal(size=a.shape) for name, a in w.items()}
    x = rng.normal(size=(t, d))
    perm = rng.permutation(t)
    out, scores = att.multi_head_attention(x, x, w, heads)
    out_p, scores_p = att.multi_head_attention(x[perm], x[perm], w, heads)
    np.testing.assert_allclose(out_p, out[perm], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores_p, scores[:, perm][:, :, perm], rtol=1e-10, atol=1e-12)


def test_positional_encoding_breaks_permutation_equivariance():
    rng = np.random.default_rng(15)
    w = att.init_multi_head_attention(rng, 8, 2)
    tokens, pe = rng.normal(size=(5, 8)), att.sinusoidal_positional_encoding(5, 8)
    perm = np.array([1, 0, 2, 3, 4])
    out, _ = att.multi_head_attention(tokens + pe, tokens + pe, w, 2)
    x_p = tokens[perm] + pe  # the same tokens in another order, each with its new position
    out_p, _ = att.multi_head_attention(x_p, x_p, w, 2)
    assert not np.allclose(out_p, out[perm], atol=1e-3)


# ---------------------------------------------------------------------------------------------
# The encoder block


@pytest.mark.parametrize(
    ("dtype", "activation", "atol"),
    [("float32", "relu", 1e-5), ("float32", "gelu", 1e-5), ("float64", "relu", 1e-12), ("float64", "gelu", 1e-7)],
)
def test_encoder_block_equals_keras_block(keras, dtype, activation, atol):
    rng = np.random.default_rng(16)
    seq_len, d, heads, d_ff = 6, 8, 2, 32
    model = att.build_keras_encoder_block(seq_len, d, heads, d_ff, activation=activation, dtype=dtype)
    # random biases and norm parameters, so that every term is exercised
    model.set_weights([w + 0.2 * rng.normal(size=w.shape).astype(dtype) for w in model.get_weights()])
    x = rng.normal(size=(3, seq_len, d)).astype(dtype)
    for mask in [np.ones((3, seq_len, seq_len), dtype=bool), np.broadcast_to(att.causal_mask(seq_len), (3, 6, 6))]:
        expected = model([x, mask]).numpy()
        weights = att.encoder_block_weights_from_keras(model)
        got, _ = att.transformer_encoder_block(x, weights, heads, mask, activation=activation)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, expected, atol=atol, rtol=atol)


def test_encoder_block_parameter_count_equals_sizing_and_keras(keras):
    for d, heads, d_ff in [(8, 2, 32), (12, 3, 20)]:
        model = att.build_keras_encoder_block(5, d, heads, d_ff)
        weights = att.init_encoder_block(np.random.default_rng(0), d, heads, d_ff)
        n_numpy = sum(np.size(a) for a in weights["attention"].values())
        n_numpy += sum(np.size(weights[name]) for name in att.ENCODER_KEYS if name != "attention")
        assert model.count_params() == sizing.encoder_block_params(d, heads, d_ff) == n_numpy


def test_layer_norm_equals_keras_with_its_default_epsilon(keras):
    rng = np.random.default_rng(17)
    x = 0.05 * rng.normal(size=(4, 6))  # small variance, where epsilon matters
    layer = keras.layers.LayerNormalization(dtype="float64")
    layer.build((None, 6))
    gamma, beta = rng.normal(size=6), rng.normal(size=6)
    layer.set_weights([gamma, beta])
    assert layer.epsilon == att.LAYER_NORM_EPSILON == 1e-3
    np.testing.assert_allclose(att.layer_norm(x, gamma, beta), layer(x).numpy(), **F64)
    assert not np.allclose(att.layer_norm(x, gamma, beta, eps=1e-12), layer(x).numpy(), atol=1e-3)


def test_post_ln_block_output_is_normalised_per_token():
    rng = np.random.default_rng(18)
    w = att.init_encoder_block(rng, 8, 2, 16)
    y, _ = att.transformer_encoder_block(10 * rng.normal(size=(2, 5, 8)), w, 2, eps=1e-12)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Reading weights from Keras


def test_mha_weights_round_trip_through_keras(keras):
    rng = np.random.default_rng(19)
    layer, weights = random_mha_layer(keras, rng, num_heads=2, key_dim=3, value_dim=4, d_q=5, d_kv=5, dtype="float64")
    read = att.mha_weights_from_keras(layer)
    assert list(read) == list(att.MHA_KEYS)
    for name in att.MHA_KEYS:
        np.testing.assert_array_equal(read[name], weights[name])


def test_mha_weights_from_keras_rejects_an_unbuilt_layer_and_other_layers(keras):
    with pytest.raises(ValueError, match="not built yet"):
        att.mha_weights_from_keras(keras.layers.MultiHeadAttention(num_heads=2, key_dim=3))
    with pytest.raises(TypeError, match="MultiHeadAttention, got Dense"):
        att.mha_weights_from_keras(keras.layers.Dense(3))


@pytest.mark.parametrize("module", ["helpers.attention", "helpers.exercises.ch09"])
def test_import_loads_no_heavy_library(module, run_python):
    heavy = ("tensorflow", "keras", "pandas", "matplotlib")
    code = f"import sys, {module}; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# ---------------------------------------------------------------------------------------------
# Validation

_W = att.init_multi_head_attention(np.random.default_rng(0), 6, 2)
_X = np.zeros((2, 4, 6))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: att.masked_softmax([[1.0, np.nan]]), ValueError, "NaN"),
        (lambda: att.masked_softmax([[1.0, 2.0]], [[0.5, 1.0]]), TypeError, "must be boolean"),
        (lambda: att.masked_softmax(np.zeros((2, 3)), np.ones((3, 2), bool)), ValueError, "does not broadcast"),
        (lambda: att.masked_softmax(np.zeros((2, 3)), np.ones(2, bool)), ValueError, r"mask\[:, None, :\]"),
        (
            lambda: att.scaled_dot_product_attention(np.ones(3), np.ones((2, 3)), np.ones((2, 1))),
            ValueError,
            r"Q\[None",
        ),
        (
            lambda: att.scaled_dot_product_attention(np.ones((1, 3)), np.ones((2, 4)), np.ones((2, 1))),
            ValueError,
            "same last dimension d_k",
        ),
        (
            lambda: att.scaled_dot_product_attention(np.ones((1, 3)), np.ones((2, 3)), np.ones((3, 1))),
            ValueError,
            "one value per key",
        ),
        (lambda: att.causal_mask(0), ValueError, "must be >= 1"),
        (lambda: att.causal_mask(3.0), TypeError, "whole number"),
        (lambda: att.padding_mask([0, 2], 3), ValueError, r"in \[1, max_len=3\]"),
        (lambda: att.padding_mask([1.5], 3), TypeError, "whole numbers"),
        (lambda: att.split_heads(np.ones((2, 5)), 2), ValueError, "not a multiple of num_heads=2"),
        (lambda: att.merge_heads(np.ones((2, 5))), ValueError, "at least 3-D"),
        (lambda: att.sinusoidal_positional_encoding(4, 0), ValueError, "d_model"),
        (lambda: att.sinusoidal_positional_encoding(4, 8, base=-1.0), ValueError, "base"),
        (lambda: att.multi_head_attention(_X, _X, _W, 3), ValueError, "kernels hold 2 heads"),
        (lambda: att.multi_head_attention(_X, _X[0], _W, 2), ValueError, "both be batched"),
        (lambda: att.multi_head_attention(np.zeros((2, 4, 5)), _X, _W, 2), ValueError, "last dimension must match"),
        (lambda: att.multi_head_attention(_X, _X, [1, 2], 2), TypeError, "must be a dict"),
        (
            lambda: att.multi_head_attention(_X, _X, {k: v for k, v in _W.items() if k != "key_kernel"}, 2),
            ValueError,
            r"missing \['key_kernel'\]",
        ),
        (
            lambda: att.multi_head_attention(_X, _X, {k: v for k, v in _W.items() if k != "key_bias"}, 2),
            ValueError,
            "some biases but not all four",
        ),
        (
            lambda: att.multi_head_attention(_X, _X, {**_W, "key_kernel": np.ones((6, 2, 5))}, 2),
            ValueError,
            "does not fit query_kernel",
        ),
        (lambda: att.multi_head_attention(_X, _X, _W, 2, np.ones((3, 4), bool)), ValueError, "does not broadcast"),
        (lambda: att.layer_norm(np.ones((2, 3)), np.ones(4), np.zeros(4)), ValueError, r"shape \(3,\)"),
        (lambda: att.layer_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=0.0), ValueError, "eps"),
        (
            lambda: att.feed_forward(
                np.ones((2, 3)), np.ones((3, 4)), np.ones(4), np.ones((4, 3)), np.ones(3), activation="tanh"
            ),
            ValueError,
            "activation",
        ),
        (
            lambda: att.feed_forward(np.ones((2, 3)), np.ones((4, 4)), np.ones(4), np.ones((4, 3)), np.ones(3)),
            ValueError,
            "do not chain",
        ),
        (lambda: att.init_multi_head_attention(0, 6, 2), TypeError, "Generator"),
        (lambda: att.init_encoder_block(np.random.default_rng(0), 6, 4, 8), ValueError, "must divide"),
        (lambda: att.transformer_encoder_block(_X, {"W1": 1}, 2), ValueError, "missing"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
