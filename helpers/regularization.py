r"""Regularisation in NumPy: inverted dropout (forward and backward) and the L2 weight penalty.

Both fight *overfitting* (过拟合), a network that fits its training set better than it
predicts new data. Derived and measured in notebook 08 (generalisation).

**Inverted dropout** (反向缩放的 dropout). During training every activation is kept with
probability :math:`1 - p` and set to zero with probability :math:`p` (``rate``); the kept ones
are divided by :math:`1 - p`, so that each unit's expected value is unchanged and nothing needs
rescaling at test time, when dropout does nothing:

.. math::

    m_i \sim \operatorname{Bernoulli}(1 - p), \qquad
    y_i = \frac{m_i}{1 - p}\, x_i, \qquad
    \mathbb{E}[y_i] = x_i, \qquad
    \frac{\partial L}{\partial x_i} = \frac{m_i}{1 - p}\, \frac{\partial L}{\partial y_i}.

The backward pass reuses the *same* mask as the forward pass; that is what the cache is for.
This is what ``keras.layers.Dropout`` does.

**L2 penalty** (L2 正则化, weight decay 权重衰减). The course adds, to the mean data loss,

.. math::

    R(\theta) = \frac{\lambda}{2} \sum_{\ell} \lVert W_\ell \rVert_F^2
              = \frac{\lambda}{2} \sum_{\ell} \sum_{ij} (W_\ell)_{ij}^2,
    \qquad \frac{\partial R}{\partial W_\ell} = \lambda W_\ell,
    \qquad \frac{\partial R}{\partial b_\ell} = 0,

on the weights only (keys that start with ``"W"``: ``W1``, ``W2``, ...), never on the biases.
The :math:`\tfrac12` makes the gradient :math:`\lambda W`, so a gradient-descent step becomes
:math:`W \leftarrow (1 - \eta\lambda) W - \eta \nabla L`: the weights *decay*.

.. note::

    ``keras.regularizers.L2(l2)`` adds ``l2 * sum(W**2)``, with **no** :math:`\tfrac12`, so its
    gradient is ``2 * l2 * W``. The same penalty in Keras is ``keras.regularizers.L2(lam / 2)``;
    :func:`keras_l2` converts.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .activations import _as_float_array

__all__ = ["DropoutCache", "dropout_forward", "dropout_backward", "l2_penalty", "l2_gradient", "keras_l2"]


class DropoutCache(NamedTuple):
    """What :func:`dropout_backward` needs from :func:`dropout_forward`.

    Attributes
    ----------
    scaled_mask:
        ``mask / (1 - rate)``: 0 where a unit was dropped, ``1 / (1 - rate)`` where it was kept,
        the shape of the input; ``None`` when dropout did nothing (``training=False`` or
        ``rate == 0``), so the backward pass is the identity.
    rate:
        The drop probability that was used.
    """

    scaled_mask: np.ndarray | None
    rate: float


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _check_rate(rate: Any) -> float:
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, numbers.Real):
        raise TypeError(
            f"`rate` must be a number in [0, 1), the probability of dropping a unit, such as 0.5; "
            f"got {rate!r} of type {type(rate).__name__}."
        )
    value = float(rate)
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(
            f"`rate` must be in [0, 1), the probability of dropping a unit, got {rate}. A rate of 1 would "
            f"drop everything (and divide by 1 - rate = 0); a keep probability k corresponds to rate = 1 - k."
        )
    return value


def _check_l2(l2: Any) -> float:
    if isinstance(l2, (bool, np.bool_)) or not isinstance(l2, numbers.Real):
        raise TypeError(f"`l2` must be a number ≥ 0 such as 1e-4, got {l2!r} of type {type(l2).__name__}.")
    value = float(l2)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"`l2` must be a finite number ≥ 0 (0 means no penalty), such as 1e-4; got {l2}.")
    return value


def _weights(params: Any) -> dict[str, np.ndarray]:
    """``params`` as a dict of float arrays, after checking it holds at least one weight ``W...``."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"`params` must be a dict of arrays such as {{'W1': W1, 'b1': b1, ...}}, got "
            f"{type(params).__name__}. A Keras weight list converts with helpers.mlp.from_keras_weights."
        )
    arrays = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"`params` keys must be names such as 'W1' or 'b1', got the key {key!r}.")
        arrays[key] = _as_float_array(value, f"params[{key!r}]", finite=True)
    if not any(key.startswith("W") for key in arrays):
        raise ValueError(
            f"`params` has no weights: the course names them 'W1', 'W2', ... (biases 'b1', ...), but the "
            f"keys are {sorted(arrays)}. Rename the weight matrices so their names start with 'W'."
        )
    return arrays


# --------------------------------------------------------------------------------------------
# Dropout.
# --------------------------------------------------------------------------------------------


def dropout_forward(
    x: ArrayLike, rate: float, rng: np.random.Generator, *, training: bool = True
) -> tuple[np.ndarray, DropoutCache]:
    r"""Inverted dropout: zero each entry with probability ``rate``, scale the rest by ``1/(1 - rate)``.

    .. math::

        y = \frac{m}{1 - p} \odot x, \qquad m_i \sim \operatorname{Bernoulli}(1 - p)
        \text{ independently}, \qquad \mathbb{E}[y] = x.

    At test time (``training=False``), or with ``rate=0``, it returns ``x`` unchanged: the
    scaling during training already keeps the expected activation equal to ``x``. Derived in
    notebook 08 (generalisation), section 3.

    Parameters
    ----------
    x:
        Activations, any shape; typically (N, D), one row per example.
    rate:
        The probability :math:`p \in [0, 1)` of dropping an entry (Keras's ``rate``; the
        original paper's keep probability is ``1 - rate``).
    rng:
        The generator that draws the mask, e.g. ``np.random.default_rng(0)``. The same seed
        gives the same mask, which is how a finite-difference check holds the mask fixed.
    training:
        ``True`` while training; ``False`` at test time, when dropout is the identity.

    Returns
    -------
    out : numpy.ndarray
        Same shape and dtype as ``x``.
    cache : DropoutCache
        The scaled mask, for :func:`dropout_backward`.

    Examples
    --------
    >>> x = np.ones((2, 4))
    >>> out, cache = dropout_forward(x, 0.5, np.random.default_rng(0))
    >>> sorted(set(out.ravel().tolist()))   # dropped entries are 0, kept ones 1 / (1 - 0.5)
    [0.0, 2.0]
    >>> np.array_equal(dropout_forward(x, 0.5, np.random.default_rng(0), training=False)[0], x)
    True
    """
    arr = _as_float_array(x, "x")
    p = _check_rate(rate)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}. Make one with "
            f"np.random.default_rng(seed) and pass it in (the mask is drawn from it)."
        )
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"`training` must be True or False, got {training!r} of type {type(training).__name__}.")
    if not training or p == 0.0:
        return arr.copy(), DropoutCache(None, p)
    keep = rng.random(arr.shape) >= p  # P(keep) = 1 - p, as in keras/tf.nn.dropout
    scaled_mask = keep.astype(arr.dtype) / arr.dtype.type(1.0 - p)
    return arr * scaled_mask, DropoutCache(scaled_mask, p)


def dropout_backward(dout: ArrayLike, cache: DropoutCache) -> np.ndarray:
    r"""Backward pass of :func:`dropout_forward`: the upstream gradient through the same mask.

    .. math::

        \frac{\partial L}{\partial x} = \frac{m}{1 - p} \odot \frac{\partial L}{\partial y}

    with the mask :math:`m` of the forward pass (from ``cache``), never a new one. Derived in
    notebook 08 (generalisation), section 3.

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial y`, the shape of the forward pass's output.
    cache:
        The :class:`DropoutCache` that :func:`dropout_forward` returned.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, the shape of ``dout``.

    Examples
    --------
    >>> out, cache = dropout_forward(np.ones((1, 4)), 0.5, np.random.default_rng(0))
    >>> dx = dropout_backward(np.ones((1, 4)), cache)
    >>> bool(np.array_equal(dx, out))        # d(sum y)/dx is the scaled mask, as is y for x = 1
    True
    """
    if not isinstance(cache, DropoutCache):
        raise TypeError(
            f"`cache` must be the DropoutCache that dropout_forward returned, got {type(cache).__name__}. "
            f"Keep the pair: out, cache = dropout_forward(x, rate, rng); dx = dropout_backward(dout, cache)."
        )
    grad = _as_float_array(dout, "dout")
    if cache.scaled_mask is None:
        return grad.copy()
    if grad.shape != cache.scaled_mask.shape:
        raise ValueError(
            f"`dout` has shape {grad.shape}, but the forward pass's input had shape {cache.scaled_mask.shape}; "
            f"the gradient of dropout's output has its shape. Was the cache from another layer?"
        )
    return grad * cache.scaled_mask


# --------------------------------------------------------------------------------------------
# L2 penalty.
# --------------------------------------------------------------------------------------------


def l2_penalty(params: Mapping[str, ArrayLike], l2: float) -> float:
    r"""The L2 penalty :math:`\tfrac{\lambda}{2} \sum_\ell \lVert W_\ell \rVert_F^2` on the weights only.

    .. math::

        R = \frac{\lambda}{2} \sum_{\text{keys } W\ldots} \sum_{ij} W_{ij}^2

    Keys that start with ``"W"`` are weights; every other key (``b1``, ...) is a bias and is
    not penalised. Keras's ``L2(l2)`` has no :math:`\tfrac12`: ``l2_penalty(params, lam)``
    equals the sum of ``keras.regularizers.L2(lam / 2)`` over the weights (see
    :func:`keras_l2`). Derived in notebook 08 (generalisation), section 2.

    Parameters
    ----------
    params:
        A dict of arrays, e.g. ``{"W1": (D, H), "b1": (H,), "W2": (H, K), "b2": (K,)}``.
    l2:
        :math:`\lambda \ge 0`, the penalty's strength.

    Returns
    -------
    float
        The penalty, to be added to the mean data loss.

    Examples
    --------
    >>> params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([100.0, 100.0])}
    >>> l2_penalty(params, 0.1)              # 0.1 / 2 * (1 + 4); the bias does not count
    0.25
    """
    lam = _check_l2(l2)
    arrays = _weights(params)
    total = sum(float(np.sum(np.square(w, dtype=np.float64))) for key, w in arrays.items() if key.startswith("W"))
    return 0.5 * lam * total


def l2_gradient(params: Mapping[str, ArrayLike], l2: float) -> dict[str, np.ndarray]:
    r"""The gradient of :func:`l2_penalty`: :math:`\lambda W` for each weight, 0 for each bias.

    .. math::

        \frac{\partial R}{\partial W_\ell} = \lambda W_\ell, \qquad
        \frac{\partial R}{\partial b_\ell} = 0

    The result has the same keys and shapes as ``params``, so it adds key by key to the data
    loss's gradients: ``{k: grads[k] + reg[k] for k in grads}``. Derived in notebook 08
    (generalisation), section 2.

    Parameters
    ----------
    params:
        A dict of arrays; keys that start with ``"W"`` are weights.
    l2:
        :math:`\lambda \ge 0`.

    Returns
    -------
    dict[str, numpy.ndarray]
        Same keys and shapes as ``params``.

    Examples
    --------
    >>> params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([3.0, 3.0])}
    >>> grads = l2_gradient(params, 0.1)
    >>> grads["W1"].tolist(), grads["b1"].tolist()
    ([[0.1, -0.2]], [0.0, 0.0])
    """
    lam = _check_l2(l2)
    arrays = _weights(params)
    return {key: (lam * w if key.startswith("W") else np.zeros_like(w)) for key, w in arrays.items()}


def keras_l2(l2: float) -> float:
    r"""The argument of ``keras.regularizers.L2`` that gives the course's penalty with strength ``l2``.

    Keras's ``L2(c)`` adds :math:`c \sum W^2` (gradient :math:`2cW`); the course's penalty is
    :math:`\tfrac{\lambda}{2} \sum W^2` (gradient :math:`\lambda W`), so :math:`c = \lambda / 2`.
    A paper's "weight decay :math:`\lambda`" usually means the course's convention. Derived in
    notebook 08 (generalisation), section 2.

    Parameters
    ----------
    l2:
        :math:`\lambda \ge 0` in the course's convention.

    Returns
    -------
    float
        :math:`\lambda / 2`, for ``keras.regularizers.L2(keras_l2(lam))``.

    Examples
    --------
    >>> keras_l2(1e-3)
    0.0005
    """
    return _check_l2(l2) / 2.0
