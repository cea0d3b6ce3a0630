"""The checks of chapter 05's exercises (``helpers.exercises.ch05``): right answers pass, stubs are
"not done yet", each typical mistake gets its own message, and wrong formulas never pass."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from helpers.checks import ExerciseFailed
from helpers.exercises import ch05


def _not_done(*args):
    raise NotImplementedError


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or the learner's own error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 5.1 entropy


def _entropy(p):
    return np.sum(special.entr(p), axis=-1)


def _entropy_where(p):
    p = np.asarray(p)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def _entropy_nan(p):
    return -np.sum(p * np.log(p), axis=-1)


@pytest.mark.parametrize("answer", [_entropy, _entropy_where], ids=["scipy-entr", "np-where"])
def test_check_entropy_passes_the_right_answer(answer, capsys):
    ch05.check_entropy(answer)
    assert capsys.readouterr().out == "Exercise 5.1 (entropy): correct.\n"


def test_check_entropy_stub_is_not_done(capsys):
    ch05.check_entropy(_not_done)
    assert capsys.readouterr().out.startswith("Exercise 5.1 (entropy): not done yet. Hint: H(p) = -Σₖ pₖ log pₖ")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p: _entropy(p) / np.log(2), "bits"),
        (lambda p: -np.sum(special.xlogy(p, p), axis=-1) / np.log(2), "bits"),
        (lambda p: np.sum(special.xlogy(p, p), axis=-1), "minus sign"),
        (_entropy_nan, "0 · log 0"),
        (lambda p: np.sum(special.entr(p)), "sums over the whole array"),
        (lambda p: None, "None"),
    ],
    ids=["bits", "bits-xlogy", "no-minus", "nan-at-zero", "sum-all", "no-return"],
)
def test_check_entropy_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch05.check_entropy(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p: np.sum(special.entr(p), axis=0),
        lambda p: np.mean(special.entr(p), axis=-1),
        lambda p: -np.sum(np.log(np.where(p > 0, p, 1.0)), axis=-1),
        lambda p: -np.sum(p * np.log(p + 1e-3), axis=-1),
        lambda p: np.sum(p * (1 - p), axis=-1),
        lambda p: np.log(np.shape(p)[-1]) * np.ones(np.shape(p)[:-1]),
    ],
    ids=["axis-0", "mean", "no-weights", "eps-in-log", "gini", "uniform-max"],
)
def test_check_entropy_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch05.check_entropy, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 5.2 KL divergence


def _kl(p, q):
    return np.sum(special.rel_entr(p, q), axis=-1)


def _kl_where(p, q):
    ratio = np.where(p > 0, p / q, 1.0)
    return np.sum(np.where(p > 0, p * np.log(ratio), 0.0), axis=-1)


def test_check_kl_divergence_passes_the_right_answer(capsys):
    ch05.check_kl_divergence(_kl)
    ch05.check_kl_divergence(_kl_where)
    assert capsys.readouterr().out == "Exercise 5.2 (KL divergence): correct.\n" * 2


def test_check_kl_divergence_stub_is_not_done(capsys):
    ch05.check_kl_divergence(_not_done)
    assert "Exercise 5.2 (KL divergence): not done yet. Hint: KL(p‖q)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p, q: _kl(q, p), "swapped"),
        (lambda p, q: _kl(p, q) / np.log(2), "bits"),
        (lambda p, q: -_kl(p, q), "sign is wrong"),
        (lambda p, q: -np.sum(special.xlogy(p, q), axis=-1), "cross-entropy"),
        (lambda p, q: np.sum(p * np.log(p / q), axis=-1), "NaN when p holds a zero"),
    ],
    ids=["swapped", "bits", "sign", "cross-entropy", "nan-at-zero"],
)
def test_check_kl_divergence_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch05.check_kl_divergence(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda p, q: np.sum(special.rel_entr(p, q)),
        lambda p, q: np.sum(special.rel_entr(p, q), axis=0),
        lambda p, q: np.sum(q * np.log(np.where(p > 0, p, 1.0) / q), axis=-1),
        lambda p, q: np.sum(np.abs(p - q), axis=-1),
        lambda p, q: 0.5 * (_kl(p, q) + _kl(q, p)),
        lambda p, q: np.sum(special.rel_entr(p, q), axis=-1) + 1e-3,
    ],
    ids=["sum-all", "axis-0", "q-weights", "l1", "symmetrised", "offset"],
)
def test_check_kl_divergence_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch05.check_kl_divergence, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 5.3 log-softmax


def _log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    return (z - m) - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def _stable_softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "answer",
    [
        _log_softmax,
        lambda z: special.log_softmax(z, axis=-1),
        lambda z: z - special.logsumexp(z, axis=-1, keepdims=True),
    ],
    ids=["numpy", "scipy-log_softmax", "scipy-logsumexp"],
)
def test_check_log_softmax_passes_the_right_answer(answer, capsys):
    ch05.check_log_softmax(answer)
    assert capsys.readouterr().out == "Exercise 5.3 (stable log-softmax): correct.\n"


def test_check_log_softmax_stub_is_not_done(capsys):
    ch05.check_log_softmax(_not_done)
    assert "Exercise 5.3 (stable log-softmax): not done yet. Hint: m = z.max(" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda z: z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True)), "NaN or ±inf"),
        (lambda z: np.log(_stable_softmax(z)), "never take np.log of a softmax"),
        (lambda z: z - np.max(z) - np.log(np.sum(np.exp(z - np.max(z)), axis=-1, keepdims=True)), "NaN or ±inf"),
        (_stable_softmax, "this is softmax"),
        (lambda z: z - np.max(z, axis=-1, keepdims=True), "normaliser is missing"),
        (lambda z: z, "the result is z itself"),
        (lambda z: z - special.logsumexp(z, axis=0, keepdims=True), "axis 0"),
    ],
    ids=["naive", "log-of-softmax", "global-max", "softmax", "no-normaliser", "identity", "axis-0"],
)
def test_check_log_softmax_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch05.check_log_softmax(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda z: z - special.logsumexp(z),
        lambda z: special.log_softmax(z, axis=0),
        lambda z: -_log_softmax(z),
        lambda z: np.log2(_stable_softmax(z) + 1e-300),
        lambda z: _log_softmax(z) - np.log(np.shape(z)[-1]),
        lambda z: np.maximum(_log_softmax(z), -100.0),
    ],
    ids=["lse-all", "axis-0", "negated", "log2", "extra-log-k", "clipped"],
)
def test_check_log_softmax_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch05.check_log_softmax, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 5.4 binary cross-entropy from logits


def _bce(y, z):
    return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def _bce_tf_style(y, z):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _sigmoid(z):
    return special.expit(z)


def _bce_clipped(eps):
    def bce(y, z):
        p = np.clip(_sigmoid(z), eps, 1 - eps)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    return bce


@pytest.mark.parametrize("answer", [_bce, _bce_tf_style], ids=["logaddexp", "max-form"])
def test_check_bce_from_logits_passes_the_right_answer(answer, capsys):
    ch05.check_bce_from_logits(answer)
    assert capsys.readouterr().out == "Exercise 5.4 (binary cross-entropy from logits): correct.\n"


def test_check_bce_from_logits_stub_is_not_done(capsys):
    ch05.check_bce_from_logits(_not_done)
    assert "(binary cross-entropy from logits): not done yet. Hint: The mean" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda y, z: y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z), "one loss per entry"),
        (lambda y, z: np.zeros(3), "one number"),
        (lambda y, z: float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))), "summed"),
        (lambda y, z: -_bce(y, z), "minus sign"),
        (lambda y, z: _bce(1 - y, z), "swapped"),
        (lambda y, z: _bce(y, z) / np.log(2), "bits"),
        (
            lambda y, z: float(np.mean(-(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z))))),
            "NaN or infinite",
        ),
        (lambda y, z: float(np.mean(np.log(1 + np.exp(z)) - y * z)), "NaN or infinite"),
        (_bce_clipped(1e-7), "capped"),
        (_bce_clipped(np.finfo(float).eps), "capped"),
    ],
    ids=[
        "per-entry",
        "array",
        "sum",
        "sign",
        "labels-swapped",
        "bits",
        "via-probability",
        "naive-exp",
        "clip-keras",
        "clip-eps",
    ],
)
def test_check_bce_from_logits_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch05.check_bce_from_logits(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda y, z: float(np.mean(np.logaddexp(0, z) + y * z)),
        lambda y, z: float(np.mean(y * np.logaddexp(0, -z))),
        lambda y, z: float(np.mean((_sigmoid(z) - y) ** 2)),
        lambda y, z: float(np.mean(np.logaddexp(0, -z))),
        lambda y, z: 0.5 * _bce(y, z),
        lambda y, z: float(np.median(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))),
    ],
    ids=["plus-yz", "positives-only", "mse", "ignores-labels", "half", "median"],
)
def test_check_bce_from_logits_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch05.check_bce_from_logits, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 5.5 softmax cross-entropy gradient


def _grad(Y, Z):
    return (_stable_softmax(Z) - Y) / Z.shape[0]


def _naive_softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=-1, keepdims=True)


def test_check_softmax_ce_gradient_passes_the_right_answer(capsys):
    ch05.check_softmax_ce_gradient(_grad)
    ch05.check_softmax_ce_gradient(lambda Y, Z: (special.softmax(Z, axis=1) - Y) / len(Z))
    assert capsys.readouterr().out == "Exercise 5.5 (softmax cross-entropy gradient): correct.\n" * 2


def test_check_softmax_ce_gradient_stub_is_not_done(capsys):
    ch05.check_softmax_ce_gradient(_not_done)
    assert "(softmax cross-entropy gradient): not done yet. Hint: dL/dZ = (softmax(Z) - Y) / N" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda Y, Z: _stable_softmax(Z) - Y, "5 × too large"),
        (lambda Y, Z: (Y - _stable_softmax(Z)) / len(Z), "sign is wrong"),
        (lambda Y, Z: Y - _stable_softmax(Z), "sign is wrong"),
        (lambda Y, Z: -Y / _stable_softmax(Z) / len(Z), "-y/p"),
        (lambda Y, Z: (_sigmoid(Z) - Y) / len(Z), "σ"),
        (lambda Y, Z: (special.softmax(Z, axis=0) - Y) / len(Z), "axis 0"),
        (lambda Y, Z: (_naive_softmax(Z) - Y) / len(Z), "NaN for a logit of 900"),
        (lambda Y, Z: None, "None"),
    ],
    ids=["no-1/N", "y-p", "y-p-sum", "wrt-p", "sigmoid", "axis-0", "overflow", "no-return"],
)
def test_check_softmax_ce_gradient_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch05.check_softmax_ce_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Y, Z: (_stable_softmax(Z) - Y).T / len(Z),
        lambda Y, Z: (_stable_softmax(Z) - Y) / Z.size,
        lambda Y, Z: _stable_softmax(Z) / len(Z),
        lambda Y, Z: (_stable_softmax(Z) - Y).mean(axis=0),
        lambda Y, Z: (_stable_softmax(Z) - Y) * _stable_softmax(Z) * (1 - _stable_softmax(Z)) / len(Z),
        lambda Y, Z: (Z - Y) / len(Z),
    ],
    ids=["transposed", "divided-by-size", "no-target", "mean-over-batch", "mse-style", "logits-minus-y"],
)
def test_check_softmax_ce_gradient_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch05.check_softmax_ce_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# The module itself


def test_import_ch05_loads_no_heavy_library(run_python):
    heavy = ("tensorflow", "keras", "pandas", "matplotlib", "scipy")
    code = "\n".join(
        [
            "import json, sys",
            "import helpers.exercises.ch05",
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))",
        ]
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_checks_do_not_change_the_learner_visible_inputs(capsys):
    # A function that changes its input in place must not change what the check compares against.
    def in_place(p):
        p = np.asarray(p)
        result = _entropy(p)
        p[...] = 0.0
        return result

    ch05.check_entropy(in_place)
    assert capsys.readouterr().out == "Exercise 5.1 (entropy): correct.\n"
