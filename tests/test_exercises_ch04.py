"""The checks of notebook 04's exercises: right answers pass, stubs are "not done yet", and each
typical mistake gets the message that names it. Their messages are what learners read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch04


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _assert_never_passes(check, wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or NumPy's shape error: either stops the notebook
        check(wrong)
    assert "correct" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# 4.1 linear_mse_gradient(X, y, w, b) -> (grad_w, grad_b)


def _linear_gradient(X, y, w, b, *, sign=1.0, factor=2.0, mean=True, bias=True):
    residual = sign * (X @ w + (b if bias else 0.0) - y)
    scale = factor / len(y) if mean else factor
    return scale * X.T @ residual, scale * residual.sum()


def test_linear_mse_gradient_passes_the_right_answer(capsys):
    ch04.check_linear_mse_gradient(_linear_gradient)
    ch04.check_linear_mse_gradient(lambda X, y, w, b: list(_linear_gradient(X, y, w, b)))  # a list is a pair too
    assert capsys.readouterr().out == "Exercise 4.1 (MSE gradient of a linear model): correct.\n" * 2


def test_linear_mse_gradient_numpy_scalar_bias_gradient_passes(capsys):
    def answer(X, y, w, b):
        grad_w, grad_b = _linear_gradient(X, y, w, b)
        return grad_w, np.array([grad_b])  # one number in a 1-element array is accepted

    ch04.check_linear_mse_gradient(answer)
    assert capsys.readouterr().out == "Exercise 4.1 (MSE gradient of a linear model): correct.\n"


def test_linear_mse_gradient_stub_is_not_done(capsys):
    ch04.check_linear_mse_gradient(_not_done)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 4.1 (MSE gradient of a linear model): not done yet. Hint: r = X @ w + b - y"), out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, w, b: _linear_gradient(X, y, w, b, sign=-1.0), "wrong sign.*ŷ − y"),
        (lambda X, y, w, b: _linear_gradient(X, y, w, b, factor=1.0), "half the right value"),
        (lambda X, y, w, b: _linear_gradient(X, y, w, b, mean=False), "N × the right value.*divide"),
        (lambda X, y, w, b: _linear_gradient(X, y, w, b, factor=1.0, mean=False), "misses both the 2 and the 1/N"),
        (lambda X, y, w, b: _linear_gradient(X, y, w, b, bias=False), "ignores the bias"),
        (lambda X, y, w, b: (_linear_gradient(X, y, w, b)[0], 2 / len(y) * (X @ w + b - y)), "one entry per example"),
        (lambda X, y, w, b: _linear_gradient(X, y, w, b)[0], "return a pair"),
        (lambda X, y, w, b: None, "returned None"),
        (lambda X, y, w, b: (_linear_gradient(X, y, w, b)[0][:, None], 0.0), "right numbers but shape"),
    ],
    ids=[
        "sign",
        "missing-2",
        "sum-not-mean",
        "sum-no-2",
        "no-bias",
        "grad_b-per-example",
        "not-a-pair",
        "none",
        "column",
    ],
)
def test_linear_mse_gradient_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch04.check_linear_mse_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w, b: (2 / len(y) * X @ (X @ w + b - y), 0.0),  # X instead of X.T: a shape error
        lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w - b - y), 2 / len(y) * (X @ w - b - y).sum()),
        lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w + b - y), 2 / len(y) * (X @ w - y).sum()),
        lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w + b - y), (X @ w + b - y).mean()),
        lambda X, y, w, b: (2 / X.shape[1] * X.T @ (X @ w + b - y), 2 / len(y) * (X @ w + b - y).sum()),
        lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w + b - y) ** 2, 0.0),
        lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w + b - y) + w, 2 / len(y) * (X @ w + b - y).sum()),
    ],
    ids=["X-not-XT", "minus-b", "grad_b-no-b", "grad_b-no-2", "divide-by-D", "squared-residual", "extra-w"],
)
def test_linear_mse_gradient_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch04.check_linear_mse_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 4.2 gradient_descent(X, y, lr, n_steps) -> (w, losses)


def _gradient_descent(X, y, lr, n_steps, *, sign=1.0, factor=2.0, stale=False, record_half=False, first=True):
    w = np.zeros(X.shape[1])

    def loss(v):
        value = np.mean((X @ v - y) ** 2)
        return value / 2 if record_half else value

    losses = [loss(w)] if first else []
    gradient = factor / len(y) * X.T @ (X @ w - y)
    for _ in range(n_steps):
        if not stale:
            gradient = factor / len(y) * X.T @ (X @ w - y)
        w = w - sign * lr * gradient
        losses.append(loss(w))
    return w, np.array(losses)


def test_gradient_descent_passes_the_right_answer(capsys):
    ch04.check_gradient_descent(_gradient_descent)
    ch04.check_gradient_descent(
        lambda X, y, lr, n: (_gradient_descent(X, y, lr, n)[0], _gradient_descent(X, y, lr, n)[1].tolist())
    )
    assert capsys.readouterr().out == "Exercise 4.2 (gradient descent): correct.\n" * 2


def test_gradient_descent_stub_is_not_done(capsys):
    ch04.check_gradient_descent(_not_done)
    assert "Exercise 4.2 (gradient descent): not done yet. Hint: Start at w = np.zeros(D)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, sign=-1.0), "climbs the loss"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, stale=True), "computed once"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n - 1), "24 steps"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n + 1), "26 steps"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, factor=1.0), "misses the factor 2"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, factor=2.0 * len(y)), "sum over the examples"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, first=False), "n_steps \\+ 1 = 26"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n, record_half=True), "half the mean squared error"),
        (lambda X, y, lr, n: _gradient_descent(X, y, lr, n)[0], "return a pair"),
        (lambda X, y, lr, n: (_gradient_descent(X, y, lr, n)[0][None, :], []), "right numbers but shape"),
    ],
    ids=[
        "ascent",
        "stale-gradient",
        "one-step-short",
        "one-step-long",
        "missing-2",
        "sum-not-mean",
        "no-initial-loss",
        "half-loss",
        "not-a-pair",
        "row",
    ],
)
def test_gradient_descent_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch04.check_gradient_descent(wrong)


def _descend_with(update):
    def run(X, y, lr, n_steps):
        w = np.zeros(X.shape[1])
        losses = [np.mean((X @ w - y) ** 2)]
        for step in range(n_steps):
            w = update(X, y, w, lr, step)
            losses.append(np.mean((X @ w - y) ** 2))
        return w, np.array(losses)

    return run


@pytest.mark.parametrize(
    "wrong",
    [
        _descend_with(lambda X, y, w, lr, t: w - lr * 2 / len(y) * X.T @ (X @ w - y) / (t + 1)),  # a decaying rate
        _descend_with(lambda X, y, w, lr, t: w - lr * 2 * X.T @ (X @ w - y)),  # sum, not mean
        _descend_with(lambda X, y, w, lr, t: w - lr * 2 / len(y) * X.T @ (X @ w - y) * 0.9),
        _descend_with(lambda X, y, w, lr, t: w - lr * np.sign(2 / len(y) * X.T @ (X @ w - y))),
        lambda X, y, lr, n: (_gradient_descent(X, y, lr, n)[0], _gradient_descent(X, y, lr, n)[1][::-1]),
        lambda X, y, lr, n: (np.linalg.lstsq(X, y, rcond=None)[0], _gradient_descent(X, y, lr, n)[1]),
    ],
    ids=["decaying-lr", "sum-not-mean", "scaled-step", "sign-of-gradient", "reversed-losses", "closed-form"],
)
def test_gradient_descent_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch04.check_gradient_descent, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 4.3 largest_stable_learning_rate(X) -> float


def _largest_stable_lr(X):
    return float(2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X)[-1])


def test_largest_stable_learning_rate_passes_the_right_answer(capsys):
    ch04.check_largest_stable_learning_rate(_largest_stable_lr)
    ch04.check_largest_stable_learning_rate(lambda X: len(X) / np.linalg.svd(X, compute_uv=False)[0] ** 2)
    ch04.check_largest_stable_learning_rate(lambda X: 2 / np.linalg.eigvalsh(2 / len(X) * X @ X.T)[-1])  # XXᵀ too
    assert capsys.readouterr().out == "Exercise 4.3 (largest stable learning rate): correct.\n" * 3


def test_largest_stable_learning_rate_stub_is_not_done(capsys):
    ch04.check_largest_stable_learning_rate(_not_done)
    assert "not done yet. Hint: The Hessian of the MSE is H = (2 / N) X.T @ X" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X: 1 / np.linalg.eigvalsh(2 / len(X) * X.T @ X)[-1], "1 / λ_max, half the limit"),
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X)[-1], "not XᵀX: the 2/N is missing"),
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X / len(X))[-1], "factor 2 from the square"),
        (lambda X: 2 / np.linalg.eigvalsh(2 * X.T @ X)[-1], "1/N of the mean is missing"),
        (lambda X: 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X)[0], "smallest eigenvalue"),
        (lambda X: len(X) / np.linalg.svd(X, compute_uv=False)[0], "singular value"),
        (lambda X: 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X), "one number"),
        (lambda X: None, "None"),
    ],
    ids=[
        "one-over-lambda",
        "gram-not-hessian",
        "missing-2",
        "missing-1/N",
        "lambda-min",
        "sigma-not-squared",
        "array",
        "none",
    ],
)
def test_largest_stable_learning_rate_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch04.check_largest_stable_learning_rate(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X: 2 / np.trace(2 / len(X) * X.T @ X),  # a bound, not the limit
        lambda X: 2 / np.max(np.diag(2 / len(X) * X.T @ X)),
        lambda X: 2 / np.max(np.abs(2 / len(X) * X.T @ X)),
        lambda X: 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).mean(),
        lambda X: 2 / np.linalg.norm(X) ** 2,
    ],
    ids=["trace", "largest-diagonal", "largest-entry", "mean-eigenvalue", "frobenius"],
)
def test_largest_stable_learning_rate_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch04.check_largest_stable_learning_rate, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# 4.4 sgd_epoch(X, y, w, lr, batch_size, rng) -> w


def _sgd_epoch(
    X,
    y,
    w,
    lr,
    batch_size,
    rng,
    *,
    order=None,
    sign=1.0,
    factor=2.0,
    drop_last=False,
    divide_by_batch_size=False,
    full_batch=False,
):
    order = rng.permutation(len(y)) if order is None else order
    for start in range(0, len(y), batch_size):
        batch = order[start : start + batch_size]
        if drop_last and len(batch) < batch_size:
            break
        rows = np.arange(len(y)) if full_batch else batch
        size = batch_size if divide_by_batch_size else len(rows)
        w = w - sign * lr * factor / size * X[rows].T @ (X[rows] @ w - y[rows])
    return w


def test_sgd_epoch_passes_the_right_answer(capsys):
    def with_shuffle(X, y, w, lr, batch_size, rng):  # rng.shuffle of an arange draws the same order
        order = np.arange(len(y))
        rng.shuffle(order)
        return _sgd_epoch(X, y, w, lr, batch_size, rng, order=order)

    ch04.check_sgd_epoch(_sgd_epoch)
    ch04.check_sgd_epoch(with_shuffle)
    assert capsys.readouterr().out == "Exercise 4.4 (one epoch of mini-batch SGD): correct.\n" * 2


def test_sgd_epoch_stub_is_not_done(capsys):
    ch04.check_sgd_epoch(_not_done)
    assert "not done yet. Hint: order = rng.permutation(N)" in capsys.readouterr().out


def _in_place(X, y, w, lr, batch_size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        batch = order[start : start + batch_size]
        w -= lr * 2 / len(batch) * X[batch].T @ (X[batch] @ w - y[batch])
    return w


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_in_place, "changed the `w` it was given"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, order=np.arange(len(y))), "not shuffled"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, drop_last=True), "last, smaller batch"),
        (
            lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, divide_by_batch_size=True),
            "divide by its real size",
        ),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, full_batch=True), "full-batch gradient"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, sign=-1.0), "climbs the loss"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, factor=1.0), "misses the factor 2"),
        (
            lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, np.random.default_rng(0)),
            "does not depend on `rng`",
        ),
        (lambda X, y, w, lr, b, rng: w, "did not change"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, len(y), rng), "one step on the whole data set"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, 1, rng), "batches of one example"),
        (lambda X, y, w, lr, b, rng: None, "returned None"),
        (lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng)[:, None], "right numbers but shape"),
    ],
    ids=[
        "in-place",
        "no-shuffle",
        "drop-last",
        "divide-by-batch-size",
        "full-batch",
        "ascent",
        "missing-2",
        "fixed-seed",
        "no-step",
        "whole-data",
        "batch-of-one",
        "none",
        "column",
    ],
)
def test_sgd_epoch_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch04.check_sgd_epoch(wrong)


def test_sgd_epoch_other_generator_use_gets_the_order_hint():
    def reversed_order(X, y, w, lr, batch_size, rng):
        return _sgd_epoch(X, y, w, lr, batch_size, rng, order=rng.permutation(len(y))[::-1])

    with pytest.raises(ExerciseFailed, match="rng.permutation\\(N\\), once per call"):
        ch04.check_sgd_epoch(reversed_order)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, b, rng, order=rng.integers(0, len(y), len(y))),
        lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, 1, rng),  # ignores batch_size
        lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr, len(y), rng),  # one full batch
        lambda X, y, w, lr, b, rng: _sgd_epoch(X, y, w, lr / b, b, rng),
        lambda X, y, w, lr, b, rng: w,  # no step at all
    ],
    ids=["with-replacement", "batch-of-one", "one-batch", "lr-over-batch-size", "no-step"],
)
def test_sgd_epoch_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch04.check_sgd_epoch, wrong, capsys)


def test_sgd_epoch_refuses_a_fixed_order_across_epochs(capsys):
    """An answer right for one call but that replays the same order each epoch (a cached permutation) fails."""
    cache: dict[int, np.ndarray] = {}

    def cached(X, y, w, lr, batch_size, rng):
        order = cache.setdefault(id(rng), rng.permutation(len(y)))
        return _sgd_epoch(X, y, w, lr, batch_size, rng, order=order)

    _assert_never_passes(ch04.check_sgd_epoch, cached, capsys)


# ---------------------------------------------------------------------------------------------
# 4.5 neuron_squared_loss_gradient(X, y, w, b) -> (grad_w, grad_b)


def _neuron_gradient(X, y, w, b, *, sign=1.0, derivative=True, scale=1.0, sigma_only=False):
    p = _sigmoid(X @ w + b)
    slope = p if sigma_only else (p * (1 - p) if derivative else 1.0)
    r = sign * scale * (p - y) * slope
    return X.T @ r, r.sum()


def test_neuron_squared_loss_gradient_passes_the_right_answer(capsys):
    ch04.check_neuron_squared_loss_gradient(_neuron_gradient)
    assert capsys.readouterr().out == "Exercise 4.5 (gradient of a sigmoid neuron's squared loss): correct.\n"


def test_neuron_squared_loss_gradient_stub_is_not_done(capsys):
    ch04.check_neuron_squared_loss_gradient(_not_done)
    assert "not done yet. Hint: p = σ(X @ w + b)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, sign=-1.0), "article 003 §4.2"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, derivative=False), "misses σ′"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, sigma_only=True), "uses σ\\(z\\) where"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, scale=1 / len(y)), "gradient of the mean"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b, scale=2.0), "twice the right value"),
        (lambda X, y, w, b: (_neuron_gradient(X, y, w, b)[0], np.zeros(len(y))), "one entry per example"),
        (lambda X, y, w, b: _neuron_gradient(X, y, w, b)[1], "return a pair"),
    ],
    ids=["article-sign", "no-sigma-prime", "sigma-not-prime", "mean", "no-half", "grad_b-per-example", "not-a-pair"],
)
def test_neuron_squared_loss_gradient_typical_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ch04.check_neuron_squared_loss_gradient(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w, b: (_neuron_gradient(X, y, w, b)[0], -_neuron_gradient(X, y, w, b)[1]),  # b's sign
        lambda X, y, w, b: (X.T @ ((_sigmoid(X @ w) - y) * _sigmoid(X @ w) * (1 - _sigmoid(X @ w))), 0.0),  # no b
        lambda X, y, w, b: (X.T @ ((_sigmoid(X @ w + b) - y) * (1 - _sigmoid(X @ w + b))), 0.0),
        lambda X, y, w, b: (X.T @ ((X @ w + b - y) * _sigmoid(X @ w + b) * (1 - _sigmoid(X @ w + b))), 0.0),
        lambda X, y, w, b: (_neuron_gradient(X, y, w, b)[0] + w, _neuron_gradient(X, y, w, b)[1]),
    ],
    ids=["grad_b-sign", "bias-ignored", "one-minus-sigma-only", "linear-residual", "extra-w"],
)
def test_neuron_squared_loss_gradient_never_passes_a_wrong_formula(wrong, capsys):
    _assert_never_passes(ch04.check_neuron_squared_loss_gradient, wrong, capsys)


# ---------------------------------------------------------------------------------------------
# The module


def test_ch04_checks_load_no_heavy_library(run_python):
    heavy = ("tensorflow", "keras", "pandas", "matplotlib", "sklearn")
    code = f"import json, sys, helpers.exercises.ch04; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_every_check_has_a_number_and_a_hint():
    checks = [getattr(ch04, name) for name in ch04.__all__]
    assert [check.number for check in checks] == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    assert all(check.hint for check in checks)
