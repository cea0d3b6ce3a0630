"""Tests of helpers.mlp: gradients by finite differences and by TensorFlow, Keras equivalence, bad input.

Tolerances, all in float64 unless stated:

- every parameter's gradient vs central differences (h = 1e-5): relative error < 1e-7, entry-wise.
  Entry-wise needs gradient entries that are not ~0 by cancellation (rounding alone leaves
  ~1e-11 absolute error), so :func:`well_scaled_problem` draws seeds until every gradient entry
  is exactly 0 (a dead ReLU unit) or at least 5e-4 in size, and every ReLU pre-activation is at
  least 1e-3 away from the kink;
- vs ``tf.GradientTape`` on the same ``keras.Sequential`` model (float64): rtol 1e-10, atol 1e-14;
  logits vs the Keras model's outputs: rtol 1e-12;
- a few SGD steps of the NumPy MLP vs the same Keras model with ``keras.optimizers.SGD``: losses
  agree step for step to 1e-12 relative, weights after training to 1e-12 (measured: ~3e-16 and
  ~1e-16, the same float64 operations in another order).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from helpers.gradcheck import check_gradient
from helpers.mlp import (
    from_keras_weights,
    init_mlp,
    iterate_minibatches,
    mlp_backward,
    mlp_forward,
    mlp_loss_and_grads,
    mlp_predict,
    to_keras_weights,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

SIZES = (4, 6, 5, 3)  # every layer non-square
ACTIVATION_NAMES = ("relu", "sigmoid", "tanh")


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras(tf):
    return pytest.importorskip("keras")


def draw_problem(seed, sizes=SIZES, n=5):
    rng = np.random.default_rng(seed)
    params = init_mlp(list(sizes), rng, init="glorot")
    for key in params:  # non-zero biases, so a wrong bias gradient cannot hide
        if key.startswith("b"):
            params[key] = rng.normal(scale=0.5, size=params[key].shape)
    X = rng.uniform(-2, 2, size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    return params, X, y


def well_scaled_problem(activation, l2=0.0, sizes=SIZES, n=5):
    """The first seed whose gradients suit an entry-wise check (see the module docstring)."""
    for seed in range(200):
        params, X, y = draw_problem(seed, sizes, n)
        _, grads = mlp_loss_and_grads(params, X, y, activation=activation, l2=l2)
        entries = np.abs(np.concatenate([g.ravel() for g in grads.values()]))
        if np.any((entries != 0) & (entries < 5e-4)):
            continue
        _, caches = mlp_forward(params, X, activation=activation)
        if activation == "relu" and min(np.abs(c[2]).min() for c in caches[:-1]) < 1e-3:
            continue
        return params, X, y
    raise AssertionError("no well-scaled seed in 200 tries")  # pragma: no cover


def keras_model(keras, sizes, activation, l2=0.0):
    # Keras's L2(l) adds l·ΣW², ours ½·λ·ΣW². Keras turns l into a float32 constant before casting it to
    # float64, so the tests use values of l2 / 2 that float32 holds exactly (0.025 would be 0.0250000004).
    regularizer = keras.regularizers.L2(l2 / 2) if l2 else None
    hidden = [
        keras.layers.Dense(width, activation=activation, dtype="float64", kernel_regularizer=regularizer)
        for width in sizes[1:-1]
    ]
    out = keras.layers.Dense(sizes[-1], dtype="float64", kernel_regularizer=regularizer)
    return keras.Sequential([keras.Input((sizes[0],), dtype="float64"), *hidden, out])


def keras_loss(tf, keras, model, X, y):
    logits = model(X, training=True)
    data = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
    return data + tf.add_n(model.losses) if model.losses else data


# --------------------------------------------------------------------------------------------
# Gradients.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_every_gradient_matches_finite_differences(activation, l2):
    params, X, y = well_scaled_problem(activation, l2)
    _, grads = mlp_loss_and_grads(params, X, y, activation=activation, l2=l2)
    assert list(grads) == list(params)
    for key, value in params.items():

        def loss(v, key=key):
            return mlp_loss_and_grads({**params, key: v}, X, y, activation=activation, l2=l2)[0]

        error = check_gradient(loss, lambda v, key=key: grads[key], value)
        assert error < 1e-7, (key, error)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gradients_match_gradient_tape_and_logits_match_keras(tf, keras, activation):
    params, X, y = draw_problem(seed=7, sizes=(5, 7, 4, 3), n=6)
    l2 = 0.0625
    model = keras_model(keras, (5, 7, 4, 3), activation, l2)
    model.set_weights(to_keras_weights(params))
    with tf.GradientTape() as tape:
        expected_loss = keras_loss(tf, keras, model, X, y)
    expected = [g.numpy() for g in tape.gradient(expected_loss, model.trainable_variables)]
    loss, grads = mlp_loss_and_grads(params, X, y, activation=activation, l2=l2)
    assert loss == pytest.approx(float(expected_loss), rel=1e-12)
    for ours, theirs, key in zip(to_keras_weights(grads), expected, grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14, err_msg=key)
    np.testing.assert_allclose(mlp_predict(params, X, activation=activation), model(X).numpy(), rtol=1e-12)
    np.testing.assert_allclose(mlp_forward(params, X, activation=activation)[0], model(X).numpy(), rtol=1e-12)


def test_sgd_training_matches_keras_step_for_step(tf, keras):
    sizes, n, batch_size, l2 = (6, 8, 5, 3), 40, 16, 0.03125
    # 0.125 is exact in float32: Keras keeps the learning rate in a float32 variable and casts it
    # to the weights' dtype, so 0.1 would update with 0.10000000149 and drift by ~1e-9 per step.
    lr = 0.125
    params, X, y = draw_problem(seed=3, sizes=sizes, n=n)
    model = keras_model(keras, sizes, "relu", l2)
    model.set_weights(to_keras_weights(params))
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    rng = np.random.default_rng(0)
    ours, theirs = [], []
    for _epoch in range(3):
        for idx in iterate_minibatches(n, batch_size, rng):  # the same batches, in the same order
            loss, grads = mlp_loss_and_grads(params, X[idx], y[idx], l2=l2)
            params = {key: params[key] - lr * grads[key] for key in params}
            ours.append(loss)
            with tf.GradientTape() as tape:
                value = keras_loss(tf, keras, model, X[idx], y[idx])
            optimizer.apply_gradients(
                zip(tape.gradient(value, model.trainable_variables), model.trainable_variables, strict=True)
            )
            theirs.append(float(value))
    assert len(ours) == 9
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert np.mean(ours[-3:]) < np.mean(ours[:3])  # it learnt something: the last epoch's loss is lower
    for ours_w, theirs_w in zip(to_keras_weights(params), model.get_weights(), strict=True):
        np.testing.assert_allclose(ours_w, theirs_w, rtol=1e-12, atol=1e-14)


def test_backward_does_not_need_forward_inputs_again():
    """mlp_backward works from the caches alone, and returns grads in params' key order."""
    params, X, y = draw_problem(seed=1)
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(np.ones_like(logits), caches)
    assert list(grads) == list(params)
    assert all(grads[k].shape == params[k].shape for k in params)


def test_float32_params_compute_in_float32():
    params = init_mlp([4, 6, 3], np.random.default_rng(0), dtype=np.float32)
    X = np.random.default_rng(1).normal(size=(5, 4))  # float64 input is cast to the parameters' dtype
    loss, grads = mlp_loss_and_grads(params, X, np.array([0, 1, 2, 0, 1]), l2=0.1)
    logits, _ = mlp_forward(params, X)
    assert logits.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    params64 = {k: v.astype(np.float64) for k, v in params.items()}
    loss64, grads64 = mlp_loss_and_grads(params64, X, np.array([0, 1, 2, 0, 1]), l2=0.1)
    assert loss == pytest.approx(loss64, rel=1e-5)
    for key in grads:
        np.testing.assert_allclose(grads[key], grads64[key], rtol=1e-4, atol=1e-6)


def test_uint8_pixels_are_accepted():
    params = init_mlp([4, 3], np.random.default_rng(0))
    pixels = np.array([[0, 128, 255, 7]], dtype=np.uint8)
    np.testing.assert_allclose(mlp_predict(params, pixels), pixels.astype(float) @ params["W1"])


# --------------------------------------------------------------------------------------------
# Initialisation, Keras weights, minibatches.
# --------------------------------------------------------------------------------------------


def test_init_scales_and_shapes():
    he = init_mlp([400, 300, 10], np.random.default_rng(0))
    assert {k: v.shape for k, v in he.items()} == {"W1": (400, 300), "b1": (300,), "W2": (300, 10), "b2": (10,)}
    assert he["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert he["W1"].mean() == pytest.approx(0, abs=1e-3)
    assert not he["b1"].any() and he["W1"].dtype == np.float64
    glorot = init_mlp([400, 300], np.random.default_rng(0), init="glorot", dtype=np.float32)
    limit = np.sqrt(6 / 700)
    assert glorot["W1"].dtype == np.float32
    assert np.abs(glorot["W1"]).max() <= limit and np.abs(glorot["W1"]).max() > 0.99 * limit
    assert glorot["W1"].std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # the std of U(-l, l)
    same = init_mlp([400, 300, 10], np.random.default_rng(0))
    assert all(np.array_equal(he[k], same[k]) for k in he)


def test_keras_weights_round_trip(keras):
    params = init_mlp([5, 4, 3], np.random.default_rng(2))
    params["b1"] += 0.5
    model = keras_model(keras, (5, 4, 3), "relu")
    model.set_weights(to_keras_weights(params))
    back = from_keras_weights(model.get_weights())
    assert list(back) == list(params)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    weights = to_keras_weights(params)
    weights[0][0, 0] = 99.0  # copies: changing them leaves params alone
    assert params["W1"][0, 0] != 99.0


def test_iterate_minibatches_covers_every_example_once_per_epoch():
    rng = np.random.default_rng(0)
    first = list(iterate_minibatches(10, 4, rng))
    second = list(iterate_minibatches(10, 4, rng))
    assert [len(b) for b in first] == [4, 4, 2]
    assert sorted(np.concatenate(first).tolist()) == list(range(10))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second)), "reshuffled each epoch"
    assert [len(b) for b in iterate_minibatches(10, 4, rng, drop_last=True)] == [4, 4]
    assert [b.tolist() for b in iterate_minibatches(5, 5, None)] == [[0, 1, 2, 3, 4]]


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------


def good():
    return init_mlp([3, 4, 2], np.random.default_rng(0)), np.ones((2, 3)), np.array([0, 1])


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda p: [p["W1"], p["b1"]], TypeError, r"`params` must be a dict .* from_keras_weights"),
        (lambda p: {**p, "w3": p["W2"]}, ValueError, r"the key 'w3'"),
        (lambda p: {k: v for k, v in p.items() if k != "b2"}, ValueError, r"missing or extra: \['b2'\]"),
        (lambda p: {"W1": p["W1"], "b1": p["b1"], "W3": p["W2"], "b3": p["b2"]}, ValueError, r"without gaps"),
        (lambda p: {**p, "W2": np.ones((5, 2))}, ValueError, r"`params\['W2'\]` has shape \(5, 2\).* do not chain"),
        (lambda p: {**p, "b1": p["b1"][:2]}, ValueError, r"`params\['b1'\]` must be a float array of shape \(4,\)"),
        (lambda p: {**p, "W1": p["W1"].astype(int)}, ValueError, r"`params\['W1'\]` must be a 2-D float array"),
        (lambda p: {}, ValueError, r"`params` is empty"),
        (lambda p: {**p, 3: p["W2"]}, ValueError, r"the key 3;"),
        (lambda p: {**p, "W3": np.ones((2, 2))}, ValueError, r"missing or extra: \['b3'\]"),
        (lambda p: {"W1": p["W1"], "b1": p["b1"], "W2": p["W2"], "b3": p["b2"]}, ValueError, r"missing or extra"),
    ],
)
def test_bad_params_are_named(change, error, match):
    params, X, y = good()
    with pytest.raises(error, match=match):
        mlp_loss_and_grads(change(params), X, y)


def test_params_in_any_key_order_give_the_same_result():
    params, X, y = good()
    shuffled = {key: params[key] for key in ("b2", "W1", "W2", "b1")}
    loss, grads = mlp_loss_and_grads(params, X, y)
    loss_shuffled, grads_shuffled = mlp_loss_and_grads(shuffled, X, y)
    assert loss_shuffled == loss and list(grads_shuffled) == ["W1", "b1", "W2", "b2"]
    for key in grads:
        np.testing.assert_array_equal(grads_shuffled[key], grads[key])


def test_bad_inputs_are_named():
    params, X, y = good()
    with pytest.raises(ValueError, match=r"`X` has 4 features .* expects 3"):
        mlp_predict(params, np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"`X` must be 2-D .* X.reshape\(1, -1\)"):
        mlp_forward(params, np.ones(3))
    with pytest.raises(ValueError, match=r"`X` contains nan at index \(1, 2\)"):
        mlp_forward(params, np.array([[0.0, 0, 0], [0, 0, np.nan]]))
    with pytest.raises(ValueError, match=r"`activation` must be one of \['relu', 'sigmoid', 'tanh'\]"):
        mlp_forward(params, X, activation="softmax")
    with pytest.raises(ValueError, match=r"`l2` must be a finite number >= 0"):
        mlp_loss_and_grads(params, X, y, l2=-1.0)
    with pytest.raises(ValueError, match=r"`y` must hold labels in \[0, 2\)"):
        mlp_loss_and_grads(params, X, np.array([0, 2]))
    with pytest.raises(TypeError, match=r"`caches` must be the list returned by mlp_forward"):
        mlp_backward(np.ones((2, 2)), None)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sizes": [3]}, ValueError, r"at least 2 widths"),
        ({"sizes": "784"}, TypeError, r"list of layer widths"),
        ({"sizes": [3, 0]}, ValueError, r"`sizes\[1\]` must be >= 1"),
        ({"sizes": [3, 2.5]}, TypeError, r"`sizes\[1\]` must be an integer"),
        ({"rng": 0}, TypeError, r"np.random.default_rng\(seed\)"),
        ({"init": "xavier"}, ValueError, r"'he' or 'glorot'"),
        ({"dtype": np.int32}, TypeError, r"float dtype"),
    ],
)
def test_init_rejects_bad_arguments(kwargs, error, match):
    arguments = {"sizes": [3, 2], "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        init_mlp(arguments.pop("sizes"), arguments.pop("rng"), **arguments)


def test_keras_weights_and_minibatches_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"an even number of arrays\), got 3"):
        from_keras_weights([np.ones((2, 2)), np.ones(2), np.ones((2, 2))])
    with pytest.raises(TypeError, match=r"as model.get_weights\(\) returns"):
        from_keras_weights(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"do not chain"):
        from_keras_weights([np.ones((2, 3)), np.ones(3), np.ones((2, 2)), np.ones(2)])
    with pytest.raises(ValueError, match=r"`batch_size` must be >= 1"):
        iterate_minibatches(10, 0, None)  # raised at the call, not at the first next()
    with pytest.raises(TypeError, match=r"`n` must be an integer"):
        iterate_minibatches(10.0, 2, None)
    with pytest.raises(TypeError, match=r"`rng` must be a numpy.random.Generator"):
        iterate_minibatches(10, 2, 0)


def test_import_stays_numpy_only(run_python):
    heavy = "{'tensorflow', 'keras', 'scipy', 'pandas', 'matplotlib'}"
    result = run_python(f"import sys, helpers.mlp; print(sorted({heavy} & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"`import helpers.mlp` loaded {result.stdout.strip()}"


# --------------------------------------------------------------------------------------------
# The benchmark (benchmarks/mlp_vs_keras.py) runs: one tiny configuration.
# --------------------------------------------------------------------------------------------


def test_benchmark_smoke(keras, repo):
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("mlp_vs_keras", repo / "benchmarks" / "mlp_vs_keras.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.matmul_flops_per_example((784, 256, 128, 10)) == {
        "weights": 234_752,
        "nominal": 6 * 234_752,
        "performed": 6 * 234_752 - 2 * 784 * 256,
    }
    result = bench.run(epochs=2, batch_size=64, sizes=(784, 16, 10), n_examples=192, peak_repeats=1, peak_size=64)
    json.dumps(result)  # --json works
    table = bench.format_table(result)
    assert "ratio NumPy / Keras" in table and "numpy" in table and "keras" in table
    assert result["numpy"]["seconds_per_epoch"] > 0 and result["keras"]["seconds_per_epoch"] > 0
    for name in ("numpy", "keras"):  # the fastest timed epoch: never slower than the median
        assert 0 < result[name]["fastest_epoch_seconds"] <= result[name]["seconds_per_epoch"]
        assert result[name]["fraction_of_peak_fastest_epoch"] >= result[name]["fraction_of_peak"]
    # The same weights, batches and updates: float32 rounding apart, both reach the same loss.
    assert result["numpy"]["final_loss"] == pytest.approx(result["keras"]["final_loss"], abs=1e-4)
