"""``helpers.glossary``: the data are sound, and every chapter's key terms agree with them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import glossary
from helpers.course import CHAPTERS
from helpers.glossary import GLOSSARY, Entry, entries, key_terms, lookup, missing, normalise, split_terms

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
WITH_KEY_TERMS = [p for p in NOTEBOOKS if key_terms(p)]
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------------------------------------
# The data


def test_entries_are_the_glossary_and_typed() -> None:
    assert entries() is GLOSSARY and len(GLOSSARY) > 200
    assert all(isinstance(e, Entry) and all(isinstance(f, str) for f in e) for e in GLOSSARY)


def test_no_term_is_listed_twice() -> None:
    counts = Counter(normalise(e.english) for e in GLOSSARY)
    assert [k for k, n in counts.items() if n > 1] == []


def test_every_entry_names_a_chapter_of_the_course() -> None:
    numbers = {ch.number for ch in CHAPTERS}
    assert [e.english for e in GLOSSARY if e.chapter not in numbers] == []


def test_definitions_are_present_and_short() -> None:
    assert [e.english for e in GLOSSARY if not e.definition.strip()] == []
    assert [e.english for e in GLOSSARY if len(e.definition) > 200] == []
    assert all(e.definition.strip()[-1] in ".)" for e in GLOSSARY), "definitions are sentences"


def test_chinese_names_contain_chinese_characters() -> None:
    assert [e.english for e in GLOSSARY if not CJK.search(e.chinese)] == []


def test_english_names_are_trimmed_and_not_empty() -> None:
    assert all(e.english == e.english.strip() and e.english for e in GLOSSARY)
    assert all(e.chinese == e.chinese.strip() and e.chinese for e in GLOSSARY)


# ---------------------------------------------------------------------------------------------
# The chapters agree with it (the point of the glossary). Nothing here may be xfailed: a conflict
# is fixed in the chapter's table or here, never hidden.


def test_the_chapters_have_key_terms_tables() -> None:
    names = {p.name[:2] for p in WITH_KEY_TERMS}
    assert {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "19"} <= names


@pytest.mark.parametrize("path", WITH_KEY_TERMS, ids=[p.name for p in WITH_KEY_TERMS])
def test_every_key_term_is_in_the_glossary_with_the_same_chinese(path: Path) -> None:
    problems = missing([path])
    assert problems == [], (
        "key terms missing from helpers/glossary.py, or with another 中文 there "
        "(add them, or make the chapter's table agree):\n" + "\n".join(problems)
    )


# ---------------------------------------------------------------------------------------------
# Functions


def test_lookup_by_english_chinese_and_spelling_variants() -> None:
    assert lookup("cross-entropy").chinese == "交叉熵"
    assert lookup("Cross-Entropy") == lookup("cross entropy") == lookup("交叉熵")
    assert lookup("layer normalization").english == "layer normalisation"
    assert lookup("mean squared error").english == "mean squared error (MSE)"


def test_lookup_unknown_term_suggests_close_matches() -> None:
    with pytest.raises(KeyError, match="Close matches: cross-entropy"):
        lookup("cross-entropie")
    with pytest.raises(KeyError, match="not in the glossary"):
        lookup("flux capacitor")


@pytest.mark.parametrize("bad", [None, 3, "", "   "])
def test_lookup_rejects_what_is_not_a_term(bad) -> None:
    with pytest.raises(TypeError, match="`term` must be a non-empty string"):
        lookup(bad)


def test_normalise_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="`english` must be a string"):
        normalise(["cross-entropy"])


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(GLOSSARY), st.sampled_from([str.upper, str.lower, str.title]))
def test_lookup_finds_every_entry_whatever_the_case(entry: Entry, case) -> None:
    assert lookup(case(entry.english)) == entry


@pytest.mark.parametrize(
    ("english", "chinese", "expected"),
    [
        ("weight, bias", "权重，偏置", [("weight", "权重"), ("bias", "偏置")]),
        ("kernel, filter", "卷积核、滤波器", [("kernel", "卷积核"), ("filter", "滤波器")]),
        (
            "convolution / cross-correlation",
            "卷积 / 互相关",
            [("convolution", "卷积"), ("cross-correlation", "互相关")],
        ),
        ("information content, surprise", "信息量", [("information content, surprise", "信息量")]),
        ("RMSProp, running mean square", "RMSProp，滑动均方", [("RMSProp, running mean square", "RMSProp，滑动均方")]),
        (
            "layer normalisation (post-LN, pre-LN)",
            "层归一化（后置、前置）",
            [("layer normalisation (post-LN, pre-LN)", "层归一化（后置、前置）")],
        ),
    ],
)
def test_split_terms(english, chinese, expected) -> None:
    assert split_terms(english, chinese) == expected


def _notebook(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "99_test.ipynb"
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# 99 Test (测试)\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": table.splitlines(keepends=True)},
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_key_terms_reads_the_table_and_skips_header_and_rule(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path,
        "## Key terms (本章术语)\n\n| English | 中文 |\n| --- | --- |\n"
        "| weight, bias | 权重，偏置 |\n| entropy | 熵 |\n\nAfter.",
    )
    assert key_terms(path) == [("weight, bias", "权重，偏置"), ("entropy", "熵")]


def test_key_terms_of_a_notebook_without_a_table_is_empty(tmp_path: Path) -> None:
    assert key_terms(_notebook(tmp_path, "## 1 Something (某事)\n\nText.")) == []


def test_key_terms_rejects_a_path_that_is_not_a_notebook(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="`notebook_path` must be an existing .ipynb file"):
        key_terms(tmp_path / "missing.ipynb")


def test_missing_names_absent_and_different_terms(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path,
        "## Key terms (本章术语)\n\n| English | 中文 |\n|---|---|\n"
        "| entropy | 熵值 |\n| flux capacitor | 通量电容 |\n| weight, bias | 权重，偏置 |",
    )
    problems = missing([path])
    assert len(problems) == 2
    assert "entropy | 熵值: the glossary says '熵'" in problems[0] and "flux capacitor" in problems[1]


def test_command_line_missing_lists_problems_and_sets_the_exit_code(tmp_path: Path) -> None:
    good = _notebook(tmp_path, "## Key terms (本章术语)\n\n| English | 中文 |\n|---|---|\n| entropy | 熵 |")
    run = subprocess.run(
        [sys.executable, "-m", "helpers.glossary", "--missing", str(good)], capture_output=True, text=True, cwd=REPO
    )
    assert run.returncode == 0 and run.stdout == ""
    assert (
        glossary._main(
            ["--missing", str(_notebook(tmp_path, "## Key terms (本章术语)\n\n|a|b|\n|---|---|\n| entropy | 熵值 |"))]
        )
        == 1
    )


def test_import_does_not_load_numpy_or_nbformat() -> None:
    # helpers/__init__ imports numpy; load the module file alone to test this module's own imports.
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('g', 'helpers/glossary.py'); "
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
        "print('numpy' in sys.modules, 'nbformat' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.stdout.strip() == "False False", run.stderr
