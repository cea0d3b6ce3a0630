r"""Attention and the Transformer encoder block, in NumPy, equal to Keras's layers.

The pieces of a Transformer encoder (Vaswani et al., 2017, "Attention Is All You Need"), each
a small pure function that a reader can check line by line, and that the tests hold equal to
``keras.layers.MultiHeadAttention`` and to a Keras-built encoder block:

- :func:`masked_softmax`, :func:`scaled_dot_product_attention`: the attention formula
  :math:`\operatorname{softmax}(QK^\top/\sqrt{d_k})\,V`, with a mask, and its backward pass
  :func:`scaled_dot_product_attention_backward`;
- :func:`causal_mask`, :func:`padding_mask`: which keys a query may attend to;
- :func:`split_heads`, :func:`merge_heads`: the reshapes between one wide vector per token and
  one narrow vector per head;
- :func:`multi_head_attention`, with weights in ``keras.layers.MultiHeadAttention``'s layout
  (:func:`init_multi_head_attention`, :func:`mha_weights_from_keras`, :func:`mha_weights_to_keras`);
- :func:`sinusoidal_positional_encoding`;
- :func:`layer_norm`, :func:`feed_forward` and :func:`transformer_encoder_block` (post-LN, as in
  the original Transformer and BERT), with :func:`init_encoder_block`,
  :func:`build_keras_encoder_block` and :func:`encoder_block_weights_from_keras`.

Conventions, the same as Keras's:

- **Rows are tokens.** A sequence is an array of shape (T, d); a batch, (B, T, d). Queries come
  from T positions, keys and values from S positions (S = T in self-attention).
- **A mask says where a query may look: True = may attend** (``attention_mask`` in Keras).
  PyTorch's ``nn.MultiheadAttention`` uses the opposite convention (True = blocked); passing
  such a mask here silently inverts it. A mask broadcasts against the scores (…, T, S).
- **Masked positions get weight exactly 0.** A query whose every key is masked (a padding
  query) gets all-zero weights and a zero attention output, as in Keras's code path that
  returns the attention scores. (Keras's fused path, used when the scores are not returned,
  gives such a query uniform weights instead; rows with at least one allowed key agree.)
- **The** :math:`1/\sqrt{d_k}` **factor uses the key size** :math:`d_k` (Keras's ``key_dim``),
  never the value size or the model width. Keras multiplies the queries by it before the
  product with the keys; so does this module. (In float64, Keras rounds this factor to float32
  first, so the two agree to about 1e-8 unless 1/√d_k is exact in float32, as for d_k = 4 or
  16; ``tests/test_attention.py`` shows it.)
- **Layer norm's epsilon is 1e-3**, Keras's default (PyTorch's is 1e-5 and BERT's 1e-12).

Derived and checked in notebook 09 (attention and Transformers). Only NumPy is imported at
module level; :func:`feed_forward` with ``activation="gelu"`` loads SciPy, and the three Keras
functions import Keras when called.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .activations import _as_float_array, gelu, relu

__all__ = [
    "LAYER_NORM_EPSILON",
    "masked_softmax",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
    "causal_mask",
    "padding_mask",
    "split_heads",
    "merge_heads",
    "sinusoidal_positional_encoding",
    "MHA_KEYS",
    "init_multi_head_attention",
    "multi_head_attention",
    "mha_weights_from_keras",
    "mha_weights_to_keras",
    "layer_norm",
    "feed_forward",
    "ENCODER_KEYS",
    "init_encoder_block",
    "transformer_encoder_block",
    "build_keras_encoder_block",
    "encoder_block_weights_from_keras",
]

LAYER_NORM_EPSILON = 1e-3
"""The default epsilon of :func:`layer_norm`: ``keras.layers.LayerNormalization``'s default."""

MHA_KEYS = (
    "query_kernel",
    "query_bias",
    "key_kernel",
    "key_bias",
    "value_kernel",
    "value_bias",
    "output_kernel",
    "output_bias",
)
"""The keys of a multi-head attention weight dict, in ``MultiHeadAttention.get_weights()`` order."""

ENCODER_KEYS = ("attention", "ln1_gamma", "ln1_beta", "W1", "b1", "W2", "b2", "ln2_gamma", "ln2_beta")
"""The keys of an encoder block's weight dict (``"attention"`` holds a multi-head attention dict)."""

_ACTIVATIONS = ("relu", "gelu")


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _array(value: Any, name: str, *, ndim: int | tuple[int, ...] | None = None, what: str = "") -> np.ndarray:
    """``value`` as a float array without NaN or infinity, with ``ndim`` dimensions if given."""
    arr = _as_float_array(value, name, finite=True)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and arr.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"`{name}` must be {dims}{what}, got shape {arr.shape} ({arr.ndim}-D).")
    return arr


def _count(value: Any, name: str, *, minimum: int = 1, example: str = "4") -> int:
    """``value`` as an int >= ``minimum`` (a size, a number of heads), or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be a whole number such as {example}, got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}; for example {name}={example}.")
    return int(value)


def _mask(mask: Any, scores_shape: tuple[int, ...]) -> np.ndarray:
    """``mask`` as a boolean array broadcast to ``scores_shape``, or an error that says how to fix it."""
    arr = np.asarray(mask)
    if arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all():
        arr = arr.astype(bool)
    if arr.dtype != np.bool_:
        raise TypeError(
            f"`mask` must be boolean (True = may attend, as in Keras), got dtype {arr.dtype}. An additive "
            f"mask of 0 and -inf is a different convention: pass `mask=(additive == 0)` instead."
        )
    try:
        shape = np.broadcast_shapes(arr.shape, scores_shape)
    except ValueError:
        shape = None
    if shape != tuple(scores_shape):
        raise ValueError(
            f"`mask` of shape {arr.shape} does not broadcast to the attention scores' shape {tuple(scores_shape)} "
            f"(…, queries T, keys S). A key-padding mask of shape (B, S) needs a query axis: mask[:, None, :]."
        )
    return np.broadcast_to(arr, scores_shape)


def _positive_real(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number such as {example}, got {value!r} of type {type(value).__name__}.")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0 such as {example}, got {value}.")
    return float(value)


# --------------------------------------------------------------------------------------------
# Scaled dot-product attention.
# --------------------------------------------------------------------------------------------


def masked_softmax(scores: ArrayLike, mask: ArrayLike | None = None) -> np.ndarray:
    r"""Softmax over the last axis (the keys), giving masked positions weight exactly 0.

    .. math::

        a_{ts} = \frac{m_{ts}\, e^{z_{ts} - c_t}}{\sum_{s'} m_{ts'}\, e^{z_{ts'} - c_t}}, \qquad
        c_t = \max_{s:\, m_{ts}} z_{ts}

    with :math:`m_{ts} = 1` where query :math:`t` may attend to key :math:`s`. This equals the
    usual trick of setting masked scores to :math:`-\infty` before an ordinary softmax, and
    the maximum is taken over the allowed entries only, so large scores cannot overflow. The
    mask is applied *before* normalising: zeroing weights after a softmax leaves rows that no
    longer sum to 1. A row with no allowed key gets all zeros (see the module's conventions).
    Derived in notebook 09, section 1.

    Parameters
    ----------
    scores:
        Attention scores (logits), shape (…, T, S): one row per query, one column per key.
        No NaN or infinity.
    mask:
        Boolean, broadcastable to ``scores``; True = may attend. ``None``: no mask.

    Returns
    -------
    numpy.ndarray
        Weights of the shape and float dtype of ``scores``; every row with an allowed key sums to 1.

    Examples
    --------
    >>> masked_softmax([[1.0, 2.0, 3.0]], mask=[[True, True, False]]).round(4)
    array([[0.2689, 0.7311, 0.    ]])
    """
    z = _array(scores, "scores", what=" or more: (…, queries, keys)")
    if z.ndim < 1:
        raise ValueError(f"`scores` must have at least one axis (the keys), got shape {z.shape}.")
    allowed = np.ones(z.shape, dtype=bool) if mask is None else _mask(mask, z.shape)
    filled = np.where(allowed, z, -np.inf)
    row_max = np.max(filled, axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # rows with no allowed key
    e = np.where(allowed, np.exp(filled - row_max), 0.0)
    total = np.sum(e, axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return np.asarray(weights, dtype=z.dtype)


def scaled_dot_product_attention(
    Q: ArrayLike, K: ArrayLike, V: ArrayLike, mask: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention: each query takes a weighted average of the values.

    .. math::

        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V

    Query :math:`t` scores every key :math:`s` by the dot product :math:`q_t \cdot k_s`, divided by
    :math:`\sqrt{d_k}` so that the scores' spread does not grow with the key size (for
    independent unit-variance entries, :math:`\operatorname{Var}(q \cdot k) = d_k`); a softmax
    over the keys turns the scores into weights, and the output is the weighted sum of the value
    rows. The queries are multiplied by :math:`1/\sqrt{d_k}` first, as Keras does. Derived in
    notebook 09, section 1.

    Parameters
    ----------
    Q:
        Queries, shape (…, T, d_k).
    K:
        Keys, shape (…, S, d_k): the same size d_k as the queries.
    V:
        Values, shape (…, S, d_v): one per key; d_v may differ from d_k.
    mask:
        Boolean, broadcastable to (…, T, S); True = query t may attend to key s. ``None``: all.

    Returns
    -------
    out : numpy.ndarray
        Shape (…, T, d_v).
    weights : numpy.ndarray
        The attention weights, shape (…, T, S); each row sums to 1 (or is 0 if fully masked).

    Examples
    --------
    >>> Q = np.array([[1.0, 0.0]])                      # one query
    >>> K = np.array([[1.0, 0.0], [0.0, 1.0]])          # two keys
    >>> V = np.array([[10.0], [20.0]])                  # their values
    >>> out, weights = scaled_dot_product_attention(Q, K, V)
    >>> weights.round(4), out.round(4)
    (array([[0.6698, 0.3302]]), array([[13.3024]]))
    """
    Q = _array(Q, "Q")
    K = _array(K, "K")
    V = _array(V, "V")
    for name, arr, last in (("Q", Q, "d_k"), ("K", K, "d_k"), ("V", V, "d_v")):
        if arr.ndim < 2:
            raise ValueError(
                f"`{name}` must have at least 2 dimensions (…, positions, {last}), got shape {arr.shape}. "
                f"A single vector is one position: pass {name}[None, :]."
            )
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(
            f"`Q` and `K` must have the same last dimension d_k (a query is dotted with each key), "
            f"got Q.shape={Q.shape} and K.shape={K.shape}."
        )
    if K.shape[:-1] != V.shape[:-1]:
        raise ValueError(
            f"`K` and `V` must agree in every dimension but the last (one value per key), "
            f"got K.shape={K.shape} and V.shape={V.shape}."
        )
    try:
        np.broadcast_shapes(Q.shape[:-2], K.shape[:-2])
    except ValueError:
        raise ValueError(
            f"The batch dimensions of `Q` {Q.shape[:-2]} and `K` {K.shape[:-2]} do not broadcast."
        ) from None
    d_k = Q.shape[-1]
    scores = (Q * (1.0 / math.sqrt(d_k))) @ np.swapaxes(K, -1, -2)
    weights = masked_softmax(scores, mask)
    return weights @ V, weights


def scaled_dot_product_attention_backward(
    dout: ArrayLike, Q: ArrayLike, K: ArrayLike, V: ArrayLike, weights: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward pass of :func:`scaled_dot_product_attention`: gradients with respect to Q, K and V.

    With :math:`S = QK^\top/\sqrt{d_k}`, :math:`A = \operatorname{softmax}(S)` row by row and
    :math:`O = AV`, and the upstream gradient :math:`G = \partial L/\partial O`:

    .. math::

        \frac{\partial L}{\partial V} = A^\top G, \qquad
        \frac{\partial L}{\partial A} = G V^\top, \qquad
        \frac{\partial L}{\partial S} = A \odot \Bigl(\frac{\partial L}{\partial A}
            - \operatorname{rowsum}\bigl(\tfrac{\partial L}{\partial A} \odot A\bigr)\Bigr),

        \frac{\partial L}{\partial Q} = \frac{1}{\sqrt{d_k}} \frac{\partial L}{\partial S} K, \qquad
        \frac{\partial L}{\partial K} = \frac{1}{\sqrt{d_k}} \Bigl(\frac{\partial L}{\partial S}\Bigr)^{\!\top} Q .

    The third line is the softmax Jacobian applied row by row. A masked position has
    :math:`A = 0`, so no gradient flows through it: the mask needs no separate treatment.
    Derived in notebook 09, section 1.

    Parameters
    ----------
    dout:
        :math:`\partial L / \partial O`, shape (…, T, d_v).
    Q, K, V:
        The inputs of the forward pass.
    weights:
        The attention weights the forward pass returned, shape (…, T, S).

    Returns
    -------
    dQ, dK, dV : numpy.ndarray
        The shapes of Q, K and V.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 5))
    >>> out, A = scaled_dot_product_attention(Q, K, V)
    >>> dQ, dK, dV = scaled_dot_product_attention_backward(np.ones_like(out), Q, K, V, A)
    >>> dQ.shape, dK.shape, dV.shape
    ((3, 2), (4, 2), (4, 5))
    """
    Q, K, V = _array(Q, "Q"), _array(K, "K"), _array(V, "V")
    A = _array(weights, "weights")
    G = _array(dout, "dout")
    if Q.ndim < 2 or K.ndim < 2 or Q.shape[-1] != K.shape[-1] or K.shape[:-1] != V.shape[:-1]:
        raise ValueError(
            f"`Q` (…, T, d_k), `K` (…, S, d_k) and `V` (…, S, d_v) do not fit together: "
            f"got {Q.shape}, {K.shape}, {V.shape}."
        )
    expected_a = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2]) + (Q.shape[-2], K.shape[-2])
    expected_out = expected_a[:-1] + (V.shape[-1],)
    if A.shape != expected_a or G.shape != expected_out:
        raise ValueError(
            f"`weights` must have shape {expected_a} and `dout` {expected_out} (the forward pass's outputs), "
            f"got {A.shape} and {G.shape}."
        )
    scale = 1.0 / math.sqrt(Q.shape[-1])
    dV = np.swapaxes(A, -1, -2) @ G
    dA = G @ np.swapaxes(V, -1, -2)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
    dQ = scale * (dS @ K)
    dK = scale * (np.swapaxes(dS, -1, -2) @ Q)
    return _unbroadcast(dQ, Q.shape), _unbroadcast(dK, K.shape), _unbroadcast(dV, V.shape)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def causal_mask(n: int) -> np.ndarray:
    r"""The causal (look-ahead) mask of a sequence of ``n`` tokens: each may attend to itself and earlier ones.

    .. math::

        m_{ts} = [\, s \le t \,]

    A lower-triangular boolean matrix, True = may attend (Keras's ``use_causal_mask=True``).
    Derived in notebook 09, section 1.

    Examples
    --------
    >>> causal_mask(3).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    n = _count(n, "n", example="8")
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths: ArrayLike, max_len: int) -> np.ndarray:
    r"""Key-padding mask for a batch of sequences padded to ``max_len``: keys beyond a sequence's length are blocked.

    .. math::

        m_{b,\,s} = [\, s < \text{lengths}_b \,]

    Returned with shape (B, 1, max_len), so that it broadcasts over the queries against scores
    of shape (B, T, max_len); combine it with a causal mask by ``padding_mask(...) & causal_mask(T)``.
    Derived in notebook 09, section 1.

    Examples
    --------
    >>> padding_mask([2, 3], 4).astype(int)
    array([[[1, 1, 0, 0]],
    <BLANKLINE>
           [[1, 1, 1, 0]]])
    """
    max_len = _count(max_len, "max_len", example="8")
    arr = np.asarray(lengths)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(
            f"`lengths` must be a 1-D array of whole numbers (one length per sequence), got {arr.dtype} "
            f"of shape {arr.shape}."
        )
    if arr.size and (arr.min() < 1 or arr.max() > max_len):
        raise ValueError(
            f"every length must be in [1, max_len={max_len}], got lengths from {arr.min()} to {arr.max()}. "
            f"A sequence of length 0 would leave its queries nothing to attend to."
        )
    return (np.arange(max_len)[None, :] < arr[:, None])[:, None, :]


# --------------------------------------------------------------------------------------------
# Heads.
# --------------------------------------------------------------------------------------------


def split_heads(x: ArrayLike, num_heads: int) -> np.ndarray:
    r"""Split each token's vector of size :math:`h \cdot k` into :math:`h` heads of size :math:`k`.

    Shape (…, T, h·k) → (…, h, T, k): a reshape to (…, T, h, k), then the head axis moved in
    front of the positions so that each head is a (T, k) matrix. Head :math:`i` holds columns
    :math:`ik, \dots, (i+1)k - 1`. Reshaping straight to (…, h, T, k) would mix positions
    and heads. Derived in notebook 09, section 2.

    Examples
    --------
    >>> split_heads(np.arange(8.0).reshape(2, 4), 2)      # 2 tokens, 2 heads of size 2
    array([[[0., 1.],
            [4., 5.]],
    <BLANKLINE>
           [[2., 3.],
            [6., 7.]]])
    """
    x = _array(x, "x")
    h = _count(num_heads, "num_heads")
    if x.ndim < 2 or x.shape[-1] % h:
        raise ValueError(
            f"`x` must have shape (…, T, num_heads * head_size); got shape {x.shape}, whose last "
            f"dimension is not a multiple of num_heads={h}."
        )
    return np.swapaxes(x.reshape(*x.shape[:-1], h, x.shape[-1] // h), -3, -2)


def merge_heads(x: ArrayLike) -> np.ndarray:
    r"""Undo :func:`split_heads`: (…, h, T, k) → (…, T, h·k), the heads side by side ("Concat").

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 4)
    >>> np.array_equal(merge_heads(split_heads(x, 2)), x)
    True
    """
    x = _array(x, "x")
    if x.ndim < 3:
        raise ValueError(f"`x` must have shape (…, heads, T, head_size), at least 3-D; got shape {x.shape}.")
    moved = np.swapaxes(x, -3, -2)
    return moved.reshape(*moved.shape[:-2], moved.shape[-2] * moved.shape[-1])


# --------------------------------------------------------------------------------------------
# Positional encoding.
# --------------------------------------------------------------------------------------------


def sinusoidal_positional_encoding(n_positions: int, d_model: int, *, base: float = 10000.0) -> np.ndarray:
    r"""The sinusoidal positional encoding of Vaswani et al. (2017), one row per position.

    .. math::

        PE_{p,\,2i} = \sin\!\left(\frac{p}{\text{base}^{2i/d}}\right), \qquad
        PE_{p,\,2i+1} = \cos\!\left(\frac{p}{\text{base}^{2i/d}}\right)

    Sines in the even columns, cosines in the odd ones (interleaved, as in the paper; some
    libraries put all sines first, which is the same encoding with its columns permuted). Each
    pair of columns turns at its own frequency :math:`\omega_i = \text{base}^{-2i/d}`, so
    :math:`PE_{p+k}` is a rotation of :math:`PE_p` by the angles :math:`k\omega_i`, the same for
    every :math:`p`. An odd ``d_model`` ends with a sine column. Derived in notebook 09, section 3.

    Parameters
    ----------
    n_positions:
        Number of positions, 0 … n_positions − 1.
    d_model:
        The model width d.
    base:
        The wavelength scale; 10000 in the paper.

    Returns
    -------
    numpy.ndarray
        Shape (n_positions, d_model), float64, entries in [−1, 1].

    Examples
    --------
    >>> sinusoidal_positional_encoding(2, 4).round(4)
    array([[0.    , 1.    , 0.    , 1.    ],
           [0.8415, 0.5403, 0.01  , 1.    ]])
    """
    n = _count(n_positions, "n_positions", example="50")
    d = _count(d_model, "d_model", example="64")
    base = _positive_real(base, "base", "10000.0")
    pair = np.arange(d) // 2  # i for columns 2i and 2i + 1
    angles = np.arange(n)[:, None] / base ** (2 * pair / d)[None, :]
    return np.where(np.arange(d) % 2 == 0, np.sin(angles), np.cos(angles))


# --------------------------------------------------------------------------------------------
# Multi-head attention, in keras.layers.MultiHeadAttention's layout.
# --------------------------------------------------------------------------------------------


def init_multi_head_attention(
    rng: np.random.Generator,
    d_model: int,
    num_heads: int,
    key_dim: int | None = None,
    *,
    value_dim: int | None = None,
    d_out: int | None = None,
    use_bias: bool = True,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    r"""Random multi-head attention weights in ``keras.layers.MultiHeadAttention``'s layout.

    Shapes, with :math:`h` heads, key size :math:`k`, value size :math:`v`:

    - ``query_kernel``, ``key_kernel``: (d_model, h, k); ``value_kernel``: (d_model, h, v);
    - ``query_bias``, ``key_bias``: (h, k); ``value_bias``: (h, v);
    - ``output_kernel``: (h, v, d_out); ``output_bias``: (d_out,).

    Kernels are drawn from :math:`\mathcal{N}(0, 1/\text{fan-in})` (fan-in d_model, or h·v for
    the output); biases are zero, as Keras initialises them. Without biases
    (``use_bias=False``) the four bias keys are absent.

    Parameters
    ----------
    rng:
        The random generator, e.g. ``np.random.default_rng(seed)``.
    d_model:
        Size of each input token vector (queries and keys/values alike).
    num_heads:
        Number of heads h.
    key_dim:
        Size k of each head's queries and keys; default ``d_model // num_heads``.
    value_dim:
        Size v of each head's values; default ``key_dim``.
    d_out:
        Output size; default ``d_model``.

    Examples
    --------
    >>> w = init_multi_head_attention(np.random.default_rng(0), d_model=8, num_heads=2)
    >>> {name: w[name].shape for name in ("query_kernel", "value_bias", "output_kernel")}
    {'query_kernel': (8, 2, 4), 'value_bias': (2, 4), 'output_kernel': (2, 4, 8)}
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}.")
    d = _count(d_model, "d_model", example="64")
    h = _count(num_heads, "num_heads")
    k = d // h if key_dim is None else _count(key_dim, "key_dim", example="16")
    if k < 1:
        raise ValueError(f"`d_model`={d} // `num_heads`={h} is 0; pass key_dim explicitly.")
    v = k if value_dim is None else _count(value_dim, "value_dim", example="16")
    o = d if d_out is None else _count(d_out, "d_out", example="64")
    if not isinstance(use_bias, bool):
        raise TypeError(f"`use_bias` must be True or False, got {use_bias!r}.")
    weights = {
        "query_kernel": rng.normal(0.0, 1 / math.sqrt(d), size=(d, h, k)),
        "query_bias": np.zeros((h, k)),
        "key_kernel": rng.normal(0.0, 1 / math.sqrt(d), size=(d, h, k)),
        "key_bias": np.zeros((h, k)),
        "value_kernel": rng.normal(0.0, 1 / math.sqrt(d), size=(d, h, v)),
        "value_bias": np.zeros((h, v)),
        "output_kernel": rng.normal(0.0, 1 / math.sqrt(h * v), size=(h, v, o)),
        "output_bias": np.zeros(o),
    }
    return {name: w.astype(dtype) for name, w in weights.items() if use_bias or not name.endswith("_bias")}


def _mha_weights(weights: Any, num_heads: int | None) -> dict[str, np.ndarray | None]:
    """Check a multi-head attention weight dict's keys and shapes; return arrays (``None`` for no bias).

    ``num_heads=None`` takes the number of heads from the kernels.
    """
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"`weights` must be a dict with keys {MHA_KEYS} (Keras's layout), got {type(weights).__name__}. "
            f"Read them from a Keras layer with mha_weights_from_keras(layer)."
        )
    kernels = ("query_kernel", "key_kernel", "value_kernel", "output_kernel")
    missing = [name for name in kernels if name not in weights]
    unknown = sorted(set(weights) - set(MHA_KEYS))
    if missing or unknown:
        raise ValueError(f"`weights` is missing {missing} and has unknown keys {unknown}; expected keys {MHA_KEYS}.")
    biases = [name for name in MHA_KEYS if name.endswith("_bias") and weights.get(name) is not None]
    if biases and len(biases) != 4:
        raise ValueError(f"`weights` has some biases but not all four: {biases}. Give all four or none.")
    w: dict[str, np.ndarray | None] = {name: _array(weights[name], f"weights['{name}']", ndim=3) for name in kernels}
    for name in ("query_bias", "key_bias", "value_bias", "output_bias"):
        w[name] = _array(weights[name], f"weights['{name}']") if biases else None
    d_model, h, k = w["query_kernel"].shape
    expected = {
        "key_kernel": (None, h, k),
        "value_kernel": (None, h, None),
        "output_kernel": (h, w["value_kernel"].shape[2], None),
    }
    for name, shape in expected.items():
        got = w[name].shape
        if any(e is not None and e != g for e, g in zip(shape, got, strict=True)):
            raise ValueError(
                f"`weights['{name}']` has shape {got}, which does not fit query_kernel's {w['query_kernel'].shape} "
                f"(d_model, heads, key_dim); expected {tuple('?' if e is None else e for e in shape)}."
            )
    if w["key_kernel"].shape[0] != w["value_kernel"].shape[0]:
        raise ValueError(
            f"`key_kernel` and `value_kernel` must read inputs of the same size, got {w['key_kernel'].shape} "
            f"and {w['value_kernel'].shape}."
        )
    if biases:
        v = w["value_kernel"].shape[2]
        for name, shape in (
            ("query_bias", (h, k)),
            ("key_bias", (h, k)),
            ("value_bias", (h, v)),
            ("output_bias", (w["output_kernel"].shape[2],)),
        ):
            if w[name].shape != shape:
                raise ValueError(f"`weights['{name}']` has shape {w[name].shape}, expected {shape}.")
    h_given = h if num_heads is None else _count(num_heads, "num_heads")
    if h_given != h:
        raise ValueError(
            f"`num_heads`={h_given}, but the kernels hold {h} heads (query_kernel shape {w['query_kernel'].shape} "
            f"is (d_model, heads, key_dim))."
        )
    return w


def multi_head_attention(
    x_q: ArrayLike,
    x_kv: ArrayLike,
    weights: Mapping[str, ArrayLike],
    num_heads: int,
    mask: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Multi-head attention, computing exactly what ``keras.layers.MultiHeadAttention`` computes.

    .. math::

        \operatorname{MultiHead}(X_q, X_{kv}) = \operatorname{Concat}(\text{head}_1, \dots, \text{head}_h)\, W^O + b^O,
        \qquad
        \text{head}_i = \operatorname{Attention}(X_q W_i^Q + b_i^Q,\; X_{kv} W_i^K + b_i^K,\; X_{kv} W_i^V + b_i^V)

    Each head has its own projections :math:`W_i^Q, W_i^K \in \mathbb{R}^{d \times k}` and
    :math:`W_i^V \in \mathbb{R}^{d \times v}`, stored together as kernels of shape (d, h, k) and
    (d, h, v); :math:`W^O` is stored as (h, v, d_out), one (v, d_out) block per head, so the
    concatenation and the product with :math:`W^O` are one sum over heads. Self-attention is
    ``x_q is x_kv``. Derived in notebook 09, section 2.

    Parameters
    ----------
    x_q:
        Query inputs, shape (B, T, d_model) or (T, d_model).
    x_kv:
        Key/value inputs, shape (B, S, d_model) or (S, d_model); same number of dimensions as ``x_q``.
    weights:
        A dict with the keys :data:`MHA_KEYS` (biases optional), shapes as in
        :func:`init_multi_head_attention`; :func:`mha_weights_from_keras` reads them from a layer.
    num_heads:
        The number of heads h; must match the kernels.
    mask:
        Boolean, True = may attend, shape (T, S), (B, T, S) or broadcastable (e.g. (B, 1, S) from
        :func:`padding_mask`): Keras's ``attention_mask``. It is shared by all heads.

    Returns
    -------
    out : numpy.ndarray
        Shape (B, T, d_out), or (T, d_out) for unbatched input.
    attention_weights : numpy.ndarray
        Shape (B, h, T, S), or (h, T, S): Keras's ``return_attention_scores=True`` output.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = init_multi_head_attention(rng, d_model=6, num_heads=2, key_dim=3)
    >>> x = rng.normal(size=(4, 6))                       # 4 tokens
    >>> out, a = multi_head_attention(x, x, w, num_heads=2, mask=causal_mask(4))
    >>> out.shape, a.shape, bool(np.allclose(a.sum(axis=-1), 1.0))
    ((4, 6), (2, 4, 4), True)
    """
    w = _mha_weights(weights, num_heads)
    x_q = _array(x_q, "x_q", ndim=(2, 3), what=": (T, d_model) or (B, T, d_model)")
    x_kv = _array(x_kv, "x_kv", ndim=(2, 3), what=": (S, d_model) or (B, S, d_model)")
    if x_q.ndim != x_kv.ndim or (x_q.ndim == 3 and x_q.shape[0] != x_kv.shape[0]):
        raise ValueError(
            f"`x_q` and `x_kv` must both be batched with the same batch size, or both unbatched; "
            f"got shapes {x_q.shape} and {x_kv.shape}."
        )
    if x_q.shape[-1] != w["query_kernel"].shape[0] or x_kv.shape[-1] != w["key_kernel"].shape[0]:
        raise ValueError(
            f"the inputs' last dimension must match the kernels' first: x_q {x_q.shape} with query_kernel "
            f"{w['query_kernel'].shape}, x_kv {x_kv.shape} with key_kernel {w['key_kernel'].shape}."
        )

    def project(x: np.ndarray, name: str) -> np.ndarray:  # (…, T, d) -> (…, h, T, k)
        y = np.einsum("...td,dhk->...htk", x, w[f"{name}_kernel"])
        bias = w[f"{name}_bias"]
        return y if bias is None else y + bias[:, None, :]

    q, k, v = project(x_q, "query"), project(x_kv, "key"), project(x_kv, "value")
    scores_shape = (*q.shape[:-1], k.shape[-2])  # (…, h, T, S)
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim >= 2:
            m = np.expand_dims(m, axis=-3)  # one mask for every head, as Keras does
        mask = _mask(m, scores_shape)
    heads, attention_weights = scaled_dot_product_attention(q, k, v, mask)  # (…, h, T, v)
    out = np.einsum("...htv,hvo->...to", heads, w["output_kernel"])
    if w["output_bias"] is not None:
        out = out + w["output_bias"]
    return out, attention_weights


def mha_weights_from_keras(layer: Any) -> dict[str, np.ndarray]:
    """Read a built ``keras.layers.MultiHeadAttention``'s weights into a dict (keys :data:`MHA_KEYS`).

    The layer must have been called once (Keras builds its projections on the first call). A
    layer with ``use_bias=False`` gives a dict without the bias keys.

    Examples
    --------
    >>> import keras                                                   # doctest: +SKIP
    >>> layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)  # doctest: +SKIP
    >>> _ = layer(np.zeros((1, 4, 6)), np.zeros((1, 4, 6)))           # doctest: +SKIP
    >>> mha_weights_from_keras(layer)["query_kernel"].shape            # doctest: +SKIP
    (6, 2, 3)
    """
    import keras

    if not isinstance(layer, keras.layers.MultiHeadAttention):
        raise TypeError(f"`layer` must be a keras.layers.MultiHeadAttention, got {type(layer).__name__}.")
    if not layer.built:
        raise ValueError(
            "`layer` is not built yet, so it has no weights. Call it once first, e.g. layer(x, x), "
            "or build it with layer.build(query_shape, value_shape)."
        )
    parts = {"query": layer.query_dense, "key": layer.key_dense, "value": layer.value_dense}
    parts["output"] = layer.output_dense
    weights: dict[str, np.ndarray] = {}
    for name, dense in parts.items():
        weights[f"{name}_kernel"] = np.asarray(dense.kernel.numpy())
        if dense.bias is not None:
            weights[f"{name}_bias"] = np.asarray(dense.bias.numpy())
    return {name: weights[name] for name in MHA_KEYS if name in weights}


def mha_weights_to_keras(weights: Mapping[str, ArrayLike]) -> list[np.ndarray]:
    """The list that ``MultiHeadAttention.set_weights`` takes: :data:`MHA_KEYS` order, biases only if present.

    Examples
    --------
    >>> w = init_multi_head_attention(np.random.default_rng(0), d_model=4, num_heads=2)
    >>> [a.shape for a in mha_weights_to_keras(w)]
    [(4, 2, 2), (2, 2), (4, 2, 2), (2, 2), (4, 2, 2), (2, 2), (2, 2, 4), (4,)]
    """
    w = _mha_weights(weights, None)
    return [np.asarray(w[name]) for name in MHA_KEYS if w[name] is not None]


# --------------------------------------------------------------------------------------------
# Layer norm, feed-forward, the encoder block.
# --------------------------------------------------------------------------------------------


def layer_norm(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = LAYER_NORM_EPSILON) -> np.ndarray:
    r"""Layer normalisation over the last axis (each token's features), then a scale and a shift.

    .. math::

        \operatorname{LN}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta, \qquad
        \mu = \frac1d \sum_j x_j, \quad \sigma^2 = \frac1d \sum_j (x_j - \mu)^2

    The variance divides by d (not d − 1). :math:`\varepsilon` defaults to 1e-3, Keras's
    ``LayerNormalization`` default; BERT uses 1e-12 and PyTorch 1e-5, and with features of
    small variance the choice shows. Derived in notebook 09, section 4.

    Parameters
    ----------
    x:
        Shape (…, d).
    gamma, beta:
        Shape (d,).
    eps:
        Added to the variance, > 0.

    Examples
    --------
    >>> layer_norm([[1.0, 2.0, 3.0]], np.ones(3), np.zeros(3), eps=1e-12).round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """
    x = _array(x, "x")
    if x.ndim < 1:
        raise ValueError(f"`x` must have at least one axis (the features), got shape {x.shape}.")
    d = x.shape[-1]
    gamma = _array(gamma, "gamma", ndim=1)
    beta = _array(beta, "beta", ndim=1)
    if gamma.shape != (d,) or beta.shape != (d,):
        raise ValueError(
            f"`gamma` and `beta` must have shape ({d},) like x's last axis, got {gamma.shape} and {beta.shape}."
        )
    eps = _positive_real(eps, "eps", "1e-3")
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def feed_forward(
    x: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, *, activation: str = "relu"
) -> np.ndarray:
    r"""The position-wise feed-forward network: the same two dense layers applied to every token.

    .. math::

        \operatorname{FFN}(x) = \phi(x W_1 + b_1)\, W_2 + b_2

    with :math:`W_1` of shape (d, d_ff), :math:`W_2` (d_ff, d), and :math:`\phi` the ReLU (the
    original Transformer) or the exact GELU (BERT). Derived in notebook 09, section 4.

    Examples
    --------
    >>> feed_forward([[1.0, -1.0]], np.eye(2), np.zeros(2), np.ones((2, 1)), np.zeros(1))
    array([[1.]])
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {_ACTIVATIONS}, got {activation!r}.")
    x = _array(x, "x")
    W1, W2 = _array(W1, "W1", ndim=2), _array(W2, "W2", ndim=2)
    b1, b2 = _array(b1, "b1", ndim=1), _array(b2, "b2", ndim=1)
    if x.ndim < 1 or x.shape[-1] != W1.shape[0] or b1.shape != (W1.shape[1],) or W2.shape[0] != W1.shape[1]:
        raise ValueError(
            f"shapes do not chain: x {x.shape} (…, d), W1 {W1.shape} (d, d_ff), b1 {b1.shape} (d_ff,), "
            f"W2 {W2.shape} (d_ff, d_out), b2 {b2.shape} (d_out,)."
        )
    if b2.shape != (W2.shape[1],):
        raise ValueError(f"`b2` must have shape ({W2.shape[1]},) like W2's columns, got {b2.shape}.")
    hidden = x @ W1 + b1
    hidden = relu(hidden) if activation == "relu" else gelu(hidden)
    return hidden @ W2 + b2


def init_encoder_block(
    rng: np.random.Generator, d_model: int, num_heads: int, d_ff: int, *, dtype: Any = np.float64
) -> dict[str, Any]:
    r"""Random weights for :func:`transformer_encoder_block` (keys :data:`ENCODER_KEYS`).

    Attention as :func:`init_multi_head_attention` with key size d_model // num_heads; W1 (d, d_ff)
    and W2 (d_ff, d) from :math:`\mathcal{N}(0, 1/\text{fan-in})`; zero biases; layer norms
    with :math:`\gamma = 1`, :math:`\beta = 0`.

    Examples
    --------
    >>> w = init_encoder_block(np.random.default_rng(0), d_model=8, num_heads=2, d_ff=32)
    >>> w["W1"].shape, w["attention"]["query_kernel"].shape
    ((8, 32), (8, 2, 4))
    """
    d = _count(d_model, "d_model", example="64")
    f = _count(d_ff, "d_ff", example="256")
    h = _count(num_heads, "num_heads")
    if d % h:
        raise ValueError(f"`num_heads`={h} must divide `d_model`={d} (key size d_model // num_heads).")
    attention = init_multi_head_attention(rng, d, h, dtype=dtype)
    ones, zeros = np.ones(d, dtype=dtype), np.zeros(d, dtype=dtype)
    return {
        "attention": attention,
        "ln1_gamma": ones,
        "ln1_beta": zeros,
        "W1": rng.normal(0.0, 1 / math.sqrt(d), size=(d, f)).astype(dtype),
        "b1": np.zeros(f, dtype=dtype),
        "W2": rng.normal(0.0, 1 / math.sqrt(f), size=(f, d)).astype(dtype),
        "b2": zeros.copy(),
        "ln2_gamma": ones.copy(),
        "ln2_beta": zeros.copy(),
    }


def transformer_encoder_block(
    x: ArrayLike,
    weights: Mapping[str, Any],
    num_heads: int,
    mask: ArrayLike | None = None,
    *,
    activation: str = "relu",
    eps: float = LAYER_NORM_EPSILON,
) -> tuple[np.ndarray, np.ndarray]:
    r"""One post-LN Transformer encoder block (the original Transformer's and BERT's arrangement).

    .. math::

        H = \operatorname{LN}_1\bigl(X + \operatorname{MultiHead}(X, X)\bigr), \qquad
        Y = \operatorname{LN}_2\bigl(H + \operatorname{FFN}(H)\bigr)

    Two sub-layers, each wrapped in a residual connection and followed by a layer norm. (GPT-2
    and most recent models put the norm *before* each sub-layer instead: pre-LN.) Derived in
    notebook 09, section 4.

    Parameters
    ----------
    x:
        Shape (B, T, d) or (T, d).
    weights:
        A dict with keys :data:`ENCODER_KEYS`; ``weights["attention"]`` is a multi-head attention
        dict; see :func:`init_encoder_block` and :func:`encoder_block_weights_from_keras`.
    num_heads:
        Heads of the attention.
    mask:
        Attention mask, True = may attend (see :func:`multi_head_attention`).
    activation:
        ``"relu"`` or ``"gelu"``, the feed-forward network's nonlinearity.
    eps:
        The layer norms' epsilon.

    Returns
    -------
    out : numpy.ndarray
        The shape of ``x``.
    attention_weights : numpy.ndarray
        Shape (B, h, T, T), or (h, T, T).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = init_encoder_block(rng, d_model=8, num_heads=2, d_ff=32)
    >>> y, a = transformer_encoder_block(rng.normal(size=(5, 8)), w, num_heads=2)
    >>> y.shape, a.shape, bool(np.allclose(y.mean(axis=-1), 0.0))   # LN: each token has mean beta = 0
    ((5, 8), (2, 5, 5), True)
    """
    if not isinstance(weights, Mapping):
        raise TypeError(f"`weights` must be a dict with keys {ENCODER_KEYS}, got {type(weights).__name__}.")
    missing = [name for name in ENCODER_KEYS if name not in weights]
    if missing:
        raise ValueError(f"`weights` is missing {missing}; expected keys {ENCODER_KEYS} (see init_encoder_block).")
    x = _array(x, "x", ndim=(2, 3), what=": (T, d_model) or (B, T, d_model)")
    attended, attention_weights = multi_head_attention(x, x, weights["attention"], num_heads, mask)
    if attended.shape != x.shape:
        raise ValueError(f"the attention's output has shape {attended.shape}, but the residual needs x's {x.shape}.")
    h = layer_norm(x + attended, weights["ln1_gamma"], weights["ln1_beta"], eps)
    f = feed_forward(h, weights["W1"], weights["b1"], weights["W2"], weights["b2"], activation=activation)
    return layer_norm(h + f, weights["ln2_gamma"], weights["ln2_beta"], eps), attention_weights


def build_keras_encoder_block(
    seq_len: int, d_model: int, num_heads: int, d_ff: int, *, activation: str = "relu", dtype: str = "float32"
) -> Any:
    """The post-LN encoder block built from Keras layers (read back by :func:`encoder_block_weights_from_keras`).

    The model takes ``[x, mask]``: ``x`` of shape (B, seq_len, d_model) and a boolean
    ``mask`` (B, seq_len, seq_len), True = may attend (all True for no mask). Its layers are
    ``attention`` (``MultiHeadAttention`` with key_dim = d_model // num_heads), ``norm_1``,
    ``ffn_1`` (``Dense(d_ff, activation)``), ``ffn_2`` (``Dense(d_model)``) and ``norm_2``
    (``LayerNormalization``, default epsilon 1e-3). Imports Keras. Notebook 09, section 4.
    """
    import keras

    n = _count(seq_len, "seq_len", example="10")
    d = _count(d_model, "d_model", example="64")
    h = _count(num_heads, "num_heads")
    f = _count(d_ff, "d_ff", example="256")
    if d % h:
        raise ValueError(f"`num_heads`={h} must divide `d_model`={d} (key size d_model // num_heads).")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {_ACTIVATIONS}, got {activation!r}.")
    layers = keras.layers
    x = keras.Input((n, d), dtype=dtype, name="x")
    mask = keras.Input((n, n), dtype="bool", name="mask")
    attended = layers.MultiHeadAttention(num_heads=h, key_dim=d // h, name="attention", dtype=dtype)(
        x, x, attention_mask=mask
    )
    hidden = layers.LayerNormalization(name="norm_1", dtype=dtype)(layers.Add(dtype=dtype)([x, attended]))
    ffn = layers.Dense(d, name="ffn_2", dtype=dtype)(
        layers.Dense(f, activation=activation, name="ffn_1", dtype=dtype)(hidden)
    )
    out = layers.LayerNormalization(name="norm_2", dtype=dtype)(layers.Add(dtype=dtype)([hidden, ffn]))
    return keras.Model([x, mask], out, name="encoder_block")


def encoder_block_weights_from_keras(model: Any) -> dict[str, Any]:
    """Read the weights of a :func:`build_keras_encoder_block` model into a :func:`transformer_encoder_block` dict."""
    try:
        attention = model.get_layer("attention")
        norm_1, norm_2 = model.get_layer("norm_1"), model.get_layer("norm_2")
        ffn_1, ffn_2 = model.get_layer("ffn_1"), model.get_layer("ffn_2")
    except (AttributeError, ValueError):
        raise ValueError(
            "`model` must be a Keras model with layers named attention, norm_1, ffn_1, ffn_2 and norm_2, "
            "as build_keras_encoder_block makes."
        ) from None
    return {
        "attention": mha_weights_from_keras(attention),
        "ln1_gamma": norm_1.gamma.numpy(),
        "ln1_beta": norm_1.beta.numpy(),
        "W1": ffn_1.kernel.numpy(),
        "b1": ffn_1.bias.numpy(),
        "W2": ffn_2.kernel.numpy(),
        "b2": ffn_2.bias.numpy(),
        "ln2_gamma": norm_2.gamma.numpy(),
        "ln2_beta": norm_2.beta.numpy(),
    }
