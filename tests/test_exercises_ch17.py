"""The checks of chapter 17's exercises (``helpers.exercises.ch17``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import compress
from helpers.checks import ExerciseFailed
from helpers.exercises import ch17


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 17.1 magnitude pruning


def _prune_right(w, sparsity):
    return w * compress.magnitude_mask(w, sparsity)


def _prune_loop(w, sparsity):
    out = w.copy()
    flat = out.reshape(-1)
    for i in np.argsort(np.abs(flat))[: int(round(sparsity * w.size))]:
        flat[i] = 0.0
    return out


def _prune_quantile(w, sparsity):  # no ties in the check's inputs, so a threshold works too
    k = int(round(sparsity * w.size))
    if k == 0:
        return w.copy()
    threshold = np.sort(np.abs(w), axis=None)[k - 1]
    return np.where(np.abs(w) <= threshold, 0.0, w)


@pytest.mark.parametrize("answer", [_prune_right, _prune_loop, _prune_quantile], ids=["helper", "loop", "threshold"])
def test_check_prune_passes_the_right_answer(answer, capsys):
    ch17.check_prune_smallest(answer)
    assert capsys.readouterr().out == "Exercise 17.1 (magnitude pruning): correct.\n"


def test_check_prune_stub_is_not_done(capsys):
    ch17.check_prune_smallest(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 17.1 (magnitude pruning): not done yet. Hint: Rank")


def _prune_in_place(w, sparsity):
    w[~compress.magnitude_mask(w, sparsity)] = 0.0
    return w


def _prune_largest(w, sparsity):
    return w * ~compress.magnitude_mask(w, 1 - sparsity) if sparsity < 1 else w * 0


def _prune_signed(w, sparsity):
    out = w.copy().ravel()
    out[np.argsort(out)[: int(round(sparsity * w.size))]] = 0.0
    return out.reshape(w.shape)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, s: None, "return"),
        (_prune_in_place, "in place"),
        (lambda w, s: _prune_right(w, 1 - s), "not the fraction kept"),
        (_prune_largest, "LARGEST"),
        (_prune_signed, "np.abs"),
        (lambda w, s: _prune_right(w, min(1.0, s + 0.1)), "expected"),
    ],
    ids=["none", "in-place", "inverted", "largest", "signed", "too-many"],
)
def test_check_prune_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch17.check_prune_smallest(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w, s: w,
        lambda w, s: w * 0,
        lambda w, s: _prune_right(w, s).T,
        lambda w, s: -_prune_right(w, s),
        lambda w, s: np.where(np.abs(w) < s, 0.0, w),
        lambda w, s: _prune_right(w, s) * 2,
    ],
)
def test_check_prune_never_passes_wrong_answers(wrong, capsys):
    _assert_never_passes(ch17.check_prune_smallest, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 17.2 per-channel int8


def _quantize_right(w):
    scale = np.max(np.abs(w), axis=0) / 127
    return np.rint(w / scale).astype(np.int8), scale


def _quantize_helper(w):
    return compress.quantize_symmetric(w, axis=-1)


@pytest.mark.parametrize("answer", [_quantize_right, _quantize_helper], ids=["numpy", "helper"])
def test_check_quantize_passes_the_right_answer(answer, capsys):
    ch17.check_quantize_per_channel(answer)
    assert capsys.readouterr().out == "Exercise 17.2 (per-channel int8 quantisation): correct.\n"


def test_check_quantize_stub_is_not_done(capsys):
    ch17.check_quantize_per_channel(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 17.2 (per-channel int8 quantisation): not done yet. Hint: ")


def _per_tensor(w):
    scale = np.full(w.shape[1], np.max(np.abs(w)) / 127)
    return np.rint(w / scale).astype(np.int8), scale


def _per_row(w):
    scale = np.max(np.abs(w), axis=1) / 127
    return np.rint(w / scale[:, None]).astype(np.int8), scale


def _divide_by(d):
    def wrong(w):
        scale = np.max(np.abs(w), axis=0) / d
        return np.clip(np.rint(w / scale), -128, 127).astype(np.int8), scale

    return wrong


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w: _quantize_right(w)[0], "pair"),
        (_per_row, "ROW"),
        (_per_tensor, "per-TENSOR"),
        (lambda w: (np.rint(w / (np.max(np.abs(w)) / 127)).astype(np.int8), np.max(np.abs(w)) / 127), "per-TENSOR"),
        (_divide_by(128.0), "127"),
        (_divide_by(255.0), "127"),
        (lambda w: (np.rint(w / _quantize_right(w)[1]), _quantize_right(w)[1]), "dtype"),
        (lambda w: (np.floor(w / _quantize_right(w)[1]).astype(np.int8), _quantize_right(w)[1]), "floor"),
    ],
    ids=["no-pair", "per-row", "per-tensor-broadcast", "per-tensor-scalar", "128", "255", "float-q", "floor"],
)
def test_check_quantize_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch17.check_quantize_per_channel(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w: (_quantize_right(w)[0], _quantize_right(w)[1] * 127),
        lambda w: (-_quantize_right(w)[0], _quantize_right(w)[1]),
        lambda w: (_quantize_right(w)[0].T, _quantize_right(w)[1]),
        lambda w: (np.trunc(w / _quantize_right(w)[1]).astype(np.int8), _quantize_right(w)[1]),
        lambda w: (_quantize_right(w)[0], 1 / _quantize_right(w)[1]),
    ],
)
def test_check_quantize_never_passes_wrong_answers(wrong, capsys):
    _assert_never_passes(ch17.check_quantize_per_channel, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 17.3 data-parallel speed-up


def _speedup_right(n, t_compute, n_bytes, bandwidth, latency):
    t1 = compress.data_parallel_step_time(t_compute, 1, n_bytes, bandwidth=bandwidth, latency=latency)
    return t1 / compress.data_parallel_step_time(t_compute, n, n_bytes, bandwidth=bandwidth, latency=latency)


def _speedup_formula(n, tc, nb, bw, lat):
    return tc / (tc / n + 2 * (n - 1) / n * nb / bw + 2 * (n - 1) * lat)


@pytest.mark.parametrize("answer", [_speedup_right, _speedup_formula], ids=["helper", "formula"])
def test_check_speedup_passes_the_right_answer(answer, capsys):
    ch17.check_speedup(answer)
    assert capsys.readouterr().out == "Exercise 17.3 (data-parallel speed-up): correct.\n"


def test_check_speedup_stub_is_not_done(capsys):
    ch17.check_speedup(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 17.3 (data-parallel speed-up): not done yet. Hint: t(N)")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda n, tc, nb, bw, lat: None, "return"),
        (lambda n, tc, nb, bw, lat: tc / n + 2 * (n - 1) * (lat + nb / (n * bw)), "step time"),
        (lambda n, tc, nb, bw, lat: float(n), "ideal"),
        (lambda n, tc, nb, bw, lat: tc / (tc / n + 2 * (n - 1) * nb / (n * bw)), "latency"),
        (lambda n, tc, nb, bw, lat: tc / (tc / n + (n - 1) * (lat + nb / (n * bw))), "2\\(N-1\\) steps"),
        (lambda n, tc, nb, bw, lat: tc / (tc / n + 2 * (n - 1) * (lat + nb / bw)), "chunk"),
    ],
    ids=["none", "step-time", "ideal", "no-latency", "half", "no-split"],
)
def test_check_speedup_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch17.check_speedup(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, tc, nb, bw, lat: 1 / _speedup_formula(n, tc, nb, bw, lat),
        lambda n, tc, nb, bw, lat: tc / (tc / n + 2 * (n - 1) / n * nb * bw + 2 * (n - 1) * lat),
        lambda n, tc, nb, bw, lat: tc / (tc / n + 2 * n * (lat + nb / (n * bw))),
        lambda n, tc, nb, bw, lat: 2 * _speedup_formula(n, tc, nb, bw, lat),
    ],
)
def test_check_speedup_never_passes_wrong_answers(wrong, capsys):
    _assert_never_passes(ch17.check_speedup, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 17.4 the per-replica loss


@pytest.mark.parametrize(
    "answer",
    [lambda losses, b: np.sum(losses) / b, lambda losses, b: float(np.mean(losses) * len(losses) / b)],
    ids=["sum", "mean-times-share"],
)
def test_check_replica_loss_passes_the_right_answer(answer, capsys):
    ch17.check_replica_loss(answer)
    assert capsys.readouterr().out == "Exercise 17.4 (the per-replica loss): correct.\n"


def test_check_replica_loss_stub_is_not_done(capsys):
    ch17.check_replica_loss(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 17.4 (the per-replica loss): not done yet. Hint: Sum")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda losses, b: None, "return"),
        (lambda losses, b: np.mean(losses), "own examples"),
        (lambda losses, b: np.sum(losses) / b / 3, "number of replicas"),
    ],
    ids=["none", "local-mean", "double-division"],
)
def test_check_replica_loss_names_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch17.check_replica_loss(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda losses, b: np.sum(losses),
        lambda losses, b: np.sum(losses) / (b - 1),
        lambda losses, b: -np.sum(losses) / b,
        lambda losses, b: np.max(losses) / b,
    ],
)
def test_check_replica_loss_never_passes_wrong_answers(wrong, capsys):
    _assert_never_passes(ch17.check_replica_loss, wrong, capsys)
