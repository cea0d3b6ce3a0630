"""``import helpers`` is fast and light: no TensorFlow, Keras, pandas or matplotlib until needed."""

from __future__ import annotations

import importlib
import json

import pytest

import helpers

HEAVY = ("tensorflow", "keras", "pandas", "matplotlib")

_IMPORTED_HEAVY = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize(
    "module",
    [
        "helpers",
        "helpers.data",
        "helpers.checks",
        "helpers.exercises.ch00",
        "helpers.exercises.ch01",
        "helpers.exercises.ch02",
        "helpers.exercises.ch03",
        "helpers.exercises.ch04",
        "helpers.exercises.ch05",
        "helpers.exercises.ch06",
        "helpers.exercises.ch07",
        "helpers.exercises.ch08",
        "helpers.exercises.ch09",
        "helpers.exercises.ch10",
        "helpers.exercises.ch11",
        "helpers.exercises.ch12",
        "helpers.exercises.ch13",
        "helpers.exercises.ch14",
        "helpers.exercises.ch15",
        "helpers.exercises.ch16",
        "helpers.exercises.ch17",
        "helpers.exercises.ch18",
        "helpers.exercises.ch19",
        "helpers.course",
        "helpers.notebooks",
        "helpers.activations",
        "helpers.losses",
        "helpers.gradcheck",
        "helpers.sizing",
        "helpers.attention",
        "helpers.autodiff",
        "helpers.layers",
        "helpers.mlp",
        "helpers.optim",
        "helpers.regularization",
        "helpers.student",
        "helpers.privacy",
        "helpers.pretrain",
        "helpers.glossary",
        "helpers.explain",
        "helpers.experiments",
        "helpers.compress",
    ],
)
def test_import_does_not_load_heavy_libraries(module, run_python):
    result = run_python(_IMPORTED_HEAVY.format(module=module, heavy=HEAVY))
    assert result.returncode == 0, f"`import {module}` failed:\n{result.stderr}"
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"`import {module}` imported {loaded}; load them only in the functions that need them"


def test_import_helpers_is_fast(run_python):
    code = "import time; t = time.perf_counter(); import helpers; print(time.perf_counter() - t)"
    times = []
    for _ in range(3):  # best of 3: the test machine is noisy
        result = run_python(code)
        assert result.returncode == 0, result.stderr
        times.append(float(result.stdout.strip().splitlines()[-1]))
    assert min(times) < 0.5, f"`import helpers` took {min(times):.3f} s at best (runs: {times}); the limit is 0.5 s"


@pytest.mark.parametrize("module", ["helpers", "helpers.checks", "helpers.data", "helpers.notebooks"])
def test_all_names_resolve(module):
    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == [], f"{module}.__all__ lists names that do not exist: {missing}"


def test_dir_lists_the_public_names():
    assert set(helpers.__all__) <= set(dir(helpers)), "dir(helpers) should offer every name in __all__"


def test_course_names_are_the_course_module_objects():
    from helpers import course

    assert helpers.setup is course.setup
    assert helpers.get_seed is course.get_seed
    assert helpers.DEFAULT_SEED == course.DEFAULT_SEED == 42


def test_unknown_attribute_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        helpers.no_such_thing  # noqa: B018
    assert not hasattr(helpers, "no_such_thing")


def test_unknown_exercise_attribute_raises_attribute_error():
    import helpers.exercises

    with pytest.raises(AttributeError, match="nope"):
        helpers.exercises.nope  # noqa: B018
    assert helpers.exercises.ch00.check_logits is not None


def test_missing_chapter_module_raises_attribute_error():
    import helpers.exercises

    assert not hasattr(helpers.exercises, "ch99"), "a chapter without exercises should simply be absent"
