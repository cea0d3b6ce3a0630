"""Student copies (helpers.student): the generator on small notebooks, and on every course notebook."""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers.checks import NOT_DONE
from helpers.student import (
    BANNER_ID,
    STUB_TAG,
    StubError,
    _check_call,
    _main,
    make_student_copy,
    solution_uses,
    stub_source,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# ---- stub_source ------------------------------------------------------------------------------


def test_stub_keeps_signature_docstring_and_imports() -> None:
    source = (
        "from math import sqrt\n\n\n"
        "def norm(x: list[float], *, squared: bool = False) -> float:\n"
        '    """The Euclidean norm."""\n'
        "    total = sum(v * v for v in x)\n"
        "    return total if squared else sqrt(total)\n"
    )
    stub = stub_source(source, number="3.2", hint="Square, sum, root.")
    assert stub.startswith("from math import sqrt\n")
    assert "def norm(x: list[float], *, squared: bool = False) -> float:" in stub
    assert '"""The Euclidean norm."""' in stub
    assert "sum(v * v" not in stub
    namespace: dict = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match=r"Exercise 3\.2\. Hint: Square, sum, root\."):
        namespace["norm"]([3.0, 4.0])


def test_stub_keeps_decorators_and_handles_several_functions() -> None:
    source = (
        "import functools\n\n\n@functools.cache\ndef a(x):\n    return x\n\n\ndef b(\n    y,\n):\n    return a(y) + 1\n"
    )
    stub = stub_source(source, number="1.1", hint="h")
    tree = ast.parse(stub)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == ["a", "b"]
    assert functions[0].decorator_list
    assert all(isinstance(f.body[-1], ast.Raise) for f in functions)


def test_stub_drops_demonstrations() -> None:
    source = "def f(x):\n    return x + 1\n\n\nassert f(1) == 2\nprint(f(2))\n"
    stub = stub_source(source, number="2.1", hint="Add one.")
    assert "assert" not in stub and "print" not in stub


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = 3\n", "Assign"),
        ("def f():\n    return 1\n\n\nresult = f()\n", r"line 5 is a Assign \('result = f\(\)'\)"),
        ("for i in range(3):\n    pass\n", "For"),
        ("import numpy as np\n", "at least one function"),
    ],
)
def test_stub_refuses_what_it_cannot_stub(source: str, message: str) -> None:
    with pytest.raises(StubError, match=message):
        stub_source(source, number="1.1", hint="h")


# ---- make_student_copy on a small notebook ----------------------------------------------------


def _small_notebook(extra_use: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cells = [
        nbformat.v4.new_markdown_cell("# 00 Title (标题)"),
        nbformat.v4.new_code_cell("import numpy as np\nfrom helpers.exercises import ch00"),
        nbformat.v4.new_markdown_cell("### Exercise 0.2 Mean squared error"),
        nbformat.v4.new_code_cell("def mse(y, p):\n    return np.mean((y - p) ** 2)", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("ch00.check_mean_squared_error(mse)"),
        nbformat.v4.new_code_cell("print(mse(0.0, 1.0))" if extra_use else "print('after')"),
    ]
    for index, cell in enumerate(cells):
        cell.id = f"t-{index:02d}"
        if cell.cell_type == "code":
            cell.execution_count = index
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {index}\n")]
    nb.cells = cells
    return nb


def test_student_copy_of_a_small_notebook() -> None:
    course = _small_notebook()
    before = nbformat.writes(course)
    student = make_student_copy(course, source_name="00_small.ipynb")
    assert nbformat.writes(course) == before, "the course notebook must not change"
    assert student.cells[0].id == BANNER_ID and "00_small.ipynb" in student.cells[0].source
    copied = student.cells[1:]
    assert [c.id for c in copied] == [c.id for c in course.cells]
    stub, check = copied[3], copied[4]
    assert STUB_TAG in stub.metadata["tags"] and "solution" not in stub.metadata["tags"]
    assert "raise NotImplementedError" in stub.source and "np.exp" not in stub.source
    assert stub.outputs == [] and check.outputs == [] and stub.execution_count is None
    for index in (0, 1, 2, 5):  # everything else is kept, outputs included
        assert copied[index] == course.cells[index]
    nbformat.validate(student)


def test_student_copy_refuses_a_later_use_of_the_solution() -> None:
    course = _small_notebook(extra_use=True)
    assert solution_uses(course) and "cell 5" in solution_uses(course)[0]
    with pytest.raises(StubError, match="uses mse"):
        make_student_copy(course)


def test_a_cell_with_a_magic_is_no_problem() -> None:
    course = _small_notebook()
    course.cells[5].source = "%timeit mse(0.0, 1.0)"  # not Python: skipped, not a crash
    assert solution_uses(course) == []
    make_student_copy(course)


def test_student_copy_needs_a_check_after_each_solution() -> None:
    course = _small_notebook()
    del course.cells[4]
    with pytest.raises(StubError, match="no check cell"):
        make_student_copy(course)


def test_command_line_writes_the_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "00_small.ipynb"
    nbformat.write(_small_notebook(), source)
    assert _main([str(source), "--out", str(tmp_path / "student")]) == 0
    assert (tmp_path / "student" / "00_small.ipynb").exists()
    assert "1 student notebooks written" in capsys.readouterr().out
    nbformat.write(_small_notebook(extra_use=True), source)
    assert _main([str(source), "--out", str(tmp_path / "student")]) == 1
    assert "uses mse" in capsys.readouterr().err


# ---- every course notebook --------------------------------------------------------------------


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=[p.stem for p in COURSE_NOTEBOOKS])
def test_course_notebook_has_a_working_student_copy(path: Path) -> None:
    """The copy keeps every cell but the solutions and their checks, and each check, called on
    its stub, says "not done yet" with the hint rather than crashing or passing."""
    course = nbformat.read(path, as_version=4)
    student = make_student_copy(course, source_name=path.name)
    copied = student.cells[1:]
    assert [c.id for c in copied] == [c.id for c in course.cells]
    stubs = [i for i, c in enumerate(copied) if STUB_TAG in c.metadata.get("tags", [])]
    assert len(stubs) == sum("solution" in c.metadata.get("tags", []) for c in course.cells)
    checks = [
        next(j for j in range(i + 1, len(copied)) if copied[j].cell_type == "code" and _is_check(copied[j]))
        for i in stubs
    ]
    for index, (mine, theirs) in enumerate(zip(copied, course.cells, strict=True)):
        if index not in stubs and index not in checks:
            assert mine == theirs, f"cell {index} changed"
        if index in checks:
            assert mine.source == theirs.source and mine.outputs == []
    for index, check in zip(stubs, checks, strict=True):
        namespace: dict = {"np": np}
        exec(compile("from __future__ import annotations\n" + copied[index].source, path.name, "exec"), namespace)
        for statement in ast.parse(copied[check].source).body:
            if not _check_call(statement):
                continue  # e.g. chapter 12's closing timing line
            module, function = _check_call(statement)  # type: ignore[misc]
            namespace[module] = importlib.import_module(f"helpers.exercises.{module}")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(ast.Module([statement], type_ignores=[]), path.name, "exec"), namespace)
            assert f"{NOT_DONE}. Hint: " in out.getvalue(), (function, out.getvalue())


def _is_check(cell: nbformat.NotebookNode) -> bool:
    return any(map(_check_call, ast.parse(cell.source).body))


def test_a_student_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    """End to end on a quick chapter: the student copy executes from a fresh kernel without an
    error, and each check reports "not done yet". (Every other chapter's copy differs from its
    course notebook, which nbval runs, only in the cells the test above checks.)"""
    from helpers.notebooks import execute

    path = ROOT / "notebooks" / "04_losses_and_gradient_descent.ipynb"
    target = tmp_path / path.name
    nbformat.write(make_student_copy(nbformat.read(path, as_version=4), source_name=path.name), target)
    execute(target, timeout=300)
    executed = nbformat.read(target, as_version=4)
    verdicts = [
        "".join(o.get("text", "") for o in cell.outputs)
        for cell in executed.cells
        if cell.cell_type == "code" and any(map(_check_call, ast.parse(cell.source).body))
    ]
    assert verdicts and all(f"{NOT_DONE}. Hint: " in v for v in verdicts), verdicts
    assert not any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
