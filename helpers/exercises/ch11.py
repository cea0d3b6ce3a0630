"""Checks for the exercises of notebook 11 (case: image CNN): shape arithmetic, convolution, pooling."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import ExerciseFailed, compare, exercise


def _reference_output_size(n: int, k: int, s: int, p: int) -> int:
    """⌊(n + 2p − k) / s⌋ + 1, the output length of a convolution or pooling window."""
    return (n + 2 * p - k) // s + 1


def _reference_conv2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation (what deep-learning libraries call convolution), stride 1."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def _reference_max_pool(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping max pooling (stride = size, no padding): a partial last window is dropped."""
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[: h * size, : w * size].reshape(h, size, w, size).max(axis=(1, 3))


@exercise(
    "11.1",
    "output size of a convolution or pooling layer",
    hint="Return the integer (n + 2*p - k) // s + 1.",
)
def check_output_size(output_size: Callable[[int, int, int, int], int]) -> None:
    """Check ``output_size(n, k, s, p)`` returns ⌊(n + 2p − k)/s⌋ + 1 as an ``int``."""
    cases = [(32, 3, 1, 0), (30, 2, 2, 0), (28, 5, 1, 2), (31, 2, 2, 0), (227, 11, 4, 0), (7, 3, 2, 1)]
    results = [output_size(n, k, s, p) for n, k, s, p in cases]
    if any(got is None for got in results):
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    for (n, k, s, p), got in zip(cases, results, strict=True):
        if isinstance(got, float) and not float(got).is_integer():
            raise ExerciseFailed(
                f"output_size({n}, {k}, {s}, {p}) returned {got:g}, a fraction: round down with // (floor division)."
            )
    for (n, k, s, p), got in zip(cases, results, strict=True):
        expected = _reference_output_size(n, k, s, p)
        if got == expected - 1 and got == (n + 2 * p - k) // s:
            raise ExerciseFailed(f"output_size({n}, {k}, {s}, {p}) returned {got}: the + 1 is missing.")
        if p and got == _reference_output_size(n, k, s, 0):
            raise ExerciseFailed(f"output_size({n}, {k}, {s}, {p}) returned {got}: the padding p was ignored.")
        if p and got == (n + p - k) // s + 1:
            raise ExerciseFailed(
                f"output_size({n}, {k}, {s}, {p}) returned {got}: padding adds p on BOTH sides, so 2p, not p."
            )
        if got == -(-(n + 2 * p - k) // s) + 1 and got != expected:
            raise ExerciseFailed(f"output_size({n}, {k}, {s}, {p}) returned {got}: that rounds up; round down.")
        if not isinstance(got, int | np.integer):
            raise ExerciseFailed(f"output_size should return an int, got {type(got).__name__}.")
        compare(f"output_size({n}, {k}, {s}, {p})", got, expected)


@exercise(
    "11.2",
    "a 2-D convolution, valid, stride 1",
    hint="out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel); the output is (H - kh + 1, W - kw + 1).",
)
def check_conv2d(conv2d: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``conv2d(image, kernel)`` computes a valid cross-correlation of shape (H−kh+1, W−kw+1)."""
    rng = np.random.default_rng(11)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 2))
    expected = _reference_conv2d(image, kernel)
    got = conv2d(image.copy(), kernel.copy())
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    got = np.asarray(got, dtype=float)
    if got.shape == expected.shape and np.allclose(got, _reference_conv2d(image, kernel[::-1, ::-1])):
        raise ExerciseFailed(
            "the kernel was flipped (textbook convolution); Keras and PyTorch layers compute the "
            "cross-correlation: slide the kernel as it is."
        )
    if got.shape == image.shape:
        raise ExerciseFailed(
            f"the output has the input's shape {image.shape} ('same' padding); a valid convolution gives "
            f"{expected.shape}."
        )
    compare("conv2d(image, kernel)", got, expected)


@exercise(
    "11.3",
    "2-D max pooling",
    hint="Cut x into size × size blocks (drop a partial last row/column of blocks) and take each block's max.",
)
def check_max_pool2d(max_pool2d: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``max_pool2d(x, size)`` pools non-overlapping windows and drops a partial last window."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(9, 6))  # 9 rows: the last row does not fill a 2 × 2 window
    expected = _reference_max_pool(x, 2)
    got = max_pool2d(x.copy(), 2)
    if got is None:
        raise ExerciseFailed("the function returned None: did it forget to `return` its result?")
    got = np.asarray(got, dtype=float)
    h, w = expected.shape
    if got.shape == expected.shape and np.allclose(got, x[: 2 * h, : 2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))):
        raise ExerciseFailed("this is average pooling: take the maximum of each window, not its mean.")
    if got.shape == (5, 3):
        raise ExerciseFailed(
            "the output has 5 rows: a partial last window was kept (ceil mode). With no padding the output "
            "size is ⌊(n − k)/s⌋ + 1 = 4."
        )
    if got.shape == (8, 5):
        raise ExerciseFailed("the windows overlap (stride 1): with stride = size they tile the input.")
    compare("max_pool2d(x, 2)", got, expected)
    x3 = rng.normal(size=(12, 7))
    compare("max_pool2d(x, 3)", max_pool2d(x3.copy(), 3), _reference_max_pool(x3, 3))
