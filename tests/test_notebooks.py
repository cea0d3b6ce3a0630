"""``helpers.notebooks``: the stored notebooks are clean, ``problems()`` catches each defect, ``execute()`` works."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.notebooks import (
    blas_environment,
    cpu_class,
    execute,
    kernel_environment,
    problems,
    reference_cpu,
)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_notebook_has_no_problems(path):
    found = problems(path)
    assert found == [], f"{path.name}: {found} (fix, then `python -m helpers.notebooks execute {path.name}`)"


# ---------------------------------------------------------------------------------------------
# problems() on small notebooks built here


def _stdout(text: str):
    return new_output("stream", name="stdout", text=text)


def _good_notebook() -> nbformat.NotebookNode:
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# 01 Test (测试)\n\nWhat this chapter does."),
            new_code_cell(
                "import helpers\nhelpers.setup()",
                execution_count=1,
                outputs=[_stdout("Course setup: seed 42 (default); Python and NumPy seeded.\n")],
            ),
            new_markdown_cell("## Exercises\n\n### Exercise 1.1 Double it\n\nWrite `double(x)`."),
            new_code_cell("def double(x):\n    return 2 * x", execution_count=2, metadata={"tags": ["solution"]}),
            new_code_cell(
                "from helpers.exercises import ch01\n\nch01.check_double(double)",
                execution_count=3,
                outputs=[_stdout("Exercise 1.1 (double it): correct.\n")],
            ),
            new_markdown_cell("### Exercise 1.2 Halve it"),
            new_code_cell("def halve(x):\n    return x / 2", execution_count=4, metadata={"tags": ["solution"]}),
            new_code_cell("ch01.check_halve(halve)", execution_count=5),
        ]
    )
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return notebook


def _problems_of(notebook: nbformat.NotebookNode, tmp_path: Path) -> list[str]:
    path = tmp_path / "01_test.ipynb"
    nbformat.write(notebook, path)
    return problems(path)


def test_a_well_formed_notebook_has_no_problems(tmp_path):
    assert _problems_of(_good_notebook(), tmp_path) == []


def _counts_out_of_order(nb):
    nb.cells[3].execution_count, nb.cells[4].execution_count = 3, 2


def _count_missing(nb):
    nb.cells[7].execution_count = None


def _error_output(nb):
    nb.cells[4].outputs.append(new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]))


def _stderr_output(nb):
    nb.cells[1].outputs.append(new_output("stream", name="stderr", text="WARNING: something\n"))


def _machine_path(path):
    def mutate(nb):
        nb.cells[4].outputs = [_stdout(f"saved to {path}\n")]

    return mutate


def _machine_path_in_a_result(nb):
    nb.cells[4].outputs = [
        new_output("execute_result", data={"text/plain": "PosixPath('/home/alice/x')"}, execution_count=3)
    ]


def _no_title(nb):
    nb.cells[0].source = "Just some text (一些文字)."


def _title_without_chinese(nb):
    nb.cells[0].source = "# 01 Test"


def _first_code_cell_without_setup(nb):
    nb.cells[1].source = "import helpers"


def _exercise_without_solution(nb):
    nb.cells[3].metadata = {}


def _solution_without_check(nb):
    nb.cells[4].source = "print('no check here')"


def _solution_used_later(nb):
    nb.cells[7].source = "ch01.check_halve(halve)\nprint(double(8))"


def _nbval_marker_with_text(nb):
    nb.cells[1].source = "# NBVAL_IGNORE_OUTPUT -- the reason\n" + nb.cells[1].source


def _solution_not_stubbable(nb):
    nb.cells[3].source = "def double(x):\n    return 2 * x\n\n\nfactor = 2"


def _check_before_solution(nb):
    nb.cells[3], nb.cells[4] = nb.cells[4], nb.cells[3]
    nb.cells[3].execution_count, nb.cells[4].execution_count = 2, 3


def _empty_code_cell(nb):
    nb.cells.append(new_code_cell(""))


def _solution_tag_on_markdown(nb):
    nb.cells[2].metadata["tags"] = ["solution"]


def _kernel_not_python3(nb):
    nb.metadata["kernelspec"]["name"] = "other"


DEFECTS = {
    "counts out of order": (_counts_out_of_order, "not stored as one fresh run: execution counts [1, 3, 2, 4, 5]"),
    "a cell never run": (_count_missing, "not stored as one fresh run"),
    "error output": (_error_output, "cell 4: stored error output ZeroDivisionError"),
    "stderr": (_stderr_output, "cell 1: stored stderr output 'WARNING: something\\n'"),
    "/home/alice/x": (_machine_path("/home/alice/x"), "machine-specific path in an output (/home/alice/)"),
    "/root/": (_machine_path("/root/data.csv"), "machine-specific path"),
    "/Users/bob/": (_machine_path("/Users/bob/data.csv"), "machine-specific path"),
    "/tmp/": (_machine_path("/tmp/tmpa1b2c3/data.csv"), "machine-specific path"),
    "C:\\Users\\bob\\": (_machine_path("C:\\Users\\bob\\data.csv"), "machine-specific path"),
    "path in a result": (_machine_path_in_a_result, "machine-specific path"),
    "no title": (_no_title, "first cell is not a title"),
    "title without Chinese": (_title_without_chinese, "first cell is not a title"),
    "no setup": (_first_code_cell_without_setup, "first code cell does not call helpers.setup("),
    "exercise without solution": (_exercise_without_solution, "exercise 1.1: no code cell tagged 'solution'"),
    "solution without check": (_solution_without_check, "exercise 1.1: no check (chNN.check_...(...)) after its"),
    "check before solution": (_check_before_solution, "exercise 1.1: no check"),
    "empty code cell": (_empty_code_cell, "has an empty code cell"),
    "solution used later": (
        _solution_used_later,
        "student copy would fail: cell 7, line 2: uses double (the solution of cell 3)",
    ),
    "nbval marker with text": (_nbval_marker_with_text, "cell 1: '# NBVAL_IGNORE_OUTPUT -- the reason' is not"),
    "solution not stubbable": (_solution_not_stubbable, "cell 3: no student stub can be made"),
    "solution tag on markdown": (_solution_tag_on_markdown, "cell 2: tagged 'solution' but is not a code cell"),
    "kernel": (_kernel_not_python3, "kernelspec is not python3"),
    "reference CPU": (
        lambda nb: nb.metadata.setdefault("course", {}).update(reference_cpu="avx512"),
        "metadata.course.reference_cpu is 'avx512'; expected one of",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_problems_catches_each_defect(defect, tmp_path):
    mutate, expected = DEFECTS[defect]
    notebook = copy.deepcopy(_good_notebook())
    mutate(notebook)
    found = _problems_of(notebook, tmp_path)
    assert len(found) == 1, f"{defect}: expected exactly one problem, got {found}"
    assert expected in found[0], f"{defect}: expected {expected!r} in {found[0]!r}"


def test_execute_stores_consecutive_prints_as_one_stream():
    from helpers.notebooks import _merge_streams

    outputs = [_stdout("a\n"), _stdout("b\n"), new_output("stream", name="stderr", text="w\n"), _stdout("c\n")]
    outputs.insert(3, new_output("display_data", data={"text/plain": "<Figure>"}))
    outputs.append(_stdout("d\n"))
    merged = _merge_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "w\n"),
        ("display_data", None, None),
        ("stream", "stdout", "c\nd\n"),
    ]


def test_problems_reports_an_invalid_notebook(tmp_path):
    notebook = json.loads(nbformat.writes(_good_notebook()))
    notebook["cells"][1]["outputs"].append({"output_type": "stream", "name": "stdout"})  # no "text"
    path = tmp_path / "01_test.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert any(p.startswith("not a valid notebook") for p in problems(path)), problems(path)


# ---------------------------------------------------------------------------------------------
# nbval_sanitize.cfg


def test_sanitize_config_replacements_keep_their_trailing_space():
    lines = (REPO / "nbval_sanitize.cfg").read_text(encoding="utf-8").splitlines()
    replaces = [(number, line) for number, line in enumerate(lines, 1) if line.startswith("replace:")]
    assert replaces, "nbval_sanitize.cfg has no replace: lines"
    for number, line in replaces:
        if not line[len("replace:") :].strip():
            assert line == "replace: ", (
                f"nbval_sanitize.cfg line {number} is {line!r}: an empty replacement must be exactly 'replace: ' "
                "(one trailing space; nbval parses ^replace: (.*)$)"
            )


def test_sanitize_config_regexes_compile_and_pair_with_a_replacement():
    lines = (REPO / "nbval_sanitize.cfg").read_text(encoding="utf-8").splitlines()
    regexes = [line[len("regex: ") :] for line in lines if line.startswith("regex:")]
    replaces = [line for line in lines if line.startswith("replace:")]
    assert regexes and len(regexes) == len(replaces), "every regex: line needs one replace: line"
    for regex in regexes:
        re.compile(regex)  # raises re.error, naming the pattern, if it does not compile


def test_sanitize_config_replaces_what_it_says():
    text = (REPO / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    rules = re.findall(r"^regex: (.*)\nreplace: (.*)$", text, re.M)
    sample = "\x1b[31mred\x1b[0m 12/12 ━━ 3ms/step   \n⏱ 1.25 s"
    for regex, replacement in rules:
        sample = re.sub(regex, replacement, sample)
    assert sample == "red 12/12 ━━ TIME/step\n⏱ TIME", repr(sample)


# ---------------------------------------------------------------------------------------------
# execute() and the kernel's environment


def test_kernel_environment_is_reproducible(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "7")
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    env = kernel_environment()
    assert env["PYTHONHASHSEED"] == "0"
    assert "COURSE_SEED" not in env


def test_kernel_environment_pins_openblas_kernels_on_x86_with_avx2(monkeypatch):
    import helpers.notebooks as nb

    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    for cpu, expected in [("x86-64-avx512", "Haswell"), ("x86-64-avx2", "Haswell"), ("x86-64", None), ("arm64", None)]:
        monkeypatch.setattr(nb, "cpu_class", lambda cpu=cpu: cpu)
        assert blas_environment().get("OPENBLAS_CORETYPE") == expected, cpu
        assert kernel_environment().get("OPENBLAS_CORETYPE") == expected, cpu
    monkeypatch.setenv("OPENBLAS_CORETYPE", "SkylakeX")  # a reader's own choice is kept
    monkeypatch.setattr(nb, "cpu_class", lambda: "x86-64-avx512")
    assert blas_environment() == {}
    assert kernel_environment()["OPENBLAS_CORETYPE"] == "SkylakeX"


@pytest.mark.parametrize(
    ("machine", "flags", "expected"),
    [
        ("x86_64", "fpu sse2 avx avx2 fma avx512f avx512bw", "x86-64-avx512"),
        ("x86_64", "fpu sse2 avx avx2 fma", "x86-64-avx2"),
        ("AMD64", "fpu sse2 avx", "x86-64"),
        ("arm64", None, "arm64"),
        ("aarch64", None, "aarch64"),
    ],
)
def test_cpu_class_reads_the_instruction_set(machine, flags, expected, monkeypatch, tmp_path):
    import platform

    monkeypatch.setattr(platform, "machine", lambda: machine)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    real_path = Path

    def fake_path(*args):
        return cpuinfo if args == ("/proc/cpuinfo",) else real_path(*args)

    monkeypatch.setattr("helpers.notebooks.Path", fake_path)
    assert cpu_class() == expected


def test_cpu_class_of_this_machine_is_a_known_class():
    from helpers.notebooks import _CPU_CLASSES

    assert cpu_class() in _CPU_CLASSES


def test_notebooks_tied_to_a_cpu_class_name_a_known_one():
    from helpers.notebooks import _CPU_CLASSES

    tied = {}
    for path in NOTEBOOKS:
        made_on = reference_cpu(nbformat.read(path, as_version=4))
        if made_on is not None:
            tied[path.name] = made_on
    # The TensorFlow-trained case studies: their stored floats depend on the CPU class (conftest.py).
    assert set(tied) == {
        "10_case_review_sentiment.ipynb",
        "11_case_image_cnn.ipynb",
        "14_case_diagnosis.ipynb",
        "17_efficiency_and_scale.ipynb",
    }, tied
    assert set(tied.values()) <= _CPU_CLASSES
    assert len(set(tied.values())) == 1, f"made on different CPU classes: {tied}"


def test_execute_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="existing .ipynb file"):
        execute(tmp_path / "missing.ipynb")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="existing .ipynb file"):
        execute(text)
    stub = tmp_path / "01_stub.ipynb"
    nbformat.write(_good_notebook(), stub)
    with pytest.raises(ValueError, match="`timeout` must be a positive number"):
        execute(stub, timeout=0)


TIMING = {"iopub.status.idle": "2025-01-01T00:00:00.000000Z"}  # what nbclient's record_timing stores


def test_execute_stores_a_fresh_run(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "7")  # the kernel must not see it: stored outputs use the default seed
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# 01 Test (测试)"),
            new_code_cell("import helpers\nhelpers.setup(tensorflow=False, plots=False)", execution_count=7),
            new_code_cell("print(1+1)", outputs=[_stdout("stale\n")], execution_count=3),
            new_code_cell("import os\nprint(os.environ['PYTHONHASHSEED'])", metadata={"execution": TIMING}),
        ]
    )
    path = tmp_path / "01_test.ipynb"
    nbformat.write(notebook, path)

    seconds = execute(path, timeout=60)

    assert seconds > 0
    done = nbformat.read(path, as_version=4)
    code = [cell for cell in done.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2, 3]
    outputs = [[o.get("text", o.get("data", {}).get("text/plain")) for o in cell.outputs] for cell in code]
    assert outputs == [
        ["Course setup: seed 42 (default); Python and NumPy seeded.\n", "42"],  # setup() returns the seed
        ["2\n"],
        ["0\n"],  # PYTHONHASHSEED
    ], outputs
    assert [c.metadata for c in done.cells if "execution" in c.metadata] == [], "timing metadata was stored"
    assert done.metadata["kernelspec"]["name"] == "python3"
    assert problems(path) == []
    assert os.environ["COURSE_SEED"] == "7", "execute() must restore this process's environment"


def _run_nbval_on(tmp_path: Path, made_on: str, source: str = "print(1 + 1)") -> subprocess.CompletedProcess[str]:
    """nbval, with the course's conftest.py, on a one-cell notebook whose stored output is wrong."""
    import shutil

    shutil.copy(REPO / "conftest.py", tmp_path / "conftest.py")
    notebook = new_notebook(cells=[new_code_cell(source, outputs=[_stdout("3\n")], execution_count=1)])
    notebook.metadata["course"] = {"reference_cpu": made_on}
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = tmp_path / "14_case_diagnosis.ipynb"  # a chapter's name: conftest.py looks up its time budget
    nbformat.write(notebook, path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider"]
    command += ["-c", os.devnull, "--rootdir", str(tmp_path), str(path)]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_outputs_tied_to_another_cpu_class_are_not_compared_and_the_run_says_so(tmp_path):
    other = "x86-64-avx2" if cpu_class() != "x86-64-avx2" else "x86-64-avx512"
    run = _run_nbval_on(tmp_path, other)
    assert run.returncode == 0, run.stdout[-2000:]
    assert f"14_case_diagnosis.ipynb: outputs made on {other}, this machine is {cpu_class()}" in run.stdout


def test_assertions_of_a_notebook_tied_to_another_cpu_class_still_fail(tmp_path):
    other = "x86-64-avx2" if cpu_class() != "x86-64-avx2" else "x86-64-avx512"
    run = _run_nbval_on(tmp_path, other, source="print(1 + 1)\nassert 1 + 1 == 3")
    assert run.returncode == 1, run.stdout[-2000:]
    assert "AssertionError" in run.stdout


def test_outputs_tied_to_this_cpu_class_are_compared_exactly(tmp_path):
    run = _run_nbval_on(tmp_path, cpu_class())
    assert run.returncode == 1, run.stdout[-2000:]
    assert "Cell outputs differ" in run.stdout
    assert "not compared on this CPU" not in run.stdout
