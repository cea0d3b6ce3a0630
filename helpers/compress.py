r"""Making a trained model cheaper: magnitude pruning, int8 quantisation, and a data-parallel cost model.

Three levers from notebook 17 (efficiency and scale), each a few lines of NumPy:

- **Magnitude pruning** (剪枝) sets the weights with the smallest :math:`|w|` to zero. A mask keeps
  exactly :math:`n - \operatorname{round}(s\,n)` of :math:`n` weights for sparsity :math:`s`
  (:func:`magnitude_mask`, :func:`global_magnitude_masks`); :func:`csr_bytes` says what the zeros
  save once stored in a sparse format (a dense kernel stores and multiplies them all the same).
- **Post-training int8 quantisation** (量化) stores :math:`q = \operatorname{round}(w/\Delta)` in
  8 bits and one float scale :math:`\Delta` per tensor or per channel
  (:func:`quantize_symmetric`, :func:`dequantize_symmetric`), or with a zero point for ranges
  that are not centred on 0 (:func:`quantize_affine`, :func:`dequantize_affine`). Rounding costs at
  most :math:`\Delta/2` per weight inside the range.
- **Data-parallel time** (数据并行): :math:`N` devices share the compute of a step, then average
  gradients with a ring all-reduce (:func:`ring_allreduce_time`, :func:`data_parallel_step_time`).

The symmetric scheme matches TensorFlow's ``tf.quantization.quantize_and_dequantize_v2`` with
``signed_input=True, narrow_range=True, range_given=False`` (round half to even); the affine one
matches ``tf.quantization.fake_quant_with_min_max_vars`` except at exact rounding ties (TensorFlow
rounds them up). ``tests/test_compress.py`` compares both. This module imports only NumPy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "magnitude_mask",
    "global_magnitude_masks",
    "sparsity",
    "csr_bytes",
    "quantize_symmetric",
    "dequantize_symmetric",
    "quantize_affine",
    "dequantize_affine",
    "ring_allreduce_time",
    "data_parallel_step_time",
]


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a finite float array, or an error that names ``name``."""
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"`{name}` must be an array of numbers, got dtype {arr.dtype}. Pass np.asarray(..., float).")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}); pass at least one weight.")
    arr = arr.astype(np.float64) if not np.issubdtype(arr.dtype, np.floating) else arr
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` contains NaN or inf; quantise or prune finite weights only.")
    return arr


def _sparsity_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`sparsity` must be a number in [0, 1] such as 0.9, got {value!r} of type {type(value).__name__}."
        )
    if not (0.0 <= float(value) <= 1.0):
        hint = f" For {value}%, pass {value / 100:g}." if 1 < value <= 100 else ""
        raise ValueError(f"`sparsity` must be a fraction in [0, 1], such as 0.9 for 90% zeros; got {value}.{hint}")
    return float(value)


def _num_bits(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`num_bits` must be a whole number such as 8, got {value!r} of type {type(value).__name__}.")
    if not 2 <= value <= 16:
        raise ValueError(f"`num_bits` must be between 2 and 16, got {value}; for int8 pass num_bits=8.")
    return int(value)


def _axis(value: Any, ndim: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`axis` must be None (per tensor) or an int (per channel), got {value!r}.")
    if not -ndim <= value < ndim:
        raise ValueError(
            f"`axis` must be in [{-ndim}, {ndim - 1}] for an array with {ndim} dimensions, got {value}; "
            "for a Dense kernel of shape (d_in, d_out), axis=-1 gives one scale per output unit."
        )
    return int(value) % ndim


def _positive(value: Any, name: str, example: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number such as {example}, got {value!r} of type {type(value).__name__}.")
    ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be a finite number {bound}, such as {example}; got {value}.")
    return float(value)


def _count(value: Any, name: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be a whole number such as {example}, got {value!r} of type {type(value).__name__}."
        )
    if value < 1:
        raise ValueError(f"`{name}` must be >= 1, got {value}; for example {name}={example}.")
    return int(value)


def _reduce_axes(ndim: int, axis: int | None) -> tuple[int, ...] | None:
    """The axes to take the maximum over: all of them per tensor, all but ``axis`` per channel."""
    return None if axis is None else tuple(i for i in range(ndim) if i != axis)


# --------------------------------------------------------------------------------------------
# Pruning.
# --------------------------------------------------------------------------------------------


def _keep_largest(magnitudes: np.ndarray, n_prune: int) -> np.ndarray:
    """Boolean mask that is False at the ``n_prune`` smallest entries (ties broken by position)."""
    flat = magnitudes.ravel()
    keep = np.ones(flat.size, dtype=bool)
    if n_prune > 0:
        order = np.argsort(flat, kind="stable")
        keep[order[:n_prune]] = False
    return keep.reshape(magnitudes.shape)


def magnitude_mask(weights: ArrayLike, sparsity: float) -> np.ndarray:
    r"""Mask that prunes the fraction ``sparsity`` of ``weights`` with the smallest magnitude.

    .. math::

        m_i = \begin{cases} 0 & |w_i| \text{ among the } \operatorname{round}(s\,n) \text{ smallest} \\
        1 & \text{otherwise} \end{cases}, \qquad w_\text{pruned} = m \odot w

    Exactly ``round(sparsity * n)`` entries are pruned (ties in :math:`|w|` are broken by position),
    so the sparsity is exact, not "at least". Per-layer pruning calls this once per kernel.

    Parameters
    ----------
    weights:
        Any array of weights (a Dense kernel of shape ``(d_in, d_out)``, a bias, ...).
    sparsity:
        Fraction of weights to set to zero, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Boolean array of ``weights``' shape: True where the weight is kept.

    >>> magnitude_mask([0.5, -0.1, 2.0, 0.05], 0.5)
    array([ True, False,  True, False])
    """
    w = _float_array(weights, "weights")
    s = _sparsity_value(sparsity)
    return _keep_largest(np.abs(w), int(round(s * w.size)))


def global_magnitude_masks(weights: Sequence[ArrayLike], sparsity: float) -> list[np.ndarray]:
    r"""Masks that prune the fraction ``sparsity`` of all ``weights`` together, by one threshold.

    Global pruning ranks every weight of every array by :math:`|w|` and prunes the
    :math:`\operatorname{round}(s \sum_l n_l)` smallest, wherever they sit: a layer with many small
    weights loses more of them than a layer with few. Compare per-layer pruning,
    ``[magnitude_mask(w, s) for w in weights]``, which prunes the same fraction of every layer.

    Parameters
    ----------
    weights:
        A list of arrays (the kernels to prune), of any shapes.
    sparsity:
        Fraction of all their entries to set to zero, in [0, 1].

    Returns
    -------
    list of numpy.ndarray
        One boolean mask per array, True where the weight is kept.

    >>> [m.tolist() for m in global_magnitude_masks([[3.0, 0.1], [0.2, 0.3, 4.0]], 0.6)]
    [[True, False], [False, False, True]]
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise TypeError(
            "`weights` must be a non-empty list of arrays, such as [kernel1, kernel2]; for one array, magnitude_mask."
        )
    arrays = [_float_array(w, f"weights[{i}]") for i, w in enumerate(weights)]
    s = _sparsity_value(sparsity)
    flat = np.concatenate([np.abs(a).ravel() for a in arrays])
    keep = _keep_largest(flat, int(round(s * flat.size)))
    masks, start = [], 0
    for a in arrays:
        masks.append(keep[start : start + a.size].reshape(a.shape))
        start += a.size
    return masks


def sparsity(arrays: ArrayLike | Sequence[ArrayLike]) -> float:
    """Fraction of entries that are exactly zero, over one array or a list of arrays.

    >>> sparsity([np.array([0.0, 1.0]), np.array([0.0, 0.0, 2.0, 3.0])])
    0.5
    """
    items = arrays if isinstance(arrays, (list, tuple)) else [arrays]
    if len(items) == 0:
        raise ValueError("`arrays` is an empty list; pass at least one array.")
    total = sum(np.asarray(a).size for a in items)
    if total == 0:
        raise ValueError("`arrays` hold no entries; pass at least one weight.")
    return float(sum(np.count_nonzero(np.asarray(a) == 0) for a in items) / total)


def csr_bytes(weights: ArrayLike, *, value_bytes: int = 4, index_bytes: int = 4) -> int:
    r"""Bytes to store a 2-D array in compressed sparse row (CSR) format.

    CSR keeps the nonzero values, one column index per value, and one row pointer per row plus one:

    .. math::

        \text{bytes} = \text{nnz}\,(b_\text{value} + b_\text{index}) + (\text{rows} + 1)\, b_\text{index}

    With 4-byte values and indices this is *larger* than the dense ``rows * cols * 4`` bytes until
    more than half the entries are zero.

    Parameters
    ----------
    weights:
        2-D array; its zeros are not stored.
    value_bytes, index_bytes:
        Bytes per stored value (4 for float32) and per index (4 for int32).

    >>> csr_bytes(np.eye(3))  # 3 values, 3 column indices, 4 row pointers
    40
    """
    w = np.asarray(weights)
    if w.ndim != 2:
        raise ValueError(f"`weights` must be 2-D (rows, cols), got shape {w.shape}; reshape it first.")
    vb = _count(value_bytes, "value_bytes", "4")
    ib = _count(index_bytes, "index_bytes", "4")
    nnz = int(np.count_nonzero(w))
    return nnz * (vb + ib) + (w.shape[0] + 1) * ib


# --------------------------------------------------------------------------------------------
# Quantisation.
# --------------------------------------------------------------------------------------------


def quantize_symmetric(
    weights: ArrayLike, *, axis: int | None = None, num_bits: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    r"""Symmetric integer quantisation, per tensor (``axis=None``) or per channel (``axis=k``).

    With :math:`q_\max = 2^{b-1} - 1` (127 for int8; the "narrow" range :math:`[-127, 127]`):

    .. math::

        \Delta = \frac{\max |w|}{q_\max}, \qquad q = \operatorname{round}(w / \Delta) \in [-q_\max, q_\max],
        \qquad \hat w = \Delta\, q, \qquad |w - \hat w| \le \Delta / 2 .

    Per channel, the maximum runs over every axis except ``axis``, so each channel (a Dense
    kernel's output unit for ``axis=-1``) gets its own :math:`\Delta`; a channel of small weights
    is then not rounded on the grid of the largest. Rounding is half to even (``np.rint``). An
    all-zero tensor or channel gets :math:`\Delta = 1` (any value would do; all its :math:`q` are 0).

    Parameters
    ----------
    weights:
        Float array to quantise.
    axis:
        None for one scale for the whole tensor; an int for one scale per index along that axis.
    num_bits:
        Bits per integer, 2..16 (8 gives int8).

    Returns
    -------
    q : numpy.ndarray
        Integers of ``weights``' shape, dtype int8 (``num_bits <= 8``) or int16.
    scale : numpy.ndarray
        float32 scales: shape ``()`` per tensor, or ``(weights.shape[axis],)`` per channel.

    >>> q, scale = quantize_symmetric(np.array([[1.0, -0.5], [0.25, 0.02]]), axis=-1)
    >>> q.tolist(), scale.astype(float).round(6).tolist()
    ([[127, -127], [32, 5]], [0.007874, 0.003937])
    """
    w = _float_array(weights, "weights")
    bits = _num_bits(num_bits)
    ax = _axis(axis, w.ndim)
    qmax = 2 ** (bits - 1) - 1
    red = _reduce_axes(w.ndim, ax)
    amax = np.max(np.abs(w), axis=red, keepdims=True)
    scale = (amax / qmax).astype(np.float32)
    scale = np.where(scale > 0, scale, np.float32(1.0))  # all zero (or below float32's range): q = 0
    q = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int8 if bits <= 8 else np.int16)
    return q, (scale.reshape(()) if ax is None else scale.reshape(-1))


def _broadcast_scale(scale: np.ndarray, shape: tuple[int, ...], axis: int | None, name: str) -> np.ndarray:
    if axis is None:
        if scale.size != 1:
            raise ValueError(
                f"`{name}` has {scale.size} entries but axis=None expects one; pass the axis it came from."
            )
        return scale.reshape(())
    if scale.shape != (shape[axis],):
        raise ValueError(
            f"`{name}` must have shape ({shape[axis]},) for axis={axis} of shape {shape}, got {scale.shape}."
        )
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return scale.reshape(view)


def dequantize_symmetric(q: ArrayLike, scale: ArrayLike, *, axis: int | None = None) -> np.ndarray:
    r"""Float weights back from :func:`quantize_symmetric`: :math:`\hat w = \Delta\, q` (float32).

    >>> dequantize_symmetric(np.array([127, -64], dtype=np.int8), np.float32(0.01)).astype(float).round(4).tolist()
    [1.27, -0.64]
    """
    q_arr = np.asarray(q)
    if not np.issubdtype(q_arr.dtype, np.integer):
        raise TypeError(f"`q` must be an integer array (from quantize_symmetric), got dtype {q_arr.dtype}.")
    ax = _axis(axis, q_arr.ndim) if q_arr.ndim else None
    s = _broadcast_scale(np.asarray(scale, dtype=np.float32), q_arr.shape, ax, "scale")
    return (q_arr.astype(np.float32) * s).astype(np.float32)


def quantize_affine(weights: ArrayLike, *, num_bits: int = 8) -> tuple[np.ndarray, float, int]:
    r"""Affine (asymmetric) per-tensor quantisation to unsigned integers with a zero point.

    The range :math:`[\min(w, 0), \max(w, 0)]` (it must contain 0, so that 0 is exact) is mapped
    onto :math:`[0, 2^b - 1]`:

    .. math::

        \Delta = \frac{\max - \min}{2^b - 1}, \qquad z = \operatorname{round}(-\min / \Delta), \qquad
        q = \operatorname{clip}(\operatorname{round}(w / \Delta) + z,\ 0,\ 2^b - 1), \qquad
        \hat w = \Delta\,(q - z).

    This suits values that are not centred on 0 (ReLU activations: all :math:`\ge 0`), where the
    symmetric grid would waste half its codes. Because :math:`z` is rounded, the represented range
    shifts by up to :math:`\Delta/2`; inside it the error is at most :math:`\Delta/2`.

    Returns
    -------
    q : numpy.ndarray
        uint8 (``num_bits <= 8``) or uint16 array of ``weights``' shape.
    scale : float
        :math:`\Delta`.
    zero_point : int
        :math:`z`, the integer that represents 0.0.

    >>> q, scale, z = quantize_affine(np.array([0.0, 1.0, 2.55]))
    >>> q.tolist(), round(scale, 4), z
    ([0, 100, 255], 0.01, 0)
    """
    w = _float_array(weights, "weights")
    bits = _num_bits(num_bits)
    qmax = 2**bits - 1
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / qmax if hi > lo else 1.0
    zero_point = int(np.clip(np.rint(-lo / scale), 0, qmax))
    q = np.clip(np.rint(w / scale) + zero_point, 0, qmax).astype(np.uint8 if bits <= 8 else np.uint16)
    return q, float(scale), zero_point


def dequantize_affine(q: ArrayLike, scale: float, zero_point: int) -> np.ndarray:
    r"""Float values back from :func:`quantize_affine`: :math:`\hat w = \Delta\,(q - z)` (float32).

    >>> dequantize_affine(np.array([0, 100, 255], dtype=np.uint8), 0.01, 0).astype(float).round(2).tolist()
    [0.0, 1.0, 2.55]
    """
    q_arr = np.asarray(q)
    if not np.issubdtype(q_arr.dtype, np.integer):
        raise TypeError(f"`q` must be an integer array (from quantize_affine), got dtype {q_arr.dtype}.")
    s = _positive(scale, "scale", "0.01")
    if isinstance(zero_point, bool) or not isinstance(zero_point, numbers.Integral):
        raise TypeError(f"`zero_point` must be an int (from quantize_affine), got {zero_point!r}.")
    return (s * (q_arr.astype(np.float64) - int(zero_point))).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Data-parallel cost model.
# --------------------------------------------------------------------------------------------


def ring_allreduce_time(n_bytes: float, n_devices: int, *, bandwidth: float, latency: float = 0.0) -> float:
    r"""Seconds for a ring all-reduce (全归约) of ``n_bytes`` of gradients over ``n_devices``.

    The ring splits the buffer into :math:`N` chunks and takes :math:`2(N-1)` steps (reduce-scatter,
    then all-gather); in each step every device sends one chunk of :math:`\text{bytes}/N` to its
    neighbour at the same time:

    .. math::

        t_\text{comm}(N) = 2(N-1)\left(\alpha + \frac{\text{bytes}}{N\, \beta}\right)
                        = \frac{2(N-1)}{N}\frac{\text{bytes}}{\beta} + 2(N-1)\,\alpha

    with bandwidth :math:`\beta` (bytes/s per link) and latency :math:`\alpha` (s per step).
    Assumes equal links, no overlap with compute, and no contention. One device needs no
    communication: :math:`t_\text{comm}(1) = 0`.

    >>> ring_allreduce_time(1e9, 4, bandwidth=1e9)  # 1 GB at 1 GB/s: 2·3/4 s
    1.5
    """
    b = _positive(n_bytes, "n_bytes", "4e8", allow_zero=True)
    n = _count(n_devices, "n_devices", "4")
    beta = _positive(bandwidth, "bandwidth", "1e10 (bytes/s)")
    alpha = _positive(latency, "latency", "1e-5 (s)", allow_zero=True)
    return 2 * (n - 1) * (alpha + b / (n * beta))


def data_parallel_step_time(
    t_compute: float, n_devices: int, n_bytes: float, *, bandwidth: float, latency: float = 0.0
) -> float:
    r"""Seconds per step when ``n_devices`` share one global batch, then all-reduce the gradients.

    .. math::

        t(N) = \frac{t_\text{compute}}{N} + t_\text{comm}(N), \qquad
        \text{speed-up}(N) = \frac{t(1)}{t(N)}, \qquad \text{device-seconds} = N\, t(N) \ge t(1)

    ``t_compute`` is one device's time for the whole global batch (forward and backward); the
    model assumes it divides perfectly and that communication does not overlap with it.

    >>> data_parallel_step_time(1.0, 4, 1e9, bandwidth=1e9)  # 1/4 s compute + 1.5 s all-reduce
    1.75
    """
    t = _positive(t_compute, "t_compute", "0.5 (s)")
    n = _count(n_devices, "n_devices", "4")
    return t / n + ring_allreduce_time(n_bytes, n, bandwidth=bandwidth, latency=latency)
