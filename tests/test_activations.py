"""Tests of helpers.activations: finite differences, TensorFlow and SciPy references, edge cases, properties.

Tolerances, all in float64:

- derivatives vs central differences (h = 1e-5): relative error < 1e-7 (the course's standard);
- vs SciPy: rtol 1e-12 (observed <= 4e-16, except GELU in the far tail, whose condition number
  ~x² turns the rounding of x/√2 into ~1e-13 at x = -30);
- vs TensorFlow values: rtol 1e-12; derivatives vs ``tf.GradientTape``: rtol 1e-12 plus
  atol 1e-15, because TensorFlow computes σ(1 − σ) and 1 − tanh², which cancel to an absolute
  rounding error of ~1e-16 where the activation saturates (ours keep relative precision there,
  tested separately);
- ``tf.nn.leaky_relu`` with an alpha that is exact in float32 (0.25): TensorFlow stores alpha
  as float32, so alpha=0.2 gives a float64 slope of 0.20000000298;
- ``tf.nn.gelu(approximate=False)`` only to rtol 2e-6: in float64 it multiplies by 1/√2 rounded
  to float32 (TensorFlow casts a Python float constant through float32), an error of 1.2e-8 in
  the constant; a test below reproduces TensorFlow's numbers to 1e-12 with that rounded constant.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers.activations import (
    gelu,
    gelu_derivative,
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_jacobian,
    tanh,
    tanh_derivative,
)
from helpers.gradcheck import check_gradient, numerical_gradient, relative_error

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

special = pytest.importorskip("scipy.special")

# Deterministic examples: a course's CI should fail the same way on every run.
PROPERTY = settings(max_examples=50, deadline=None, derandomize=True)

ALPHA = 0.25  # exact in float32, which TensorFlow's leaky_relu uses for alpha (see the test below)
PAIRS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (lambda x: leaky_relu(x, ALPHA), lambda x: leaky_relu_derivative(x, ALPHA)),
    "gelu": (gelu, gelu_derivative),
}


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


def tf_reference(tf, name):
    return {
        "sigmoid": tf.nn.sigmoid,
        "tanh": tf.math.tanh,
        "relu": tf.nn.relu,
        "leaky_relu": lambda t: tf.nn.leaky_relu(t, alpha=ALPHA),
        "gelu": lambda t: tf.nn.gelu(t, approximate=False),
    }[name]


def points(derivative, shape=(3, 4), seed=0):
    """Random points in [-3, 3], away from the kink at 0 (|x| > 1e-3) and from points where the
    derivative is tiny but non-zero (GELU's minimum near -0.75), where an entry-wise relative error
    would measure only rounding."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=200)
    d = derivative(x)
    keep = (np.abs(x) > 1e-3) & ((np.abs(d) > 1e-2) | (d == 0))
    return x[keep][: int(np.prod(shape))].reshape(shape)


# --------------------------------------------------------------------------------------------
# Derivatives against finite differences.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAIRS)
def test_derivative_matches_finite_differences(name):
    f, df = PAIRS[name]
    x = points(df)
    error = check_gradient(lambda v: np.sum(f(v)), df, x, tol=1e-7)
    assert error < 1e-7, f"{name}: relative error {error:.2e}"


def test_softmax_jacobian_matches_finite_differences():
    z = np.random.default_rng(1).normal(size=5)
    jac = softmax_jacobian(softmax(z))
    numeric = np.stack([numerical_gradient(lambda v, k=k: softmax(v)[k], z) for k in range(z.size)])
    assert relative_error(jac, numeric) < 1e-7


# --------------------------------------------------------------------------------------------
# References: SciPy and TensorFlow.
# --------------------------------------------------------------------------------------------

GRID = np.concatenate([np.linspace(-30, 30, 121), [-1000.0, -50.0, 0.0, 50.0, 1000.0]])


def test_against_scipy():
    np.testing.assert_allclose(sigmoid(GRID), special.expit(GRID), rtol=1e-12, atol=0)
    np.testing.assert_allclose(gelu(GRID), GRID * special.ndtr(GRID), rtol=1e-12, atol=0)
    z = np.random.default_rng(2).normal(scale=30, size=(4, 7))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(softmax(z, axis=axis), special.softmax(z, axis=axis), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(log_softmax(z, axis=axis), special.log_softmax(z, axis=axis), rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in PAIRS if n != "gelu"])
def test_values_match_tensorflow(tf, name):
    ours = PAIRS[name][0](GRID)
    theirs = tf_reference(tf, name)(tf.constant(GRID)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_gelu_matches_tensorflow_up_to_its_float32_constant(tf):
    x = GRID[np.abs(GRID) <= 6]
    theirs = tf.nn.gelu(tf.constant(x), approximate=False).numpy()
    np.testing.assert_allclose(gelu(x), theirs, rtol=2e-6, atol=0)
    # The whole difference is TensorFlow's 1/√2, rounded to float32 before the cast to float64:
    c32 = float(np.float32(1 / np.sqrt(2)))
    assert abs(c32 - 1 / np.sqrt(2)) == pytest.approx(1.21e-8, rel=1e-2)
    np.testing.assert_allclose(0.5 * GRID * special.erfc(-GRID * c32), tf.nn.gelu(GRID, approximate=False), rtol=1e-12)


def test_softmax_and_log_softmax_match_tensorflow(tf):
    z = np.random.default_rng(3).normal(scale=30, size=(5, 6))
    z[0] = [1000, -1000, 0, 999, -999, 1]
    for axis in (0, -1):
        np.testing.assert_allclose(softmax(z, axis=axis), tf.nn.softmax(z, axis=axis).numpy(), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(log_softmax(z, axis=axis), tf.nn.log_softmax(z, axis=axis).numpy(), rtol=1e-12)


def tape_gradient(tf, fn, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t).numpy()  # the gradient of sum(y): the element-wise derivative


@pytest.mark.parametrize("name", PAIRS)
def test_derivative_matches_gradient_tape(tf, name):
    x = np.concatenate([np.linspace(-20, 20, 81), [-1e-3, 0.0, 1e-3]])
    if name == "gelu":  # TensorFlow's formula with an exact float64 1/√2 (see the test above)
        inv_sqrt2 = tf.constant(1 / np.sqrt(2), dtype=tf.float64)
        reference = lambda t: 0.5 * t * tf.math.erfc(-t * inv_sqrt2)  # noqa: E731
    else:
        reference = tf_reference(tf, name)
    np.testing.assert_allclose(PAIRS[name][1](x), tape_gradient(tf, reference, x), rtol=1e-12, atol=1e-15)


def test_softmax_jacobian_matches_tensorflow(tf):
    z = tf.constant(np.random.default_rng(4).normal(size=6))
    with tf.GradientTape() as tape:
        tape.watch(z)
        p = tf.nn.softmax(z)
    np.testing.assert_allclose(softmax_jacobian(p.numpy()), tape.jacobian(p, z).numpy(), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------
# Kinks, extremes, dtypes.
# --------------------------------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero(tf):
    assert relu_derivative(0.0) == 0.0
    assert relu_derivative(-0.0) == 0.0
    assert tape_gradient(tf, tf.nn.relu, np.array([0.0]))[0] == 0.0  # the same convention as TensorFlow


def test_leaky_relu_derivative_at_zero_is_alpha(tf):
    assert leaky_relu_derivative(0.0, alpha=ALPHA) == ALPHA
    assert leaky_relu_derivative(0.0) == 0.01
    assert tape_gradient(tf, lambda t: tf.nn.leaky_relu(t, alpha=ALPHA), np.array([0.0]))[0] == ALPHA


def test_tensorflow_rounds_leaky_relu_alpha_to_float32(tf):
    # tf.nn.leaky_relu's alpha is a float32 op attribute, even for float64 input: a slope of 0.2
    # becomes 0.20000000298. Ours keeps 0.2; hence ALPHA = 0.25 in the comparisons above.
    slope = tape_gradient(tf, lambda t: tf.nn.leaky_relu(t, alpha=0.2), np.array([-1.0]))[0]
    assert slope == float(np.float32(0.2)) != 0.2
    assert leaky_relu_derivative(-1.0, alpha=0.2) == 0.2


def test_sigmoid_is_exact_and_silent_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        assert sigmoid(1000.0) == 1.0
        assert sigmoid(-1000.0) == 0.0
        assert sigmoid_derivative(1000.0) == 0.0
        np.testing.assert_array_equal(sigmoid(np.array([-1000, 1000], dtype=np.float32)), [0.0, 1.0])


def test_infinities_give_the_limits():
    inf = np.inf
    x = np.array([-inf, inf])
    expected = {
        "sigmoid": ([0, 1], [0, 0]),
        "tanh": ([-1, 1], [0, 0]),
        "relu": ([0, inf], [0, 1]),
        "leaky_relu": ([-inf, inf], [ALPHA, 1]),
        "gelu": ([0, inf], [0, 1]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, (f, df) in PAIRS.items():
            values, slopes = expected[name]
            np.testing.assert_array_equal(f(x), values, err_msg=name)
            np.testing.assert_array_equal(df(x), slopes, err_msg=name)


def test_derivatives_keep_relative_precision_where_the_activation_saturates():
    # 1 - sigmoid(40) and 1 - tanh(20)**2 round to 0; the true slopes are not 0.
    x = np.array([20.0, 40.0, 300.0])
    np.testing.assert_allclose(sigmoid_derivative(x), np.exp(-x) / (1 + np.exp(-x)) ** 2, rtol=1e-13)
    np.testing.assert_allclose(sigmoid_derivative(-x), sigmoid_derivative(x), rtol=0)
    np.testing.assert_allclose(tanh_derivative(x), 1 / np.cosh(x) ** 2, rtol=1e-13)
    assert gelu(-10.0) == pytest.approx(-10 * special.ndtr(-10.0), rel=1e-13)  # -7.6e-23, not 0
    assert gelu(-10.0) != 0.0


def test_softmax_is_stable_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax([1000.0, -1000.0, 0.0]), [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(softmax([1000.0, 1000.0]), [0.5, 0.5])
        np.testing.assert_array_equal(log_softmax([0.0, -1000.0]), [0.0, -1000.0])  # log(softmax) gives -inf
        np.testing.assert_array_equal(softmax([0.0, -np.inf]), [1.0, 0.0])  # a masked entry


def test_dtypes():
    for dtype in (np.float16, np.float32, np.float64):
        x = np.array([-1.0, 0.5, 2.0], dtype=dtype)
        for name, (f, df) in PAIRS.items():
            assert f(x).dtype == dtype, name
            assert df(x).dtype == dtype, name
        assert softmax(x).dtype == log_softmax(x).dtype == dtype
    for name, (f, df) in PAIRS.items():
        assert f([1, 2]).dtype == np.float64, name
        assert df(np.array([True, False])).dtype == np.float64, name
    assert sigmoid(0).shape == ()  # a scalar in, a 0-d array out


def test_float32_agrees_with_float64():
    x = np.linspace(-8, 8, 33)
    for name, (f, df) in PAIRS.items():
        np.testing.assert_allclose(f(x.astype(np.float32)), f(x), rtol=2e-6, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(df(x.astype(np.float32)), df(x), rtol=2e-6, atol=1e-6, err_msg=name)


def test_errata_numbers():
    # Article 004 §4.3.1 and §4.3.2 (see ERRATA.md): σ(0.82) and a softmax it got wrong.
    assert sigmoid(0.50 + 0.32) == pytest.approx(0.694, abs=5e-4)
    np.testing.assert_allclose(softmax([0.36, 0.42, 0.48, 0.54, 0.6]), [0.177, 0.188, 0.199, 0.212, 0.225], atol=5e-4)
    assert softmax([1.3]) == 1.0  # the softmax of a single score


def test_softmax_jacobian_structure():
    p = softmax([0.3, -1.2, 2.0, 0.0])
    jac = softmax_jacobian(p)
    np.testing.assert_allclose(jac, jac.T, rtol=0, atol=0)
    np.testing.assert_allclose(jac.sum(axis=0), 0.0, atol=1e-16)
    np.testing.assert_allclose(np.diag(jac), p * (1 - p), rtol=1e-15)


# --------------------------------------------------------------------------------------------
# Properties.
# --------------------------------------------------------------------------------------------

finite_logits = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
logit_arrays = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), elements=finite_logits
)


@PROPERTY
@given(z=logit_arrays, data=st.data())
def test_softmax_is_a_distribution(z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1), label="axis")
    p = softmax(z, axis=axis)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-12)


@PROPERTY
@given(z=logit_arrays, data=st.data())
def test_softmax_ignores_a_constant_per_row(z, data):
    shift_shape = z.shape[:-1] + (1,)
    c = data.draw(hnp.arrays(np.float64, shift_shape, elements=st.floats(-100, 100)), label="c")
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-12, atol=1e-300)


@PROPERTY
@given(z=logit_arrays)
def test_log_softmax_is_log_of_softmax(z):
    p = softmax(z)
    where = p > 1e-300
    np.testing.assert_allclose(log_softmax(z)[where], np.log(p[where]), rtol=1e-12, atol=1e-13)


@PROPERTY
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=8), elements=finite_logits))
def test_sigmoid_is_symmetric(x):
    # 1 - sigmoid(x) has an absolute rounding error of ~1e-16 (it cancels), hence atol.
    np.testing.assert_allclose(sigmoid(-x), 1 - sigmoid(x), rtol=0, atol=2e-16)
    assert np.all((sigmoid(x) >= 0) & (sigmoid(x) <= 1))


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------

ALL = {**{name: f for name, (f, _) in PAIRS.items()}, **{f"{n}'": df for n, (_, df) in PAIRS.items()}}


@pytest.mark.parametrize("name", ALL)
def test_nan_is_refused_with_its_position(name):
    with pytest.raises(ValueError, match=r"`x` contains NaN at index \(1, 0\)"):
        ALL[name](np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match=r"`x` is NaN"):
        ALL[name](np.nan)


@pytest.mark.parametrize("bad", ["abc", ["a", "b"], [None, 1.0], np.array([1 + 2j])])
@pytest.mark.parametrize("name", ["sigmoid", "relu'", "gelu"])
def test_non_numbers_are_refused(name, bad):
    with pytest.raises(TypeError, match="`x` must"):
        ALL[name](bad)


def test_ragged_lists_are_refused():
    with pytest.raises(ValueError, match="`x` could not be turned into an array"):
        tanh([[1.0], [1.0, 2.0]])


@pytest.mark.parametrize("f", [leaky_relu, leaky_relu_derivative])
def test_alpha_is_checked(f):
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number >= 0.*got -0\.1"):
        f([1.0], alpha=-0.1)
    with pytest.raises(ValueError, match="`alpha`"):
        f([1.0], alpha=float("nan"))
    with pytest.raises(TypeError, match="`alpha` must be a number"):
        f([1.0], alpha="0.1")


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_softmax_input_is_checked(f):
    with pytest.raises(ValueError, match=r"`axis`=2 is out of range for `z` of shape \(2, 3\)"):
        f(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="`axis` must be an integer"):
        f(np.zeros((2, 3)), axis=1.0)
    with pytest.raises(ValueError, match="`z` is a scalar"):
        f(3.0)
    with pytest.raises(ValueError, match="`z` contains NaN at index 1"):
        f([0.0, np.nan])
    with pytest.raises(ValueError, match=r"`z` contains \+inf at index 0"):
        f([np.inf, 0.0])
    with pytest.raises(ValueError, match="-inf everywhere along axis -1 in slice 1"):
        f([[0.0, -np.inf], [-np.inf, -np.inf]])


def test_softmax_jacobian_input_is_checked():
    with pytest.raises(ValueError, match=r"`p` must be one probability vector \(1-D\), got shape \(1, 2\)"):
        softmax_jacobian([[0.5, 0.5]])
    with pytest.raises(ValueError, match="sums to 1.1"):  # article 001 §4.3.2's "probabilities"
        softmax_jacobian([0.2, 0.8, 0.1])
    with pytest.raises(ValueError, match=r"p\[0\] = 1.2"):
        softmax_jacobian([1.2, -0.2])


def test_import_stays_numpy_only(run_python):
    code = (
        "import sys, helpers.activations; print(sorted({'tensorflow', 'keras', 'scipy', 'pandas'} & set(sys.modules)))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"`import helpers.activations` loaded {result.stdout.strip()}"
