"""``helpers.course``: the seed, ``setup()``, the environment report and the chapter list."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy

from helpers import course
from helpers.course import CHAPTERS, chapter_for, chapter_table, get_seed, lock_mismatches, setup

CJK = re.compile(r"[\u4e00-\u9fff]")

# ---------------------------------------------------------------------------------------------
# get_seed


def test_get_seed_defaults_to_42_when_unset(monkeypatch):
    monkeypatch.delenv("COURSE_SEED", raising=False)
    assert get_seed() == 42 == course.DEFAULT_SEED


@pytest.mark.parametrize("value", ["", "   "])
def test_get_seed_defaults_to_42_when_empty(monkeypatch, value):
    monkeypatch.setenv("COURSE_SEED", value)
    assert get_seed() == 42


@pytest.mark.parametrize(("value", "expected"), [("7", 7), (" 7 ", 7), ("0", 0), ("4294967295", 2**32 - 1)])
def test_get_seed_reads_course_seed(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_SEED", value)
    assert get_seed() == expected


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "4294967296"])
def test_get_seed_rejects_bad_values_and_says_how_to_fix(monkeypatch, value):
    monkeypatch.setenv("COURSE_SEED", value)
    with pytest.raises(ValueError) as info:
        get_seed()
    message = str(info.value)
    assert "COURSE_SEED" in message, f"the message should name the variable: {message}"
    assert repr(value) in message, f"the message should echo the bad value: {message}"
    assert "Unset it" in message and "COURSE_SEED=7" in message, f"the message should say how to fix it: {message}"


# ---------------------------------------------------------------------------------------------
# setup: argument validation (tensorflow=False, plots=False: TensorFlow is never imported here)


@pytest.mark.parametrize("seed", ["1", 1.5, True, [1]])
def test_setup_rejects_a_seed_that_is_not_a_whole_number(seed):
    with pytest.raises(TypeError, match="`seed`"):
        setup(seed, tensorflow=False, plots=False, verbose=False)


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_setup_rejects_a_seed_out_of_range(seed):
    with pytest.raises(ValueError, match="`seed` must be between 0 and 4294967295"):
        setup(seed, tensorflow=False, plots=False, verbose=False)


@pytest.mark.parametrize("flag", ["tensorflow", "plots", "verbose"])
def test_setup_rejects_flags_that_are_not_bool(flag):
    kwargs = {"tensorflow": False, "plots": False, "verbose": False, flag: "yes"}
    with pytest.raises(TypeError, match=f"`{flag}` must be True or False, got 'yes'"):
        setup(1, **kwargs)


def test_setup_accepts_numpy_integers():
    assert setup(np.int64(5), tensorflow=False, plots=False, verbose=False) == 5


# ---------------------------------------------------------------------------------------------
# setup: seeding and what it prints


def _draws(seed: int | None) -> tuple[float, np.ndarray]:
    setup(seed, tensorflow=False, plots=False, verbose=False)
    return random.random(), np.random.rand(3)  # noqa: NPY002 - the legacy global generator is what setup seeds


def test_setup_makes_random_and_numpy_reproducible():
    first, second, other = _draws(11), _draws(11), _draws(12)
    assert first[0] == second[0], "the same seed gave different random.random() values"
    np.testing.assert_array_equal(first[1], second[1], err_msg="the same seed gave different np.random.rand() values")
    assert first[0] != other[0], "seed + 1 gave the same random.random() value"
    assert not np.array_equal(first[1], other[1]), "seed + 1 gave the same np.random.rand() values"


def test_setup_without_a_seed_uses_course_seed(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "7")
    assert _draws(None)[0] == _draws(7)[0]


def test_setup_returns_the_seed(monkeypatch):
    monkeypatch.delenv("COURSE_SEED", raising=False)
    assert setup(3, tensorflow=False, plots=False, verbose=False) == 3
    assert setup(tensorflow=False, plots=False, verbose=False) == 42
    monkeypatch.setenv("COURSE_SEED", "9")
    assert setup(tensorflow=False, plots=False, verbose=False) == 9


def test_setup_verbose_line_with_the_default_seed(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_SEED", raising=False)
    setup(tensorflow=False, plots=False)
    assert capsys.readouterr().out == "Course setup: seed 42 (default); Python and NumPy seeded.\n"


def test_setup_verbose_line_with_course_seed(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_SEED", "7")
    setup(tensorflow=False, plots=False)
    assert capsys.readouterr().out == "Course setup: seed 7 (from $COURSE_SEED); Python and NumPy seeded.\n"


def test_setup_verbose_false_prints_nothing(capsys):
    setup(1, tensorflow=False, plots=False, verbose=False)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("course_seed", [None, "7"])
def test_setup_verbose_line_with_an_explicit_seed_names_no_other_source(monkeypatch, capsys, course_seed):
    if course_seed is None:
        monkeypatch.delenv("COURSE_SEED", raising=False)
    else:
        monkeypatch.setenv("COURSE_SEED", course_seed)
    setup(5, tensorflow=False, plots=False)
    out = capsys.readouterr().out
    assert out.startswith("Course setup: seed 5"), out
    assert "default" not in out and "COURSE_SEED" not in out, f"seed 5 was passed explicitly, yet: {out!r}"


def test_setup_plots_applies_the_course_style():
    import matplotlib as mpl

    from helpers.plotting import OKABE_ITO

    with mpl.rc_context():  # undo the style afterwards
        setup(1, tensorflow=False, plots=True, verbose=False)
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["figure.dpi"] == 100
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(OKABE_ITO)


# ---------------------------------------------------------------------------------------------
# setup with TensorFlow: one subprocess test (importing TensorFlow costs seconds)

_TF_SCRIPT = r"""
import hashlib
import numpy as np
import helpers

helpers.setup(3, verbose=False)
import keras
import tensorflow as tf

if hasattr(tf.config.experimental, "is_op_determinism_enabled"):
    print("determinism", tf.config.experimental.is_op_determinism_enabled())
else:
    # TF 2.21 does not export is_op_determinism_enabled; the function lives in tf's internal config module.
    from tensorflow.python.framework import config as tf_config

    if hasattr(tf_config, "is_op_determinism_enabled"):
        print("determinism", tf_config.is_op_determinism_enabled())
    else:
        print("determinism unknown")

print("backend", keras.backend.backend())
data = np.random.default_rng(0)
x = data.normal(size=(32, 4)).astype("float32")
y = data.normal(size=(32, 1)).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
model.fit(x, y, batch_size=8, epochs=1, steps_per_epoch=3, shuffle=True, verbose=0)
digest = hashlib.sha256()
for weights in model.get_weights():
    digest.update(np.ascontiguousarray(weights).tobytes())
print("weights", digest.hexdigest())
"""

# Lines that Python-level logging (the logging module's default format, or absl's Python handler) writes.
_PYTHON_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):(tensorflow|absl|keras|root|h5py)|\.py:\d+\] ")


def test_setup_seeds_tensorflow_deterministically(repo):
    env = {k: v for k, v in os.environ.items() if k not in {"TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("COURSE_SEED", None)
    # Both runs at once: each spends most of its time importing TensorFlow.
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _TF_SCRIPT],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    lines = []
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, f"the TensorFlow script failed:\n{err}"
        lines.append(out.splitlines())
        assert [line.split()[0] for line in out.splitlines()] == ["determinism", "backend", "weights"], (
            f"stdout should hold only the script's three lines, no log noise:\n{out}"
        )
        noise = [line for line in err.splitlines() if _PYTHON_LOG_LINE.search(line)]
        assert noise == [], f"Python-level log lines reached stderr despite setup(): {noise}"

    first, second = (dict(line.split(" ", 1) for line in run_lines) for run_lines in lines)
    assert first["backend"] == "tensorflow"
    if first["determinism"] != "unknown":
        assert first["determinism"] == "True", "setup() did not turn on TensorFlow's op determinism"
    assert re.fullmatch(r"[0-9a-f]{64}", first["weights"]), first["weights"]
    assert first["weights"] == second["weights"], "the same seed gave different trained weights in two processes"


# ---------------------------------------------------------------------------------------------
# environment and requirements.lock


def test_lock_mismatches_is_empty_in_the_course_environment():
    assert lock_mismatches() == [], "the venv differs from requirements.lock; run `make setup` again"


def test_lock_mismatches_reports_wrong_and_missing_packages(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# a comment==1.0\n"
        "numpy==0.0.1 \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        "Nonexistent_Pkg==1.0\n"
        f"scipy=={scipy.__version__}\n"
    )
    found = lock_mismatches(lock)
    assert len(found) == 2, f"expected exactly numpy and nonexistent-pkg, got {found}"
    assert found[0] == f"numpy {np.__version__} installed, 0.0.1 locked", found
    assert found[1] == "nonexistent-pkg 1.0 not installed", found


def test_lock_mismatches_reports_a_missing_lock_file(tmp_path):
    assert lock_mismatches(tmp_path / "nope.lock") == ["lock file not found at nope.lock"]


def test_environment_report_without_gpus():
    report = course.environment(gpus=False)
    for key in ("python", "numpy", "tensorflow", "keras", "cpu cores", "matches requirements.lock"):
        assert key in report, f"the environment report lacks {key!r}: {sorted(report)}"
    assert "gpus" not in report
    assert report["python"] == platform.python_version()
    assert report["numpy"] == np.__version__
    assert report["matches requirements.lock"] == "yes"
    assert all(isinstance(value, str) for value in report.values())


def test_environment_without_gpus_does_not_import_tensorflow(run_python):
    code = (
        "import json, sys, helpers\n"
        "report = helpers.environment(gpus=False)\n"
        "print(json.dumps(['tensorflow' in sys.modules, report]))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    imported, report = json.loads(result.stdout.strip().splitlines()[-1])
    assert not imported, "environment(gpus=False) imported TensorFlow"
    assert report["tensorflow"] != "not installed"


def test_print_environment_prints_an_aligned_table(capsys):
    course.print_environment(gpus=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("python ")
    width = len("matches requirements.lock")
    assert all(line[width : width + 2] == "  " for line in lines), lines
    assert any(line.startswith("matches requirements.lock  yes") for line in lines), lines


# ---------------------------------------------------------------------------------------------
# the chapter list


def test_chapter_numbers_and_notebooks_are_unique():
    numbers = [ch.number for ch in CHAPTERS]
    notebooks = [ch.notebook for ch in CHAPTERS]
    assert len(set(numbers)) == len(numbers), f"duplicate chapter numbers: {numbers}"
    assert len(set(notebooks)) == len(notebooks), f"duplicate notebooks: {notebooks}"


def test_chapter_notebook_names_start_with_their_number():
    for ch in CHAPTERS:
        if ch.number.isdigit():
            assert ch.notebook.startswith(ch.number + "_"), f"chapter {ch.number} has notebook {ch.notebook}"
        assert ch.notebook.endswith(".ipynb"), ch.notebook


def test_every_notebook_is_a_chapter(repo):
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        chapter = chapter_for(path)
        assert chapter.notebook == path.name
        assert chapter.exists


def test_every_chapter_has_a_chinese_title_and_a_positive_budget():
    for ch in CHAPTERS:
        assert CJK.search(ch.chinese), f"chapter {ch.number} {ch.title!r} has no Chinese title: {ch.chinese!r}"
        assert not CJK.search(ch.title), f"chapter {ch.number}'s English title contains CJK: {ch.title!r}"
        assert isinstance(ch.budget_seconds, int) and ch.budget_seconds > 0, (ch.number, ch.budget_seconds)
        assert ch.goal and ch.sources, f"chapter {ch.number} lacks a goal or sources"


def test_chapter_for_accepts_a_path():
    assert chapter_for("notebooks/00_start_here.ipynb").number == "00"


def test_chapter_for_unknown_notebook_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        chapter_for("nope.ipynb")
    message = str(info.value)
    assert "'nope.ipynb'" in message
    for ch in CHAPTERS:
        assert ch.notebook in message, f"{ch.notebook} missing from: {message}"


def test_chapter_table_has_one_row_per_chapter():
    for status in (True, False):
        lines = chapter_table(status=status).splitlines()
        assert len(lines) == len(CHAPTERS) + 2
        columns = {line.count("|") for line in lines}
        assert columns == {7 if status else 6}, f"rows of different widths (status={status}): {columns}"
    assert "status" not in chapter_table(status=False)


def test_chapter_table_links_the_notebooks_that_exist():
    table = chapter_table(status=True)
    for ch in CHAPTERS:
        link = f"[{ch.title}](notebooks/{ch.notebook})"
        if ch.exists:
            assert link in table and f"| {ch.sources} | ready |" in table
        else:
            assert link not in table


def test_python_m_helpers_course_prints_the_table(run_python):
    result = run_python("", "-m", "helpers.course")
    assert result.returncode == 0, result.stderr
    assert result.stdout == chapter_table() + "\n"


def test_readme_contains_the_chapter_table(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert chapter_table(status=True) in readme, (
        "README.md does not contain the current chapter table; paste the output of `python -m helpers.course`"
    )
