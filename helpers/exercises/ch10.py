"""Checks for the exercises of notebook 10 (case: Chinese review sentiment).

- 10.1 the share of test texts that also occur in the training split (leakage);
- 10.2 the accuracy of the majority-class baseline, the majority taken from the training labels;
- 10.3 the character n-grams of a text, the features of the TF-IDF baseline.

Each check builds its own inputs with a fixed generator, tests the typical mistakes first with a
message that names them, and ends with :func:`helpers.checks.compare`. References are plain
Python / NumPy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..checks import ExerciseFailed, compare, exercise

__all__ = ["check_leaked_fraction", "check_majority_accuracy", "check_char_ngrams"]

_ALPHABET = list("好差很不错书质量慢快")


def _texts(rng: np.random.Generator, n: int, length: int = 3) -> list[str]:
    return ["".join(rng.choice(_ALPHABET, size=length)) for _ in range(n)]


def _leaked_fraction(train: Sequence[str], test: Sequence[str]) -> float:
    seen = set(train)
    return sum(t in seen for t in test) / len(test)


@exercise(
    "10.1",
    "leaked test texts",
    hint="Put the training texts in a set; count the test rows (repeats included) found in it; divide by len(test).",
)
def check_leaked_fraction(leaked_fraction: Callable[[Sequence[str], Sequence[str]], float]) -> None:
    """Check ``leaked_fraction(train_texts, test_texts)``: the share of test rows whose text is in training."""
    rng = np.random.default_rng(10)
    pool = _texts(rng, 9, length=2)
    train = [str(t) for t in rng.choice(pool[:6], size=11)]
    # test: one seen text repeated four times, two other seen texts, three unseen ones
    test = [train[0]] * 4 + [train[1], train[2]] + [pool[6], pool[7], pool[8], pool[7]]
    test = [test[i] for i in rng.permutation(len(test))]
    expected = _leaked_fraction(train, test)
    got = leaked_fraction(train, test)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"the result should be one number, got shape {np.shape(got)}.")
    swapped = _leaked_fraction(test, train)
    if not np.isclose(swapped, expected) and np.isclose(got, swapped):
        raise ExerciseFailed("this is the share of *training* texts found in the test split; swap the roles.")
    distinct = len(set(test) & set(train)) / len(set(test))
    if not np.isclose(distinct, expected) and np.isclose(got, distinct):
        raise ExerciseFailed(
            "this counts distinct test texts; count every test row (a repeated review is scored every time)."
        )
    if np.isclose(got, sum(t in set(train) for t in test)):
        raise ExerciseFailed("this is a count; divide by the number of test rows.")
    compare("leaked_fraction", got, expected)


@exercise(
    "10.2",
    "majority-class baseline",
    hint="Find the most frequent label in y_train (not y_test) and return the share of y_test equal to it.",
)
def check_majority_accuracy(majority_accuracy: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """Check ``majority_accuracy(y_train, y_test)``: accuracy on ``y_test`` of always predicting train's majority."""
    rng = np.random.default_rng(11)
    y_train = np.array([1] * 15 + [0] * 8)[rng.permutation(23)]  # majority 1
    y_test = np.array([0] * 9 + [1] * 4)[rng.permutation(13)]  # majority 0: the two majorities differ
    majority = int(np.bincount(y_train).argmax())
    expected = float(np.mean(y_test == majority))
    got = majority_accuracy(y_train, y_test)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"the result should be one number, got shape {np.shape(got)}.")
    test_majority = int(np.bincount(y_test).argmax())
    if np.isclose(got, np.mean(y_test == test_majority)):
        raise ExerciseFailed("the majority was taken from y_test: that peeks at the test labels; use y_train.")
    if np.isclose(got, np.mean(y_train == majority)):
        raise ExerciseFailed("this is the accuracy on y_train; score the prediction against y_test.")
    compare("majority_accuracy", got, expected)


def _char_ngrams(text: str, n: int) -> list[str]:
    return [text[i : i + n] for i in range(len(text) - n + 1)]


@exercise(
    "10.3",
    "character n-grams",
    hint="Return [text[i:i+n] for i in range(len(text) - n + 1)]: every window of n characters, in order.",
)
def check_char_ngrams(char_ngrams: Callable[[str, int], list[str]]) -> None:
    """Check ``char_ngrams(text, n)``: every contiguous run of ``n`` characters, in order, repeats kept."""
    cases = [("质量很好很好", 2), ("送货太慢了", 3), ("好", 2), ("书不错", 1)]
    for text, n in cases:
        expected = _char_ngrams(text, n)
        got = char_ngrams(text, n)
        if got is None:
            raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
        got = list(got)
        if not all(isinstance(g, str) for g in got):
            raise ExerciseFailed(f"return a list of strings; got {got!r} for text={text!r}, n={n}.")
        if expected and got == expected[:-1]:
            raise ExerciseFailed(f"the last n-gram is missing for {text!r}: the range ends at len(text) - n + 1.")
        if got == sorted(set(expected)) and got != expected:
            raise ExerciseFailed("repeats were dropped or the n-grams sorted; keep every window, in order.")
        if any(len(g) != n for g in got):
            raise ExerciseFailed(f"some items do not have length n={n} (for {text!r}: {got!r}); drop short tails.")
        if got != expected:
            raise ExerciseFailed(f"for text={text!r}, n={n} expected {expected!r}, got {got!r}.")
    compare("number of n-grams", len(char_ngrams("好评如潮好评", 2)), 5)
