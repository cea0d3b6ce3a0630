"""Test-suite plumbing shared by every test: reproducible kernels and notebook time budgets.

- Kernels started by nbval inherit ``PYTHONHASHSEED=0`` from here, as they do from
  ``python -m helpers.notebooks execute``, so stored outputs and test runs agree.
- They also inherit :func:`helpers.notebooks.blas_environment` (OpenBLAS's AVX2 kernels on every
  x86 CPU with AVX2), so NumPy's stored outputs reproduce on AVX2 and AVX-512 machines alike.
- TensorFlow's kernels cannot be pinned that way. A notebook whose stored outputs hold
  TensorFlow's last bits records the CPU class that made them (``metadata.course.reference_cpu``);
  on a machine of another class its outputs are not compared, only its cells' assertions run,
  and the run's summary names it. On the reference class it is compared exactly, as all others.
- Each notebook's execution time under nbval is summed, printed at the end of the run, written
  to ``build/notebook_times.json`` (the instructor's guide reads it), and compared with the
  chapter's budget in :data:`helpers.course.CHAPTERS`. Over budget fails the run. On a slower
  machine than the course's 2-core reference, set ``COURSE_TIME_BUDGET_FACTOR=2`` to allow
  twice the budget.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from helpers.notebooks import blas_environment, cpu_class, reference_cpu

os.environ["PYTHONHASHSEED"] = "0"
os.environ.update(blas_environment())

_ROOT = Path(__file__).resolve().parent
_seconds: dict[str, float] = defaultdict(float)
_not_compared: dict[str, str] = {}  # notebook -> the CPU class its stored outputs were made on


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = cpu_class()
    for item in items:
        notebook = getattr(item.parent, "nb", None)
        options = getattr(item, "options", None)
        if notebook is None or not isinstance(options, dict):
            continue  # not an nbval cell
        made_on = reference_cpu(notebook)
        if made_on is not None and made_on != here and options.get("check"):
            options["check"] = False  # a defaultdict(bool): missing options read as False
            _not_compared[item.nodeid.split("::")[0]] = made_on


def _budget_factor() -> float:
    raw = os.environ.get("COURSE_TIME_BUDGET_FACTOR", "1")
    try:
        factor = float(raw)
    except ValueError:
        raise pytest.UsageError(f"COURSE_TIME_BUDGET_FACTOR must be a number such as 2, got {raw!r}") from None
    if factor <= 0:
        raise pytest.UsageError(f"COURSE_TIME_BUDGET_FACTOR must be positive, got {factor}")
    return factor


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration  # setup (kernel start) + call + teardown of every cell


def _over_budget() -> list[tuple[str, float, float]]:
    from helpers.course import chapter_for

    factor = _budget_factor()
    over = []
    for path, seconds in sorted(_seconds.items()):
        budget = chapter_for(path).budget_seconds * factor
        if seconds > budget:
            over.append((path, seconds, budget))
    return over


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_compared:
        terminalreporter.section("stored outputs not compared on this CPU")
        for path, made_on in sorted(_not_compared.items()):
            terminalreporter.write_line(
                f"{path}: outputs made on {made_on}, this machine is {cpu_class()}; its assertions ran",
                yellow=True,
            )
    if not _seconds:
        return
    from helpers.course import chapter_for

    terminalreporter.section("notebook execution times (nbval, fresh kernel)")
    for path, seconds in sorted(_seconds.items()):
        budget = chapter_for(path).budget_seconds
        terminalreporter.write_line(f"{path:<52} {seconds:7.1f} s   budget {budget:4d} s")
    out = _ROOT / "build" / "notebook_times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({p: round(s, 2) for p, s in sorted(_seconds.items())}, indent=2) + "\n")
    for path, seconds, budget in _over_budget():
        terminalreporter.write_line(f"OVER BUDGET: {path} took {seconds:.1f} s, budget {budget:.0f} s", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _seconds and _over_budget() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
