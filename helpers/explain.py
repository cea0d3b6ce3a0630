r"""Integrated gradients: attribute a differentiable model's output to its input features.

For a model output :math:`f : \mathbb R^D \to \mathbb R`, an input :math:`x` and a *baseline*
(基线) :math:`x'`, the integrated gradient of feature :math:`i` (Sundararajan et al., 2017) is

.. math::

    \mathrm{IG}_i(x) = (x_i - x'_i) \int_0^1
        \frac{\partial f}{\partial x_i}\bigl(x' + \alpha (x - x')\bigr)\, d\alpha

and the attributions add up to the change in output (*completeness*, 完备性):

.. math::

    \sum_i \mathrm{IG}_i(x) = f(x) - f(x')

:func:`integrated_gradients` approximates the integral with the trapezoid rule on ``steps``
intervals, so the completeness gap shrinks like :math:`1/\text{steps}^2` for a smooth f (ReLU
kinks make it :math:`1/\text{steps}`). It needs only a function that returns the gradient of
f for a batch of inputs, so it works for a NumPy model and, through a wrapper, for a Keras one.
Notebook 18, section 6. For permutation importance use scikit-learn's
``sklearn.inspection.permutation_importance``, which takes any object with a scorer.

This module imports NumPy only.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["integrated_gradients"]


def integrated_gradients(
    grad_fn: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    baseline: ArrayLike,
    *,
    steps: int = 64,
) -> np.ndarray:
    r"""Integrated-gradients attributions of ``x`` against ``baseline`` (trapezoid rule).

    .. math::

        \mathrm{IG}_i \approx (x_i - x'_i) \sum_{k=0}^{m} w_k\,
            \frac{\partial f}{\partial x_i}\Bigl(x' + \tfrac{k}{m}(x - x')\Bigr),
        \qquad w_0 = w_m = \frac{1}{2m},\ w_k = \frac{1}{m}\ (0 < k < m)

    Parameters
    ----------
    grad_fn:
        Takes an array of shape (M, D) and returns the gradient of the scalar output f for
        every row, shape (M, D).
    x:
        The input(s) to explain, shape (D,) or (N, D).
    baseline:
        The reference point x', broadcastable to ``x`` (shape (D,) or (N, D)).
    steps:
        Number of trapezoid intervals m ≥ 1 (m + 1 gradient evaluations per input).

    Returns
    -------
    numpy.ndarray
        Attributions with the shape of ``x``.

    Examples
    --------
    For :math:`f(x) = x_1^2 + 3 x_2` the gradient is :math:`(2x_1, 3)`, and from the baseline 0
    the attributions are exactly :math:`(x_1^2, 3x_2)`, summing to :math:`f(x) - f(0)`:

    >>> grad = lambda z: np.stack([2 * z[:, 0], np.full(len(z), 3.0)], axis=1)
    >>> np.round(integrated_gradients(grad, np.array([2.0, 1.0]), np.zeros(2), steps=4), 12).tolist()
    [4.0, 3.0]
    """
    if not callable(grad_fn):
        raise TypeError(f"`grad_fn` must be a function from (M, D) inputs to (M, D) gradients, got {grad_fn!r}.")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"`steps` must be a whole number ≥ 1, got {steps!r}. Example: steps=64.")
    xs = np.asarray(x, dtype=float)
    if xs.ndim not in (1, 2):
        raise ValueError(f"`x` must have shape (D,) or (N, D), got shape {xs.shape}. Reshape with x.reshape(1, -1).")
    single = xs.ndim == 1
    xs = np.atleast_2d(xs)
    try:
        base = np.broadcast_to(np.asarray(baseline, dtype=float), xs.shape)
    except ValueError:
        raise ValueError(
            f"`baseline` of shape {np.shape(baseline)} does not broadcast to `x`'s shape {xs.shape}; "
            "give one baseline of shape (D,) or one per input, shape (N, D)."
        ) from None
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(base))):
        raise ValueError("`x` or `baseline` contains NaN or infinity.")
    n, d = xs.shape
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    delta = xs - base
    path = base[None, :, :] + alphas[:, None, None] * delta[None, :, :]  # (m + 1, N, D)
    grads = np.asarray(grad_fn(path.reshape(-1, d)), dtype=float)
    if grads.shape != (path.shape[0] * n, d):
        raise ValueError(
            f"`grad_fn` returned shape {grads.shape} for inputs of shape {(path.shape[0] * n, d)}; "
            "it must return one gradient row per input row."
        )
    avg = np.tensordot(weights, grads.reshape(steps + 1, n, d), axes=1)  # (N, D)
    out = delta * avg
    return out[0] if single else out
