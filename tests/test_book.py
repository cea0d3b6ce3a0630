"""The offline book (``python -m tools.book``): built once, then every page read in headless Chromium.

What a reader with no network would see: no request leaves the local server, no console error,
every formula typeset by the vendored MathJax, every Mermaid fence drawn as an SVG, every
stored plot shown, the table of contents complete, search working, and no Keras progress bar
turned into backspace garbage. The expectations are counted from the notebooks themselves, so a
new chapter, diagram or plot is checked with no change here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from helpers.course import CHAPTERS
from tools import book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WRITTEN = [ch for ch in CHAPTERS if (NOTEBOOKS / ch.notebook).is_file()]

MERMAID_FENCE = re.compile(r"^\s*(```|~~~)\s*\{?mermaid\}?\s*$", re.M)
# $…$ (no space inside the dollars, as MyST's dollarmath requires), $$…$$, \(…\), \[…\], environments.
MATH = re.compile(r"\$\$|\$[^\s$][^$\n]*?(?<!\s)\$|\\\(|\\\[|\\begin\{")
# LaTeX left in the reader's text after MathJax ran (code blocks excluded).
RAW_MATH = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$[^$\s]*\\[A-Za-z]+")
PROGRESS_BAR = re.compile("[\b━]|\r(?!\n)")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class Expected:
    """What one chapter's page must show, counted from its stored notebook."""

    mermaid: int
    math_cells: int
    png_outputs: int


def expected(notebook: str) -> Expected:
    nb = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))
    markdown = [_text(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    return Expected(
        mermaid=sum(len(MERMAID_FENCE.findall(m)) for m in markdown),
        math_cells=sum(1 for m in markdown if MATH.search(m)),
        png_outputs=sum(1 for o in outputs if "image/png" in o.get("data", {})),
    )


def _page_name(notebook: str) -> str:
    return f"notebooks/{Path(notebook).stem}.html"


# ---------------------------------------------------------------- no build needed


def test_terminal_text_applies_carriage_returns_and_backspaces() -> None:
    bar = "1/4 ━━━━━ 0s\r2/4 ━━━━━━━━━━ 0s\r4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step\n"
    assert book.terminal_text(bar) == "4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step\n"
    assert book.terminal_text("Epoch 1/2\n12\b\b34\nok\r\n") == "Epoch 1/2\n34\nok\n"
    assert book.terminal_text("plain\ntext") == "plain\ntext"


def test_stage_notebook_retitles_and_cleans_only_what_it_says() -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# 05 Cross-entropy (交叉熵)\n", "Intro."]},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "fit()",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1/2 ━\r2/2 ━━ done\n"]}],
            },
        ]
    }
    staged = book.stage_notebook(nb, "05 Cross-entropy · 交叉熵")
    assert staged["cells"][0]["source"] == "# 05 Cross-entropy · 交叉熵\nIntro."
    assert staged["cells"][1]["outputs"][0]["text"] == "2/2 ━━ done\n"
    assert staged["cells"][1]["source"] == "fit()"
    assert nb["cells"][0]["source"][0].startswith("# 05 Cross-entropy (")  # the original is untouched
    untitled = book.stage_notebook({"cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": []}]}, "T")
    assert untitled["cells"][0] == {"cell_type": "markdown", "id": "book-title", "metadata": {}, "source": "# T"}
    with pytest.raises(TypeError, match="`notebook` must be"):
        book.stage_notebook([], "T")  # type: ignore[arg-type]


def test_every_written_chapter_is_a_page_titled_number_english_chinese() -> None:
    pages = book.chapter_pages()
    assert [p.notebook for p in pages] == [ch.notebook for ch in WRITTEN]
    for page, ch in zip(pages, WRITTEN, strict=True):
        number = "" if ch.number == "—" else f"{ch.number} "
        assert page.title == f"{number}{ch.title} · {ch.chinese}"


def test_a_guide_folder_becomes_the_for_teachers_part(tmp_path: Path) -> None:
    guide = tmp_path / "guide"
    guide.mkdir()
    assert book.guide_pages(guide) == []
    (guide / "sessions.md").write_text("# Sessions\n")
    with pytest.warns(UserWarning, match="no index.md"):
        assert book.guide_pages(guide) == []
    (guide / "index.md").write_text("# Guide\n\nSee [chapter 01](../../notebooks/01_what_a_large_model_is.ipynb).\n")
    (guide / "answers.md").write_text("# Answers\n")
    assert book.guide_pages(guide) == ["index", "answers", "sessions"]
    src = tmp_path / "src"
    book.stage(src, guide=guide)
    # The staging folder mirrors the repository, so the guide's links to notebooks resolve as on GitHub.
    assert (src / "docs" / "guide" / "index.md").read_text() == (guide / "index.md").read_text()
    assert (src / "notebooks" / "01_what_a_large_model_is.ipynb").is_file()
    toc = json.loads((src / "_toc.yml").read_text(encoding="utf-8").split("\n", 1)[1])
    teachers = toc["parts"][-1]
    assert teachers["caption"].startswith("For teachers")
    assert teachers["chapters"] == [
        {"file": "docs/guide/index", "sections": [{"file": "docs/guide/answers"}, {"file": "docs/guide/sessions"}]}
    ]
    assert "[For teachers](docs/guide/index.md)" in (src / "index.md").read_text(encoding="utf-8")
    # Staging again without the guide drops its pages.
    book.stage(src, guide=tmp_path / "no-guide")
    assert not (src / "docs" / "guide" / "index.md").exists()
    assert "For teachers" not in (src / "_toc.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda ch: ch.notebook)
def test_stored_outputs_have_no_progress_bars(chapter: Any) -> None:
    """Keras's verbose=1 bar (━, \\r, \\b) reads as garbage outside a terminal: train with verbose=0."""
    nb = json.loads((NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            text = _text(output.get("text", "")) + _text(output.get("data", {}).get("text/plain", ""))
            found = PROGRESS_BAR.search(text)
            assert not found, f"{chapter.notebook} cell {index}: output holds {found.group()!r}, a progress bar"


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once for this module (cold, into a temporary folder)."""
    try:
        book.jupyter_book_command()
    except FileNotFoundError as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    return book.build(tmp_path_factory.mktemp("book"))


def test_no_page_names_another_host_in_a_script_stylesheet_or_image(site: Path) -> None:
    loads = re.compile(
        r"<(?:script|img|iframe|source)\b[^>]*\bsrc=\"(?://|https?:)|<link\b[^>]*\bhref=\"(?://|https?:)"
    )
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    offenders = [f"{p.relative_to(site)}: {m.group()}" for p in pages for m in loads.finditer(p.read_text("utf-8"))]
    assert offenders == []
    # No launch, edit or issue button (they link to Binder, Colab, GitHub) and no Thebe (its config names unpkg.com).
    buttons = re.compile(
        r"href=\"https?://[^\"]*(?:mybinder\.org|colab\.research|deepnote|/edit/|/issues/new)|text/x-thebe-config|thebe\.js"
    )
    offenders = [f"{p.relative_to(site)}: {m.group()}" for p in pages for m in buttons.finditer(p.read_text("utf-8"))]
    assert offenders == []


def test_the_toc_file_lists_every_chapter(site: Path) -> None:
    toc = (site.parents[1] / "src" / "_toc.yml").read_text(encoding="utf-8")
    for ch in WRITTEN:
        assert f'"notebooks/{Path(ch.notebook).stem}"' in toc, f"_toc.yml lacks {ch.notebook}"


@dataclass
class Rendered:
    """What Chromium saw on one page."""

    problems: list[str]
    info: dict[str, Any] = field(default_factory=dict)


_INSPECT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const article = document.querySelector('article.bd-article') || document.body;
  const clone = article.cloneNode(true);
  clone.querySelectorAll('pre, code, mjx-container, script, style, .mermaid').forEach(e => e.remove());
  const outputs = Array.from(document.querySelectorAll('.cell_output')).map(e => e.textContent).join('\\n');
  const mermaid = Array.from(document.querySelectorAll('.mermaid'));
  return {
    mjx: document.querySelectorAll('mjx-container').length,
    mjx_errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent),
    text: clone.textContent,
    outputs: outputs,
    mermaid: mermaid.length,
    mermaid_svg: mermaid.filter(e => e.querySelector('svg')).length,
    mermaid_errors: mermaid.filter(e => /Syntax error|Parse error/.test(e.textContent)).length
        + document.querySelectorAll('[id^="dmermaid"]').length,
    output_images: Array.from(document.querySelectorAll('.cell_output img')).map(i => i.naturalWidth),
    images: Array.from(document.querySelectorAll('img')).map(i => [i.getAttribute('src'), i.naturalWidth]),
    nav: Array.from(document.querySelectorAll('nav.bd-docs-nav a')).map(a => [a.textContent.trim(), a.href]),
    title: document.title,
    h1: (document.querySelector('article h1') || {}).textContent || '',
  };
}"""


@pytest.fixture(scope="module")
def rendered(site: Path, browser: Any) -> dict[str, Rendered]:
    """Every HTML page of the site, loaded once over http; keyed by its path in the site."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tools.browser import open_page, serve

    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_static" not in p.parts)
    results: dict[str, Rendered] = {}
    with serve(site) as base:
        for name in pages:
            page, report = open_page(browser, f"{base}/{name}", settle_ms=0)
            try:
                # Mermaid draws after load (a syntax error is drawn too, as an SVG that says so);
                # a diagram that never comes is reported by the counts the tests compare.
                with contextlib.suppress(PlaywrightTimeout):
                    page.wait_for_function(
                        "() => Array.from(document.querySelectorAll('.mermaid')).every(e => e.querySelector('svg'))",
                        timeout=20_000,
                    )
                results[name] = Rendered(report.problems(), page.evaluate(_INSPECT))
            finally:
                page.close()
    return results


def test_every_page_loads_with_no_error_and_no_other_host(site: Path, rendered: dict[str, Rendered]) -> None:
    expected_pages = {"index.html", "search.html", "genindex.html"} | {_page_name(ch.notebook) for ch in WRITTEN}
    assert expected_pages <= set(rendered), f"pages not built: {sorted(expected_pages - set(rendered))}"
    assert {name: r.problems for name, r in rendered.items() if r.problems} == {}


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda ch: ch.notebook)
def test_chapter_page_shows_math_diagrams_and_plots(chapter: Any, rendered: dict[str, Rendered]) -> None:
    want = expected(chapter.notebook)
    got = rendered[_page_name(chapter.notebook)].info
    title = book.page_title(chapter.number, chapter.title, chapter.chinese)
    assert got["h1"].strip().rstrip("#").strip() == title
    assert got["title"].startswith(title)
    # Math: at least one typeset formula per Markdown cell with math, no TeX error, no raw LaTeX.
    assert got["mjx"] >= want.math_cells, f"{got['mjx']} typeset formulas for {want.math_cells} cells with math"
    assert got["mjx_errors"] == []
    raw = sorted({m.group() for m in RAW_MATH.finditer(got["text"])})
    assert raw == [], f"LaTeX left untypeset in the text: {raw}"
    # Mermaid: each fence is one diagram, drawn.
    assert (got["mermaid"], got["mermaid_svg"], got["mermaid_errors"]) == (want.mermaid, want.mermaid, 0)
    # Plots: each stored image/png output is an <img> that loaded; so is every other image.
    assert len(got["output_images"]) == want.png_outputs
    assert [src for src, width in got["images"] if width <= 0] == []
    # Outputs read as text: no backspace, lone carriage return or progress-bar glyph.
    assert not PROGRESS_BAR.search(got["outputs"])


def test_table_of_contents_lists_every_chapter(rendered: dict[str, Rendered]) -> None:
    nav = rendered["index.html"].info["nav"]
    for ch in WRITTEN:
        title = book.page_title(ch.number, ch.title, ch.chinese)
        links = [href for text, href in nav if text == title]
        assert links, f"the sidebar has no entry {title!r}"
        assert links[0].endswith(_page_name(ch.notebook))


def test_index_links_every_chapter(rendered: dict[str, Rendered]) -> None:
    text = rendered["index.html"].info["text"]
    for ch in WRITTEN:
        assert book.page_title(ch.number, ch.title, ch.chinese) in text


@pytest.mark.parametrize(
    ("term", "notebook"), [("attention", "09_attention.ipynb"), ("交叉熵", "05_cross_entropy.ipynb")]
)
def test_search_finds_a_term(term: str, notebook: str, site: Path, browser: Any) -> None:
    """Sphinx's search, offline. Chinese terms are found where they stand alone, as in "cross-entropy (交叉熵)"."""
    from tools.browser import open_page, serve

    with serve(site) as base:
        page, report = open_page(browser, f"{base}/search.html?q={term}", settle_ms=0)
        try:
            page.wait_for_selector("#search-results ul.search li", timeout=20_000)
            hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
        finally:
            page.close()
    assert report.problems() == []
    assert any(href.split("?")[0].split("#")[0].endswith(_page_name(notebook)) for href in hits), hits
