"""Execute the course notebooks and check that they are stored the way readers and nbval need.

From the shell::

    python -m helpers.notebooks execute notebooks/03_neurons_and_activations.ipynb
    python -m helpers.notebooks execute notebooks/*.ipynb      # what `make notebooks` runs
    python -m helpers.notebooks check notebooks/*.ipynb        # hygiene only, no execution

``execute`` runs each notebook top to bottom in a fresh kernel of *this* Python environment,
exactly as the test suite's nbval run does (same kernel, ``PYTHONHASHSEED=0``, OpenBLAS's
kernels pinned by :func:`blas_environment`, the default seed, TensorFlow's C++ log lines not
captured), and stores the outputs. ``check`` reports what :func:`problems` finds. See ``docs/making_a_chapter.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

__all__ = [
    "execute",
    "problems",
    "kernel_environment",
    "blas_environment",
    "cpu_class",
    "reference_cpu",
    "REFERENCE_CPU_KEY",
    "SOLUTION_TAG",
]

SOLUTION_TAG = "solution"
"""Cells with this tag hold an exercise's solution; student copies replace them with a stub."""

# Paths that only exist on one machine must never appear in a stored output.
_MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/Users/[^/\s]+/|/tmp/|/private/var/|[A-Z]:\\\\Users\\\\)")
_EXERCISE_HEADING = re.compile(r"^#{2,4} Exercise (\d+\.\d+)", re.M)
_CHECK_CALL = re.compile(r"\bch\d\d\.check_\w+\(")
_NBVAL_MARKERS = {"NBVAL_IGNORE_OUTPUT", "NBVAL_CHECK_OUTPUT", "NBVAL_RAISES_EXCEPTION", "NBVAL_SKIP"}
_CPU_CLASSES = {"x86-64-avx512", "x86-64-avx2", "x86-64", "arm64", "aarch64"}
_TITLE = re.compile(r"^# (\d\d|Glossary)\b.*[\u4e00-\u9fff]", re.M)


REFERENCE_CPU_KEY = "reference_cpu"
"""Key in a notebook's ``metadata["course"]``: the CPU class whose floats its stored outputs hold.

Set only on notebooks whose outputs differ between CPU classes (TensorFlow picks its matrix
kernels at run time; see ``docs/making_a_chapter.md``, "Known traps"). On a CPU of another class
the test suite runs such a notebook's assertions without comparing its outputs; see ``conftest.py``.
"""


def cpu_class() -> str:
    """The instruction-set class that decides which float kernels NumPy and TensorFlow run.

    Returns ``"x86-64-avx512"``, ``"x86-64-avx2"`` (AVX2 and FMA, no AVX-512), ``"x86-64"``
    (older x86), or the machine name (``"arm64"``, ``"aarch64"``) elsewhere. On x86 outside
    Linux, where ``/proc/cpuinfo`` is missing, the answer is plain ``"x86-64"``.
    """
    import platform

    machine = platform.machine().lower()
    if machine not in ("x86_64", "amd64"):
        return machine or "unknown"
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "x86-64"
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            break
    if "avx512f" in flags:
        return "x86-64-avx512"
    if {"avx2", "fma"} <= flags:
        return "x86-64-avx2"
    return "x86-64"


def blas_environment() -> dict[str, str]:
    """Variables that make NumPy's matrix products the same on every x86 CPU with AVX2.

    OpenBLAS picks its kernels by CPU model: AVX-512 machines get other kernels than AVX2 ones,
    and sums differ in their last bits. ``OPENBLAS_CORETYPE=Haswell`` makes every x86 CPU with
    AVX2 run the AVX2 kernels. A value already set is kept; on other CPUs nothing is set.
    """
    if cpu_class() in ("x86-64-avx512", "x86-64-avx2") and "OPENBLAS_CORETYPE" not in os.environ:
        return {"OPENBLAS_CORETYPE": "Haswell"}
    return {}


def reference_cpu(notebook: Any) -> str | None:
    """The CPU class a notebook's outputs are tied to, or ``None`` when they reproduce on any.

    ``notebook`` is a notebook read by ``nbformat`` (or its JSON as a dict).
    """
    course = notebook.get("metadata", {}).get("course", {})
    value = course.get(REFERENCE_CPU_KEY)
    return value if isinstance(value, str) else None


def kernel_environment() -> dict[str, str]:
    """The environment for a notebook kernel: this process's, made reproducible.

    ``PYTHONHASHSEED=0`` fixes the iteration order of sets of strings, :func:`blas_environment`
    fixes OpenBLAS's kernels, and ``COURSE_SEED`` is removed so that stored outputs always come
    from the default seed.
    """
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.update(blas_environment())
    env.pop("COURSE_SEED", None)
    return env


def _kernel_manager() -> Any:
    """A kernel manager for a python kernel of the current environment (as nbval's --nbval-current-env)."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    class CurrentEnvKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> Any:
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
            )

    return KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvKernelSpecs())


def execute(path: str | Path, *, timeout: int = 600) -> float:
    """Run notebook ``path`` from a fresh kernel, top to bottom, and store its outputs.

    The kernel does not capture what C++ libraries write straight to the process's stderr
    (TensorFlow's start-up lines); nbval does not see them either, so stored outputs match
    what the test suite reproduces.

    Parameters
    ----------
    path:
        The ``.ipynb`` file; it is overwritten with the executed notebook.
    timeout:
        Seconds one cell may run before execution is abandoned.

    Returns
    -------
    float
        The wall-clock seconds the execution took (kernel start included).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"`path` must be an existing .ipynb file, got {str(path)!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"`timeout` must be a positive number of seconds, got {timeout!r}.")

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        km=_kernel_manager(),
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    saved_env = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_environment())  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    if reference_cpu(notebook) is not None:  # outputs tied to a CPU class: now to this one
        notebook.metadata["course"][REFERENCE_CPU_KEY] = cpu_class()
    nbformat.write(notebook, path)
    return seconds


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive stream outputs of the same name (stdout, stderr) into one.

    How a cell's printed text is split into stream messages depends on timing (a busy machine
    splits it more), so the stored notebook would change from run to run without this; nbval
    compares the joined text anyway.
    """
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def problems(path: str | Path) -> list[str]:
    """List what is wrong with how notebook ``path`` is stored (an empty list: nothing).

    A notebook must be stored as one fresh top-to-bottom run (execution counts 1, 2, 3, ...
    for every non-empty code cell), with no error output, nothing on stderr, no path that
    exists on one machine only, a title ``# NN English title (中文)``, a first code cell that
    calls ``helpers.setup(``, and for every ``### Exercise N.M`` heading a solution cell
    tagged ``solution`` followed by a cell that calls its check, ``chNN.check_...(...)`` from
    :mod:`helpers.exercises`; solution cells a student copy can stub, whose functions no later
    cell uses outside the check (see :mod:`helpers.student`).
    """
    import nbformat

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    found: list[str] = []
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        found.append(f"not a valid notebook: {error.message}")

    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"not stored as one fresh run: execution counts {counts} (run `make notebooks`)")
    if any(c.cell_type == "code" and not c.source.strip() for c in notebook.cells):
        found.append("has an empty code cell")
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                found.append(f"cell {index}: stored error output {output.get('ename')}")
            if kind == "stream" and output.get("name") == "stderr":
                found.append(f"cell {index}: stored stderr output {output.get('text', '')[:60]!r}")
            # Every text a reader can see: streams, tracebacks, and the text-like data (not images,
            # whose base64 may contain "/tmp/" by chance).
            data = {k: v for k, v in output.get("data", {}).items() if not k.startswith("image/")}
            text = json.dumps([output.get("text", ""), output.get("traceback", []), data])
            match = _MACHINE_PATH.search(text)
            if match:
                found.append(f"cell {index}: a machine-specific path in an output ({match.group(0)})")
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                comment = line.strip().lstrip("#").strip() if line.strip().startswith("#") else ""
                if "NBVAL_" in comment and comment not in _NBVAL_MARKERS:
                    found.append(
                        f"cell {index}: {line.strip()!r} is not an nbval marker, which must stand alone on its "
                        f"line (e.g. '# NBVAL_IGNORE_OUTPUT'); put the reason on the next line"
                    )
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags and cell.cell_type != "code":
            found.append(f"cell {index}: tagged {SOLUTION_TAG!r} but is not a code cell")

    # Student copies (helpers.student) replace each solution by a stub: it must be stubbable, and
    # nothing but its check may use it, or the copy stops with NotImplementedError.
    from .student import StubError, solution_uses, stub_source

    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", []):
            try:
                stub_source(cell.source, number="N.M", hint="-")
            except (StubError, SyntaxError) as error:
                found.append(f"cell {index}: no student stub can be made of this solution cell: {error}")
    found += [f"student copy would fail: {use}" for use in solution_uses(notebook)]

    made_on = notebook.metadata.get("course", {}).get(REFERENCE_CPU_KEY)
    if made_on is not None and made_on not in _CPU_CLASSES:
        found.append(f"metadata.course.{REFERENCE_CPU_KEY} is {made_on!r}; expected one of {sorted(_CPU_CLASSES)}")
    if notebook.metadata.get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec is not python3")
    if not notebook.cells or notebook.cells[0].cell_type != "markdown" or not _TITLE.search(notebook.cells[0].source):
        found.append("first cell is not a title '# NN English title (中文 title)'")
    if code and "helpers.setup(" not in code[0].source:
        found.append("first code cell does not call helpers.setup(")

    # Every exercise: heading, then a solution cell, then a check cell, before the next heading.
    for position, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for number in _EXERCISE_HEADING.findall(cell.source):
            following = []
            for later in notebook.cells[position + 1 :]:
                if later.cell_type == "markdown" and _EXERCISE_HEADING.search(later.source):
                    break
                following.append(later)
            solution = [i for i, c in enumerate(following) if SOLUTION_TAG in c.metadata.get("tags", [])]
            checks = [i for i, c in enumerate(following) if c.cell_type == "code" and _CHECK_CALL.search(c.source)]
            if not solution:
                found.append(f"exercise {number}: no code cell tagged {SOLUTION_TAG!r}")
            elif not checks or checks[-1] < solution[0]:
                found.append(f"exercise {number}: no check (chNN.check_...(...)) after its solution cell")
    return found


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.notebooks", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["execute", "check"])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (execute)")
    args = parser.parse_args(argv)
    status = 0
    for path in args.paths:
        if args.command == "execute":
            print(f"{path}: executed in {execute(path, timeout=args.timeout):.1f} s", flush=True)
        for problem in problems(path):
            print(f"{path}: {problem}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(_main())
