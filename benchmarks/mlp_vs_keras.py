"""How fast is the course's NumPy MLP next to the identical Keras model? (CPU, float32)

Trains :mod:`helpers.mlp` and ``keras.Sequential([Dense, Dense, Dense])`` in one process on the
same data (the 5,000 MNIST digits of :func:`helpers.data.load_mnist_5000`, pixels / 255, float32),
with the same initial weights, batches and learning rate, and reports per epoch:

- seconds (the median over the epochs after a warm-up epoch, which for Keras includes tracing; the
  fastest epoch is reported too, as the peak below is a best-of);
- the ratio NumPy / Keras (below 1: NumPy is faster);
- achieved GFLOP/s, counting matrix-product FLOPs only (biases, activations, softmax and the update
  are left out), per example:

  * ``nominal``: 6·P, P = the number of weights (784·256 + 256·128 + 128·10 = 234,752): 2·P for
    the forward pass, 2·P for ∂L/∂W, 2·P for ∂L/∂a;
  * ``performed``: 6·P − 2·784·256, what both implementations actually compute: neither forms
    ∂L/∂X for the first layer (helpers.mlp uses ``need_dx=False``; TensorFlow's MatMul gradient
    skips gradients nobody asked for);

- the float32 matrix-product peak of this machine, measured in the same run: the best of several
  2048×2048 ``np.matmul`` and of the MLP's own products (forward, ∂W, ∂a shapes), and the fraction
  of it each implementation achieves (performed FLOPs);
- "matmuls alone": an epoch of only the NumPy MLP's matrix products (same shapes, same operands,
  nothing else), timed in the same rounds: the bound BLAS puts on the NumPy MLP, and how far above
  it each implementation is (``x matmuls alone``).

Fairness: the examples are shuffled once with a fixed seed and both implementations then walk the
same batches of 128 in the same order every epoch (``model.fit(..., shuffle=False)``; NumPy slices
the same contiguous arrays), so neither pays for a per-epoch gather. The epochs are interleaved
(NumPy, Keras, Keras, NumPy, ...) so that both see the same load on a shared machine; a Keras epoch
is timed by a callback, from ``on_epoch_begin`` to ``on_epoch_end``. Keras runs ``model.fit`` with
``jit_compile=False``, which is what ``"auto"`` resolves to on a CPU-only machine (``--jit-compile``
tries XLA). Both use the same number of threads: by default each library's own (one per core);
``--threads N`` sets OpenBLAS's through threadpoolctl and TensorFlow's intra-op pool. The plain SGD
update is in place for both (Keras ``assign_sub``; NumPy ``-=``).

On a shared, overloaded machine use ``--threads 1``: a multi-threaded OpenBLAS product waits for
its slowest thread, and when other processes hold the cores that is a scheduler time slice per
product, which can make the NumPy epochs 10x slower (TensorFlow suffers less). The figures are
only comparable at a load average below the number of cores.

Run from the repository root::

    .venv/bin/python benchmarks/mlp_vs_keras.py            # the table
    .venv/bin/python benchmarks/mlp_vs_keras.py --json     # the same, as JSON

Not part of the test suite (it takes about a minute); ``tests/test_mlp.py`` runs one tiny
configuration of its functions as a smoke test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `helpers` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import mlp  # noqa: E402

SIZES = (784, 256, 128, 10)
BATCH_SIZE = 128
LEARNING_RATE = 0.125  # exact in float32, like every rate Keras stores


def load_data(n_examples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST 5,000 digits as float32 pixels in [0, 1], shape (N, 784), and int64 labels (N,)."""
    from helpers.data import load_mnist_5000

    images, labels = load_mnist_5000()
    if n_examples is not None:
        images, labels = images[:n_examples], labels[:n_examples]
    return images.astype(np.float32) / np.float32(255), labels.astype(np.int64)


def matmul_flops_per_example(sizes: Sequence[int]) -> dict[str, int]:
    """Matrix-product FLOPs per example and training step: nominal 6·P and performed (no first-layer dX)."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    return {"weights": weights, "nominal": 6 * weights, "performed": 6 * weights - 2 * sizes[0] * sizes[1]}


def set_threads(threads: int | None) -> dict[str, int]:
    """Use ``threads`` threads in OpenBLAS (NumPy) and TensorFlow's intra-op pool; ``None`` leaves both as they are.

    Returns the thread counts in use. TensorFlow's pool can only be set before its first operation;
    if TensorFlow is already running (e.g. under pytest), its count is left and reported.
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    if threads is not None:
        threadpool_limits(limits=threads, user_api="blas")
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # TensorFlow already initialised in this process
            pass
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == "openblas"]
    return {
        "openblas": blas[0] if blas else 0,
        "tensorflow_intra_op": tf.config.threading.get_intra_op_parallelism_threads() or (os.cpu_count() or 1),
    }


def _best_seconds(fn: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_peak(sizes: Sequence[int], batch_size: int, *, repeats: int = 5, big: int = 2048) -> dict[str, float]:
    """Best float32 GFLOP/s of ``np.matmul`` on a big square product and on the MLP's own products."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    rates: dict[str, float] = {}
    a = rng.standard_normal((big, big), dtype=f32)
    b = rng.standard_normal((big, big), dtype=f32)
    rates[f"{big}x{big}x{big}"] = 2 * big**3 / _best_seconds(lambda: a @ b, repeats) / 1e9
    n = 20  # products per timing: each is well under a millisecond
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=False):
        x = rng.standard_normal((batch_size, d_in), dtype=f32)
        w = rng.standard_normal((d_in, d_out), dtype=f32)
        delta = rng.standard_normal((batch_size, d_out), dtype=f32)
        flops = 2 * batch_size * d_in * d_out * n
        forward = _best_seconds(lambda x=x, w=w: [x @ w for _ in range(n)], repeats)
        weight_grad = _best_seconds(lambda x=x, delta=delta: [x.T @ delta for _ in range(n)], repeats)
        input_grad = _best_seconds(lambda w=w, delta=delta: [delta @ w.T for _ in range(n)], repeats)
        rates[f"x@W {batch_size}x{d_in}x{d_out}"] = flops / forward / 1e9
        rates[f"x.T@d {d_in}x{batch_size}x{d_out}"] = flops / weight_grad / 1e9
        rates[f"d@W.T {batch_size}x{d_out}x{d_in}"] = flops / input_grad / 1e9
    rates["peak"] = max(rates.values())
    return rates


def matmuls_epoch(X: np.ndarray, params: dict[str, np.ndarray], *, batch_size: int) -> None:
    """One epoch of *only* the matrix products of :func:`numpy_epoch`'s training steps.

    The same products, shapes and operands (forward ``a @ W``, then ``a.T @ δ`` for every layer and
    ``δ @ W.T`` for all but the first), and nothing else: the bound that BLAS puts on the NumPy
    MLP. Consecutive products touch different matrices, so this runs below the peak (one product
    repeated on data already in cache).
    """
    n_layers = len(params) // 2
    weights = [params[f"W{i}"] for i in range(1, n_layers + 1)]
    for first in range(0, len(X), batch_size):
        activations = [X[first : first + batch_size]]
        for W in weights:
            activations.append(activations[-1] @ W)
        delta = activations[-1]
        for i in range(n_layers - 1, -1, -1):
            _ = activations[i].T @ delta  # ∂L/∂W
            if i > 0:
                delta = delta @ weights[i].T  # ∂L/∂a, not for the first layer


def numpy_epoch(X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], *, batch_size: int, lr: float) -> float:
    """One epoch of plain SGD with helpers.mlp over consecutive batches of (X, y); the mean loss."""
    total = 0.0
    for first in range(0, len(X), batch_size):
        xb, yb = X[first : first + batch_size], y[first : first + batch_size]  # views, no copies
        loss, grads = mlp.mlp_loss_and_grads(params, xb, yb)
        for key in params:
            params[key] -= lr * grads[key]  # in place, as Keras's assign_sub
        total += loss * len(xb)
    return total / len(X)


def keras_model(params: dict[str, np.ndarray], *, lr: float, jit_compile: bool = False) -> Any:
    """keras.Sequential of Dense layers (ReLU, then logits) with ``params``' weights, compiled for plain SGD."""
    import keras

    n_layers = len(params) // 2
    sizes = [params["W1"].shape[0]] + [params[f"W{i}"].shape[1] for i in range(1, n_layers + 1)]
    hidden = [keras.layers.Dense(width, activation="relu") for width in sizes[1:-1]]
    model = keras.Sequential([keras.Input((sizes[0],)), *hidden, keras.layers.Dense(sizes[-1])])
    model.set_weights(mlp.to_keras_weights(params))
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def train_both(
    X: np.ndarray,
    y: np.ndarray,
    params: dict[str, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    jit_compile: bool = False,
) -> dict[str, dict[str, list[float]]]:
    """Train the NumPy MLP and the Keras model from the same weights, one epoch of each in turn.

    Each round also times :func:`matmuls_epoch`, the NumPy MLP's matrix products alone.

    Interleaving the epochs (and alternating which goes first) exposes both to the same load on a
    shared machine. A Keras epoch is timed from ``on_epoch_begin`` to ``on_epoch_end`` of
    ``model.fit(..., epochs=e + 1, initial_epoch=e)``: its batches, not fit's set-up, which a
    single long ``fit`` pays once.
    """
    import keras

    model = keras_model(params, lr=lr, jit_compile=jit_compile)
    ours = {key: value.copy() for key, value in params.items()}
    times: dict[str, dict[str, list[float]]] = {
        "numpy": {"seconds": [], "loss": []},
        "keras": {"seconds": [], "loss": []},
        "matmuls alone": {"seconds": []},
    }

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            times["keras"]["seconds"].append(time.perf_counter() - self.start)

    def run_numpy() -> None:
        start = time.perf_counter()
        loss = numpy_epoch(X, y, ours, batch_size=batch_size, lr=lr)
        times["numpy"]["seconds"].append(time.perf_counter() - start)
        times["numpy"]["loss"].append(loss)

    def run_keras(epoch: int) -> None:
        history = model.fit(
            X,
            y,
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=0,
            callbacks=[EpochTimer()],
        )
        times["keras"]["loss"].append(float(history.history["loss"][-1]))

    def run_matmuls() -> None:
        start = time.perf_counter()
        matmuls_epoch(X, params, batch_size=batch_size)
        times["matmuls alone"]["seconds"].append(time.perf_counter() - start)

    for epoch in range(epochs):
        if epoch % 2 == 0:
            run_numpy()
            run_keras(epoch)
        else:
            run_keras(epoch)
            run_numpy()
        run_matmuls()
    return times


def run(
    *,
    epochs: int = 11,
    batch_size: int = BATCH_SIZE,
    sizes: Sequence[int] = SIZES,
    n_examples: int | None = None,
    threads: int | None = None,
    jit_compile: bool = False,
    peak_repeats: int = 5,
    peak_size: int = 2048,
    seed: int = 0,
) -> dict[str, Any]:
    """Train both, measure the peak, and return every figure as a dict (see the module docstring)."""
    if epochs < 2:
        raise ValueError(f"`epochs` must be >= 2 (one warm-up epoch, then timed ones), got {epochs}.")
    load_before = os.getloadavg()
    thread_counts = set_threads(threads)
    X, y = load_data(n_examples)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    X, y = np.ascontiguousarray(X[order]), y[order]  # shuffled once; the same batches for both
    initial = mlp.init_mlp(list(sizes), rng, dtype=np.float32)

    times = train_both(X, y, initial, epochs=epochs, batch_size=batch_size, lr=LEARNING_RATE, jit_compile=jit_compile)
    peak = matmul_peak(sizes, batch_size, repeats=peak_repeats, big=peak_size)
    floor = statistics.median(times["matmuls alone"]["seconds"][1:])
    flops = matmul_flops_per_example(sizes)
    result: dict[str, Any] = {
        "config": {
            "sizes": list(sizes),
            "n_examples": len(X),
            "batch_size": batch_size,
            "epochs": epochs,
            "timed_epochs": epochs - 1,
            "learning_rate": LEARNING_RATE,
            "threads": thread_counts,
            "cpu_count": os.cpu_count(),
            "keras_jit_compile": jit_compile,
            "load_average_1_5_15_min_before": [round(v, 2) for v in load_before],
            "load_average_1_5_15_min_after": [round(v, 2) for v in os.getloadavg()],
            "flops_per_example": flops,
        },
        "peak_gflops": {k: round(v, 2) for k, v in peak.items()},
        "matmuls_alone": {
            "seconds_per_epoch": floor,
            "all_epoch_seconds": [round(s, 4) for s in times["matmuls alone"]["seconds"]],
            "gflops_performed": flops["performed"] * len(X) / floor / 1e9,
        },
    }
    for name in ("numpy", "keras"):
        seconds, losses = times[name]["seconds"], times[name]["loss"]
        median, fastest = statistics.median(seconds[1:]), min(seconds[1:])
        performed = flops["performed"] * len(X) / median / 1e9
        result[name] = {
            "seconds_per_epoch": median,
            "fastest_epoch_seconds": fastest,
            "fraction_of_peak_fastest_epoch": flops["performed"] * len(X) / fastest / 1e9 / peak["peak"],
            "all_epoch_seconds": [round(s, 4) for s in seconds],
            "gflops_nominal": flops["nominal"] * len(X) / median / 1e9,
            "gflops_performed": performed,
            "fraction_of_peak": performed / peak["peak"],
            "over_matmuls_alone": median / floor,
            "final_loss": losses[-1],
        }
    result["ratio_numpy_over_keras"] = result["numpy"]["seconds_per_epoch"] / result["keras"]["seconds_per_epoch"]
    return result


def format_table(result: dict[str, Any]) -> str:
    """A small text table of :func:`run`'s result."""
    c = result["config"]
    lines = [
        f"MLP {'-'.join(map(str, c['sizes']))}, ReLU, float32, {c['n_examples']} examples, batch {c['batch_size']}, "
        f"plain SGD lr {c['learning_rate']}, {c['timed_epochs']} timed epochs after 1 warm-up",
        f"threads: OpenBLAS {c['threads']['openblas']}, TensorFlow {c['threads']['tensorflow_intra_op']} "
        f"({c['cpu_count']} cores); Keras jit_compile={c['keras_jit_compile']}; load average (1, 5, 15 min) "
        f"{c['load_average_1_5_15_min_before']} before, {c['load_average_1_5_15_min_after']} after",
        f"FLOPs per example: nominal 6·P = {c['flops_per_example']['nominal']:,}, performed (no first-layer dX) = "
        f"{c['flops_per_example']['performed']:,}",
        "",
        f"{'':14} {'s/epoch':>9} {'GFLOP/s nominal':>16} {'GFLOP/s performed':>18} {'% of peak':>10} "
        f"{'x matmuls alone':>16} {'final loss':>11} {'fastest epoch':>14}",
    ]
    for name in ("numpy", "keras"):
        r = result[name]
        lines.append(
            f"{name:14} {r['seconds_per_epoch']:9.4f} {r['gflops_nominal']:16.1f} {r['gflops_performed']:18.1f} "
            f"{100 * r['fraction_of_peak']:9.0f}% {r['over_matmuls_alone']:16.2f} {r['final_loss']:11.4f} "
            f"{r['fastest_epoch_seconds']:7.4f} ({100 * r['fraction_of_peak_fastest_epoch']:.0f}%)"
        )
    m = result["matmuls_alone"]
    peak = result["peak_gflops"]["peak"]
    lines.append(
        f"{'matmuls alone':14} {m['seconds_per_epoch']:9.4f} {'':16} {m['gflops_performed']:18.1f} "
        f"{100 * m['gflops_performed'] / peak:9.0f}% {1:16.2f}"
    )
    lines += [
        "",
        f"ratio NumPy / Keras: {result['ratio_numpy_over_keras']:.2f}",
        "float32 matmul peak (np.matmul, best of several), GFLOP/s: "
        + ", ".join(f"{k} {v:.1f}" for k, v in result["peak_gflops"].items()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=11, help="epochs, the first one a warm-up (default 11)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--threads", type=int, default=None, help="threads for both (default: the libraries' own)")
    parser.add_argument("--jit-compile", action="store_true", help="compile the Keras train step with XLA")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    result = run(epochs=args.epochs, batch_size=args.batch_size, threads=args.threads, jit_compile=args.jit_compile)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
