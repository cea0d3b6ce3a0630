"""Tests of helpers.layers: finite differences, TensorFlow references, properties, bad input.

Tolerances, all in float64 unless stated:

- every backward vs central differences (h = 1e-5): relative error < 1e-7, entry-wise
  (:func:`helpers.gradcheck.relative_error`). Entry-wise means a gradient entry that is ~0 by
  cancellation can fail on rounding alone, so the inputs are drawn *well scaled*: affine inputs,
  weights and upstream gradients positive (no cancellation in the sums), pre-activations at
  least 0.25 away from the ReLU's kink, sigmoid/tanh inputs where the derivative is >= 0.1;
- vs TensorFlow (``keras.layers.Dense``, ``tf.nn``, ``keras.losses`` and ``tf.GradientTape``):
  rtol 1e-12 (the same float64 operations in another order);
- float32: the dtype is kept, and the values agree with float64 to rtol 1e-5.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.activations import log_softmax
from helpers.gradcheck import check_gradient
from helpers.layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_cross_entropy,
    tanh_backward,
    tanh_forward,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=15, deadline=None, derandomize=True)
TOL = 1e-7
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}

sides = st.integers(1, 7)
seeds = st.integers(0, 2**32 - 1)


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


def activation_input(name: str, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Pre-activations away from where the derivative is tiny or undefined (see the module docstring)."""
    if name == "relu":  # |x| in [0.25, 1.5]: finite differences never cross the kink at 0
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.25, 1.5, size=shape)
    if name == "sigmoid":  # σ'(x) >= σ'(2) = 0.105
        return rng.uniform(-2, 2, size=shape)
    return rng.uniform(-1.5, 1.5, size=shape)  # tanh'(x) >= tanh'(1.5) = 0.18


# --------------------------------------------------------------------------------------------
# Backward passes against finite differences, on random non-square shapes.
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(n=sides, d_in=sides, d_out=sides, seed=seeds)
def test_affine_backward_matches_finite_differences(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, size=(n, d_in))
    W = rng.uniform(0.5, 1.5, size=(d_in, d_out))
    b = rng.uniform(-1, 1, size=d_out)
    dout = rng.uniform(0.5, 1.5, size=(n, d_out))  # L = Σ dout ⊙ z, so ∂L/∂z = dout

    def loss(x_, W_, b_):
        return float(np.sum(affine_forward(x_, W_, b_)[0] * dout))

    _, cache = affine_forward(x, W, b)
    dx, dW, db = affine_backward(dout, cache)
    assert check_gradient(lambda v: loss(v, W, b), lambda v: dx, x) < TOL
    assert check_gradient(lambda v: loss(x, v, b), lambda v: dW, W) < TOL
    assert check_gradient(lambda v: loss(x, W, v), lambda v: db, b) < TOL


@PROPERTY
@given(name=st.sampled_from(sorted(ACTIVATIONS)), n=sides, d=sides, seed=seeds)
def test_activation_backward_matches_finite_differences(name, n, d, seed):
    forward, backward = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    x = activation_input(name, rng, (n, d))
    dout = rng.uniform(0.5, 1.5, size=(n, d))
    _, cache = forward(x)
    dx = backward(dout, cache)
    assert check_gradient(lambda v: float(np.sum(forward(v)[0] * dout)), lambda v: dx, x) < TOL


@PROPERTY
@given(n=sides, k=st.integers(2, 7), seed=seeds)
def test_softmax_cross_entropy_gradient_matches_finite_differences(n, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))  # every probability >= e^-~8 / 7: no tiny gradient entries
    y = rng.integers(0, k, size=n)
    _, dz = softmax_cross_entropy(z, y)
    assert check_gradient(lambda v: softmax_cross_entropy(v, y)[0], lambda v: dz, z) < TOL


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_chain_affine_activation_affine_loss(name):
    """The pairs compose: a two-layer network's W1 gradient by the chain rule, through every piece."""
    rng = np.random.default_rng(11)
    forward, backward = ACTIVATIONS[name]
    x = rng.uniform(0.5, 1.5, size=(3, 4))
    W2 = rng.normal(size=(5, 3))
    y = np.array([0, 2, 1])
    # W1 chosen so the pre-activations of the hidden layer are well away from the ReLU's kink.
    W1 = rng.normal(size=(4, 5))
    W1 /= np.abs(x @ W1).min(axis=0, keepdims=True) * 4  # |z1| >= 0.25

    def loss(W1_):
        h, _ = forward(affine_forward(x, W1_, np.zeros(5))[0])
        return softmax_cross_entropy(affine_forward(h, W2, np.zeros(3))[0], y)[0]

    def grad(W1_):
        z1, c1 = affine_forward(x, W1_, np.zeros(5))
        h, ca = forward(z1)
        z2, c2 = affine_forward(h, W2, np.zeros(3))
        _, dz2 = softmax_cross_entropy(z2, y)
        dh, _, _ = affine_backward(dz2, c2)
        _, dW1, _ = affine_backward(backward(dh, ca), c1, need_dx=False)
        return dW1

    # Entry-wise errors on a non-linear loss: its small entries limit the agreement to ~1e-6.
    assert check_gradient(loss, grad, W1, tol=1e-6) < 1e-6


# --------------------------------------------------------------------------------------------
# TensorFlow references.
# --------------------------------------------------------------------------------------------


def test_affine_matches_keras_dense_and_its_gradients(tf, keras):
    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    layer = keras.layers.Dense(3, dtype="float64")
    layer.build((None, 4))
    layer.set_weights([W, b])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        zt = layer(xt)
        value = tf.reduce_sum(zt * dout)
    dx_tf, dW_tf, db_tf = tape.gradient(value, [xt, layer.kernel, layer.bias])
    out, cache = affine_forward(x, W, b)
    dx, dW, db = affine_backward(dout, cache)
    np.testing.assert_allclose(out, zt.numpy(), rtol=1e-12, atol=1e-15)
    for ours, theirs in ((dx, dx_tf), (dW, dW_tf), (db, db_tf)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_and_gradients_match_tensorflow(tf, name):
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(scale=3, size=(4, 3)), [[0.0, 30.0, -30.0]]])  # 0 is relu's kink
    dout = rng.normal(size=x.shape)
    forward, backward = ACTIVATIONS[name]
    tf_fn = {"relu": tf.nn.relu, "sigmoid": tf.math.sigmoid, "tanh": tf.math.tanh}[name]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        at = tf_fn(xt)
    expected_dx = tape.gradient(at, xt, output_gradients=tf.constant(dout)).numpy()
    out, cache = forward(x)
    np.testing.assert_allclose(out, at.numpy(), rtol=1e-12, atol=1e-300)
    # atol 1e-15: where σ or tanh saturate (x = ±30), a(1 − a) and 1 − a² are accurate to ~1e-16
    # absolute only (see sigmoid_backward's docstring); TensorFlow's kernels round differently there.
    np.testing.assert_allclose(backward(dout, cache), expected_dx, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_matches_keras_and_its_gradient(tf, keras):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=2, size=(6, 4))
    z[0] = [1000.0, -1000.0, 0.0, 5.0]
    y = rng.integers(0, 4, size=6)
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        # The function, not the SparseCategoricalCrossentropy object: that one computes in floatx (float32).
        expected = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, zt, from_logits=True))
    loss, dz = softmax_cross_entropy(z, y)
    assert loss == pytest.approx(float(expected.numpy()), rel=1e-12)
    np.testing.assert_allclose(dz, tape.gradient(expected, zt).numpy(), rtol=1e-12, atol=1e-17)


# --------------------------------------------------------------------------------------------
# Conventions, extremes, dtypes, properties.
# --------------------------------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero():
    _, cache = relu_forward(np.array([[-1.0, 0.0, 1.0]]))
    np.testing.assert_array_equal(relu_backward(np.array([[7.0, 7.0, 7.0]]), cache), [[0.0, 0.0, 7.0]])


def test_extreme_inputs_give_no_overflow_warning():
    x = np.array([[-1000.0, 1000.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, sc = sigmoid_forward(x)
        t, tc = tanh_forward(x)
        np.testing.assert_array_equal(s, [[0.0, 1.0, 0.5]])
        np.testing.assert_array_equal(t, [[-1.0, 1.0, 0.0]])
        np.testing.assert_array_equal(sigmoid_backward(np.ones_like(x), sc), [[0.0, 0.0, 0.25]])
        np.testing.assert_array_equal(tanh_backward(np.ones_like(x), tc), [[0.0, 0.0, 1.0]])
        loss, dz = softmax_cross_entropy(np.array([[1000.0, -1000.0, 0.0]]), np.array([1]))
    assert loss == 2000.0
    np.testing.assert_array_equal(dz, [[1.0, -1.0, 0.0]])


def test_float32_stays_float32_and_agrees_with_float64():
    rng = np.random.default_rng(4)
    x, W, b = rng.normal(size=(6, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)
    y = rng.integers(0, 4, size=6)
    results = {}
    for dtype in (np.float32, np.float64):
        z, cache = affine_forward(x.astype(dtype), W.astype(dtype), b.astype(dtype))
        loss, dz = softmax_cross_entropy(z, y)
        pieces = [z, dz, *affine_backward(dz, cache)]
        for name, (fwd, bwd) in ACTIVATIONS.items():
            a, c = fwd(z)
            pieces += [a, bwd(dz, c)]
            assert a.dtype == dtype, name
        assert all(p.dtype == dtype for p in pieces)
        results[dtype] = pieces
    for lo, hi in zip(results[np.float32], results[np.float64], strict=True):
        np.testing.assert_allclose(lo, hi, rtol=1e-5, atol=1e-6)


def test_integer_input_becomes_float64():
    out, cache = affine_forward(np.array([[1, 2]]), np.array([[1], [1]]), np.array([0]))
    assert out.dtype == np.float64
    assert affine_backward(np.ones((1, 1)), cache)[1].dtype == np.float64


def test_need_dx_false_skips_dx_only():
    rng = np.random.default_rng(5)
    _, cache = affine_forward(rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), np.zeros(4))
    dout = rng.normal(size=(3, 4))
    dx, dW, db = affine_backward(dout, cache, need_dx=False)
    _, dW_full, db_full = affine_backward(dout, cache)
    assert dx is None
    np.testing.assert_array_equal(dW, dW_full)
    np.testing.assert_array_equal(db, db_full)


def test_backward_does_not_change_its_inputs():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 4))
    dout = rng.normal(size=(3, 4))
    keep = dout.copy()
    for fwd, bwd in ACTIVATIONS.values():
        bwd(dout, fwd(x)[1])
    _, cache = affine_forward(x, rng.normal(size=(4, 4)), np.zeros(4))
    affine_backward(dout, cache)
    np.testing.assert_array_equal(dout, keep)


@PROPERTY
@given(n=sides, k=st.integers(1, 7), seed=seeds)
def test_softmax_cross_entropy_properties(n, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=5, size=(n, k))
    y = rng.integers(0, k, size=n)
    loss, dz = softmax_cross_entropy(z, y)
    assert loss >= 0
    np.testing.assert_allclose(dz.sum(axis=1), 0, atol=1e-15)  # softmax sums to 1, one-hot sums to 1
    assert np.all(dz[np.arange(n), y] <= 0) and np.all(np.delete(dz.ravel(), np.arange(n) * k + y) >= 0)
    shifted, dz_shifted = softmax_cross_entropy(z + rng.normal(size=(n, 1)) * 10, y)  # a constant per row
    assert shifted == pytest.approx(loss, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(dz_shifted, dz, rtol=1e-9, atol=1e-15)


@PROPERTY
@given(n=sides, k=st.integers(1, 7), seed=seeds, dtype=st.sampled_from([np.float32, np.float64]))
def test_softmax_cross_entropy_is_log_softmax_bit_for_bit(n, k, seed, dtype):
    """It writes log-sum-exp out (to check a batch only once); the bits must be log_softmax's."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=20, size=(n, k)).astype(dtype)
    y = rng.integers(0, k, size=n)
    loss, dz = softmax_cross_entropy(z, y)
    log_p = log_softmax(z, axis=1)
    assert loss == -float(np.mean(log_p[np.arange(n), y], dtype=np.float64))
    expected = np.exp(log_p)
    expected[np.arange(n), y] -= 1
    expected /= n
    assert dz.dtype == dtype
    np.testing.assert_array_equal(dz, expected)


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.ones(3), np.ones((3, 2)), np.ones(2)), ValueError, r"`x` must be 2-D .* x.reshape\(1, -1\)"),
        ((np.ones((4, 3)), np.ones((2, 3)), np.ones(3)), ValueError, r"3 features .* Is W transposed"),
        ((np.ones((4, 3)), np.ones(3), np.ones(3)), ValueError, r"`W` must be 2-D"),
        ((np.ones((4, 3)), np.ones((3, 2)), np.ones((1, 2))), ValueError, r"`b` must be 1-D"),
        ((np.ones((4, 3)), np.ones((3, 2)), np.ones(3)), ValueError, r"`b` must have shape \(2,\)"),
        (("abc", np.ones((3, 2)), np.ones(2)), TypeError, r"`x` must be an array of numbers"),
        ((np.array([["a"]]), np.ones((1, 2)), np.ones(2)), TypeError, r"`x` must hold real numbers"),
        (([[1, 2], [3]], np.ones((2, 2)), np.ones(2)), ValueError, r"`x` could not be turned into an array"),
    ],
)
def test_affine_forward_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        affine_forward(*args)


def test_backward_rejects_wrong_dout_and_cache():
    _, cache = affine_forward(np.ones((4, 3)), np.ones((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"`dout` must have the shape of the forward output .* \(4, 2\), got \(2, 4\)"):
        affine_backward(np.ones((2, 4)), cache)
    with pytest.raises(TypeError, match=r"`cache` must be the cache returned by affine_forward"):
        affine_backward(np.ones((4, 2)), [np.ones((4, 3)), np.ones((3, 2))])
    for name, (fwd, bwd) in ACTIVATIONS.items():
        _, c = fwd(np.ones((2, 3)))
        with pytest.raises(ValueError, match=r"`dout` must have the shape"):
            bwd(np.ones((3, 2)), c)
        with pytest.raises(TypeError, match=rf"`cache` must be the array returned by {name}_forward"):
            bwd(np.ones((2, 3)), (c,))


@pytest.mark.parametrize(
    ("logits", "y", "error", "match"),
    [
        (np.zeros(3), [0], ValueError, r"`logits` must be 2-D .* logits.reshape\(1, -1\)"),
        (np.zeros((2, 3)), [0.0, 1.0], TypeError, r"integer class labels .* y.astype\(int\)"),
        (np.zeros((2, 3)), np.eye(3)[[0, 1]], TypeError, r"Y.argmax\(axis=1\)"),
        (np.zeros((2, 3)), [0, 1, 2], ValueError, r"`y` must have shape \(2,\)"),
        (np.zeros((2, 3)), [0, 3], ValueError, r"labels in \[0, 3\) .* y\[1\] = 3"),
        (np.zeros((2, 3)), [-1, 0], ValueError, r"y\[0\] = -1"),
        (np.array([[0.0, np.nan]]), [0], ValueError, r"`logits` contains NaN at index \(0, 1\)"),
        (np.array([[0.0, np.inf]]), [0], ValueError, r"must be finite"),
        (np.zeros((0, 3)), np.zeros(0, dtype=int), ValueError, r"at least one example"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_input(logits, y, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy(logits, y)


def test_import_stays_numpy_only(run_python):
    heavy = "{'tensorflow', 'keras', 'scipy', 'pandas', 'matplotlib'}"
    code = f"import sys, helpers.layers; print(sorted({heavy} & set(sys.modules)))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"`import helpers.layers` loaded {result.stdout.strip()}"
