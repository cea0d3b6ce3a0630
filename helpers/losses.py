r"""Loss functions and their gradients, in NumPy: mean squared error and cross-entropy.

Each loss returns one number, the mean over the batch, and has a gradient function that returns
:math:`\partial L / \partial(\text{prediction})` for that mean, with the prediction's shape. The
gradients of the cross-entropies are taken with respect to the *logits* (the inputs of the
sigmoid or softmax), where they take the famous simple form "prediction minus target".

Derived in notebook 04 (losses and gradient descent) for :func:`mse`, and notebook 05
(cross-entropy) for the rest.

Two rules make the cross-entropies safe:

- **From logits, use log-sum-exp.** ``from_logits=True`` computes the loss exactly for any
  finite logit, e.g. a logit of 1000 for target 0 costs 1000.
- **From probabilities, clip.** ``log(0)`` is ``-inf``, so probabilities are kept ``eps`` away
  from 0 (and, in the binary case, where ``log(1 - p)`` appears, from 1) with
  ``eps = np.finfo(dtype).eps``, as scikit-learn's ``log_loss`` does (Keras clips at its own
  ``1e-7`` instead). Clipping caps the loss: with target 0 and
  ``y_pred = sigmoid(40)``, which rounds to 1.0, the clipped float64 loss is
  ``-log(eps) = 36.04`` where the true loss is 40. Prefer logits.

All functions compute in ``y_pred``'s float dtype (float64 for integer input), check their
input, and refuse NaN, infinities, mismatched shapes, probabilities outside [0, 1] and rows that
do not sum to 1, with a message that names the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .activations import _as_float_array, _check_axis, _check_distribution, _where, log_softmax, sigmoid, softmax

__all__ = [
    "mse",
    "mse_gradient",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "categorical_cross_entropy",
    "softmax_cross_entropy_gradient",
]


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _check_flag(value: Any, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {value!r} of type {type(value).__name__}.")


def _predictions(y_pred: ArrayLike, name: str) -> np.ndarray:
    """``y_pred`` (or ``logits``) as a finite, non-empty float array."""
    pred = _as_float_array(y_pred, name, finite=True)
    if pred.size == 0:
        raise ValueError(f"`{name}` is empty (shape {pred.shape}); a mean over no examples is undefined.")
    return pred


def _same_shape(y_true: ArrayLike, pred: np.ndarray, name: str) -> np.ndarray:
    """``y_true`` as a finite array of ``pred``'s shape and dtype."""
    true = _as_float_array(y_true, "y_true", finite=True)
    if true.shape != pred.shape:
        fix = (
            f"If they hold the same values, reshape one: y_true.reshape{pred.shape}."
            if true.size == pred.size
            else "Check that both come from the same batch."
        )
        raise ValueError(
            f"`y_true` has shape {true.shape}, `{name}` has shape {pred.shape}; they must have the same "
            f"shape, one target per prediction (no broadcasting). {fix}"
        )
    return true.astype(pred.dtype, copy=False)


def _check_unit_interval(values: np.ndarray, name: str, hint: str) -> None:
    outside = (values < 0) | (values > 1)
    if outside.any():
        where, count = ("()", 1) if values.ndim == 0 else _where(outside)
        value = values[np.unravel_index(np.argmax(outside), values.shape)]
        raise ValueError(
            f"`{name}` must lie in [0, 1], but {name}[{where.strip('()')}] = {value:.6g} ({count} of "
            f"{values.size} entries outside [0, 1]). {hint}"
        )


def _class_targets(y_true: ArrayLike, pred: np.ndarray, ax: int, axis: int, name: str) -> np.ndarray:
    """Targets as rows of ``pred``'s shape and dtype: one-hot from class indices, or checked rows."""
    k = pred.shape[ax]
    sparse_shape = pred.shape[:ax] + pred.shape[ax + 1 :]
    try:
        raw = np.asarray(y_true)
    except (TypeError, ValueError):  # a ragged list: _as_float_array below says so
        raw = None
    if raw is not None and raw.dtype.kind in "iu" and raw.shape == sparse_shape:  # class indices
        bad = (raw < 0) | (raw >= k)
        if bad.any():
            where, count = _where(bad) if raw.ndim else ("", 1)
            value = raw[np.unravel_index(np.argmax(bad), raw.shape)]
            position = f" at position {where} ({count} out of range)" if raw.ndim else ""
            raise ValueError(
                f"`y_true` holds class index {value}{position}, but `{name}` has {k} classes along "
                f"axis {axis}, so indices must be 0 to {k - 1}."
            )
        one_hot = np.zeros(pred.shape, dtype=pred.dtype)
        np.put_along_axis(one_hot, np.expand_dims(raw, ax), 1, axis=ax)
        return one_hot

    true = _as_float_array(y_true, "y_true", finite=True)
    if true.shape == sparse_shape:
        raise TypeError(
            f"`y_true` has shape {true.shape}, the shape of class indices for `{name}` of shape "
            f"{pred.shape}, but its dtype is {np.asarray(y_true).dtype}; class indices must be "
            f"integers. Convert them: y_true.astype(int)."
        )
    if true.shape != pred.shape:
        raise ValueError(
            f"`y_true` has shape {true.shape}, `{name}` has shape {pred.shape}; `y_true` must be either "
            f"one-hot (or soft) rows of the same shape {pred.shape}, or integer class indices of shape "
            f"{sparse_shape}."
        )
    _check_distribution(
        true, "y_true", ax, hint="Targets are one-hot rows (np.eye(n_classes)[labels]) or integer class indices."
    )
    return true.astype(pred.dtype, copy=False)


# --------------------------------------------------------------------------------------------
# Mean squared error (notebook 04).
# --------------------------------------------------------------------------------------------


def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean squared error, averaged over every entry.

    .. math::

        L = \frac{1}{N} \sum_{i=1}^{N} (\hat y_i - y_i)^2

    where :math:`N` counts all entries (examples × outputs), like Keras's ``MeanSquaredError``.
    Derived in notebook 04 (losses and gradient descent).

    Parameters
    ----------
    y_true, y_pred:
        Targets and predictions of the same shape.

    Returns
    -------
    float
        The mean squared error.

    Examples
    --------
    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    pred = _predictions(y_pred, "y_pred")
    true = _same_shape(y_true, pred, "y_pred")
    return float(np.mean((pred - true) ** 2))


def mse_gradient(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`mse` with respect to the predictions.

    .. math::

        \frac{\partial L}{\partial \hat y_i} = \frac{2}{N} (\hat y_i - y_i)

    The sign matters: the gradient points from the target towards the prediction, so gradient
    *descent* moves the prediction back to the target. Derived in notebook 04 (losses and
    gradient descent).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial \hat y`, the shape of ``y_pred``.

    Examples
    --------
    >>> mse_gradient([1.0, 2.0], [1.0, 4.0])
    array([0., 2.])
    """
    pred = _predictions(y_pred, "y_pred")
    true = _same_shape(y_true, pred, "y_pred")
    return 2 * (pred - true) / pred.size


# --------------------------------------------------------------------------------------------
# Binary cross-entropy (notebook 05).
# --------------------------------------------------------------------------------------------


def binary_cross_entropy(y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool = False) -> float:
    r"""Binary cross-entropy (log-loss), averaged over every entry.

    With probabilities :math:`p = \hat y`:

    .. math::

        L = -\frac{1}{N} \sum_i \bigl[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \bigr],
        \qquad p_i \text{ clipped to } [\varepsilon, 1 - \varepsilon]

    With logits :math:`z` (:math:`p = \sigma(z)`), use :math:`\log\sigma(z) = -\operatorname{softplus}(-z)`
    and :math:`\log(1 - \sigma(z)) = \log\sigma(-z) = -\operatorname{softplus}(z)`, where
    :math:`\operatorname{softplus}(z) = \log(1 + e^{z})` = ``np.logaddexp(0, z)``:

    .. math::

        L = \frac{1}{N} \sum_i \bigl[ y_i \operatorname{softplus}(-z_i)
            + (1 - y_i) \operatorname{softplus}(z_i) \bigr]
          = \frac{1}{N} \sum_i \bigl[ \operatorname{softplus}(z_i) - y_i z_i \bigr]

    The first form is computed: it equals the second (use
    :math:`\operatorname{softplus}(-z) = \operatorname{softplus}(z) - z`) but adds only
    non-negative terms, so a confidently right prediction keeps its tiny loss (target 1, logit
    40: 4.2e-18, where ``softplus(40) - 40`` rounds to 0). ``np.logaddexp`` never overflows:
    target 0 with logit 1000 costs exactly 1000. Derived in notebook 05 (cross-entropy).

    Parameters
    ----------
    y_true:
        Labels in [0, 1] (0/1, or soft labels in between), the shape of ``y_pred``.
    y_pred:
        Probabilities in [0, 1], or logits (any finite numbers) when ``from_logits=True``.
    from_logits:
        Whether ``y_pred`` holds logits. Prefer logits: the probability path has to clip, and
        then cannot tell a logit of 40 from one of 400.

    Returns
    -------
    float
        The mean loss, >= 0.

    Examples
    --------
    >>> round(binary_cross_entropy([1, 0], [0.9, 0.2]), 6)
    0.164252
    >>> binary_cross_entropy([0.0], [1000.0], from_logits=True)
    1000.0
    >>> from helpers.activations import sigmoid
    >>> round(binary_cross_entropy([0.0], sigmoid([40.0])), 2)   # clipped: -log(2.2e-16), not 40
    36.04
    >>> binary_cross_entropy([0.0], [40.0], from_logits=True)
    40.0
    """
    _check_flag(from_logits, "from_logits")
    pred = _predictions(y_pred, "y_pred")
    true = _same_shape(y_true, pred, "y_pred")
    _check_unit_interval(true, "y_true", "Binary labels are 0 or 1 (soft labels in between are allowed).")
    if from_logits:
        loss = true * np.logaddexp(0, -pred) + (1 - true) * np.logaddexp(0, pred)
    else:
        _check_unit_interval(pred, "y_pred", "If these are logits, pass from_logits=True.")
        eps = np.finfo(pred.dtype).eps
        p = np.clip(pred, eps, 1 - eps)
        loss = -(true * np.log(p) + (1 - true) * np.log1p(-p))
    return float(np.mean(loss))


def binary_cross_entropy_gradient(y_true: ArrayLike, logits: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy` (``from_logits=True``) with respect to the logits.

    .. math::

        \frac{\partial L}{\partial z_i} = \frac{1}{N} \bigl( \sigma(z_i) - y_i \bigr)

    (differentiate :math:`\operatorname{softplus}(z) - y z`: :math:`\operatorname{softplus}' = \sigma`).
    Derived in notebook 05 (cross-entropy).

    Parameters
    ----------
    y_true:
        Labels in [0, 1], the shape of ``logits``.
    logits:
        The logits :math:`z`, any finite numbers.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial z`, the shape of ``logits``.

    Examples
    --------
    >>> binary_cross_entropy_gradient([1.0, 0.0], [0.0, 0.0])
    array([-0.25,  0.25])
    """
    z = _predictions(logits, "logits")
    true = _same_shape(y_true, z, "logits")
    _check_unit_interval(true, "y_true", "Binary labels are 0 or 1 (soft labels in between are allowed).")
    return (sigmoid(z) - true) / z.size


# --------------------------------------------------------------------------------------------
# Categorical cross-entropy (notebook 05).
# --------------------------------------------------------------------------------------------


def categorical_cross_entropy(
    y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool = False, axis: int = -1
) -> float:
    r"""Categorical cross-entropy, summed over classes and averaged over examples.

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{k} y_{nk} \log p_{nk}, \qquad
        \log p_{nk} = \begin{cases}
            z_{nk} - \operatorname{logsumexp}_j z_{nj} & \text{from logits (exact)} \\
            \log \max(p_{nk}, \varepsilon) & \text{from probabilities}
        \end{cases}

    With a one-hot target this is :math:`-\log p_{n,\text{class}}`: the surprise at the right
    answer. From logits it uses :func:`~helpers.activations.log_softmax`, so a logit gap of 1000
    against the right class costs exactly 1000. From probabilities, only :math:`p \to 0` needs
    guarding; it is clipped below at ``eps = np.finfo(dtype).eps``. Derived in notebook 05
    (cross-entropy).

    Parameters
    ----------
    y_true:
        Either **rows** of the same shape as ``y_pred`` (one-hot or soft labels, each summing
        to 1 along ``axis``), or **class indices** (the "sparse" form): integers in
        ``[0, n_classes)`` whose shape is ``y_pred.shape`` without ``axis``, e.g. shape (N,)
        for ``y_pred`` of shape (N, K). The form is told apart by shape and integer dtype.
    y_pred:
        Probabilities (each row in [0, 1] and summing to 1), or logits when ``from_logits=True``.
        At least one dimension; a 1-D ``y_pred`` is a single example.
    from_logits:
        Whether ``y_pred`` holds logits. Prefer logits.
    axis:
        The class axis (default: the last).

    Returns
    -------
    float
        The mean loss over examples, >= 0.

    Examples
    --------
    >>> round(categorical_cross_entropy([0, 1, 0], [0.1, 0.8, 0.1]), 4)   # -log(0.8)
    0.2231
    >>> round(categorical_cross_entropy([1, 0], [[0.2, 0.8], [0.6, 0.4]]), 4)  # indices: -(log 0.8 + log 0.6) / 2
    0.367
    >>> categorical_cross_entropy([0], [[-1000.0, 0.0]], from_logits=True)
    1000.0

    Rows that are no probability distribution are refused:

    >>> categorical_cross_entropy([0, 1, 0], [0.2, 0.8, 0.1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `y_pred` must hold probability distributions, summing to 1 along axis 0, but sums to 1.1 ...
    """
    _check_flag(from_logits, "from_logits")
    pred = _predictions(y_pred, "y_pred")
    ax = _check_axis(axis, pred.ndim, "y_pred", pred.shape)
    true = _class_targets(y_true, pred, ax, axis, "y_pred")
    if from_logits:
        log_p = log_softmax(pred, axis=ax)
    else:
        _check_distribution(pred, "y_pred", ax, hint="If these are logits, pass from_logits=True.")
        log_p = np.log(np.maximum(pred, np.finfo(pred.dtype).eps))
    per_example = -np.sum(true * log_p, axis=ax)
    return float(np.mean(per_example))


def softmax_cross_entropy_gradient(y_true: ArrayLike, logits: ArrayLike, *, axis: int = -1) -> np.ndarray:
    r"""Gradient of :func:`categorical_cross_entropy` (``from_logits=True``) with respect to the logits.

    .. math::

        \frac{\partial L}{\partial z_{nk}} = \frac{1}{N} \bigl( \operatorname{softmax}(z_n)_k - y_{nk} \bigr)

    (the chain rule through :func:`~helpers.activations.softmax_jacobian` collapses to this
    when :math:`\sum_k y_{nk} = 1`). :math:`N` is the number of examples. Not
    :math:`-y_k / p_k`: that is the gradient with respect to the probabilities (see the errata).
    Derived in notebook 05 (cross-entropy).

    Parameters
    ----------
    y_true:
        One-hot/soft rows of the shape of ``logits``, or integer class indices (see
        :func:`categorical_cross_entropy`).
    logits:
        The logits :math:`z`, at least 1-D, classes along ``axis``.
    axis:
        The class axis (default: the last).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial z`, the shape of ``logits``.

    Examples
    --------
    >>> softmax_cross_entropy_gradient([1], [[0.0, 0.0]])
    array([[ 0.5, -0.5]])
    """
    z = _predictions(logits, "logits")
    ax = _check_axis(axis, z.ndim, "logits", z.shape)
    true = _class_targets(y_true, z, ax, axis, "logits")
    n_examples = z.size // z.shape[ax]
    return (softmax(z, axis=ax) - true) / n_examples
