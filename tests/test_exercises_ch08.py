"""The checks of chapter 08's exercises (``helpers.exercises.ch08``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import os

import numpy as np
import pytest

from helpers import regularization
from helpers.checks import ExerciseFailed
from helpers.exercises import ch08

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 8.1 inverted dropout


def _dropout(x, rate, rng, training=True):
    if not training:
        return x, np.ones(x.shape, dtype=bool)
    keep = rng.random(x.shape) >= rate
    return x * keep / (1 - rate), keep


def _dropout_less_than(x, rate, rng, training=True):
    if not training:
        return x.copy(), np.ones_like(x, dtype=bool)
    keep = rng.random(x.shape) < 1 - rate  # another, equally right, way to draw the mask
    return np.where(keep, x / (1 - rate), 0.0), keep


def _dropout_with_helpers(x, rate, rng, training=True):
    out, cache = regularization.dropout_forward(x, rate, rng, training=training)
    keep = np.ones(x.shape, dtype=bool) if cache.scaled_mask is None else cache.scaled_mask != 0
    return out, keep


def _dropout_variant(*, keep_prob=False, scale="divide", test="identity", source="rng", ignore_training=False):
    def dropout(x, rate, rng, training=True):
        if not training and not ignore_training:
            if test == "identity":
                return x, np.ones(x.shape, dtype=bool)
            return x * (1 - rate), np.ones(x.shape, dtype=bool)
        u = rng.random(x.shape) if source == "rng" else np.random.random(x.shape)  # noqa: NPY002 - the mistake
        keep = u < rate if keep_prob else u >= rate
        factor = {"divide": 1 / (1 - rate), "none": 1.0, "multiply": 1 - rate}[scale]
        return x * keep * factor, keep

    return dropout


def _fixed_mask_dropout(x, rate, rng, training=True):
    keep = np.random.default_rng(0).random(x.shape) >= rate  # ignores rng: the same mask at every call
    return (x * keep / (1 - rate), keep) if training else (x, np.ones(x.shape, dtype=bool))


@pytest.mark.parametrize(
    "answer", [_dropout, _dropout_less_than, _dropout_with_helpers], ids=["ge", "less-than", "helpers"]
)
def test_check_dropout_passes_the_right_answer(answer, capsys):
    ch08.check_dropout(answer)
    assert capsys.readouterr().out == "Exercise 8.1 (inverted dropout): correct.\n"


def test_check_dropout_stub_is_not_done(capsys):
    ch08.check_dropout(_not_done)
    assert capsys.readouterr().out.startswith(
        "Exercise 8.1 (inverted dropout): not done yet. Hint: keep = rng.random(x.shape) >= rate"
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_dropout_variant(keep_prob=True), "probability of DROPPING"),
        (_dropout_variant(scale="none"), r"divide them by \(1 − rate\)"),
        (_dropout_variant(scale="multiply"), r"multiplied by \(1 − rate\); divide"),
        (_dropout_variant(test="scaled"), "at test time `out` is"),
        (_dropout_variant(ignore_training=True), "with training=False some units were dropped"),
        (_dropout_variant(source="global"), "draw the mask from the `rng` argument"),
        (_fixed_mask_dropout, "draw the mask from the `rng` argument|draw a new mask at every call"),
        (lambda x, rate, rng, training=True: (x * (rng.random(x.shape) >= rate), None), "`keep` is None"),
        (lambda x, rate, rng, training=True: x, "must return a pair"),
        (lambda x, rate, rng, training=True: None, "returned None"),
        (lambda x, rate, rng, training=True: (x, (rng.random(x.shape) >= rate) * 2.0), "boolean mask"),
        (
            lambda x, rate, rng, training=True: (x / (1 - rate), rng.random(x.shape) >= rate),
            "not 0 where `keep` is False",
        ),
        (lambda x, rate, rng, training=True: (x.T, np.ones(x.T.shape, bool)), "has shape"),
    ],
    ids=[
        "keep-prob",
        "no-scaling",
        "multiply",
        "scaled-at-test",
        "drops-at-test",
        "global-random",
        "fixed-mask",
        "no-mask",
        "not-a-pair",
        "no-return",
        "int-mask",
        "mask-not-applied",
        "transposed",
    ],
)
def test_check_dropout_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch08.check_dropout(wrong)


def _shared_keep_for_each_row(x, rate, rng, training=True):
    if not training:
        return x, np.ones(x.shape, dtype=bool)
    keep = np.broadcast_to(rng.random(x.shape[-1]) >= rate, x.shape)
    return x * keep / (1 - rate), keep


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x, rate, rng, training=True: (x * (rng.random(x.shape) >= rate) / rate, rng.random(x.shape) >= rate),
        lambda x, rate, rng, training=True: (x, np.ones(x.shape, dtype=bool)),
        lambda x, rate, rng, training=True: (np.zeros_like(x), np.zeros(x.shape, dtype=bool)),
        _shared_keep_for_each_row,
        _dropout_variant(test="scaled", scale="none"),
        lambda x, rate, rng, training=True: _dropout(x, rate, rng, True),
    ],
    ids=["divide-by-rate", "identity", "all-dropped", "shared-mask", "original-dropout", "always-training"],
)
def test_check_dropout_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch08.check_dropout, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 8.2 dropout backward


def _backward(dout, keep, rate):
    return dout * keep / (1 - rate)


def _backward_where(dout, keep, rate):
    return np.where(keep, dout / (1 - rate), 0.0)


@pytest.mark.parametrize("answer", [_backward, _backward_where], ids=["multiply", "where"])
def test_check_dropout_backward_passes_the_right_answer(answer, capsys):
    ch08.check_dropout_backward(answer)
    assert capsys.readouterr().out == "Exercise 8.2 (dropout backward): correct.\n"


def test_check_dropout_backward_stub_is_not_done(capsys):
    ch08.check_dropout_backward(_not_done)
    assert "Exercise 8.2 (dropout backward): not done yet. Hint: dx = dout * keep" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda dout, keep, rate: dout * ~keep / (1 - rate), "mask is inverted"),
        (lambda dout, keep, rate: dout * keep, r"missing the factor 1/\(1 − rate\)"),
        (lambda dout, keep, rate: dout * keep * (1 - rate), r"multiplied by \(1 − rate\)"),
        (
            lambda dout, keep, rate: dout * (np.random.default_rng(5).random(dout.shape) >= rate) / (1 - rate),
            "use the `keep` mask",
        ),
        (lambda dout, keep, rate: dout / (1 - rate), "use the `keep` mask"),
        (lambda dout, keep, rate: None, "returned None"),
        (lambda dout, keep, rate: (dout * keep / (1 - rate)).T, "has shape"),
    ],
    ids=["inverted-mask", "no-scaling", "multiply", "new-mask", "no-mask", "no-return", "transposed"],
)
def test_check_dropout_backward_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch08.check_dropout_backward(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda dout, keep, rate: dout * keep / rate,
        lambda dout, keep, rate: dout * keep / (1 - rate) + 1e-3,
        lambda dout, keep, rate: -dout * keep / (1 - rate),
        lambda dout, keep, rate: dout,
        lambda dout, keep, rate: keep / (1 - rate),
        lambda dout, keep, rate: dout * keep / (1 - rate) ** 2,
    ],
    ids=["divide-by-rate", "offset", "negated", "identity", "no-dout", "squared-scale"],
)
def test_check_dropout_backward_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch08.check_dropout_backward, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 8.3 L2 gradient


def _l2(params, lam):
    return {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}


def _l2_in_place(params, lam):
    for key in params:
        params[key] *= lam if key.startswith("W") else 0.0
    return params


@pytest.mark.parametrize(
    "answer", [_l2, lambda params, lam: regularization.l2_gradient(params, lam)], ids=["dict", "helpers"]
)
def test_check_l2_gradient_passes_the_right_answer(answer, capsys):
    ch08.check_l2_gradient(answer)
    assert capsys.readouterr().out == "Exercise 8.3 (L2 gradient on weights only): correct.\n"


def test_check_l2_gradient_stub_is_not_done(capsys):
    ch08.check_l2_gradient(_not_done)
    assert "Exercise 8.3 (L2 gradient on weights only): not done yet. Hint: {k: lam * v" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda params, lam: {k: lam * v for k, v in params.items()}, "`b1` was penalised"),
        (lambda params, lam: {k: 2 * v for k, v in _l2(params, lam).items()}, "2λW"),
        (lambda params, lam: {k: 0.5 * v for k, v in _l2(params, lam).items()}, "½λW"),
        (lambda params, lam: _l2(params, 1.0), "equals W: multiply by λ"),
        (lambda params, lam: {k: lam * v for k, v in params.items() if k.startswith("W")}, "zeros for the biases"),
        (_l2_in_place, "changed in place"),
        (lambda params, lam: 0.5 * lam * sum(float(np.sum(v**2)) for k, v in params.items()), "must be a dict"),
        (lambda params, lam: None, "returned None"),
        (lambda params, lam: {k: v.T for k, v in _l2(params, lam).items()}, "has shape"),
    ],
    ids=[
        "bias-penalised",
        "keras-factor-2",
        "half",
        "no-lambda",
        "weights-only-keys",
        "in-place",
        "penalty",
        "none",
        "T",
    ],
)
def test_check_l2_gradient_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch08.check_l2_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda params, lam: {k: -v for k, v in _l2(params, lam).items()},
        lambda params, lam: {k: lam * np.sign(v) if k.startswith("W") else 0 * v for k, v in params.items()},
        lambda params, lam: {k: lam * v**2 if k.startswith("W") else 0 * v for k, v in params.items()},
        lambda params, lam: {k: v + lam * v if k.startswith("W") else 0 * v for k, v in params.items()},
        lambda params, lam: {k: np.zeros_like(v) for k, v in params.items()},
        lambda params, lam: {k: (1 - lam) * v if k.startswith("W") else 0 * v for k, v in params.items()},
    ],
    ids=["negated", "l1", "squared", "plus-w", "zeros", "decayed-weights"],
)
def test_check_l2_gradient_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch08.check_l2_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 8.4 early stopping


def _stopping(val_losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait += 1
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def _stopping_since_best(val_losses, patience):
    best_epoch = 1
    for epoch in range(1, len(val_losses) + 1):
        if val_losses[epoch - 1] < val_losses[best_epoch - 1]:
            best_epoch = epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def _variant(**kwargs):
    return lambda val_losses, patience: ch08._early_stopping(val_losses, patience, **kwargs)


@pytest.mark.parametrize("answer", [_stopping, _stopping_since_best], ids=["wait-counter", "since-best"])
def test_check_early_stopping_passes_the_right_answer(answer, capsys):
    ch08.check_early_stopping(answer)
    assert capsys.readouterr().out == "Exercise 8.4 (early stopping with patience): correct.\n"


def test_check_early_stopping_stub_is_not_done(capsys):
    ch08.check_early_stopping(_not_done)
    assert "Exercise 8.4 (early stopping with patience): not done yet. Hint: Track best" in capsys.readouterr().out


def _zero_based(val_losses, patience):
    epochs, best = _stopping(val_losses, patience)
    return epochs - 1, best - 1


def _global_best(val_losses, patience):
    return _stopping(val_losses, patience)[0], int(np.argmin(val_losses)) + 1


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_variant(shift=-1), "one epoch too early"),
        (_variant(shift=1), "one epoch too late"),
        (_variant(ties_improve=True), "tie adds to the wait"),
        (_zero_based, "count epochs from 1"),
        (_global_best, "only epochs that ran can be restored"),
        (lambda val_losses, patience: (len(val_losses), int(np.argmin(val_losses)) + 1), "the answer is"),
        (lambda val_losses, patience: 5, "must return a pair"),
        (lambda val_losses, patience: ("six", 3), "whole numbers"),
    ],
    ids=["early", "late", "ties", "zero-based", "global-best", "never-stops", "not-a-pair", "not-numbers"],
)
def test_check_early_stopping_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch08.check_early_stopping(wrong)


def test_early_stopping_reference_is_keras_rule(keras_module):
    """The check's rule is keras.callbacks.EarlyStopping's, driven epoch by epoch."""

    class Model:
        stop_training = False

    for losses, patience in ch08._STOPPING_CASES:
        callback = keras_module.callbacks.EarlyStopping(monitor="val_loss", patience=patience, mode="min")
        model = Model()
        callback.set_model(model)
        callback.on_train_begin()
        ran = len(losses)
        for epoch, value in enumerate(losses):
            callback.on_epoch_end(epoch, {"val_loss": value})
            if model.stop_training:
                ran = epoch + 1
                break
        assert (ran, callback.best_epoch + 1) == ch08._early_stopping(losses, patience)


@pytest.fixture(scope="module")
def keras_module():
    return pytest.importorskip("keras")


# ---------------------------------------------------------------------------------------------
# 8.5 data needed


def _data_needed(sizes, accuracies, target):
    slope, intercept = np.polyfit(np.log(sizes), np.log(1 - accuracies), 1)
    return float(np.exp((np.log(1 - target) - intercept) / slope))


def _data_needed_log10(sizes, accuracies, target):
    b, a = np.polyfit(np.log10(sizes), np.log10(1 - np.asarray(accuracies)), 1)
    return float(10 ** ((np.log10(1 - target) - a) / b))


def _data_needed_lstsq(sizes, accuracies, target):
    A = np.column_stack([np.ones(len(sizes)), np.log(sizes)])
    (log_a, slope), *_ = np.linalg.lstsq(A, np.log(1 - accuracies), rcond=None)
    return float(((1 - target) / np.exp(log_a)) ** (1 / slope))


@pytest.mark.parametrize(
    "answer", [_data_needed, _data_needed_log10, _data_needed_lstsq], ids=["polyfit", "log10", "lstsq"]
)
def test_check_data_needed_passes_the_right_answer(answer, capsys):
    ch08.check_data_needed(answer)
    assert capsys.readouterr().out == "Exercise 8.5 (data needed from a learning curve): correct.\n"


def test_check_data_needed_stub_is_not_done(capsys):
    ch08.check_data_needed(_not_done)
    assert "Exercise 8.5 (data needed from a learning curve): not done yet. Hint: err = 1 - acc" in (
        capsys.readouterr().out
    )


def _on_accuracy(sizes, accuracies, target):
    slope, intercept = np.polyfit(np.log(sizes), np.log(accuracies), 1)
    return float(np.exp((np.log(target) - intercept) / slope))


def _linear(sizes, accuracies, target):
    slope, intercept = np.polyfit(sizes, 1 - accuracies, 1)
    return float(((1 - target) - intercept) / slope)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_on_accuracy, "fitted to the accuracy"),
        (_linear, "straight line was fitted to error against n"),
        (lambda s, a, t: np.log(_data_needed(s, a, t)), "that is log"),
        (lambda s, a, t: 1 / _data_needed(s, a, t), "wrong sign"),
        (lambda s, a, t: None, "returned None"),
        (lambda s, a, t: "many", "one number"),
    ],
    ids=["accuracy", "linear", "log-n", "inverted", "none", "text"],
)
def test_check_data_needed_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch08.check_data_needed(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda s, a, t: float(s[-1]),
        lambda s, a, t: _data_needed(s, a, t) * 2,
        lambda s, a, t: _data_needed(s[:-1], a[:-1], t),
        lambda s, a, t: _data_needed(s, a, 1 - t),
        lambda s, a, t: float(np.interp(t, a, s)),
        lambda s, a, t: _data_needed(s, np.sort(a)[::-1], t),
    ],
    ids=["largest-size", "doubled", "drops-a-point", "target-as-error", "interpolated", "unsorted"],
)
def test_check_data_needed_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch08.check_data_needed, wrong, capsys)
