"""Fixtures shared by the helpers' unit tests.

``run_python`` runs a snippet in a fresh interpreter of this environment: the only honest way
to test what an import pulls in, how long it takes, and what TensorFlow does on first import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    """The course repository's root folder."""
    return REPO


def _python(
    code: str,
    *args: str,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code args...`` (or ``python args...`` when ``code`` is empty) from the repository root.

    ``env`` entries are added to a copy of this process's environment; a value of ``None``
    removes the variable. Bytecode is not written, so a subprocess leaves nothing in the repo.
    """
    full_env = dict(os.environ)
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, *args]
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run Python code in a fresh interpreter; see :func:`_python`."""
    return _python


_hypothesis_home: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep Hypothesis's files out of the repository.

    Even without an example database, Hypothesis caches constants in ``./.hypothesis`` while
    pytest collects; point it at a temporary folder, removed at the end of the run.
    """
    global _hypothesis_home
    from hypothesis.configuration import set_hypothesis_home_dir

    _hypothesis_home = Path(tempfile.mkdtemp(prefix="course-hypothesis-"))
    set_hypothesis_home_dir(_hypothesis_home)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _hypothesis_home is not None:
        shutil.rmtree(_hypothesis_home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 (a Playwright Browser; playwright is imported lazily)
    """Headless Chromium for the book's and the slides' tests.

    Skipped, with the reason, where no Chromium is installed (a learner's laptop); in CI
    (``CI`` set) a missing browser is a failure, so the browser tests cannot silently vanish.
    """
    from tools.browser import chromium, find_chromium

    if find_chromium() is None:
        message = "No Chromium: install Debian's `chromium` (.ci/run does) or set COURSE_CHROMIUM."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with chromium() as launched:
        yield launched
