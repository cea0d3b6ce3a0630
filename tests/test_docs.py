"""The README, the chapter guide and CI agree with the code they describe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = re.search(r"## Two commands\n.*?```bash\n(.*?)```", README, re.S)
    assert commands, "README lost its 'Two commands' block"
    lines = [line.split("#")[0].strip() for line in commands.group(1).splitlines() if line.strip()]
    assert lines == ["make course", "make test"], lines
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    ci = [line for line in ci if line and not line.startswith("#")]
    assert ci[-1] == "make test", f".ci/run must end by running the README's test command, not {ci[-1]!r}"


def test_readme_dataset_rows_match_the_manifest() -> None:
    files = json.loads((ROOT / "datasets" / "manifest.json").read_text())["files"]
    rows = {entry["dataset"]: entry["rows"] for name, entry in files.items() if "movies" not in name}
    for dataset, count in rows.items():
        row = re.search(rf"^\| `{dataset}` \| ([\d,]+) ", README, re.M)
        assert row, f"README's dataset table has no row for {dataset}"
        assert int(row.group(1).replace(",", "")) == count, f"README says {row.group(1)} rows of {dataset}"


def test_chapter_template_has_the_documented_shape() -> None:
    template = nbformat.read(ROOT / "docs" / "chapter_template.ipynb", as_version=4)
    nbformat.validate(template)
    assert template.cells[0].source.startswith("# NN ")
    assert "helpers.setup(" in next(c.source for c in template.cells if c.cell_type == "code")
    assert any("solution" in c.metadata.get("tags", []) for c in template.cells), "no solution-tagged cell"
    guide = (ROOT / "docs" / "making_a_chapter.md").read_text(encoding="utf-8")
    for promised in ("solution", "NBVAL_IGNORE_OUTPUT", "⏱", "helpers.notebooks execute", "check-seeds"):
        assert promised in guide, f"docs/making_a_chapter.md no longer explains {promised!r}"


def test_errata_issue_template_asks_for_chapter_cell_error_and_environment() -> None:
    template = (ROOT / ".github" / "ISSUE_TEMPLATE" / "errata.yml").read_text(encoding="utf-8")
    ids = set(re.findall(r"^\s+id: (\w+)$", template, flags=re.MULTILINE))
    assert {"chapter", "cell", "error", "environment"} <= ids, ids
    assert "print_environment()" in template, "the template should say how to get the environment report"
