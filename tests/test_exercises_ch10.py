"""Tests of helpers.exercises.ch10: right answers pass, stubs say "not done yet", mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.exercises import ch10


def _not_done(*_args):
    raise NotImplementedError


# 10.1 ----------------------------------------------------------------------------------------


def _leaked(train, test):
    seen = set(train)
    return sum(t in seen for t in test) / len(test)


def test_leaked_fraction_right_answer(capsys):
    ch10.check_leaked_fraction(_leaked)
    assert capsys.readouterr().out == "Exercise 10.1 (leaked test texts): correct.\n"


def test_leaked_fraction_stub(capsys):
    ch10.check_leaked_fraction(_not_done)
    assert "not done yet. Hint: Put the training texts in a set" in capsys.readouterr().out


def test_leaked_fraction_swapped():
    with pytest.raises(ExerciseFailed, match="training"):
        ch10.check_leaked_fraction(lambda train, test: _leaked(test, train))


def test_leaked_fraction_distinct():
    with pytest.raises(ExerciseFailed, match="distinct"):
        ch10.check_leaked_fraction(lambda train, test: len(set(test) & set(train)) / len(set(test)))


def test_leaked_fraction_count():
    with pytest.raises(ExerciseFailed, match="count"):
        ch10.check_leaked_fraction(lambda train, test: sum(t in set(train) for t in test))


def test_leaked_fraction_none():
    with pytest.raises(ExerciseFailed, match="None"):
        ch10.check_leaked_fraction(lambda train, test: None)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda train, test: 0.0,
        lambda train, test: 1 - _leaked(train, test),
        lambda train, test: len(set(test) & set(train)) / len(test),
        lambda train, test: _leaked(train, test) * 100,
        lambda train, test: [_leaked(train, test)],
    ],
    ids=["zero", "complement", "distinct-over-rows", "percent", "list"],
)
def test_leaked_fraction_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch10.check_leaked_fraction(wrong)
    assert "correct" not in capsys.readouterr().out


# 10.2 ----------------------------------------------------------------------------------------


def _majority(y_train, y_test):
    return float(np.mean(np.asarray(y_test) == np.bincount(y_train).argmax()))


def test_majority_right_answer(capsys):
    ch10.check_majority_accuracy(_majority)
    assert capsys.readouterr().out == "Exercise 10.2 (majority-class baseline): correct.\n"


def test_majority_stub(capsys):
    ch10.check_majority_accuracy(_not_done)
    assert "not done yet. Hint: Find the most frequent label in y_train" in capsys.readouterr().out


def test_majority_from_test():
    with pytest.raises(ExerciseFailed, match="y_test"):
        ch10.check_majority_accuracy(lambda y_train, y_test: _majority(y_test, y_test))


def test_majority_on_train():
    with pytest.raises(ExerciseFailed, match="accuracy on y_train"):
        ch10.check_majority_accuracy(lambda y_train, y_test: _majority(y_train, y_train))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda y_train, y_test: float(np.mean(y_train)),
        lambda y_train, y_test: float(np.mean(1 - np.asarray(y_test))),
        lambda y_train, y_test: 0.5,
        lambda y_train, y_test: float(np.sum(y_test == 1)),
        lambda y_train, y_test: None,
        lambda y_train, y_test: np.asarray(y_test) == 1,
    ],
    ids=["train-share", "test-negatives", "half", "count", "none", "array"],
)
def test_majority_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch10.check_majority_accuracy(wrong)
    assert "correct" not in capsys.readouterr().out


# 10.3 ----------------------------------------------------------------------------------------


def _ngrams(text, n):
    return [text[i : i + n] for i in range(len(text) - n + 1)]


def test_ngrams_right_answer(capsys):
    ch10.check_char_ngrams(_ngrams)
    assert capsys.readouterr().out == "Exercise 10.3 (character n-grams): correct.\n"


def test_ngrams_stub(capsys):
    ch10.check_char_ngrams(_not_done)
    assert "not done yet. Hint: Return [text[i:i+n]" in capsys.readouterr().out


def test_ngrams_off_by_one():
    with pytest.raises(ExerciseFailed, match="last n-gram is missing"):
        ch10.check_char_ngrams(lambda text, n: [text[i : i + n] for i in range(len(text) - n)])


def test_ngrams_deduplicated():
    with pytest.raises(ExerciseFailed, match="repeats"):
        ch10.check_char_ngrams(lambda text, n: sorted(set(_ngrams(text, n))))


def test_ngrams_short_tails():
    with pytest.raises(ExerciseFailed, match="length n"):
        ch10.check_char_ngrams(lambda text, n: [text[i : i + n] for i in range(len(text))])


@pytest.mark.parametrize(
    "wrong",
    [
        lambda text, n: list(text),
        lambda text, n: [text],
        lambda text, n: None,
        lambda text, n: [text[i : i + n] for i in range(0, len(text) - n + 1, n)],
        lambda text, n: [text[i : i + n] for i in range(1, len(text) - n + 1)],
    ],
    ids=["chars", "whole", "none", "non-overlapping", "skip-first"],
)
def test_ngrams_never_passes_wrong(wrong, capsys):
    with pytest.raises(ExerciseFailed):
        ch10.check_char_ngrams(wrong)
    assert "correct" not in capsys.readouterr().out
