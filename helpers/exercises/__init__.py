"""Checks for each chapter's exercises: ``helpers.exercises.ch00``, ``ch01``, ...

Each ``chNN`` module holds one ``check_*`` function per exercise of chapter NN. A check takes
the learner's function, calls it on test inputs it makes itself, and reports through
:func:`helpers.checks.exercise`: correct, not done yet (with a hint), or wrong (with a
diagnosis of the mistake).
"""

from __future__ import annotations

import importlib
from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    if name.startswith("ch") and name[2:].isdigit():
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # a real import error inside an existing chapter module
    raise AttributeError(f"module 'helpers.exercises' has no attribute {name!r}")
