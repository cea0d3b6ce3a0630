r"""A/B tests of a product change: the two-proportion z-test, intervals, sample sizes, peeking.

A model change ships to a random half of the users (arm B) while the other half keeps the old
model (arm A). Each arm records how many of its :math:`n` users *converted* (clicked, bought,
kept the suggestion): :math:`x_A` of :math:`n_A` and :math:`x_B` of :math:`n_B`. The questions are
whether the rates differ, by how much, and how many users the test needs. With
:math:`\hat p_A = x_A/n_A`, :math:`\hat p_B = x_B/n_B` and the pooled rate
:math:`\hat p = (x_A + x_B)/(n_A + n_B)`,

.. math::

    z = \frac{\hat p_B - \hat p_A}{\sqrt{\hat p (1 - \hat p)\,(1/n_A + 1/n_B)}},

which is approximately standard normal when the two true rates are equal; :math:`z^2` is
Pearson's :math:`\chi^2` statistic of the 2×2 table (without continuity correction).

This module holds the test (:func:`two_proportion_ztest`), confidence intervals for the difference
(:func:`diff_confint`, Wald or Newcombe's hybrid score interval), the number of users per arm a
test needs (:func:`sample_size_per_arm`) and the power it then has (:func:`power`), and a
vectorised simulation of *peeking* (:func:`simulate_peeking`): looking at the p-value after every
batch and stopping at the first "significant" one. All are derived and checked in notebook 16
(the data flywheel), §5–§6. Counts and rates are validated (a :class:`ValueError` or
:class:`TypeError` names the argument). Only NumPy is imported at module level; SciPy's normal
distribution functions are imported inside the functions that use them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "ZTestResult",
    "two_proportion_ztest",
    "wilson_interval",
    "diff_confint",
    "sample_size_per_arm",
    "power",
    "PeekingResult",
    "simulate_peeking",
]

_ALTERNATIVES = ("two-sided", "larger", "smaller")


# --------------------------------------------------------------------------------------------
# Input checks.
# --------------------------------------------------------------------------------------------


def _counts(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float array of whole, non-negative counts, or raise naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be a count (a whole number >= 0), got the boolean {value!r}.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a count or an array of counts, got {type(value).__name__}.") from None
    if np.isnan(arr).any() or np.isinf(arr).any():
        raise ValueError(f"`{name}` must be finite counts, got NaN or infinity in {value!r}.")
    if (arr < 0).any() or (arr != np.round(arr)).any():
        raise ValueError(f"`{name}` must hold whole numbers >= 0, got {value!r}. Pass counts of users, not rates.")
    return arr


def _rate(name: str, value: Any, *, open_interval: bool = True) -> float:
    """Return ``value`` as a float in (0, 1) (or [0, 1]), or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}: {value!r}.")
    v = float(value)
    ok = 0.0 < v < 1.0 if open_interval else 0.0 <= v <= 1.0
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"`{name}` must be a probability {bounds}, got {value!r}. Write 10 % as 0.10.")
    return v


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be a whole number, got {type(value).__name__}: {value!r}.")
    if int(value) < 1:
        raise ValueError(f"`{name}` must be at least 1, got {value!r}.")
    return int(value)


def _alternative(value: Any) -> str:
    if value not in _ALTERNATIVES:
        raise ValueError(f"`alternative` must be one of {_ALTERNATIVES}, got {value!r}.")
    return str(value)


def _check_trials(x: np.ndarray, n: np.ndarray, x_name: str, n_name: str) -> None:
    if (n == 0).any():
        raise ValueError(f"`{n_name}` must be at least 1 user per arm, got {n_name}=0.")
    if (np.broadcast_to(x, np.broadcast(x, n).shape) > np.broadcast_to(n, np.broadcast(x, n).shape)).any():
        raise ValueError(f"`{x_name}` cannot exceed `{n_name}`: more conversions than users.")


def _scalar_or_array(a: np.ndarray) -> Any:
    return float(a) if a.ndim == 0 else a


# --------------------------------------------------------------------------------------------
# The test and the intervals.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZTestResult:
    """What :func:`two_proportion_ztest` returns (floats, or arrays for array input).

    ``diff`` is :math:`\\hat p_B - \\hat p_A`, ``z`` the statistic, ``p_value`` its p-value.
    """

    diff: Any
    z: Any
    p_value: Any


def two_proportion_ztest(
    x_a: ArrayLike, n_a: ArrayLike, x_b: ArrayLike, n_b: ArrayLike, *, alternative: str = "two-sided"
) -> ZTestResult:
    r"""Test whether two conversion rates differ, with the pooled two-proportion z-test.

    .. math::

        z = \frac{\hat p_B - \hat p_A}{\sqrt{\hat p(1-\hat p)(1/n_A + 1/n_B)}}, \qquad
        \hat p = \frac{x_A + x_B}{n_A + n_B},

    p-value :math:`2\,(1 - \Phi(|z|))` (two-sided), :math:`1 - \Phi(z)` (``"larger"``: B above A)
    or :math:`\Phi(z)` (``"smaller"``). When no user or every user converted in both arms the
    statistic is 0/0; it is reported as ``z = 0``, ``p = 1`` (no evidence of a difference).

    Parameters
    ----------
    x_a, n_a, x_b, n_b:
        Conversions and users in arm A (control) and arm B (treatment): whole numbers, or arrays
        of them that broadcast together (one test per entry, as in a simulation).
    alternative:
        ``"two-sided"`` (default), ``"larger"`` or ``"smaller"``.

    Returns
    -------
    ZTestResult
        ``diff``, ``z`` and ``p_value``; floats for scalar input, arrays otherwise.

    Examples
    --------
    >>> r = two_proportion_ztest(100, 1000, 130, 1000)
    >>> round(r.diff, 3), round(r.z, 3), round(r.p_value, 4)
    (0.03, 2.103, 0.0355)
    """
    from scipy.special import ndtr

    alternative = _alternative(alternative)
    xa, na, xb, nb = (_counts(k, v) for k, v in (("x_a", x_a), ("n_a", n_a), ("x_b", x_b), ("n_b", n_b)))
    _check_trials(xa, na, "x_a", "n_a")
    _check_trials(xb, nb, "x_b", "n_b")
    pa, pb = xa / na, xb / nb
    pooled = (xa + xb) / (na + nb)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
    diff = pb - pa
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), 0.0)
    if alternative == "two-sided":
        p = 2.0 * ndtr(-np.abs(z))
    elif alternative == "larger":
        p = ndtr(-z)
    else:
        p = ndtr(z)
    p = np.where(se > 0, np.minimum(p, 1.0), 1.0)
    return ZTestResult(_scalar_or_array(np.asarray(diff)), _scalar_or_array(np.asarray(z)), _scalar_or_array(p))


def _z_quantile(level: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0))


def wilson_interval(x: ArrayLike, n: ArrayLike, *, level: float = 0.95) -> tuple[Any, Any]:
    r"""Wilson's score interval for one proportion :math:`x/n`.

    .. math::

        \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}},
        \qquad z = \Phi^{-1}\!\left(\tfrac{1 + \text{level}}{2}\right).

    Unlike the Wald interval :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}` it stays inside [0, 1]
    and does not collapse to a point when :math:`x = 0` or :math:`x = n`.

    >>> lo, hi = wilson_interval(0, 20)
    >>> round(lo, 4), round(hi, 4)
    (0.0, 0.1611)
    """
    level = _rate("level", level)
    xs, ns = _counts("x", x), _counts("n", n)
    _check_trials(xs, ns, "x", "n")
    z = _z_quantile(level)
    p = xs / ns
    centre = (p + z * z / (2 * ns)) / (1 + z * z / ns)
    half = z * np.sqrt(p * (1 - p) / ns + z * z / (4 * ns * ns)) / (1 + z * z / ns)
    lo, hi = np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)
    return _scalar_or_array(lo), _scalar_or_array(hi)


def diff_confint(
    x_a: ArrayLike,
    n_a: ArrayLike,
    x_b: ArrayLike,
    n_b: ArrayLike,
    *,
    level: float = 0.95,
    method: str = "newcombe",
) -> tuple[Any, Any]:
    r"""Confidence interval for the difference of rates :math:`p_B - p_A`.

    ``method="wald"``: :math:`\hat p_B - \hat p_A \pm z\sqrt{\hat p_A(1-\hat p_A)/n_A + \hat p_B(1-\hat p_B)/n_B}`
    (unpooled: an interval does not assume the rates are equal).

    ``method="newcombe"`` (default; Newcombe 1998, method 10): with Wilson intervals
    :math:`[l_A, u_A]` and :math:`[l_B, u_B]` for each arm and :math:`d = \hat p_B - \hat p_A`,

    .. math::

        \Bigl[d - \sqrt{(\hat p_B - l_B)^2 + (u_A - \hat p_A)^2},\;
              d + \sqrt{(u_B - \hat p_B)^2 + (\hat p_A - l_A)^2}\Bigr].

    It behaves better than Wald for small counts or rates near 0 and 1; for thousands of users
    per arm the two agree closely.

    >>> lo, hi = diff_confint(100, 1000, 130, 1000, method="wald")
    >>> round(lo, 4), round(hi, 4)
    (0.0021, 0.0579)
    """
    level = _rate("level", level)
    if method not in ("wald", "newcombe"):
        raise ValueError(f"`method` must be 'wald' or 'newcombe', got {method!r}.")
    xa, na, xb, nb = (_counts(k, v) for k, v in (("x_a", x_a), ("n_a", n_a), ("x_b", x_b), ("n_b", n_b)))
    _check_trials(xa, na, "x_a", "n_a")
    _check_trials(xb, nb, "x_b", "n_b")
    pa, pb = xa / na, xb / nb
    d = pb - pa
    if method == "wald":
        half = _z_quantile(level) * np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        lo, hi = d - half, d + half
    else:
        la, ua = (np.asarray(v) for v in wilson_interval(xa, na, level=level))
        lb, ub = (np.asarray(v) for v in wilson_interval(xb, nb, level=level))
        lo = d - np.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
        hi = d + np.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return _scalar_or_array(np.asarray(lo)), _scalar_or_array(np.asarray(hi))


# --------------------------------------------------------------------------------------------
# Planning: sample size and power.
# --------------------------------------------------------------------------------------------


def _z_alpha(alpha: float, alternative: str) -> float:
    from scipy.special import ndtri

    return float(ndtri(1 - alpha / 2)) if alternative == "two-sided" else float(ndtri(1 - alpha))


def sample_size_per_arm(
    p_a: float, p_b: float, *, alpha: float = 0.05, power: float = 0.8, alternative: str = "two-sided"
) -> int:
    r"""Users needed in *each* arm to detect a change of rate from ``p_a`` to ``p_b``.

    For the pooled z-test at level :math:`\alpha` with power :math:`1-\beta`, with
    :math:`\bar p = (p_A + p_B)/2` and :math:`\Delta = p_B - p_A`,

    .. math::

        n = \left\lceil \frac{\bigl(z_{1-\alpha/2}\sqrt{2\bar p(1-\bar p)}
            + z_{1-\beta}\sqrt{p_A(1-p_A) + p_B(1-p_B)}\bigr)^2}{\Delta^2} \right\rceil

    (:math:`z_{1-\alpha}` for a one-sided test). Under :math:`H_0` the standard error of
    :math:`\hat p_B - \hat p_A` is :math:`\sqrt{2\bar p(1-\bar p)/n}`; under the alternative it is
    :math:`\sqrt{(p_A q_A + p_B q_B)/n}`; the test rejects with probability :math:`1-\beta` when
    :math:`\Delta` is :math:`z_{1-\alpha/2}` null standard errors plus :math:`z_{1-\beta}`
    alternative ones. Halving :math:`\Delta` roughly quadruples :math:`n`.

    >>> sample_size_per_arm(0.10, 0.11)
    14751
    """
    pa, pb = _rate("p_a", p_a), _rate("p_b", p_b)
    alpha, pw = _rate("alpha", alpha), _rate("power", power)
    alternative = _alternative(alternative)
    if pa == pb:
        raise ValueError(f"`p_a` and `p_b` are equal ({pa}): there is no change to detect; no n is enough.")
    from scipy.special import ndtri

    pbar = (pa + pb) / 2
    num = _z_alpha(alpha, alternative) * math.sqrt(2 * pbar * (1 - pbar)) + float(ndtri(pw)) * math.sqrt(
        pa * (1 - pa) + pb * (1 - pb)
    )
    return math.ceil((num / (pb - pa)) ** 2)


def power(p_a: float, p_b: float, n_per_arm: int, *, alpha: float = 0.05, alternative: str = "two-sided") -> float:
    r"""Approximate power of the pooled z-test with ``n_per_arm`` users in each arm.

    .. math::

        1 - \beta \approx \Phi\!\left(\frac{|\Delta|\sqrt{n} - z_{1-\alpha/2}\sqrt{2\bar p(1-\bar p)}}
                                       {\sqrt{p_A(1-p_A) + p_B(1-p_B)}}\right),

    the inverse of :func:`sample_size_per_arm` (it ignores the tiny chance of rejecting in the
    wrong direction). For a one-sided test, ``"larger"`` expects :math:`p_B > p_A`.

    >>> round(power(0.10, 0.11, 14751), 3)
    0.8
    """
    from scipy.special import ndtr

    pa, pb = _rate("p_a", p_a), _rate("p_b", p_b)
    alpha = _rate("alpha", alpha)
    alternative = _alternative(alternative)
    n = _positive_int("n_per_arm", n_per_arm)
    delta = pb - pa
    if alternative == "larger":
        effect = delta
    elif alternative == "smaller":
        effect = -delta
    else:
        effect = abs(delta)
    pbar = (pa + pb) / 2
    num = effect * math.sqrt(n) - _z_alpha(alpha, alternative) * math.sqrt(2 * pbar * (1 - pbar))
    return float(ndtr(num / math.sqrt(pa * (1 - pa) + pb * (1 - pb))))


# --------------------------------------------------------------------------------------------
# The peeking problem.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeekingResult:
    """What :func:`simulate_peeking` returns.

    ``rejected_peeking``: share of simulated experiments in which *some* look had
    :math:`p < \\alpha`; ``rejected_fixed``: share with :math:`p < \\alpha` at the last look only
    (the fixed-horizon test); ``first_rejection``: per experiment, the index of the first look
    with :math:`p < \\alpha`, or -1; ``p_values``: array (n_sims, n_looks).
    """

    rejected_peeking: float
    rejected_fixed: float
    first_rejection: np.ndarray
    p_values: np.ndarray


def simulate_peeking(
    p_a: float,
    p_b: float,
    *,
    n_per_arm: int,
    n_looks: int,
    n_sims: int,
    alpha: float = 0.05,
    rng: np.random.Generator | int | None = None,
) -> PeekingResult:
    r"""Simulate A/B tests whose p-value is checked after every batch of users.

    Each of ``n_sims`` experiments splits ``n_per_arm`` users per arm into ``n_looks`` equal
    batches (``n_per_arm`` must be divisible by ``n_looks``); after each batch it runs
    :func:`two_proportion_ztest` (two-sided) on the counts so far. Stopping at the first look with
    :math:`p < \alpha` rejects far more often than :math:`\alpha` when :math:`p_A = p_B`: each look
    is another chance for noise to cross the line. Vectorised: one binomial draw per batch, arm
    and experiment; memory is about ``16 * n_sims * n_looks`` bytes.

    >>> r = simulate_peeking(0.1, 0.1, n_per_arm=2000, n_looks=20, n_sims=2000, rng=0)
    >>> r.rejected_peeking > 2 * r.rejected_fixed
    True
    """
    pa = _rate("p_a", p_a, open_interval=False)
    pb = _rate("p_b", p_b, open_interval=False)
    alpha = _rate("alpha", alpha)
    n = _positive_int("n_per_arm", n_per_arm)
    looks = _positive_int("n_looks", n_looks)
    sims = _positive_int("n_sims", n_sims)
    if n % looks:
        raise ValueError(
            f"`n_per_arm` ({n}) must be divisible by `n_looks` ({looks}) so that every batch is equal; "
            f"try n_per_arm={looks * math.ceil(n / looks)}."
        )
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    batch = n // looks
    xa = np.cumsum(gen.binomial(batch, pa, size=(sims, looks)), axis=1)
    xb = np.cumsum(gen.binomial(batch, pb, size=(sims, looks)), axis=1)
    users = batch * np.arange(1, looks + 1)
    p = np.asarray(two_proportion_ztest(xa, users, xb, users).p_value)
    hit = p < alpha
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    return PeekingResult(
        rejected_peeking=float(hit.any(axis=1).mean()),
        rejected_fixed=float(hit[:, -1].mean()),
        first_rejection=first,
        p_values=p,
    )
