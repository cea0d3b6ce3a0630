"""ruff lints the helpers, the tests and the notebooks themselves (it reads .ipynb natively)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_passes() -> None:
    paths = ["helpers", "tests", "tools", "notebooks", "datasets/build.py", "conftest.py"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"ruff found problems (fix with `ruff check --fix`):\n{result.stdout}{result.stderr}"
