"""Tests of ``helpers.compress``: pruning masks, int8 quantisation (against TensorFlow's own ops) and
the data-parallel cost model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import compress

HYPOTHESIS = settings(max_examples=40, deadline=None, derandomize=True, database=None)

weights_2d = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=32),
)


# ---------------------------------------------------------------------------------------------
# Pruning


@HYPOTHESIS
@given(weights_2d, st.floats(0, 1))
def test_magnitude_mask_sparsity_is_exact_and_keeps_the_largest(w, s):
    keep = compress.magnitude_mask(w, s)
    assert keep.shape == w.shape and keep.dtype == bool
    assert np.count_nonzero(~keep) == int(round(s * w.size))
    if keep.any() and (~keep).any():
        assert np.abs(w[keep]).min() >= np.abs(w[~keep]).max()


def test_magnitude_mask_example_and_edges():
    w = np.array([[0.3, -2.0, 0.01], [1.5, -0.02, 0.7]])
    assert compress.magnitude_mask(w, 0.5).tolist() == [[False, True, False], [True, False, True]]
    assert compress.magnitude_mask(w, 0.0).all()
    assert not compress.magnitude_mask(w, 1.0).any()


@HYPOTHESIS
@given(st.lists(weights_2d, min_size=1, max_size=3), st.floats(0, 1))
def test_global_masks_prune_the_global_smallest(ws, s):
    masks = compress.global_magnitude_masks(ws, s)
    assert [m.shape for m in masks] == [w.shape for w in ws]
    kept = np.concatenate([np.abs(w)[m] for w, m in zip(ws, masks, strict=True)])
    pruned = np.concatenate([np.abs(w)[~m] for w, m in zip(ws, masks, strict=True)])
    assert pruned.size == int(round(s * sum(w.size for w in ws)))
    if kept.size and pruned.size:
        assert kept.min() >= pruned.max()


def test_global_masks_differ_from_per_layer():
    small, large = np.full((4, 4), 0.01) + np.arange(16).reshape(4, 4) * 1e-3, np.arange(1.0, 17.0).reshape(4, 4)
    masks = compress.global_magnitude_masks([small, large], 0.5)
    assert not masks[0].any() and masks[1].all(), "global pruning takes every small weight first"
    assert compress.magnitude_mask(small, 0.5).sum() == 8


def test_sparsity_counts_exact_zeros():
    assert compress.sparsity(np.array([0.0, 1e-30, 0.0, 2.0])) == 0.5
    assert compress.sparsity([np.zeros(3), np.ones(1)]) == 0.75


@pytest.mark.parametrize("rows,cols,nnz", [(3, 4, 0), (5, 2, 7), (10, 10, 50)])
def test_csr_bytes_matches_scipy(rows, cols, nnz):
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(0)
    w = np.zeros(rows * cols, dtype=np.float32)
    w[rng.choice(rows * cols, nnz, replace=False)] = rng.normal(size=nnz) + 3
    w = w.reshape(rows, cols)
    m = sparse.csr_matrix(w)
    m.indices = m.indices.astype(np.int32)
    m.indptr = m.indptr.astype(np.int32)
    assert compress.csr_bytes(w) == m.data.nbytes + m.indices.nbytes + m.indptr.nbytes


def test_csr_is_not_smaller_than_dense_at_half_sparsity():
    w = np.ones((64, 64), dtype=np.float32)
    w[:, ::2] = 0
    assert compress.csr_bytes(w) > w.nbytes


# ---------------------------------------------------------------------------------------------
# Quantisation


@HYPOTHESIS
@given(weights_2d, st.sampled_from([None, 0, 1, -1]), st.sampled_from([4, 8]))
def test_symmetric_round_trip_error_is_at_most_half_a_step(w, axis, bits):
    q, scale = compress.quantize_symmetric(w, axis=axis, num_bits=bits)
    qmax = 2 ** (bits - 1) - 1
    assert q.dtype == np.int8 and np.abs(q.astype(int)).max() <= qmax
    w_hat = compress.dequantize_symmetric(q, scale, axis=axis)
    step = scale if axis is None else np.expand_dims(scale, 1 - (axis % 2))
    assert np.all(np.abs(w - w_hat) <= step / 2 * (1 + 1e-5) + 1e-6 * np.abs(w))


@HYPOTHESIS
@given(weights_2d)
def test_per_channel_scales_and_bounds_never_exceed_per_tensor(w):
    _, s_tensor = compress.quantize_symmetric(w)
    q_ch, s_channel = compress.quantize_symmetric(w, axis=1)
    assert s_channel.shape == (w.shape[1],)
    used = (np.abs(w).max(axis=0) / 127).astype(np.float32) > 0  # else scale 1 and q = 0
    assert np.all(s_channel[used] <= s_tensor * (1 + 1e-7))
    err_channel = np.abs(w - compress.dequantize_symmetric(q_ch, s_channel, axis=1))
    assert err_channel.max() <= s_tensor / 2 * (1 + 1e-5) + 1e-6 * np.abs(w).max()


def test_per_channel_error_is_smaller_when_channel_ranges_differ():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(50, 6)) * np.array([0.01, 0.1, 1, 5, 0.05, 2])
    errors = {}
    for axis in (None, -1):
        q, s = compress.quantize_symmetric(w, axis=axis)
        errors[axis] = np.mean((w - compress.dequantize_symmetric(q, s, axis=axis)) ** 2)
    assert errors[-1] < errors[None] / 2


def test_all_zero_tensor_and_channel_round_trip_exactly():
    w = np.zeros((3, 2))
    w[:, 1] = [0.5, -1.0, 0.25]
    for axis in (None, -1):
        q, s = compress.quantize_symmetric(w, axis=axis)
        assert np.all(np.isfinite(s))
        assert np.all(compress.dequantize_symmetric(q, s, axis=axis)[:, 0] == 0)


@pytest.mark.parametrize("axis", [None, -1])
def test_symmetric_matches_tensorflow_quantize_and_dequantize_v2(axis):
    """Same semantics: signed, narrow range [-127, 127], range from the data, round half to even."""
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(2)
    w = (rng.normal(size=(30, 8)) * rng.uniform(0.01, 3, size=8)).astype(np.float32)
    ours = compress.dequantize_symmetric(*compress.quantize_symmetric(w, axis=axis), axis=axis)
    theirs = tf.quantization.quantize_and_dequantize_v2(
        tf.constant(w), 0.0, 0.0, signed_input=True, num_bits=8, range_given=False, narrow_range=True, axis=axis
    ).numpy()
    assert np.allclose(ours, theirs, rtol=0, atol=1e-6 * float(np.max(np.abs(w))))


@HYPOTHESIS
@given(weights_2d)
def test_affine_round_trip_error_is_at_most_half_a_step(w):
    q, scale, z = compress.quantize_affine(w)
    assert q.dtype == np.uint8 and 0 <= z <= 255
    w_hat = compress.dequantize_affine(q, scale, z)
    # The rounded zero point shifts the range by up to half a step; clipping at its ends adds at most that.
    assert np.all(np.abs(w - w_hat) <= scale * (1 + 1e-4) + 1e-6 * np.abs(w))
    assert np.all(compress.dequantize_affine(np.array([z], dtype=np.uint8), scale, z) == 0)


def test_affine_uses_every_code_for_nonnegative_inputs():
    q, scale, z = compress.quantize_affine(np.linspace(0, 2.55, 256))
    assert z == 0 and np.array_equal(q, np.arange(256))


def test_affine_matches_tensorflow_fake_quant_with_min_max_vars():
    """fake_quant nudges min/max so that 0 is exact, as quantize_affine does; it rounds ties up (we: to even)."""
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    w = rng.uniform(-0.7, 2.3, size=(40, 5)).astype(np.float32)
    lo, hi = float(min(w.min(), 0)), float(max(w.max(), 0))
    theirs = tf.quantization.fake_quant_with_min_max_vars(w, lo, hi, num_bits=8, narrow_range=False).numpy()
    ours = compress.dequantize_affine(*compress.quantize_affine(w))
    assert np.allclose(ours, theirs, rtol=0, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Cost model


def test_ring_allreduce_formula_and_single_device():
    assert compress.ring_allreduce_time(8e9, 1, bandwidth=1e9, latency=1e-3) == 0
    t = compress.ring_allreduce_time(8e9, 8, bandwidth=1e9, latency=1e-3)
    assert t == pytest.approx(2 * 7 / 8 * 8 + 2 * 7 * 1e-3, rel=1e-12)


@HYPOTHESIS
@given(
    st.floats(1e-3, 10),
    st.floats(0, 1e10),
    st.floats(1e8, 1e12),
    st.floats(0, 1e-2),
    st.integers(2, 256),
)
def test_speedup_is_below_n_and_device_time_never_falls(t_compute, n_bytes, bandwidth, latency, n):
    kw = {"bandwidth": bandwidth, "latency": latency}
    t1 = compress.data_parallel_step_time(t_compute, 1, n_bytes, **kw)
    tn = compress.data_parallel_step_time(t_compute, n, n_bytes, **kw)
    assert t1 == t_compute
    assert t1 / tn <= n * (1 + 1e-12)
    assert n * tn >= t1 * (1 - 1e-12)


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: compress.magnitude_mask([1.0, 2.0], 1.5), ValueError, "sparsity"),
        (lambda: compress.magnitude_mask([1.0, 2.0], 90), ValueError, "pass 0.9"),
        (lambda: compress.magnitude_mask([1.0, 2.0], "0.5"), TypeError, "sparsity"),
        (lambda: compress.magnitude_mask([], 0.5), ValueError, "empty"),
        (lambda: compress.magnitude_mask([1.0, np.nan], 0.5), ValueError, "NaN"),
        (lambda: compress.magnitude_mask(["a"], 0.5), TypeError, "numbers"),
        (lambda: compress.global_magnitude_masks(np.ones(3), 0.5), TypeError, "list of arrays"),
        (lambda: compress.global_magnitude_masks([], 0.5), TypeError, "non-empty"),
        (lambda: compress.sparsity([]), ValueError, "empty"),
        (lambda: compress.csr_bytes(np.ones(3)), ValueError, "2-D"),
        (lambda: compress.csr_bytes(np.ones((2, 2)), value_bytes=0), ValueError, "value_bytes"),
        (lambda: compress.quantize_symmetric(np.ones((2, 3)), axis=2), ValueError, "axis"),
        (lambda: compress.quantize_symmetric(np.ones((2, 3)), axis=1.0), TypeError, "axis"),
        (lambda: compress.quantize_symmetric(np.ones(3), num_bits=1), ValueError, "num_bits"),
        (lambda: compress.quantize_symmetric(np.ones(3), num_bits=8.0), TypeError, "num_bits"),
        (lambda: compress.dequantize_symmetric(np.ones(3), 1.0), TypeError, "integer"),
        (lambda: compress.dequantize_symmetric(np.ones((2, 3), np.int8), np.ones(2), axis=-1), ValueError, "shape"),
        (lambda: compress.dequantize_symmetric(np.ones((2, 3), np.int8), np.ones(3)), ValueError, "axis"),
        (lambda: compress.dequantize_affine(np.ones(3), 0.1, 0), TypeError, "integer"),
        (lambda: compress.dequantize_affine(np.ones(3, np.uint8), -0.1, 0), ValueError, "scale"),
        (lambda: compress.dequantize_affine(np.ones(3, np.uint8), 0.1, 0.5), TypeError, "zero_point"),
        (lambda: compress.ring_allreduce_time(1e6, 0, bandwidth=1e9), ValueError, "n_devices"),
        (lambda: compress.ring_allreduce_time(1e6, 2, bandwidth=0), ValueError, "bandwidth"),
        (lambda: compress.ring_allreduce_time(-1, 2, bandwidth=1e9), ValueError, "n_bytes"),
        (lambda: compress.data_parallel_step_time(0, 2, 1e6, bandwidth=1e9), ValueError, "t_compute"),
        (lambda: compress.data_parallel_step_time(1, 2.0, 1e6, bandwidth=1e9), TypeError, "n_devices"),
    ],
)
def test_bad_inputs_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
