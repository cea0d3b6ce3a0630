r"""Checks for the exercises of notebook 04 (losses and gradient descent).

Conventions, as in the notebook: examples are rows, ``X`` has shape (N, D), the linear model
predicts :math:`\hat y = Xw + b`, and the mean squared error is
:math:`L = \frac{1}{N}\sum_i (\hat y_i - y_i)^2`, whose gradient is
:math:`\nabla_w L = \frac{2}{N} X^\top (\hat y - y)`.

Each check builds its own inputs with a fixed generator and shapes that are all different (so a
transposed matrix cannot pass), tests the typical mistakes first with a message that names them,
and ends with :func:`helpers.checks.compare`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

__all__ = [
    "check_linear_mse_gradient",
    "check_gradient_descent",
    "check_largest_stable_learning_rate",
    "check_sgd_epoch",
    "check_neuron_squared_loss_gradient",
]


# --------------------------------------------------------------------------------------------
# References (NumPy only).
# --------------------------------------------------------------------------------------------


def _linear_gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float = 0.0) -> tuple[np.ndarray, float]:
    """(∇_w L, ∂L/∂b) of the mean squared error of ``X @ w + b``."""
    residual = X @ w + b - y
    n = len(y)
    return 2 / n * X.T @ residual, float(2 / n * residual.sum())


def _mse(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(np.mean((X @ w - y) ** 2))


def _descend(X: np.ndarray, y: np.ndarray, lr: float, n_steps: int, *, sign: float = 1.0, factor: float = 2.0):
    """Gradient descent from zeros; ``sign=-1`` climbs, ``factor=1`` forgets the 2 of the square."""
    w = np.zeros(X.shape[1])
    losses = [_mse(X, y, w)]
    for _ in range(n_steps):
        w = w - sign * lr * factor / len(y) * X.T @ (X @ w - y)
        losses.append(_mse(X, y, w))
    return w, np.array(losses)


def _sgd_epoch(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    lr: float,
    batch_size: int,
    order: np.ndarray,
    *,
    sign: float = 1.0,
    factor: float = 2.0,
    drop_last: bool = False,
    divide_by_batch_size: bool = False,
    full_batch: bool = False,
) -> np.ndarray:
    """One epoch of mini-batch SGD over ``order``, with switches for the typical mistakes."""
    w = np.array(w, dtype=float, copy=True)
    n = len(y)
    for start in range(0, n, batch_size):
        batch = order[start : start + batch_size]
        if drop_last and len(batch) < batch_size:
            break
        rows = np.arange(n) if full_batch else batch
        size = batch_size if divide_by_batch_size else len(rows)
        Xb, yb = X[rows], y[rows]
        w = w - sign * lr * factor / size * Xb.T @ (Xb @ w - yb)
    return w


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _close(a: Any, b: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether ``a`` holds numbers of ``b``'s shape that match it (False for anything else)."""
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.shape == np.shape(b) and bool(np.allclose(arr, b, rtol=rtol, atol=atol))


def _pair(result: Any, names: str) -> tuple[Any, Any]:
    """Unpack a returned pair, or say what should have been returned."""
    if result is None:
        raise ExerciseFailed(f"the function returned None: did it forget to `return ({names})`?")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ExerciseFailed(f"return a pair ({names}), got {type(result).__name__}.")
    return result[0], result[1]


def _scalar(value: Any, name: str, hint: str) -> float:
    """``value`` as one number, or a message that says it must be one."""
    if value is None:
        raise ExerciseFailed(f"`{name}` is None: did the function forget to return it?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseFailed(f"`{name}` should be a number, got {type(value).__name__}.") from None
    if arr.size != 1:
        raise ExerciseFailed(f"`{name}` should be one number, got an array of shape {arr.shape}. {hint}")
    return float(arr.reshape(()))


# --------------------------------------------------------------------------------------------
# Exercise 4.1: the gradient of the MSE of a linear model.
# --------------------------------------------------------------------------------------------


@exercise(
    "4.1",
    "MSE gradient of a linear model",
    hint="r = X @ w + b - y; grad_w = (2 / N) * X.T @ r; grad_b = (2 / N) * r.sum().",
)
def check_linear_mse_gradient(linear_mse_gradient: Callable[..., Any]) -> None:
    """Check ``linear_mse_gradient(X, y, w, b) -> (grad_w, grad_b)`` for L = mean((Xw + b − y)²)."""
    rng = np.random.default_rng(41)
    n, d = 9, 4  # all different: X.T and X cannot be confused
    X, y, w = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d)
    b = 0.7
    grad_w, grad_b = _pair(linear_mse_gradient(X.copy(), y.copy(), w.copy(), b), "grad_w, grad_b")
    expected_w, expected_b = _linear_gradient(X, y, w, b)

    if np.shape(grad_b) == (n,):
        raise ExerciseFailed("`grad_b` has one entry per example: sum (2/N)(ŷ − y) over the examples.")
    if _close(grad_w, -expected_w):
        raise ExerciseFailed(
            "`grad_w` has the wrong sign: the residual is ŷ − y (prediction minus target). With y − ŷ "
            "you get the gradient of −L, and a descent step with it climbs the loss."
        )
    if _close(grad_w, expected_w / 2):
        raise ExerciseFailed("`grad_w` is half the right value: the derivative of (ŷ − y)² is 2(ŷ − y); keep the 2.")
    if _close(grad_w, expected_w * n / 2):
        raise ExerciseFailed("`grad_w` is N/2 × the right value: it misses both the 2 and the 1/N of the mean.")
    if _close(grad_w, expected_w * n):
        raise ExerciseFailed("`grad_w` is N × the right value: L is a mean, so divide the sum over examples by N.")
    if _close(grad_w, _linear_gradient(X, y, w)[0]):
        raise ExerciseFailed("`grad_w` ignores the bias: the predictions are X @ w + b, add b.")
    compare("grad_w", grad_w, expected_w)
    compare("grad_b", _scalar(grad_b, "grad_b", "Sum over the examples."), expected_b)


# --------------------------------------------------------------------------------------------
# Exercise 4.2: a full gradient-descent loop.
# --------------------------------------------------------------------------------------------


@exercise(
    "4.2",
    "gradient descent",
    hint="Start at w = np.zeros(D); record the loss, then n_steps times: "
    "w = w - lr * (2 / N) * X.T @ (X @ w - y) and record the loss again.",
)
def check_gradient_descent(gradient_descent: Callable[..., Any]) -> None:
    """Check ``gradient_descent(X, y, lr, n_steps) -> (w, losses)`` (MSE, no bias, from zeros)."""
    rng = np.random.default_rng(42)
    n, d, n_steps = 20, 3, 25
    X = rng.normal(size=(n, d)) + np.array([0.0, 1.0, 2.0])  # correlated columns: slow, curved descent
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.normal(size=n)
    lam_max = float(np.linalg.eigvalsh(2 / n * X.T @ X)[-1])
    lr = round(0.9 / lam_max, 4)  # a stable rate, given as a plain number
    w, losses = _pair(gradient_descent(X.copy(), y.copy(), lr, n_steps), "w, losses")
    expected_w, expected_losses = _descend(X, y, lr, n_steps)

    if np.shape(w) != (d,):
        compare("w", w, expected_w)  # reports the shape
    if _close(w, _descend(X, y, lr, n_steps, sign=-1.0)[0]):
        raise ExerciseFailed("`w` climbs the loss: the update is w ← w − lr · gradient (minus, not plus).")
    gradient_at_start = _linear_gradient(X, y, np.zeros(d))[0]
    if _close(w, -n_steps * lr * gradient_at_start):
        raise ExerciseFailed(
            "the gradient was computed once, at the starting point, and reused: recompute it at the "
            "current w in every step."
        )
    for steps in (n_steps - 1, n_steps + 1):
        if _close(w, _descend(X, y, lr, steps)[0]):
            raise ExerciseFailed(f"`w` is the result of {steps} steps, not n_steps = {n_steps}.")
    if _close(w, _descend(X, y, lr, n_steps, factor=2.0 * n)[0]):
        raise ExerciseFailed(
            "the gradient is a sum over the examples, N times too large (here the steps overshoot and "
            "diverge): the loss is a mean, so divide by N."
        )
    if _close(w, _descend(X, y, lr, n_steps, factor=1.0)[0]):
        raise ExerciseFailed(
            "the gradient misses the factor 2 of the square (the result equals gradient descent "
            "with lr / 2): grad = (2 / N) X.T @ (X @ w - y)."
        )
    if np.size(losses) in (n_steps, n_steps + 2):
        raise ExerciseFailed(
            f"`losses` has {np.size(losses)} entries; it should have n_steps + 1 = {n_steps + 1}: the loss "
            f"at the start and after each step."
        )
    if _close(losses, expected_losses / 2):
        raise ExerciseFailed("`losses` holds half the mean squared error: record np.mean((X @ w - y) ** 2).")
    compare("w", w, expected_w)
    compare("losses", losses, expected_losses)


# --------------------------------------------------------------------------------------------
# Exercise 4.3: the largest stable learning rate.
# --------------------------------------------------------------------------------------------


@exercise(
    "4.3",
    "largest stable learning rate",
    hint="The Hessian of the MSE is H = (2 / N) X.T @ X; return 2 / (largest eigenvalue of H), "
    "e.g. with np.linalg.eigvalsh.",
)
def check_largest_stable_learning_rate(largest_stable_learning_rate: Callable[[np.ndarray], Any]) -> None:
    """Check ``largest_stable_learning_rate(X) -> float`` returns 2 / λ_max((2/N) XᵀX)."""
    rng = np.random.default_rng(43)
    n, d = 40, 5
    X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    gram = X.T @ X
    eigenvalues = np.linalg.eigvalsh(gram)
    lam_max, lam_min = float(eigenvalues[-1]), float(eigenvalues[0])
    expected = n / lam_max  # 2 / (2 λ_max / N)
    got = _scalar(largest_stable_learning_rate(X.copy()), "the learning rate", "Return the single number 2 / λ_max.")
    sigma_max = float(np.linalg.svd(X, compute_uv=False)[0])

    mistakes = [
        (expected / 2, "that is 1 / λ_max, half the limit: gradient descent converges for every lr < 2 / λ_max."),
        (2 / lam_max, "the Hessian of the MSE is (2 / N) XᵀX, not XᵀX: the 2/N is missing."),
        (2 * expected, "the Hessian has a factor 2 from the square: H = (2 / N) XᵀX, not (1 / N) XᵀX."),
        (2 / (2 * lam_max), "the Hessian is (2 / N) XᵀX: the 1/N of the mean is missing."),
        (n / lam_min, "that uses the smallest eigenvalue; stability is limited by the largest one, λ_max."),
        (n / sigma_max, "that uses the largest singular value of X; the eigenvalues of XᵀX are its squares."),
    ]
    for wrong, message in mistakes:
        if np.isclose(got, wrong, rtol=1e-6):
            raise ExerciseFailed(message)
    compare("largest_stable_learning_rate(X)", got, expected)


# --------------------------------------------------------------------------------------------
# Exercise 4.4: one epoch of mini-batch SGD.
# --------------------------------------------------------------------------------------------


@exercise(
    "4.4",
    "one epoch of mini-batch SGD",
    hint="order = rng.permutation(N); for each slice order[start:start + batch_size], step "
    "w = w - lr * (2 / len(batch)) * Xb.T @ (Xb @ w - yb); return the new w.",
)
def check_sgd_epoch(sgd_epoch: Callable[..., Any]) -> None:
    """Check ``sgd_epoch(X, y, w, lr, batch_size, rng) -> w`` against the reference epoch."""
    data = np.random.default_rng(44)
    n, d, batch_size, lr = 23, 3, 5, 0.05  # 23 = 4 full batches of 5 and a last batch of 3
    X = data.normal(size=(n, d))
    y = X @ np.array([1.0, -1.0, 2.0]) + 0.5 * data.normal(size=n)
    w0 = data.normal(size=d)

    def run(seed_or_rng: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Call the learner's function; return its w and a copy of the w it was given afterwards."""
        rng = seed_or_rng if isinstance(seed_or_rng, np.random.Generator) else np.random.default_rng(seed_or_rng)
        given = w0.copy()
        result = sgd_epoch(X.copy(), y.copy(), given, lr, batch_size, rng)
        if result is None:
            raise ExerciseFailed("the function returned None: did it forget to `return w`?")
        return np.asarray(result, dtype=float), given

    got, given = run(7)
    order = np.random.default_rng(7).permutation(n)
    expected = _sgd_epoch(X, y, w0, lr, batch_size, order)

    if not np.array_equal(given, w0):
        raise ExerciseFailed(
            "the function changed the `w` it was given (in place, e.g. w -= ...): work on a copy, "
            "w = w - ..., so the caller's array keeps its value."
        )
    if got.shape != (d,):
        compare("w", got, expected)  # reports the shape
    if _close(got, w0):
        raise ExerciseFailed("`w` did not change: return the updated weights after all the batches.")
    for size, what in ((n, "one step on the whole data set"), (1, "batches of one example")):
        if _close(got, _sgd_epoch(X, y, w0, lr, size, order)):
            raise ExerciseFailed(f"the epoch made {what}: use batches of `batch_size` examples.")
    mistakes = [
        (np.arange(n), {}, "the examples were not shuffled: take the order from rng.permutation(N)."),
        (order, {"drop_last": True}, "the last, smaller batch was skipped: every example must be used once."),
        (
            order,
            {"divide_by_batch_size": True},
            "the last batch's gradient was divided by batch_size; divide by its real size, len(batch).",
        ),
        (order, {"full_batch": True}, "each step used the full-batch gradient; use only the batch's rows."),
        (order, {"sign": -1.0}, "the update climbs the loss: w ← w − lr · gradient (minus, not plus)."),
        (order, {"factor": 1.0}, "the gradient misses the factor 2 of the square: (2 / len(batch)) Xbᵀ(Xb w − yb)."),
    ]
    for wrong_order, switches, message in mistakes:
        if _close(got, _sgd_epoch(X, y, w0, lr, batch_size, wrong_order, **switches)):
            raise ExerciseFailed(message)
    other, _ = run(8)
    if _close(got, other):
        raise ExerciseFailed(
            "the result does not depend on `rng`: shuffle with the generator you were given "
            "(rng.permutation(N)), not np.random or a new generator with a fixed seed."
        )
    try:
        compare("w", got, expected)
    except ExerciseFailed as failure:
        raise ExerciseFailed(
            f"{failure} Take the order from rng.permutation(N), once per call, and visit the batches "
            f"order[0:batch_size], order[batch_size:2 * batch_size], ... in that order."
        ) from None

    # Two epochs with one generator must use two different orders (reshuffle every epoch).
    rng = np.random.default_rng(9)
    first, _ = run(rng)
    second = np.asarray(sgd_epoch(X.copy(), y.copy(), first.copy(), lr, batch_size, rng), dtype=float)
    reference = np.random.default_rng(9)
    expected_first = _sgd_epoch(X, y, w0, lr, batch_size, reference.permutation(n))
    expected_second = _sgd_epoch(X, y, expected_first, lr, batch_size, reference.permutation(n))
    compare("w after a second epoch with the same rng", second, expected_second)


# --------------------------------------------------------------------------------------------
# Exercise 4.5: the gradient of a sigmoid neuron with the squared loss (article 003 §4.2).
# --------------------------------------------------------------------------------------------


@exercise(
    "4.5",
    "gradient of a sigmoid neuron's squared loss",
    hint="p = σ(X @ w + b); r = (p - y) * p * (1 - p); grad_w = X.T @ r; grad_b = r.sum() "
    "(a sum, no 1/N: L = ½ Σ (y − p)²).",
)
def check_neuron_squared_loss_gradient(neuron_squared_loss_gradient: Callable[..., Any]) -> None:
    """Check ``neuron_squared_loss_gradient(X, y, w, b) -> (grad_w, grad_b)`` for L = ½ Σ (y − σ(Xw + b))²."""
    rng = np.random.default_rng(45)
    n, d = 15, 4
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    w, b = 0.8 * rng.normal(size=d), -0.3
    grad_w, grad_b = _pair(neuron_squared_loss_gradient(X.copy(), y.copy(), w.copy(), b), "grad_w, grad_b")
    p = _sigmoid(X @ w + b)
    r = (p - y) * p * (1 - p)
    expected_w, expected_b = X.T @ r, float(r.sum())

    if np.shape(grad_b) == (n,):
        raise ExerciseFailed("`grad_b` has one entry per example: sum over the examples.")
    mistakes = [
        (
            -expected_w,
            "`grad_w` has the wrong sign: this is article 003 §4.2's Σ σ′·(y − σ)·x. The derivative of "
            "½(y − p)² with respect to p is (p − y), not (y − p).",
        ),
        (X.T @ (p - y), "`grad_w` misses σ′(z) = σ(z)(1 − σ(z)) from the chain rule through the sigmoid."),
        (X.T @ ((p - y) * p), "`grad_w` uses σ(z) where the chain rule needs σ′(z) = σ(z)(1 − σ(z))."),
        (expected_w / n, "`grad_w` is the gradient of the mean; L here is a sum, ½ Σ (y − σ)², with no 1/N."),
        (2 * expected_w, "`grad_w` is twice the right value: the ½ in L cancels the 2 from the square."),
    ]
    for wrong, message in mistakes:
        if _close(grad_w, wrong):
            raise ExerciseFailed(message)
    compare("grad_w", grad_w, expected_w)
    compare("grad_b", _scalar(grad_b, "grad_b", "Sum over the examples."), expected_b)
