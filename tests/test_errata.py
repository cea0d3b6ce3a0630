"""Chapter 19 (errata) covers every article error the other chapters show, and every row of ERRATA.md.

An error is identified by its article and section, ``("003", "4.2")``. The chapters cite them in
their "What the articles get wrong (勘误)" sections in several forms ("Article 001 §4.3.3",
"(002 §4.3)", "003 §3.2; 004 §3.1.4, §3.2.3", "004 §4.1.1–4.1.2"); :func:`article_refs` reads them
all. Chapter 19 names each error in a heading ``### 19.k Article NNN §x.y — title``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
ERRATA_NOTEBOOK = NOTEBOOKS / "19_errata.ipynb"

# The (article, §) keys of the rows of ERRATA.md. That file lives outside the repository
# (../shared/course/ERRATA.md, the course's starting list of known errors), and CI runs on a clean
# clone, so its keys are copied here; its text is not.
ERRATA_MD_KEYS = [
    ("000", "4.2"),
    ("001", "4.3.2"),
    ("001", "4.3.3"),
    ("002", "4.2"),
    ("003", "4.2"),
    ("003", "5.2"),
    ("004", "4.3.1"),
    ("004", "4.3.2"),
]

# Sections that a chapter's errata section cites without claiming an error there, with the reason.
# Keep this short: every entry is a reference that chapter 19 need not list.
CITED_WITHOUT_ERROR = {
    ("01", "002", "5"): "cited as the articles' one model of the size they define (correct)",
    ("03", "001", "4.2.1"): "cited as stating the neuron correctly",
    ("03", "003", "4.1"): "cited as stating the neuron correctly",
    ("04", "001", "4.2.3"): "cited as stating the update rule correctly",
    ("07", "000", "4.1.3"): "cited as naming SGD and Adam, with no formula to recompute",
    ("18", "002", "8.3"): "cited as listing privacy as a challenge, with no checkable claim",
    ("18", "003", "8.3"): "cited as listing privacy as a challenge, with no checkable claim",
}

# "NNN §a.b" followed by more sections of the same article: ", §c", " and §d", " (§e)", "/ §f", "–g.h".
_SECTION = r"§\s?\d+(?:\.\d+)*(?:\s?[–-]\s?\d+(?:\.\d+)*)?"
_REF = re.compile(rf"\b(00[0-4])\s*\(?\s*({_SECTION}(?:\s*(?:,|and|or|/|vs\.?|\(|\))?\s*{_SECTION})*)")
_ONE = re.compile(r"§\s?(\d+(?:\.\d+)*)(?:\s?[–-]\s?(\d+(?:\.\d+)*))?")


def article_refs(text: str) -> set[tuple[str, str]]:
    """Every (article, section) cited in ``text``; a range "4.1.1–4.1.2" gives both ends.

    >>> sorted(article_refs("003 §3.2; 004 §3.1.4, §3.2.3 and 000 §4.1.1–4.1.2"))
    [('000', '4.1.1'), ('000', '4.1.2'), ('003', '3.2'), ('004', '3.1.4'), ('004', '3.2.3')]
    """
    found = set()
    for match in _REF.finditer(text):
        article = match.group(1)
        for section in _ONE.finditer(match.group(2)):
            found.add((article, section.group(1)))
            if section.group(2):
                found.add((article, section.group(2)))
    return found


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def errata_section(path: Path) -> str:
    """The Markdown of a notebook's errata section: from its '## … (勘误)' heading to the next '## '."""
    lines, inside = [], False
    for line in _markdown(path).splitlines():
        if line.startswith("## "):
            inside = "勘误" in line
        if inside:
            lines.append(line)
    return "\n".join(lines)


def chapter19_refs() -> set[tuple[str, str]]:
    headings = [line for line in _markdown(ERRATA_NOTEBOOK).splitlines() if line.startswith("### 19.")]
    return set().union(*(article_refs(h) for h in headings))


CHAPTER_NOTEBOOKS = sorted(
    p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if p.name != ERRATA_NOTEBOOK.name and errata_section(p)
)


def test_the_parser_reads_the_forms_the_chapters_use() -> None:
    text = (
        "### 6.1 Article 004 §4.1.1–4.1.2: a network\nArticle 001 (§1.4 and §2.1) and article 004 (§2.2)\n"
        "**001 §5.2 and 004 §5.2: the tokenizer.** 003 §4.3 vs §5.2; 002 §9 Q3; (002 §4.3); chapter 05 §9.3"
    )
    assert article_refs(text) == {
        ("004", "4.1.1"),
        ("004", "4.1.2"),
        ("001", "1.4"),
        ("001", "2.1"),
        ("004", "2.2"),
        ("001", "5.2"),
        ("004", "5.2"),
        ("003", "4.3"),
        ("003", "5.2"),
        ("002", "9"),
        ("002", "4.3"),
    }, "a chapter's own sections (chapter 05 §9.3) are not article references"


def test_chapter_19_has_one_heading_per_listed_error() -> None:
    cells = json.loads(ERRATA_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    headings = [line for line in _markdown(ERRATA_NOTEBOOK).splitlines() if line.startswith("### 19.")]
    numbers = [int(re.match(r"### 19\.(\d+) ", h).group(1)) for h in headings]
    assert numbers == list(range(1, len(numbers) + 1)), "sections numbered 19.1, 19.2, … without gaps"
    summary = next(c for c in cells if c["cell_type"] == "code" and "ERRATA = [" in "".join(c["source"]))
    printed = "".join("".join(o.get("text", "")) for o in summary["outputs"])
    assert f"{len(headings)} errors:" in printed, "the printed count equals the number of sections"
    for heading in headings:
        assert " — " in heading and article_refs(heading), f"heading without 'Article NNN §x — title': {heading}"


def test_every_errata_md_row_is_in_chapter_19() -> None:
    missing = sorted(set(ERRATA_MD_KEYS) - chapter19_refs())
    assert not missing, f"rows of ERRATA.md without a section in 19_errata.ipynb: {missing}"


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOKS, ids=[p.name for p in CHAPTER_NOTEBOOKS])
def test_every_error_a_chapter_shows_is_in_chapter_19(path: Path) -> None:
    exempt = {(article, section) for chapter, article, section in CITED_WITHOUT_ERROR if chapter == path.name[:2]}
    cited = article_refs(errata_section(path)) - exempt
    missing = sorted(cited - chapter19_refs())
    assert not missing, (
        f"{path.name} shows errors at {missing} in its errata section (勘误), but 19_errata.ipynb has no "
        "'### 19.k Article NNN §x.y — title' section for them: add one (and its row in the list)."
    )


def test_the_chapters_with_errata_sections_are_found() -> None:
    names = {p.name[:2] for p in CHAPTER_NOTEBOOKS}
    assert {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"} <= names
