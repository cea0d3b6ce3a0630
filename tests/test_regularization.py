"""Tests of helpers.regularization: inverted dropout and the L2 penalty.

Tolerances:

- backward passes vs central differences (float64, h = 1e-5, the mask held fixed by drawing it
  from a generator with the same seed at every evaluation): relative error < 1e-7;
- the L2 penalty and its gradient vs ``keras.regularizers.L2`` on float64 weights and
  ``tf.GradientTape``: rtol 1e-7, because Keras turns its constant ``c`` into a float32 tensor
  before casting it to the weights' dtype (0.02 becomes 0.0199999996, a relative change of 2e-8);
  Keras's ``L2(c)`` is ``c * sum(W**2)``, with no ½, so the course's λ is ``2c``;
- dropout vs ``keras.layers.Dropout`` (float32, its own random mask): every kept entry is
  ``x / (1 - rate)`` to rtol 1e-6, and the share of zeros is within 5 binomial standard
  deviations of ``rate``;
- the expectation E[dropout(x)] = x: the mean over many masks is within 5 standard errors.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import layers, mlp
from helpers.gradcheck import check_gradient, numerical_gradient, relative_error
from helpers.regularization import (
    DropoutCache,
    dropout_backward,
    dropout_forward,
    keras_l2,
    l2_gradient,
    l2_penalty,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=30, deadline=None, derandomize=True)


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


def signed(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries of size 0.5 to 1.5 with random signs: no entry near 0, so relative errors are meaningful."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5, size=shape)


def small_params(seed: int = 0, sizes: tuple[int, ...] = (4, 3, 2)) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = signed(rng, (a, b))
        params[f"b{i}"] = signed(rng, (b,))
    return params


# --------------------------------------------------------------------------------------------
# Dropout: gradients against finite differences, with the mask held fixed.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_backward_matches_finite_differences(rate):
    rng = np.random.default_rng(1)
    x = signed(rng, (6, 5))
    weights = signed(rng, (6, 5))  # f(x) = Σ weights ⊙ dropout(x): ∂f/∂y = weights

    def f(v):
        out, _ = dropout_forward(v, rate, np.random.default_rng(42))  # same seed, same mask
        return float(np.sum(weights * out))

    def grad_f(v):
        _, cache = dropout_forward(v, rate, np.random.default_rng(42))
        return dropout_backward(weights, cache)

    assert check_gradient(f, grad_f, x) < 1e-7
    _, cache = dropout_forward(x, rate, np.random.default_rng(42))
    assert 0 < np.count_nonzero(cache.scaled_mask) < x.size, "the test needs both kept and dropped units"


def test_dropout_inside_a_network_matches_finite_differences():
    """affine -> relu -> dropout -> affine -> softmax cross-entropy, gradients of the second layer."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, 4))
    y = np.array([0, 1, 2, 1, 0, 2, 2])
    W1, b1 = signed(rng, (4, 6)), signed(rng, (6,))
    W2, b2 = signed(rng, (6, 3)), signed(rng, (3,))

    def forward(W2_, b2_):
        h, c1 = layers.affine_forward(X, W1, b1)
        a, cr = layers.relu_forward(h)
        d, cd = dropout_forward(a, 0.5, np.random.default_rng(3))
        z, c2 = layers.affine_forward(d, W2_, b2_)
        loss, dz = layers.softmax_cross_entropy(z, y)
        return loss, dz, c2, cd, cr

    loss, dz, c2, cd, cr = forward(W2, b2)
    dd, dW2, db2 = layers.affine_backward(dz, c2)
    da = dropout_backward(dd, cd)
    dh = layers.relu_backward(da, cr)
    assert relative_error(dW2, numerical_gradient(lambda w: forward(w, b2)[0], W2)) < 1e-7
    assert relative_error(db2, numerical_gradient(lambda b: forward(W2, b)[0], b2)) < 1e-7
    # Units that dropout removed pass no gradient back, whatever the upstream gradient.
    dropped = cd.scaled_mask == 0
    assert dropped.any() and np.all(da[dropped] == 0) and np.all(dh[dropped] == 0)


# --------------------------------------------------------------------------------------------
# Dropout: what it computes.
# --------------------------------------------------------------------------------------------


def test_dropout_keeps_the_expectation():
    rng = np.random.default_rng(4)
    x = signed(rng, (3, 4))
    rate, draws = 0.3, 20_000
    total = np.zeros_like(x)
    for _ in range(draws):
        total += dropout_forward(x, rate, rng)[0]
    mean = total / draws
    standard_error = np.abs(x) * math.sqrt(rate / (1 - rate) / draws)  # sd of x·m/(1-p) is |x|·√(p/(1-p))
    assert np.all(np.abs(mean - x) < 5 * standard_error)


def test_dropout_drops_the_right_share_and_scales_the_rest():
    rng = np.random.default_rng(5)
    x = rng.uniform(1.0, 2.0, size=(200, 100))
    for rate in (0.1, 0.5, 0.9):
        out, cache = dropout_forward(x, rate, rng)
        dropped = out == 0
        share = dropped.mean()
        assert abs(share - rate) < 5 * math.sqrt(rate * (1 - rate) / x.size)
        np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - rate), rtol=1e-15)
        np.testing.assert_array_equal(cache.scaled_mask != 0, ~dropped)


@pytest.mark.parametrize(("rate", "training"), [(0.0, True), (0.5, False), (0.0, False)])
def test_dropout_is_the_identity_at_rate_0_and_at_test_time(rate, training):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 3))
    before = rng.bit_generator.state
    out, cache = dropout_forward(x, rate, rng, training=training)
    np.testing.assert_array_equal(out, x)
    assert out is not x, "the output is a new array, so changing it cannot change the input"
    assert rng.bit_generator.state == before, "no mask is drawn when dropout does nothing"
    assert cache.scaled_mask is None
    dout = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


def test_dropout_same_seed_same_mask_and_new_draws_differ():
    x = np.ones((5, 6))
    a = dropout_forward(x, 0.5, np.random.default_rng(7))[0]
    b = dropout_forward(x, 0.5, np.random.default_rng(7))[0]
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(7)
    first, second = dropout_forward(x, 0.5, rng)[0], dropout_forward(x, 0.5, rng)[0]
    assert not np.array_equal(first, second), "each training step draws a new mask"


def test_dropout_keeps_float32():
    x = np.ones((3, 4), dtype=np.float32)
    out, cache = dropout_forward(x, 0.25, np.random.default_rng(8))
    assert out.dtype == np.float32 and cache.scaled_mask.dtype == np.float32
    assert dropout_backward(np.ones_like(x), cache).dtype == np.float32


def test_dropout_matches_keras_scaling(keras):
    x = np.random.default_rng(9).uniform(0.5, 1.5, size=(50, 40)).astype(np.float32)
    rate = 0.4
    layer = keras.layers.Dropout(rate, seed=11)
    theirs = np.asarray(layer(x, training=True))
    ours = dropout_forward(x, rate, np.random.default_rng(11))[0]
    for out in (theirs, ours):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6)
        assert abs((~kept).mean() - rate) < 5 * math.sqrt(rate * (1 - rate) / x.size)
    # At test time both are the identity: no rescaling by (1 - rate).
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(dropout_forward(x, rate, np.random.default_rng(0), training=False)[0], x)


# --------------------------------------------------------------------------------------------
# L2.
# --------------------------------------------------------------------------------------------


def test_l2_penalty_by_hand():
    params = {"W1": np.array([[1.0, -2.0], [0.5, 0.0]]), "b1": np.array([10.0, -10.0]), "W2": np.array([[3.0], [1.0]])}
    expected = 0.5 * 0.2 * (1 + 4 + 0.25 + 9 + 1)
    assert l2_penalty(params, 0.2) == pytest.approx(expected, rel=1e-15)
    assert l2_penalty(params, 0.0) == 0.0


def test_l2_gradient_matches_finite_differences():
    params = small_params(10)
    lam = 0.3
    for key in params:

        def f(v, key=key):
            return l2_penalty({**params, key: v}, lam)

        analytic = l2_gradient(params, lam)[key]
        if key.startswith("W"):
            assert check_gradient(f, lambda v, key=key: l2_gradient({**params, key: v}, lam)[key], params[key]) < 1e-7
        else:
            np.testing.assert_array_equal(analytic, 0.0)
            np.testing.assert_array_equal(numerical_gradient(f, params[key]), 0.0)


def test_l2_gradient_has_every_key_and_shape_and_does_not_change_params():
    params = small_params(11, (5, 4, 3, 2))
    copies = {k: v.copy() for k, v in params.items()}
    grads = l2_gradient(params, 0.1)
    assert list(grads) == list(params)
    for key in params:
        assert grads[key].shape == params[key].shape
        np.testing.assert_array_equal(params[key], copies[key])
    np.testing.assert_allclose(grads["W2"], 0.1 * params["W2"], rtol=1e-15)


def test_l2_matches_keras_regularizer_without_the_half(tf, keras):
    params = small_params(12, (6, 5, 3))
    lam = 0.04
    regularizer = keras.regularizers.L2(keras_l2(lam))
    keras_total = sum(float(regularizer(tf.constant(params[k]))) for k in ("W1", "W2"))
    assert l2_penalty(params, lam) == pytest.approx(keras_total, rel=1e-7)
    # The same λ passed straight to Keras doubles the penalty: Keras has no ½.
    doubled = sum(float(keras.regularizers.L2(lam)(tf.constant(params[k]))) for k in ("W1", "W2"))
    assert doubled == pytest.approx(2 * l2_penalty(params, lam), rel=1e-7)
    # Gradients through tf.GradientTape.
    W = tf.Variable(params["W1"])
    with tf.GradientTape() as tape:
        value = regularizer(W)
    np.testing.assert_allclose(tape.gradient(value, W).numpy(), l2_gradient(params, lam)["W1"], rtol=1e-7)


def test_l2_agrees_with_mlp_loss_and_grads():
    rng = np.random.default_rng(13)
    params = mlp.init_mlp([5, 4, 3], rng)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    lam = 0.05
    data_loss, data_grads = mlp.mlp_loss_and_grads(params, X, y)
    loss, grads = mlp.mlp_loss_and_grads(params, X, y, l2=lam)
    assert loss == pytest.approx(data_loss + l2_penalty(params, lam), rel=1e-12)
    penalty_grads = l2_gradient(params, lam)
    for key in params:
        np.testing.assert_allclose(grads[key], data_grads[key] + penalty_grads[key], rtol=1e-12, atol=1e-15)


def test_keras_l2_halves():
    assert keras_l2(1e-3) == 5e-4
    assert keras_l2(0) == 0.0


# --------------------------------------------------------------------------------------------
# Properties over random shapes.
# --------------------------------------------------------------------------------------------

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6)


@PROPERTY
@given(
    x=hnp.arrays(np.float64, shapes, elements=st.floats(-100, 100, allow_nan=False)),
    rate=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_dropout_properties(x, rate, seed):
    out, cache = dropout_forward(x, rate, np.random.default_rng(seed))
    assert out.shape == x.shape and out.dtype == x.dtype
    if rate == 0.0:
        np.testing.assert_array_equal(out, x)
        return
    kept = cache.scaled_mask != 0
    np.testing.assert_array_equal(out[~kept], 0.0)
    np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-12)
    # The gradient of Σ out is the scaled mask: 1/(1 - rate) where kept, 0 where dropped.
    np.testing.assert_allclose(dropout_backward(np.ones_like(x), cache), kept / (1 - rate), rtol=1e-12)


@PROPERTY
@given(
    w=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=st.floats(-10, 10)),
    b=hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-10, 10)),
    lam=st.floats(0, 10),
    c=st.floats(-3, 3),
)
def test_l2_properties(w, b, lam, c):
    params = {"W1": w, "b1": b}
    penalty = l2_penalty(params, lam)
    assert penalty >= 0
    assert l2_penalty({"W1": c * w, "b1": b}, lam) == pytest.approx(c * c * penalty, rel=1e-9, abs=1e-12)
    assert l2_penalty({"W1": w, "b1": 2 * b + 1}, lam) == penalty, "biases are not penalised"
    grads = l2_gradient(params, lam)
    np.testing.assert_allclose(grads["W1"], lam * w, rtol=1e-15)
    np.testing.assert_array_equal(grads["b1"], np.zeros_like(b))


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "error", "message"),
    [
        (-0.1, ValueError, r"in \[0, 1\)"),
        (1.0, ValueError, "rate = 1 - k"),
        (float("nan"), ValueError, r"in \[0, 1\)"),
        ("0.5", TypeError, "such as 0.5"),
        (True, TypeError, "such as 0.5"),
        (None, TypeError, "got None"),
    ],
)
def test_dropout_rejects_a_bad_rate(rate, error, message):
    with pytest.raises(error, match=message):
        dropout_forward(np.ones(3), rate, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0)])
def test_dropout_rejects_what_is_not_a_generator(rng):
    with pytest.raises(TypeError, match=r"np.random.default_rng\(seed\)"):
        dropout_forward(np.ones(3), 0.5, rng)


def test_dropout_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="`training` must be True or False"):
        dropout_forward(np.ones(3), 0.5, rng, training="yes")
    with pytest.raises(ValueError, match="`x` contains NaN"):
        dropout_forward(np.array([1.0, np.nan]), 0.5, rng)
    with pytest.raises(TypeError, match="`x` must hold numbers"):
        dropout_forward(np.array(["a", "b"]), 0.5, rng)
    _, cache = dropout_forward(np.ones((2, 3)), 0.5, rng)
    with pytest.raises(ValueError, match=r"`dout` has shape \(3, 2\).*\(2, 3\)"):
        dropout_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="`cache` must be the DropoutCache"):
        dropout_backward(np.ones((2, 3)), cache.scaled_mask)
    assert isinstance(cache, DropoutCache)


@pytest.mark.parametrize(
    ("params", "l2", "error", "message"),
    [
        ([np.ones((2, 2))], 0.1, TypeError, "must be a dict of arrays"),
        ({"kernel": np.ones((2, 2))}, 0.1, ValueError, r"no weights.*\['kernel'\]"),
        ({"W1": np.array([[np.nan]])}, 0.1, ValueError, r"params\['W1'\]` contains NaN"),
        ({"W1": np.array([[np.inf]])}, 0.1, ValueError, "must be finite"),
        ({1: np.ones(2)}, 0.1, TypeError, "keys must be names"),
        ({"W1": np.ones((2, 2))}, -1.0, ValueError, "≥ 0"),
        ({"W1": np.ones((2, 2))}, float("inf"), ValueError, "finite"),
        ({"W1": np.ones((2, 2))}, "0.1", TypeError, "such as 1e-4"),
        ({"W1": np.ones((2, 2))}, True, TypeError, "such as 1e-4"),
    ],
)
def test_l2_rejects_bad_input(params, l2, error, message):
    for function in (l2_penalty, l2_gradient):
        with pytest.raises(error, match=message):
            function(params, l2)
    if isinstance(l2, float) and l2 >= 0 and math.isfinite(l2):
        return
    with pytest.raises(error, match=message):
        keras_l2(l2)


def test_importing_the_module_does_not_import_tensorflow(run_python):
    heavy = "{'tensorflow', 'keras', 'pandas', 'matplotlib'}"
    code = f"import sys, helpers.regularization; print(sorted({heavy} & set(sys.modules)))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
