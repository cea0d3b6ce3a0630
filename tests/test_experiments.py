"""Tests of helpers.experiments: the z-test against SciPy's chi-square test and normal distribution,
the intervals against SciPy's Wilson interval and hand formulas, the sample size against the power
formula and a simulation, the peeking simulator's false-positive rates, properties, and the errors
that bad input gets.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from helpers import experiments
from helpers.experiments import (
    diff_confint,
    power,
    sample_size_per_arm,
    simulate_peeking,
    two_proportion_ztest,
    wilson_interval,
)

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, int, int, int]:
    n_a = draw(st.integers(5, 5000))
    n_b = draw(st.integers(5, 5000))
    x_a = draw(st.integers(1, n_a - 1))
    x_b = draw(st.integers(1, n_b - 1))
    return x_a, n_a, x_b, n_b


# --------------------------------------------------------------------------------------------
# The z-test.
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(tables())
def test_z_squared_equals_pearson_chi2(table: tuple[int, int, int, int]) -> None:
    x_a, n_a, x_b, n_b = table
    r = two_proportion_ztest(x_a, n_a, x_b, n_b)
    chi2, p, dof, _ = stats.chi2_contingency([[x_a, n_a - x_a], [x_b, n_b - x_b]], correction=False)
    assert dof == 1
    assert math.isclose(r.z**2, chi2, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(r.p_value, p, rel_tol=1e-7, abs_tol=1e-14)


@PROPERTY
@given(tables())
def test_p_values_match_scipy_normal(table: tuple[int, int, int, int]) -> None:
    x_a, n_a, x_b, n_b = table
    z = two_proportion_ztest(x_a, n_a, x_b, n_b).z
    two = two_proportion_ztest(x_a, n_a, x_b, n_b).p_value
    larger = two_proportion_ztest(x_a, n_a, x_b, n_b, alternative="larger").p_value
    smaller = two_proportion_ztest(x_a, n_a, x_b, n_b, alternative="smaller").p_value
    assert math.isclose(two, 2 * stats.norm.sf(abs(z)), rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(larger, stats.norm.sf(z), rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(smaller, stats.norm.cdf(z), rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(larger + smaller, 1.0, rel_tol=1e-12)


def test_z_by_hand() -> None:
    r = two_proportion_ztest(100, 1000, 130, 1000)
    pooled = 230 / 2000
    z = 0.03 / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert math.isclose(r.diff, 0.03, rel_tol=1e-12)
    assert math.isclose(r.z, z, rel_tol=1e-12)


@PROPERTY
@given(tables())
def test_swapping_arms_flips_the_sign(table: tuple[int, int, int, int]) -> None:
    x_a, n_a, x_b, n_b = table
    r, s = two_proportion_ztest(x_a, n_a, x_b, n_b), two_proportion_ztest(x_b, n_b, x_a, n_a)
    assert math.isclose(r.z, -s.z, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(r.p_value, s.p_value, rel_tol=1e-12)


def test_arrays_give_one_test_per_entry() -> None:
    x_a, x_b = np.array([10, 50, 120]), np.array([12, 70, 100])
    r = two_proportion_ztest(x_a, 1000, x_b, 1000)
    assert np.shape(r.z) == (3,)
    for i in range(3):
        assert math.isclose(r.z[i], two_proportion_ztest(int(x_a[i]), 1000, int(x_b[i]), 1000).z, rel_tol=1e-12)


def test_degenerate_tables_report_no_evidence() -> None:
    for x in (0, 40):
        r = two_proportion_ztest(x, 40, x, 40)
        assert r.z == 0.0 and r.p_value == 1.0


# --------------------------------------------------------------------------------------------
# Intervals.
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 3000), st.data(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_scipy(n: int, data: st.DataObject, level: float) -> None:
    x = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(x, n, level=level)
    ref = stats.binomtest(x, n).proportion_ci(confidence_level=level, method="wilson")
    assert math.isclose(lo, ref.low, abs_tol=1e-12) and math.isclose(hi, ref.high, abs_tol=1e-12)


@PROPERTY
@given(tables(), st.sampled_from([0.9, 0.95]))
def test_newcombe_from_scipy_wilson_and_contains_diff(table: tuple[int, int, int, int], level: float) -> None:
    x_a, n_a, x_b, n_b = table
    wa = stats.binomtest(x_a, n_a).proportion_ci(confidence_level=level, method="wilson")
    wb = stats.binomtest(x_b, n_b).proportion_ci(confidence_level=level, method="wilson")
    pa, pb = x_a / n_a, x_b / n_b
    d = pb - pa
    lo_ref = d - math.sqrt((pb - wb.low) ** 2 + (wa.high - pa) ** 2)
    hi_ref = d + math.sqrt((wb.high - pb) ** 2 + (pa - wa.low) ** 2)
    lo, hi = diff_confint(x_a, n_a, x_b, n_b, level=level)
    assert math.isclose(lo, lo_ref, abs_tol=1e-12) and math.isclose(hi, hi_ref, abs_tol=1e-12)
    assert -1.0 <= lo <= d <= hi <= 1.0


def test_wald_interval_by_hand_and_close_to_newcombe_for_large_n() -> None:
    lo, hi = diff_confint(1000, 10000, 1100, 10000, method="wald")
    half = stats.norm.ppf(0.975) * math.sqrt(0.1 * 0.9 / 10000 + 0.11 * 0.89 / 10000)
    assert math.isclose(lo, 0.01 - half, rel_tol=1e-9) and math.isclose(hi, 0.01 + half, rel_tol=1e-9)
    nlo, nhi = diff_confint(1000, 10000, 1100, 10000)
    assert abs(nlo - lo) < 2e-4 and abs(nhi - hi) < 2e-4


def test_wald_interval_covers_about_95_percent() -> None:
    rng = np.random.default_rng(0)
    xa, xb = rng.binomial(3000, 0.1, size=4000), rng.binomial(3000, 0.12, size=4000)
    lo, hi = diff_confint(xa, 3000, xb, 3000, method="wald")
    coverage = np.mean((lo <= 0.02) & (0.02 <= hi))
    assert abs(coverage - 0.95) < 3 * math.sqrt(0.95 * 0.05 / 4000)


# --------------------------------------------------------------------------------------------
# Sample size and power.
# --------------------------------------------------------------------------------------------


def test_sample_size_formula_by_hand() -> None:
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = (za * math.sqrt(2 * 0.105 * 0.895) + zb * math.sqrt(0.1 * 0.9 + 0.11 * 0.89)) ** 2 / 0.01**2
    assert sample_size_per_arm(0.10, 0.11) == math.ceil(n)


@PROPERTY
@given(
    st.floats(0.02, 0.9),
    st.floats(0.005, 0.08),
    st.sampled_from([0.01, 0.05, 0.1]),
    st.sampled_from([0.7, 0.8, 0.9]),
)
def test_sample_size_is_the_smallest_n_with_enough_power(p_a: float, lift: float, alpha: float, pw: float) -> None:
    p_b = p_a + lift
    n = sample_size_per_arm(p_a, p_b, alpha=alpha, power=pw)
    assert power(p_a, p_b, n, alpha=alpha) >= pw - 1e-9
    if n > 1:
        assert power(p_a, p_b, n - 1, alpha=alpha) < pw + 1e-9
    assert sample_size_per_arm(p_a, p_b, alpha=alpha, power=pw, alternative="larger") <= n
    assert sample_size_per_arm(p_a, p_a + lift / 2, alpha=alpha, power=pw) > 2 * n


def test_sample_size_gives_its_power_in_simulation() -> None:
    n = sample_size_per_arm(0.10, 0.12)
    rng = np.random.default_rng(1)
    sims = 6000
    p = two_proportion_ztest(rng.binomial(n, 0.10, sims), n, rng.binomial(n, 0.12, sims), n).p_value
    rate = float(np.mean(p < 0.05))
    assert abs(rate - 0.8) < 3.5 * math.sqrt(0.8 * 0.2 / sims)


def test_power_is_alpha_half_at_no_effect_direction() -> None:
    # with a one-sided test pointing the wrong way, power is below alpha
    assert power(0.12, 0.10, 5000, alternative="larger") < 0.05
    assert power(0.10, 0.12, 5000, alternative="larger") > power(0.10, 0.12, 5000)


# --------------------------------------------------------------------------------------------
# Peeking.
# --------------------------------------------------------------------------------------------


def test_peeking_inflates_false_positives_and_fixed_horizon_does_not() -> None:
    sims = 4000
    r = simulate_peeking(0.1, 0.1, n_per_arm=5000, n_looks=50, n_sims=sims, rng=3)
    assert abs(r.rejected_fixed - 0.05) < 3.5 * math.sqrt(0.05 * 0.95 / sims)
    assert r.rejected_peeking > 0.15
    assert r.p_values.shape == (sims, 50)
    hits = r.first_rejection >= 0
    assert math.isclose(hits.mean(), r.rejected_peeking)
    rows = np.flatnonzero(hits)[:50]
    assert np.all(r.p_values[rows, r.first_rejection[rows]] < 0.05)


def test_peeking_with_one_look_is_the_fixed_test() -> None:
    r = simulate_peeking(0.1, 0.1, n_per_arm=1000, n_looks=1, n_sims=500, rng=0)
    assert r.rejected_peeking == r.rejected_fixed


def test_peeking_is_reproducible_from_a_seed() -> None:
    a = simulate_peeking(0.1, 0.12, n_per_arm=400, n_looks=4, n_sims=100, rng=7)
    b = simulate_peeking(0.1, 0.12, n_per_arm=400, n_looks=4, n_sims=100, rng=np.random.default_rng(7))
    assert np.array_equal(a.p_values, b.p_values)


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: two_proportion_ztest(0.1, 100, 12, 100), ValueError, "whole numbers"),
        (lambda: two_proportion_ztest(-1, 100, 12, 100), ValueError, "x_a"),
        (lambda: two_proportion_ztest(120, 100, 12, 100), ValueError, "cannot exceed"),
        (lambda: two_proportion_ztest(1, 0, 1, 10), ValueError, "n_a"),
        (lambda: two_proportion_ztest(True, 10, 1, 10), TypeError, "boolean"),
        (lambda: two_proportion_ztest("a", 10, 1, 10), TypeError, "x_a"),
        (lambda: two_proportion_ztest(1, 10, float("nan"), 10), ValueError, "NaN"),
        (lambda: two_proportion_ztest(1, 10, 1, 10, alternative="less"), ValueError, "alternative"),
        (lambda: diff_confint(1, 10, 2, 10, method="exact"), ValueError, "method"),
        (lambda: diff_confint(1, 10, 2, 10, level=95), ValueError, "level"),
        (lambda: wilson_interval(3, 2), ValueError, "cannot exceed"),
        (lambda: sample_size_per_arm(10, 11), ValueError, "0.10"),
        (lambda: sample_size_per_arm(0.1, 0.1), ValueError, "equal"),
        (lambda: sample_size_per_arm(0.1, 0.11, power=1.0), ValueError, "power"),
        (lambda: sample_size_per_arm("0.1", 0.11), TypeError, "p_a"),
        (lambda: power(0.1, 0.11, 0), ValueError, "n_per_arm"),
        (lambda: power(0.1, 0.11, 10.5), TypeError, "n_per_arm"),
        (lambda: simulate_peeking(0.1, 0.1, n_per_arm=1001, n_looks=10, n_sims=10), ValueError, "divisible"),
        (lambda: simulate_peeking(0.1, 1.1, n_per_arm=100, n_looks=10, n_sims=10), ValueError, "p_b"),
        (lambda: simulate_peeking(0.1, 0.1, n_per_arm=100, n_looks=0, n_sims=10), ValueError, "n_looks"),
    ],
)
def test_bad_input_is_named(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_module_lists_its_api() -> None:
    for name in experiments.__all__:
        assert hasattr(experiments, name)
