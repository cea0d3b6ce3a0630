"""Exercise feedback: tell a learner *which* part of an answer is wrong, and how.

Each chapter's exercises are checked by functions in :mod:`helpers.exercises`. They are built
from two pieces defined here:

- :func:`exercise`, a decorator that turns a check into one that prints a verdict, and reports
  "not done yet" with a hint (instead of crashing) while the learner's function still raises
  :class:`NotImplementedError` -- the stub that student copies of the notebooks contain;
- :func:`compare`, which compares an answer with the expected value and, when they differ,
  diagnoses the usual mistakes: wrong shape, a transposed matrix, the wrong sign, a constant
  factor (a forgotten ``1/N``), a constant offset, NaN.

A check raises :class:`ExerciseFailed` (an :class:`AssertionError`) with that diagnosis, so a
wrong answer stops the notebook with a message that says what to fix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["ExerciseFailed", "compare", "diagnose", "exercise", "NOT_DONE", "PASSED"]

PASSED = "correct"
"""What a check prints after the exercise's number when the answer is right."""
NOT_DONE = "not done yet"
"""What a check prints after the exercise's number while the learner's function is a stub."""

F = TypeVar("F", bound=Callable[..., None])


class ExerciseFailed(AssertionError):
    """An exercise's answer is wrong; the message says what is wrong and how to fix it."""


def exercise(number: str, title: str, *, hint: str) -> Callable[[F], Callable[..., None]]:
    """Decorate a check function so that it reports a verdict a learner can act on.

    The decorated check prints ``Exercise N (title): correct.`` when the answer is right;
    prints ``... not done yet. Hint: ...`` when the learner's code raises
    :class:`NotImplementedError` (the stub of the student copies); and lets
    :class:`ExerciseFailed` (a wrong answer, prefixed with the exercise's number) and any other
    exception (a bug in the learner's code) propagate with their tracebacks. It returns ``None``,
    so a notebook cell that calls it shows only the printed verdict.

    Parameters
    ----------
    number:
        The exercise's number, e.g. ``"0.1"`` (chapter 0, exercise 1).
    title:
        A few words naming the exercise.
    hint:
        What to do; shown while the exercise is not done yet.
    """

    def decorate(check: F) -> Callable[..., None]:
        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                check(*args, **kwargs)
            except NotImplementedError:
                print(f"Exercise {number} ({title}): {NOT_DONE}. Hint: {hint}")
                return
            except ExerciseFailed as failure:
                raise ExerciseFailed(f"Exercise {number} ({title}): {failure}") from None
            print(f"Exercise {number} ({title}): {PASSED}.")

        run.number = number  # type: ignore[attr-defined]
        run.hint = hint  # type: ignore[attr-defined]
        return run

    return decorate


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def diagnose(name: str, got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Explain how ``got`` differs from ``expected``, or return ``None`` if they agree.

    Agreement means ``np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)`` with
    equal shapes. The diagnoses, in the order they are tried: nothing returned (``None``), not a
    number, wrong shape (transposed? reshaped?), NaN or infinity, wrong sign, a constant factor,
    a constant offset, and otherwise the count of wrong entries and the worst one. A transposed
    *square* matrix cannot be told from a wrong one: give exercises non-square test shapes.

    >>> print(diagnose("grad_b", [2.0, 4.0], [1.0, 2.0]))  # doctest: +ELLIPSIS
    `grad_b` is off by a factor of 2: every entry is 2 × the right value (a missing or extra 1/N, ...
    >>> diagnose("grad_b", [1.0, 2.0], [1.0, 2.0]) is None
    True
    """
    if got is None:
        return f"`{name}` is None: did the function forget to `return` its result?"
    exp = np.asarray(expected, dtype=float)
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"`{name}` should be a number or an array of numbers, got {type(got).__name__}: {got!r}."

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))

    if arr.shape != exp.shape:
        if arr.ndim == 2 and arr.T.shape == exp.shape and close(arr.T, exp):
            return f"`{name}` is transposed: it has shape {arr.shape}, expected {exp.shape}."
        if arr.size == exp.size and close(arr.reshape(exp.shape), exp):
            return (
                f"`{name}` has the right numbers but shape {arr.shape}; expected {exp.shape}. "
                f"Check keepdims= or a reshape."
            )
        return f"`{name}` has shape {arr.shape}, expected {exp.shape}."

    bad = ~np.isfinite(arr) & np.isfinite(exp)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"`{name}` contains NaN or infinity (first at index {where}); look for log(0), 0/0 or overflow."

    if close(arr, exp):
        return None
    if close(arr, -exp):
        return f"`{name}` has the wrong sign: it is −1 × the right value."

    factor = _constant_factor(arr, exp, rtol=rtol, atol=atol)
    if factor is not None:
        return (
            f"`{name}` is off by a factor of {factor:.4g}: every entry is {factor:.4g} × the "
            f"right value (a missing or extra 1/N, or a factor from a square?)."
        )
    if arr.size == 1:
        return f"`{name}` is {_fmt(float(arr.flat[0]))}, expected {_fmt(float(exp.flat[0]))}."

    diff = arr - exp
    offset = float(diff.flat[0])
    if np.allclose(diff, offset, rtol=0.0, atol=max(atol, rtol * float(np.nanmax(np.abs(exp))))):
        return f"`{name}` is off by a constant {offset:.4g} everywhere (a missing or extra term?)."

    wrong = ~np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    worst = np.unravel_index(int(np.nanargmax(np.where(wrong, np.abs(diff), -np.inf))), arr.shape)
    where = tuple(int(i) for i in worst)
    return (
        f"{int(wrong.sum())} of {arr.size} entries of `{name}` are wrong; the largest error is at "
        f"index {where}: expected {_fmt(float(exp[worst]))}, got {_fmt(float(arr[worst]))}."
    )


def _constant_factor(arr: np.ndarray, exp: np.ndarray, *, rtol: float, atol: float) -> float | None:
    """The factor c with ``arr ≈ c · exp``, if there is one worth reporting, else ``None``.

    For arrays any constant c counts. For a single number every wrong answer is *some* multiple of
    the right one, so only a telling factor is reported: a whole number from 2 up, or its inverse
    (a forgotten or extra 1/N, 1/2, ...).
    """
    finite = np.isfinite(exp)
    scale = float(np.max(np.abs(exp[finite]), initial=0.0))
    if scale == 0.0:
        return None
    reference = np.abs(exp) > 1e-6 * scale  # entries big enough to give a reliable ratio
    factor = float(np.median(arr[reference] / exp[reference]))
    if factor == 0.0 or not np.isfinite(factor):
        return None
    if not np.allclose(arr, factor * exp, rtol=rtol, atol=atol * max(1.0, abs(factor)), equal_nan=True):
        return None
    if arr.size == 1:
        whole = max(abs(factor), 1 / abs(factor))
        if whole < 1.5 or abs(whole - round(whole)) > 1e-6 * whole:
            return None
    return factor


def compare(name: str, got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Raise :class:`ExerciseFailed` with a diagnosis unless ``got`` matches ``expected``.

    Parameters
    ----------
    name:
        How the learner knows the quantity, e.g. ``"grad_W1"``; used in the message.
    got, expected:
        The learner's answer and the right one (numbers or arrays).
    rtol, atol:
        Tolerances as in :func:`numpy.allclose`. The defaults suit float64 computations that
        should agree to rounding error; a check that needs looser ones says so.
    """
    if rtol < 0 or atol < 0:
        raise ValueError(f"`rtol` and `atol` must be non-negative, got rtol={rtol}, atol={atol}.")
    problem = diagnose(name, got, expected, rtol=rtol, atol=atol)
    if problem is not None:
        raise ExerciseFailed(problem)
