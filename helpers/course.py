"""Course-wide setup: one seed, quiet and deterministic TensorFlow, plot style, environment report.

Every notebook calls :func:`setup` once, at the top. The seed has one default,
:data:`DEFAULT_SEED`, which the environment variable ``COURSE_SEED`` overrides, so anyone can
re-run the course with another seed and see which results are robust and which were luck::

    COURSE_SEED=7 make test      # every notebook re-run with seed 7 (outputs will differ)

This module also holds the list of chapters (:data:`CHAPTERS`), from which the README's
chapter table and notebook 00's map are generated, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_SEED: int = 42
"""The course-wide default seed. Change it only here."""

SEED_ENV_VAR = "COURSE_SEED"
_MAX_SEED = 2**32 - 1

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The course repository (``helpers`` is installed in editable mode from it)."""

# Packages shown by the environment report, in the order a reader cares about them.
_REPORTED_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "tensorflow",
    "keras",
    "jupyterlab",
    "nbval",
)


def _check_seed(value: object, name: str) -> int:
    """Return ``value`` as a valid seed, or raise an error that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"`{name}` must be a whole number between 0 and {_MAX_SEED}, "
            f"got {value!r} of type {type(value).__name__}. Example: setup(seed=7)."
        )
    if not 0 <= int(value) <= _MAX_SEED:
        raise ValueError(f"`{name}` must be between 0 and {_MAX_SEED}, got {value}.")
    return int(value)


def get_seed() -> int:
    """Return the course seed: ``$COURSE_SEED`` if it is set, else :data:`DEFAULT_SEED`.

    >>> seed = get_seed()   # 42 unless COURSE_SEED is set
    >>> 0 <= seed <= 2**32 - 1
    True
    """
    raw = os.environ.get(SEED_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_SEED
    if not re.fullmatch(r"\d+", raw) or int(raw) > _MAX_SEED:
        raise ValueError(
            f"The environment variable {SEED_ENV_VAR} must be a whole number between 0 and "
            f"{_MAX_SEED}, got {raw!r}. Unset it to use the default seed {DEFAULT_SEED}, "
            f"or set it like this: {SEED_ENV_VAR}=7 make test"
        )
    return int(raw)


def setup(
    seed: int | None = None,
    *,
    tensorflow: bool = True,
    plots: bool = True,
    verbose: bool = True,
) -> int:
    """Make a notebook reproducible and quiet. Call it once, at the top of every notebook.

    It seeds Python's :mod:`random`, NumPy's global generator and (unless ``tensorflow=False``)
    TensorFlow/Keras from one seed; turns on TensorFlow's op determinism, so the same seed gives
    bit-identical weights on every run; keeps TensorFlow's log lines out of the notebook; and
    sets the course's plot style.

    Parameters
    ----------
    seed:
        The seed. ``None`` (the default) means :func:`get_seed`: ``$COURSE_SEED`` or 42.
    tensorflow:
        Import and configure TensorFlow. Pass ``False`` in chapters that use only NumPy;
        they then start sooner, without importing TensorFlow.
    plots:
        Apply :func:`helpers.plotting.set_style`.
    verbose:
        Print one line that says what was done.

    Returns
    -------
    int
        The seed used. Use it for your own generators: ``rng = np.random.default_rng(seed)``.

    Notes
    -----
    ``PYTHONHASHSEED`` (the order of sets of strings) cannot be changed inside a running
    process; the course's test runner and notebook executor set it to 0 for the kernels they
    start.
    """
    if seed is None:
        source = f"from ${SEED_ENV_VAR}" if os.environ.get(SEED_ENV_VAR, "").strip() else "default"
        seed = get_seed()
    else:
        source, seed = "passed to setup", _check_seed(seed, "seed")
    for name, flag in (("tensorflow", tensorflow), ("plots", plots), ("verbose", verbose)):
        if not isinstance(flag, bool):
            raise TypeError(f"`{name}` must be True or False, got {flag!r}.")

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator, which some libraries still use
    if tensorflow:
        _setup_tensorflow(seed)
    if plots:
        from .plotting import set_style

        set_style()
    if verbose:
        seeded = "Python, NumPy and TensorFlow" if tensorflow else "Python and NumPy"
        extra = "; TensorFlow op determinism on" if tensorflow else ""
        print(f"Course setup: seed {seed} ({source}); {seeded} seeded{extra}.")
    return seed


def _setup_tensorflow(seed: int) -> None:
    """Quiet, seed and make deterministic TensorFlow and Keras 3 (TensorFlow backend)."""
    # Both variables are read when TensorFlow/Keras are first imported; later they do nothing.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide C++ INFO and WARNING lines
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")

    import absl.logging
    import keras
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"The course uses Keras with the TensorFlow backend, but KERAS_BACKEND selects "
            f"{keras.backend.backend()!r}. Unset KERAS_BACKEND and restart the kernel."
        )
    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)  # seeds Python, NumPy and TensorFlow together
    tf.config.experimental.enable_op_determinism()


def environment(*, gpus: bool = True) -> dict[str, str]:
    """Describe this machine and the versions the course depends on.

    Parameters
    ----------
    gpus:
        Ask TensorFlow which GPUs it sees (imports TensorFlow). With ``False`` the report
        names only what can be learnt without it.

    Returns
    -------
    dict[str, str]
        Keys such as ``"python"``, ``"numpy"``, ``"cpu cores"``, ``"gpus"``.
    """
    report = {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu cores": str(os.cpu_count()),
    }
    for package in _REPORTED_PACKAGES:
        try:
            report[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            report[package] = "not installed"
    if gpus:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        names = [d.name for d in tf.config.list_physical_devices("GPU")]
        report["gpus"] = ", ".join(names) if names else "none (everything runs on the CPU)"
    mismatches = lock_mismatches()
    report["matches requirements.lock"] = "yes" if not mismatches else "NO: " + "; ".join(mismatches)
    return report


def print_environment(*, gpus: bool = True) -> None:
    """Print :func:`environment` as an aligned table (paste it into bug reports)."""
    report = environment(gpus=gpus)
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _same_version(a: str, b: str) -> bool:
    """``1.0`` and ``1.0.0`` are the same version; compare by PEP 440 where possible."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def lock_mismatches(lock_file: str | Path | None = None) -> list[str]:
    """List the packages whose installed version differs from ``requirements.lock``.

    An empty list means this environment is the one the course was tested in.

    Parameters
    ----------
    lock_file:
        The lock file; default ``requirements.lock`` at the top of the repository.
    """
    path = Path(lock_file) if lock_file is not None else REPO_ROOT / "requirements.lock"
    if not path.is_file():
        return [f"lock file not found at {path.name}"]
    problems = []
    for match in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", path.read_text(), re.M):
        name, pinned = match.groups()
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{_normalise(name)} {pinned} not installed")
            continue
        if not _same_version(installed, pinned):
            problems.append(f"{_normalise(name)} {installed} installed, {pinned} locked")
    return problems


@dataclass(frozen=True)
class Chapter:
    """One chapter of the course, as listed in the README and in notebook 00."""

    number: str
    title: str
    chinese: str
    notebook: str
    goal: str
    sources: str
    budget_seconds: int

    @property
    def exists(self) -> bool:
        """Whether the chapter's notebook has been written yet."""
        return (REPO_ROOT / "notebooks" / self.notebook).is_file()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "00",
        "Start here",
        "从这里开始",
        "00_start_here.ipynb",
        "set up, run the checks, know the notation and how exercises work",
        "all, §1",
        60,
    ),
    Chapter(
        "01",
        "What a large model is",
        "什么是大模型",
        "01_what_a_large_model_is.ipynb",
        "count parameters and training FLOPs of real architectures; estimate training cost",
        "000 §2, 001 §1.4 §2, 002 §2, 003 §2, 004 §2",
        45,
    ),
    Chapter(
        "02",
        "The ML workflow",
        "机器学习工作流程",
        "02_ml_workflow.ipynb",
        "split, normalise without leakage, cross-validate, compute and read metrics",
        "000 §3 §5, 001 §3, 003 §3, 004 §3.1",
        45,
    ),
    Chapter(
        "03",
        "Neurons and activations",
        "神经元与激活函数",
        "03_neurons_and_activations.ipynb",
        "derive and check activation derivatives; see saturation and vanishing gradients",
        "000 §4.1.1, 001 §4.2.1, 003 §4.1, 004 §4.1.1–4.1.2",
        45,
    ),
    Chapter(
        "04",
        "Losses and gradient descent",
        "损失函数与梯度下降",
        "04_losses_and_gradient_descent.ipynb",
        "run gradient descent, pick a learning rate, get the sign of the update right",
        "001 §4.2.2–4.2.3, 003 §4.2",
        45,
    ),
    Chapter(
        "05",
        "Cross-entropy",
        "交叉熵",
        "05_cross_entropy.ipynb",
        "derive ∂L/∂z = p − y; compute cross-entropy stably from logits",
        "000 §4.1.2 §4.2, 001 §4.3.2, 002 §4.3, 004 §4.1.3",
        45,
    ),
    Chapter(
        "06",
        "Backpropagation",
        "反向传播",
        "06_backpropagation.ipynb",
        "write backprop for an MLP and prove it right against finite differences and TensorFlow",
        "001 §4.3.3, 002 §4.2, 004 §4.1.4",
        60,
    ),
    Chapter(
        "07",
        "Optimizers",
        "优化器",
        "07_optimizers.ipynb",
        "implement SGD, momentum, RMSProp and Adam that match Keras update for update",
        "000 §4.1.3, 004 §3.1.2",
        60,
    ),
    Chapter(
        "08",
        "Generalisation",
        "泛化",
        "08_generalisation.ipynb",
        "diagnose overfitting; use L2, dropout, early stopping; read learning curves",
        "000 §10.2, 001 §9.2, 003 §3.2",
        60,
    ),
    Chapter(
        "09",
        "Attention and Transformers",
        "注意力机制与 Transformer",
        "09_attention.ipynb",
        "build scaled dot-product and multi-head attention equal to Keras's",
        "002 §4.3",
        60,
    ),
    Chapter(
        "10",
        "Case: review sentiment",
        "案例：中文评论情感分析",
        "10_case_review_sentiment.ipynb",
        "classify Chinese reviews and beat a TF-IDF baseline honestly",
        "001 §5, 004 §5",
        120,
    ),
    Chapter(
        "11",
        "Case: image CNN",
        "案例：卷积神经网络图像识别",
        "11_case_image_cnn.ipynb",
        "get a CNN's shapes right and beat an SVM on real digits",
        "003 §4.3 §5",
        120,
    ),
    Chapter(
        "12",
        "Case: recommendation",
        "案例：推荐系统",
        "12_case_recommendation.ipynb",
        "train matrix factorisation on real ratings; evaluate rating and ranking",
        "000 §4.3, 003 §6, 004 §4.2.1 §4.3.1 §6.2",
        120,
    ),
    Chapter(
        "13",
        "Case: credit risk",
        "案例：金融风控",
        "13_case_credit_risk.ipynb",
        "handle class imbalance; choose a threshold by cost; calibrate",
        "000 §6.3, 001 §6.2, 004 §4.4.3 §6.4",
        120,
    ),
    Chapter(
        "14",
        "Case: diagnosis",
        "案例：智能医疗诊断",
        "14_case_diagnosis.ipynb",
        "build and explain a clinical classifier, and state its limits",
        "004 §4.2.2 §4.3.2 §6.3",
        120,
    ),
    Chapter(
        "15",
        "Case: pre-train, then fine-tune",
        "案例：预训练与微调",
        "15_case_pretrain_finetune.ipynb",
        "measure what self-supervised pre-training buys when labels are few",
        "002 §3.1 §5, 001 §9.2",
        120,
    ),
    Chapter(
        "16",
        "User advantage: the data flywheel",
        "用户优势：数据飞轮",
        "16_data_flywheel.ipynb",
        "quantify the value of user feedback; run an A/B test correctly",
        "000 §2.3–2.4, 001 §2.2, 003 §2.3",
        120,
    ),
    Chapter(
        "17",
        "Efficiency and scale",
        "效率与规模",
        "17_efficiency_and_scale.ipynb",
        "measure mixed precision, pruning, quantisation and data-parallel training",
        "001 §9.3, 002 §9 Q3, 003 §8.2",
        120,
    ),
    Chapter(
        "18",
        "Privacy and trust",
        "隐私与信任",
        "18_privacy_and_trust.ipynb",
        "apply k-anonymity, the Laplace mechanism and DP-SGD; weigh explanations",
        "001 §9.4, 002 §8.3, 003 §8.3, 004 §9.4",
        120,
    ),
    Chapter(
        "19",
        "Errata",
        "勘误",
        "19_errata.ipynb",
        "see every error in the source articles computed next to its correction",
        "all",
        120,
    ),
    Chapter("—", "Glossary", "术语表", "glossary.ipynb", "look up every term in Chinese and English", "001 §1.4", 120),
)
"""Every chapter, planned or written. The README's table is generated from this."""


def chapter_table(*, status: bool = True) -> str:
    """The chapter table as Markdown.

    With ``status=True`` (the README's table) titles link to the notebooks that exist and a
    column says which chapters are ready; regenerate it with ``python -m helpers.course``.
    Notebook 00 shows it with ``status=False``, so adding a chapter does not change 00's output.
    """
    header = "| # | chapter | 中文 | you will be able to | source articles |"
    rule = "|---|---|---|---|---|"
    if status:
        header, rule = header + " status |", rule + "---|"
    lines = [header, rule]
    for ch in CHAPTERS:
        row = f"| {ch.number} | {ch.title} | {ch.chinese} | {ch.goal} | {ch.sources} |"
        if status:
            link = f"[{ch.title}](notebooks/{ch.notebook})" if ch.exists else ch.title
            row = f"| {ch.number} | {link} | {ch.chinese} | {ch.goal} | {ch.sources} | "
            row += ("ready" if ch.exists else "planned") + " |"
        lines.append(row)
    return "\n".join(lines)


def chapter_for(notebook: str | Path) -> Chapter:
    """Return the :class:`Chapter` whose notebook file is ``notebook`` (a name or a path)."""
    name = Path(notebook).name
    for ch in CHAPTERS:
        if ch.notebook == name:
            return ch
    known = ", ".join(ch.notebook for ch in CHAPTERS)
    raise ValueError(f"`notebook` {name!r} is not a chapter of the course. Known: {known}.")


if __name__ == "__main__":  # python -m helpers.course  -> print the README's chapter table
    sys.stdout.write(chapter_table() + "\n")
