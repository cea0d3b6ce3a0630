"""Tests of helpers.gradcheck: the gradient checker itself must be right, or every check built on it means nothing."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.gradcheck import GradientCheckError, check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_sum_of_squares_is_2x():
    x = np.random.default_rng(0).normal(size=(3, 4))
    grad = numerical_gradient(lambda v: np.sum(v**2), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    # Central differences are exact for a quadratic; what is left is rounding, ~eps * |f| / h ≈ 1e-10.
    np.testing.assert_allclose(grad, 2 * x, rtol=0, atol=1e-9)
    assert relative_error(grad, 2 * x) < 1e-7


def test_numerical_gradient_of_a_matrix_function():
    rng = np.random.default_rng(1)
    w, v = rng.normal(size=(2, 3)), rng.normal(size=3)
    grad = numerical_gradient(lambda m: np.sum(np.tanh(m @ v)), w)
    expected = np.outer(1 - np.tanh(w @ v) ** 2, v)  # d/dW sum(tanh(W v)) = (1 - tanh²(W v)) vᵀ
    assert relative_error(grad, expected) < 1e-7


def test_numerical_gradient_never_changes_the_callers_array():
    for x in (np.array([1.0, -2.0, 3.0]), np.array([1.5, 2.5], dtype=np.float32), np.array([[1, 2], [3, 4]])):
        before = x.copy()
        numerical_gradient(lambda v: np.sum(v**3), x)
        np.testing.assert_array_equal(x, before)
        assert x.dtype == before.dtype


def test_each_evaluation_perturbs_exactly_one_entry_and_restores_it():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    seen = []
    numerical_gradient(lambda v: seen.append(v.copy()) or 0.0, x, h=0.5)
    assert len(seen) == 2 * x.size
    for k, point in enumerate(seen):
        changed = np.argwhere(point != x)
        assert len(changed) == 1, f"evaluation {k} changed {len(changed)} entries"
        index = tuple(changed[0])
        assert point[index] - x[index] == (0.5 if k % 2 == 0 else -0.5)
        assert index == np.unravel_index(k // 2, x.shape)


def test_numerical_gradient_at_a_scalar():
    grad = numerical_gradient(lambda v: float(v) ** 3, 2.0)
    assert grad.shape == ()
    assert float(grad) == pytest.approx(12.0, rel=1e-9)


def test_check_gradient_accepts_a_right_gradient():
    x = np.random.default_rng(2).normal(size=(4,))
    error = check_gradient(lambda v: np.sum(np.sin(v) * v), lambda v: np.cos(v) * v + np.sin(v), x)
    assert isinstance(error, float)
    assert 0 <= error < 1e-7


def test_check_gradient_rejects_a_gradient_off_by_a_factor_of_2():
    x = np.array([0.5, -1.5, 2.0])
    with pytest.raises(GradientCheckError) as failure:
        check_gradient(lambda v: np.sum(v**2), lambda v: 4 * v, x)  # right is 2v
    message = str(failure.value)
    assert "relative error 0.333 > tol 1e-07" in message
    assert "Worst at index" in message and "analytic" in message and "numerical" in message
    assert "(ratio 2)" in message
    assert isinstance(failure.value, AssertionError)  # so a plain test fails on it


def test_check_gradient_names_the_worst_entry():
    def grad(v):
        g = 2 * v
        g[1, 2] += 0.1  # one wrong entry
        return g

    with pytest.raises(GradientCheckError, match=r"Worst at index \(1, 2\): analytic 1.1, numerical 1"):
        check_gradient(lambda v: np.sum(v**2), grad, np.full((2, 3), 0.5))


def test_check_gradient_rejects_wrong_shapes_and_nan():
    x = np.ones((2, 3))
    with pytest.raises(GradientCheckError, match=r"has shape \(3, 2\), but `x` has shape \(2, 3\)"):
        check_gradient(lambda v: np.sum(v), lambda v: np.ones((3, 2)), x)

    def grad_with_nan(v):
        g = np.ones_like(v)
        g[0, 1] = np.nan  # e.g. a 0/0 in the backward pass
        return g

    with pytest.raises(GradientCheckError, match=r"NaN or infinity at index \(0, 1\) \(1 in all\)"):
        check_gradient(lambda v: np.sum(v), grad_with_nan, x)


def test_relative_error():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0  # the 1e-8 floor: no 0/0
    assert relative_error([1.0], [-1.0]) == 1.0
    # Entry-wise: a small entry that is wrong by a factor of 2 is not hidden by a large one.
    assert relative_error([100.0, 1e-3], [100.0, 2e-3]) == pytest.approx(1 / 3)
    assert relative_error(1e-12, 2e-12) == pytest.approx(1e-4)  # below the floor: |a - b| / 1e-8


def test_relative_error_requires_the_same_shape():
    with pytest.raises(ValueError, match=r"`a` has shape \(2,\), `b` has shape \(3,\)"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`a` has shape \(2, 3\), `b` has shape \(3, 2\).*transposed"):
        relative_error(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="`a` contains NaN at index 0"):
        relative_error([np.nan], [1.0])
    with pytest.raises(ValueError, match="empty"):
        relative_error([], [])


def test_bad_arguments_are_refused():
    f = lambda v: np.sum(v)  # noqa: E731
    with pytest.raises(ValueError, match=r"`f` must return a scalar \(a loss\), but returned an array of shape \(2,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(ValueError, match=r"`f` returned nan at x \+ h at index \(0,\)"):
        numerical_gradient(lambda v: np.nan, np.ones(2))
    with pytest.raises(TypeError, match="`f` must return a number"):
        numerical_gradient(lambda v: "loss", np.ones(2))
    with pytest.raises(TypeError, match="`f` must be a function"):
        numerical_gradient(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"`h` must be a finite number > 0, such as 1e-5; got 0"):
        numerical_gradient(f, np.ones(2), h=0)
    with pytest.raises(ValueError, match="`h` must be a finite number > 0"):
        numerical_gradient(f, np.ones(2), h=-1e-5)
    with pytest.raises(TypeError, match="`h` must be a number"):
        numerical_gradient(f, np.ones(2), h="1e-5")
    with pytest.raises(ValueError, match="`x` contains NaN at index 1"):
        numerical_gradient(f, [1.0, np.nan])
    with pytest.raises(ValueError, match="`tol` must be a finite number > 0"):
        check_gradient(f, lambda v: np.ones_like(v), np.ones(2), tol=-1.0)
    with pytest.raises(TypeError, match="`grad_f` must be a function"):
        check_gradient(f, np.ones(2), np.ones(2))


def test_import_stays_numpy_only(run_python):
    code = "import sys, helpers.gradcheck; print(sorted({'tensorflow', 'keras', 'scipy', 'pandas'} & set(sys.modules)))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"`import helpers.gradcheck` loaded {result.stdout.strip()}"
