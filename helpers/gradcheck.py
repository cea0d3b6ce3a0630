r"""Gradient checking: compare an analytic gradient with central finite differences.

A backward pass is easy to get subtly wrong (a missing ``1/N``, a transposed matrix, a sign).
The cure is to compare it with what the definition of the derivative gives numerically:

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

The central difference has error :math:`O(h^2)` (the one-sided one, :math:`O(h)`); with
:math:`h = 10^{-5}` in float64 the truncation error (:math:`\sim h^2`) and the rounding error
(:math:`\sim \varepsilon / h`) are both around :math:`10^{-10}`, so a right gradient agrees to
about :math:`10^{-7}` relative error or better, and a wrong one is off by far more. Derived and
used in notebook 06 (backpropagation); the activations and losses of notebooks 03–05 are tested
this way.

Typical use::

    check_gradient(lambda w: loss(w, x, y), lambda w: loss_grad(w, x, y), w0)

which returns the relative error, or raises :class:`GradientCheckError` naming the worst entry.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .activations import _as_float_array, _where

__all__ = ["GradientCheckError", "numerical_gradient", "relative_error", "check_gradient"]

_FLOOR = 1e-8
"""Denominator floor of :func:`relative_error`: entries where both values are ~0 compare absolutely."""


class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with finite differences; the message names the worst entry."""


def _check_positive(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number such as {example}, got {value!r} of type {type(value).__name__}.")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0, such as {example}; got {value}.")
    return float(value)


def _scalar_output(value: Any, where: str) -> float:
    """``f``'s return value as a float, or an error that says what ``f`` returned."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"`f` must return a number (a scalar loss), but returned {type(value).__name__}: {value!r}."
        ) from None
    if arr.ndim != 0:
        raise ValueError(
            f"`f` must return a scalar (a loss), but returned an array of shape {arr.shape}. Reduce it to "
            f"one number first, e.g. lambda x: np.sum(g(x)) or np.mean(...)."
        )
    result = float(arr)
    if not math.isfinite(result):
        raise ValueError(f"`f` returned {result} {where}; finite differences need finite values there.")
    return result


def numerical_gradient(f: Callable[[np.ndarray], Any], x: ArrayLike, *, h: float = 1e-5) -> np.ndarray:
    r"""The gradient of a scalar function ``f`` at ``x``, by central differences.

    .. math::

        g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    ``f`` is evaluated :math:`2 \cdot \text{x.size}` times, so keep ``x`` small (tens to a few
    thousand entries). Works on a float64 copy of ``x``: the caller's array is never changed.
    Each entry is perturbed in place in that copy and restored before the next, so ``f`` must
    not keep a reference to its argument. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    f:
        A function of one array (of ``x``'s shape) that returns a scalar.
    x:
        The point, any shape (a scalar too).
    h:
        The step, > 0. The default 1e-5 balances truncation and rounding error in float64.

    Returns
    -------
    numpy.ndarray
        The estimated gradient, float64, the shape of ``x``.

    Examples
    --------
    >>> numerical_gradient(lambda v: np.sum(v**2), np.array([1.0, -2.0, 3.0])).round(8)
    array([ 2., -4.,  6.])
    """
    if not callable(f):
        raise TypeError(f"`f` must be a function of one array that returns a number, got {type(f).__name__}.")
    h = _check_positive(h, "h", "1e-5")
    point = np.array(_as_float_array(x, "x", finite=True), dtype=np.float64, copy=True)
    grad = np.empty_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = _scalar_output(f(point), f"at x + h at index {index}")
        point[index] = original - h
        f_minus = _scalar_output(f(point), f"at x - h at index {index}")
        point[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def _pair(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a_arr = _as_float_array(a, "a", finite=True)
    b_arr = _as_float_array(b, "b", finite=True)
    if a_arr.shape != b_arr.shape:
        raise ValueError(
            f"`a` has shape {a_arr.shape}, `b` has shape {b_arr.shape}; a gradient and its estimate must "
            f"have the same shape (the shape of the parameter). Check for a transposed or flattened result."
        )
    if a_arr.size == 0:
        raise ValueError(f"`a` and `b` are empty (shape {a_arr.shape}); there is nothing to compare.")
    return a_arr.astype(np.float64), b_arr.astype(np.float64)


def _entrywise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.maximum(_FLOOR, np.abs(a) + np.abs(b))


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""The largest entry-wise relative error between two arrays of the same shape.

    .. math::

        \operatorname{rel}(a, b) = \max_i \frac{|a_i - b_i|}{\max\bigl(10^{-8},\ |a_i| + |b_i|\bigr)}

    This is cs231n's ``rel_error``, and one reading of the course style guide's
    ``max|a−b| / max(1e-8, |a|+|b|)``: **every entry** is compared with its own size, then the
    worst is taken. We chose it over the norm-wise reading
    :math:`\max_i |a_i - b_i| / \max(10^{-8}, \max_i (|a_i| + |b_i|))`, which lets a small
    entry be completely wrong as long as a large entry elsewhere dominates the denominator. The
    floor :math:`10^{-8}` keeps two zeros from giving 0/0; it also means entries where both
    values are below about :math:`10^{-8}` are compared on an absolute scale. The result is in
    [0, 1] (1 means opposite signs or one value zero). Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    a, b:
        Finite arrays (or numbers) of the same shape, e.g. an analytic and a numerical gradient.

    Returns
    -------
    float
        The relative error; below about 1e-7 for a correct float64 gradient.

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> relative_error([1.0, 1e-3], [1.0, 2e-3])   # the small entry is off by a factor of 2
    0.3333333333333333
    """
    a_arr, b_arr = _pair(a, b)
    return float(np.max(_entrywise(a_arr, b_arr)))


def check_gradient(
    f: Callable[[np.ndarray], Any],
    grad_f: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    *,
    h: float = 1e-5,
    tol: float = 1e-7,
) -> float:
    r"""Check an analytic gradient against :func:`numerical_gradient`; raise if they disagree.

    Computes :math:`\operatorname{rel}(\nabla f(x), g_{\text{numerical}})` with
    :func:`relative_error` and raises :class:`GradientCheckError` (an :class:`AssertionError`,
    so a test fails) when it exceeds ``tol``, naming the worst entry and both values. Derived in
    notebook 06 (backpropagation).

    Parameters
    ----------
    f:
        The scalar function, e.g. a loss as a function of one parameter array.
    grad_f:
        Its claimed gradient: a function returning an array of ``x``'s shape.
    x:
        The point to check at. Avoid kinks (``relu`` at 0), where the derivative does not exist.
    h:
        The finite-difference step (see :func:`numerical_gradient`).
    tol:
        The largest acceptable relative error. 1e-7 suits float64 functions with gradient entries
        that are not tiny; a function computed in float32 cannot do better than about 1e-3.

    Returns
    -------
    float
        The relative error, when it is at most ``tol``.

    Examples
    --------
    >>> x = np.array([1.0, -2.0])
    >>> check_gradient(lambda v: np.sum(v**3), lambda v: 3 * v**2, x) < 1e-7
    True
    >>> check_gradient(lambda v: np.sum(v**3), lambda v: v**2, x)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.gradcheck.GradientCheckError: the gradient is wrong: relative error 0.5 > tol 1e-07. Worst at index 0: ...
    """
    tol = _check_positive(tol, "tol", "1e-7")
    if not callable(grad_f):
        raise TypeError(f"`grad_f` must be a function that returns the gradient, got {type(grad_f).__name__}.")
    point = np.array(_as_float_array(x, "x", finite=True), dtype=np.float64, copy=True)
    numeric = numerical_gradient(f, point, h=h)
    analytic = np.asarray(grad_f(point.copy()))
    if analytic.shape != numeric.shape:
        raise GradientCheckError(
            f"the gradient has shape {analytic.shape}, but `x` has shape {point.shape}; a gradient has its "
            f"parameter's shape. Check for a transpose, a missing sum over the batch, or a flattened result."
        )
    try:
        analytic = analytic.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`grad_f` must return numbers, got an array of dtype {analytic.dtype}.") from None
    bad = ~np.isfinite(analytic)
    if bad.any():
        where, count = ("()", 1) if analytic.ndim == 0 else _where(bad)
        raise GradientCheckError(
            f"the gradient contains NaN or infinity at index {where} ({count} in all); look for log(0), "
            f"0/0 or an overflow in the backward pass."
        )
    errors = _entrywise(analytic, numeric)
    error = float(np.max(errors))
    if error > tol:
        worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
        where = str(int(worst[0])) if len(worst) == 1 else str(tuple(int(i) for i in worst))
        got, expected = float(analytic[worst]), float(numeric[worst])
        ratio = f" (ratio {got / expected:.4g})" if expected != 0 else ""
        raise GradientCheckError(
            f"the gradient is wrong: relative error {error:.3g} > tol {tol:.3g}. Worst at index {where}: "
            f"analytic {got:.10g}, numerical {expected:.10g}{ratio}."
        )
    return error
