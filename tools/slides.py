"""Build one offline reveal.js deck per chapter from the cells a teacher tagged for slides.

A teacher chooses the slides in JupyterLab: select a cell, open the property inspector (View >
Property Inspector, the gear in the right sidebar) and set its *Slide Type*. That writes
``cell.metadata.slideshow.slide_type``, one of ``slide`` (a new slide), ``subslide`` (a new slide
below the last one), ``fragment`` (appears on the next click), ``-`` (continues the slide
above), ``notes`` (speaker notes, shown by pressing ``s``) or ``skip``. A deck holds **only** the
cells given a type other than ``skip``; untagged cells are left out, so a 40-cell chapter becomes
a 10-slide talk. A notebook with no tagged cell is an error, never an empty deck. Code cells
show only their outputs (the plot, the table, the printed check) unless ``--show-code``.

Decks are rendered from the notebook's stored outputs (nothing is re-executed) with nbconvert's
``SlidesExporter`` and the template in ``tools/slides_template/course_reveal``. reveal.js,
MathJax 3, Mermaid and jQuery are copied from ``.vendor/`` (``python -m
tools.vendor``) into ``OUT/vendor/`` and loaded by relative URL: the folder works with no
network, served over http (Mermaid's ES modules do not load from ``file://``)::

    python -m tools.slides                          # every notebook -> build/slides/
    python -m tools.slides notebooks/09_attention.ipynb --out /tmp/deck
    python -m http.server -d build/slides           # then open http://localhost:8000
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "slides"
TEMPLATE_DIR = Path(__file__).with_name("slides_template")
TEMPLATE_NAME = "course_reveal"
VENDOR = "vendor"
"""Folder, next to the decks, that holds the copied JavaScript (relative URLs point here)."""

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "notes", "skip")
"""The values JupyterLab's property inspector writes to ``metadata.slideshow.slide_type``."""
NEW_SLIDE = ("slide", "subslide")
"""Slide types that start a new slide (reveal.js counts each one)."""

HOW_TO_TAG = (
    "Tag the cells for the talk in JupyterLab: select a cell, open View > Property Inspector "
    "and set its Slide Type (Slide, Sub-Slide, Fragment, - to continue, Notes; untagged and Skip "
    "cells are left out), then save the notebook."
)

# Files copied from each vendored npm package (paths inside `.vendor/NAME-VERSION/`), and where
# they go under OUT/vendor/. Only what a deck loads: the full packages are ~120 MB.
_REVEAL_FILES = (
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/theme/white.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js",
    "LICENSE",
)
_MATHJAX_FILES = (  # inside the package's `es5/`
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml/fonts/woff-v2",
    "ui",
    "a11y",
    "sre",
)
_MERMAID_FILES = ("dist/mermaid.esm.min.mjs", "dist/chunks/mermaid.esm.min", "LICENSE")


class SlidesError(ValueError):
    """A notebook cannot become a deck (no slide metadata, or an unknown slide type)."""


@dataclass(frozen=True)
class Deck:
    """One built deck."""

    notebook: Path
    html: Path
    title: str
    slides: int
    """Slides reveal.js shows (cells that start a slide or sub-slide)."""
    cells: int
    """Cells kept in the deck (notes included)."""
    has_math: bool
    has_mermaid: bool


def slide_type(cell: Any) -> str | None:
    """Return the cell's ``metadata.slideshow.slide_type``, or ``None`` when it has none."""
    slideshow = cell.get("metadata", {}).get("slideshow")
    if not isinstance(slideshow, dict):
        return None
    value = slideshow.get("slide_type")
    return value if isinstance(value, str) else None


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (shorter error messages)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def select_cells(nb: Any, name: str = "notebook") -> Any:
    """Return a copy of ``nb`` keeping only the cells tagged with a slide type other than ``skip``.

    Parameters
    ----------
    nb:
        A notebook (``nbformat.NotebookNode``, or the same as plain dicts).
    name:
        How to name the notebook in an error message (its path).

    Raises
    ------
    SlidesError
        When no cell carries slide metadata, when every tagged cell is ``skip`` or ``notes``, or
        when a cell has a slide type JupyterLab does not write.
    """
    kept = []
    tagged = 0
    for index, cell in enumerate(nb["cells"]):
        kind = slide_type(cell)
        if kind is None:
            continue
        tagged += 1
        if kind not in SLIDE_TYPES:
            raise SlidesError(
                f"{name}: cell {index} (id {cell.get('id', '?')}) has slide_type {kind!r}; "
                f"it must be one of {', '.join(SLIDE_TYPES)}. {HOW_TO_TAG}"
            )
        if kind != "skip":
            kept.append(cell)
    if tagged == 0:
        raise SlidesError(f"{name} has no slide metadata, so it would make an empty deck. {HOW_TO_TAG}")
    if not any(slide_type(cell) != "notes" for cell in kept):
        raise SlidesError(f"{name}: every tagged cell is Skip or Notes, so the deck has no slide. {HOW_TO_TAG}")
    out = copy.deepcopy(nb)
    out["cells"] = copy.deepcopy(kept)
    return out


def count_slides(nb: Any) -> int:
    """Number of slides reveal.js shows for the (already selected) cells of ``nb``.

    Every ``slide`` and ``subslide`` cell starts one; nbconvert also turns the first visible
    cell into a slide whatever its type, so a deck whose first visible cell is a fragment or
    ``-`` gets one more.
    """
    visible = [slide_type(cell) for cell in nb["cells"] if slide_type(cell) not in ("notes", "skip")]
    if not visible:
        return 0
    return sum(kind in NEW_SLIDE for kind in visible) + (visible[0] not in NEW_SLIDE)


_MATH = re.compile(r"\$[^$\n]+\$|\\\(|\\\[|\\begin\{")


def _markdown(nb: Any) -> str:
    return "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
    )


def has_math(nb: Any) -> bool:
    """Whether a kept Markdown cell holds TeX (``$..$``, ``\\(``, ``\\[``, ``\\begin{``)."""
    return bool(_MATH.search(_markdown(nb)))


def has_mermaid(nb: Any) -> bool:
    """Whether a kept Markdown cell holds a ```` ```mermaid ```` block."""
    return "```mermaid" in _markdown(nb)


def _title(nb: Any, path: Path) -> str:
    """The chapter's title as the course lists it, else the notebook's first heading, else its name."""
    try:
        from helpers.course import chapter_for

        chapter = chapter_for(path)
        number = "" if chapter.number in ("—", "") else f"{chapter.number} "
        return f"{number}{chapter.title} ({chapter.chinese})"
    except (ImportError, ValueError):
        pass
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            match = re.search(r"^#\s+(.+)$", source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return path.stem


def _copy_files(source: Path, names: Iterable[str], dest: Path) -> None:
    """Copy ``names`` (files or folders, relative to ``source``) to the same place under ``dest``."""
    for name in names:
        src = source / name
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing; re-fetch it with `python -m tools.vendor` (delete .vendor/).")
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        else:
            shutil.copy2(src, target)


def copy_vendor(out: Path, *, mermaid: bool = True) -> Path:
    """Copy what the decks load into ``out/vendor/`` and return that folder.

    Layout: ``reveal.js/`` (dist, white theme and its fonts, notes plugin), ``mathjax/``
    (MathJax 3's ``tex-chtml.js`` with its fonts and lazily loaded extensions),
    ``mermaid/`` (ES module and chunks; only when ``mermaid``) and ``jquery.min.js``. No
    require.js: see the template (it breaks Mermaid's bundled libraries, and no output needs it).
    """
    from tools.vendor import fetch

    vendor = out / VENDOR
    _copy_files(fetch("reveal.js"), _REVEAL_FILES, vendor / "reveal.js")
    mathjax = fetch("mathjax")
    _copy_files(mathjax / "es5", _MATHJAX_FILES, vendor / "mathjax")
    _copy_files(mathjax, ("LICENSE",), vendor / "mathjax")
    if mermaid:
        _copy_files(fetch("mermaid"), _MERMAID_FILES, vendor / "mermaid")
    shutil.copy2(fetch("jquery") / "dist" / "jquery.min.js", vendor / "jquery.min.js")
    return vendor


def _exporter(*, show_code: bool = False) -> Any:
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = f"{VENDOR}/reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_width = "1280"
    config.SlidesExporter.reveal_height = "800"
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.mathjax_url = f"{VENDOR}/mathjax/tex-chtml.js"
    config.SlidesExporter.jquery_url = f"{VENDOR}/jquery.min.js"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    # A talk shows what the code computed (plots, tables, printed checks); the code is in the notebook.
    config.SlidesExporter.exclude_input = not show_code
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    config.SlidesExporter.template_name = TEMPLATE_NAME
    exporter = SlidesExporter(config=config)
    # Not a configurable trait in nbconvert 7.17 (so `--SlidesExporter.mermaid_js_url` is
    # silently ignored): set it on the instance.
    exporter.mermaid_js_url = f"./{VENDOR}/mermaid/dist/mermaid.esm.min.mjs"
    return exporter


def build_deck(notebook: Path, out: Path, *, exporter: Any = None) -> Deck:
    """Render ``notebook``'s tagged cells (stored outputs) to ``out/STEM.slides.html``.

    The vendored JavaScript must already be in ``out/vendor/`` (:func:`copy_vendor`); prefer
    :func:`build`, which does both.
    """
    import nbformat

    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"`notebook` {notebook} does not exist; pass a path to an .ipynb file.")
    nb = nbformat.read(notebook, as_version=4)
    deck_nb = select_cells(nb, _shown(notebook))
    title = _title(nb, notebook)
    deck_nb.metadata["title"] = title
    mermaid = has_mermaid(deck_nb)
    exporter = exporter or _exporter()
    resources = {
        "metadata": {"name": notebook.stem, "path": str(notebook.parent)},
        "course_vendor": VENDOR,
        "course_has_mermaid": mermaid,
    }
    body, _ = exporter.from_notebook_node(deck_nb, resources=resources)
    body = _link_decks(body, notebook.parent)
    target = out / f"{notebook.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    kept = len(deck_nb.cells)
    return Deck(notebook, target, title, count_slides(deck_nb), kept, has_math(deck_nb), mermaid)


_NOTEBOOK_LINK = re.compile(r'href="([\w.-]+)\.ipynb(#[^"]*)?"')


def _link_decks(body: str, folder: Path) -> str:
    """Point links to a sibling notebook (``05_cross_entropy.ipynb``) at its deck, which sits next to this one."""

    def replace(match: re.Match[str]) -> str:
        stem = match.group(1)
        if not (folder / f"{stem}.ipynb").is_file():
            return match.group(0)
        return f'href="{stem}.slides.html"'

    return _NOTEBOOK_LINK.sub(replace, body)


def _index_html(decks: Sequence[Deck]) -> str:
    rows = "\n".join(
        f'<li><a href="{html.escape(d.html.name)}">{html.escape(d.title)}</a> '
        f'<span class="n">{d.slides} slides</span></li>'
        for d in decks
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Slides: the maths and engineering of large AI models</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: 0.3em 0; }}
.n {{ color: #666; font-size: 0.9em; }}
kbd {{ border: 1px solid #aaa; border-radius: 3px; padding: 0 0.3em; }}
</style>
</head>
<body>
<h1>Slides (幻灯片)</h1>
<p>One deck per chapter, made from the cells tagged for slides (JupyterLab: View &gt; Property
Inspector &gt; Slide Type) with their stored outputs. Keys: <kbd>→</kbd>/<kbd>space</kbd> next,
<kbd>s</kbd> speaker notes, <kbd>f</kbd> full screen, <kbd>o</kbd> overview, <kbd>?</kbd> help.</p>
<ul>
{rows}
</ul>
<p class="n">Built with reveal.js, MathJax and Mermaid copied into <code>{VENDOR}/</code>; no network needed.</p>
</body>
</html>
"""


def default_notebooks() -> list[Path]:
    """Every notebook in ``notebooks/`` (chapters and glossary), sorted by name."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def build(notebooks: Sequence[Path] | None = None, out: Path = DEFAULT_OUT, *, show_code: bool = False) -> list[Deck]:
    """Build a deck for each of ``notebooks`` (default: all) and an ``index.html`` into ``out``.

    Code cells show only their stored outputs unless ``show_code`` (Markdown cells show in full).

    Every notebook is checked before anything is rendered; if some have no slide metadata, a
    :class:`SlidesError` names all of them at once.
    """
    import nbformat

    paths = [Path(p) for p in (notebooks if notebooks else default_notebooks())]
    if not paths:
        raise FileNotFoundError(f"No notebooks given and none found in {NOTEBOOKS}.")
    problems = []
    need_mermaid = False
    for path in paths:
        if not path.is_file():
            problems.append(f"{_shown(path)} does not exist; pass paths to .ipynb files.")
            continue
        try:
            need_mermaid |= has_mermaid(select_cells(nbformat.read(path, as_version=4), _shown(path)))
        except SlidesError as error:
            problems.append(str(error))
    if problems:
        raise SlidesError("\n".join(problems))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out, mermaid=need_mermaid)
    exporter = _exporter(show_code=show_code)
    decks = [build_deck(path, out, exporter=exporter) for path in paths]
    (out / "index.html").write_text(_index_html(decks), encoding="utf-8")
    return decks


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tools.slides [--out DIR] [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(prog="python -m tools.slides", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to build (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/slides)")
    parser.add_argument("--show-code", action="store_true", help="show code cells' source too (default: outputs only)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        decks = build(args.notebooks, args.out, show_code=args.show_code)
    except SlidesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for deck in decks:
        size = deck.html.stat().st_size / 1e6
        print(f"{deck.html.name}: {deck.slides} slides, {deck.cells} cells, {size:.2f} MB")
    print(
        f"{len(decks)} decks in {args.out}/ ({time.perf_counter() - start:.1f} s); "
        f"open {args.out}/index.html over http: python -m http.server -d {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
