"""Tests of ``helpers.explain.integrated_gradients``: exact cases, the completeness axiom on a small
MLP (with the trapezoid rule's 1/steps² convergence), agreement with an integrated-gradients
implementation written with TensorFlow's GradientTape, and the input validation."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.explain import integrated_gradients

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=20, deadline=None, derandomize=True)


def _mlp(seed: int, d: int = 5, h: int = 7):
    """A small tanh MLP f(x) = tanh(x W1 + b1) · w2 + b2 with its input gradient, in NumPy."""
    rng = np.random.default_rng(seed)
    W1, b1, w2, b2 = rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=h), rng.normal()

    def f(X):
        return np.tanh(np.atleast_2d(X) @ W1 + b1) @ w2 + b2

    def grad(X):
        a = np.tanh(np.atleast_2d(X) @ W1 + b1)
        return ((1 - a**2) * w2) @ W1.T

    return f, grad, (W1, b1, w2, b2)


def test_linear_model_gets_exact_attributions():
    w = np.array([0.5, -2.0, 3.0])
    x, base = np.array([1.0, 2.0, -1.0]), np.array([0.5, 0.0, 1.0])
    attr = integrated_gradients(lambda X: np.tile(w, (len(X), 1)), x, base, steps=1)
    assert np.allclose(attr, w * (x - base), rtol=1e-15)


def test_input_equal_to_baseline_gets_zero():
    _, grad, _ = _mlp(0)
    x = np.random.default_rng(1).normal(size=5)
    assert np.array_equal(integrated_gradients(grad, x, x, steps=8), np.zeros(5))


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4))
def test_completeness_on_a_small_mlp(seed, n):
    f, grad, _ = _mlp(seed)
    rng = np.random.default_rng(seed)
    x, base = rng.normal(size=(n, 5)), rng.normal(size=5)
    attr = integrated_gradients(grad, x, base, steps=512)
    assert attr.shape == (n, 5)
    assert np.allclose(attr.sum(axis=1), f(x) - f(base), rtol=1e-4, atol=1e-4)


def test_trapezoid_error_falls_like_one_over_steps_squared():
    f, grad, _ = _mlp(2)
    rng = np.random.default_rng(3)
    x, base = rng.normal(size=5) * 2, np.zeros(5)
    gap = {m: abs(integrated_gradients(grad, x, base, steps=m).sum() - (f(x) - f(base))[0]) for m in (16, 64)}
    assert 8 < gap[16] / gap[64] < 32  # 16 in the limit


def test_batch_equals_one_at_a_time():
    _, grad, _ = _mlp(4)
    rng = np.random.default_rng(5)
    X, B = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    batch = integrated_gradients(grad, X, B, steps=20)
    single = np.stack([integrated_gradients(grad, x, b, steps=20) for x, b in zip(X, B, strict=True)])
    assert np.allclose(batch, single, rtol=1e-13, atol=1e-13)


def test_matches_a_tensorflow_gradienttape_implementation():
    tf = pytest.importorskip("tensorflow")
    _, grad, (W1, b1, w2, b2) = _mlp(6)
    rng = np.random.default_rng(7)
    x, base = rng.normal(size=(2, 5)), rng.normal(size=5)
    steps = 50

    # Integrated gradients written directly in TensorFlow, gradients from GradientTape
    alphas = tf.constant(np.linspace(0.0, 1.0, steps + 1))[:, None, None]
    xt, bt = tf.constant(x), tf.constant(base)[None, :]
    path = bt[None] + alphas * (xt - bt)[None]  # (m + 1, N, D)
    with tf.GradientTape() as tape:
        tape.watch(path)
        out = tf.tensordot(tf.tanh(tf.tensordot(path, tf.constant(W1), 1) + b1), tf.constant(w2), 1) + b2
    g = tape.gradient(out, path)
    avg = (tf.reduce_sum(g, axis=0) - (g[0] + g[-1]) / 2) / steps  # trapezoid rule
    expected = ((xt - bt) * avg).numpy()

    got = integrated_gradients(grad, x, base, steps=steps)
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grad_fn": 3}, TypeError, "grad_fn"),
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 2.5}, ValueError, "steps"),
        ({"x": np.ones((1, 2, 3))}, ValueError, r"shape \(D,\) or \(N, D\)"),
        ({"baseline": np.ones(4)}, ValueError, "broadcast"),
        ({"x": np.array([np.nan, 1.0, 1.0])}, ValueError, "NaN"),
        ({"grad_fn": lambda X: X[:, :2]}, ValueError, "one gradient row per input row"),
    ],
)
def test_validation_errors(kwargs, error, match):
    args = {"grad_fn": lambda X: X, "x": np.ones(3), "baseline": np.zeros(3), "steps": 4} | kwargs
    with pytest.raises(error, match=match):
        integrated_gradients(args.pop("grad_fn"), args.pop("x"), args.pop("baseline"), **args)
