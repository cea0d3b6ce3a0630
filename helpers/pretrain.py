"""Pre-train a small character Transformer encoder by masked-character prediction, then fine-tune it.

Chapter 15 (``notebooks/15_case_pretrain_finetune.ipynb``) tells the BERT story at laptop scale:
an encoder is first trained to guess hidden characters in review texts (no labels needed), and
then fine-tuned on a few labelled reviews. This module holds everything the notebook and the
pre-training script share:

* :func:`reviews_split` -- chapter 10's cleaned, deduplicated split of ``reviews_zh`` with a
  fixed split seed (the pre-trained weights saw only its training texts);
* :func:`build_vocabulary`, :func:`encode` -- a character vocabulary and fixed-length id arrays;
* :func:`mask_tokens` -- BERT's masking: 15 % of the characters are chosen, of those 80 % become
  ``[MASK]``, 10 % a random character and 10 % stay as they are;
* :func:`build_encoder`, :func:`build_mlm_model`, :func:`build_classifier` -- the Keras 3 models;
* :func:`pretrain`, :func:`save_weights`, :func:`load_weights`, :func:`load_pretrained` -- the
  deterministic pre-training run and a byte-reproducible weights file.

The committed weights are rebuilt with::

    python -m helpers.pretrain --out datasets/reviews_zh_mlm_encoder.zip

TensorFlow and pandas are imported inside the functions that need them: ``import
helpers.pretrain`` stays light.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "PAD",
    "UNK",
    "MASK",
    "SPECIAL_TOKENS",
    "WEIGHTS_FILE",
    "PretrainConfig",
    "ReviewsSplit",
    "PretrainResult",
    "reviews_split",
    "build_vocabulary",
    "encode",
    "mask_tokens",
    "masked_positions",
    "build_encoder",
    "build_mlm_model",
    "build_classifier",
    "encoder_weights",
    "set_encoder_weights",
    "pretrain",
    "save_weights",
    "load_weights",
    "load_pretrained",
    "FINETUNE_FILE",
    "FINETUNE_PLAN",
    "label_subsets",
    "predict_proba",
    "fine_tune",
    "save_finetuned",
    "load_finetuned",
    "run_finetuning",
]

PAD, UNK, MASK = "[PAD]", "[UNK]", "[MASK]"
#: Ids 0, 1, 2 of every vocabulary: padding, unknown character, mask.
SPECIAL_TOKENS = (PAD, UNK, MASK)
#: The committed weights file, listed in ``datasets/manifest.json``.
WEIGHTS_FILE = "reviews_zh_mlm_encoder.zip"
#: The committed fine-tuned classifiers at 20 % and 100 % of the labels (too slow for the notebook).
FINETUNE_FILE = "reviews_zh_finetuned.zip"
#: Fine-tuning schedule by share of the training labels: (epochs, batch size), the same for the
#: pre-trained and the from-scratch network. Each run keeps the better of two checkpoints (half-way,
#: final) on validation, so a longer schedule cannot make a run worse on validation.
FINETUNE_PLAN: dict[float, tuple[int, int]] = {0.01: (12, 16), 0.05: (4, 32), 0.20: (6, 32), 1.00: (6, 64)}
#: The validation reviews that choose each run's checkpoint: the first 400 of the validation split.
CHECKPOINT_REVIEWS = 400
_FORMAT = 1
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp: the same weights give the same bytes


@dataclass(frozen=True)
class PretrainConfig:
    """Sizes and settings of the encoder and of its pre-training run.

    The defaults are those of the committed weights file.
    """

    seq_len: int = 64
    d_model: int = 64
    num_heads: int = 4
    d_ff: int = 128
    num_layers: int = 2
    max_vocab: int = 2000
    min_count: int = 2
    mask_rate: float = 0.15
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 0.001
    seed: int = 42
    limit: int = 0  # use only the first `limit` training texts (0: all); for quick tests

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("mask_rate", "learning_rate"):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                    raise ValueError(f"`{f.name}` must be a number in (0, 1), got {value!r}.")
            elif isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"`{f.name}` must be an int, got {type(value).__name__} {value!r}.")
            elif value < (0 if f.name in ("limit", "seed") else 1):
                raise ValueError(f"`{f.name}` must be positive, got {value}.")
        if self.d_model % self.num_heads:
            raise ValueError(
                f"`num_heads`={self.num_heads} must divide `d_model`={self.d_model}; pick e.g. num_heads=4, d_model=64."
            )
        if self.max_vocab <= len(SPECIAL_TOKENS):
            raise ValueError(
                f"`max_vocab` must exceed {len(SPECIAL_TOKENS)} (the special tokens), got {self.max_vocab}."
            )


@dataclass(frozen=True)
class ReviewsSplit:
    """Texts (``object`` arrays of str) and labels (int64 arrays, 1 positive) of the three splits."""

    train_texts: np.ndarray
    train_labels: np.ndarray
    val_texts: np.ndarray
    val_labels: np.ndarray
    test_texts: np.ndarray
    test_labels: np.ndarray


@dataclass(frozen=True)
class PretrainResult:
    """What :func:`pretrain` returns: the weights (name -> array), the vocabulary and the history."""

    config: PretrainConfig
    vocab: list[str]
    weights: dict[str, np.ndarray]
    loss: list[float]
    accuracy: list[float]
    seconds: float


# ---------------------------------------------------------------------------------------------
# data


def reviews_split(split_seed: int = 42) -> ReviewsSplit:
    """Chapter 10's split of ``reviews_zh``: conflicting texts dropped, one row per text, 70/10/20.

    The texts labelled both ways are dropped, each remaining text is kept once, and the distinct
    texts are split stratified by label: 20 % test, then 12.5 % of the rest for validation
    (``sklearn.model_selection.train_test_split`` with ``random_state=split_seed``), exactly as in
    ``notebooks/10_case_review_sentiment.ipynb`` when its seed is ``split_seed``.

    Parameters
    ----------
    split_seed:
        The split's seed. Keep the default 42: the committed pre-trained weights were trained on
        the training texts of this split, so any other split puts texts the encoder has seen into
        validation and test.

    Returns
    -------
    ReviewsSplit
    """
    if isinstance(split_seed, bool) or not isinstance(split_seed, (int, np.integer)) or split_seed < 0:
        raise TypeError(f"`split_seed` must be a non-negative int, got {split_seed!r}. Use the default 42.")
    from sklearn.model_selection import train_test_split

    from .data import load_reviews_zh

    reviews = load_reviews_zh()
    per_text = reviews.groupby("text")["label"].agg(["nunique", "first"])
    clean = per_text[per_text["nunique"] == 1].reset_index()[["text", "first"]].rename(columns={"first": "label"})
    seed = int(split_seed)
    dev, test = train_test_split(clean, test_size=0.2, random_state=seed, stratify=clean["label"])
    train, val = train_test_split(dev, test_size=0.125, random_state=seed, stratify=dev["label"])
    parts = []
    for part in (train, val, test):
        parts += [part["text"].to_numpy(dtype=object), part["label"].to_numpy(dtype=np.int64)]
    return ReviewsSplit(*parts)


def _texts(texts: Any, name: str = "texts") -> list[str]:
    if isinstance(texts, str):
        raise TypeError(f"`{name}` must be a sequence of strings, got one string; wrap it in a list: [{texts[:20]!r}].")
    try:
        out = list(texts)
    except TypeError:
        raise TypeError(f"`{name}` must be a sequence of strings, got {type(texts).__name__}.") from None
    bad = next((t for t in out if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"`{name}` must hold only strings, got a {type(bad).__name__}: {bad!r}.")
    return out


def build_vocabulary(texts: Iterable[str], max_size: int = 2000, min_count: int = 2) -> list[str]:
    """The special tokens, then the most frequent characters of ``texts`` (ties by code point).

    Parameters
    ----------
    texts:
        Training texts only (a vocabulary built on test texts leaks them).
    max_size:
        Length of the returned list, special tokens included (at most).
    min_count:
        A character must occur at least this often to get its own id; rarer ones map to ``[UNK]``.

    Examples
    --------
    >>> build_vocabulary(["abca", "cab", "d"], max_size=5, min_count=1)
    ['[PAD]', '[UNK]', '[MASK]', 'a', 'b']
    """
    corpus = _texts(texts)
    for name, value, low in (("max_size", max_size, len(SPECIAL_TOKENS) + 1), ("min_count", min_count, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"`{name}` must be an int >= {low}, got {value!r}.")
    counts = Counter(ch for text in corpus for ch in text)
    ranked = sorted((ch for ch, n in counts.items() if n >= min_count), key=lambda ch: (-counts[ch], ch))
    return [*SPECIAL_TOKENS, *ranked[: int(max_size) - len(SPECIAL_TOKENS)]]


def encode(texts: Iterable[str], vocab: Sequence[str], seq_len: int) -> np.ndarray:
    """Map each text to ``seq_len`` character ids: cut longer texts, pad shorter ones with 0.

    Characters not in ``vocab`` become id 1 (``[UNK]``). Returns int32 of shape (len(texts), seq_len).

    Examples
    --------
    >>> encode(["abz", "b"], ["[PAD]", "[UNK]", "[MASK]", "a", "b"], 4).tolist()
    [[3, 4, 1, 0], [4, 0, 0, 0]]
    """
    corpus = _texts(texts)
    vocab = list(vocab)
    if vocab[: len(SPECIAL_TOKENS)] != list(SPECIAL_TOKENS):
        raise ValueError(f"`vocab` must start with {list(SPECIAL_TOKENS)}, got {vocab[:3]}; use build_vocabulary.")
    if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or seq_len < 1:
        raise ValueError(f"`seq_len` must be a positive int, got {seq_len!r}.")
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.zeros((len(corpus), int(seq_len)), dtype=np.int32)
    for row, text in enumerate(corpus):
        chars = text[:seq_len]
        ids[row, : len(chars)] = [index.get(ch, 1) for ch in chars]
    return ids


def mask_tokens(
    ids: np.ndarray, rng: np.random.Generator, vocab_size: int, rate: float = 0.15
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BERT's masking of a batch of id sequences.

    In each sequence of :math:`n` characters, :math:`\\max(1, \\mathrm{round}(\\text{rate}\\cdot n))`
    positions are chosen at random, without replacement (padding is never chosen). A chosen
    position becomes ``[MASK]`` (id 2) with probability 0.8, a random character id with
    probability 0.1 and stays unchanged with probability 0.1. The loss is taken over the chosen
    positions only:

    .. math::

        L = -\\frac{1}{\\sum_{b,t} m_{bt}} \\sum_{b,t} m_{bt} \\ln p_\\theta(x_{bt} \\mid \\tilde x_b)

    with :math:`m_{bt} = 1` where position :math:`t` of sequence :math:`b` was chosen.

    Parameters
    ----------
    ids:
        int array (B, T); 0 is padding.
    rng:
        The generator that draws the choices (a seeded one gives the same masks every time).
    vocab_size:
        Random replacements are drawn from ids ``len(SPECIAL_TOKENS) .. vocab_size - 1``.
    rate:
        Share of non-padding positions chosen.

    Returns
    -------
    inputs : int32 (B, T)
        The corrupted sequences the model reads.
    targets : int32 (B, T)
        The original ids (what the model must predict).
    weights : float32 (B, T)
        1 at chosen positions, 0 elsewhere.

    Examples
    --------
    >>> x = np.array([[5, 6, 7, 0]])
    >>> inputs, targets, weights = mask_tokens(x, np.random.default_rng(0), vocab_size=8)
    >>> targets.tolist(), int(weights.sum()) >= 1, bool(np.all(weights[:, 3] == 0))
    ([[5, 6, 7, 0]], True, True)
    """
    arr = np.asarray(ids)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"`ids` must be a 2-D int array (batch, seq_len), got {arr.dtype} of shape {arr.shape}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` must be a numpy Generator, e.g. np.random.default_rng(0); got {type(rng).__name__}.")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)):
        raise TypeError(f"`vocab_size` must be an int, got {vocab_size!r}.")
    if vocab_size <= len(SPECIAL_TOKENS) or (arr.size and arr.max() >= vocab_size):
        raise ValueError(f"`vocab_size` must exceed {len(SPECIAL_TOKENS)} and every id in `ids`, got {vocab_size}.")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1:
        raise ValueError(f"`rate` must be a number in (0, 1), got {rate!r}.")
    real = arr != 0
    lengths = real.sum(axis=1)
    chosen = np.zeros(arr.shape, dtype=bool)
    for row in np.flatnonzero(lengths):
        count = max(1, int(round(rate * lengths[row])))
        chosen[row, rng.choice(np.flatnonzero(real[row]), size=count, replace=False)] = True
    action = rng.random(arr.shape)
    to_mask = chosen & (action < 0.8)
    to_random = chosen & (action >= 0.8) & (action < 0.9)
    inputs = arr.astype(np.int32).copy()
    inputs[to_mask] = 2
    inputs[to_random] = rng.integers(len(SPECIAL_TOKENS), vocab_size, size=int(to_random.sum()))
    return inputs, arr.astype(np.int32), chosen.astype(np.float32)


def masked_positions(targets: np.ndarray, weights: np.ndarray, max_predictions: int) -> tuple[np.ndarray, ...]:
    """The chosen positions of each row, padded to ``max_predictions``: ``(positions, targets, weights)``.

    The model then computes the output layer at these positions only (as BERT does), which on a
    2,000-character vocabulary is most of the cost saved. Each returned array has shape
    (B, max_predictions); padded slots have weight 0.
    """
    w = np.asarray(weights)
    if w.ndim != 2 or np.shape(targets) != w.shape:
        raise ValueError(
            f"`targets` and `weights` must be 2-D of the same shape, got {np.shape(targets)} and {w.shape}."
        )
    if int(w.sum(axis=1).max(initial=0)) > max_predictions:
        raise ValueError(
            f"a row has {int(w.sum(axis=1).max())} chosen positions, more than `max_predictions`={max_predictions}."
        )
    positions = np.argsort(-w, axis=1, kind="stable")[:, :max_predictions].astype(np.int32)
    return (
        positions,
        np.take_along_axis(np.asarray(targets), positions, axis=1).astype(np.int32),
        np.take_along_axis(w, positions, axis=1).astype(np.float32),
    )


# ---------------------------------------------------------------------------------------------
# models


def build_encoder(vocab_size: int, config: PretrainConfig | None = None) -> Any:
    """The character Transformer encoder: ids (B, T) -> hidden states (B, T, d_model).

    Token embedding plus a learned position embedding, then ``num_layers`` post-LN encoder blocks
    as in chapter 09: :math:`h = \\mathrm{LN}(x + \\mathrm{MHA}(x))`,
    :math:`y = \\mathrm{LN}(h + W_2\\,\\mathrm{gelu}(W_1 h))`; padding (id 0) is masked out of
    the attention. Imports Keras.
    """
    import keras

    c = config or PretrainConfig()
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)) or vocab_size <= 3:
        raise ValueError(f"`vocab_size` must be an int > 3 (len(vocab)), got {vocab_size!r}.")
    layers = keras.layers
    ids = keras.Input((c.seq_len,), dtype="int32", name="ids")
    x = layers.Embedding(int(vocab_size), c.d_model, name="token_embedding")(ids)
    position_ids = keras.ops.cumsum(keras.ops.ones_like(ids), axis=1) - 1  # 0, 1, ..., T-1 in every row
    positions = layers.Embedding(c.seq_len, c.d_model, name="position_embedding")(position_ids)
    x = layers.LayerNormalization(name="embedding_norm")(x + positions)
    pad = keras.ops.not_equal(ids, 0)  # (B, T): True for real characters
    # a real character attends to real characters; padding attends to itself only (no empty softmax rows)
    attention_mask = keras.ops.logical_or(
        keras.ops.logical_and(pad[:, None, :], pad[:, :, None]), keras.ops.eye(c.seq_len, dtype="bool")[None]
    )
    for k in range(c.num_layers):
        attended = layers.MultiHeadAttention(c.num_heads, c.d_model // c.num_heads, name=f"block{k}_attention")(
            x, x, attention_mask=attention_mask
        )
        x = layers.LayerNormalization(name=f"block{k}_norm_1")(x + attended)
        hidden = layers.Dense(c.d_ff, activation="gelu", name=f"block{k}_ffn_1")(x)
        x = layers.LayerNormalization(name=f"block{k}_norm_2")(
            x + layers.Dense(c.d_model, name=f"block{k}_ffn_2")(hidden)
        )
    return keras.Model(ids, x, name="encoder")


def build_mlm_model(encoder: Any, max_predictions: int | None = None) -> Any:
    """Encoder + masked-character head: ``[ids (B, T), positions (B, P)]`` -> logits (B, P, vocab_size).

    The hidden states at ``positions`` (the masked characters, see :func:`masked_positions`) go
    through the head; ``P`` defaults to ``max(1, round(0.15 * T))``, as in :func:`pretrain`. The
    head is ``Dense(d_model, gelu)``, ``LayerNormalization``, then a ``Dense(vocab_size)`` output layer,
    named ``mlm_transform``, ``mlm_norm`` and ``mlm_output``.
    """
    import keras

    vocab_size = encoder.get_layer("token_embedding").input_dim
    seq_len, d_model = encoder.output.shape[1], encoder.output.shape[-1]
    count = max_predictions or max(1, int(round(0.15 * seq_len)))
    positions = keras.Input((count,), dtype="int32", name="positions")
    picked = keras.ops.take_along_axis(encoder.output, positions[:, :, None], axis=1)  # (B, P, d_model)
    h = keras.layers.Dense(d_model, activation="gelu", name="mlm_transform")(picked)
    h = keras.layers.LayerNormalization(name="mlm_norm")(h)
    logits = keras.layers.Dense(vocab_size, name="mlm_output")(h)
    return keras.Model([encoder.input, positions], logits, name="mlm")


def build_classifier(encoder: Any, dropout: float = 0.1) -> Any:
    """Encoder + sentiment head: mean of the hidden states over real characters, dropout, sigmoid.

    .. math::

        \\hat p = \\sigma\\Bigl(w^\\top \\frac{\\sum_t m_t h_t}{\\sum_t m_t} + b\\Bigr),
        \\qquad m_t = [x_t \\ne 0]
    """
    import keras

    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be a number in [0, 1), got {dropout!r}.")
    ids = encoder.input
    hidden = encoder.output
    mask = keras.ops.cast(keras.ops.not_equal(ids, 0), hidden.dtype)[:, :, None]
    pooled = keras.ops.sum(hidden * mask, axis=1) / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)
    pooled = keras.layers.Dropout(dropout, name="head_dropout")(pooled)
    out = keras.layers.Dense(1, activation="sigmoid", name="head")(pooled)
    return keras.Model(ids, out, name="classifier")


def encoder_weights(model: Any) -> dict[str, np.ndarray]:
    """All weights of a model by their Keras path (``layer/variable``), as float32 arrays."""
    return {w.path: np.asarray(w.numpy(), dtype=np.float32) for w in model.weights}


def set_encoder_weights(model: Any, weights: Mapping[str, np.ndarray]) -> list[str]:
    """Load ``weights`` (by path) into every matching variable of ``model``; return the paths loaded.

    Raises ValueError when a path matches but the shape differs, or when nothing matches.
    """
    loaded = []
    for variable in model.weights:
        if variable.path in weights:
            value = np.asarray(weights[variable.path])
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"weight {variable.path} has shape {value.shape} in the file but {tuple(variable.shape)} in the "
                    "model; build the model with the file's config and vocabulary."
                )
            variable.assign(value)
            loaded.append(variable.path)
    if not loaded:
        raise ValueError("no weight in `weights` matches a variable of `model`; was it built with build_encoder?")
    return loaded


# ---------------------------------------------------------------------------------------------
# pre-training


def pretrain(texts: Sequence[str], config: PretrainConfig | None = None, *, log: Any = None) -> PretrainResult:
    """Pre-train the encoder by masked-character prediction on ``texts``; deterministic.

    Seeds everything with :func:`helpers.setup` (``config.seed``; op determinism on), builds the
    vocabulary from ``texts``, and for each epoch draws fresh masks with
    ``np.random.default_rng([seed, epoch])`` and fits one pass of Adam on the masked-character loss.

    Parameters
    ----------
    texts:
        Unlabelled training texts only.
    config:
        Sizes and settings; default :class:`PretrainConfig`.
    log:
        A file-like object to print one line per epoch to (``None``: silent).
    """
    import keras

    from .course import setup

    c = config or PretrainConfig()
    corpus = _texts(texts)
    if c.limit:
        corpus = corpus[: c.limit]
    if not corpus:
        raise ValueError("`texts` is empty; pass the training texts.")
    setup(c.seed, verbose=False, plots=False)
    vocab = build_vocabulary(corpus, c.max_vocab, c.min_count)
    ids = encode(corpus, vocab, c.seq_len)
    encoder = build_encoder(len(vocab), c)
    max_predictions = max(1, int(round(c.mask_rate * c.seq_len)))
    mlm = build_mlm_model(encoder, max_predictions)
    mlm.compile(
        optimizer=keras.optimizers.Adam(c.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=["accuracy"],
    )
    losses, accuracies = [], []
    t0 = time.perf_counter()
    for epoch in range(c.epochs):
        rng = np.random.default_rng([c.seed, epoch])
        order = rng.permutation(len(ids))
        inputs, targets, weights = mask_tokens(ids[order], rng, len(vocab), c.mask_rate)
        positions, targets, weights = masked_positions(targets, weights, max_predictions)
        history = mlm.fit(
            [inputs, positions],
            targets,
            sample_weight=weights,
            batch_size=c.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        # Keras averages the weighted loss over all B*P slots; divide by the share of real slots for the
        # mean over chosen positions (exact up to the last, shorter batch)
        losses.append(float(history.history["loss"][-1]) / float(weights.mean()))
        accuracies.append(float(history.history["accuracy"][-1]))
        if log is not None:
            print(
                f"epoch {epoch + 1}/{c.epochs}: masked-char loss {losses[-1]:.4f}, accuracy {accuracies[-1]:.4f}, "
                f"{time.perf_counter() - t0:.0f} s",
                file=log,
                flush=True,
            )
    return PretrainResult(c, vocab, encoder_weights(mlm), losses, accuracies, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# the weights file


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=9)


def save_weights(
    path: str | Path, weights: Mapping[str, np.ndarray], vocab: Sequence[str], config: PretrainConfig
) -> Path:
    """Write weights, vocabulary and config to a zip whose bytes depend only on their values.

    Members: ``config.json``, ``vocab.json`` and one ``.npy`` per weight (float32, in sorted
    name order), each with the fixed timestamp 1980-01-01, so the same weights always give the
    same file (``np.savez`` would stamp the current time).
    """
    if not isinstance(config, PretrainConfig):
        raise TypeError(f"`config` must be a PretrainConfig, got {type(config).__name__}.")
    vocab = list(vocab)
    if vocab[: len(SPECIAL_TOKENS)] != list(SPECIAL_TOKENS):
        raise ValueError(f"`vocab` must start with {list(SPECIAL_TOKENS)}; use build_vocabulary.")
    if not weights:
        raise ValueError("`weights` is empty.")
    out = Path(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        meta = {"format": _FORMAT, "config": asdict(config), "names": sorted(weights)}
        _zip_write(archive, "config.json", json.dumps(meta, sort_keys=True, indent=1).encode("utf-8"))
        _zip_write(archive, "vocab.json", json.dumps(vocab, ensure_ascii=False).encode("utf-8"))
        for name in sorted(weights):
            blob = io.BytesIO()
            np.save(blob, np.ascontiguousarray(weights[name], dtype=np.float32), allow_pickle=False)
            _zip_write(archive, f"weights/{name}.npy", blob.getvalue())
    out.write_bytes(buffer.getvalue())
    return out


def load_weights(path: str | Path) -> tuple[PretrainConfig, list[str], dict[str, np.ndarray]]:
    """Read a file written by :func:`save_weights`: ``(config, vocab, weights)``. Never unpickles."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"no weights file at {source}; run `python -m helpers.pretrain --out {source}`.")
    try:
        with zipfile.ZipFile(source) as archive:
            meta = json.loads(archive.read("config.json"))
            if meta.get("format") != _FORMAT:
                raise ValueError(f"{source.name} is not a format-{_FORMAT} weights file.")
            vocab = json.loads(archive.read("vocab.json"))
            weights = {
                name: np.load(io.BytesIO(archive.read(f"weights/{name}.npy")), allow_pickle=False)
                for name in meta["names"]
            }
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{source.name} is not a readable weights file: {error}") from error
    return PretrainConfig(**meta["config"]), vocab, weights


def load_pretrained() -> tuple[PretrainConfig, list[str], dict[str, np.ndarray]]:
    """The committed pre-trained weights, after checking their SHA-256 against the manifest.

    Returns ``(config, vocab, weights)``; see ``datasets/datasheets/reviews_zh_mlm_encoder.md``.
    Raises :class:`helpers.data.DatasetIntegrityError` when the file is missing or changed.
    """
    from .data import verified_path

    return load_weights(verified_path(WEIGHTS_FILE))


# ---------------------------------------------------------------------------------------------
# fine-tuning


def label_subsets(labels: np.ndarray, fractions: Sequence[float], seed: int) -> dict[float, np.ndarray]:
    """Stratified subsets of the training labels: for each fraction, the same share of each class.

    Drawn in the order of ``fractions`` from one ``np.random.default_rng(seed)``, so the notebook
    and the fine-tuning script get the same subsets. Returns sorted index arrays by fraction.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or not np.isin(y, (0, 1)).all():
        raise ValueError("`labels` must be a 1-D array of 0/1 labels, e.g. split.train_labels.")
    for fraction in fractions:
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise ValueError(f"every fraction must be a number in (0, 1], got {fraction!r}.")
    rng = np.random.default_rng(seed)
    subsets = {}
    for fraction in fractions:
        picked = [rng.permutation(np.flatnonzero(y == c))[: round(fraction * np.sum(y == c))] for c in (0, 1)]
        subsets[fraction] = np.sort(np.concatenate(picked))
    return subsets


def predict_proba(model: Any, ids: np.ndarray, batch: int = 1024) -> np.ndarray:
    """The classifier's probabilities, ``model(x)`` in batches (``model.predict`` prints progress lines)."""
    return np.concatenate([np.asarray(model(ids[i : i + batch]))[:, 0] for i in range(0, len(ids), batch)])


def fine_tune(
    config: PretrainConfig,
    vocab_size: int,
    ids: np.ndarray,
    labels: np.ndarray,
    ids_check: np.ndarray,
    labels_check: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    weights: Mapping[str, np.ndarray] | None = None,
    learning_rate: float = 5e-4,
) -> tuple[Any, float]:
    """Train a classifier end to end; return it at its better checkpoint, and that checkpoint's accuracy.

    Builds :func:`build_encoder` + :func:`build_classifier` after :func:`helpers.setup` with
    ``seed`` (so a run is reproducible), loads ``weights`` into the encoder when given (the
    pre-trained start; ``None`` trains from random weights), and trains with Adam and binary
    cross-entropy for ``epochs // 2`` epochs, then the rest. Of those two checkpoints it keeps the
    one with the higher accuracy on ``(ids_check, labels_check)``, a part of the validation split.
    """
    import keras

    from .course import setup

    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 2:
        raise ValueError(f"`epochs` must be an int of at least 2 (two checkpoints), got {epochs!r}.")
    setup(seed, verbose=False, plots=False)
    net = build_encoder(vocab_size, config)
    if weights is not None:
        set_encoder_weights(net, weights)
    model = build_classifier(net)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    best, best_weights = -1.0, None
    for stage in (epochs // 2, epochs - epochs // 2):
        model.fit(ids, labels, epochs=stage, batch_size=batch_size, shuffle=True, verbose=0)
        accuracy = float(np.mean((predict_proba(model, ids_check) > 0.5) == labels_check))
        if accuracy > best:
            best, best_weights = accuracy, model.get_weights()
    model.set_weights(best_weights)
    return model, best


def save_finetuned(path: str | Path, runs: Mapping[str, Mapping[str, np.ndarray]], record: Mapping[str, Any]) -> Path:
    """Write several classifiers' weights and a JSON record to one byte-reproducible zip.

    ``runs`` maps a run name (e.g. ``"pretrained_1.00"``) to its weights by Keras path; members are
    ``record.json`` and ``RUN/NAME.npy`` (float32, sorted, fixed timestamps).
    """
    if not runs:
        raise ValueError("`runs` is empty.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        meta = {"format": _FORMAT, "record": dict(record), "runs": {r: sorted(w) for r, w in sorted(runs.items())}}
        _zip_write(archive, "record.json", json.dumps(meta, sort_keys=True, indent=1).encode("utf-8"))
        for run in sorted(runs):
            for name in sorted(runs[run]):
                blob = io.BytesIO()
                np.save(blob, np.ascontiguousarray(runs[run][name], dtype=np.float32), allow_pickle=False)
                _zip_write(archive, f"{run}/{name}.npy", blob.getvalue())
    out = Path(path)
    out.write_bytes(buffer.getvalue())
    return out


def load_finetuned(path: str | Path | None = None) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    """Read the fine-tuned classifiers: ``(record, {run: weights})``. Never unpickles.

    Without ``path``: the committed :data:`FINETUNE_FILE`, after checking its SHA-256 against
    the manifest (see ``datasets/datasheets/reviews_zh_finetuned.md``).
    """
    from .data import verified_path

    source = Path(path) if path is not None else verified_path(FINETUNE_FILE)
    try:
        with zipfile.ZipFile(source) as archive:
            meta = json.loads(archive.read("record.json"))
            if meta.get("format") != _FORMAT:
                raise ValueError(f"{source.name} is not a format-{_FORMAT} fine-tuning file.")
            runs = {
                run: {
                    name: np.load(io.BytesIO(archive.read(f"{run}/{name}.npy")), allow_pickle=False) for name in names
                }
                for run, names in meta["runs"].items()
            }
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{source.name} is not a readable fine-tuning file: {error}") from error
    return meta["record"], runs


def run_finetuning(
    fractions: Sequence[float], *, seed: int = 42, log: Any = None
) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    """Fine-tune the committed encoder and the same network from scratch at ``fractions`` of the labels.

    Exactly the notebook's procedure (:func:`label_subsets` over all four fractions of
    :data:`FINETUNE_PLAN` with ``seed``, :func:`fine_tune` with the plan's epochs and batch size);
    returns a record (validation and test accuracy, seconds, machine) and the weights by run.
    """
    import os

    import tensorflow as tf

    config, vocab, weights = load_pretrained()
    split = reviews_split(42)
    subsets = label_subsets(split.train_labels, list(FINETUNE_PLAN), seed)
    ids_train = encode(split.train_texts, vocab, config.seq_len)
    ids_val = encode(split.val_texts, vocab, config.seq_len)
    ids_test = encode(split.test_texts, vocab, config.seq_len)
    check = (ids_val[:CHECKPOINT_REVIEWS], split.val_labels[:CHECKPOINT_REVIEWS])
    runs: dict[str, dict[str, np.ndarray]] = {}
    results: dict[str, dict[str, float]] = {}
    for start in ("pretrained", "scratch"):
        for fraction in fractions:
            if fraction not in FINETUNE_PLAN:
                raise ValueError(f"every fraction must be one of {list(FINETUNE_PLAN)}, got {fraction!r}.")
            epochs, batch_size = FINETUNE_PLAN[fraction]
            index = subsets[fraction]
            t0 = time.perf_counter()
            model, val_acc = fine_tune(
                config, len(vocab), ids_train[index], split.train_labels[index], *check,
                epochs=epochs, batch_size=batch_size, seed=seed, weights=weights if start == "pretrained" else None,
            )  # fmt: skip
            test_acc = float(np.mean((predict_proba(model, ids_test) > 0.5) == split.test_labels))
            run = f"{start}_{fraction:.2f}"
            runs[run] = encoder_weights(model)
            results[run] = {
                "labels": int(len(index)), "epochs": epochs, "batch_size": batch_size,
                "checkpoint_accuracy": val_acc, "test_accuracy": test_acc,
                "seconds": round(time.perf_counter() - t0, 1),
            }  # fmt: skip
            if log is not None:
                print(f"{run}: {results[run]}", file=log, flush=True)
    record = {
        "seed": seed,
        "results": results,
        "machine": f"{_cpu_model()}, {os.cpu_count()} logical cores",
        "software": f"TensorFlow {tf.__version__}, Python {platform.python_version()}",
    }
    return record, runs


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or "unknown"


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.pretrain", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help=f"weights file to write, e.g. datasets/{WEIGHTS_FILE}")
    parser.add_argument("--epochs", type=int, default=PretrainConfig.epochs)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N training texts (0: all)")
    parser.add_argument("--tiny", action="store_true", help="a tiny model (for tests)")
    parser.add_argument(
        "--finetune",
        type=float,
        nargs="+",
        metavar="FRACTION",
        help=f"instead of pre-training: fine-tune at these label fractions (e.g. 0.2 1.0), write {FINETUNE_FILE}",
    )
    args = parser.parse_args(argv)
    import os

    import tensorflow as tf

    if args.finetune:
        record, runs = run_finetuning(args.finetune, log=sys.stdout)
        save_finetuned(args.out, runs, record)
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) on {record['machine']}; {record['software']}")
        return 0
    sizes = (
        {"seq_len": 16, "d_model": 8, "num_heads": 2, "d_ff": 16, "num_layers": 1, "max_vocab": 50} if args.tiny else {}
    )
    config = PretrainConfig(epochs=args.epochs, limit=args.limit, **sizes)
    split = reviews_split(42)
    result = pretrain(split.train_texts.tolist(), config, log=sys.stdout)
    save_weights(args.out, result.weights, result.vocab, config)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"pre-training took {result.seconds:.1f} s on {_cpu_model()}, {os.cpu_count()} logical cores")
    print(f"TensorFlow {tf.__version__}, Python {platform.python_version()}")
    print(f"final masked-char loss {result.loss[-1]:.4f}, accuracy {result.accuracy[-1]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
