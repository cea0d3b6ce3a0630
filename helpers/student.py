"""Student copies of the course notebooks: every exercise's solution replaced by a stub.

From the shell (what ``make student`` runs)::

    python -m helpers.student                       # every notebook -> student/
    python -m helpers.student notebooks/06_backpropagation.ipynb --out /tmp/handout

A course notebook keeps each exercise's solution in a code cell tagged ``solution``, followed by
a cell that calls the exercise's check, ``chNN.check_...(function)``. The student copy is the
same notebook with, in each solution cell, every function's body replaced by a stub that
raises :class:`NotImplementedError` with the check's hint. The signature, type hints and
docstring stay, so the learner sees what to write. Because of the stub, the check cell prints
``Exercise N.M (title): not done yet. Hint: ...`` until the learner fills the function in (see
:func:`helpers.checks.exercise`). The outputs of the solution and check cells are removed (a
stored "correct." would be a lie in a student copy); every other cell and its output is kept,
so a learner can read the whole chapter before running anything. A Markdown banner at the top
says the copy was generated and from what.

For the copy to run top to bottom, nothing but the check may use a solution's function:
:func:`solution_uses` finds any such use, and :func:`helpers.notebooks.problems` reports it.

``student/`` is built, not committed: it is derived from ``notebooks/`` in a second, so a
committed copy could only drift from its source (see the README).
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["StubError", "make_student_copy", "solution_uses", "stub_source", "write_student_copies"]

SOLUTION_TAG = "solution"
STUB_TAG = "student-stub"
BANNER_ID = "student-banner"
_CHECK_MODULE = re.compile(r"^ch\d\d$")


class StubError(ValueError):
    """A solution cell cannot be turned into a stub (it holds more than imports and functions)."""


def _check_call(statement: ast.stmt) -> tuple[str, str] | None:
    """``("ch06", "check_xxx")`` if ``statement`` is a bare call ``ch06.check_xxx(...)``, else ``None``."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    func = statement.value.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and _CHECK_MODULE.match(func.value.id)
        and func.attr.startswith("check_")
    ):
        return func.value.id, func.attr
    return None


def _defined_names(source: str) -> list[str]:
    """The functions (and classes) a solution cell defines, in order."""
    tree = ast.parse(source)
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def _hint_for(module: str, check: str) -> tuple[str, str]:
    """The exercise's number and hint, from the check function in :mod:`helpers.exercises`."""
    function = getattr(importlib.import_module(f"helpers.exercises.{module}"), check, None)
    if not hasattr(function, "hint"):
        raise StubError(f"helpers.exercises.{module} has no exercise check {check!r} (made with @exercise).")
    return str(function.number), str(function.hint)


def stub_source(source: str, *, number: str, hint: str) -> str:
    """``source`` (a solution cell) with every function body replaced by a stub.

    Imports stay; each top-level ``def`` keeps its signature, decorators and docstring, and its
    body becomes ``raise NotImplementedError(...)`` with the exercise's number and hint. Top-level
    expressions and asserts (a solution demonstrated on the chapter's data) are left out.

    Parameters
    ----------
    source:
        The solution cell's code: imports, function definitions, and expressions or asserts.
    number:
        The exercise's number, e.g. ``"6.1"``.
    hint:
        The check's hint, shown when the stub runs.

    Returns
    -------
    str
        The stubbed code.

    Raises
    ------
    StubError
        If the cell holds anything else (an assignment, a loop, a class): move that code out of
        the solution cell, or into the function.

    Examples
    --------
    >>> print(stub_source("def double(x):\\n    return 2 * x\\n", number="0.1", hint="Multiply by 2."), end="")
    def double(x):
        # Exercise 0.1: write your code here, then run the check below.
        raise NotImplementedError('Exercise 0.1. Hint: Multiply by 2.')
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    pieces: list[str] = []
    functions = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            pieces.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
            continue
        if isinstance(node, (ast.Expr, ast.Assert)):
            continue  # a demonstration of the solution (a print, an assert): not in the student copy
        if not isinstance(node, ast.FunctionDef):
            raise StubError(
                f"a solution cell may hold only imports, functions, and prints or asserts that use them, but "
                f"line {node.lineno} is a {type(node).__name__} ({lines[node.lineno - 1].strip()!r}). Move it "
                f"into the function, or into a cell of its own."
            )
        functions += 1
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        body_start = node.body[0].lineno
        keep_docstring = (
            isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        )
        head = lines[first - 1 : body_start - 1]
        if keep_docstring:
            head += lines[body_start - 1 : node.body[0].end_lineno]
        indent = " " * node.body[0].col_offset
        message = f"Exercise {number}. Hint: {hint}"
        head += [
            f"{indent}# Exercise {number}: write your code here, then run the check below.",
            f"{indent}raise NotImplementedError({message!r})",
        ]
        pieces.append("\n".join(head))
    if not functions:
        raise StubError("a solution cell must define at least one function (the exercise's answer).")
    return "\n\n\n".join(pieces) + "\n"


def _exercises(cells: list[Any]) -> Iterator[tuple[int, int | None]]:
    """(solution cell index, index of the first later cell that calls a check, or None)."""
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or SOLUTION_TAG not in cell.metadata.get("tags", []):
            continue
        check = None
        for later in range(index + 1, len(cells)):
            if cells[later].cell_type == "code" and any(map(_check_call, _statements(cells[later].source))):
                check = later
                break
        yield index, check


def _statements(source: str) -> list[ast.stmt]:
    """The top-level statements of a code cell; none for a cell that is not plain Python (a magic)."""
    try:
        return ast.parse(source).body
    except SyntaxError:
        return []


def solution_uses(notebook: Any) -> list[str]:
    """Where a notebook uses a solution's function outside a check call (an empty list: nowhere).

    In a student copy such a use would raise :class:`NotImplementedError` and stop the notebook.
    Each finding names the cell and the function, and says how to fix it.
    """
    cells = notebook.cells
    found = []
    for index, _check in _exercises(cells):
        try:
            names = set(_defined_names(cells[index].source))
        except SyntaxError:
            continue
        for later in range(index + 1, len(cells)):
            cell = cells[later]
            if cell.cell_type != "code" or not cell.source.strip() or SOLUTION_TAG in cell.metadata.get("tags", []):
                continue  # a later solution cell is replaced by its own stub
            body = _statements(cell.source)
            for statement in body:
                if _check_call(statement):
                    continue
                where = f"cell {later}" + (f", line {statement.lineno}" if len(body) > 1 else "")
                used = sorted({n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and n.id in names})
                if used:
                    found.append(
                        f"{where}: uses {', '.join(used)} (the solution of cell {index}) outside its check call; "
                        f"student copies replace it with a stub that raises NotImplementedError, so this line "
                        f"would stop them. Move it to the end of the solution cell."
                    )
    return found


def make_student_copy(notebook: Any, *, source_name: str = "") -> Any:
    """A student copy of ``notebook`` (an ``nbformat`` v4 notebook; the argument is not changed).

    Solution cells get :func:`stub_source` and the tag ``student-stub`` instead of
    ``solution``; they and their check cells lose their outputs. A banner cell comes first.

    Raises
    ------
    StubError
        If a solution cell has no check cell after it, holds more than imports and functions,
        or if a later cell uses a solution's function outside the check (:func:`solution_uses`).
    """
    import nbformat

    student = copy.deepcopy(notebook)
    uses = solution_uses(student)
    if uses:
        raise StubError(f"{source_name or 'the notebook'}: " + "; ".join(uses))
    for index, check in _exercises(student.cells):
        cell = student.cells[index]
        where = f"{source_name or 'notebook'} cell {index} ({cell.get('id', '?')})"
        if check is None:
            raise StubError(f"{where}: a solution cell with no check cell (chNN.check_...(fn)) after it.")
        module, function = next(c for c in map(_check_call, ast.parse(student.cells[check].source).body) if c)
        number, hint = _hint_for(module, function)
        try:
            cell.source = stub_source(cell.source, number=number, hint=hint)
        except StubError as error:
            raise StubError(f"{where}: {error}") from None
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG] + [STUB_TAG]
        for target in (cell, student.cells[check]):
            target.outputs = []
            target.execution_count = None
    origin = f"`notebooks/{source_name}`" if source_name else "the course notebook"
    banner = nbformat.v4.new_markdown_cell(
        f"> **Student copy** of {origin}, generated by `make student`. Each exercise's function is a stub: "
        f"write its body, then run the check below it, which says *not done yet* with a hint until you have. "
        f"The other cells and their stored outputs are the course's, so you can read ahead."
    )
    banner.id = BANNER_ID
    student.cells.insert(0, banner)
    return student


def write_student_copies(paths: list[Path], out: Path) -> list[Path]:
    """Write the student copy of each notebook in ``paths`` to ``out`` (created); return the new paths."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        student = make_student_copy(notebook, source_name=path.name)
        target = out / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.student", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=Path("student"), help="output folder (default: student/)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    if not paths:
        parser.error("no notebooks found; run this from the repository root or name them.")
    try:
        written = write_student_copies(paths, args.out)
    except StubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} student notebooks written to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
