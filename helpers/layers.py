r"""Layers as forward/backward pairs that share a cache, in NumPy (the cs231n layout).

Each layer is two functions. The forward pass computes the output and returns a *cache*: the
arrays the backward pass will need. The backward pass takes the upstream gradient ``dout``
(:math:`\partial L / \partial \text{out}`, the shape of ``out``) and that cache, and returns the
gradient with respect to each input::

    out, cache = affine_forward(x, W, b)
    ...                                   # the rest of the network, then the loss
    dx, dW, db = affine_backward(dout, cache)

Row convention: a batch ``x`` has shape (N, D), one example per row; ``W`` has shape
(D_in, D_out) and ``b`` shape (D_out,), so :math:`z = xW + b` as in Keras's ``Dense``. The
chain rule for each pair is derived in notebook 06 (backpropagation); :mod:`helpers.mlp` stacks
these layers into a multi-layer perceptron.

Dtypes are preserved: float32 in gives float32 out (the computations stay in float32);
integer or boolean input becomes float64. The checks here are cheap (shapes and dtypes) so that
the layers stay fast inside a training loop; :func:`softmax_cross_entropy` also refuses NaN,
infinite logits and out-of-range labels. Conventions at kinks: relu′(0) = 0, as in TensorFlow
and JAX.

This module imports only NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .activations import _as_float_array

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "softmax_cross_entropy",
]

AffineCache = tuple[np.ndarray, np.ndarray]
"""What :func:`affine_forward` keeps for the backward pass: ``(x, W)``."""


# --------------------------------------------------------------------------------------------
# Input checks: shapes and dtypes only (O(1)), so they cost nothing next to a matrix product.
# --------------------------------------------------------------------------------------------


def _float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float ndarray without copying float input; ints and bools become float64."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be an array of numbers, got the string {value!r}.")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"`{name}` could not be turned into an array ({err}). Check that every row has the same length."
        ) from None
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"`{name}` must hold real numbers, got an array of dtype {arr.dtype}. "
            f"Convert it first, e.g. np.asarray({name}, dtype=np.float64)."
        )
    return arr


def _check_ndim(arr: np.ndarray, ndim: int, name: str, shape_text: str, fix: str) -> None:
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D of shape {shape_text}, got shape {arr.shape}. {fix}")


def _check_same_shape(dout: np.ndarray, expected: tuple[int, ...], what: str) -> None:
    if dout.shape != expected:
        raise ValueError(
            f"`dout` must have the shape of the forward output {what}, {expected}, got {dout.shape}. "
            f"Pass the gradient of the loss with respect to this layer's output, and the cache from "
            f"the same forward call."
        )


def _check_cache(cache: Any, size: int, producer: str) -> tuple[Any, ...]:
    if not isinstance(cache, tuple) or len(cache) != size:
        raise TypeError(
            f"`cache` must be the cache returned by {producer} (a tuple of {size}), got "
            f"{type(cache).__name__}{'' if not isinstance(cache, tuple) else f' of length {len(cache)}'}. "
            f"Call the matching forward function and pass its second return value."
        )
    return cache


# --------------------------------------------------------------------------------------------
# Affine (fully connected, Keras's Dense without activation).
# --------------------------------------------------------------------------------------------


def affine_forward(x: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, AffineCache]:
    r"""Forward pass of an affine (fully connected) layer.

    .. math::

        z = x W + b, \qquad z_{nj} = \sum_i x_{ni} W_{ij} + b_j

    ``b`` is broadcast over the rows: every example gets the same bias. This is Keras's
    ``Dense`` layer without its activation. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    x:
        Inputs, shape (N, D_in): one example per row.
    W:
        Weights, shape (D_in, D_out).
    b:
        Biases, shape (D_out,).

    Returns
    -------
    out : numpy.ndarray
        :math:`z`, shape (N, D_out), in the common float dtype of the inputs.
    cache : tuple
        ``(x, W)``, for :func:`affine_backward`.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0]])
    >>> W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]])
    >>> out, cache = affine_forward(x, W, np.array([0.0, 0.0, 1.0]))
    >>> out
    array([[2., 2., 0.]])
    """
    x = _float_array(x, "x")
    W = _float_array(W, "W")
    b = _float_array(b, "b")
    _check_ndim(x, 2, "x", "(N, D_in)", "For a single example use x.reshape(1, -1); for images, x.reshape(len(x), -1).")
    _check_ndim(W, 2, "W", "(D_in, D_out)", "A layer's weight matrix has one row per input feature.")
    _check_ndim(b, 1, "b", "(D_out,)", "Use one bias per output unit, e.g. np.zeros(D_out).")
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"`x` has {x.shape[1]} features (shape {x.shape}) but `W` expects {W.shape[0]} (shape {W.shape}): "
            f"x @ W needs x.shape[1] == W.shape[0]. Is W transposed (it must be (D_in, D_out), as in Keras)?"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"`b` has shape {b.shape} but `W` has {W.shape[1]} output units (shape {W.shape}); "
            f"`b` must have shape ({W.shape[1]},)."
        )
    out = x @ W  # (N, D_in) @ (D_in, D_out) -> (N, D_out)
    out += b  # broadcast over the rows, in place: no second (N, D_out) temporary
    return out, (x, W)


def affine_backward(
    dout: ArrayLike, cache: AffineCache, *, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`affine_forward`.

    With :math:`\delta = \partial L / \partial z` (``dout``), the chain rule through
    :math:`z = xW + b` gives

    .. math::

        \frac{\partial L}{\partial x} = \delta\, W^\top, \qquad
        \frac{\partial L}{\partial W} = x^\top \delta, \qquad
        \frac{\partial L}{\partial b} = \sum_{n} \delta_{n,:}

    Each gradient has the shape of what it is the gradient of, which is a quick check on the
    order of the factors: (N, D_out)·(D_out, D_in), (D_in, N)·(N, D_out), and a sum over the
    batch. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial z`, shape (N, D_out).
    cache:
        The cache from :func:`affine_forward`.
    need_dx:
        Whether to compute ``dx``. The first layer of a network does not need it (nothing
        upstream has parameters), and skipping it saves one matrix product; ``dx`` is then
        ``None``.

    Returns
    -------
    dx : numpy.ndarray or None
        Shape (N, D_in).
    dW : numpy.ndarray
        Shape (D_in, D_out).
    db : numpy.ndarray
        Shape (D_out,).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> out, cache = affine_forward(x, np.eye(2), np.zeros(2))
    >>> dx, dW, db = affine_backward(np.ones((2, 2)), cache)
    >>> dW
    array([[4., 4.],
           [6., 6.]])
    >>> db
    array([2., 2.])
    """
    x, W = _check_cache(cache, 2, "affine_forward")
    dout = _float_array(dout, "dout")
    _check_same_shape(dout, (x.shape[0], W.shape[1]), "z = x @ W + b")
    dx = dout @ W.T if need_dx else None  # (N, D_out) @ (D_out, D_in)
    dW = x.T @ dout  # (D_in, N) @ (N, D_out)
    db = dout.sum(axis=0)  # one bias, shared by every row: sum over the batch
    return dx, dW, db


# --------------------------------------------------------------------------------------------
# Element-wise activations.
# --------------------------------------------------------------------------------------------


def relu_forward(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Forward pass of the ReLU.

    .. math::

        a = \max(z, 0)

    Derived in notebook 03 (neurons and activations); used in notebook 06 (backpropagation).

    Parameters
    ----------
    x:
        Pre-activations, any shape.

    Returns
    -------
    out : numpy.ndarray
        Same shape and dtype as ``x``.
    cache : numpy.ndarray
        ``x`` itself, for :func:`relu_backward`.

    Examples
    --------
    >>> out, cache = relu_forward(np.array([-1.0, 0.0, 2.0]))
    >>> out
    array([0., 0., 2.])
    """
    x = _float_array(x, "x")
    return np.maximum(x, 0), x


def relu_backward(dout: ArrayLike, cache: np.ndarray) -> np.ndarray:
    r"""Backward pass of :func:`relu_forward`, with the convention relu′(0) = 0.

    .. math::

        \frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \odot \mathbb{1}[z > 0]

    The gradient passes through where the unit was active and is 0 elsewhere (at :math:`z = 0`
    too, as in TensorFlow and JAX). Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial a`, the shape of ``x``.
    cache:
        The cache from :func:`relu_forward` (the pre-activation ``x``).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial z`, the shape of ``x``.

    Examples
    --------
    >>> _, cache = relu_forward(np.array([-1.0, 0.0, 2.0]))
    >>> relu_backward(np.array([5.0, 5.0, 5.0]), cache)
    array([0., 0., 5.])
    """
    if not isinstance(cache, np.ndarray):
        raise TypeError(
            f"`cache` must be the array returned by relu_forward (its input x), got {type(cache).__name__}."
        )
    dout = _float_array(dout, "dout")
    _check_same_shape(dout, cache.shape, "a = relu(z)")
    # Multiplying by the boolean mask keeps dout's dtype and is ~10x faster than np.where(mask, dout, 0).
    return dout * (cache > 0)


def sigmoid_forward(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Forward pass of the logistic sigmoid (computed without overflow, see :func:`helpers.activations.sigmoid`).

    .. math::

        a = \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    x:
        Pre-activations, any shape.

    Returns
    -------
    out : numpy.ndarray
        :math:`\sigma(x)`, same shape and dtype.
    cache : numpy.ndarray
        ``out`` itself: the derivative is a function of the output.

    Examples
    --------
    >>> out, cache = sigmoid_forward(np.array([0.0, 1000.0]))
    >>> out
    array([0.5, 1. ])
    """
    # helpers.activations.sigmoid, without its NaN scan: two branches, so exp never overflows.
    x = _float_array(x, "x")
    e = np.exp(-np.abs(x))  # in (0, 1]
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return out, out


def sigmoid_backward(dout: ArrayLike, cache: np.ndarray) -> np.ndarray:
    r"""Backward pass of :func:`sigmoid_forward`.

    .. math::

        \frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \odot a\,(1 - a),
        \qquad a = \sigma(z)

    The derivative is at most 1/4 (at :math:`z = 0`), which is why deep sigmoid stacks pass
    back vanishing gradients (notebook 03). This is the textbook form, in terms of the output:
    where :math:`a` rounds near 1 its absolute error is ~1e-16 (float64), so a derivative of
    ~1e-13 is only good to a few digits; :func:`helpers.activations.sigmoid_derivative` keeps
    full relative precision there. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial a`, the shape of ``a``.
    cache:
        The cache from :func:`sigmoid_forward` (the output ``a``).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial z`, the shape of ``a``.

    Examples
    --------
    >>> _, cache = sigmoid_forward(np.array([0.0]))
    >>> sigmoid_backward(np.array([1.0]), cache)
    array([0.25])
    """
    if not isinstance(cache, np.ndarray):
        raise TypeError(
            f"`cache` must be the array returned by sigmoid_forward (its output), got {type(cache).__name__}."
        )
    dout = _float_array(dout, "dout")
    _check_same_shape(dout, cache.shape, "a = sigmoid(z)")
    return dout * cache * (1 - cache)


def tanh_forward(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Forward pass of the hyperbolic tangent.

    .. math::

        a = \tanh(z)

    Parameters
    ----------
    x:
        Pre-activations, any shape.

    Returns
    -------
    out : numpy.ndarray
        :math:`\tanh(x)`, same shape and dtype.
    cache : numpy.ndarray
        ``out`` itself.

    Examples
    --------
    >>> out, cache = tanh_forward(np.array([0.0, 1000.0]))
    >>> out
    array([0., 1.])
    """
    x = _float_array(x, "x")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: ArrayLike, cache: np.ndarray) -> np.ndarray:
    r"""Backward pass of :func:`tanh_forward`.

    .. math::

        \frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \odot (1 - a^2),
        \qquad a = \tanh(z)

    The textbook form, in terms of the output; like :func:`sigmoid_backward` it is accurate to
    ~1e-16 absolute, not relative, where :math:`|a|` rounds near 1. Derived in notebook 06
    (backpropagation).

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial a`, the shape of ``a``.
    cache:
        The cache from :func:`tanh_forward` (the output ``a``).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial z`, the shape of ``a``.

    Examples
    --------
    >>> _, cache = tanh_forward(np.array([0.0]))
    >>> tanh_backward(np.array([2.0]), cache)
    array([2.])
    """
    if not isinstance(cache, np.ndarray):
        raise TypeError(f"`cache` must be the array returned by tanh_forward (its output), got {type(cache).__name__}.")
    dout = _float_array(dout, "dout")
    _check_same_shape(dout, cache.shape, "a = tanh(z)")
    return dout * (1 - cache * cache)


# --------------------------------------------------------------------------------------------
# The loss: softmax + cross-entropy on integer labels, fused.
# --------------------------------------------------------------------------------------------


def _check_labels(y: Any, n: int, k: int) -> np.ndarray:
    y_arr = np.asarray(y)
    if y_arr.dtype.kind not in "iu":
        if y_arr.ndim == 2:
            hint = " For one-hot rows Y, pass Y.argmax(axis=1)."
        elif y_arr.dtype.kind == "f" and y_arr.size and np.all(y_arr == np.round(y_arr)):
            hint = " They look like whole numbers: pass y.astype(int)."
        else:
            hint = ""
        raise TypeError(f"`y` must hold integer class labels in [0, {k}), got dtype {y_arr.dtype}.{hint}")
    if y_arr.ndim != 1 or y_arr.shape[0] != n:
        extra = " For one-hot rows Y, pass Y.argmax(axis=1)." if y_arr.ndim == 2 else ""
        raise ValueError(
            f"`y` must have shape ({n},), one integer label per row of `logits`, got shape {y_arr.shape}.{extra}"
        )
    if n and (y_arr.min() < 0 or y_arr.max() >= k):
        bad = int(np.argmax((y_arr < 0) | (y_arr >= k)))
        raise ValueError(
            f"`y` must hold labels in [0, {k}) for {k} classes, but y[{bad}] = {int(y_arr[bad])}. "
            f"Labels are 0-based class indices; does `logits` have one column per class?"
        )
    return y_arr


def softmax_cross_entropy(logits: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
    r"""Mean softmax cross-entropy over a batch, and its gradient with respect to the logits.

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \log \operatorname{softmax}(z_n)_{y_n}, \qquad
        \frac{\partial L}{\partial z} = \frac{1}{N}\bigl(\operatorname{softmax}(z) - \operatorname{onehot}(y)\bigr)

    The log-probabilities are computed as :func:`helpers.activations.log_softmax` computes them
    (log-sum-exp, so large logits neither overflow nor give ``log(0)``; the same bits). The
    gradient is the one derived in notebook 05 (cross-entropy); this is Keras's
    ``SparseCategoricalCrossentropy(from_logits=True)`` with its default mean over the batch.

    Parameters
    ----------
    logits:
        :math:`z`, shape (N, K): one row of K class scores per example, finite.
    y:
        Integer class labels, shape (N,), each in [0, K).

    Returns
    -------
    loss : float
        :math:`L`, the mean over the batch.
    dlogits : numpy.ndarray
        :math:`\partial L / \partial z`, shape (N, K), in the dtype of ``logits``.

    Examples
    --------
    >>> loss, dlogits = softmax_cross_entropy(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    >>> round(loss, 4)   # log 2
    0.6931
    >>> dlogits
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """
    z = _as_float_array(logits, "logits", finite=True)
    _check_ndim(z, 2, "logits", "(N, K)", "For one example use logits.reshape(1, -1).")
    n, k = z.shape
    if n == 0 or k == 0:
        raise ValueError(f"`logits` has shape {z.shape}; it needs at least one example and one class.")
    labels = _check_labels(y, n, k)
    rows = np.arange(n)
    # log softmax by log-sum-exp, as helpers.activations.log_softmax computes it (same bits), written
    # out here so that a batch is not checked twice in a training loop: z is finite (checked above).
    shifted = z - z.max(axis=1, keepdims=True)  # every entry <= 0: exp cannot overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, K)
    loss = -float(log_p[rows, labels].sum(dtype=np.float64)) / n  # the mean, accumulated in float64
    dlogits = np.exp(log_p)  # softmax(z)
    dlogits[rows, labels] -= 1  # - onehot(y)
    dlogits /= n  # the mean over the batch
    return loss, dlogits
