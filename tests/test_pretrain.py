"""``helpers.pretrain``: masking statistics, the split, deterministic weights files, the committed weights."""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import pretrain
from helpers.data import DatasetIntegrityError, manifest, sha256_of, verified_path

TINY = pretrain.PretrainConfig(
    seq_len=12, d_model=8, num_heads=2, d_ff=16, num_layers=1, max_vocab=30, epochs=1, batch_size=16
)
TEXTS = ["质量很好，推荐购买", "太差了，不会再买", "书不错，送货快", "一般般吧", "很好很好很好", "慢死了差评"] * 6


# ---------------------------------------------------------------------------------------------
# masking


def test_mask_tokens_statistics():
    rng = np.random.default_rng(0)
    lengths = rng.integers(20, 64, size=3000)
    ids = np.where(np.arange(64)[None, :] < lengths[:, None], rng.integers(3, 500, size=(3000, 64)), 0)
    inputs, targets, weights = pretrain.mask_tokens(ids, np.random.default_rng(1), 500)
    chosen = weights.astype(bool)
    assert np.array_equal(targets, ids)
    assert not np.any(chosen & (ids == 0)), "padding must never be chosen"
    assert np.array_equal(chosen.sum(axis=1), np.maximum(1, np.round(0.15 * lengths)))
    assert np.array_equal(inputs[~chosen], ids[~chosen]), "positions that were not chosen must not change"
    masked = np.mean(inputs[chosen] == 2)
    same = np.mean(inputs[chosen] == ids[chosen])
    assert abs(masked - 0.8) < 0.01 and abs(same - 0.1 - 0.1 / 497) < 0.01 and abs(1 - masked - same - 0.1) < 0.01
    assert inputs.dtype == np.int32 and weights.dtype == np.float32
    assert inputs[chosen & (inputs != 2)].min() >= len(pretrain.SPECIAL_TOKENS)


def test_mask_tokens_is_deterministic_and_chooses_one_in_short_texts():
    ids = np.array([[5, 0, 0, 0], [6, 7, 0, 0], [0, 0, 0, 0]])
    a = pretrain.mask_tokens(ids, np.random.default_rng(3), 10)
    b = pretrain.mask_tokens(ids, np.random.default_rng(3), 10)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert a[2].sum(axis=1).tolist() == [1, 1, 0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ids": np.zeros(5, dtype=int)}, ValueError, "2-D int"),
        ({"ids": np.zeros((2, 3))}, ValueError, "2-D int"),
        ({"rng": 0}, TypeError, "numpy Generator"),
        ({"vocab_size": 3}, ValueError, "vocab_size"),
        ({"vocab_size": 5}, ValueError, "every id"),
        ({"vocab_size": 2.5}, TypeError, "vocab_size"),
        ({"rate": 0.0}, ValueError, "rate"),
        ({"rate": 1.5}, ValueError, "rate"),
    ],
)
def test_mask_tokens_validation(kwargs, error, match):
    args = {"ids": np.array([[4, 5, 6]]), "rng": np.random.default_rng(0), "vocab_size": 10, "rate": 0.15}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        pretrain.mask_tokens(**args)


def test_masked_positions_gathers_the_chosen_slots():
    targets = np.array([[5, 6, 7, 8], [9, 10, 0, 0]])
    weights = np.array([[0, 1, 0, 1], [1, 0, 0, 0]], dtype=np.float32)
    positions, t, w = pretrain.masked_positions(targets, weights, 3)
    assert positions.tolist() == [[1, 3, 0], [0, 1, 2]]
    assert t.tolist() == [[6, 8, 5], [9, 10, 0]] and w.tolist() == [[1, 1, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match="max_predictions"):
        pretrain.masked_positions(targets, weights, 1)
    with pytest.raises(ValueError, match="same shape"):
        pretrain.masked_positions(targets[:1], weights, 3)


# ---------------------------------------------------------------------------------------------
# vocabulary and encoding


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.text(alphabet="好差很不错书，。！", min_size=0, max_size=12), min_size=1, max_size=8),
    st.integers(1, 16),
)
def test_encode_round_trips_known_characters(texts, seq_len):
    vocab = pretrain.build_vocabulary(texts, max_size=100, min_count=1)
    ids = pretrain.encode(texts, vocab, seq_len)
    assert ids.shape == (len(texts), seq_len) and ids.dtype == np.int32
    for text, row in zip(texts, ids, strict=True):
        assert "".join(vocab[i] for i in row if i) == text[:seq_len]


def test_vocabulary_orders_by_frequency_then_code_point_and_drops_rare():
    vocab = pretrain.build_vocabulary(["bbba", "ccd", "a"], max_size=10, min_count=2)
    assert vocab == ["[PAD]", "[UNK]", "[MASK]", "b", "a", "c"]
    assert pretrain.encode(["dz"], vocab, 3).tolist() == [[1, 1, 0]]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: pretrain.build_vocabulary("abc"), TypeError, "one string"),
        (lambda: pretrain.build_vocabulary(["a", 3]), TypeError, "only strings"),
        (lambda: pretrain.build_vocabulary(["a"], max_size=3), ValueError, "max_size"),
        (lambda: pretrain.build_vocabulary(["a"], min_count=0), ValueError, "min_count"),
        (lambda: pretrain.encode(["a"], ["a", "b", "c"], 4), ValueError, "must start with"),
        (lambda: pretrain.encode(["a"], list(pretrain.SPECIAL_TOKENS), 0), ValueError, "seq_len"),
        (lambda: pretrain.PretrainConfig(d_model=10, num_heads=4), ValueError, "must divide"),
        (lambda: pretrain.PretrainConfig(epochs=0), ValueError, "epochs"),
        (lambda: pretrain.PretrainConfig(seq_len=2.0), TypeError, "seq_len"),
        (lambda: pretrain.PretrainConfig(mask_rate=1.0), ValueError, "mask_rate"),
        (lambda: pretrain.PretrainConfig(max_vocab=3), ValueError, "max_vocab"),
        (lambda: pretrain.reviews_split(-1), TypeError, "split_seed"),
    ],
)
def test_validation_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# the split


def test_reviews_split_has_no_overlap_and_the_sizes_of_chapter_10():
    split = pretrain.reviews_split()
    train, val, test = set(split.train_texts), set(split.val_texts), set(split.test_texts)
    assert not (train & val or train & test or val & test)
    assert (len(train), len(val), len(test)) == (12_153, 1_737, 3_473)
    assert (len(split.train_texts), len(split.val_texts), len(split.test_texts)) == (12_153, 1_737, 3_473)
    for labels in (split.train_labels, split.val_labels, split.test_labels):
        assert abs(labels.mean() - 0.48) < 0.005
    again = pretrain.reviews_split(42)
    assert again.test_texts.tolist() == split.test_texts.tolist()


# ---------------------------------------------------------------------------------------------
# weights files


def _weights(rng):
    return {"encoder/b": rng.normal(size=(3,)).astype(np.float32), "a/kernel": rng.normal(size=(2, 4))}


def test_save_load_round_trip_and_identical_bytes(tmp_path):
    weights = _weights(np.random.default_rng(0))
    vocab = [*pretrain.SPECIAL_TOKENS, "好", "差"]
    first = pretrain.save_weights(tmp_path / "a.zip", weights, vocab, TINY)
    second = pretrain.save_weights(tmp_path / "b.zip", dict(reversed(list(weights.items()))), vocab, TINY)
    assert first.read_bytes() == second.read_bytes()
    config, vocab_back, back = pretrain.load_weights(first)
    assert config == TINY and vocab_back == vocab and sorted(back) == sorted(weights)
    for name, value in weights.items():
        assert back[name].dtype == np.float32 and np.array_equal(back[name], value.astype(np.float32))
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_load_weights_refuses_other_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m helpers.pretrain"):
        pretrain.load_weights(tmp_path / "missing.zip")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable weights file"):
        pretrain.load_weights(tmp_path / "bad.zip")
    with pytest.raises(TypeError, match="PretrainConfig"):
        pretrain.save_weights(tmp_path / "x.zip", {"a": np.zeros(1)}, list(pretrain.SPECIAL_TOKENS), {})


def test_tiny_pretraining_is_deterministic_to_the_byte(tmp_path):
    runs = []
    for name in ("one.zip", "two.zip"):
        result = pretrain.pretrain(TEXTS, TINY)
        runs.append(pretrain.save_weights(tmp_path / name, result.weights, result.vocab, TINY).read_bytes())
    assert runs[0] == runs[1]
    assert len(result.loss) == TINY.epochs and np.isfinite(result.loss).all()
    assert 0.0 <= result.accuracy[-1] <= 1.0


def test_models_build_and_take_the_weights():
    import keras

    vocab = pretrain.build_vocabulary(TEXTS, TINY.max_vocab, 1)
    encoder = pretrain.build_encoder(len(vocab), TINY)
    mlm = pretrain.build_mlm_model(encoder)
    ids = pretrain.encode(TEXTS[:4], vocab, TINY.seq_len)
    positions = np.zeros((4, 2), dtype=np.int32)
    assert tuple(mlm([ids, positions]).shape) == (4, 2, len(vocab))
    classifier = pretrain.build_classifier(encoder)
    assert tuple(classifier(ids).shape) == (4, 1)
    keras.utils.set_random_seed(1)
    other = pretrain.build_mlm_model(pretrain.build_encoder(len(vocab), TINY))
    loaded = pretrain.set_encoder_weights(other, pretrain.encoder_weights(mlm))
    assert len(loaded) == len(mlm.weights)
    assert np.allclose(other([ids, positions]), mlm([ids, positions]), atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        pretrain.set_encoder_weights(other, {other.weights[0].path: np.zeros((1, 1))})
    with pytest.raises(ValueError, match="no weight"):
        pretrain.set_encoder_weights(other, {"nothing": np.zeros(1)})


def test_committed_weights_pass_their_checksum_and_load():
    path = verified_path(pretrain.WEIGHTS_FILE)
    entry = manifest()[pretrain.WEIGHTS_FILE]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"] == sha256_of(path)
    assert entry["bytes"] == path.stat().st_size < 2_000_000
    config, vocab, weights = pretrain.load_pretrained()
    assert config.limit == 0 and len(vocab) == config.max_vocab
    encoder = pretrain.build_encoder(len(vocab), config)
    mlm = pretrain.build_mlm_model(encoder)
    assert sorted(pretrain.set_encoder_weights(mlm, weights)) == sorted(weights)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("config.json"))["names"] == sorted(weights)


def test_a_changed_weights_file_is_refused(tmp_path, monkeypatch):
    source = verified_path(pretrain.WEIGHTS_FILE).parent
    (tmp_path / "manifest.json").write_bytes((source / "manifest.json").read_bytes())
    content = bytearray((source / pretrain.WEIGHTS_FILE).read_bytes())
    content[len(content) // 2] ^= 0xFF
    (tmp_path / pretrain.WEIGHTS_FILE).write_bytes(bytes(content))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetIntegrityError, match="checksum"):
        pretrain.load_pretrained()


# ---------------------------------------------------------------------------------------------
# fine-tuning


@given(seed=st.integers(0, 2**32 - 1), n_pos=st.integers(5, 200), n_neg=st.integers(5, 200))
@settings(max_examples=30, deadline=None)
def test_label_subsets_are_stratified_nested_in_size_and_reproducible(seed, n_pos, n_neg):
    labels = np.array([1] * n_pos + [0] * n_neg)
    fractions = [0.1, 0.5, 1.0]
    subsets = pretrain.label_subsets(labels, fractions, seed)
    assert subsets.keys() == set(fractions)
    for fraction, index in subsets.items():
        assert np.all(np.diff(index) > 0)  # sorted, no repeats
        assert np.sum(labels[index] == 1) == round(fraction * n_pos)
        assert np.sum(labels[index] == 0) == round(fraction * n_neg)
    assert len(subsets[1.0]) == len(labels)
    again = pretrain.label_subsets(labels, fractions, seed)
    assert all(np.array_equal(subsets[f], again[f]) for f in fractions)


def test_label_subsets_validate_their_inputs():
    with pytest.raises(ValueError, match="labels"):
        pretrain.label_subsets(np.array([0, 2, 1]), [0.5], 0)
    with pytest.raises(ValueError, match="fraction"):
        pretrain.label_subsets(np.array([0, 1, 1]), [1.5], 0)


def test_fine_tune_is_reproducible_and_keeps_the_better_checkpoint():
    vocab = pretrain.build_vocabulary(TEXTS, TINY.max_vocab, 1)
    ids = pretrain.encode(TEXTS, vocab, TINY.seq_len)
    labels = np.array([1, 0, 1, 0, 1, 0] * 6)
    start = pretrain.encoder_weights(pretrain.build_encoder(len(vocab), TINY))
    runs = [
        pretrain.fine_tune(
            TINY, len(vocab), ids, labels, ids[:12], labels[:12], epochs=2, batch_size=8, seed=3, weights=start
        )
        for _ in range(2)
    ]
    (model_a, acc_a), (model_b, acc_b) = runs
    assert acc_a == acc_b and 0 <= acc_a <= 1
    for a, b in zip(model_a.get_weights(), model_b.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert acc_a == float(np.mean((pretrain.predict_proba(model_a, ids[:12]) > 0.5) == labels[:12]))
    with pytest.raises(ValueError, match="epochs"):
        pretrain.fine_tune(TINY, len(vocab), ids, labels, ids, labels, epochs=1, batch_size=8, seed=0)


def test_finetuned_file_is_byte_reproducible_and_round_trips(tmp_path):
    runs = {"scratch_0.20": {"b/x": np.arange(3, dtype=np.float32)}, "pretrained_0.20": {"a": np.ones((2, 2))}}
    record = {"seed": 42, "results": {"scratch_0.20": {"test_accuracy": 0.5}}}
    one = pretrain.save_finetuned(tmp_path / "one.zip", runs, record)
    two = pretrain.save_finetuned(tmp_path / "two.zip", dict(reversed(list(runs.items()))), record)
    assert one.read_bytes() == two.read_bytes()
    loaded_record, loaded = pretrain.load_finetuned(one)
    assert loaded_record == record and loaded.keys() == runs.keys()
    np.testing.assert_array_equal(loaded["pretrained_0.20"]["a"], np.ones((2, 2), dtype=np.float32))
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable"):
        pretrain.load_finetuned(tmp_path / "bad.zip")


def test_committed_finetuned_classifiers_load_into_the_classifier():
    record, runs = pretrain.load_finetuned()  # checks the SHA-256 against the manifest
    config, vocab, _ = pretrain.load_pretrained()
    assert set(runs) == {f"{start}_{f:.2f}" for start in ("pretrained", "scratch") for f in (0.2, 1.0)}
    assert set(record["results"]) == set(runs) and record["seed"] == 42
    for run, weights in runs.items():
        classifier = pretrain.build_classifier(pretrain.build_encoder(len(vocab), config))
        assert sorted(pretrain.set_encoder_weights(classifier, weights)) == sorted(w.path for w in classifier.weights)
        fraction = float(run.split("_")[1])
        assert (record["results"][run]["epochs"], record["results"][run]["batch_size"]) == pretrain.FINETUNE_PLAN[
            fraction
        ]
