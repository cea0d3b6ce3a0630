"""Tests of helpers.optim: update for update against keras.optimizers, schedules against
keras.optimizers.schedules, Adam's two forms, properties over random shapes, and bad input.

Tolerances, all in float64:

- our updates vs Keras 3's on the same gradient sequence (25 steps, three parameter arrays):
  relative error < 1e-12 of each array's largest entry. Keras rounds some hyperparameters
  through float32 even for float64 variables: the learning rate lives in a ``floatx`` variable
  (float32 by default: 0.01 becomes 0.009999999776...), and ``ops.cast(0.9, "float64")`` on the
  TensorFlow backend first makes a float32 tensor of the Python float (0.8999999761...), which
  hits SGD's momentum, Adam's β₁ᵗ and β₂ᵗ and the schedules' targets. So the 1e-12 comparisons
  run with ``floatx = "float64"`` and hyperparameters that float32 holds exactly (0.875,
  1 - 2⁻⁹ = 0.998046875, ...); with Keras's defaults the agreement is ~1e-6 and the tests show
  that the float32 rounding is all of the difference;
- schedules vs Keras's: rtol 1e-12;
- Adam in Keras's form vs the paper's: rtol 1e-12 with ε = 0 (the same update), and with the
  paper's ε set to Keras's ε / sqrt(1 - β₂ᵗ) at every step.
"""

from __future__ import annotations

import copy
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import optim

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None)
RTOL = 1e-12
SHAPES = {"W1": (3, 4), "b1": (4,), "W2": (4, 2)}


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


@pytest.fixture
def floatx64(keras):
    """Run a test with keras.backend.floatx() == "float64", so Keras's learning-rate variable is float64."""
    before = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    yield
    keras.backend.set_floatx(before)


def start(seed: int = 0, dtype=np.float64) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.normal(size=s).astype(dtype) for k, s in SHAPES.items()}


def gradient_sequence(steps: int, seed: int = 1) -> list[dict[str, np.ndarray]]:
    """Gradients with a drifting mean and entries of very different sizes, like a real run's."""
    rng = np.random.default_rng(seed)
    scale = {k: 10.0 ** rng.uniform(-3, 1, size=s) for k, s in SHAPES.items()}
    return [{k: scale[k] * (0.5 + rng.normal(size=s)) for k, s in SHAPES.items()} for _ in range(steps)]


def max_relative_error(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> float:
    return max(float(np.max(np.abs(got[k] - expected[k])) / np.max(np.abs(expected[k]))) for k in expected)


def run_ours(update, steps, **hyper):
    params, state = start(), None
    for grads in gradient_sequence(steps):
        params, state = update(params, grads, state, **hyper)
    return params, state


def run_keras(keras, tf, optimizer, steps):
    variables = [keras.Variable(w, dtype="float64") for w in start().values()]
    for grads in gradient_sequence(steps):
        optimizer.apply([tf.constant(g) for g in grads.values()], variables)
    return dict(zip(SHAPES, (np.asarray(v.numpy()) for v in variables), strict=True))


# ---------------------------------------------------------------------------------------------
# Update for update against keras.optimizers.


@pytest.mark.parametrize(
    ("ours", "hyper", "make_keras"),
    [
        (optim.sgd, {"lr": 0.05}, lambda k: k.optimizers.SGD(learning_rate=0.05)),
        (
            optim.momentum,
            {"lr": 0.03, "momentum": 0.875},
            lambda k: k.optimizers.SGD(learning_rate=0.03, momentum=0.875),
        ),
        (
            optim.momentum,
            {"lr": 0.02, "momentum": 0.75, "nesterov": True},
            lambda k: k.optimizers.SGD(learning_rate=0.02, momentum=0.75, nesterov=True),
        ),
        (optim.rmsprop, {"lr": 0.01}, lambda k: k.optimizers.RMSprop(learning_rate=0.01)),
        (
            optim.rmsprop,
            {"lr": 0.003, "rho": 0.95, "eps": 1e-4},
            lambda k: k.optimizers.RMSprop(learning_rate=0.003, rho=0.95, epsilon=1e-4),
        ),
        (
            optim.adam,
            {"lr": 0.01, "beta_1": 0.875, "beta_2": 0.998046875},
            lambda k: k.optimizers.Adam(learning_rate=0.01, beta_1=0.875, beta_2=0.998046875),
        ),
        (
            optim.adam,
            {"lr": 0.2, "beta_1": 0.75, "beta_2": 0.9921875, "eps": 1e-3},
            lambda k: k.optimizers.Adam(learning_rate=0.2, beta_1=0.75, beta_2=0.9921875, epsilon=1e-3),
        ),
    ],
    ids=["sgd", "momentum", "nesterov", "rmsprop", "rmsprop-custom", "adam", "adam-custom"],
)
def test_updates_match_keras_update_for_update(ours, hyper, make_keras, keras, tf, floatx64):
    steps = 25
    expected = run_keras(keras, tf, make_keras(keras), steps)
    got, state = run_ours(ours, steps, **hyper)
    assert state["step"] == steps
    assert max_relative_error(got, expected) < RTOL


def test_every_step_matches_keras_not_only_the_last(keras, tf, floatx64):
    """Compare after each of 30 Adam updates, so an error that cancels later cannot hide."""
    variables = [keras.Variable(w, dtype="float64") for w in start().values()]
    opt = keras.optimizers.Adam(learning_rate=0.05, beta_1=0.875, beta_2=0.998046875)
    params, state = start(), None
    for grads in gradient_sequence(30):
        opt.apply([tf.constant(g) for g in grads.values()], variables)
        params, state = optim.adam(params, grads, state, lr=0.05, beta_1=0.875, beta_2=0.998046875)
        theirs = dict(zip(SHAPES, (v.numpy() for v in variables), strict=True))
        assert max_relative_error(params, theirs) < RTOL


def test_keras_defaults_are_ours(keras):
    """Our default hyperparameters are Keras 3's (epsilon 1e-7, not the Adam paper's 1e-8)."""
    import inspect

    adam, rms, sgd = keras.optimizers.Adam(), keras.optimizers.RMSprop(), keras.optimizers.SGD(momentum=0.9)
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.9, 0.999, 1e-7)
    assert (rms.rho, rms.epsilon, rms.momentum, rms.centered) == (0.9, 1e-7, 0.0, False)
    assert sgd.nesterov is False
    defaults = {name: inspect.signature(f).parameters for name, f in vars(optim).items() if name in optim.__all__}
    assert defaults["adam"]["eps"].default == 1e-7 and defaults["rmsprop"]["eps"].default == 1e-7
    assert (defaults["adam"]["beta_1"].default, defaults["adam"]["beta_2"].default) == (0.9, 0.999)
    assert (defaults["rmsprop"]["rho"].default, defaults["momentum"]["momentum"].default) == (0.9, 0.9)
    assert defaults["adam_paper"]["eps"].default == 1e-8


def test_keras_rounds_python_hyperparameters_through_float32(tf):
    """The cause of the ~1e-7 differences with default hyperparameters, shown on its own."""
    from keras import ops

    assert float(ops.cast(0.9, "float64")) == float(np.float32(0.9)) != 0.9
    assert float(ops.cast(0.875, "float64")) == 0.875


def test_with_keras_defaults_the_difference_is_keras_float32_rounding(keras, tf, floatx64):
    # SGD with momentum 0.9: Keras multiplies by float32(0.9). Ours with 0.9 differs at ~1e-7 ...
    expected = run_keras(keras, tf, keras.optimizers.SGD(learning_rate=0.03, momentum=0.9), 25)
    error = max_relative_error(run_ours(optim.momentum, 25, lr=0.03, momentum=0.9)[0], expected)
    assert 1e-12 < error < 1e-6, error
    # ... and agrees to 1e-12 when given the momentum Keras really uses.
    rounded = float(np.float32(0.9))
    assert max_relative_error(run_ours(optim.momentum, 25, lr=0.03, momentum=rounded)[0], expected) < RTOL

    # Adam: Keras rounds β₁ and β₂ through float32 in the bias correction only (its moment updates
    # use the Python floats). Ours with the defaults is within 1e-5 ...
    expected = run_keras(keras, tf, keras.optimizers.Adam(learning_rate=0.01), 25)
    error = max_relative_error(run_ours(optim.adam, 25, lr=0.01)[0], expected)
    assert 1e-12 < error < 1e-5, error

    # ... and a copy of our update with exactly that rounding agrees to 1e-12.
    def adam_rounded_like_keras(params, grads, state, lr):
        t = state["step"] + 1 if state else 1
        b1, b2 = float(np.float32(0.9)), float(np.float32(0.999))
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m0 = state["m"] if state else {k: np.zeros_like(w) for k, w in params.items()}
        v0 = state["v"] if state else {k: np.zeros_like(w) for k, w in params.items()}
        m = {k: m0[k] + (g - m0[k]) * (1 - 0.9) for k, g in grads.items()}
        v = {k: v0[k] + (g**2 - v0[k]) * (1 - 0.999) for k, g in grads.items()}
        new = {k: params[k] - (m[k] * lr_t) / (np.sqrt(v[k]) + 1e-7) for k in params}
        return new, {"step": t, "m": m, "v": v}

    assert max_relative_error(run_ours(adam_rounded_like_keras, 25, lr=0.01)[0], expected) < RTOL


def test_float32_learning_rate_variable_is_why_floatx_matters(keras, tf):
    """With floatx float32, a rate float32 holds exactly (1/16) still matches to 1e-12; 0.01 does not."""
    assert keras.backend.floatx() == "float32"
    exact = run_keras(keras, tf, keras.optimizers.SGD(learning_rate=0.0625, momentum=0.875), 20)
    assert max_relative_error(run_ours(optim.momentum, 20, lr=0.0625, momentum=0.875)[0], exact) < RTOL
    rounded = run_keras(keras, tf, keras.optimizers.SGD(learning_rate=0.01), 20)
    error = max_relative_error(run_ours(optim.sgd, 20, lr=0.01)[0], rounded)
    assert 1e-12 < error < 1e-7, error


def test_adam_with_a_warmup_cosine_schedule_matches_keras(keras, tf, floatx64):
    """Keras calls a schedule with optimizer.iterations (0 at the first update); so do we."""
    base, warmup, total = 0.0625, 5, 25
    schedule = keras.optimizers.schedules.CosineDecay(
        np.float64(0.0), decay_steps=total - warmup, alpha=0.125, warmup_target=base, warmup_steps=warmup
    )
    hyper = {"beta_1": 0.875, "beta_2": 0.998046875}
    expected = run_keras(keras, tf, keras.optimizers.Adam(learning_rate=schedule, **hyper), 30)
    params, state = start(), None
    for step, grads in enumerate(gradient_sequence(30)):
        lr = optim.warmup_cosine(step, base_lr=base, warmup_steps=warmup, total_steps=total, final_lr=0.125 * base)
        params, state = optim.adam(params, grads, state, lr=lr, **hyper)
    assert max_relative_error(params, expected) < RTOL


# ---------------------------------------------------------------------------------------------
# Adam: Keras's form vs the paper's.


def test_adam_forms_agree_exactly_without_epsilon():
    a, _ = run_ours(optim.adam, 30, lr=0.01, eps=0.0)
    b, _ = run_ours(optim.adam_paper, 30, lr=0.01, eps=0.0)
    assert max_relative_error(a, b) < RTOL


def test_keras_epsilon_is_the_papers_epsilon_divided_by_sqrt_one_minus_beta2_power():
    eps, beta_2 = 1e-2, 0.999  # a large epsilon, so that where it sits matters
    keras_form, paper_form = (start(), None), (start(), None)
    for t, grads in enumerate(gradient_sequence(40, seed=3), start=1):
        keras_form = optim.adam(keras_form[0], grads, keras_form[1], lr=0.01, eps=eps)
        paper_form = optim.adam_paper(paper_form[0], grads, paper_form[1], lr=0.01, eps=eps / math.sqrt(1 - beta_2**t))
        assert max_relative_error(keras_form[0], paper_form[0]) < RTOL
    # With the same ε the two differ, most in the first steps.
    a, _ = optim.adam(start(), gradient_sequence(1)[0], None, lr=0.01, eps=eps)
    b, _ = optim.adam_paper(start(), gradient_sequence(1)[0], None, lr=0.01, eps=eps)
    assert max_relative_error(a, b) > 1e-6


def test_adam_forms_converge_as_epsilon_goes_to_zero():
    a0, _ = run_ours(optim.adam, 20, lr=0.01, eps=0.0)
    gaps = []
    for eps in (1e-4, 1e-6, 1e-8, 1e-10):
        a, _ = run_ours(optim.adam, 20, lr=0.01, eps=eps)
        b, _ = run_ours(optim.adam_paper, 20, lr=0.01, eps=eps)
        gaps.append(max_relative_error(a, b))
        assert max_relative_error(b, a0) < 1e3 * eps
    assert gaps == sorted(gaps, reverse=True), gaps


def test_adam_first_steps_without_bias_correction_would_be_too_large():
    """For a constant gradient, the corrected step is lr; the uncorrected one is lr (1 - β₁ᵗ) / sqrt(1 - β₂ᵗ)."""
    g = {"w": np.array([0.7, -3.0])}
    p, s = {"w": np.zeros(2)}, None
    for t in range(1, 11):
        before = p["w"]
        p, s = optim.adam(p, g, s, lr=0.01, eps=0.0)
        np.testing.assert_allclose(np.abs(p["w"] - before), 0.01, rtol=1e-12)
        uncorrected = 0.01 * s["m"]["w"] / np.sqrt(s["v"]["w"])
        np.testing.assert_allclose(np.abs(uncorrected), 0.01 * (1 - 0.9**t) / math.sqrt(1 - 0.999**t), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Schedules.


def test_warmup_cosine_matches_keras_cosine_decay(keras):
    # Rates float32 holds exactly: Keras casts warmup_target through float32 (see the module docstring).
    for base, warmup, total, final in [(0.125, 10, 50, 0.0), (2.0**-12, 0, 40, 2.0**-15), (1.0, 7, 8, 0.25)]:
        schedule = keras.optimizers.schedules.CosineDecay(
            np.float64(0.0),
            decay_steps=total - warmup,
            alpha=final / base,
            warmup_target=base,
            warmup_steps=warmup,
        )
        steps = np.arange(total + 6)
        ours = optim.warmup_cosine(steps, base_lr=base, warmup_steps=warmup, total_steps=total, final_lr=final)
        theirs = np.array([float(schedule(int(s))) for s in steps])
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15 * base)
        assert ours[0] == (0.0 if warmup else base)
        assert ours[warmup] == pytest.approx(base, rel=RTOL) and ours[-1] == pytest.approx(final, abs=1e-15)


def test_step_decay_matches_keras_staircase_exponential_decay(keras):
    schedule = keras.optimizers.schedules.ExponentialDecay(
        np.float64(0.2), decay_steps=7, decay_rate=0.375, staircase=True
    )
    steps = np.arange(40)
    theirs = np.array([float(schedule(int(s))) for s in steps])
    np.testing.assert_allclose(optim.step_decay(steps, base_lr=0.2, drop=0.375, every=7), theirs, rtol=RTOL)


def test_schedules_accept_ints_and_arrays():
    assert isinstance(optim.warmup_cosine(3, base_lr=0.1, warmup_steps=2, total_steps=10), float)
    assert optim.step_decay(np.arange(6).reshape(2, 3), base_lr=1.0, every=2).shape == (2, 3)
    assert optim.step_decay(np.int64(4), base_lr=1.0, every=2) == 0.25
    assert optim.warmup_cosine(5.0, base_lr=1.0, warmup_steps=10, total_steps=20) == 0.5


@given(
    base=st.floats(1e-5, 10.0),
    warmup=st.integers(0, 50),
    extra=st.integers(1, 200),
    final_fraction=st.floats(0.0, 1.0),
)
@PROPERTY
def test_warmup_cosine_properties(base, warmup, extra, final_fraction):
    total, final = warmup + extra, base * final_fraction
    lr = optim.warmup_cosine(np.arange(total + 3), base_lr=base, warmup_steps=warmup, total_steps=total, final_lr=final)
    assert np.all(lr >= 0) and np.all(lr <= base * (1 + 1e-12))
    assert np.all(np.diff(lr[: warmup + 1]) >= 0), "warm-up never lowers the rate"
    assert np.all(np.diff(lr[warmup:]) <= 1e-15 * base), "after warm-up the rate never rises"
    assert lr[-1] == pytest.approx(final, abs=1e-12 * base)


# ---------------------------------------------------------------------------------------------
# Properties over random shapes.

UPDATES = {
    "sgd": (optim.sgd, {}),
    "momentum": (optim.momentum, {}),
    "nesterov": (optim.momentum, {"nesterov": True}),
    "rmsprop": (optim.rmsprop, {}),
    "adam": (optim.adam, {}),
    "adam_paper": (optim.adam_paper, {}),
}


@st.composite
def params_and_grads(draw, dtype=np.float64, nonzero=False):
    """A dict of 1-4 parameter arrays of random shapes (0-3 dims) and their gradients.

    ``nonzero=True`` keeps every gradient entry away from 0 (for ε = 0, where 0/0 is NaN).
    """
    keys = draw(st.lists(st.sampled_from(["W1", "b1", "W2", "b2", "gamma"]), min_size=1, max_size=4, unique=True))
    params, grads = {}, {}
    for key in keys:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
        values = st.floats(-10, 10, allow_nan=False, width=32)
        params[key] = draw(hnp.arrays(dtype, shape, elements=values))
        g = draw(hnp.arrays(dtype, shape, elements=values))
        grads[key] = np.where(np.abs(g) < 1e-3, 1.0, g) if nonzero else g
    return params, grads


@given(data=params_and_grads(), name=st.sampled_from(sorted(UPDATES)), dtype=st.sampled_from([np.float32, np.float64]))
@PROPERTY
def test_updates_keep_shapes_and_dtypes_and_never_mutate(data, name, dtype):
    params, grads = ({k: v.astype(dtype) for k, v in d.items()} for d in data)
    update, hyper = UPDATES[name]
    before = copy.deepcopy((params, grads))
    new, state = update(params, grads, None, 0.01, **hyper)
    state_before = copy.deepcopy(state)
    newer, state2 = update(new, grads, state, 0.01, **hyper)
    for k in params:
        assert new[k].shape == params[k].shape and new[k].dtype == dtype
        assert newer[k].dtype == dtype
        np.testing.assert_array_equal(params[k], before[0][k])
        np.testing.assert_array_equal(grads[k], before[1][k])
    for slot in optim._SLOTS[state["optimizer"]]:
        for k in params:
            np.testing.assert_array_equal(state[slot][k], state_before[slot][k])
            assert state2[slot][k] is not state[slot][k]
    assert (state["step"], state2["step"]) == (1, 2)


@given(data=params_and_grads(), name=st.sampled_from(sorted(UPDATES)))
@PROPERTY
def test_a_zero_learning_rate_changes_nothing(data, name):
    params, grads = data
    update, hyper = UPDATES[name]
    new, _ = update(params, grads, None, 0.0, **hyper)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k])


@given(data=params_and_grads())
@PROPERTY
def test_momentum_zero_is_sgd(data):
    params, grads = data
    a, _ = optim.sgd(params, grads, None, lr=0.1)
    b, _ = optim.momentum(params, grads, None, lr=0.1, momentum=0.0)
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])


@given(data=params_and_grads(nonzero=True), lr=st.floats(1e-4, 1.0))
@PROPERTY
def test_adam_first_step_is_lr_times_the_sign_of_the_gradient(data, lr):
    params, grads = data
    new, _ = optim.adam(params, grads, None, lr=lr, eps=0.0)
    for k in params:
        g = grads[k]
        expected = params[k] - lr * np.sign(g)
        np.testing.assert_allclose(new[k], expected, rtol=1e-12, atol=1e-12 * (1 + np.max(np.abs(params[k]))))
    new_eps, _ = optim.adam(params, grads, None, lr=lr)
    for k in params:
        assert np.all(np.abs(new_eps[k] - params[k]) <= lr * (1 + 1e-12) + 1e-12 * np.abs(params[k]))


@given(data=params_and_grads(nonzero=True), scale=st.floats(1e-3, 1e3))
@PROPERTY
def test_adam_without_epsilon_ignores_the_scale_of_the_gradient(data, scale):
    params, grads = data
    a, sa = optim.adam(params, grads, None, lr=0.01, eps=0.0)
    b, sb = optim.adam(params, {k: scale * g for k, g in grads.items()}, None, lr=0.01, eps=0.0)
    a, _ = optim.adam(a, grads, sa, lr=0.01, eps=0.0)
    b, _ = optim.adam(b, {k: scale * g for k, g in grads.items()}, sb, lr=0.01, eps=0.0)
    for k in params:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12)


@given(data=params_and_grads(), rho=st.floats(0.0, 0.99))
@PROPERTY
def test_rmsprop_first_step(data, rho):
    params, grads = data
    new, state = optim.rmsprop(params, grads, None, lr=0.01, rho=rho)
    for k in params:
        g = grads[k]
        np.testing.assert_allclose(state["mean_square"][k], (1 - rho) * g**2, rtol=1e-12)
        np.testing.assert_allclose(new[k], params[k] - 0.01 * g / np.sqrt((1 - rho) * g**2 + 1e-7), rtol=1e-12)


def test_state_size_counts_the_moment_estimates():
    params = start()
    grads = gradient_sequence(1)[0]
    n = sum(w.size for w in params.values())
    sizes = {
        name: optim.state_size(update(params, grads, None, 0.1, **hyper)[1])
        for name, (update, hyper) in UPDATES.items()
    }
    assert sizes == {"sgd": 0, "momentum": n, "nesterov": n, "rmsprop": n, "adam": 2 * n, "adam_paper": 2 * n}
    with pytest.raises(TypeError, match="state dict"):
        optim.state_size({"step": 1})


# ---------------------------------------------------------------------------------------------
# Bad input.

P = {"w": np.ones(3)}
G = {"w": np.ones(3)}


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: optim.sgd([np.ones(3)], G, None, 0.1), TypeError, "`params` must be a dict"),
        (lambda: optim.sgd(P, np.ones(3), None, 0.1), TypeError, "`grads` must be a dict"),
        (lambda: optim.sgd(P, {"v": np.ones(3)}, None, 0.1), ValueError, r"missing \['w'\], unexpected \['v'\]"),
        (lambda: optim.sgd({}, {}, None, 0.1), ValueError, "empty"),
        (lambda: optim.sgd({"w": np.ones(3, int)}, G, None, 0.1), TypeError, r"astype\(np.float64\)"),
        (lambda: optim.sgd(P, {"w": np.ones((3, 1))}, None, 0.1), ValueError, r"shape \(3, 1\).*shape \(3,\)"),
        (lambda: optim.sgd(P, {"w": np.array(["a"] * 3)}, None, 0.1), TypeError, "must hold numbers"),
        (lambda: optim.adam(P, {"w": np.array([1.0, np.nan, 0])}, None, 0.1), ValueError, "NaN or inf"),
        (lambda: optim.sgd(P, G, None, -0.1), ValueError, "climbs the loss"),
        (lambda: optim.sgd(P, G, None, float("nan")), ValueError, "finite"),
        (lambda: optim.sgd(P, G, None, "0.1"), TypeError, "`lr` must be a number"),
        (lambda: optim.sgd(P, G, None, True), TypeError, "`lr` must be a number"),
        (lambda: optim.momentum(P, G, None, 0.1, momentum=1.0), ValueError, r"`momentum` must be in \[0, 1\)"),
        (lambda: optim.momentum(P, G, None, 0.1, nesterov="yes"), TypeError, "`nesterov`"),
        (lambda: optim.rmsprop(P, G, None, 0.1, rho=-0.1), ValueError, "`rho`"),
        (lambda: optim.rmsprop(P, G, None, 0.1, eps=-1e-7), ValueError, "`eps`"),
        (lambda: optim.adam(P, G, None, 0.1, beta_2=1.5), ValueError, "`beta_2`"),
        (lambda: optim.adam(P, G, None, 0.1, beta_1=1), ValueError, "`beta_1`"),
        (
            lambda: optim.adam(P, G, optim.momentum(P, G, None, 0.1)[1], 0.1),
            ValueError,
            "belongs to optimizer 'momentum'",
        ),
        (lambda: optim.adam(P, G, [1, 2], 0.1), TypeError, "`state` must be None"),
        (
            lambda: optim.adam({"v": np.ones(3)}, {"v": np.ones(3)}, optim.adam(P, G, None, 0.1)[1], 0.1),
            ValueError,
            "made for other parameters",
        ),
        (
            lambda: optim.adam({"w": np.ones(2)}, {"w": np.ones(2)}, optim.adam(P, G, None, 0.1)[1], 0.1),
            ValueError,
            r"state\['m'\]\['w'\] has shape \(3,\)",
        ),
        (lambda: optim.adam(P, G, {"optimizer": "adam", "step": -1}, 0.1), ValueError, "number of updates"),
    ],
    ids=[
        "params-list",
        "grads-array",
        "keys",
        "empty",
        "int-params",
        "shape",
        "string-grads",
        "nan-grads",
        "negative-lr",
        "nan-lr",
        "string-lr",
        "bool-lr",
        "momentum-1",
        "nesterov-str",
        "rho",
        "eps",
        "beta_2",
        "beta_1-int-1",
        "other-optimizers-state",
        "state-list",
        "state-keys",
        "state-shapes",
        "negative-step",
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: optim.warmup_cosine(-1, base_lr=0.1, warmup_steps=2, total_steps=10), ValueError, ">= 0"),
        (lambda: optim.warmup_cosine(1.5, base_lr=0.1, warmup_steps=2, total_steps=10), TypeError, "int"),
        (lambda: optim.warmup_cosine(True, base_lr=0.1, warmup_steps=2, total_steps=10), TypeError, "int"),
        (lambda: optim.warmup_cosine(1, base_lr=0.1, warmup_steps=10, total_steps=10), ValueError, "larger than"),
        (lambda: optim.warmup_cosine(1, base_lr=0.0, warmup_steps=1, total_steps=10), ValueError, "`base_lr`"),
        (
            lambda: optim.warmup_cosine(1, base_lr=0.1, warmup_steps=1, total_steps=10, final_lr=0.2),
            ValueError,
            "final_lr",
        ),
        (lambda: optim.warmup_cosine(1, base_lr=0.1, warmup_steps=2.0, total_steps=10), TypeError, "warmup_steps"),
        (lambda: optim.step_decay(1, base_lr=0.1, drop=0.0, every=3), ValueError, "`drop`"),
        (lambda: optim.step_decay(1, base_lr=0.1, every=0), ValueError, "`every`"),
        (lambda: optim.step_decay("3", base_lr=0.1, every=2), TypeError, "`step`"),
    ],
    ids=[
        "negative-step",
        "fractional-step",
        "bool-step",
        "no-cosine",
        "base",
        "final",
        "float-warmup",
        "drop",
        "every",
        "str",
    ],
)
def test_schedule_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("module", ["helpers.optim", "helpers.exercises.ch07"])
def test_import_does_not_load_heavy_libraries(module, run_python):
    code = (
        f"import json, sys; import {module}; "
        "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'matplotlib') if m in sys.modules)))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
