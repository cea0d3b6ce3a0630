"""Helpers for the course *The mathematics and engineering behind large AI models*.

Every notebook starts with::

    import helpers
    helpers.setup()            # seeds Python, NumPy and TensorFlow; quiet logs; plot style

The package is a small library, one module per idea:

- :mod:`helpers.course`   -- :func:`setup`, the course-wide seed, the environment report,
  and the chapter list that the README and notebook 00 show;
- :mod:`helpers.activations` -- sigmoid, tanh, ReLU, GELU, softmax and their derivatives;
- :mod:`helpers.losses`   -- MSE and cross-entropy (from probabilities or logits) and their gradients;
- :mod:`helpers.gradcheck` -- central-difference gradients and the relative error used to check them;
- :mod:`helpers.autodiff` -- a tiny scalar reverse-mode autodiff (chapter 06);
- :mod:`helpers.layers`   -- forward/backward pairs: affine, ReLU, sigmoid, tanh, softmax cross-entropy;
- :mod:`helpers.mlp`      -- a NumPy multi-layer perceptron, its backprop and its Keras weight layout;
- :mod:`helpers.optim`    -- SGD, momentum, RMSProp, Adam with explicit state; learning-rate schedules;
- :mod:`helpers.regularization` -- inverted dropout and the L2 penalty, with their gradients;
- :mod:`helpers.attention` -- scaled dot-product and multi-head attention, positional encoding, an encoder block;
- :mod:`helpers.data`     -- loaders for the bundled datasets, each verified by SHA-256;
- :mod:`helpers.checks`   -- the exercise-feedback machinery ("your gradient is off by a factor of N");
- :mod:`helpers.exercises` -- the checks for each chapter's exercises;
- :mod:`helpers.plotting` -- the course's plot style;
- :mod:`helpers.sizing`   -- parameter counts, training FLOPs and cost estimates for Transformers;
- :mod:`helpers.compress` -- magnitude pruning and int8 quantisation, per tensor and per channel (chapter 17);
- :mod:`helpers.experiments` -- A/B tests: two-proportion z-test, confidence interval, sample size (chapter 16);
- :mod:`helpers.explain` -- integrated gradients and other explanation helpers (chapter 18);
- :mod:`helpers.glossary` -- the bilingual glossary (中文 / English) and the chapters' key-term tables;
- :mod:`helpers.pretrain` -- the review split, masked-character pre-training and its weights file (chapter 15);
- :mod:`helpers.privacy` -- k-anonymity, the Laplace mechanism and DP-SGD's clipping and noise (chapter 18);
- :mod:`helpers.student` -- student copies of the notebooks: solutions replaced by stubs (``make student``);
- :mod:`helpers.notebooks` -- executing and checking the course notebooks (used by the tests).

``import helpers`` is fast and never imports TensorFlow: submodules load on first use,
and only the functions that need TensorFlow import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBMODULES = {
    "activations",
    "attention",
    "autodiff",
    "checks",
    "compress",
    "course",
    "data",
    "exercises",
    "experiments",
    "explain",
    "glossary",
    "gradcheck",
    "layers",
    "losses",
    "mlp",
    "notebooks",
    "optim",
    "plotting",
    "pretrain",
    "privacy",
    "regularization",
    "sizing",
    "student",
}
_COURSE_NAMES = {"setup", "get_seed", "DEFAULT_SEED", "environment", "print_environment"}

__all__ = [
    "DEFAULT_SEED",
    "__version__",
    "activations",
    "attention",
    "autodiff",
    "checks",
    "compress",
    "course",
    "data",
    "environment",
    "exercises",
    "experiments",
    "explain",
    "get_seed",
    "glossary",
    "gradcheck",
    "layers",
    "losses",
    "mlp",
    "notebooks",
    "optim",
    "plotting",
    "pretrain",
    "print_environment",
    "privacy",
    "regularization",
    "setup",
    "sizing",
    "student",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import (
        activations,
        attention,
        autodiff,
        checks,
        compress,
        course,
        data,
        exercises,
        experiments,
        explain,
        glossary,
        gradcheck,
        layers,
        losses,
        mlp,
        notebooks,
        optim,
        plotting,
        pretrain,
        privacy,
        regularization,
        sizing,
        student,
    )
    from .course import DEFAULT_SEED, environment, get_seed, print_environment, setup


def __getattr__(name: str) -> Any:
    """Load submodules and the names of :mod:`helpers.course` on first use (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _COURSE_NAMES:
        return getattr(importlib.import_module(f"{__name__}.course"), name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
