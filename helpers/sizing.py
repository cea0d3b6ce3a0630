r"""Sizing Transformers: parameter counts, training and inference FLOPs, and what they cost.

How "large" a model is comes down to three numbers: its parameters :math:`N`, the tokens
:math:`D` it is trained on, and the compute :math:`C` that training takes. This module counts
the first exactly for Transformer encoders (BERT) and decoders (GPT), in the same layout as
``keras.layers.Dense``, ``Embedding``, ``LayerNormalization`` and ``MultiHeadAttention`` (the
tests compare every count with Keras's ``count_params()``), and estimates the other two with the
approximations of Kaplan et al. (2020), "Scaling Laws for Neural Language Models":

.. math::

    C_\text{forward} \approx 2N \ \text{FLOPs per token}, \qquad
    C_\text{train} \approx 6 N D .

Cost estimates take every assumption as an explicit argument (the accelerator's peak FLOP/s,
the fraction of it a run achieves, the price of a device-hour): there are no hidden defaults,
because those numbers change every few months and a reader must put in current ones.

Derived and checked in notebook 01 (what a large model is): parameter counts in §1, compute and
cost in §2. Sizes must be whole numbers > 0 (a :class:`TypeError` or :class:`ValueError` names
the argument otherwise). This module imports nothing but the standard library.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "dense_params",
    "embedding_params",
    "layer_norm_params",
    "attention_params",
    "feed_forward_params",
    "encoder_block_params",
    "decoder_block_params",
    "TransformerConfig",
    "ParamBreakdown",
    "model_params",
    "BERT_BASE",
    "GPT2_SMALL",
    "forward_flops_per_token",
    "training_flops",
    "attention_flops_per_token",
    "Cost",
    "training_cost",
    "inference_cost",
]

SECONDS_PER_HOUR = 3600
_OUTPUT_HEADS = ("none", "tied", "untied")


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _size(value: Any, name: str, *, minimum: int = 1, example: str = "768") -> int:
    """``value`` as an int >= ``minimum``, or an error that names ``name`` and the fix."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fix = f" Pass int({value!r})." if isinstance(value, float) and value.is_integer() else ""
        raise TypeError(
            f"`{name}` must be a whole number such as {example}, got {value!r} of type {type(value).__name__}.{fix}"
        )
    if value < minimum:
        bound = "> 0" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"`{name}` must be {bound}, got {value}; for example {name}={example}.")
    return int(value)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be True or False, got {value!r} of type {type(value).__name__}.")
    return value


def _positive(value: Any, name: str, example: str) -> float:
    """``value`` as a finite float > 0 (a FLOP count, a rate, a price), or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number such as {example}, got {value!r} of type {type(value).__name__}.")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0, such as {example}; got {value}.")
    return float(value)


def _fraction(value: Any, name: str) -> float:
    """``value`` as a float in (0, 1], or an error that says a percentage is not a fraction."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise TypeError(f"`{name}` must be a number in (0, 1] such as 0.4, got {value!r} of type {kind}.")
    if not (math.isfinite(value) and 0 < value <= 1):
        hint = f" For {value}%, pass {value / 100:g}." if 1 < value <= 100 else ""
        raise ValueError(f"`{name}` must be a fraction in (0, 1], such as 0.4 for 40%; got {value}.{hint}")
    return float(value)


def _head_dims(d_model: int, num_heads: int, key_dim: Any) -> int:
    """The per-head key size: ``key_dim`` if given, else ``d_model // num_heads`` when that is exact."""
    if key_dim is not None:
        return _size(key_dim, "key_dim", example="64")
    if d_model % num_heads:
        raise ValueError(
            f"`d_model`={d_model} is not divisible by `num_heads`={num_heads}, so the default "
            f"key_dim = d_model // num_heads = {d_model // num_heads} would not split d_model evenly "
            f"across the heads. Choose num_heads that divides d_model, or pass key_dim explicitly."
        )
    return d_model // num_heads


# --------------------------------------------------------------------------------------------
# Layers.
# --------------------------------------------------------------------------------------------


def dense_params(d_in: int, d_out: int, *, bias: bool = True) -> int:
    r"""Parameters of a dense layer :math:`y = xW + b` (``keras.layers.Dense``).

    .. math::

        N_\text{dense} = d_\text{in}\, d_\text{out} + d_\text{out} \quad (\text{the last term only with a bias})

    Parameters
    ----------
    d_in, d_out:
        Input and output sizes; :math:`W` has shape ``(d_in, d_out)``, :math:`b` shape ``(d_out,)``.
    bias:
        Whether the layer has a bias (Keras's ``use_bias``).

    >>> dense_params(768, 3072)
    2362368
    >>> dense_params(768, 3072, bias=False)
    2359296
    """
    d_in, d_out = _size(d_in, "d_in"), _size(d_out, "d_out")
    return d_in * d_out + (d_out if _flag(bias, "bias") else 0)


def embedding_params(vocab_size: int, d_model: int) -> int:
    r"""Parameters of an embedding table (``keras.layers.Embedding``): one row of size ``d_model`` per id.

    .. math::

        N_\text{emb} = V\, d_\text{model}

    >>> embedding_params(30522, 768)
    23440896
    """
    return _size(vocab_size, "vocab_size", example="30522") * _size(d_model, "d_model")


def layer_norm_params(d_model: int) -> int:
    r"""Parameters of a layer norm over ``d_model`` features: a scale :math:`\gamma` and a shift :math:`\beta`.

    .. math::

        N_\text{LN} = 2\, d_\text{model}

    >>> layer_norm_params(768)
    1536
    """
    return 2 * _size(d_model, "d_model")


def attention_params(
    d_model: int,
    num_heads: int,
    key_dim: int | None = None,
    *,
    value_dim: int | None = None,
    bias: bool = True,
) -> int:
    r"""Parameters of multi-head attention, laid out as ``keras.layers.MultiHeadAttention``.

    The query, key and value projections map ``d_model`` to ``num_heads × key_dim`` (values:
    ``num_heads × value_dim``), each with a bias; the output projection maps
    ``num_heads × value_dim`` back to ``d_model``, with a bias. With :math:`h` heads of size
    :math:`k = v`:

    .. math::

        N_\text{MHA} = 3\,(d\,hk + hk) + hk\,d + d ,

    which is :math:`4d^2 + 4d` when :math:`hk = d`, whatever the number of heads.

    Parameters
    ----------
    d_model:
        The model width :math:`d`: the size of each token's vector in and out.
    num_heads:
        The number of heads :math:`h`.
    key_dim:
        The size :math:`k` of each head's queries and keys. Default ``d_model // num_heads``,
        which requires ``num_heads`` to divide ``d_model``.
    value_dim:
        The size of each head's values. Default ``key_dim`` (as in Keras).
    bias:
        Whether the four projections have biases (Keras's ``use_bias``; BERT and GPT-2 do).

    >>> attention_params(768, 12)      # BERT-base, GPT-2 small: 4·768² + 4·768
    2362368
    >>> attention_params(512, 8, key_dim=32)
    525568
    """
    d = _size(d_model, "d_model")
    h = _size(num_heads, "num_heads", example="12")
    k = _head_dims(d, h, key_dim)
    v = k if value_dim is None else _size(value_dim, "value_dim", example="64")
    with_bias = _flag(bias, "bias")
    q_and_k = 2 * (d * h * k + (h * k if with_bias else 0))
    values = d * h * v + (h * v if with_bias else 0)
    output = h * v * d + (d if with_bias else 0)
    return q_and_k + values + output


def feed_forward_params(d_model: int, d_ff: int, *, bias: bool = True) -> int:
    r"""Parameters of the position-wise feed-forward network: dense ``d_model → d_ff``, then ``d_ff → d_model``.

    .. math::

        N_\text{FFN} = 2\, d\, d_\text{ff} + d_\text{ff} + d

    >>> feed_forward_params(768, 3072)
    4722432
    """
    d, f = _size(d_model, "d_model"), _size(d_ff, "d_ff", example="3072")
    return dense_params(d, f, bias=bias) + dense_params(f, d, bias=bias)


def encoder_block_params(d_model: int, num_heads: int, d_ff: int, key_dim: int | None = None) -> int:
    r"""Parameters of one Transformer encoder block (BERT): attention, feed-forward and two layer norms.

    .. math::

        N_\text{block} = N_\text{MHA} + N_\text{FFN} + 2 \cdot 2d
        \;=\; 4d^2 + 4d + 2\,d\,d_\text{ff} + d_\text{ff} + d + 4d \quad (hk = d)

    >>> encoder_block_params(768, 12, 3072)
    7087872
    """
    d = _size(d_model, "d_model")
    return attention_params(d, num_heads, key_dim) + feed_forward_params(d, d_ff) + 2 * layer_norm_params(d)


def decoder_block_params(d_model: int, num_heads: int, d_ff: int, key_dim: int | None = None) -> int:
    r"""Parameters of one decoder-only (GPT) block: masked self-attention, feed-forward, two layer norms.

    The count equals :func:`encoder_block_params`: a GPT block differs from a BERT block in
    *where* its layer norms sit (before each sub-layer rather than after) and in the causal mask
    of its attention, and neither has parameters. (The decoder of the original encoder–decoder
    Transformer also has cross-attention; a decoder-only model has none.)

    .. math::

        N_\text{block} = N_\text{MHA} + N_\text{FFN} + 4d

    >>> decoder_block_params(768, 12, 3072) == encoder_block_params(768, 12, 3072)
    True
    """
    return encoder_block_params(d_model, num_heads, d_ff, key_dim)


# --------------------------------------------------------------------------------------------
# Whole models.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformerConfig:
    """The sizes that fix a Transformer's parameter count (an encoder like BERT or a decoder like GPT).

    Attributes
    ----------
    vocab_size:
        Number of token ids :math:`V`; the token embedding has :math:`V d` parameters.
    d_model, num_layers, num_heads, d_ff:
        Width :math:`d`, number of blocks :math:`L`, attention heads, feed-forward width.
    max_positions:
        Rows of the learned position embedding (the longest input); 0 for none (sinusoidal or
        rotary positions have no parameters).
    type_vocab_size:
        Rows of the segment ("token type") embedding: 2 in BERT (sentence A/B), 0 for none.
    key_dim:
        Per-head query/key size; default ``d_model // num_heads``.
    embedding_layer_norm:
        A layer norm after the summed embeddings (BERT).
    final_layer_norm:
        A layer norm after the last block (GPT-2's ``ln_f``).
    pooler:
        BERT's pooler: a dense ``d → d`` layer (with tanh) on the first token.
    output_head:
        The projection to vocabulary logits: ``"none"`` (an encoder used for features),
        ``"tied"`` (reuses the token embedding, adds no parameters: GPT-2), or ``"untied"``
        (its own :math:`V d` matrix, no bias).
    """

    vocab_size: int
    d_model: int
    num_layers: int
    num_heads: int
    d_ff: int
    max_positions: int
    type_vocab_size: int = 0
    key_dim: int | None = None
    embedding_layer_norm: bool = False
    final_layer_norm: bool = False
    pooler: bool = False
    output_head: str = "none"

    def __post_init__(self) -> None:
        _size(self.vocab_size, "vocab_size", example="30522")
        _size(self.d_model, "d_model")
        _size(self.num_layers, "num_layers", example="12")
        _size(self.num_heads, "num_heads", example="12")
        _size(self.d_ff, "d_ff", example="3072")
        _size(self.max_positions, "max_positions", minimum=0, example="512")
        _size(self.type_vocab_size, "type_vocab_size", minimum=0, example="2")
        _head_dims(self.d_model, self.num_heads, self.key_dim)
        for name in ("embedding_layer_norm", "final_layer_norm", "pooler"):
            _flag(getattr(self, name), name)
        if self.output_head not in _OUTPUT_HEADS:
            raise ValueError(f"`output_head` must be one of {_OUTPUT_HEADS}, got {self.output_head!r}.")


@dataclass(frozen=True)
class ParamBreakdown:
    """A model's parameters by component (each field a count over the whole model)."""

    token_embedding: int
    position_embedding: int
    type_embedding: int
    embedding_norm: int
    attention: int
    feed_forward: int
    block_norms: int
    final_norm: int
    pooler: int
    output_head: int

    @property
    def total(self) -> int:
        """All parameters; a tied output head counts once, as in Keras and PyTorch."""
        return sum(asdict(self).values())

    @property
    def embeddings(self) -> int:
        """Token, position and segment embedding tables."""
        return self.token_embedding + self.position_embedding + self.type_embedding

    @property
    def non_embedding(self) -> int:
        """Parameters outside the embedding tables and an untied output head: Kaplan et al.'s :math:`N`."""
        return self.total - self.embeddings - self.output_head

    def as_dict(self) -> dict[str, int]:
        """The components as a plain dict, in the order above."""
        return asdict(self)

    def groups(self) -> dict[str, int]:
        """Four groups that sum to :attr:`total`: embeddings (with an untied head), attention, feed-forward, other."""
        return {
            "embeddings": self.embeddings + self.output_head,
            "attention": self.attention,
            "feed-forward": self.feed_forward,
            "norms and pooler": self.embedding_norm + self.block_norms + self.final_norm + self.pooler,
        }


def model_params(config: TransformerConfig) -> ParamBreakdown:
    r"""Count a whole Transformer's parameters from its configuration, component by component.

    .. math::

        N = \underbrace{V d + P d + T d}_\text{embeddings}
          + L \, N_\text{block} + [2d]_\text{emb. LN} + [2d]_\text{final LN}
          + [d^2 + d]_\text{pooler} + [V d]_\text{untied head}

    with :math:`P` = ``max_positions`` and :math:`T` = ``type_vocab_size``; bracketed terms only
    when the configuration has them.

    >>> model_params(BERT_BASE).total
    109482240
    >>> model_params(GPT2_SMALL).total
    124439808
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(
            f"`config` must be a TransformerConfig, got {type(config).__name__}. "
            f"Example: TransformerConfig(vocab_size=1000, d_model=64, num_layers=2, num_heads=4, d_ff=256, "
            f"max_positions=128)."
        )
    c, d, layers = config, config.d_model, config.num_layers
    return ParamBreakdown(
        token_embedding=embedding_params(c.vocab_size, d),
        position_embedding=c.max_positions * d,
        type_embedding=c.type_vocab_size * d,
        embedding_norm=layer_norm_params(d) if c.embedding_layer_norm else 0,
        attention=layers * attention_params(d, c.num_heads, c.key_dim),
        feed_forward=layers * feed_forward_params(d, c.d_ff),
        block_norms=layers * 2 * layer_norm_params(d),
        final_norm=layer_norm_params(d) if c.final_layer_norm else 0,
        pooler=dense_params(d, d) if c.pooler else 0,
        output_head=c.vocab_size * d if c.output_head == "untied" else 0,
    )


BERT_BASE = TransformerConfig(
    vocab_size=30522,
    d_model=768,
    num_layers=12,
    num_heads=12,
    d_ff=3072,
    max_positions=512,
    type_vocab_size=2,
    embedding_layer_norm=True,
    pooler=True,
)
"""BERT-base (Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding": L=12, H=768, A=12, "110M" parameters), with the released uncased WordPiece vocabulary
of 30,522 tokens, 512 positions, 2 segment types and the pooler; without the pre-training heads."""

GPT2_SMALL = TransformerConfig(
    vocab_size=50257,
    d_model=768,
    num_layers=12,
    num_heads=12,
    d_ff=3072,
    max_positions=1024,
    final_layer_norm=True,
    output_head="tied",
)
"""GPT-2 small (Radford et al., 2019, "Language Models are Unsupervised Multitask Learners"): 12 layers,
width 768, 12 heads, feed-forward 3072, byte-level BPE vocabulary of 50,257, 1,024 positions, a final
layer norm, output projection tied to the token embedding. The paper's table gives 117M parameters;
OpenAI's released checkpoint has 124M, and the ``openai/gpt-2`` repository notes that the original
counts were wrong."""


# --------------------------------------------------------------------------------------------
# Compute and cost.
# --------------------------------------------------------------------------------------------


def forward_flops_per_token(n_params: float) -> float:
    r"""FLOPs of one forward pass per token: one multiply and one add for every weight.

    .. math::

        C_\text{forward} \approx 2N

    It leaves out the attention over the context (:func:`attention_flops_per_token`) and the
    cheap element-wise work (biases, norms, activations).

    >>> forward_flops_per_token(124e6)
    248000000.0
    """
    return 2.0 * _positive(n_params, "n_params", "124e6")


def training_flops(n_params: float, n_tokens: float) -> float:
    r"""FLOPs to train ``n_params`` parameters on ``n_tokens`` tokens (Kaplan et al., 2020).

    .. math::

        C_\text{train} \approx 6 N D

    Per token and weight: 2 FLOPs forward (a multiply-add), 4 backward (the gradient with
    respect to the weight, and the gradient passed on to the layer's input, each a
    multiply-add). Notebook 01 §2 counts them in a NumPy forward and backward pass.

    >>> f"{training_flops(175e9, 300e9):.3g}"    # GPT-3's 175B parameters on 300B tokens
    '3.15e+23'
    """
    return 6.0 * _positive(n_params, "n_params", "124e6") * _positive(n_tokens, "n_tokens", "2.5e9")


def attention_flops_per_token(num_layers: int, context_length: int, d_model: int) -> float:
    r"""Forward FLOPs per token of attention over the context, the term that :math:`2N` leaves out.

    A token that attends to :math:`c` positions spends :math:`2cd` FLOPs on the scores
    :math:`q \cdot k` and :math:`2cd` on the weighted sum of the values, per layer. In a causal
    model, averaged over a sequence of :math:`n_\text{ctx}` tokens, :math:`c \approx n_\text{ctx}/2`:

    .. math::

        C_\text{attention} \approx 2\, L\, n_\text{ctx}\, d_\text{model}

    as in Kaplan et al. (2020), Table 1. (Per-head sizes do not matter: the heads split
    :math:`d_\text{model}` between them.)

    >>> attention_flops_per_token(12, 1024, 768)   # GPT-2 small at full context
    18874368.0
    """
    layers = _size(num_layers, "num_layers", example="12")
    context = _size(context_length, "context_length", example="1024")
    return 2.0 * layers * context * _size(d_model, "d_model")


@dataclass(frozen=True)
class Cost:
    """What a computation costs on one kind of accelerator.

    Attributes
    ----------
    device_seconds:
        Seconds of one device's time (divide by the number of devices for wall-clock time).
    device_hours:
        The same in hours, the unit cloud prices use.
    money:
        ``device_hours × price_per_device_hour``, in the currency of the price.
    """

    device_seconds: float
    device_hours: float
    money: float


def training_cost(
    flops: float,
    peak_flops_per_second: float,
    utilization: float,
    price_per_device_hour: float,
) -> Cost:
    r"""Device time and money for ``flops`` of work, every assumption an argument.

    .. math::

        t = \frac{C}{\text{peak} \times u}, \qquad
        \text{hours} = \frac{t}{3600}, \qquad \text{money} = \text{hours} \times \text{price}

    Parameters
    ----------
    flops:
        The work, e.g. :func:`training_flops`.
    peak_flops_per_second:
        The device's datasheet peak at the precision used (e.g. dense BF16 tensor-core FLOP/s).
    utilization:
        The fraction of that peak the run achieves (model FLOPs utilization), in (0, 1].
        Well-tuned large training runs report roughly 0.3–0.6; small or badly fed runs far less.
    price_per_device_hour:
        What one device-hour costs you. Use a current quote; prices change often.

    >>> cost = training_cost(1e18, peak_flops_per_second=1e14, utilization=0.5, price_per_device_hour=2.0)
    >>> cost.device_seconds, round(cost.device_hours, 4), round(cost.money, 2)
    (20000.0, 5.5556, 11.11)
    """
    work = _positive(flops, "flops", "1e18")
    peak = _positive(peak_flops_per_second, "peak_flops_per_second", "312e12")
    u = _fraction(utilization, "utilization")
    price = _positive(price_per_device_hour, "price_per_device_hour", "2.0")
    seconds = work / (peak * u)
    hours = seconds / SECONDS_PER_HOUR
    return Cost(device_seconds=seconds, device_hours=hours, money=hours * price)


def inference_cost(
    n_params: float,
    n_tokens: float,
    peak_flops_per_second: float,
    utilization: float,
    price_per_device_hour: float,
) -> Cost:
    r"""Device time and money to generate ``n_tokens`` tokens with a model of ``n_params`` parameters.

    .. math::

        C = 2 N \times \text{tokens}, \quad \text{then as in } :func:`training_cost`.

    Generating one token at a time is limited by memory bandwidth, not arithmetic, unless many
    requests are batched together: the ``utilization`` of a small-batch server is far below that
    of training (notebook 01 §2.4 estimates it). Prompt tokens take the same :math:`2N` FLOPs each
    but are processed in parallel, at a higher utilization.

    >>> round(inference_cost(124e6, 1e6, 312e12, 0.4, 2.0).money, 6)
    0.001104
    """
    work = forward_flops_per_token(n_params) * _positive(n_tokens, "n_tokens", "1e6")
    return training_cost(work, peak_flops_per_second, utilization, price_per_device_hour)
