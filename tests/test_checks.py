"""The exercise-feedback machinery. Its messages are what learners read, so their content is tested."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers.checks import NOT_DONE, PASSED, ExerciseFailed, compare, diagnose, exercise
from helpers.exercises import ch00

# Deterministic, and no example database written into the repository.
HYPOTHESIS = settings(max_examples=150, deadline=None, derandomize=True, database=None)

A = np.arange(1.0, 7.0).reshape(2, 3)  # [[1, 2, 3], [4, 5, 6]]

# ---------------------------------------------------------------------------------------------
# diagnose


@pytest.mark.parametrize("value", [3.5, [1.0, -2.0, 3.0], A, 0.0, np.zeros((2, 2))])
def test_diagnose_returns_none_when_equal(value):
    assert diagnose("x", value, value) is None


def test_diagnose_tolerates_rounding_error():
    assert diagnose("x", A * (1 + 1e-9), A) is None
    assert diagnose("x", [1, 2, 3], np.array([1.0, 2.0, 3.0])) is None, "ints equal to the floats are right"


def test_diagnose_wrong_shape_mentions_both_shapes():
    message = diagnose("h", np.ones(3), np.ones(4))
    assert message == "`h` has shape (3,), expected (4,)."


def test_diagnose_transposed():
    message = diagnose("W", A.T, A)
    assert "transposed" in message and "(3, 2)" in message and "(2, 3)" in message, message


def test_diagnose_reshaped():
    message = diagnose("W", A.reshape(3, 2), A)
    assert "right numbers but shape (3, 2)" in message and "expected (2, 3)" in message, message
    assert "keepdims" in message, message
    message = diagnose("s", A.sum(axis=1, keepdims=True), A.sum(axis=1))
    assert "right numbers but shape (2, 1)" in message, message


def test_diagnose_wrong_sign():
    assert diagnose("grad", -A, A) == "`grad` has the wrong sign: it is −1 × the right value."


@pytest.mark.parametrize(("factor", "text"), [(3.0, "factor of 3"), (0.5, "factor of 0.5"), (7.0, "factor of 7")])
def test_diagnose_constant_factor_names_the_factor(factor, text):
    message = diagnose("grad_b", factor * A, A)
    assert text in message and f"every entry is {text[10:]} ×" in message, message
    assert "1/N" in message, message


def test_diagnose_factor_with_zero_entries():
    expected = np.array([0.0, 1.0, -2.0])
    assert "factor of 4" in diagnose("g", 4 * expected, expected)


def test_diagnose_constant_offset():
    message = diagnose("z", A + 2.5, A)
    assert message == "`z` is off by a constant 2.5 everywhere (a missing or extra term?)."


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_diagnose_nan_or_infinity(bad):
    got = A.copy()
    got[1, 2] = bad
    message = diagnose("p", got, A)
    assert "NaN or infinity" in message and "(1, 2)" in message and "log(0)" in message, message


@pytest.mark.parametrize("got", ["abc", ["a", "b"], {"x": 1}, 1j])
def test_diagnose_non_numeric_answer(got):
    message = diagnose("loss", got, 1.0)
    assert "`loss` should be a number or an array of numbers" in message and type(got).__name__ in message, message


def test_diagnose_otherwise_counts_wrong_entries_and_locates_the_largest_error():
    got = A.copy()
    got[0, 1] = 2.5
    got[1, 0] = 9.0
    message = diagnose("Z", got, A)
    assert message == ("2 of 6 entries of `Z` are wrong; the largest error is at index (1, 0): expected 4, got 9."), (
        message
    )


def test_diagnose_wrong_scalar_states_both_values():
    assert diagnose("n", 0.0, 2.0) == "`n` is 0, expected 2."


_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
# Moderate magnitudes: exact zeros, or entries far above diagnose's atol=1e-9
# (tiny entries: see test_diagnose_factor_with_a_tiny_entry).
_elements = st.one_of(
    st.just(0.0),
    st.floats(1e-6, 1e3).flatmap(lambda m: st.sampled_from([m, -m])),
)
# Two or more entries: for a single number only telling factors (2, 3, 1/2, ...) are reported,
# see test_diagnose_scalar_reports_only_telling_factors.
_arrays = _shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=_elements)).filter(
    lambda x: x.size >= 2 and bool(np.any(np.abs(x) > 1e-3))
)
_factors = st.floats(-100.0, 100.0).filter(lambda c: abs(c) > 1e-3 and not 0.9 <= c <= 1.1 and abs(c + 1) > 1e-3)


@HYPOTHESIS
@given(x=_arrays, c=_factors)
def test_diagnose_finds_any_constant_factor(x, c):
    # c = -1 (and within rounding of it) is reported as "wrong sign" instead, by design.
    message = diagnose("v", c * x, x)
    assert message is not None and "factor" in message, f"c={c}: {message}"


@HYPOTHESIS
@given(x=_shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=st.floats(-1e6, 1e6))))
def test_diagnose_accepts_any_right_answer(x):
    assert diagnose("v", x, x) is None
    assert diagnose("v", x.tolist(), x) is None


@pytest.mark.parametrize(("got", "told"), [(2.0, "factor of 2"), (0.25, "factor of 0.25"), (7.0, "factor of 7")])
def test_diagnose_scalar_reports_only_telling_factors(got, told):
    assert told in diagnose("loss", got, 1.0)
    assert diagnose("loss", 1.37, 1.0) == "`loss` is 1.37, expected 1."


def test_diagnose_factor_with_a_tiny_entry():
    expected = np.array([0.5, -0.25, 1e-10])
    message = diagnose("grad_b", 32 * expected, expected)
    assert "factor of 32" in message, message


def test_diagnose_wrong_scalar_that_is_no_simple_multiple():
    message = diagnose("mse", 0.6, 0.53)
    assert message == "`mse` is 0.6, expected 0.53.", message


@pytest.mark.parametrize("expected", [1.0, A])
def test_diagnose_none_says_nothing_was_returned(expected):
    message = diagnose("Z", None, expected)
    assert "None" in message and "return" in message, message


# ---------------------------------------------------------------------------------------------
# compare


def test_compare_passes_silently_when_right():
    assert compare("Z", A, A) is None


def test_compare_raises_exercise_failed_with_the_diagnosis():
    with pytest.raises(ExerciseFailed) as info:
        compare("Z", A.T, A)
    assert isinstance(info.value, AssertionError)
    assert str(info.value) == diagnose("Z", A.T, A)


def test_compare_uses_its_tolerances():
    compare("Z", A + 1e-3, A, atol=1e-2)
    with pytest.raises(ExerciseFailed):
        compare("Z", A + 1e-3, A)


@pytest.mark.parametrize("tolerances", [{"rtol": -1e-6}, {"atol": -1.0}])
def test_compare_rejects_negative_tolerances(tolerances):
    with pytest.raises(ValueError, match="must be non-negative"):
        compare("Z", A, A, **tolerances)


def test_exercise_failed_is_an_assertion_error():
    assert issubclass(ExerciseFailed, AssertionError)


# ---------------------------------------------------------------------------------------------
# the exercise decorator


@exercise("9.1", "double it", hint="Multiply by two.")
def check_double(double):
    compare("double(3)", double(3.0), 6.0)


def _not_done(x):
    raise NotImplementedError


def test_exercise_prints_correct_and_returns_none(capsys):
    assert check_double(lambda x: 2 * x) is None
    assert capsys.readouterr().out == f"Exercise 9.1 (double it): {PASSED}.\n"


def test_exercise_reports_a_stub_as_not_done_with_the_hint(capsys):
    assert check_double(_not_done) is None
    assert capsys.readouterr().out == f"Exercise 9.1 (double it): {NOT_DONE}. Hint: Multiply by two.\n"


def test_exercise_wrong_answer_raises_with_the_exercise_number(capsys):
    with pytest.raises(ExerciseFailed) as info:
        check_double(lambda x: 3 * x)
    assert str(info.value).startswith("Exercise 9.1 (double it): "), str(info.value)
    assert "`double(3)` is 9, expected 6" in str(info.value)
    assert capsys.readouterr().out == "", "a wrong answer must not also print 'correct'"


@pytest.mark.parametrize("error", [ZeroDivisionError, KeyError, AssertionError, TypeError])
def test_exercise_lets_other_exceptions_from_the_learner_propagate(error, capsys):
    original = error("from the learner's code")

    def buggy(x):
        raise original

    with pytest.raises(error) as info:
        check_double(buggy)
    assert info.value is original, "the learner's exception must propagate unchanged, with its traceback"
    assert capsys.readouterr().out == ""


def test_exercise_keeps_the_check_name_number_and_hint():
    assert check_double.__name__ == "check_double"
    assert check_double.number == "9.1"
    assert check_double.hint == "Multiply by two."


# ---------------------------------------------------------------------------------------------
# helpers.exercises.ch00


def test_check_logits_passes_the_right_answer(capsys):
    ch00.check_logits(lambda X, W, b: X @ W + b)
    assert capsys.readouterr().out == "Exercise 0.1 (logits of a dense layer): correct.\n"


def test_check_logits_stub_is_not_done(capsys):
    ch00.check_logits(lambda X, W, b: _not_done(X))
    out = capsys.readouterr().out
    assert out.startswith("Exercise 0.1 (logits of a dense layer): not done yet. Hint: Z = X @ W + b"), out


def test_check_logits_forgotten_bias():
    with pytest.raises(ExerciseFailed, match="bias"):
        ch00.check_logits(lambda X, W, b: X @ W)


def test_check_logits_transposed_result():
    with pytest.raises(ExerciseFailed, match="transposed"):
        ch00.check_logits(lambda X, W, b: (X @ W + b).T)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, b: X @ W.T + b,
        lambda X, W, b: W @ X + b,
        lambda X, W, b: X.T @ W + b,
        lambda X, W, b: X @ W - b,
        lambda X, W, b: X @ (W + b),
    ],
    ids=["X@W.T", "W@X", "X.T@W", "minus-b", "bias-in-W"],
)
def test_check_logits_never_passes_a_wrong_formula(wrong, capsys):
    with pytest.raises(Exception):  # noqa: B017 - ExerciseFailed or numpy's shape error: either stops the notebook
        ch00.check_logits(wrong)
    assert "correct" not in capsys.readouterr().out


def _mse(y, y_hat):
    return float(np.mean((y_hat - y) ** 2))


def test_check_mean_squared_error_passes_the_right_answer(capsys):
    ch00.check_mean_squared_error(_mse)
    ch00.check_mean_squared_error(lambda y, y_hat: np.mean((y - y_hat) ** 2))  # a NumPy scalar is fine too
    assert capsys.readouterr().out == "Exercise 0.2 (mean squared error): correct.\n" * 2


def test_check_mean_squared_error_sum_instead_of_mean():
    with pytest.raises(ExerciseFailed, match="factor of 7"):
        ch00.check_mean_squared_error(lambda y, y_hat: np.sum((y_hat - y) ** 2))


def test_check_mean_squared_error_rmse():
    with pytest.raises(ExerciseFailed, match="RMSE"):
        ch00.check_mean_squared_error(lambda y, y_hat: np.sqrt(_mse(y, y_hat)))


def test_check_mean_squared_error_array():
    with pytest.raises(ExerciseFailed, match="one number") as info:
        ch00.check_mean_squared_error(lambda y, y_hat: (y_hat - y) ** 2)
    assert "(7,)" in str(info.value)


def test_check_mean_squared_error_stub_is_not_done(capsys):
    ch00.check_mean_squared_error(lambda y, y_hat: _not_done(y))
    assert "not done yet. Hint: Average the squared differences" in capsys.readouterr().out


def test_check_mean_squared_error_forgotten_return():
    with pytest.raises(ExerciseFailed, match="None"):
        ch00.check_mean_squared_error(lambda y, y_hat: None)
