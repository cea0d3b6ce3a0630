r"""A multi-layer perceptron (MLP) in NumPy, built from the layers of :mod:`helpers.layers`.

The network is a stack of affine layers with an activation between them and none after the
last one, which outputs logits:

.. math::

    a_0 = X, \qquad z_\ell = a_{\ell-1} W_\ell + b_\ell, \qquad a_\ell = f(z_\ell)
    \quad (\ell < L), \qquad \text{logits} = z_L

Backpropagation runs the same stack in reverse, starting from
:math:`\delta_L = \partial L / \partial z_L` (from :func:`helpers.layers.softmax_cross_entropy`):

.. math::

    \frac{\partial L}{\partial W_\ell} = a_{\ell-1}^\top \delta_\ell, \qquad
    \frac{\partial L}{\partial b_\ell} = \textstyle\sum_n \delta_{\ell, n}, \qquad
    \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot f'(z_{\ell-1})

Parameters are a plain dict ``{"W1": (D, H1), "b1": (H1,), "W2": (H1, H2), ...}``, layers
numbered from 1, in the layout of Keras's ``Dense`` (kernel (D_in, D_out), bias (D_out,)), so
:func:`to_keras_weights` and :func:`from_keras_weights` convert to and from
``keras.Sequential([Dense(...), ...]).get_weights()`` without transposes. Derived in notebook 06
(backpropagation); used for training in notebooks 07 (optimizers) and 08 (generalisation).

Dtypes: the network computes in the parameters' dtype (``init_mlp(..., dtype=np.float32)`` for
speed, float64 for gradient checks); ``X`` is cast to it, as Keras casts inputs to a layer's
dtype. This module imports only NumPy.

Speed: a training step is a handful of matrix products plus cheap element-wise work; in float32
it runs within ~1.15x (one BLAS thread) to ~1.4x (two) of its matrix products alone
(``benchmarks/mlp_vs_keras.py``, 2-core CPU). The products of a small MLP are small, and a
multi-threaded BLAS waits for its slowest thread at each one: on a machine whose cores are busy
with other work, ``threadpoolctl.threadpool_limits(1, "blas")`` can make training several times
faster.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import layers

__all__ = [
    "ACTIVATIONS",
    "init_mlp",
    "mlp_forward",
    "mlp_backward",
    "mlp_loss_and_grads",
    "mlp_predict",
    "to_keras_weights",
    "from_keras_weights",
    "iterate_minibatches",
]

ACTIVATIONS = {
    "relu": (layers.relu_forward, layers.relu_backward),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
}
"""The hidden-layer activations: name -> (forward, backward) from :mod:`helpers.layers`."""

Params = dict[str, np.ndarray]
# One entry per layer: (affine cache, activation name or None for the output layer, activation cache or None).
LayerCache = tuple[layers.AffineCache, str | None, np.ndarray | None]

_KEY = re.compile(r"([Wb])([1-9][0-9]*)")


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _check_activation(activation: Any) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"`activation` must be one of {sorted(ACTIVATIONS)}, got {activation!r}. "
            f"(The output layer has no activation: the network returns logits.)"
        )
    return activation


def _n_layers(params: Any) -> int:
    """Check that ``params`` is W1, b1, ..., WL, bL with chaining shapes; return L."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"`params` must be a dict such as {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}} (from init_mlp), "
            f"got {type(params).__name__}. For a list of Keras weights, use from_keras_weights(weights)."
        )
    n = len(params) // 2
    if n == 0 or len(params) % 2 or params.keys() != _expected_keys(n):
        n = _check_keys(params)  # raises an error that says what is missing or extra
    previous = None
    for i in range(1, n + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if not isinstance(W, np.ndarray) or W.ndim != 2 or W.dtype.kind != "f":
            raise ValueError(
                f"`params['W{i}']` must be a 2-D float array of shape (D_in, D_out), got "
                f"{getattr(W, 'shape', type(W).__name__)} of dtype {getattr(W, 'dtype', '-')}."
            )
        if not isinstance(b, np.ndarray) or b.shape != (W.shape[1],) or b.dtype.kind != "f":
            raise ValueError(
                f"`params['b{i}']` must be a float array of shape ({W.shape[1]},) to match W{i} of shape {W.shape}, "
                f"got {getattr(b, 'shape', type(b).__name__)} of dtype {getattr(b, 'dtype', '-')}."
            )
        if previous is not None and W.shape[0] != previous:
            raise ValueError(
                f"`params['W{i}']` has shape {W.shape}, but layer {i - 1} has {previous} outputs: W{i} must have "
                f"{previous} rows. The layers do not chain."
            )
        previous = W.shape[1]
    return n


@functools.lru_cache(maxsize=16)
def _expected_keys(n: int) -> frozenset[str]:
    """{'W1', 'b1', ..., 'Wn', 'bn'}."""
    return frozenset(f"{p}{i}" for i in range(1, n + 1) for p in "Wb")


def _check_keys(params: Mapping[str, Any]) -> int:
    """The slow path of :func:`_n_layers`: check the keys of ``params`` one by one; return L."""
    numbers_seen = set()
    for key in params:
        match = _KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None:
            raise ValueError(
                f"`params` has the key {key!r}; expected only 'W1', 'b1', 'W2', 'b2', ... (layers numbered from 1)."
            )
        numbers_seen.add(int(match.group(2)))
    n = len(numbers_seen)
    if n == 0:
        raise ValueError("`params` is empty; create it with init_mlp(sizes, rng).")
    expected = _expected_keys(n)
    missing = sorted(expected - set(params), key=lambda s: (int(s[1:]), s[0]))
    if missing or numbers_seen != set(range(1, n + 1)):
        missing = missing or sorted(set(params) - expected)
        raise ValueError(
            f"`params` must hold W1, b1, ..., W{n}, b{n} (layers numbered 1, 2, ... without gaps); "
            f"got keys {sorted(params)}, missing or extra: {missing}."
        )
    return n


def _dtype(params: Mapping[str, np.ndarray]) -> np.dtype:
    return np.result_type(*params.values())


def _inputs(X: Any, params: Mapping[str, np.ndarray], name: str = "X") -> np.ndarray:
    """``X`` as a finite 2-D array in the parameters' dtype, with W1's number of columns."""
    X_arr = layers._float_array(X, name)
    if X_arr.ndim != 2:
        fix = " For one example use X.reshape(1, -1); for images, X.reshape(len(X), -1)." if X_arr.ndim else ""
        raise ValueError(f"`{name}` must be 2-D of shape (N, D), one example per row, got shape {X_arr.shape}.{fix}")
    d = params["W1"].shape[0]
    if X_arr.shape[1] != d:
        raise ValueError(
            f"`{name}` has {X_arr.shape[1]} features (shape {X_arr.shape}), but W1 has shape {params['W1'].shape}: "
            f"the network expects {d} features per row."
        )
    X_arr = X_arr.astype(_dtype(params), copy=False)
    if not np.isfinite(X_arr).all():
        bad = np.argwhere(~np.isfinite(X_arr))[0]
        raise ValueError(
            f"`{name}` contains {X_arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}; inputs must be finite."
        )
    return X_arr


def _check_generator(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}. "
            f"Create one with np.random.default_rng(seed)."
        )
    return rng


def _check_count(value: Any, name: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer such as {example}, got {value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"`{name}` must be >= 1, such as {example}; got {value}.")
    return int(value)


# --------------------------------------------------------------------------------------------
# Parameters.
# --------------------------------------------------------------------------------------------


def init_mlp(
    sizes: Sequence[int], rng: np.random.Generator, *, init: str = "he", dtype: DTypeLike = np.float64
) -> Params:
    r"""Random initial parameters for an MLP with layer widths ``sizes``.

    ``sizes = [D, H1, ..., K]`` gives ``len(sizes) - 1`` affine layers. Biases start at 0;
    weights are random with a scale that keeps activations from growing or shrinking layer by
    layer:

    .. math::

        \text{he:}\ W_{ij} \sim \mathcal{N}\!\left(0, \frac{2}{D_\text{in}}\right), \qquad
        \text{glorot:}\ W_{ij} \sim \mathcal{U}\!\left(-\ell, \ell\right),\
        \ell = \sqrt{\frac{6}{D_\text{in} + D_\text{out}}}

    He (for ReLU: half the units are 0, hence the 2) is a plain normal, where Keras's
    ``he_normal`` truncates at two standard deviations; Glorot uniform is Keras's default for
    ``Dense``, with the same limit. Discussed in notebook 06 (backpropagation).

    Parameters
    ----------
    sizes:
        Layer widths, at least two positive integers: input features, hidden widths, classes.
    rng:
        A :class:`numpy.random.Generator`, e.g. ``np.random.default_rng(seed)``.
    init:
        ``"he"`` or ``"glorot"``.
    dtype:
        A float dtype for every array, e.g. ``np.float32``.

    Returns
    -------
    dict
        ``{"W1": (sizes[0], sizes[1]), "b1": (sizes[1],), ...}``.

    Examples
    --------
    >>> params = init_mlp([4, 3, 2], np.random.default_rng(0))
    >>> {k: v.shape for k, v in params.items()}
    {'W1': (4, 3), 'b1': (3,), 'W2': (3, 2), 'b2': (2,)}
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"`sizes` must be a list of layer widths such as [784, 128, 10], got {sizes!r}.")
    if len(sizes) < 2:
        raise ValueError(f"`sizes` needs at least 2 widths (inputs and outputs), got {list(sizes)}.")
    widths = [_check_count(s, f"sizes[{i}]", "128") for i, s in enumerate(sizes)]
    _check_generator(rng)
    if init not in ("he", "glorot"):
        raise ValueError(f"`init` must be 'he' or 'glorot', got {init!r}.")
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"`dtype` must be a float dtype such as np.float32, got {dtype!r}.") from None
    if dt.kind != "f":
        raise TypeError(f"`dtype` must be a float dtype such as np.float32 or np.float64, got {dt}.")
    params: Params = {}
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), start=1):
        if init == "he":
            W = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        else:
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        params[f"W{i}"] = W.astype(dt)
        params[f"b{i}"] = np.zeros(fan_out, dtype=dt)
    return params


# --------------------------------------------------------------------------------------------
# Forward and backward.
# --------------------------------------------------------------------------------------------


def mlp_forward(
    params: Mapping[str, np.ndarray], X: ArrayLike, *, activation: str = "relu"
) -> tuple[np.ndarray, list[LayerCache]]:
    r"""Forward pass of the MLP: logits and the caches for :func:`mlp_backward`.

    .. math::

        a_0 = X, \qquad z_\ell = a_{\ell-1} W_\ell + b_\ell, \qquad a_\ell = f(z_\ell)\ (\ell < L),
        \qquad \text{logits} = z_L

    The same as ``keras.Sequential([Dense(H1, activation), ..., Dense(K)])`` with the weights
    of :func:`to_keras_weights`. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    params:
        ``{"W1": (D, H1), "b1": (H1,), ...}``, e.g. from :func:`init_mlp`.
    X:
        Inputs, shape (N, D), finite; cast to the parameters' dtype.
    activation:
        The hidden layers' activation: ``"relu"``, ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    logits : numpy.ndarray
        Shape (N, K).
    caches : list
        One entry per layer, for :func:`mlp_backward`.

    Examples
    --------
    >>> params = init_mlp([3, 5, 2], np.random.default_rng(0))
    >>> logits, caches = mlp_forward(params, np.ones((4, 3)))
    >>> logits.shape, len(caches)
    ((4, 2), 2)
    """
    n_layers = _n_layers(params)
    act_forward, _ = ACTIVATIONS[_check_activation(activation)]
    a = _inputs(X, params)
    caches: list[LayerCache] = []
    for i in range(1, n_layers + 1):
        z, affine_cache = layers.affine_forward(a, params[f"W{i}"], params[f"b{i}"])
        if i < n_layers:
            a, act_cache = act_forward(z)
            caches.append((affine_cache, activation, act_cache))
        else:
            caches.append((affine_cache, None, None))
            a = z
    return a, caches


def mlp_backward(dlogits: ArrayLike, caches: Sequence[LayerCache]) -> Params:
    r"""Backward pass of the MLP: the gradient of the loss with respect to every parameter.

    .. math::

        \frac{\partial L}{\partial W_\ell} = a_{\ell-1}^\top \delta_\ell, \qquad
        \frac{\partial L}{\partial b_\ell} = \textstyle\sum_n \delta_{\ell, n}, \qquad
        \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot f'(z_{\ell-1}),
        \qquad \delta_L = \frac{\partial L}{\partial\,\text{logits}}

    The gradient with respect to ``X`` is not computed (the first layer's ``need_dx=False``):
    nothing upstream of ``X`` has parameters. Derived in notebook 06 (backpropagation).

    Parameters
    ----------
    dlogits:
        :math:`\partial L / \partial\,\text{logits}`, shape (N, K), e.g. from
        :func:`helpers.layers.softmax_cross_entropy`.
    caches:
        The caches from :func:`mlp_forward`.

    Returns
    -------
    dict
        ``{"W1": dW1, "b1": db1, ...}``: the keys and shapes of ``params``.

    Examples
    --------
    >>> params = init_mlp([3, 5, 2], np.random.default_rng(0))
    >>> logits, caches = mlp_forward(params, np.ones((4, 3)))
    >>> grads = mlp_backward(np.ones_like(logits), caches)
    >>> sorted(grads) == sorted(params), grads["W1"].shape
    (True, (3, 5))
    """
    if not isinstance(caches, Sequence) or not caches:
        raise TypeError(
            f"`caches` must be the list returned by mlp_forward (second return value), got {type(caches).__name__}."
        )
    grads: Params = {}
    delta = dlogits  # δ_L = ∂L/∂z_L, shape (N, K)
    for i in range(len(caches), 0, -1):
        entry = caches[i - 1]
        if not isinstance(entry, tuple) or len(entry) != 3:
            raise TypeError("`caches` must be the list returned by mlp_forward; one of its entries is not.")
        affine_cache, _, _ = entry
        da, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(delta, affine_cache, need_dx=i > 1)
        if i > 1:  # δ_{i-1} = (δ_i W_iᵀ) ⊙ f'(z_{i-1}): through the activation of the layer below
            _, act_name, act_cache = caches[i - 2]
            _, act_backward = ACTIVATIONS[act_name]
            delta = act_backward(da, act_cache)
    return {key: grads[key] for key in sorted(grads, key=lambda k: (int(k[1:]), k[0] != "W"))}


def mlp_loss_and_grads(
    params: Mapping[str, np.ndarray],
    X: ArrayLike,
    y: ArrayLike,
    *,
    activation: str = "relu",
    l2: float = 0.0,
) -> tuple[float, Params]:
    r"""Mean softmax cross-entropy of the MLP on ``(X, y)``, plus optional L2, and its gradients.

    .. math::

        J = \frac{1}{N} \sum_n -\log \operatorname{softmax}(\text{logits}_n)_{y_n}
            + \frac{\lambda}{2} \sum_\ell \lVert W_\ell \rVert^2, \qquad
        \frac{\partial J}{\partial W_\ell} = \frac{\partial L}{\partial W_\ell} + \lambda W_\ell

    The penalty is on the weights only, not the biases, and is not divided by N. (Keras's
    ``regularizers.L2(l)`` adds :math:`l \sum W^2`, so it equals ``l2 = 2 * l``.) Forward,
    :func:`helpers.layers.softmax_cross_entropy`, then :func:`mlp_backward`. Derived in notebook
    06 (backpropagation); L2 in notebook 08 (generalisation).

    Parameters
    ----------
    params:
        ``{"W1": ..., "b1": ..., ...}``.
    X:
        Inputs, shape (N, D).
    y:
        Integer class labels, shape (N,), in [0, K).
    activation:
        ``"relu"``, ``"sigmoid"`` or ``"tanh"``.
    l2:
        :math:`\lambda \ge 0`.

    Returns
    -------
    loss : float
        :math:`J`.
    grads : dict
        The keys and shapes of ``params``.

    Examples
    --------
    >>> params = init_mlp([3, 5, 2], np.random.default_rng(0))
    >>> loss, grads = mlp_loss_and_grads(params, np.ones((4, 3)), np.array([0, 1, 1, 0]), l2=0.1)
    >>> loss > 0, grads["b2"].shape
    (True, (2,))
    """
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not math.isfinite(l2) or l2 < 0:
        raise ValueError(f"`l2` must be a finite number >= 0 (the L2 strength λ, e.g. 1e-4), got {l2!r}.")
    logits, caches = mlp_forward(params, X, activation=activation)
    loss, dlogits = layers.softmax_cross_entropy(logits, y)
    grads = mlp_backward(dlogits, caches)
    if l2:
        for key in grads:
            if key.startswith("W"):
                W = params[key]
                loss += 0.5 * l2 * float(np.sum(W * W, dtype=np.float64))
                grads[key] += l2 * W
    return loss, grads


def mlp_predict(params: Mapping[str, np.ndarray], X: ArrayLike, *, activation: str = "relu") -> np.ndarray:
    r"""The logits of the MLP for ``X`` (no caches kept): the forward pass of :func:`mlp_forward`.

    Class predictions are ``mlp_predict(params, X).argmax(axis=1)``; probabilities are
    :func:`helpers.activations.softmax` of the logits.

    Parameters
    ----------
    params:
        ``{"W1": ..., "b1": ..., ...}``.
    X:
        Inputs, shape (N, D).
    activation:
        ``"relu"``, ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Logits, shape (N, K).

    Examples
    --------
    >>> params = init_mlp([3, 5, 2], np.random.default_rng(0))
    >>> mlp_predict(params, np.ones((4, 3))).shape
    (4, 2)
    """
    n_layers = _n_layers(params)
    act_forward, _ = ACTIVATIONS[_check_activation(activation)]
    a = _inputs(X, params)
    for i in range(1, n_layers + 1):
        a, _ = layers.affine_forward(a, params[f"W{i}"], params[f"b{i}"])
        if i < n_layers:
            a, _ = act_forward(a)
    return a


# --------------------------------------------------------------------------------------------
# Keras weights.
# --------------------------------------------------------------------------------------------


def to_keras_weights(params: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The parameters as ``[W1, b1, W2, b2, ...]``, the order of ``keras.Sequential([Dense, ...]).get_weights()``.

    Pass the result to ``model.set_weights(...)`` of a Sequential model of ``Dense`` layers with
    the same widths (the output layer without activation). No transposes are needed: our ``W``
    is Keras's kernel, shape (D_in, D_out). The arrays are copies.

    Examples
    --------
    >>> params = init_mlp([3, 5, 2], np.random.default_rng(0))
    >>> [w.shape for w in to_keras_weights(params)]
    [(3, 5), (5,), (5, 2), (2,)]
    """
    n = _n_layers(params)
    return [np.array(params[f"{p}{i}"], copy=True) for i in range(1, n + 1) for p in "Wb"]


def from_keras_weights(weights: Sequence[ArrayLike]) -> Params:
    """Parameters from ``model.get_weights()`` of a Sequential model of ``Dense`` layers.

    The inverse of :func:`to_keras_weights`: ``[kernel1, bias1, kernel2, bias2, ...]`` becomes
    ``{"W1": kernel1, "b1": bias1, ...}`` (copies, dtype kept).

    Examples
    --------
    >>> params = from_keras_weights([np.ones((3, 5)), np.zeros(5), np.ones((5, 2)), np.zeros(2)])
    >>> sorted(params)
    ['W1', 'W2', 'b1', 'b2']
    """
    if isinstance(weights, (np.ndarray, str, bytes, Mapping)) or not isinstance(weights, Sequence):
        raise TypeError(
            f"`weights` must be a list [kernel1, bias1, kernel2, bias2, ...] as model.get_weights() returns, "
            f"got {type(weights).__name__}."
        )
    if len(weights) == 0 or len(weights) % 2:
        raise ValueError(
            f"`weights` must hold a kernel and a bias per Dense layer (an even number of arrays), got {len(weights)}. "
            f"Were the Dense layers built with use_bias=False, or is there a layer with other weights?"
        )
    params: Params = {}
    for i in range(len(weights) // 2):
        params[f"W{i + 1}"] = np.array(layers._float_array(weights[2 * i], f"weights[{2 * i}]"), copy=True)
        params[f"b{i + 1}"] = np.array(layers._float_array(weights[2 * i + 1], f"weights[{2 * i + 1}]"), copy=True)
    _n_layers(params)  # shapes must chain: kernel (D_in, D_out), bias (D_out,)
    return params


# --------------------------------------------------------------------------------------------
# Minibatches.
# --------------------------------------------------------------------------------------------


def iterate_minibatches(
    n: int, batch_size: int, rng: np.random.Generator | None, *, drop_last: bool = False
) -> Iterator[np.ndarray]:
    """Index arrays of one epoch's minibatches, in a fresh random order each call.

    ``rng.permutation(n)`` cut into consecutive slices of ``batch_size``; the last batch holds
    the remainder (``n % batch_size`` indices) unless ``drop_last``. Call it once per epoch:
    every call draws a new order. With ``rng=None`` the order is 0, 1, ..., n-1 (no shuffling),
    as ``model.fit(..., shuffle=False)`` does. Used in notebooks 06–08.

    Parameters
    ----------
    n:
        The number of examples.
    batch_size:
        Examples per batch, >= 1.
    rng:
        A :class:`numpy.random.Generator`, or ``None`` for no shuffling.
    drop_last:
        Skip a last, smaller batch.

    Yields
    ------
    numpy.ndarray
        Integer indices into the training set; ``X[idx], y[idx]`` is one batch.

    Examples
    --------
    >>> [idx.tolist() for idx in iterate_minibatches(5, 2, None)]
    [[0, 1], [2, 3], [4]]
    >>> sorted(np.concatenate(list(iterate_minibatches(5, 2, np.random.default_rng(0)))).tolist())
    [0, 1, 2, 3, 4]
    """
    n = _check_count(n, "n", "len(X)")  # checked now, not at the first next()
    batch_size = _check_count(batch_size, "batch_size", "32")
    order = np.arange(n) if rng is None else _check_generator(rng).permutation(n)
    stop = n - n % batch_size if drop_last else n
    return (order[start : start + batch_size] for start in range(0, stop, batch_size))
