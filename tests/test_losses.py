"""Tests of helpers.losses: finite differences, Keras references, extreme inputs, properties, bad input.

Tolerances, all in float64:

- gradients vs central differences (h = 1e-5): relative error < 1e-7;
- vs ``keras.losses`` from logits, and vs ``tf.GradientTape`` of the Keras loss: rtol 1e-12;
- vs ``keras.losses`` from probabilities: rtol 1e-12, but only on probabilities in [0.01, 0.99].
  Keras clips probabilities to [1e-7, 1 - 1e-7] (its ``epsilon``) and we clip to the dtype's
  machine epsilon (2.2e-16 in float64), so the two differ wherever a probability is within 1e-7
  of 0 or 1; the test of the style guide's example shows by how much.

Keras returns one loss per example (the mean over the last axis for BCE and MSE); we compare its
mean over the batch, which is what our functions return.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers.activations import sigmoid, softmax
from helpers.gradcheck import check_gradient
from helpers.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    categorical_cross_entropy,
    mse,
    mse_gradient,
    softmax_cross_entropy_gradient,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=50, deadline=None, derandomize=True)
EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


def batch(seed=0, n=6, k=4):
    """Logits (n, k), their softmax, integer labels (n,), one-hot labels and soft labels."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=1.5, size=(n, k))
    labels = rng.integers(0, k, size=n)
    soft = rng.dirichlet(np.ones(k), size=n)
    return z, softmax(z), labels, np.eye(k)[labels], soft


# --------------------------------------------------------------------------------------------
# Gradients against finite differences.
# --------------------------------------------------------------------------------------------


def test_mse_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(4, 3))
    y_pred = y + rng.choice([-1, 1], size=y.shape) * rng.uniform(0.1, 1, size=y.shape)  # no entry near y
    assert check_gradient(lambda p: mse(y, p), lambda p: mse_gradient(y, p), y_pred) < 1e-7


@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_binary_cross_entropy_gradient_matches_finite_differences(labels):
    rng = np.random.default_rng(1)
    z = rng.uniform(-4, 4, size=(5, 2))
    y = rng.integers(0, 2, size=z.shape).astype(float)
    if labels == "soft":
        y = np.clip(sigmoid(z) + rng.choice([-1, 1], size=z.shape) * 0.2, 0, 1)  # |σ(z) - y| >= 0.2 or y at 0/1
    error = check_gradient(
        lambda v: binary_cross_entropy(y, v, from_logits=True), lambda v: binary_cross_entropy_gradient(y, v), z
    )
    assert error < 1e-7


@pytest.mark.parametrize("form", ["indices", "one_hot", "soft"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy_gradient_matches_finite_differences(form, axis):
    z, _, labels, one_hot, soft = batch(seed=2)
    y = {"indices": labels, "one_hot": one_hot, "soft": soft}[form]
    if axis == 0:  # classes down the columns
        z = z.T
        y = y if form == "indices" else y.T
    error = check_gradient(
        lambda v: categorical_cross_entropy(y, v, from_logits=True, axis=axis),
        lambda v: softmax_cross_entropy_gradient(y, v, axis=axis),
        z,
    )
    assert error < 1e-7


# --------------------------------------------------------------------------------------------
# Keras references.
# --------------------------------------------------------------------------------------------


def keras_mean(loss):
    return float(np.mean(loss.numpy()))


def test_mse_matches_keras(keras):
    rng = np.random.default_rng(3)
    y, y_pred = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert mse(y, y_pred) == pytest.approx(keras_mean(keras.losses.mean_squared_error(y, y_pred)), rel=1e-12)


def test_binary_cross_entropy_matches_keras(keras):
    rng = np.random.default_rng(4)
    z = np.concatenate([rng.normal(scale=5, size=(6, 3)), [[1000.0, -1000.0, 0.0]]])
    for y in (rng.integers(0, 2, size=z.shape).astype(float), rng.uniform(size=z.shape)):
        expected = keras_mean(keras.losses.binary_crossentropy(y, z, from_logits=True))
        assert binary_cross_entropy(y, z, from_logits=True) == pytest.approx(expected, rel=1e-12)
        p = rng.uniform(0.01, 0.99, size=z.shape)  # away from Keras's clipping at 1e-7
        expected = keras_mean(keras.losses.binary_crossentropy(y, p))
        assert binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)


def test_categorical_cross_entropy_matches_keras(keras):
    z, _, labels, one_hot, soft = batch(seed=5, n=8, k=5)
    p = softmax(np.clip(z, -2, 2))  # probabilities >= 0.01, away from Keras's clipping
    for y in (one_hot, soft):
        expected = keras_mean(keras.losses.categorical_crossentropy(y, z, from_logits=True))
        assert categorical_cross_entropy(y, z, from_logits=True) == pytest.approx(expected, rel=1e-12)
        expected = keras_mean(keras.losses.categorical_crossentropy(y, p))
        assert categorical_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)
    expected = keras_mean(keras.losses.sparse_categorical_crossentropy(labels, z, from_logits=True))
    assert categorical_cross_entropy(labels, z, from_logits=True) == pytest.approx(expected, rel=1e-12)
    expected = keras_mean(keras.losses.sparse_categorical_crossentropy(labels, p))
    assert categorical_cross_entropy(labels, p) == pytest.approx(expected, rel=1e-12)


def tape_gradient(tf, loss, y_pred):
    t = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(t)
        value = tf.reduce_mean(loss(t))  # Keras's per-example losses, averaged over the batch
    return tape.gradient(value, t).numpy()


def test_gradients_match_gradient_tape_of_keras(tf, keras):
    z, _, labels, one_hot, soft = batch(seed=6, n=5, k=3)
    z[0] = [1000.0, -1000.0, 0.0]
    y_bin = (one_hot + soft > 0.5).astype(float)
    cases = {
        "mse": (mse_gradient(soft, z), lambda t: keras.losses.mean_squared_error(soft, t)),
        "bce": (
            binary_cross_entropy_gradient(y_bin, z),
            lambda t: keras.losses.binary_crossentropy(y_bin, t, from_logits=True),
        ),
        "cce one-hot": (
            softmax_cross_entropy_gradient(one_hot, z),
            lambda t: keras.losses.categorical_crossentropy(one_hot, t, from_logits=True),
        ),
        "cce soft": (
            softmax_cross_entropy_gradient(soft, z),
            lambda t: keras.losses.categorical_crossentropy(soft, t, from_logits=True),
        ),
        "sparse cce": (
            softmax_cross_entropy_gradient(labels, z),
            lambda t: keras.losses.sparse_categorical_crossentropy(labels, t, from_logits=True),
        ),
    }
    for name, (ours, loss) in cases.items():
        np.testing.assert_allclose(ours, tape_gradient(tf, loss, z), rtol=1e-12, atol=1e-17, err_msg=name)


# --------------------------------------------------------------------------------------------
# Extreme inputs.
# --------------------------------------------------------------------------------------------


def test_binary_cross_entropy_from_huge_logits_is_exact():
    assert binary_cross_entropy([0.0], [1000.0], from_logits=True) == 1000.0
    assert binary_cross_entropy([1.0], [-1000.0], from_logits=True) == 1000.0
    assert binary_cross_entropy([1.0, 0.0], [1000.0, -1000.0], from_logits=True) == 0.0
    # A confidently right prediction keeps its tiny loss log(1 + e^-40) instead of 40 - 40 = 0:
    assert binary_cross_entropy([1.0], [40.0], from_logits=True) == pytest.approx(np.exp(-40.0), rel=1e-12)
    np.testing.assert_array_equal(binary_cross_entropy_gradient([0.0, 1.0], [1000.0, -1000.0]), [0.5, -0.5])


def test_categorical_cross_entropy_from_huge_logits_is_the_logit_gap():
    z = np.array([[1000.0, -1000.0, 0.0]])
    assert categorical_cross_entropy([1], z, from_logits=True) == 2000.0
    assert categorical_cross_entropy([[0.0, 0.0, 1.0]], z, from_logits=True) == 1000.0
    assert categorical_cross_entropy([0], z, from_logits=True) == 0.0
    np.testing.assert_array_equal(softmax_cross_entropy_gradient([1], z), [[1.0, -1.0, 0.0]])


def test_probabilities_of_exactly_zero_and_one_give_a_finite_loss():
    worst = -np.log(EPS64)  # 36.04: the clipped cost of a certain, wrong prediction
    assert binary_cross_entropy([0.0, 1.0], [1.0, 0.0]) == pytest.approx(worst, rel=1e-12)
    assert binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) == pytest.approx(EPS64, rel=1e-3)  # -log(1 - eps)
    assert categorical_cross_entropy([0], [[0.0, 1.0]]) == pytest.approx(worst, rel=1e-12)
    assert categorical_cross_entropy([1], [[0.0, 1.0]]) == 0.0
    assert binary_cross_entropy(np.float32([0.0]), np.float32([1.0])) == pytest.approx(-np.log(EPS32), rel=1e-6)


def test_clipping_is_wrong_for_large_logits_and_logits_are_right(keras):
    """The style guide's example: target 0 with logits 20 and 40.

    From logits the losses are 20 and 40 (softplus(z) = z + log1p(e^-z)). From probabilities
    they depend on the clipping epsilon, not on the logit: Keras (epsilon 1e-7) gives -log(1e-7)
    = 16.118 for both; ours in float64 gives 19.99999997 for z = 20 (1 - σ(20) = 2.1e-9 is still
    above eps, but carries σ(20)'s rounding error, ~2e-8 relative) and -log(2.2e-16) = 36.04 for
    z = 40, where σ(40) rounds to 1; in float32 both give -log(1.19e-7) = 15.94.
    """
    y = np.zeros(1)
    z20, z40 = np.array([20.0]), np.array([40.0])
    assert binary_cross_entropy(y, z20, from_logits=True) == pytest.approx(20 + np.log1p(np.exp(-20)), rel=1e-15)
    assert binary_cross_entropy(y, z40, from_logits=True) == 40.0

    for z in (z20, z40):
        assert keras_mean(keras.losses.binary_crossentropy(y, sigmoid(z))) == pytest.approx(16.118, abs=1e-3)
        assert binary_cross_entropy(y.astype(np.float32), sigmoid(z.astype(np.float32))) == pytest.approx(
            15.942, abs=1e-3
        )
    assert binary_cross_entropy(y, sigmoid(z20)) == pytest.approx(20.0, rel=1e-7)
    clipped = binary_cross_entropy(y, sigmoid(z40))
    assert clipped == pytest.approx(-np.log(EPS64), rel=1e-12)
    assert clipped == pytest.approx(36.0437, abs=1e-4)
    assert abs(clipped - 40.0) > 3.9, "the probability path cannot see a logit beyond ~36"


# --------------------------------------------------------------------------------------------
# Properties.
# --------------------------------------------------------------------------------------------

shapes_2d = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6)


@PROPERTY
@given(z=hnp.arrays(np.float64, shapes_2d, elements=st.floats(-10, 10)), data=st.data())
def test_cross_entropy_from_logits_equals_cross_entropy_from_softmax(z, data):
    # |z| <= 10 keeps every probability above e^-20 / 6 = 3e-10, far from the clipping at 2.2e-16.
    labels = data.draw(hnp.arrays(np.int64, z.shape[:1], elements=st.integers(0, z.shape[1] - 1)), label="labels")
    from_logits = categorical_cross_entropy(labels, z, from_logits=True)
    from_probs = categorical_cross_entropy(labels, softmax(z))
    assert from_probs == pytest.approx(from_logits, rel=1e-10, abs=1e-13)
    assert categorical_cross_entropy(np.eye(z.shape[1])[labels], z, from_logits=True) == from_logits


@PROPERTY
@given(
    z=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6), elements=st.floats(-1000, 1000)),
    data=st.data(),
)
def test_binary_cross_entropy_is_non_negative(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)), label="y")
    assert binary_cross_entropy(y, z, from_logits=True) >= 0
    assert binary_cross_entropy(y, sigmoid(z)) >= 0


@PROPERTY
@given(z=hnp.arrays(np.float64, shapes_2d, elements=st.floats(-50, 50)))
def test_softmax_cross_entropy_gradient_rows_sum_to_zero(z):
    labels = np.arange(z.shape[0]) % z.shape[1]
    np.testing.assert_allclose(softmax_cross_entropy_gradient(labels, z).sum(axis=1), 0.0, atol=1e-15)


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"`y_true` has shape \(3,\), `y_pred` has shape \(3, 2\)"):
        mse([1.0, 2.0, 3.0], np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"reshape one: y_true.reshape\(3, 1\)"):
        binary_cross_entropy([0.0, 1.0, 1.0], [[0.1], [0.8], [0.9]])
    with pytest.raises(ValueError, match=r"`y_true` has shape \(2,\), `logits` has shape \(3,\)"):
        binary_cross_entropy_gradient([0.0, 1.0], [0.1, 0.8, 0.9])
    with pytest.raises(ValueError, match=r"either one-hot \(or soft\) rows of the same shape \(3, 4\), or integer"):
        categorical_cross_entropy(np.eye(3), softmax(np.zeros((3, 4))))
    with pytest.raises(ValueError, match=r"`y_true` has shape \(2, 3\), `y_pred` has shape \(2, 2\)"):
        mse_gradient(np.zeros((2, 3)), np.zeros((2, 2)))


def test_probabilities_outside_the_unit_interval_are_refused():
    with pytest.raises(ValueError, match=r"`y_pred` must lie in \[0, 1\], but y_pred\[1\] = 1.5.*from_logits=True"):
        binary_cross_entropy([0.0, 1.0], [0.5, 1.5])
    with pytest.raises(ValueError, match=r"`y_true` must lie in \[0, 1\], but y_true\[0\] = 2"):
        binary_cross_entropy([2.0, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"`y_true` must lie in \[0, 1\]"):
        binary_cross_entropy_gradient([-1.0], [0.5])
    with pytest.raises(ValueError, match=r"`y_pred` must hold probabilities in \[0, 1\], but y_pred\[0, 0\] = 1.5"):
        categorical_cross_entropy([0], [[1.5, -0.5]])


def test_rows_that_do_not_sum_to_one_are_refused():
    # Article 001 §4.3.2's ŷ = (0.2, 0.8, 0.1) is no probability distribution.
    with pytest.raises(ValueError, match=r"`y_pred` must hold probability distributions, .* sums to 1.1"):
        categorical_cross_entropy([0, 1, 0], [0.2, 0.8, 0.1])
    with pytest.raises(ValueError, match=r"along axis 1, but row 1 sums to 0.9"):
        categorical_cross_entropy([0, 1], [[0.5, 0.5], [0.3, 0.6]])
    with pytest.raises(ValueError, match=r"`y_true` must hold probability distributions, .* row 0 sums to 2"):
        categorical_cross_entropy([[1.0, 1.0], [0.0, 1.0]], [[0.5, 0.5], [0.4, 0.6]])
    assert categorical_cross_entropy([1], [[0.3, 0.7 + 1e-9]]) > 0  # within the 1e-6 tolerance


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse([0.0, np.nan], [0.0, 1.0]),
        lambda: mse_gradient([0.0, 1.0], [np.nan, 1.0]),
        lambda: binary_cross_entropy([0.0, 1.0], [0.5, np.nan]),
        lambda: binary_cross_entropy_gradient([0.0, 1.0], [0.5, np.nan]),
        lambda: categorical_cross_entropy([[1.0, 0.0]], [[np.nan, 1.0]], from_logits=True),
        lambda: softmax_cross_entropy_gradient([0], [[0.0, np.nan]]),
    ],
)
def test_nan_is_refused(call):
    with pytest.raises(ValueError, match=r"`(y_true|y_pred|logits)` contains NaN at index"):
        call()


def test_infinite_logits_are_refused():
    with pytest.raises(ValueError, match=r"`y_pred` contains inf at index 0 .* must be finite"):
        binary_cross_entropy([0.0], [np.inf], from_logits=True)
    with pytest.raises(ValueError, match=r"`logits` contains -inf at index \(0, 1\)"):
        softmax_cross_entropy_gradient([0], [[0.0, -np.inf]])


def test_class_indices_are_checked():
    p = softmax(np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"class index 3 at position 1 .* 3 classes along axis -1, so indices must be 0 to 2"
    ):
        categorical_cross_entropy([0, 3], p)
    with pytest.raises(ValueError, match="class index -1 at position 0"):
        softmax_cross_entropy_gradient([-1, 0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class index 2, but `logits` has 2 classes"):
        softmax_cross_entropy_gradient(2, np.zeros(2))  # one example, given as a 1-D row
    with pytest.raises(TypeError, match=r"class indices must be integers. Convert them: y_true.astype\(int\)"):
        categorical_cross_entropy([0.0, 2.0], p)


def test_empty_and_non_numeric_input_is_refused():
    with pytest.raises(ValueError, match=r"`y_pred` is empty \(shape \(0,\)\)"):
        mse([], [])
    with pytest.raises(ValueError, match=r"`logits` is empty"):
        softmax_cross_entropy_gradient(np.zeros(0, dtype=int), np.zeros((0, 3)))
    with pytest.raises(TypeError, match="`y_true` must hold numbers"):
        binary_cross_entropy(["a", "b"], [0.5, 0.5])
    with pytest.raises(TypeError, match="`from_logits` must be True or False"):
        binary_cross_entropy([0.0], [0.5], from_logits="yes")
    with pytest.raises(ValueError, match=r"`axis`=1 is out of range for `y_pred` of shape \(3,\)"):
        categorical_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1], axis=1)


def test_dtype_follows_y_pred():
    y = np.array([0, 1, 1])
    z = np.array([0.5, -0.3, 2.0], dtype=np.float32)
    assert binary_cross_entropy_gradient(y, z).dtype == np.float32
    assert mse_gradient(y, z).dtype == np.float32
    assert softmax_cross_entropy_gradient([2], z[None, :]).dtype == np.float32
    assert mse_gradient(y, [1, 2, 3]).dtype == np.float64
    assert isinstance(mse(y, z), float)


def test_import_stays_numpy_only(run_python):
    code = "import sys, helpers.losses; print(sorted({'tensorflow', 'keras', 'scipy', 'pandas'} & set(sys.modules)))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"`import helpers.losses` loaded {result.stdout.strip()}"
