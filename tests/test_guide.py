"""The instructor's guide (docs/guide/): complete, generated parts fresh, numbers from their sources.

Fast (a few seconds): reads the notebooks and exercise modules as text and AST, executes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.course import CHAPTERS
from tools import guide

GUIDE = guide.GUIDE
PAGES = sorted(GUIDE.glob("*.md"))


@pytest.fixture(scope="module")
def times() -> dict:
    return guide.load_times()


def _text(page: str) -> str:
    return (GUIDE / page).read_text(encoding="utf-8")


def _generated(text: str, name: str) -> str:
    start, end = guide.marker(name)
    assert start in text and end in text, f"markers of {name!r} missing"
    return text.split(start, 1)[1].split(end, 1)[0]


def test_every_chapter_has_a_page_and_a_row_in_the_index() -> None:
    table = _generated(_text("index.md"), "chapter-table")
    for ch in CHAPTERS:
        page = guide.page_name(ch)
        assert (GUIDE / page).is_file(), f"docs/guide/{page} missing for chapter {ch.number}"
        row = f"| {ch.number} | [{ch.title}]({page}) | {ch.chinese} |"
        assert row in table, f"index table has no row for chapter {ch.number}"
    rows = [line for line in table.splitlines() if re.match(r"\| (\d\d|—) \|", line)]
    assert len(rows) == len(CHAPTERS)


def test_every_page_starts_with_its_chapter_title() -> None:
    for ch in CHAPTERS:
        first = _text(guide.page_name(ch)).splitlines()[0]
        assert first.startswith("# ") and ch.chinese in first, first


def test_generated_parts_are_up_to_date(times: dict) -> None:
    stale = guide.stale_pages(times)
    assert not stale, f"stale: {stale}; run `python -m tools.guide`"


def test_check_fails_on_a_stale_part(times: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "guide"
    copy.mkdir()
    for page in PAGES:
        (copy / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    text = (copy / "05.md").read_text(encoding="utf-8")
    stale_text = re.sub(r"(\*\*Measured run:\*\* )[\d.]+ s", r"\g<1>0.0 s", text)
    assert stale_text != text
    (copy / "05.md").write_text(stale_text, encoding="utf-8")
    monkeypatch.setattr(guide, "GUIDE", copy)
    assert guide.stale_pages(times) == ["05.md"]
    assert guide.write_pages(times) == ["05.md"]
    assert guide.stale_pages(times) == []


def test_render_names_missing_markers() -> None:
    with pytest.raises(ValueError, match="lacks the markers of summary"):
        guide.render("# a page without markers\n", {"summary": "x"}, "00.md")


def test_times_cover_every_chapter_and_state_their_source(times: dict) -> None:
    assert set(times["seconds"]) == {ch.notebook for ch in CHAPTERS}
    assert times["source"] and times["recorded"] and times["machine"]["cores"]
    assert all(isinstance(s, float) and s > 0 for s in times["seconds"].values())


def test_every_time_in_the_guide_equals_the_recorded_one(times: dict) -> None:
    recorded = {ch.number: times["seconds"][ch.notebook] for ch in CHAPTERS}
    table = _generated(_text("index.md"), "chapter-table")
    for line in table.splitlines():
        match = re.match(r"\| (\d\d|—) \|.*\| ([\d.]+) s \| (\d+) s \|$", line)
        if match:
            assert float(match.group(2)) == pytest.approx(recorded[match.group(1)], abs=0.05), line
    total = re.search(r"\*\*([\d.]+) s\*\*", table)
    assert total and float(total.group(1)) == pytest.approx(sum(recorded.values()), abs=0.05)
    for ch in CHAPTERS:
        summary = _generated(_text(guide.page_name(ch)), "summary")
        measured = re.search(r"\*\*Measured run:\*\* ([\d.]+) s", summary)
        assert measured and float(measured.group(1)) == pytest.approx(recorded[ch.number], abs=0.05), ch.number
    by_title = {f"{ch.number} {ch.title}": recorded[ch.number] for ch in CHAPTERS}
    for part in ("plan-1-day", "plan-3-days"):
        for line in _generated(_text("workshop.md"), part).splitlines():
            match = re.match(r"\| \d \| \d\d:\d\d \| (.+?) \| \d+ \| (\d+) s \|$", line)
            if match:
                assert int(match.group(2)) == round(by_title[match.group(1)]), line


def test_record_copies_the_test_suites_file(tmp_path: Path) -> None:
    build = tmp_path / "notebook_times.json"
    build.write_text(json.dumps({f"notebooks/{ch.notebook}": 3.14159 for ch in CHAPTERS}))
    target = tmp_path / "recorded.json"
    data = guide.record(build, target)
    assert json.loads(target.read_text()) == data
    assert set(data["seconds"].values()) == {3.1}
    assert data["machine"]["cores"] and "load_average" in data["machine"]

    build.write_text(json.dumps({"notebooks/00_start_here.ipynb": 1.0}))
    with pytest.raises(ValueError, match="lacks 01_what_a_large_model_is.ipynb"):
        guide.record(build, target)


def test_every_exercise_named_in_a_page_exists() -> None:
    for ch in CHAPTERS:
        if ch.number == "—":
            continue
        text = _text(guide.page_name(ch))
        named = set(re.findall(r"Exercise (\d+\.\d+)", text))
        in_notebook = guide.notebook_exercises(ch)
        checks = guide.exercise_checks(ch.number)
        assert named == set(in_notebook), f"{ch.number}: page names {sorted(named)}, notebook has {sorted(in_notebook)}"
        for number in named:
            assert number in checks, f"{ch.number}: no check for Exercise {number}"
            check_name = checks[number][0]
            assert f"`ch{ch.number}.{check_name}`" in text
            module = __import__(f"helpers.exercises.ch{ch.number}", fromlist=[check_name])
            assert callable(getattr(module, check_name))
        for name in re.findall(rf"`ch{ch.number}\.(check_\w+)`", text):
            assert any(c[0] == name for c in checks.values()), f"{ch.number}: {name} is not a check"


def test_mistakes_come_from_the_checks() -> None:
    """A message listed as a typical mistake is the literal text of an ExerciseFailed in the module."""
    for ch in CHAPTERS:
        if ch.number == "—":
            continue
        source = re.sub(r"\s+", " ", (guide.EXERCISES / f"ch{ch.number}.py").read_text(encoding="utf-8"))
        source = re.sub(r"[\"']\s*f?[\"']", "", source).replace('"', "")  # join implicitly concatenated strings
        for exercise in guide.exercises(ch):
            for message in exercise.mistakes:
                fragment = max(message.replace("\\|", "|").split("…"), key=len).strip()[:40]
                assert fragment and fragment.replace('"', "") in source, (ch.number, message)
    assert sum(len(e.mistakes) for ch in CHAPTERS for e in guide.exercises(ch)) > 100


def test_tensorflow_chapters_in_the_workshop_are_the_computed_ones() -> None:
    listed = re.findall(r"^\| (\d\d) \| ", _generated(_text("workshop.md"), "tensorflow-chapters"), re.M)
    assert listed == guide.tensorflow_chapters()
    assert {"04", "16", "18"}.isdisjoint(listed)  # they call helpers.setup(tensorflow=False)
    assert {"06", "09", "15"} <= set(listed)


def test_tensorflow_scan_sees_each_kind_of_use() -> None:
    by_number = {ch.number: ch for ch in CHAPTERS}
    assert "imports tensorflow" in guide.tensorflow_reasons(by_number["17"])
    assert "helpers.setup() with TensorFlow" in guide.tensorflow_reasons(by_number["01"])
    assert any("helpers.pretrain" in r for r in guide.tensorflow_reasons(by_number["15"]))
    assert guide.tensorflow_reasons(by_number["04"]) == []


def test_no_tensorflow_install_pins_the_locks_versions() -> None:
    reqs = guide.no_tensorflow_requirements()
    locked = guide.locked_versions()
    assert all(locked[r.split("==")[0]] == r.split("==")[1] for r in reqs)
    names = {r.split("==")[0] for r in reqs}
    assert {"numpy", "scikit-learn", "jupyterlab"} <= names and not names & {"tensorflow", "keras"}


def test_relative_links_between_guide_pages_resolve() -> None:
    link = re.compile(r"\]\(([^)\s]+)\)")
    for page in PAGES:
        for target in link.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            assert (page.parent / path).resolve().is_file(), f"{page.name}: broken link {target}"


def test_every_chapter_page_has_the_hand_written_sections() -> None:
    for ch in CHAPTERS:
        text = _text(guide.page_name(ch))
        for heading in ("## Learning goals", "## Exercises and their common mistakes", "## What to demo live"):
            assert heading in text, f"{guide.page_name(ch)} lacks {heading}"
        demo = text.split("## What to demo live", 1)[1].split("\n## ", 1)[0]
        assert demo.count("\n- ") >= 2, f"{guide.page_name(ch)}: fewer than two demos"
        assert "## What the errata section corrects" in text


def test_session_lengths_are_quarter_hours(times: dict) -> None:
    for ch in CHAPTERS:
        minutes = guide.session_minutes(ch, times)
        assert minutes % guide.SESSION_STEP_MINUTES == 0 and 15 <= minutes <= 6 * 60, (ch.number, minutes)


def test_plans_fit_their_days() -> None:
    for days, part in ((1, "plan-1-day"), (3, "plan-3-days")):
        rows = re.findall(r"^\| (\d) \| (\d\d):(\d\d) \| .+? \| (\d+) \|", _generated(_text("workshop.md"), part), re.M)
        assert rows and max(int(r[0]) for r in rows) <= days
        for _, h, m, minutes in rows:
            start = int(h) * 60 + int(m)
            end = start + int(minutes)
            assert guide.MORNING[0] <= start and (end <= guide.MORNING[1] or start >= guide.AFTERNOON[0])
            assert end <= guide.AFTERNOON[1]


def test_prerequisites_name_earlier_chapters() -> None:
    assert set(guide.PREREQUISITES) == {ch.number for ch in CHAPTERS}
    for number, before in guide.PREREQUISITES.items():
        assert all(b < number for b in before if number != "—"), (number, before)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.number)
def test_learning_goals_are_whole_sentences_not_cut_at_a_line_break(chapter) -> None:
    goals = guide.learning_goals(chapter)
    first_cell = guide._cells(chapter, "markdown")[0]
    goals_part = first_cell.split("will be able to", 1)[1]
    words = re.sub(r"\s+", " ", goals_part.split("**Source", 1)[0])
    assert len(goals) == len(re.findall(r"^- ", goals_part.split("**Source", 1)[0], re.M))
    for goal in goals:
        assert goal in words, f"chapter {chapter.number}: goal {goal[:40]!r}… is not the notebook's whole bullet"
        assert goal.rstrip().endswith((";", ".", ":")) or goal is goals[-1], f"goal cut short: {goal!r}"
