"""Tests of ``helpers.privacy``: k-anonymity against a direct count, generalisation, the Laplace
mechanism's noise (statistically), per-example clipping (properties), and one DP-SGD step against a
direct per-example computation; plus the input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from helpers import privacy

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True)


# ---------------------------------------------------------------------------------------------
# k-anonymity


def _table(seed: int, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(20, 30, size=n),
            "home": rng.choice(["rent", "owner", None], size=n),
            "job": rng.choice(["fixed", "freelance"], size=n),
        }
    )


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60))
def test_class_sizes_match_a_direct_count(seed, n):
    table = _table(seed, n)
    qi = ["age", "home", "job"]
    keys = [tuple(str(v) for v in row) for row in table[qi].itertuples(index=False)]
    expected = [keys.count(k) for k in keys]
    sizes = privacy.class_sizes(table, qi)
    assert sizes.tolist() == expected
    assert privacy.k_anonymity(table, qi) == min(expected)


def test_missing_values_form_their_own_class():
    table = pd.DataFrame({"a": [1, 1, 1], "b": ["x", None, np.nan]})
    assert privacy.class_sizes(table, ["a", "b"]).tolist() == [1, 2, 2]


def test_generalising_never_lowers_k():
    table = _table(3, 200)
    k_fine = privacy.k_anonymity(table, ["age", "job"])
    coarse = table.assign(age=privacy.generalise_bands(table["age"], 5))
    assert privacy.k_anonymity(coarse, ["age", "job"]) >= k_fine


def test_generalise_bands_labels_and_start():
    assert privacy.generalise_bands([0, 9, 10, 19.5], 10).tolist() == ["0-9", "0-9", "10-19", "10-19"]
    assert privacy.generalise_bands([18, 22, 23], 5, start=18).tolist() == ["18-22", "18-22", "23-27"]
    assert privacy.generalise_bands([[1, 2], [3, 4]], 2).shape == (2, 2)


# ---------------------------------------------------------------------------------------------
# Laplace mechanism


@pytest.mark.parametrize(("sensitivity", "epsilon"), [(1.0, 0.5), (1.0, 2.0), (3.0, 1.0)])
def test_laplace_noise_has_scale_sensitivity_over_epsilon(sensitivity, epsilon):
    rng = np.random.default_rng(0)
    noise = privacy.laplace_mechanism(np.zeros(50_000), sensitivity=sensitivity, epsilon=epsilon, rng=rng)
    b = sensitivity / epsilon
    assert abs(np.mean(np.abs(noise)) / b - 1) < 0.02  # E|η| = b
    assert abs(np.std(noise) / (np.sqrt(2) * b) - 1) < 0.02  # sd = √2 b
    # and the whole distribution: Kolmogorov-Smirnov against scipy's Laplace
    assert stats.kstest(noise, stats.laplace(scale=b).cdf).pvalue > 1e-3


def test_laplace_scalar_in_scalar_out_and_shapes():
    rng = np.random.default_rng(1)
    assert isinstance(privacy.laplace_mechanism(10, sensitivity=1.0, epsilon=1.0, rng=rng), float)
    assert privacy.laplace_mechanism(np.zeros((2, 3)), sensitivity=1.0, epsilon=1.0, rng=rng).shape == (2, 3)


def test_poisson_sample_rate():
    rng = np.random.default_rng(2)
    sizes = [len(privacy.poisson_sample(1000, 0.05, rng)) for _ in range(400)]
    assert abs(np.mean(sizes) - 50) < 1.5  # Binomial(1000, 0.05): mean 50, sd of the mean ≈ 0.34
    assert abs(np.var(sizes) - 1000 * 0.05 * 0.95) < 10
    assert len(privacy.poisson_sample(7, 1.0, rng)) == 7


# ---------------------------------------------------------------------------------------------
# Clipping and the DP-SGD step


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), p=st.integers(1, 6), c=st.floats(0.01, 10.0))
def test_clipping_properties(seed, n, p, c):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(n, p)) * rng.uniform(0.0, 5.0, size=(n, 1))
    clipped, norms = privacy.clip_per_example(G, c)
    new_norms = np.linalg.norm(clipped, axis=1)
    assert np.allclose(norms, np.linalg.norm(G, axis=1))
    assert np.all(new_norms <= c * (1 + 1e-12))  # bounded by C
    short = norms <= c
    assert np.allclose(clipped[short], G[short])  # short rows unchanged
    assert np.allclose(new_norms[~short], c)  # long rows land on the sphere of radius C
    # direction kept: clipped rows are non-negative multiples of the original rows
    assert np.allclose(clipped * norms[:, None], G * new_norms[:, None])


def test_clipping_zero_gradient_stays_zero():
    clipped, norms = privacy.clip_per_example(np.zeros((2, 3)), 1.0)
    assert np.array_equal(clipped, np.zeros((2, 3))) and np.array_equal(norms, np.zeros(2))


def test_dp_sgd_step_matches_a_direct_per_example_computation():
    rng = np.random.default_rng(3)
    G = rng.normal(size=(11, 4)) * 2.0
    C, sigma, B = 1.5, 0.8, 12.0
    got = privacy.dp_sgd_gradient(
        G, max_norm=C, noise_multiplier=sigma, expected_batch_size=B, rng=np.random.default_rng(7)
    )
    total = np.zeros(4)
    for g in G:  # one example at a time, as the algorithm is written
        norm = np.sqrt(np.sum(g**2))
        total += g / max(1.0, norm / C)
    z = np.random.default_rng(7).normal(0.0, sigma * C, size=4)  # the same draw the helper makes
    assert np.allclose(got, (total + z) / B, rtol=1e-12, atol=1e-14)


def test_dp_sgd_noise_scale_is_sigma_c_over_b():
    rng = np.random.default_rng(4)
    draws = np.stack(
        [
            privacy.dp_sgd_gradient(
                np.zeros((0, 100)), max_norm=2.0, noise_multiplier=1.5, expected_batch_size=50.0, rng=rng
            )
            for _ in range(200)
        ]
    )
    assert abs(draws.std() / (1.5 * 2.0 / 50.0) - 1) < 0.02
    assert abs(draws.mean()) < 0.003


def test_one_example_moves_the_noiseless_sum_by_at_most_c():
    rng = np.random.default_rng(5)
    G = rng.normal(size=(20, 6)) * 10
    kwargs = {"max_norm": 1.0, "noise_multiplier": 0.0, "expected_batch_size": 1.0, "rng": rng}
    full = privacy.dp_sgd_gradient(G, **kwargs)
    for i in range(len(G)):
        without = privacy.dp_sgd_gradient(np.delete(G, i, axis=0), **kwargs)
        assert np.linalg.norm(full - without) <= 1.0 + 1e-12


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: privacy.class_sizes(pd.DataFrame({"a": [1]}), "a"), TypeError, "list of column names"),
        (lambda: privacy.class_sizes(pd.DataFrame({"a": [1]}), ["b"]), ValueError, "lacks"),
        (lambda: privacy.class_sizes([[1]], ["a"]), TypeError, "DataFrame"),
        (lambda: privacy.k_anonymity(pd.DataFrame({"a": []}), ["a"]), ValueError, "no rows"),
        (lambda: privacy.generalise_bands([1, 2], 0), ValueError, "width"),
        (lambda: privacy.generalise_bands([1, np.nan], 5), ValueError, "NaN"),
        (
            lambda: privacy.laplace_mechanism(1.0, sensitivity=1.0, epsilon=0.0, rng=np.random.default_rng()),
            ValueError,
            "epsilon",
        ),
        (
            lambda: privacy.laplace_mechanism(1.0, sensitivity="1", epsilon=1.0, rng=np.random.default_rng()),
            TypeError,
            "sensitivity",
        ),
        (lambda: privacy.laplace_mechanism(1.0, sensitivity=1.0, epsilon=1.0, rng=0), TypeError, "Generator"),
        (lambda: privacy.poisson_sample(0, 0.5, np.random.default_rng()), ValueError, "`n`"),
        (lambda: privacy.poisson_sample(10, 1.5, np.random.default_rng()), ValueError, "at most 1"),
        (lambda: privacy.clip_per_example(np.ones(3), 1.0), ValueError, r"shape \(N, P\)"),
        (lambda: privacy.clip_per_example(np.array([[np.nan]]), 1.0), ValueError, "NaN"),
        (lambda: privacy.clip_per_example(np.ones((2, 2)), -1.0), ValueError, "max_norm"),
        (
            lambda: privacy.dp_sgd_gradient(
                np.ones((2, 2)),
                max_norm=1.0,
                noise_multiplier=-1.0,
                expected_batch_size=2.0,
                rng=np.random.default_rng(),
            ),
            ValueError,
            "noise_multiplier",
        ),
        (
            lambda: privacy.dp_sgd_gradient(
                np.ones((2, 2)), max_norm=1.0, noise_multiplier=1.0, expected_batch_size=0, rng=np.random.default_rng()
            ),
            ValueError,
            "expected_batch_size",
        ),
    ],
)
def test_validation_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
