r"""Optimizers with explicit state (SGD, momentum, RMSProp, Adam) and learning-rate schedules.

Derived in notebook 07 (optimizers). Each optimizer is one function that makes **one update**::

    params, state = adam(params, grads, state, lr=1e-3)

- ``params`` and ``grads`` are dicts of float arrays with the same keys and shapes, e.g.
  ``{"W1": (D, H), "b1": (H,), ...}`` as :mod:`helpers.mlp` makes them;
- ``state`` is ``None`` before the first update; afterwards it is the dict the previous call
  returned. It holds the step count and every moment estimate in plain sight, e.g. an Adam state
  ``{"optimizer": "adam", "step": 3, "m": {...}, "v": {...}}``;
- the function returns **new** arrays and a **new** state; it never changes its inputs.

The formulas and the default epsilons are Keras 3's (``keras.optimizers.SGD``, ``RMSprop``,
``Adam``), written with the same arithmetic, so in float64 the updates agree with Keras's to
rounding error, update for update (``tests/test_optim.py`` checks it). Two places where Keras
differs from the textbook are worth knowing:

- RMSProp puts :math:`\varepsilon` **inside** the square root, :math:`\sqrt{s + \varepsilon}`;
  Adam puts it **outside**, :math:`\sqrt{v} + \varepsilon`.
- Adam applies the bias correction to the learning rate,
  :math:`\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`, rather than to the moments as
  Kingma & Ba (2015) write it (:func:`adam_paper`). The two are the same update with a different
  :math:`\varepsilon`: Keras's :math:`\varepsilon` acts like the paper's
  :math:`\varepsilon / \sqrt{1 - \beta_2^t}`.

The schedules (:func:`warmup_cosine`, :func:`step_decay`) take the number of updates already
made, counting from 0, as Keras does when it calls a schedule with ``optimizer.iterations``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "sgd",
    "momentum",
    "rmsprop",
    "adam",
    "adam_paper",
    "warmup_cosine",
    "step_decay",
    "state_size",
]

Params = dict[str, np.ndarray]
State = dict[str, Any]

# The moment estimates ("slots") each optimizer keeps, one array per parameter.
_SLOTS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("velocity",),
    "rmsprop": ("mean_square",),
    "adam": ("m", "v"),
    "adam_paper": ("m", "v"),
}


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _number(value: Any, name: str, example: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number such as {example}, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite, such as {example}; got {value}.")
    return value


def _learning_rate(lr: Any) -> float:
    lr = _number(lr, "lr", "0.01")
    if lr < 0:
        raise ValueError(f"`lr` must be >= 0 (a step size), got {lr}. A negative rate climbs the loss.")
    return lr


def _fraction(value: Any, name: str, example: str) -> float:
    value = _number(value, name, example)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1), such as {example}; got {value}.")
    return value


def _epsilon(eps: Any) -> float:
    eps = _number(eps, "eps", "1e-7")
    if eps < 0:
        raise ValueError(f"`eps` must be >= 0, such as 1e-7; got {eps}.")
    return eps


def _params_and_grads(params: Any, grads: Any) -> tuple[Params, Params]:
    """Check ``params`` and ``grads``; return them as float arrays (grads cast to each param's dtype)."""
    for name, value in (("params", params), ("grads", grads)):
        if not isinstance(value, Mapping):
            raise TypeError(
                f"`{name}` must be a dict of arrays such as {{'W1': W1, 'b1': b1}}, got {type(value).__name__}."
            )
    if set(params) != set(grads):
        missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
        raise ValueError(
            f"`grads` must have the same keys as `params`: missing {missing}, unexpected {extra}. "
            f"Pass the gradient of the loss with respect to every parameter, under the parameter's name."
        )
    if not params:
        raise ValueError("`params` is empty: there is nothing to update.")
    ps: Params = {}
    gs: Params = {}
    for key in params:
        w = np.asarray(params[key])
        if w.dtype.kind != "f":
            raise TypeError(
                f"params[{key!r}] has dtype {w.dtype}; parameters must be floating-point arrays. "
                f"Convert it with .astype(np.float64)."
            )
        g = np.asarray(grads[key])
        if g.shape != w.shape:
            raise ValueError(
                f"grads[{key!r}] has shape {g.shape}, but params[{key!r}] has shape {w.shape}; "
                f"a gradient has the shape of its parameter."
            )
        if g.dtype.kind not in "fiu":
            raise TypeError(f"grads[{key!r}] must hold numbers, got dtype {g.dtype}.")
        g = g.astype(w.dtype, copy=False)
        if not np.all(np.isfinite(g)):
            raise ValueError(
                f"grads[{key!r}] holds NaN or inf: the loss has probably diverged. Lower the learning rate, "
                f"add warm-up, or look for log(0) in the loss."
            )
        ps[key], gs[key] = w, g
    return ps, gs


def _start(state: Any, params: Params, optimizer: str) -> tuple[int, dict[str, Params]]:
    """The step count and the slots of ``state``, or zeros for a first update (``state=None``)."""
    slots = _SLOTS[optimizer]
    if state is None:
        return 0, {slot: {k: np.zeros_like(w) for k, w in params.items()} for slot in slots}
    if not isinstance(state, Mapping):
        raise TypeError(
            f"`state` must be None (first update) or the dict that the previous call of {optimizer}() returned, "
            f"got {type(state).__name__}."
        )
    if state.get("optimizer") != optimizer:
        raise ValueError(
            f"`state` belongs to optimizer {state.get('optimizer')!r}, not {optimizer!r}: each optimizer keeps its "
            f"own moment estimates. Start {optimizer}() with state=None."
        )
    step = state.get("step")
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"state['step'] must be the number of updates made so far (an int >= 0), got {step!r}.")
    moments: dict[str, Params] = {}
    for slot in slots:
        held = state.get(slot)
        if not isinstance(held, Mapping) or set(held) != set(params):
            keys = sorted(held) if isinstance(held, Mapping) else held
            raise ValueError(
                f"state[{slot!r}] must hold one array per parameter, keys {sorted(params)}; got {keys}. "
                f"Was the state made for other parameters?"
            )
        moments[slot] = {}
        for k, w in params.items():
            arr = np.asarray(held[k])
            if arr.shape != w.shape:
                raise ValueError(
                    f"state[{slot!r}][{k!r}] has shape {arr.shape}, but params[{k!r}] has shape {w.shape}."
                )
            moments[slot][k] = arr
    return int(step), moments


def _state(optimizer: str, step: int, moments: dict[str, Params]) -> State:
    return {"optimizer": optimizer, "step": step, **moments}


# --------------------------------------------------------------------------------------------
# The optimizers.
# --------------------------------------------------------------------------------------------


def sgd(
    params: Mapping[str, ArrayLike], grads: Mapping[str, ArrayLike], state: State | None, lr: float
) -> tuple[Params, State]:
    r"""One step of (stochastic) gradient descent.

    .. math::

        w \leftarrow w - \eta\, g

    where :math:`g` is the gradient of the loss (of a mini-batch, for *stochastic* gradient
    descent) and :math:`\eta` the learning rate ``lr``. Matches ``keras.optimizers.SGD`` with
    ``momentum=0``. Notebook 07, section 2.

    Parameters
    ----------
    params, grads:
        Dicts of float arrays with the same keys and shapes, e.g. ``W1`` of shape (D, H).
    state:
        ``None`` at the first update, then what the previous call returned; SGD keeps only the
        step count.
    lr:
        The learning rate :math:`\eta \ge 0`.

    Returns
    -------
    (params, state)
        New arrays of the same shapes and dtypes, and the new state.

    Examples
    --------
    >>> p, s = sgd({"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, 0.5])}, None, lr=0.1)
    >>> p["w"], s["step"]
    (array([ 0.95, -2.05]), 1)
    """
    lr = _learning_rate(lr)
    ps, gs = _params_and_grads(params, grads)
    step, _ = _start(state, ps, "sgd")
    new = {k: ps[k] - gs[k] * lr for k in ps}
    return new, _state("sgd", step + 1, {})


def momentum(
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    state: State | None,
    lr: float,
    momentum: float = 0.9,
    nesterov: bool = False,
) -> tuple[Params, State]:
    r"""One step of gradient descent with momentum (heavy ball), or Nesterov momentum.

    Keras 3's form, where the velocity :math:`v` already includes the learning rate:

    .. math::

        v \leftarrow \mu v - \eta g, \qquad
        w \leftarrow \begin{cases} w + v & \text{(heavy ball)} \\
                                   w + \mu v - \eta g & \text{(Nesterov, with the new } v) \end{cases}

    with :math:`v_0 = 0`. A constant gradient makes the steps grow towards
    :math:`\eta g / (1 - \mu)`: ``momentum=0.9`` multiplies the rate by up to 10. Matches
    ``keras.optimizers.SGD(momentum=..., nesterov=...)``. Notebook 07, section 2.

    Parameters
    ----------
    params, grads, state:
        As in :func:`sgd`; the state holds ``"velocity"``, one array per parameter.
    lr:
        The learning rate :math:`\eta \ge 0`.
    momentum:
        :math:`\mu \in [0, 1)`, how much of the last step is kept (default 0.9).
    nesterov:
        Use Nesterov's look-ahead form.

    Examples
    --------
    >>> p, s = momentum({"w": np.array([1.0])}, {"w": np.array([1.0])}, None, lr=0.1)
    >>> p, s = momentum(p, {"w": np.array([1.0])}, s, lr=0.1)
    >>> s["velocity"]["w"], p["w"]  # v = 0.9 * (-0.1) - 0.1; w = 1 - 0.1 - 0.19
    (array([-0.19]), array([0.71]))
    """
    lr = _learning_rate(lr)
    mu = _fraction(momentum, "momentum", "0.9")
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"`nesterov` must be True or False, got {nesterov!r}.")
    ps, gs = _params_and_grads(params, grads)
    step, moments = _start(state, ps, "momentum")
    new, velocity = {}, {}
    for k in ps:
        v = moments["velocity"][k] * mu - gs[k] * lr
        velocity[k] = v
        new[k] = ps[k] + (v * mu - gs[k] * lr) if nesterov else ps[k] + v
    return new, _state("momentum", step + 1, {"velocity": velocity})


def rmsprop(
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    state: State | None,
    lr: float,
    rho: float = 0.9,
    eps: float = 1e-7,
) -> tuple[Params, State]:
    r"""One step of RMSProp: divide the step by a running root-mean-square of the gradient.

    .. math::

        s \leftarrow \rho s + (1 - \rho)\, g^2, \qquad
        w \leftarrow w - \frac{\eta\, g}{\sqrt{s + \varepsilon}}

    element-wise, with :math:`s_0 = 0` and no bias correction, so the first steps are larger
    than :math:`\eta` (the very first one is :math:`\eta / \sqrt{1 - \rho} \approx 3.16\,\eta`
    per coordinate for :math:`\rho = 0.9`). Note :math:`\varepsilon` **inside** the square root,
    as in Keras 3. Matches ``keras.optimizers.RMSprop`` with ``momentum=0``, ``centered=False``.
    Notebook 07, section 2.

    Parameters
    ----------
    params, grads, state:
        As in :func:`sgd`; the state holds ``"mean_square"`` (:math:`s`), one array per parameter.
    lr:
        The learning rate :math:`\eta \ge 0`.
    rho:
        :math:`\rho \in [0, 1)`, the decay of the running mean of :math:`g^2` (default 0.9).
    eps:
        :math:`\varepsilon \ge 0` (default 1e-7, Keras's).

    Examples
    --------
    >>> p, s = rmsprop({"w": np.array([1.0, 1.0])}, {"w": np.array([2.0, -0.01])}, None, lr=0.01, eps=0.0)
    >>> np.round(p["w"], 6)  # both coordinates move by lr / sqrt(0.1), whatever the gradient's size
    array([0.968377, 1.031623])
    """
    lr = _learning_rate(lr)
    rho = _fraction(rho, "rho", "0.9")
    eps = _epsilon(eps)
    ps, gs = _params_and_grads(params, grads)
    step, moments = _start(state, ps, "rmsprop")
    new, mean_square = {}, {}
    for k in ps:
        s = rho * moments["mean_square"][k] + (1 - rho) * np.square(gs[k])
        mean_square[k] = s
        new[k] = ps[k] - (lr * gs[k]) / np.sqrt(s + eps)
    return new, _state("rmsprop", step + 1, {"mean_square": mean_square})


def _adam_check(lr: Any, beta_1: Any, beta_2: Any, eps: Any) -> tuple[float, float, float, float]:
    return (
        _learning_rate(lr),
        _fraction(beta_1, "beta_1", "0.9"),
        _fraction(beta_2, "beta_2", "0.999"),
        _epsilon(eps),
    )


def adam(
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    state: State | None,
    lr: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-7,
) -> tuple[Params, State]:
    r"""One step of Adam, in Keras 3's form (bias correction folded into the learning rate).

    At update number :math:`t = 1, 2, \dots`, element-wise, with :math:`m_0 = v_0 = 0`:

    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \\
        \eta_t &= \eta\, \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t} \\
        w &\leftarrow w - \eta_t\, \frac{m}{\sqrt{v} + \varepsilon}

    The code writes the moment updates as :math:`m + (1 - \beta_1)(g - m)`, as Keras does (the
    same number in exact arithmetic, and the same rounding as Keras). The factor in
    :math:`\eta_t` undoes the bias of starting the averages at 0; :func:`adam_paper` is Kingma
    & Ba's form, the same up to where :math:`\varepsilon` acts. Matches
    ``keras.optimizers.Adam`` (``amsgrad=False``). Notebook 07, sections 2 and 3.

    Parameters
    ----------
    params, grads, state:
        As in :func:`sgd`; the state holds ``"m"`` and ``"v"``, one array each per parameter.
    lr:
        The learning rate :math:`\eta \ge 0` (Keras's default is 0.001).
    beta_1, beta_2:
        Decays of the running means of :math:`g` and :math:`g^2`, in [0, 1).
    eps:
        :math:`\varepsilon \ge 0` (default 1e-7, Keras's; the paper uses 1e-8).

    Examples
    --------
    For a constant gradient every corrected step is ``lr``, whatever the gradient's size:

    >>> p, s = {"w": np.zeros(2)}, None
    >>> for _ in range(3):
    ...     p, s = adam(p, {"w": np.array([100.0, -0.5])}, s, lr=0.01, eps=0.0)
    >>> np.round(p["w"], 12), s["step"]
    (array([-0.03,  0.03]), 3)
    """
    lr, beta_1, beta_2, eps = _adam_check(lr, beta_1, beta_2, eps)
    ps, gs = _params_and_grads(params, grads)
    step, moments = _start(state, ps, "adam")
    t = step + 1
    beta_1_power, beta_2_power = beta_1**t, beta_2**t
    lr_t = lr * math.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    new, ms, vs = {}, {}, {}
    for k in ps:
        g = gs[k]
        m = moments["m"][k] + (g - moments["m"][k]) * (1 - beta_1)
        v = moments["v"][k] + (np.square(g) - moments["v"][k]) * (1 - beta_2)
        ms[k], vs[k] = m, v
        new[k] = ps[k] - (m * lr_t) / (np.sqrt(v) + eps)
    return new, _state("adam", t, {"m": ms, "v": vs})


def adam_paper(
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    state: State | None,
    lr: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Params, State]:
    r"""One step of Adam as Kingma & Ba (2015, Algorithm 1) write it: correct the moments.

    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \\
        \hat m &= \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t} \\
        w &\leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \varepsilon}

    Multiplying numerator and denominator by :math:`\sqrt{1 - \beta_2^t}` gives :func:`adam`
    (Keras's form) with :math:`\varepsilon_{\text{Keras}} = \varepsilon \sqrt{1 - \beta_2^t}`:
    the two agree exactly when :math:`\varepsilon = 0`, and nearly whenever
    :math:`\sqrt{\hat v} \gg \varepsilon`. The paper's default :math:`\varepsilon` is 1e-8.
    Notebook 07, section 3.

    Parameters
    ----------
    params, grads, state, lr, beta_1, beta_2, eps:
        As in :func:`adam`; the state (``"m"``, ``"v"``) is tagged ``"adam_paper"``.

    Examples
    --------
    >>> g = {"w": np.array([0.3, -2.0])}
    >>> a, _ = adam({"w": np.ones(2)}, g, None, lr=0.1, eps=0.0)
    >>> b, _ = adam_paper({"w": np.ones(2)}, g, None, lr=0.1, eps=0.0)
    >>> bool(np.allclose(a["w"], b["w"], rtol=1e-14, atol=0))
    True
    """
    lr, beta_1, beta_2, eps = _adam_check(lr, beta_1, beta_2, eps)
    ps, gs = _params_and_grads(params, grads)
    step, moments = _start(state, ps, "adam_paper")
    t = step + 1
    new, ms, vs = {}, {}, {}
    for k in ps:
        g = gs[k]
        m = beta_1 * moments["m"][k] + (1 - beta_1) * g
        v = beta_2 * moments["v"][k] + (1 - beta_2) * np.square(g)
        ms[k], vs[k] = m, v
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        new[k] = ps[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, _state("adam_paper", t, {"m": ms, "v": vs})


def state_size(state: Mapping[str, Any]) -> int:
    """The number of floats an optimizer's state holds: the sum of the sizes of its moment arrays.

    Plain SGD keeps none, momentum and RMSProp one per parameter, Adam two. Notebook 07, section 6
    (for a model with P parameters in float32, Adam's state alone is 8·P bytes).

    >>> _, s = adam({"W": np.zeros((3, 4)), "b": np.zeros(4)}, {"W": np.ones((3, 4)), "b": np.ones(4)}, None, lr=0.1)
    >>> state_size(s)
    32
    """
    if not isinstance(state, Mapping) or state.get("optimizer") not in _SLOTS:
        raise TypeError("`state` must be a state dict returned by one of the optimizers of helpers.optim.")
    return int(sum(np.size(a) for slot in _SLOTS[state["optimizer"]] for a in state[slot].values()))


# --------------------------------------------------------------------------------------------
# Learning-rate schedules.
# --------------------------------------------------------------------------------------------


def _steps(step: Any) -> np.ndarray:
    """``step`` (an int or an array of ints, >= 0) as an int64 array."""
    arr = np.asarray(step)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.dtype == np.bool_:
        raise TypeError(f"`step` must be an int (or an array of ints) counting updates from 0, got {step!r}.")
    if np.any(arr < 0):
        raise ValueError(f"`step` must be >= 0 (the number of updates made so far), got {step!r}.")
    return arr.astype(np.int64)


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an int, got {value!r} of type {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}.")
    return int(value)


def _result(values: np.ndarray) -> float | np.ndarray:
    return float(values) if values.ndim == 0 else values


def warmup_cosine(
    step: int | ArrayLike,
    *,
    base_lr: float,
    warmup_steps: int,
    total_steps: int,
    final_lr: float = 0.0,
) -> float | np.ndarray:
    r"""Linear warm-up from 0 to ``base_lr``, then cosine decay to ``final_lr``.

    With :math:`W` = ``warmup_steps``, :math:`T` = ``total_steps`` and :math:`s` the number of
    updates made so far (from 0):

    .. math::

        \eta(s) = \begin{cases}
            \eta_{\max}\, s / W & s < W \\
            \eta_{\min} + (\eta_{\max} - \eta_{\min})\, \tfrac12 \Bigl(1 + \cos \pi\, \frac{\min(s, T) - W}{T - W}\Bigr)
                & s \ge W
        \end{cases}

    The same numbers as ``keras.optimizers.schedules.CosineDecay(initial_learning_rate=0.0,
    decay_steps=T - W, alpha=final_lr / base_lr, warmup_target=base_lr, warmup_steps=W)``.
    As in Keras, the first update (:math:`s = 0`) has rate 0 when there is a warm-up.
    ``warmup_steps=0`` gives plain cosine decay. Notebook 07, section 5.

    Parameters
    ----------
    step:
        Updates made so far, an int >= 0 or an array of them.
    base_lr:
        :math:`\eta_{\max} > 0`, the rate at the end of the warm-up.
    warmup_steps:
        :math:`W \ge 0`.
    total_steps:
        :math:`T > W`; from step :math:`T` on the rate stays at ``final_lr``.
    final_lr:
        :math:`\eta_{\min}`, in [0, base_lr] (default 0).

    Returns
    -------
    float or np.ndarray
        The learning rate, with ``step``'s shape.

    Examples
    --------
    >>> [round(warmup_cosine(s, base_lr=1.0, warmup_steps=2, total_steps=6), 4) for s in range(8)]
    [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    steps = _steps(step)
    base_lr = _number(base_lr, "base_lr", "0.001")
    if base_lr <= 0:
        raise ValueError(f"`base_lr` must be > 0, got {base_lr}.")
    warmup_steps = _count(warmup_steps, "warmup_steps", 0)
    total_steps = _count(total_steps, "total_steps", 1)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"`total_steps` ({total_steps}) must be larger than `warmup_steps` ({warmup_steps}): "
            f"the cosine phase needs at least one step."
        )
    final_lr = _number(final_lr, "final_lr", "0.0")
    if not 0.0 <= final_lr <= base_lr:
        raise ValueError(f"`final_lr` must be in [0, base_lr] = [0, {base_lr}], got {final_lr}.")
    s = np.minimum(steps, total_steps).astype(np.float64)
    warm = base_lr * s / max(warmup_steps, 1)
    progress = (s - warmup_steps) / (total_steps - warmup_steps)
    cosine = final_lr + (base_lr - final_lr) * 0.5 * (1.0 + np.cos(np.pi * progress))
    return _result(np.where(s < warmup_steps, warm, cosine))


def step_decay(step: int | ArrayLike, *, base_lr: float, drop: float = 0.5, every: int) -> float | np.ndarray:
    r"""Step decay: multiply the rate by ``drop`` every ``every`` updates.

    .. math::

        \eta(s) = \eta_0 \cdot \text{drop}^{\lfloor s / \text{every} \rfloor}

    The same numbers as ``keras.optimizers.schedules.ExponentialDecay(base_lr,
    decay_steps=every, decay_rate=drop, staircase=True)``. Notebook 07, section 5.

    Parameters
    ----------
    step:
        Updates made so far, an int >= 0 or an array of them.
    base_lr:
        :math:`\eta_0 > 0`.
    drop:
        The factor, in (0, 1] (default 0.5).
    every:
        The number of updates between drops, >= 1.

    Examples
    --------
    >>> step_decay(np.array([0, 9, 10, 25]), base_lr=0.1, drop=0.5, every=10)
    array([0.1  , 0.1  , 0.05 , 0.025])
    """
    steps = _steps(step)
    base_lr = _number(base_lr, "base_lr", "0.1")
    if base_lr <= 0:
        raise ValueError(f"`base_lr` must be > 0, got {base_lr}.")
    drop = _number(drop, "drop", "0.5")
    if not 0.0 < drop <= 1.0:
        raise ValueError(f"`drop` must be in (0, 1], such as 0.5; got {drop}.")
    every = _count(every, "every", 1)
    return _result(base_lr * drop ** (steps // every).astype(np.float64))
