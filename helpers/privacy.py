r"""Privacy tools in NumPy: k-anonymity, generalisation, the Laplace mechanism and DP-SGD's step.

Notebook 18 (privacy and trust) derives each of them:

- :func:`class_sizes` and :func:`k_anonymity` measure how many rows share each combination of
  *quasi-identifiers* (准标识符), the columns (age, marital status, ...) that an attacker can
  join with a public table; :func:`generalise_bands` coarsens a numeric column into bands so
  that more rows share a combination.
- :func:`laplace_mechanism` answers a numeric query with
  :math:`\varepsilon`-differential privacy by adding Laplace noise of scale
  :math:`\Delta / \varepsilon`.
- :func:`poisson_sample`, :func:`clip_per_example` and :func:`dp_sgd_gradient` are the three
  pieces of one DP-SGD step (Abadi et al., 2016): sample each example independently with
  probability :math:`q`, clip every example's gradient to norm :math:`C`, sum, add Gaussian noise
  :math:`\mathcal N(0, \sigma^2 C^2 I)` and divide by the *expected* batch size :math:`qN`.
  The privacy accountant (``dp_accounting``'s RDP accountant) assumes exactly this sampling.

This module imports NumPy only (pandas objects are accepted where a table is expected).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "class_sizes",
    "k_anonymity",
    "generalise_bands",
    "laplace_mechanism",
    "poisson_sample",
    "clip_per_example",
    "dp_sgd_gradient",
]


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _positive(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a positive number, got {value!r} of type {type(value).__name__}. {example}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive finite number, got {value}. {example}")
    return float(value)


def _non_negative(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a non-negative number, got {value!r} of type {type(value).__name__}. {example}"
        )
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative finite number, got {value}. {example}")
    return float(value)


def _generator(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}. Pass np.random.default_rng(seed)."
        )
    return rng


def _per_example(grads: ArrayLike) -> np.ndarray:
    g = np.asarray(grads, dtype=float)
    if g.ndim != 2:
        raise ValueError(
            f"`per_example_grads` must have shape (N, P): one flattened gradient per example, got shape {g.shape}. "
            "Stack the examples' gradients with np.stack(...) or reshape with g.reshape(N, -1)."
        )
    if not np.all(np.isfinite(g)):
        raise ValueError("`per_example_grads` contains NaN or infinity; check the model's forward pass.")
    return g


# --------------------------------------------------------------------------------------------
# k-anonymity.
# --------------------------------------------------------------------------------------------


def class_sizes(table: Any, quasi_identifiers: Sequence[str]) -> np.ndarray:
    r"""For every row, how many rows share its combination of quasi-identifiers.

    Rows with equal values in all the columns ``quasi_identifiers`` form an *equivalence class*
    (等价类); this returns, row by row, the size of the row's class. A row with size 1 is
    unique: anyone who knows its quasi-identifiers can pick it out. Missing values count as a
    value of their own. Notebook 18, section 2.

    Parameters
    ----------
    table:
        A pandas DataFrame (anything with ``table[column]`` and ``len(table)``).
    quasi_identifiers:
        Names of the columns an attacker could know, e.g. ``["Age", "Marital", "Home"]``.

    Returns
    -------
    numpy.ndarray
        Integer array of shape (N,).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": [30, 30, 41, 52], "home": ["rent", "rent", "own", "own"]})
    >>> class_sizes(t, ["age", "home"]).tolist()
    [2, 2, 1, 1]
    """
    if isinstance(quasi_identifiers, str) or not isinstance(quasi_identifiers, Sequence) or not quasi_identifiers:
        raise TypeError(
            f"`quasi_identifiers` must be a non-empty list of column names, got {quasi_identifiers!r}. "
            'Example: ["Age", "Marital"].'
        )
    columns = getattr(table, "columns", None)
    if columns is None:
        raise TypeError(f"`table` must be a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in quasi_identifiers if c not in columns]
    if missing:
        raise ValueError(f"`quasi_identifiers` names columns the table lacks: {missing}; it has {list(columns)}.")
    if len(table) == 0:
        return np.zeros(0, dtype=int)
    keys = [np.unique(np.array([str(v) for v in table[c]]), return_inverse=True)[1].ravel() for c in quasi_identifiers]
    codes = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)[1].ravel()
    return np.bincount(codes)[codes]


def k_anonymity(table: Any, quasi_identifiers: Sequence[str]) -> int:
    r"""The k of k-anonymity: the size of the smallest equivalence class.

    .. math::

        k = \min_{\text{rows } r} \bigl|\{ r' : \text{QI}(r') = \text{QI}(r) \}\bigr|

    A table is k-anonymous when every row shares its quasi-identifiers with at least k − 1 other
    rows (Sweeney, 2002). Notebook 18, section 2.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": [30, 30, 41, 41, 41], "home": ["rent"] * 5})
    >>> k_anonymity(t, ["age", "home"])
    2
    """
    sizes = class_sizes(table, quasi_identifiers)
    if sizes.size == 0:
        raise ValueError("`table` has no rows; k-anonymity is undefined for an empty table.")
    return int(sizes.min())


def generalise_bands(values: ArrayLike, width: int, *, start: int = 0) -> np.ndarray:
    r"""Replace numbers by the band of width ``width`` that holds them, as labels "lo–hi".

    .. math::

        \text{lo} = \text{start} + w \left\lfloor \frac{x - \text{start}}{w} \right\rfloor,
        \qquad \text{hi} = \text{lo} + w - 1

    Coarser bands make larger equivalence classes (a larger k) and lose information.
    Notebook 18, section 2.

    Examples
    --------
    >>> generalise_bands([18, 25, 39, 40], 10).tolist()
    ['10-19', '20-29', '30-39', '40-49']
    """
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise ValueError(f"`width` must be a whole number ≥ 1, got {width!r}. Example: width=10 for decades.")
    x = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("`values` contains NaN or infinity; fill or drop missing values first.")
    lo = start + width * np.floor((x - start) / width).astype(int)
    return np.array([f"{a}-{a + width - 1}" for a in lo.ravel()], dtype=object).reshape(x.shape)


# --------------------------------------------------------------------------------------------
# The Laplace mechanism.
# --------------------------------------------------------------------------------------------


def laplace_mechanism(
    value: ArrayLike, *, sensitivity: float, epsilon: float, rng: np.random.Generator
) -> float | np.ndarray:
    r"""Answer a numeric query with ε-differential privacy: add Laplace noise of scale Δ/ε.

    .. math::

        M(D) = f(D) + \eta, \qquad \eta \sim \operatorname{Laplace}(0, b), \quad b = \frac{\Delta}{\varepsilon},
        \qquad \mathbb E|\eta| = b

    where Δ (the *sensitivity*, 敏感度) is the most :math:`f` can change when one person's row is
    added or removed (1 for a count). Each entry of ``value`` gets its own noise; answering m
    queries this way costs :math:`m\varepsilon` in total (sequential composition).
    Notebook 18, section 3.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noisy = laplace_mechanism(np.full(100_000, 50.0), sensitivity=1.0, epsilon=0.5, rng=rng)
    >>> bool(abs(np.mean(np.abs(noisy - 50.0)) - 2.0) < 0.05)
    True
    """
    b = _positive(sensitivity, "sensitivity", "A counting query has sensitivity=1.") / _positive(
        epsilon, "epsilon", "Example: epsilon=1.0."
    )
    rng = _generator(rng)
    x = np.asarray(value, dtype=float)
    noisy = x + rng.laplace(0.0, b, size=x.shape)
    return float(noisy) if noisy.ndim == 0 else noisy


# --------------------------------------------------------------------------------------------
# DP-SGD.
# --------------------------------------------------------------------------------------------


def poisson_sample(n: int, q: float, rng: np.random.Generator) -> np.ndarray:
    r"""Indices of a Poisson-sampled batch: each of the n examples is in it with probability q.

    The batch size is random, :math:`\text{Binomial}(n, q)`, mean :math:`qn`. This is the
    sampling that the RDP accountant's ``PoissonSampledDpEvent`` assumes; shuffling into
    fixed-size batches is a different mechanism with a different privacy analysis.
    Notebook 18, section 4.

    Examples
    --------
    >>> idx = poisson_sample(10, 0.5, np.random.default_rng(1))
    >>> bool(np.all(np.diff(idx) > 0)) and bool(np.all((idx >= 0) & (idx < 10)))
    True
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"`n` must be a whole number ≥ 1 (the number of training examples), got {n!r}.")
    q = _positive(q, "q", "Example: q = batch_size / n = 0.05.")
    if q > 1:
        raise ValueError(f"`q` is a probability and must be at most 1, got {q}. Use q = expected_batch / n.")
    return np.flatnonzero(_generator(rng).random(int(n)) < q)


def clip_per_example(per_example_grads: ArrayLike, max_norm: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Scale each example's gradient (each row) down to L2 norm at most C.

    .. math::

        \bar g_i = g_i \cdot \min\!\left(1, \frac{C}{\lVert g_i \rVert_2}\right)

    Rows already within the norm are unchanged; it is not element-wise clipping and not
    normalisation. Clipping bounds any one example's influence on the sum by C, which is the
    sensitivity that the Gaussian noise is calibrated to. Notebook 18, section 4.

    Parameters
    ----------
    per_example_grads:
        Shape (N, P): row i is example i's gradient, flattened.
    max_norm:
        The clipping norm C > 0.

    Returns
    -------
    clipped : numpy.ndarray
        Shape (N, P).
    norms : numpy.ndarray
        Shape (N,), the norms before clipping.

    Examples
    --------
    >>> clipped, norms = clip_per_example(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0)
    >>> np.round(clipped, 12).tolist(), np.round(norms, 12).tolist()
    ([[0.6, 0.8], [0.3, 0.4]], [5.0, 0.5])
    """
    g = _per_example(per_example_grads)
    c = _positive(max_norm, "max_norm", "Example: max_norm=1.0.")
    norms = np.linalg.norm(g, axis=1)
    scale = np.minimum(1.0, c / np.maximum(norms, np.finfo(float).tiny))
    return g * scale[:, None], norms


def dp_sgd_gradient(
    per_example_grads: ArrayLike,
    *,
    max_norm: float,
    noise_multiplier: float,
    expected_batch_size: float,
    rng: np.random.Generator,
) -> np.ndarray:
    r"""The private gradient of one DP-SGD step: clip, sum, add Gaussian noise, divide.

    .. math::

        \tilde g = \frac{1}{B} \Bigl( \sum_{i \in \text{batch}} \bar g_i
            + \mathcal N\!\left(0, \sigma^2 C^2 I\right) \Bigr), \qquad B = qN

    with :math:`\bar g_i` from :func:`clip_per_example`. The divisor is the *expected* batch
    size, a constant: dividing by the actual (random) batch size would make the scale depend on
    the data. ``noise_multiplier`` σ = 0 gives clipped SGD with no privacy at all.
    Notebook 18, section 4.

    Parameters
    ----------
    per_example_grads:
        Shape (N_batch, P), one row per example in the batch (N_batch may be 0).
    max_norm:
        Clipping norm C > 0.
    noise_multiplier:
        σ ≥ 0; the noise's standard deviation is σC.
    expected_batch_size:
        B = qN > 0.
    rng:
        Source of the noise.

    Returns
    -------
    numpy.ndarray
        Shape (P,).

    Examples
    --------
    With σ = 0 this is the clipped gradients' sum over B:

    >>> g = np.array([[3.0, 4.0], [0.3, 0.4]])
    >>> out = dp_sgd_gradient(g, max_norm=1.0, noise_multiplier=0.0, expected_batch_size=2.0,
    ...                       rng=np.random.default_rng(0))
    >>> np.round(out, 12).tolist()
    [0.45, 0.6]
    """
    clipped, _ = clip_per_example(per_example_grads, max_norm)
    sigma = _non_negative(noise_multiplier, "noise_multiplier", "Example: noise_multiplier=1.0.")
    b = _positive(expected_batch_size, "expected_batch_size", "Pass q * n, the expected batch size.")
    noise = _generator(rng).normal(0.0, sigma * float(max_norm), size=clipped.shape[1])
    return (clipped.sum(axis=0) + noise) / b
