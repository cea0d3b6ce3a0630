"""Tests of helpers.sizing: every parameter count against Keras's ``count_params()``, the published
sizes of BERT-base and GPT-2 small, properties of the formulas, the compute and cost arithmetic, and
the errors that bad input gets.

Keras models here are tiny (widths of a few dozen), so building them takes well under a second; the
import of TensorFlow dominates the run time.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import sizing
from helpers.sizing import (
    BERT_BASE,
    GPT2_SMALL,
    TransformerConfig,
    attention_flops_per_token,
    attention_params,
    decoder_block_params,
    dense_params,
    embedding_params,
    encoder_block_params,
    feed_forward_params,
    forward_flops_per_token,
    inference_cost,
    layer_norm_params,
    model_params,
    training_cost,
    training_flops,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)
KERAS_PROPERTY = settings(max_examples=6, deadline=None, derandomize=True, database=None)

TINY_ENCODER = TransformerConfig(
    vocab_size=53,
    d_model=24,
    num_layers=2,
    num_heads=4,
    d_ff=40,
    max_positions=11,
    type_vocab_size=3,
    embedding_layer_norm=True,
    pooler=True,
)
TINY_DECODER = TransformerConfig(
    vocab_size=61,
    d_model=20,
    num_layers=3,
    num_heads=5,
    d_ff=36,
    max_positions=9,
    final_layer_norm=True,
    output_head="tied",
)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("keras")


# ---------------------------------------------------------------------------------------------
# Keras models built from the same configurations


def _keras_block(keras, x, num_heads, key_dim, d_ff, *, pre_norm):
    """A Transformer block: post-LN as in BERT, or pre-LN with a causal mask as in GPT-2."""
    layers = keras.layers
    d = x.shape[-1]
    attention = layers.MultiHeadAttention(num_heads, key_dim)
    up, down = layers.Dense(d_ff, activation="gelu"), layers.Dense(d)
    norm_1, norm_2 = layers.LayerNormalization(), layers.LayerNormalization()
    if pre_norm:
        h = norm_1(x)
        x = layers.Add()([x, attention(h, h, use_causal_mask=True)])
        return layers.Add()([x, down(up(norm_2(x)))])
    x = norm_1(layers.Add()([x, attention(x, x)]))
    return norm_2(layers.Add()([x, down(up(x))]))


def _keras_model(keras, config, *, seq=7):
    """A Keras model of ``config``: pre-LN decoder when it has an output head, post-LN encoder otherwise."""
    layers = keras.layers
    d = config.d_model
    key_dim = config.key_dim or d // config.num_heads
    tokens = keras.Input((seq,), dtype="int32")
    inputs = [tokens]
    token_embedding = layers.Embedding(config.vocab_size, d)
    parts = [token_embedding(tokens)]
    for rows in (config.max_positions, config.type_vocab_size):
        if rows:
            ids = keras.Input((seq,), dtype="int32")
            inputs.append(ids)
            parts.append(layers.Embedding(rows, d)(ids))
    x = layers.Add()(parts) if len(parts) > 1 else parts[0]
    if config.embedding_layer_norm:
        x = layers.LayerNormalization()(x)
    for _ in range(config.num_layers):
        x = _keras_block(keras, x, config.num_heads, key_dim, config.d_ff, pre_norm=config.output_head != "none")
    if config.final_layer_norm:
        x = layers.LayerNormalization()(x)
    if config.pooler:
        x = layers.Dense(d, activation="tanh")(layers.Lambda(lambda t: t[:, 0])(x))
    if config.output_head == "tied":
        x = _TiedLogits(keras, token_embedding)(x)
    elif config.output_head == "untied":
        x = layers.Dense(config.vocab_size, use_bias=False)(x)
    return keras.Model(inputs, x)


def _TiedLogits(keras, embedding):  # noqa: N802 - a layer factory, named like the class it returns
    """A layer computing logits x Eᵀ with the token embedding E itself (weight tying)."""

    class TiedLogits(keras.layers.Layer):
        def __init__(self, table):
            super().__init__()
            self.table = table

        def call(self, x):
            return keras.ops.matmul(x, keras.ops.transpose(self.table.embeddings))

    return TiedLogits(embedding)


# ---------------------------------------------------------------------------------------------
# Layers against Keras


@KERAS_PROPERTY
@given(st.integers(1, 40), st.integers(1, 40), st.booleans())
def test_dense_params_equals_keras(keras, d_in, d_out, bias):
    layer = keras.layers.Dense(d_out, use_bias=bias)
    layer.build((None, d_in))
    assert dense_params(d_in, d_out, bias=bias) == layer.count_params()


def test_embedding_and_layer_norm_params_equal_keras(keras):
    embedding = keras.layers.Embedding(37, 12)
    embedding.build((None, 5))
    norm = keras.layers.LayerNormalization()
    norm.build((None, 5, 12))
    assert embedding_params(37, 12) == embedding.count_params() == 37 * 12
    assert layer_norm_params(12) == norm.count_params() == 24


@pytest.mark.parametrize(
    "d_model, num_heads, key_dim, value_dim, bias",
    [
        (12, 3, None, None, True),  # key_dim = d_model / num_heads
        (12, 3, 5, None, True),  # key_dim != d_model / num_heads
        (16, 2, 3, 7, True),  # separate value_dim
        (10, 1, 4, None, False),  # no biases
    ],
)
def test_attention_params_equals_keras_multi_head_attention(keras, d_model, num_heads, key_dim, value_dim, bias):
    layer = keras.layers.MultiHeadAttention(
        num_heads, key_dim or d_model // num_heads, value_dim=value_dim, use_bias=bias
    )
    x = keras.Input((6, d_model))
    layer(x, x)
    assert attention_params(d_model, num_heads, key_dim, value_dim=value_dim, bias=bias) == layer.count_params()


def test_feed_forward_params_equals_two_keras_dense_layers(keras):
    model = keras.Sequential([keras.Input((5, 14)), keras.layers.Dense(33), keras.layers.Dense(14)])
    assert feed_forward_params(14, 33) == model.count_params()


@pytest.mark.parametrize("pre_norm", [False, True], ids=["encoder (post-LN)", "decoder (pre-LN, causal)"])
@pytest.mark.parametrize("key_dim", [None, 5])
def test_block_params_equal_a_keras_block(keras, pre_norm, key_dim):
    d, heads, d_ff = 16, 4, 28
    x = keras.Input((6, d))
    model = keras.Model(x, _keras_block(keras, x, heads, key_dim or d // heads, d_ff, pre_norm=pre_norm))
    count = (decoder_block_params if pre_norm else encoder_block_params)(d, heads, d_ff, key_dim)
    assert count == model.count_params()


@pytest.mark.parametrize(
    "config",
    [
        TINY_ENCODER,
        TINY_DECODER,
        dataclasses.replace(TINY_DECODER, output_head="untied"),
        dataclasses.replace(TINY_ENCODER, key_dim=7, type_vocab_size=0, max_positions=0, pooler=False),
    ],
    ids=["encoder", "decoder, tied", "decoder, untied", "encoder, key_dim 7, no positions"],
)
def test_model_params_equals_a_keras_model_of_the_same_config(keras, config):
    assert model_params(config).total == _keras_model(keras, config).count_params()


def test_the_tied_head_really_reuses_the_embedding(keras):
    model = _keras_model(keras, TINY_DECODER)
    embedding = next(layer for layer in model.layers if isinstance(layer, keras.layers.Embedding))
    tokens = np.arange(7).reshape(1, 7) % TINY_DECODER.vocab_size
    logits = np.asarray(model([tokens, np.arange(7).reshape(1, 7)]))
    assert logits.shape == (1, 7, TINY_DECODER.vocab_size)
    assert sum(w is embedding.embeddings for w in model.weights) == 1, "the shared table is one variable, counted once"


# ---------------------------------------------------------------------------------------------
# Published models


def test_bert_base_reproduces_its_published_size():
    parts = model_params(BERT_BASE)
    assert parts.total == 109_482_240
    assert round(parts.total, -7) == 110_000_000, "Devlin et al. (2019): 110M"
    assert parts.embeddings == (30522 + 512 + 2) * 768
    assert parts.attention + parts.feed_forward + parts.block_norms == 12 * 7_087_872
    assert parts.pooler == 768 * 768 + 768 and parts.output_head == 0


def test_gpt2_small_reproduces_the_released_checkpoint_size():
    parts = model_params(GPT2_SMALL)
    assert parts.total == 124_439_808
    assert round(parts.total, -6) == 124_000_000
    assert abs(parts.total / 117e6 - 1) > 0.05, "the paper's 117M is not the released model's size"
    assert parts.output_head == 0, "a tied head adds no parameters"
    untied = model_params(dataclasses.replace(GPT2_SMALL, output_head="untied"))
    assert untied.total - parts.total == 50257 * 768


def test_breakdown_groups_and_dict_sum_to_the_total():
    for config in (BERT_BASE, GPT2_SMALL, TINY_ENCODER, dataclasses.replace(TINY_DECODER, output_head="untied")):
        parts = model_params(config)
        assert sum(parts.as_dict().values()) == parts.total == sum(parts.groups().values())
        assert parts.non_embedding == parts.attention + parts.feed_forward + parts.block_norms + (
            parts.embedding_norm + parts.final_norm + parts.pooler
        )


def test_gpt2_non_embedding_params_are_close_to_12_layers_d_squared():
    # Kaplan et al. (2020): N ≈ 12 · n_layer · d_model² without embeddings, biases and norms.
    approx = 12 * GPT2_SMALL.num_layers * GPT2_SMALL.d_model**2
    assert abs(model_params(GPT2_SMALL).non_embedding / approx - 1) < 0.01


# ---------------------------------------------------------------------------------------------
# Properties


@PROPERTY
@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_dense_formula(d_in, d_out, bias):
    assert dense_params(d_in, d_out, bias=bias) == d_in * d_out + bias * d_out


@PROPERTY
@given(st.integers(1, 64), st.integers(1, 8))
def test_attention_params_do_not_depend_on_the_number_of_heads_when_heads_split_d_model(head_size, num_heads):
    d = head_size * num_heads
    assert attention_params(d, num_heads) == attention_params(d, 1) == 4 * d * d + 4 * d


@PROPERTY
@given(
    st.integers(2, 500),
    st.integers(1, 8),
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(0, 64),
    st.integers(0, 3),
    st.sampled_from(["none", "tied", "untied"]),
)
def test_model_params_are_linear_in_the_number_of_layers(vocab, head_size, heads, layers, positions, types, head):
    d = head_size * heads
    config = TransformerConfig(vocab, d, layers, heads, 4 * d, positions, types, output_head=head)
    deeper = dataclasses.replace(config, num_layers=layers + 1)
    step = model_params(deeper).total - model_params(config).total
    assert step == encoder_block_params(d, heads, 4 * d)
    assert model_params(config).total == model_params(dataclasses.replace(config, num_layers=1)).total + (
        (layers - 1) * step
    )


@PROPERTY
@given(st.integers(1, 64), st.integers(1, 8), st.integers(1, 512))
def test_decoder_block_equals_encoder_block(head_size, heads, d_ff):
    d = head_size * heads
    assert decoder_block_params(d, heads, d_ff) == encoder_block_params(d, heads, d_ff)


# ---------------------------------------------------------------------------------------------
# Compute and cost


def test_training_flops_are_three_forward_passes_per_token():
    n, tokens = 124e6, 2.5e9
    assert training_flops(n, tokens) == pytest.approx(3 * forward_flops_per_token(n) * tokens, rel=1e-15)


def test_gpt3_training_flops_match_the_published_compute():
    # Brown et al. (2020) report 3.14e23 FLOPs for GPT-3 175B trained on 300B tokens.
    assert training_flops(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)


@pytest.mark.parametrize("n_ctx", [1, 2, 16, 1024])
def test_attention_flops_match_an_explicit_causal_count(n_ctx):
    d, layers = 8, 3
    # position t attends to t positions: 2·t·d for the scores, 2·t·d for the weighted values
    exact_per_token = layers * sum(4 * t * d for t in range(1, n_ctx + 1)) / n_ctx
    assert exact_per_token == pytest.approx(attention_flops_per_token(layers, n_ctx, d) * (n_ctx + 1) / n_ctx)


def test_training_cost_units():
    cost = training_cost(7.2e18, peak_flops_per_second=1e15, utilization=0.5, price_per_device_hour=3.0)
    assert cost.device_seconds == pytest.approx(14_400)
    assert cost.device_hours == pytest.approx(4.0)
    assert cost.money == pytest.approx(12.0)
    half = training_cost(7.2e18, peak_flops_per_second=1e15, utilization=1.0, price_per_device_hour=3.0)
    assert half.money == pytest.approx(cost.money / 2), "twice the utilization halves the cost"


def test_inference_cost_is_training_cost_of_two_n_flops_per_token():
    got = inference_cost(124e6, 1e6, 312e12, 0.25, 1.5)
    want = training_cost(2 * 124e6 * 1e6, 312e12, 0.25, 1.5)
    assert got == want


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: dense_params(0, 3), ValueError, "`d_in` must be > 0"),
        (lambda: dense_params(3, -2), ValueError, "`d_out` must be > 0"),
        (lambda: dense_params(3.0, 2), TypeError, r"`d_in` must be a whole number.*Pass int\(3.0\)"),
        (lambda: dense_params(True, 2), TypeError, "`d_in` must be a whole number"),
        (lambda: dense_params(3, 2, bias=1), TypeError, "`bias` must be True or False"),
        (lambda: embedding_params("100", 8), TypeError, "`vocab_size`"),
        (lambda: layer_norm_params(0), ValueError, "`d_model` must be > 0"),
        (lambda: attention_params(770, 12), ValueError, "`d_model`=770 is not divisible by `num_heads`=12"),
        (lambda: attention_params(768, 0), ValueError, "`num_heads` must be > 0"),
        (lambda: attention_params(768, 12, key_dim=0), ValueError, "`key_dim` must be > 0"),
        (lambda: attention_params(768, 12, value_dim=2.5), TypeError, "`value_dim`"),
        (lambda: feed_forward_params(768, 0), ValueError, "`d_ff` must be > 0"),
        (lambda: encoder_block_params(100, 3, 400), ValueError, "not divisible"),
        (lambda: dataclasses.replace(BERT_BASE, num_heads=7), ValueError, "not divisible by `num_heads`=7"),
        (lambda: dataclasses.replace(BERT_BASE, num_layers=0), ValueError, "`num_layers` must be > 0"),
        (lambda: dataclasses.replace(BERT_BASE, max_positions=-1), ValueError, "`max_positions` must be >= 0"),
        (lambda: dataclasses.replace(BERT_BASE, pooler="yes"), TypeError, "`pooler` must be True or False"),
        (lambda: dataclasses.replace(GPT2_SMALL, output_head="shared"), ValueError, "`output_head` must be one of"),
        (lambda: model_params({"d_model": 768}), TypeError, "`config` must be a TransformerConfig"),
        (lambda: training_flops(0, 1e9), ValueError, "`n_params` must be a finite number > 0"),
        (lambda: training_flops(1e9, float("inf")), ValueError, "`n_tokens` must be a finite number > 0"),
        (lambda: training_flops("1e9", 1e9), TypeError, "`n_params` must be a number"),
        (lambda: attention_flops_per_token(12, 0, 768), ValueError, "`context_length` must be > 0"),
        (lambda: training_cost(1e18, 312e12, 40, 2.0), ValueError, r"`utilization` must be a fraction.*pass 0.4"),
        (lambda: training_cost(1e18, 312e12, 0, 2.0), ValueError, "`utilization` must be a fraction"),
        (lambda: training_cost(1e18, 312e12, 0.4, -1.0), ValueError, "`price_per_device_hour`"),
        (lambda: training_cost(1e18, None, 0.4, 2.0), TypeError, "`peak_flops_per_second`"),
        (lambda: inference_cost(124e6, 0, 312e12, 0.4, 2.0), ValueError, "`n_tokens`"),
    ],
)
def test_bad_input_gets_an_error_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BERT_BASE.num_layers = 24  # type: ignore[misc]


def test_numpy_integers_are_accepted_and_counts_are_python_ints():
    count = dense_params(np.int64(768), np.int32(3072))
    assert count == 2_362_368 and type(count) is int


def test_import_sizing_loads_no_heavy_library(run_python):
    heavy = ("tensorflow", "keras", "numpy")
    code = f"import json, sys, helpers.sizing; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_all_names_resolve():
    assert [name for name in sizing.__all__ if not hasattr(sizing, name)] == []
