"""The slide decks (``python -m tools.slides``): the right cells, offline, and working in a browser.

The first tests build small synthetic notebooks: only cells tagged with a slide type other than
Skip are kept, and a notebook with no slide metadata is refused with the fix in the message.
Then every course notebook that carries slide metadata is built once, and each deck is opened
over http in headless Chromium (the ``browser`` fixture): no console error, failed request or
request to another host; reveal.js initialised; as many slides as slide/sub-slide cells; math
typeset; every image and Mermaid diagram drawn.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import slides

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _png(width: int = 4, height: int = 3) -> str:
    """A small grey PNG, base64-encoded: an image output that must load in the deck."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def _tagged(cell: Any, kind: str | None) -> Any:
    if kind is not None:
        cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def synthetic() -> nbformat.NotebookNode:
    """Eight cells: six tagged (one Skip, one Notes), two untagged."""
    image = new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})
    cells = [
        _tagged(new_markdown_cell("# Title slide KEEP-1\n\nThe loss $L = -\\log p$."), "slide"),
        _tagged(new_markdown_cell("UNTAGGED-1 is not in the deck."), None),
        _tagged(new_code_cell("print('CODE-KEEP-2')", execution_count=1, outputs=[image]), "-"),
        _tagged(new_markdown_cell("SKIPPED-1 is skipped."), "skip"),
        _tagged(new_markdown_cell("NOTES-KEEP-3 for the speaker."), "notes"),
        _tagged(new_markdown_cell("## Second KEEP-4\n\n$$\\frac{\\partial L}{\\partial z} = p - y$$"), "subslide"),
        _tagged(new_markdown_cell("```mermaid\nflowchart LR\n  A[KEEP-5] --> B[loss]\n```"), "slide"),
        _tagged(new_code_cell("x = 'UNTAGGED-2'", execution_count=2), None),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def expected_slides(path: Path) -> int:
    """Slides a deck must show, counted from the notebook's JSON (independently of tools.slides)."""
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type") for c in json.loads(path.read_text("utf-8"))["cells"]]
    visible = [k for k in kinds if k is not None and k not in ("skip", "notes")]
    # nbconvert makes the first visible cell a slide whatever its type.
    return sum(k in ("slide", "subslide") for k in visible) + (visible[0] not in ("slide", "subslide"))


def has_slide_metadata(path: Path) -> bool:
    return any("slideshow" in c["metadata"] for c in json.loads(path.read_text("utf-8"))["cells"])


# --- the builder, on synthetic notebooks ----------------------------------------------------------


def test_only_tagged_cells_are_kept() -> None:
    kept = slides.select_cells(synthetic(), "synthetic.ipynb")
    text = "\n".join(c.source for c in kept.cells)
    for marker in ("KEEP-1", "CODE-KEEP-2", "NOTES-KEEP-3", "KEEP-4", "KEEP-5"):
        assert marker in text, f"tagged cell {marker} was dropped"
    for marker in ("UNTAGGED-1", "UNTAGGED-2", "SKIPPED-1"):
        assert marker not in text, f"{marker} should not be in the deck"
    assert slides.count_slides(kept) == 3
    assert slides.has_math(kept) and slides.has_mermaid(kept)


def test_first_visible_cell_becomes_a_slide() -> None:
    nb = new_notebook(cells=[_tagged(new_markdown_cell("a"), "fragment"), _tagged(new_markdown_cell("b"), "slide")])
    assert slides.count_slides(slides.select_cells(nb)) == 2


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ((None, None), "has no slide metadata"),
        (("skip", "notes"), "every tagged cell is Skip or Notes"),
        (("slide", "title"), "has slide_type 'title'"),
    ],
)
def test_bad_tagging_is_refused_with_the_fix(kinds: tuple[str | None, ...], message: str) -> None:
    nb = new_notebook(cells=[_tagged(new_markdown_cell(f"cell {i}"), k) for i, k in enumerate(kinds)])
    with pytest.raises(slides.SlidesError, match=message) as error:
        slides.select_cells(nb, "notebooks/99_new.ipynb")
    assert "notebooks/99_new.ipynb" in str(error.value)
    assert "View > Property Inspector" in str(error.value) and "Slide Type" in str(error.value)


def test_command_line_fails_on_an_untagged_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tagged = write(synthetic(), tmp_path / "good.ipynb")
    untagged = new_notebook(cells=[new_markdown_cell("# A new chapter")])
    bad = write(untagged, tmp_path / "20_new_chapter.ipynb")
    assert slides.main([str(tagged), str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "20_new_chapter.ipynb has no slide metadata" in err and "Property Inspector" in err
    assert not (tmp_path / "out").exists(), "nothing is built when a notebook is untagged"


def test_synthetic_deck_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "out"
    [deck] = slides.build([write(synthetic(), tmp_path / "synthetic.ipynb")], out)
    html = deck.html.read_text(encoding="utf-8")
    assert "KEEP-4" in html and "UNTAGGED" not in html and "SKIPPED" not in html
    assert "print('CODE-KEEP-2')" not in html, "code input is hidden by default"
    assert 'class="notes"' in html, "notes cells become speaker notes"
    remote = re.findall(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert remote == [], f"the deck loads from another host: {remote}"
    local = [u for u in re.findall(r'(?:src|href)="([^"#]+)"', html) if not re.match(r"[a-z]+:|//", u)]
    assert local, "no local script or style sheet found"
    missing = [u for u in local if not (out / u).is_file()]
    assert missing == [], f"referenced but not copied: {missing}"
    assert (out / "index.html").read_text(encoding="utf-8").count(".slides.html") == 1
    with_code = slides.build([tmp_path / "synthetic.ipynb"], tmp_path / "code", show_code=True)[0]
    assert "CODE-KEEP-2" in with_code.html.read_text(encoding="utf-8")


# --- the course's decks ---------------------------------------------------------------------------

TAGGED = [p for p in NOTEBOOKS if has_slide_metadata(p)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_tagged_for_slides(path: Path) -> None:
    cells = json.loads(path.read_text("utf-8"))["cells"]
    tagged = [c for c in cells if c["metadata"].get("slideshow", {}).get("slide_type", "skip") != "skip"]
    assert tagged, f"{path.name} has no slide metadata: {slides.HOW_TO_TAG}"
    assert 6 <= len(tagged) <= 15, f"{path.name}: {len(tagged)} cells tagged for slides; a 20-minute talk needs 6-15"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, slides.Deck]:
    out = tmp_path_factory.mktemp("slides")
    return {deck.html.name: deck for deck in slides.build(TAGGED, out)}


@pytest.fixture(scope="module")
def site(built: dict[str, slides.Deck]) -> Iterator[str]:
    from tools.browser import serve

    out = next(iter(built.values())).html.parent
    with serve(out) as base:
        yield base


def test_decks_link_only_to_files_in_the_folder(built: dict[str, slides.Deck]) -> None:
    """Nothing loaded from another host, and every relative URL (a link to another chapter too) resolves."""
    for name, deck in built.items():
        html = deck.html.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="((?:https?:)?//[^"]+)"', html)
        assert remote == [], f"{name} loads from another host: {remote}"
        urls = {u for u in re.findall(r'(?:src|href)="([^"#]+)', html) if not re.match(r"[a-z]+:|//", u)}
        missing = sorted(u for u in urls if not (deck.html.parent / u).is_file())
        assert missing == [], f"{name} references files that are not in the deck folder: {missing}"


def test_index_lists_every_deck(built: dict[str, slides.Deck], site: str, browser: Any) -> None:
    from tools.browser import open_page

    page, report = open_page(browser, f"{site}/index.html", settle_ms=0)
    try:
        assert report.problems() == []
        links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        assert sorted(links) == sorted(built)
    finally:
        page.close()


DECK_STATE = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  return {
    ready: Boolean(window.Reveal && Reveal.isReady()),
    slides: window.Reveal ? Reveal.getTotalSlides() : -1,
    math: document.querySelectorAll("mjx-container").length,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 60)),
    images: document.images.length,
    diagrams: document.querySelectorAll(".jp-Mermaid").length,
    drawn: document.querySelectorAll(".jp-RenderedMermaid:not(.jp-mod-warning) figure img").length,
  };
}"""


@pytest.mark.parametrize("path", TAGGED, ids=lambda p: p.name)
def test_deck_works_offline_in_a_browser(path: Path, built: dict[str, slides.Deck], site: str, browser: Any) -> None:
    from tools.browser import open_page

    deck = built[f"{path.stem}.slides.html"]
    page, report = open_page(browser, f"{site}/{deck.html.name}", settle_ms=0)
    try:
        if deck.has_mermaid:  # diagrams render asynchronously, after the page's load event
            page.wait_for_function(
                "document.querySelectorAll('.jp-Mermaid:not(.jp-RenderedMermaid)').length === 0", timeout=20_000
            )
        state = page.evaluate(DECK_STATE)
        assert report.problems() == [], report.problems()
        assert state["ready"], "reveal.js did not initialise"
        assert state["slides"] == expected_slides(path) == deck.slides
        if deck.has_math:
            assert state["math"] > 0, "the deck has TeX but MathJax typeset nothing"
        assert state["mathErrors"] == 0, "MathJax reported errors"
        assert state["brokenImages"] == [], state["brokenImages"]
        assert state["drawn"] == state["diagrams"], f"{state['drawn']} of {state['diagrams']} Mermaid diagrams drawn"
    finally:
        page.close()


def test_synthetic_deck_in_a_browser(tmp_path: Path, browser: Any) -> None:
    """The synthetic deck has math, an image and a diagram: all three must render."""
    from tools.browser import open_page, serve

    [deck] = slides.build([write(synthetic(), tmp_path / "synthetic.ipynb")], tmp_path / "out")
    with serve(tmp_path / "out") as base:
        page, report = open_page(browser, f"{base}/{deck.html.name}", settle_ms=0)
        try:
            page.wait_for_function("document.querySelectorAll('.jp-RenderedMermaid').length === 1", timeout=20_000)
            state = page.evaluate(DECK_STATE)
        finally:
            page.close()
    assert report.problems() == []
    assert state["ready"] and state["slides"] == 3
    assert state["math"] >= 2 and state["images"] >= 2 and state["brokenImages"] == []
    assert state["drawn"] == state["diagrams"] == 1
