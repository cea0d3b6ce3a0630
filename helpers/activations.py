r"""Activation functions and their derivatives, in NumPy, written to be numerically stable.

Each activation comes with its derivative as a function of the *pre-activation* ``x`` (not of
the activation's output), so a backward pass reads ``dz = dout * relu_derivative(z)``. The
derivations are in notebook 03 (neurons and activations); :func:`softmax` and
:func:`log_softmax` are derived in notebook 05 (cross-entropy).

Every function accepts an array-like of any shape and returns an array of the same shape, in the
input's float dtype (float64 for integer or boolean input). NaN is refused with a
:class:`ValueError` that says where it is; ±inf is accepted and gives the limits
(``sigmoid(inf) == 1``).

Conventions at kinks, stated once here and tested: ``relu_derivative(0) == 0`` (as in TensorFlow
and JAX) and ``leaky_relu_derivative(0, alpha) == alpha`` (as in TensorFlow); both are the
derivative from the left.

This module imports only NumPy; :func:`gelu` loads :mod:`scipy.special` when first called.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "gelu",
    "gelu_derivative",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
]

# Beyond ±40, Φ(x) is 0 or 1 and φ(x) < 1e-347 underflows to 0 in float64: gelu(x) is 0 below -40,
# and gelu'(x) is 0 below -40 and 1 above +40, to machine precision. Clamping x there changes no
# result, and keeps -inf * 0 = NaN and the overflow of x² out.
_GELU_CUTOFF = 40.0


# --------------------------------------------------------------------------------------------
# Input checks, shared with helpers.losses and helpers.gradcheck.
# --------------------------------------------------------------------------------------------


def _where(mask: np.ndarray) -> tuple[str, int]:
    """The first True position of ``mask`` as text (``3`` or ``(1, 2)``), and how many there are."""
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    text = str(first[0]) if len(first) == 1 else str(first)  # "3" for 1-D, "(1, 2)" otherwise
    return text, int(np.count_nonzero(mask))


def _as_float_array(x: Any, name: str, *, finite: bool = False) -> np.ndarray:
    """Return ``x`` as a float array, or raise an error that names ``name``.

    Float input keeps its dtype; integer and boolean input becomes float64. NaN is always
    refused; ±inf too when ``finite`` is true.
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`{name}` must be a number or an array of numbers, got the string {x!r}.")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"`{name}` could not be turned into an array ({err}). Check that every row has the same "
            f"length; np.array(...) of a ragged list fails."
        ) from None
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "c":
        raise TypeError(
            f"`{name}` must be real, got complex numbers ({arr.dtype}). Pass np.real({name}) if you meant it."
        )
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"`{name}` must hold numbers, got an array of dtype {arr.dtype} (strings, None or other "
            f"objects?). Convert it first, e.g. np.asarray({name}, dtype=float)."
        )
    if finite and np.isfinite(arr).all():  # the common case in one pass; otherwise say what is wrong
        return arr
    nan = np.isnan(arr)
    if nan.any():
        if arr.ndim == 0:
            raise ValueError(f"`{name}` is NaN. Find where the NaN first appears upstream (0/0, inf − inf, log(-1)).")
        where, count = _where(nan)
        raise ValueError(
            f"`{name}` contains NaN at index {where} ({count} NaN in all, shape {arr.shape}). Find where "
            f"the NaN first appears upstream (0/0, inf − inf, log of a negative number)."
        )
    if finite:
        inf = np.isinf(arr)
        if inf.any():
            if arr.ndim == 0:
                raise ValueError(f"`{name}` is {arr}; it must be finite (an overflow upstream?).")
            where, count = _where(inf)
            value = arr[np.unravel_index(np.argmax(inf), arr.shape)]
            raise ValueError(
                f"`{name}` contains {value} at index {where} ({count} of {arr.size} entries infinite); it must "
                f"be finite. An infinite logit or probability usually means an overflow upstream."
            )
    return arr


def _check_axis(axis: Any, ndim: int, name: str, shape: tuple[int, ...]) -> int:
    """Return ``axis`` as a non-negative axis of an array with ``ndim`` dimensions, or raise."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`axis` must be an integer such as -1, got {axis!r} of type {type(axis).__name__}.")
    if ndim == 0:
        raise ValueError(
            f"`{name}` is a scalar (shape ()), so it has no axis {axis}; pass a vector of logits or "
            f"probabilities, e.g. [z1, z2, z3], or a 2-D array with one row per example."
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"`axis`={axis} is out of range for `{name}` of shape {shape} ({ndim}-D); use an axis in "
            f"[{-ndim}, {ndim - 1}], e.g. axis=-1 for the last one."
        )
    return int(axis) % ndim


def _check_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"`alpha` must be a number such as 0.01, got {alpha!r} of type {type(alpha).__name__}.")
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(
            f"`alpha` must be a finite number >= 0 (the slope for x < 0), got {alpha}. "
            f"The usual value is 0.01; alpha=0 gives the ReLU."
        )
    return float(alpha)


# --------------------------------------------------------------------------------------------
# Element-wise activations.
# --------------------------------------------------------------------------------------------


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""The logistic sigmoid, computed without overflow for any ``x``.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}
                  = \begin{cases} \dfrac{1}{1 + e^{-|x|}} & x \ge 0 \\[1ex]
                                  \dfrac{e^{-|x|}}{1 + e^{-|x|}} & x < 0 \end{cases}

    The two-branch form only ever evaluates :math:`e^{-|x|} \le 1`, so ``sigmoid(-1000)`` is
    exactly ``0.0`` and ``sigmoid(1000)`` exactly ``1.0`` with no overflow warning (the naive
    ``1 / (1 + np.exp(-x))`` overflows for ``x < -709``). Derived in notebook 03 (neurons and
    activations).

    Parameters
    ----------
    x:
        Pre-activations, any shape.

    Returns
    -------
    numpy.ndarray
        :math:`\sigma(x)`, same shape, in ``x``'s float dtype (float64 for integers).

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    x = _as_float_array(x, "x")
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def sigmoid_derivative(x: ArrayLike) -> np.ndarray:
    r"""The derivative of :func:`sigmoid` with respect to its input ``x``.

    .. math::

        \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr) = \sigma(x)\,\sigma(-x)

    The second form is used: it equals the first, but keeps full relative precision when
    :math:`\sigma(x)` rounds to 1 (``1 - sigmoid(40.0)`` is 0, ``sigmoid(-40.0)`` is 4.2e-18).
    The maximum is :math:`\sigma'(0) = 1/4`. Derived in notebook 03 (neurons and activations).

    Parameters
    ----------
    x:
        Pre-activations (the sigmoid's input, not its output), any shape.

    Returns
    -------
    numpy.ndarray
        :math:`\sigma'(x)`, same shape and dtype rule as :func:`sigmoid`.

    Examples
    --------
    >>> sigmoid_derivative([0.0, 40.0])
    array([2.50000000e-01, 4.24835426e-18])
    """
    x = _as_float_array(x, "x")
    return np.asarray(sigmoid(x) * sigmoid(-x), dtype=x.dtype)


def tanh(x: ArrayLike) -> np.ndarray:
    r"""The hyperbolic tangent (NumPy's ``np.tanh``, with the course's input checks).

    .. math::

        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1

    Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> tanh([-1000.0, 0.0, 1000.0])
    array([-1.,  0.,  1.])
    """
    x = _as_float_array(x, "x")
    return np.asarray(np.tanh(x), dtype=x.dtype)


def tanh_derivative(x: ArrayLike) -> np.ndarray:
    r"""The derivative of :func:`tanh` with respect to its input ``x``.

    .. math::

        \tanh'(x) = 1 - \tanh^2(x) = \operatorname{sech}^2(x)
                  = \frac{4 e^{-2|x|}}{\bigl(1 + e^{-2|x|}\bigr)^2}

    The last form is used: it is the same number, but stays accurate (instead of rounding to 0)
    when :math:`\tanh(x)` rounds to ±1, and never overflows (``np.cosh(1000)`` would). Derived in
    notebook 03 (neurons and activations).

    Parameters
    ----------
    x:
        Pre-activations (tanh's input, not its output), any shape.

    Examples
    --------
    >>> tanh_derivative([0.0, 1.0])
    array([1.        , 0.41997434])
    """
    x = _as_float_array(x, "x")
    e = np.exp(-2 * np.abs(x))  # in (0, 1]
    return np.asarray(4 * e / (1 + e) ** 2, dtype=x.dtype)


def relu(x: ArrayLike) -> np.ndarray:
    r"""The rectified linear unit.

    .. math::

        \operatorname{relu}(x) = \max(x, 0)

    Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    x = _as_float_array(x, "x")
    return np.asarray(np.where(x > 0, x, 0), dtype=x.dtype)


def relu_derivative(x: ArrayLike) -> np.ndarray:
    r"""The derivative of :func:`relu` with respect to ``x``, with the convention relu′(0) = 0.

    .. math::

        \operatorname{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    At the kink ``x = 0`` the derivative does not exist; like TensorFlow and JAX we use 0 there
    (any value in [0, 1] is a valid subgradient). Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0])
    array([0., 0., 1.])
    """
    x = _as_float_array(x, "x")
    return (x > 0).astype(x.dtype)


def leaky_relu(x: ArrayLike, alpha: float = 0.01) -> np.ndarray:
    r"""The leaky ReLU: slope 1 for positive ``x``, slope ``alpha`` for negative ``x``.

    .. math::

        \operatorname{leaky\_relu}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}

    Derived in notebook 03 (neurons and activations).

    Parameters
    ----------
    x:
        Pre-activations, any shape.
    alpha:
        The slope for ``x < 0``; a finite number >= 0 (``alpha=0`` is :func:`relu`).

    Examples
    --------
    >>> leaky_relu([-2.0, 0.0, 3.0], alpha=0.1)
    array([-0.2,  0. ,  3. ])
    """
    x = _as_float_array(x, "x")
    alpha = _check_alpha(alpha)
    return np.asarray(np.where(x > 0, x, alpha * x), dtype=x.dtype)


def leaky_relu_derivative(x: ArrayLike, alpha: float = 0.01) -> np.ndarray:
    r"""The derivative of :func:`leaky_relu` with respect to ``x``, with the value ``alpha`` at 0.

    .. math::

        \operatorname{leaky\_relu}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    At the kink ``x = 0`` we use ``alpha`` (the same convention as relu′(0) = 0, and
    TensorFlow's). Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 0.0, 3.0], alpha=0.1)
    array([0.1, 0.1, 1. ])
    """
    x = _as_float_array(x, "x")
    alpha = _check_alpha(alpha)
    return np.asarray(np.where(x > 0, 1, alpha), dtype=x.dtype)


def gelu(x: ArrayLike) -> np.ndarray:
    r"""The Gaussian error linear unit, exact (erf) form: the default of Keras's and PyTorch's GELU.

    .. math::

        \operatorname{gelu}(x) = x\,\Phi(x)
            = \tfrac12\, x \left(1 + \operatorname{erf}\!\left(\tfrac{x}{\sqrt2}\right)\right)
            = \tfrac12\, x \operatorname{erfc}\!\left(-\tfrac{x}{\sqrt2}\right)

    where :math:`\Phi` is the standard normal CDF. The erfc form is used (as TensorFlow does):
    for negative ``x``, :math:`1 + \operatorname{erf}` cancels to 0 long before the true value
    does (``gelu(-10)`` is -7.6e-23, not 0). This is the exact GELU, not the tanh approximation
    (``approximate=True`` in TensorFlow). Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> gelu([-1.0, 0.0, 1.0])
    array([-0.15865525,  0.        ,  0.84134475])
    """
    # NumPy has no erf. scipy.special.erfc is a vectorised C ufunc, accurate to a few ulp in
    # float64, and SciPy is a course dependency; math.erfc through np.vectorize would be as
    # accurate but is a Python loop, ~100x slower. Importing here, not at the top, keeps
    # `import helpers` free of SciPy; after the first call the import is a dictionary lookup.
    from scipy.special import erfc

    x = _as_float_array(x, "x")
    xc = np.maximum(x, -_GELU_CUTOFF)  # see _GELU_CUTOFF
    # Computed in float64 whatever the input (np.sqrt(2) is a float64), then cast back.
    return np.asarray(0.5 * xc * erfc(-xc / np.sqrt(2)), dtype=x.dtype)


def gelu_derivative(x: ArrayLike) -> np.ndarray:
    r"""The derivative of the exact :func:`gelu` with respect to ``x``.

    .. math::

        \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x), \qquad
        \Phi(x) = \tfrac12 \operatorname{erfc}\!\left(-\tfrac{x}{\sqrt2}\right), \quad
        \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}

    (product rule on :math:`x\,\Phi(x)`, with :math:`\Phi' = \varphi`). Unlike the ReLU's, it is
    negative for :math:`x \lesssim -0.75` and slightly above 1 for moderate positive ``x``.
    Derived in notebook 03 (neurons and activations).

    Examples
    --------
    >>> gelu_derivative([-1.0, 0.0, 1.0])
    array([-0.08331547,  0.5       ,  1.08331547])
    """
    from scipy.special import erfc  # see gelu() for why SciPy, and why here

    x = _as_float_array(x, "x")
    xc = np.clip(x, -_GELU_CUTOFF, _GELU_CUTOFF)  # see _GELU_CUTOFF
    cdf = 0.5 * erfc(-xc / np.sqrt(2))
    pdf = np.exp(-0.5 * xc * xc) / np.sqrt(2 * np.pi)
    return np.asarray(cdf + xc * pdf, dtype=x.dtype)


# --------------------------------------------------------------------------------------------
# Softmax: along one axis.
# --------------------------------------------------------------------------------------------


def _softmax_input(z: ArrayLike, axis: Any) -> tuple[np.ndarray, int, np.ndarray]:
    """Check ``z`` and ``axis``; return z, the axis, and the max along it (keepdims)."""
    z = _as_float_array(z, "z")
    ax = _check_axis(axis, z.ndim, "z", z.shape)
    if z.shape[ax] == 0:
        raise ValueError(f"`z` has shape {z.shape}: no entries along axis {axis}, so no distribution to normalise.")
    pos_inf = np.isposinf(z)
    if pos_inf.any():
        where, _ = _where(pos_inf)
        raise ValueError(
            f"`z` contains +inf at index {where}; softmax is undefined there (inf/inf). "
            f"Use large finite logits; -inf (a masked entry) is fine."
        )
    m = np.max(z, axis=ax, keepdims=True)
    masked = np.isneginf(m)
    if masked.any():
        slices = ""
        if z.ndim > 1:
            where, count = _where(np.squeeze(masked, axis=ax))
            slices = f" in slice {where}" + (f" (and {count - 1} more)" if count > 1 else "")
        raise ValueError(
            f"`z` is -inf everywhere along axis {axis}{slices}; the softmax of a fully masked row is "
            f"0/0. Leave at least one entry unmasked."
        )
    return z, ax, m


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The softmax along ``axis``: turn logits into probabilities that sum to 1.

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
                                    = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j

    Subtracting the maximum changes nothing mathematically (it cancels) but keeps every
    exponent :math:`\le 0`, so logits of ±1000 neither overflow nor give 0/0. Entries of -inf
    (masked positions, as in attention) get probability 0. Derived in notebook 05
    (cross-entropy).

    Parameters
    ----------
    z:
        Logits, any shape with at least one dimension; no NaN and no +inf.
    axis:
        The axis that holds the classes (default: the last).

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``z``, each slice along ``axis`` summing to 1.

    Examples
    --------
    >>> softmax([1000.0, 1000.0, -1000.0])
    array([0.5, 0.5, 0. ])
    >>> softmax([[1.0, 2.0, 3.0]], axis=1).round(4)
    array([[0.09  , 0.2447, 0.6652]])
    """
    z, ax, m = _softmax_input(z, axis)
    e = np.exp(z - m)
    return np.asarray(e / np.sum(e, axis=ax, keepdims=True), dtype=z.dtype)


def log_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The logarithm of :func:`softmax` along ``axis``, computed by log-sum-exp.

    .. math::

        \log \operatorname{softmax}(z)_i = z_i - \operatorname{logsumexp}(z)
            = (z_i - m) - \log \sum_j e^{z_j - m}, \qquad m = \max_j z_j

    Unlike ``np.log(softmax(z))`` it never takes the log of an underflowed 0: with
    ``z = [0, -1000]`` it gives ``[0, -1000]``, not ``[0, -inf]``. This is what a cross-entropy
    on logits should use. Derived in notebook 05 (cross-entropy).

    Parameters
    ----------
    z:
        Logits, any shape with at least one dimension; no NaN and no +inf.
    axis:
        The axis that holds the classes (default: the last).

    Examples
    --------
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    z, ax, m = _softmax_input(z, axis)
    shifted = z - m
    return np.asarray(shifted - np.log(np.sum(np.exp(shifted), axis=ax, keepdims=True)), dtype=z.dtype)


def _check_distribution(
    p: np.ndarray, name: str, axis: int, *, hint: str = "If these are logits, apply softmax first."
) -> None:
    """Raise unless every entry of ``p`` is in [0, 1] and every slice along ``axis`` sums to 1.

    The sum may differ from 1 by ``max(1e-6, n * eps)``, where n is the length of a slice and
    eps the dtype's machine epsilon (the second term only matters for long float32 rows).
    """
    outside = (p < 0) | (p > 1)
    if outside.any():
        where, count = _where(outside)
        value = p[np.unravel_index(np.argmax(outside), p.shape)]
        raise ValueError(
            f"`{name}` must hold probabilities in [0, 1], but {name}[{where.strip('()')}] = {value:.6g} "
            f"({count} of {p.size} entries outside [0, 1]). {hint}"
        )
    n = p.shape[axis]
    tol = max(1e-6, n * float(np.finfo(p.dtype).eps))
    sums = np.sum(p, axis=axis, dtype=np.float64)
    off = np.abs(sums - 1) > tol
    if off.any():
        if sums.ndim == 0:
            row = ""
            value = float(sums)
        else:
            where, count = _where(off)
            kind = "row" if sums.ndim == 1 else "slice"
            row = f" {kind} {where}" + (f" (and {count - 1} more)" if count > 1 else "")
            value = float(sums[np.unravel_index(np.argmax(off), sums.shape)])
        raise ValueError(
            f"`{name}` must hold probability distributions, summing to 1 along axis {axis}, but{row} "
            f"sums to {value:.8g} (tolerance {tol:.1g}). Normalise it ({name} / {name}.sum(axis={axis}, "
            f"keepdims=True)). {hint}"
        )


def softmax_jacobian(p: ArrayLike) -> np.ndarray:
    r"""The Jacobian of the softmax, written in terms of its output ``p = softmax(z)``.

    .. math::

        J_{ij} = \frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j), \qquad
        J = \operatorname{diag}(p) - p\,p^\top

    ``J`` is symmetric and each row and column sums to 0 (adding a constant to every logit
    changes nothing). Derived in notebook 05 (cross-entropy).

    Parameters
    ----------
    p:
        One probability vector, shape (K,): entries in [0, 1] summing to 1. For a batch, call it
        once per row.

    Returns
    -------
    numpy.ndarray
        The (K, K) Jacobian.

    Examples
    --------
    >>> softmax_jacobian([0.5, 0.5])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    p = _as_float_array(p, "p")
    if p.ndim != 1:
        raise ValueError(
            f"`p` must be one probability vector (1-D), got shape {p.shape}. For a batch of rows P, "
            f"use [softmax_jacobian(row) for row in P]."
        )
    if p.size == 0:
        raise ValueError("`p` is empty; it must be a probability vector with at least one entry.")
    _check_distribution(p, "p", axis=0)
    return np.diag(p) - np.outer(p, p)
