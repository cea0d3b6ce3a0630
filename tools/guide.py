"""The instructor's guide (``docs/guide/``): its generated parts, and the measured notebook times.

The guide's pages mix prose written by hand (what to demo live, how to run a session) with
parts computed from the course itself, so that they cannot drift from it:

- the index's chapter table, from :data:`helpers.course.CHAPTERS`, :data:`PREREQUISITES` and
  the recorded times;
- on each chapter page: the summary (session length, measured time, prerequisites, whether the
  chapter needs TensorFlow), the learning goals (the notebook's own goals cell), the exercises
  with their typical mistakes (the named messages of the checks in ``helpers/exercises/chNN.py``)
  and the items of the chapter's errata section;
- in ``workshop.md``: the chapters that need TensorFlow (found by scanning the notebooks' code)
  and the 1-day and 3-day timing plans.

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``;
everything outside the markers is left alone. From the repository root::

    python -m tools.guide --record   # copy build/notebook_times.json (written by every test run)
                                     # into docs/guide/notebook_times.json, with the machine noted
    python -m tools.guide            # rewrite the generated parts of docs/guide/*.md
    python -m tools.guide --check    # exit 1 if a generated part is stale (CI)

Times are never typed in by hand: they come from the test suite's own measurement (the root
``conftest.py`` sums each notebook's nbval time and writes ``build/notebook_times.json``).
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import math
import os
import platform
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python -m tools.guide` from the root has it; an import from elsewhere may not
    sys.path.insert(0, str(REPO))

from helpers.course import CHAPTERS, Chapter  # noqa: E402 - needs the path above

GUIDE = REPO / "docs" / "guide"
NOTEBOOKS = REPO / "notebooks"
EXERCISES = REPO / "helpers" / "exercises"
TIMES_FILE = GUIDE / "notebook_times.json"
BUILD_TIMES = REPO / "build" / "notebook_times.json"

PREREQUISITES: dict[str, tuple[str, ...]] = {
    "00": (),
    "01": ("00",),
    "02": ("00",),
    "03": ("00",),
    "04": ("03",),
    "05": ("03", "04"),
    "06": ("04", "05"),
    "07": ("04", "06"),
    "08": ("02", "06", "07"),
    "09": ("03", "05", "06"),
    "10": ("02", "08"),
    "11": ("02", "08"),
    "12": ("02", "04", "07"),
    "13": ("02", "05"),
    "14": ("02", "05", "13"),
    "15": ("09", "10"),
    "16": ("02", "13"),
    "17": ("01", "07"),
    "18": ("02", "06"),
    "19": (),
    "—": (),
}
"""For each chapter, the chapters a learner should have done first (written by hand).

A chapter is listed when the notebook uses what it teaches without re-deriving it: e.g. 06's
backpropagation uses 05's ∂L/∂z = p − y; the cases (10–16) use 02's splits and metrics. 00 is
implied for every chapter and listed only for 01–03. Chapter 19 and the glossary are reference
chapters: each erratum names the chapter that teaches its topic.
"""

# How a session's length is derived (stated in the index; see session_minutes).
PROSE_WORDS_PER_MINUTE = 100  # teaching pace: reading the prose aloud, explaining and discussing
MINUTES_PER_CODE_CELL = 1.0  # run it, read its output
MINUTES_PER_EXERCISE = 10  # learners write it, run the check, the teacher answers questions
SESSION_STEP_MINUTES = 15  # sessions are planned in quarter hours

TF_MODULES = ("tensorflow", "keras", "tf_keras")


# --------------------------------------------------------------------------------------------- reading the course


def page_name(chapter: Chapter) -> str:
    """The guide page of ``chapter``: ``"03.md"``, or ``"glossary.md"`` for the glossary."""
    return "glossary.md" if chapter.number == "—" else f"{chapter.number}.md"


@cache  # one process reads each notebook once; the generated parts read it many times
def _cells(chapter: Chapter, kind: str) -> tuple[str, ...]:
    path = NOTEBOOKS / chapter.notebook
    if not path.is_file():
        raise FileNotFoundError(f"chapter {chapter.number}: notebook {path} not found; is `notebooks/` complete?")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return tuple("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == kind)


def learning_goals(chapter: Chapter) -> list[str]:
    """The bullets under "you will be able to" in the notebook's first cell (its goals cell)."""
    first = _cells(chapter, "markdown")[0]
    lines = first.splitlines()
    for i, line in enumerate(lines):
        if "will be able to" in line:
            goals = []
            for bullet in lines[i + 1 :]:
                if bullet.startswith("- "):
                    goals.append(bullet[2:].strip())
                elif goals and bullet.startswith(" ") and bullet.strip():
                    goals[-1] += " " + bullet.strip()  # a bullet wrapped onto the next line
                elif goals and bullet.strip():
                    break
            if goals:
                return goals
    raise ValueError(
        f"chapter {chapter.number}: the first cell of {chapter.notebook} has no '... will be able to' list; "
        f"add one (see docs/making_a_chapter.md)."
    )


@dataclass(frozen=True)
class Exercise:
    """One exercise: its number, the notebook's heading, its check and the check's named mistakes."""

    number: str
    title: str
    check: str
    hint: str
    mistakes: tuple[str, ...]


def _render(node: ast.expr) -> str | None:
    """The text of a message expression: literal parts kept, interpolated values shown as ``…``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("…")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _render(node.left), _render(node.right)
        return None if left is None or right is None else left + right
    return None


def _raised_messages(function: ast.AST, helpers_by_name: dict[str, ast.FunctionDef], seen: set[str]) -> list[str]:
    """Messages of ``raise ExerciseFailed(...)`` in ``function`` and in the module's helpers it calls.

    In source order; a helper's messages stand where the helper is called.
    """
    found: list[tuple[int, int, list[str]]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            if isinstance(call.func, ast.Name) and call.func.id == "ExerciseFailed" and call.args:
                text = _render(call.args[0])
                if text is not None:
                    found.append((node.lineno, node.col_offset, [text]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in helpers_by_name and name not in seen:
                seen.add(name)
                found.append(
                    (node.lineno, node.col_offset, _raised_messages(helpers_by_name[name], helpers_by_name, seen))
                )
    messages: list[str] = []
    for _, _, texts in sorted(found, key=lambda item: (item[0], item[1])):
        messages.extend(text for text in texts if text not in messages)
    return messages


def _tidy(message: str) -> str:
    """One line, no trailing space; Markdown table pipes escaped."""
    text = re.sub(r"…{2,}", "…", re.sub(r"\s+", " ", message)).strip()
    return text.replace("|", "\\|")


def exercise_checks(number: str) -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    """The checks of ``helpers/exercises/chNN.py``: exercise number -> (check name, title, hint, mistakes)."""
    path = EXERCISES / f"ch{number}.py"
    if not path.is_file():
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    found: dict[str, tuple[str, str, str, tuple[str, ...]]] = {}
    for function in functions.values():
        for decorator in function.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "exercise"
                and len(decorator.args) >= 2
            ):
                ex_number = ast.literal_eval(decorator.args[0])
                title = ast.literal_eval(decorator.args[1])
                hint = next((_render(k.value) or "" for k in decorator.keywords if k.arg == "hint"), "")
                mistakes = tuple(_tidy(m) for m in _raised_messages(function, functions, {function.name}))
                found[ex_number] = (function.name, title, _tidy(hint), mistakes)
    return found


_EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+(\d+\.\d+)\s+(.+?)\s*$", re.M)


def notebook_exercises(chapter: Chapter) -> dict[str, str]:
    """Exercise number -> title, from the notebook's ``### Exercise N.M Title`` headings."""
    found: dict[str, str] = {}
    for source in _cells(chapter, "markdown"):
        for match in _EXERCISE_HEADING.finditer(source):
            found[match.group(1)] = match.group(2)
    return found


@cache
def exercises(chapter: Chapter) -> tuple[Exercise, ...]:
    """The chapter's exercises, in the notebook's order, each with its check's named mistakes."""
    if chapter.number == "—":
        return ()
    checks = exercise_checks(chapter.number)
    titles = notebook_exercises(chapter)
    result = []
    for number, title in titles.items():
        if number not in checks:
            raise ValueError(
                f"chapter {chapter.number}: the notebook has Exercise {number} but helpers/exercises/"
                f"ch{chapter.number}.py has no @exercise({number!r}, ...) check; add one."
            )
        check, _, hint, mistakes = checks[number]
        result.append(Exercise(number, title, f"ch{chapter.number}.{check}", hint, mistakes))
    return tuple(result)


_ERRATA_HEADING = re.compile(r"^##\s+(?:\d+\s+)?What the articles? gets? wrong.*$|^##\s+.*\(勘误\)\s*$", re.M)


def _first_sentence(text: str) -> str:
    return _tidy(re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0])


def errata_items(chapter: Chapter) -> list[str]:
    """The items of the chapter's errata section.

    Its ``###`` headings; where it has none, its bold paragraph leads and the bold leads of
    numbered items; where it has none of these, the rows of its table ("article, §" and "what
    is true"); failing that, its first sentence. Chapter 19 (all errata) gives its ``###`` headings.
    """
    headings: list[str] = []
    leads: list[str] = []
    rows: list[str] = []
    first_sentence = ""
    inside = False
    for source in _cells(chapter, "markdown"):
        for block in re.split(r"\n\s*\n", source):
            block = block.strip()
            if block.startswith("## "):
                heading, _, block = block.partition("\n")
                if chapter.number == "19":
                    inside = not heading.startswith("## Key terms")
                else:
                    inside = bool(_ERRATA_HEADING.match(heading))
                block = block.strip()
            if not inside or not block:
                continue
            if block.startswith("### "):
                heading, _, block = block.partition("\n")
                if not heading.startswith("### Exercise"):
                    headings.append(_tidy(heading[4:]))
                block = block.strip()
            if chapter.number == "19":
                continue
            lead = re.match(r"\*\*(.+?)\*\*", block)
            numbered = re.findall(r"^\d+\.\s+\*\*(.+?)\*\*:?\s*(.*)$", block, re.M)
            if lead:
                text = _tidy(lead.group(1)).rstrip(".:")
                if len(text) < 20:  # only a section reference, e.g. "002 §3.3": add what it says
                    text += ": " + _first_sentence(block[lead.end() :])
                leads.append(text)
            elif numbered:
                leads += [f"{_tidy(bold).rstrip('.:')}: {_first_sentence(rest)}" for bold, rest in numbered]
            elif block.startswith("|"):
                for line in block.splitlines()[2:]:
                    cells = [c.strip() for c in line.strip().strip("|").split("|")]
                    if len(cells) >= 3:
                        rows.append(f"{_tidy(cells[0])}: {_first_sentence(re.split(r'[;:]', cells[-1])[0])}")
            elif not first_sentence and not block.startswith("#"):
                first_sentence = _first_sentence(block)
    return headings or leads or rows or ([first_sentence] if first_sentence else [])


@cache
def _tf_functions() -> dict[str, set[str]]:
    """helpers module -> names of its functions that import TensorFlow or Keras when called."""
    result: dict[str, set[str]] = {}
    for path in sorted((REPO / "helpers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom) and any(
                        _top(name) in TF_MODULES for name in _imported(inner)
                    ):
                        names.add(node.name)
                        break
        result[path.stem] = names
    return result


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""]


def _top(module: str) -> str:
    return module.split(".")[0]


def _code(chapter: Chapter) -> Iterator[ast.AST]:
    yield from _parsed(chapter)


@cache
def _parsed(chapter: Chapter) -> tuple[ast.AST, ...]:
    return tuple(_parse_cells(chapter))


def _parse_cells(chapter: Chapter) -> Iterator[ast.AST]:
    for source in _cells(chapter, "code"):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            yield ast.parse("\n".join(lines))
        except SyntaxError as error:
            raise ValueError(f"chapter {chapter.number}: a code cell does not parse: {error}") from None


@cache
def _tensorflow_reasons(chapter: Chapter) -> tuple[str, ...]:
    return tuple(_find_tensorflow(chapter))


def tensorflow_reasons(chapter: Chapter) -> list[str]:
    """Why the chapter's notebook needs TensorFlow/Keras (empty: NumPy, pandas and scikit-learn suffice).

    A notebook needs it when a code cell imports ``tensorflow`` or ``keras``, calls
    ``helpers.setup()`` without ``tensorflow=False``, or uses a helpers function that imports
    TensorFlow when called.
    """
    return list(_tensorflow_reasons(chapter))


def _find_tensorflow(chapter: Chapter) -> list[str]:
    tf_functions = _tf_functions()
    reasons: list[str] = []
    for tree in _code(chapter):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _imported(node):
                    if _top(name) in TF_MODULES and f"imports {_top(name)}" not in reasons:
                        reasons.append(f"imports {_top(name)}")
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
                    module = node.module.split(".")[1]
                    for alias in node.names:
                        if alias.name in tf_functions.get(module, set()):
                            reason = f"calls helpers.{module}.{alias.name}"
                            if reason not in reasons:
                                reasons.append(reason)
            if isinstance(node, ast.Call):
                func = node.func
                dotted = ast.unparse(func)
                if dotted in ("helpers.setup", "setup", "helpers.course.setup"):
                    off = any(
                        k.arg == "tensorflow" and isinstance(k.value, ast.Constant) and k.value.value is False
                        for k in node.keywords
                    )
                    if not off and "helpers.setup() with TensorFlow" not in reasons:
                        reasons.append("helpers.setup() with TensorFlow")
                parts = dotted.split(".")
                if len(parts) >= 2:
                    module, name = parts[-2], parts[-1]
                    if name in tf_functions.get(module, set()) and module != "course":
                        reason = f"calls helpers.{module}.{name}"
                        if reason not in reasons:
                            reasons.append(reason)
    return reasons


def tensorflow_chapters() -> list[str]:
    """The numbers of the chapters whose notebooks need TensorFlow/Keras."""
    return [ch.number for ch in CHAPTERS if ch.exists and tensorflow_reasons(ch)]


# --------------------------------------------------------------------------------------------- times and lengths


def load_times(path: Path = TIMES_FILE) -> dict[str, Any]:
    """The recorded times file: ``{"seconds": {notebook: s}, "source": ..., "machine": {...}}``."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `python -m tools.guide --record` after a test run.")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data.get("seconds"), dict):
        raise ValueError(f"{path}: no 'seconds' object; rewrite it with `python -m tools.guide --record`.")
    return data


def seconds_for(chapter: Chapter, times: dict[str, Any]) -> float:
    """The recorded execution time of ``chapter``'s notebook, in seconds."""
    try:
        return float(times["seconds"][chapter.notebook])
    except KeyError:
        raise KeyError(
            f"no recorded time for {chapter.notebook} in {TIMES_FILE.name}; run the notebook tests and "
            f"`python -m tools.guide --record`."
        ) from None


def prose_words(chapter: Chapter) -> int:
    """Words of prose in the notebook (Markdown cells; a CJK character counts as a word)."""
    text = "\n".join(_cells(chapter, "markdown"))
    text = re.sub(r"\$[^$]*\$", " formula ", text)  # a formula is one thing to explain, not many words
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return len(re.findall(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*", text)) + cjk


def session_minutes(chapter: Chapter, times: dict[str, Any]) -> int:
    """Suggested session length, minutes: prose at teaching pace + code cells + exercises + run time.

    ``words / PROSE_WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * code cells + MINUTES_PER_EXERCISE *
    exercises + measured run time``, rounded up to a quarter hour.
    """
    minutes = (
        prose_words(chapter) / PROSE_WORDS_PER_MINUTE
        + MINUTES_PER_CODE_CELL * len(_cells(chapter, "code"))
        + MINUTES_PER_EXERCISE * len(exercises(chapter))
        + seconds_for(chapter, times) / 60
    )
    return int(math.ceil(minutes / SESSION_STEP_MINUTES) * SESSION_STEP_MINUTES)


def hours(minutes: int) -> str:
    """``"1 h 45 min"`` for 105."""
    h, m = divmod(minutes, 60)
    if not h:
        return f"{m} min"
    return f"{h} h" if not m else f"{h} h {m:02d} min"


def _chapter_ref(number: str) -> str:
    chapter = next(ch for ch in CHAPTERS if ch.number == number)
    return f"[{number}]({page_name(chapter)})"


# --------------------------------------------------------------------------------------------- generated parts


def index_table(times: dict[str, Any]) -> str:
    """The index's table of every chapter."""
    lines = [
        "| # | chapter | 中文 | session | prerequisites | measured run (2-core CPU) | budget |",
        "|---|---|---|---|---|---|---|",
    ]
    for ch in CHAPTERS:
        prereq = ", ".join(_chapter_ref(p) for p in PREREQUISITES[ch.number]) or "none"
        lines.append(
            f"| {ch.number} | [{ch.title}]({page_name(ch)}) | {ch.chinese} | {hours(session_minutes(ch, times))} "
            f"| {prereq} | {seconds_for(ch, times):.1f} s | {ch.budget_seconds} s |"
        )
    total_minutes = sum(session_minutes(ch, times) for ch in CHAPTERS)
    total_seconds = sum(seconds_for(ch, times) for ch in CHAPTERS)
    lines.append(f"| | **all** | | **{hours(total_minutes)}** | | **{total_seconds:.1f} s** | |")
    return "\n".join(lines)


def times_note(times: dict[str, Any]) -> str:
    """Where the recorded times come from, in one paragraph."""
    machine = times.get("machine", {})
    return (
        f"Times recorded {times.get('recorded', '?')} from {times.get('source', '?')}; "
        f"machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores"
        + (f", load average {machine['load_average']}" if machine.get("load_average") else "")
        + ". Each time is the notebook's whole nbval run from a fresh kernel (kernel start included)."
    )


def summary(chapter: Chapter, times: dict[str, Any]) -> str:
    """A chapter page's summary lines."""
    prereq = ", ".join(_chapter_ref(p) for p in PREREQUISITES[chapter.number]) or "none"
    reasons = tensorflow_reasons(chapter)
    tf = "yes (" + "; ".join(reasons) + ")" if reasons else "no, it runs without TensorFlow and Keras"
    n_ex = len(exercises(chapter))
    return "\n".join(
        [
            f"- **Notebook:** `notebooks/{chapter.notebook}` ({chapter.goal}).",
            f"- **Source articles:** {chapter.sources}.",
            f"- **Prerequisites:** {prereq}.",
            f"- **Suggested session:** {hours(session_minutes(chapter, times))} "
            f"({prose_words(chapter):,} words of prose, {len(_cells(chapter, 'code'))} code cells, "
            f"{n_ex} exercise{'s' if n_ex != 1 else ''}; derived as in the [index](index.md)).",
            f"- **Measured run:** {seconds_for(chapter, times):.1f} s on the reference 2-core CPU "
            f"(budget {chapter.budget_seconds} s).",
            f"- **Needs TensorFlow:** {tf}.",
        ]
    )


def goals_block(chapter: Chapter) -> str:
    return "\n".join(f"- {goal}" for goal in learning_goals(chapter))


def exercises_block(chapter: Chapter) -> str:
    parts = []
    for ex in exercises(chapter):
        lines = [f"### Exercise {ex.number} {ex.title}", "", f"Check: `{ex.check}`. Hint shown to learners: {ex.hint}"]
        if ex.mistakes:
            lines += ["", "Typical mistakes the check recognises (its messages):", ""]
            lines += [f"- {m}" for m in ex.mistakes]
        else:
            lines += ["", "The check names no specific mistake; it compares with the reference and shows the gap."]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) if parts else "This chapter has no exercises."


def errata_block(chapter: Chapter) -> str:
    items = errata_items(chapter)
    if not items:
        return "This chapter has no errata section."
    return "\n".join(f"- {item}" for item in items)


def tf_block() -> str:
    lines = ["| # | chapter | why it needs TensorFlow/Keras |", "|---|---|---|"]
    without = []
    for ch in CHAPTERS:
        reasons = tensorflow_reasons(ch)
        if reasons:
            lines.append(f"| {ch.number} | {ch.title} | {'; '.join(reasons)} |")
        else:
            without.append(ch.title if ch.number == "—" else f"{ch.number} ({ch.title})")
    lines += ["", "Chapters that run without TensorFlow and Keras: " + ", ".join(without) + "."]
    return "\n".join(lines)


_DISTRIBUTIONS = {"sklearn": "scikit-learn", "dp_accounting": "dp-accounting", "IPython": "ipython"}


def locked_versions(lock: Path | None = None) -> dict[str, str]:
    """Package name (normalised, lower case with hyphens) -> version, from ``requirements.lock``."""
    text = (lock or REPO / "requirements.lock").read_text(encoding="utf-8")
    return {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", text, re.M)
    }


def no_tensorflow_requirements() -> list[str]:
    """``name==version`` for what the chapters without TensorFlow import, plus JupyterLab, at the lock's versions."""
    locked = locked_versions()
    names = {"jupyterlab", "numpy", "pandas", "matplotlib", "setuptools"}  # setuptools: to install helpers
    for ch in CHAPTERS:
        if not ch.exists or tensorflow_reasons(ch):
            continue
        for tree in _code(ch):
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    for module in _imported(node):
                        top = _top(module)
                        if top and top != "helpers" and top not in sys.stdlib_module_names:
                            names.add(re.sub(r"[-_.]+", "-", _DISTRIBUTIONS.get(top, top)).lower())
    missing = sorted(n for n in names if n not in locked)
    if missing:
        raise ValueError(
            f"requirements.lock has no pin for {', '.join(missing)}; add it to _DISTRIBUTIONS or the lock."
        )
    return [f"{name}=={locked[name]}" for name in sorted(names)]


def no_tf_block() -> str:
    reqs = no_tensorflow_requirements()
    return "\n".join(
        [
            "```bash",
            "python3.11 -m venv .venv-notf",
            ".venv-notf/bin/python -m pip install \\\n    " + " \\\n    ".join(reqs),
            ".venv-notf/bin/python -m pip install --no-deps --no-build-isolation -e .   # helpers, without TensorFlow",
            ".venv-notf/bin/jupyter lab notebooks/",
            "```",
        ]
    )


MORNING = (9 * 60, 12 * 60)  # teaching blocks of a workshop day, minutes after midnight
AFTERNOON = (13 * 60, 17 * 60)
BREAK_MINUTES = 10


def _pack(sessions: list[tuple[str, int]], days: int) -> list[tuple[int, int, str, int]] | None:
    """Place sessions in order into the days' blocks; ``None`` if they do not fit.

    A session never straddles lunch or the end of the day: it moves to the next block.
    """
    placed = []
    day, block, clock = 1, 0, MORNING[0]
    blocks = (MORNING, AFTERNOON)
    for name, minutes in sessions:
        while clock + minutes > blocks[block][1]:
            if block == 0:
                block, clock = 1, AFTERNOON[0]
            else:
                day, block, clock = day + 1, 0, MORNING[0]
            if day > days:
                return None
        placed.append((day, clock, name, minutes))
        clock += minutes + BREAK_MINUTES
    return placed


def _plan(days: int, times: dict[str, Any]) -> str:
    """A timing plan built from the session lengths, scaled down until it fits ``days`` days."""
    by_number = {ch.number: ch for ch in CHAPTERS}
    if days == 1:
        chosen = ["00", "01", "02", "04", "05", "09", "10"]
        note = (
            "One day cannot hold the course. This day keeps one path from the setup to a working case: "
            "what a large model costs (01), the workflow (02), gradient descent and cross-entropy (04, 05), "
            "attention (09) and the review-sentiment case (10). Chapters 03 and 06–08 become reading."
        )
        extra: list[tuple[str, int]] = []
    else:
        chosen = [ch.number for ch in CHAPTERS if ch.number not in ("19", "—")]
        note = (
            "Three days hold every teaching chapter at a brisker pace than the guide's session lengths; "
            "chapter 19 (errata) and the glossary close the last day as a tour of reference material."
        )
        extra = [("19+—", 30)]
    full = [(n, session_minutes(by_number[n], times)) for n in chosen]
    total = sum(m for _, m in full)
    scale, placed = 1.0, None
    while scale > 0.05:
        sessions = [(n, max(15, int(m * scale // 5 * 5))) for n, m in full] + extra
        placed = _pack(sessions, days)
        if placed is not None:
            break
        scale = round(scale - 0.01, 2)
    if placed is None:
        raise ValueError(f"the chosen chapters do not fit in {days} day(s) even at 5% of their session lengths")
    lines = [note, "", "| day | start | chapter | minutes | measured run |", "|---|---|---|---|---|"]
    for day, clock, name, minutes in placed:
        if name == "19+—":
            label, run = "19 Errata and the glossary", ""
        else:
            label, run = f"{name} {by_number[name].title}", f"{seconds_for(by_number[name], times):.0f} s"
        lines.append(f"| {day} | {clock // 60:02d}:{clock % 60:02d} | {label} | {minutes} | {run} |")
    lines += [
        "",
        f"The chosen chapters' sessions add up to {hours(total)} at the guide's pace; here each is scaled by "
        f"{scale:.2f} (rounded down to 5 minutes, at least 15) to fit teaching blocks of 09:00–12:00 and "
        f"13:00–17:00 with a {BREAK_MINUTES}-minute break after each session. The measured run is the time the "
        "notebook needs to run top to bottom; run the long ones (over a minute) before the session, or while "
        "you introduce the chapter.",
    ]
    return "\n".join(lines)


def generated_parts(times: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every generated part: page file name -> part name -> text."""
    parts: dict[str, dict[str, str]] = {
        "index.md": {"chapter-table": index_table(times), "times-source": times_note(times)},
        "workshop.md": {
            "tensorflow-chapters": tf_block(),
            "no-tensorflow-install": no_tf_block(),
            "plan-1-day": _plan(1, times),
            "plan-3-days": _plan(3, times),
        },
    }
    for ch in CHAPTERS:
        parts[page_name(ch)] = {
            "summary": summary(ch, times),
            "goals": goals_block(ch),
            "exercises": exercises_block(ch),
            "errata": errata_block(ch),
        }
    return parts


_MARKED = re.compile(
    r"(?P<open><!-- generated: (?P<name>[\w-]+) \(python -m tools\.guide\) -->)(?P<body>.*?)"
    r"(?P<close><!-- end generated: (?P=name) -->)",
    re.S,
)


def marker(name: str) -> tuple[str, str]:
    """The opening and closing comment of the generated part ``name``."""
    return f"<!-- generated: {name} (python -m tools.guide) -->", f"<!-- end generated: {name} -->"


def render(text: str, parts: dict[str, str], page: str) -> str:
    """``text`` with each generated part replaced; every part must have its markers in the page."""
    missing = [name for name in parts if marker(name)[0] not in text]
    if missing:
        raise ValueError(
            f"docs/guide/{page} lacks the markers of {', '.join(missing)}; add the lines "
            + " and ".join(f"'{marker(m)[0]}' ... '{marker(m)[1]}'" for m in missing)
        )

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        body = f"\n{parts[name]}\n" if name in parts else match.group("body")
        return match.group("open") + body + match.group("close")

    return _MARKED.sub(replace, text)


def stale_pages(times: dict[str, Any] | None = None) -> list[str]:
    """The guide pages whose generated parts differ from what ``python -m tools.guide`` writes."""
    times = load_times() if times is None else times
    stale = []
    for page, parts in generated_parts(times).items():
        path = GUIDE / page
        if not path.is_file():
            stale.append(f"{page} (missing)")
            continue
        text = path.read_text(encoding="utf-8")
        if render(text, parts, page) != text:
            stale.append(page)
    return stale


def write_pages(times: dict[str, Any] | None = None) -> list[str]:
    """Rewrite the generated parts of every guide page; return the pages that changed."""
    times = load_times() if times is None else times
    changed = []
    for page, parts in generated_parts(times).items():
        path = GUIDE / page
        if not path.is_file():
            raise FileNotFoundError(f"docs/guide/{page} does not exist; write it from another chapter page.")
        text = path.read_text(encoding="utf-8")
        new = render(text, parts, page)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def record(source: Path = BUILD_TIMES, target: Path = TIMES_FILE) -> dict[str, Any]:
    """Copy the test suite's ``build/notebook_times.json`` into the guide, with the machine noted.

    The build file maps notebook paths (``notebooks/03_....ipynb``) to seconds. Every chapter
    must be in it, so that all recorded times come from one run on one machine.
    """
    if not source.is_file():
        raise FileNotFoundError(
            f"{source} not found: it is written at the end of a test run that executes the notebooks, "
            f"e.g. `.venv/bin/python -m pytest notebooks`."
        )
    measured = {Path(path).name: float(s) for path, s in json.loads(source.read_text(encoding="utf-8")).items()}
    missing = [ch.notebook for ch in CHAPTERS if ch.exists and ch.notebook not in measured]
    if missing:
        raise ValueError(
            f"{source} lacks {', '.join(missing)}: record after a run of every notebook "
            f"(`.venv/bin/python -m pytest notebooks`), not of a few."
        )
    finished = dt.datetime.fromtimestamp(source.stat().st_mtime, dt.UTC)
    data = {
        "source": f"build/notebook_times.json written by the test suite (root conftest.py), run finished "
        f"{finished:%Y-%m-%d %H:%M} UTC",
        "recorded": f"{dt.datetime.now(dt.UTC):%Y-%m-%d}",
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "load_average": "{:.2f} {:.2f} {:.2f} (when recorded, not during the run)".format(*os.getloadavg()),
            "python": platform.python_version(),
        },
        "seconds": {ch.notebook: round(measured[ch.notebook], 1) for ch in CHAPTERS if ch.notebook in measured},
    }
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.guide", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--record", action="store_true", help="copy build/notebook_times.json into the guide")
    group.add_argument("--check", action="store_true", help="exit 1 if a generated part of the guide is stale")
    args = parser.parse_args(argv)
    try:
        return _run(record_times=args.record, check=args.check)
    except (FileNotFoundError, KeyError, ValueError) as error:
        print(f"python -m tools.guide: {error}", file=sys.stderr)
        return 2


def _run(*, record_times: bool, check: bool) -> int:
    if record_times:
        data = record()
        print(f"recorded {len(data['seconds'])} notebook times in {TIMES_FILE.relative_to(REPO)}")
        changed = write_pages()
    elif check:
        stale = stale_pages()
        if stale:
            print("stale generated parts in docs/guide: " + ", ".join(stale) + ". Run: python -m tools.guide")
            return 1
        print("docs/guide is up to date")
        return 0
    else:
        changed = write_pages()
    print("rewrote " + (", ".join(changed) if changed else "nothing (already up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
