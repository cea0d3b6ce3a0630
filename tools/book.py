"""Build the whole course as a static HTML site that reads offline: ``make book``.

The site is made with jupyter-book 1 (Sphinx) from the notebooks' STORED outputs: nothing is
re-executed, so building takes seconds and shows exactly what CI checked. Everything a page
loads is on disk: MathJax 3 and Mermaid are copied from the npm packages that
``tools/vendor.py`` fetched and checked, and no page asks a CDN, Binder, Google Fonts or GitHub
for anything. Sphinx's own search works offline (``search.html``)::

    .venv/bin/python -m tools.book                  # build/book/_build/html/index.html
    .venv/bin/python -m tools.book --out /tmp/book  # elsewhere

Run it with the course's Python (``.venv``): it reads the chapter list from
:data:`helpers.course.CHAPTERS` (NumPy only, no TensorFlow), writes a staging folder
(``OUT/src``: ``_config.yml``, ``_toc.yml``, a landing page, copies of the notebooks and of
``docs/guide/``), then runs jupyter-book from its own environment ``.venv-book`` (``make
book-setup``; it needs markdown-it-py 3 where the course has 4), as a subprocess. A chapter
added to ``CHAPTERS`` appears in the book with no other change. Read the result over http,
because Mermaid's ES modules do not load from ``file://``::

    python3 -m http.server -d build/book/_build/html 8000   # then open http://127.0.0.1:8000

The staged notebooks differ from ``notebooks/`` in two ways only: the first heading reads
"NN English title · 中文标题", and stream outputs are shown as a terminal would show them
(carriage returns and backspaces applied), so a Keras progress bar cannot turn into garbage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "book"
BOOK_VENV = ROOT / ".venv-book"
BOOK_VENV_ENV_VAR = "COURSE_BOOK_VENV"
GUIDE_DIR = ROOT / "docs" / "guide"

# The vendored JavaScript's own static folder. Not `_static`: jupyter-book 1 adds every .js
# file under a source `_static` folder (and under every html_static_path, once `_static`
# exists) to every page, which would load all of Mermaid's 200 chunks on every page.
VENDOR_STATIC = "_vendor"
MATHJAX_JS = "mathjax/tex-mml-chtml.js"
MERMAID_JS = "mermaid/mermaid.esm.min.mjs"
CSS_FILE = "course-book.css"

# Clip nothing: a wide table, formula or output line scrolls inside its own box; and give the
# text more of a wide screen (the theme stops at about 700 px; code lines run to 120 characters).
_CSS = """\
/* tools/book.py: wide outputs scroll in their own box instead of overflowing the page. */
div.cell_output { overflow-x: auto; }
div.cell_output table { display: block; max-width: 100%; overflow-x: auto; }
div.cell_output pre { white-space: pre; }
article.bd-article table { display: block; max-width: 100%; overflow-x: auto; }
.mermaid { overflow-x: auto; }
.bd-page-width { max-width: 100rem; }
.bd-main .bd-content .bd-article-container { max-width: 60rem; }
"""


@dataclass(frozen=True)
class Page:
    """One chapter page of the book: its source notebook and the title the book gives it."""

    notebook: str
    title: str


def page_title(number: str, title: str, chinese: str) -> str:
    """The book's title for a chapter: ``"01 What a large model is · 什么是大模型"``.

    A chapter without a number (the glossary's ``"—"``) is titled without one.

    >>> page_title("05", "Cross-entropy", "交叉熵")
    '05 Cross-entropy · 交叉熵'
    >>> page_title("—", "Glossary", "术语表")
    'Glossary · 术语表'
    """
    prefix = f"{number} " if number.strip() and number.strip() not in ("—", "-") else ""
    return f"{prefix}{title} · {chinese}"


def chapter_pages() -> list[Page]:
    """Every chapter of :data:`helpers.course.CHAPTERS` whose notebook exists, in order.

    ``helpers.course`` imports only NumPy, so this does not load TensorFlow.
    """
    try:
        from helpers.course import CHAPTERS
    except ImportError as error:  # e.g. run with .venv-book's Python, which has no NumPy
        raise RuntimeError(
            f"tools.book reads the chapter list from helpers.course, which needs the course's Python "
            f"({error}); run it as `.venv/bin/python -m tools.book` (jupyter-book runs from .venv-book by itself)."
        ) from error

    return [
        Page(ch.notebook, page_title(ch.number, ch.title, ch.chinese))
        for ch in CHAPTERS
        if (ROOT / "notebooks" / ch.notebook).is_file()
    ]


def terminal_text(text: str) -> str:
    r"""Return ``text`` as a terminal would leave it: ``\r`` rewinds the line, ``\b`` deletes back.

    Keras's ``verbose=1`` redraws its progress bar with these; shown raw in HTML they are
    garbage. A line ending in ``\r\n`` is an ordinary line end.

    >>> terminal_text("1/3 ━━\r2/3 ━━━━\r3/3 ━━━━━━ done\n")
    '3/3 ━━━━━━ done\n'
    >>> terminal_text("ab\bc\r\nnext")
    'ac\nnext'
    """
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line: list[str] = []
        cursor = 0
        for char in raw:
            if char == "\r":
                cursor = 0
            elif char == "\b":
                cursor = max(0, cursor - 1)
                if cursor < len(line):
                    del line[cursor:]
            elif cursor < len(line):
                line[cursor] = char
                cursor += 1
            else:
                line.append(char)
                cursor += 1
        lines.append("".join(line))
    return "\n".join(lines)


def _as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def stage_notebook(notebook: dict[str, Any], title: str) -> dict[str, Any]:
    """Return a copy of ``notebook`` (nbformat 4 JSON) ready for the book.

    The first heading becomes ``# {title}`` (a heading cell is added where the notebook has
    none), and every stream and ``text/plain`` output gets :func:`terminal_text`. Cell sources
    and all other outputs are unchanged.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(f"`notebook` must be a notebook's JSON (a dict with 'cells'), got {type(notebook).__name__}.")
    staged = json.loads(json.dumps(notebook))
    cells = staged["cells"]
    first = cells[0] if cells else None
    source = _as_text(first["source"]) if first and first["cell_type"] == "markdown" else ""
    if source.startswith("# "):
        heading, _, rest = source.partition("\n")
        first["source"] = f"# {title}\n{rest}" if rest or source.endswith("\n") else f"# {title}"
    else:
        cells.insert(0, {"cell_type": "markdown", "id": "book-title", "metadata": {}, "source": f"# {title}"})
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = terminal_text(_as_text(output["text"]))
            data = output.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = terminal_text(_as_text(data["text/plain"]))
    return staged


def guide_pages(guide: Path | None = None) -> list[str]:
    """The instructor's guide's pages (``docs/guide/*.md``), ``index.md`` first; ``[]`` if none.

    A guide without an ``index.md`` (one being written) is left out of the book with a
    ``UserWarning`` that says so: the rest of the book does not depend on it.
    """
    guide = Path(guide) if guide is not None else GUIDE_DIR
    if not guide.is_dir():
        return []
    pages = sorted(p.stem for p in guide.glob("*.md"))
    if not pages:
        return []
    if "index" not in pages:
        warnings.warn(
            f"{guide} has Markdown pages ({', '.join(pages)}) but no index.md, so the book leaves the "
            "guide out; add docs/guide/index.md (its first page) to get the part 'For teachers'.",
            stacklevel=2,
        )
        return []
    return ["index"] + [p for p in pages if p != "index"]


def _readme_intro(readme: Path) -> tuple[str, str]:
    """The README's title and the paragraphs before its first ``##`` section."""
    text = readme.read_text(encoding="utf-8")
    match = re.match(r"#\s+(.+?)\n(.*?)(?=^##\s)", text, re.S | re.M)
    if not match:
        raise ValueError(f"{readme} must start with a '# Title' line and a paragraph before its first '## ' section.")
    return match.group(1).strip(), match.group(2).strip()


def landing_page(title: str, intro: str, pages: Sequence[Page], goals: dict[str, str], *, has_guide: bool) -> str:
    """The book's first page (MyST Markdown): the README's introduction and the chapter table."""
    rows = "\n".join(
        f"| [{page.title}](notebooks/{page.notebook}) | {goals.get(page.notebook, '')} |" for page in pages
    )
    guide = "Teachers: the instructor's guide is the book's last part, [For teachers](docs/guide/index.md).\n\n"
    return f"""# {title}

{intro}

This is the course as a book that reads offline: every chapter with the outputs stored in
the repository and checked by its tests (nothing was re-run to make these pages). To run and
change the code, clone the repository and start with `make course`; the search box searches
every chapter.

{guide if has_guide else ""}| chapter | you will be able to |
|---|---|
{rows}
"""


# jupyter-book 1's default Sphinx extensions, less `sphinx_thebe` (its config names a CDN
# script, unpkg.com/thebe, on every page), plus `sphinxcontrib.mermaid`. `sphinx_comments`
# stays (jupyter-book always sets its config) and loads nothing: no comments are configured.
EXTENSIONS = (
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "myst_nb",
    "jupyter_book",
    "sphinx_comments",
    "sphinx_external_toc",
    "sphinx.ext.intersphinx",
    "sphinx_design",
    "sphinx_book_theme",
    "sphinxcontrib.mermaid",
)


def _config(title: str) -> dict[str, Any]:
    """jupyter-book's ``_config.yml``: stored outputs, vendored MathJax and Mermaid, no buttons that fetch.

    Everything under ``sphinx.config`` replaces jupyter-book's own value (its
    ``recursive_update`` is off), so the extension list and the theme's options are given whole:
    no launch (Binder, Colab, Thebe), repository, issue or edit buttons; the download button
    (the page's ``.ipynb``, from this site) and full-screen button stay.
    """
    return {
        "title": title,
        "author": "the course's authors",
        "copyright": "code MIT, prose and figures CC BY 4.0",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "parse": {"myst_enable_extensions": ["amsmath", "dollarmath", "colon_fence", "deflist"]},
        "sphinx": {
            "config": {
                "extensions": list(EXTENSIONS),
                "html_theme_options": {
                    "search_bar_text": "Search this book…",
                    "home_page_in_toc": False,
                    "use_download_button": True,
                    "use_fullscreen_button": True,
                    "use_repository_button": False,
                    "use_issues_button": False,
                    "use_edit_page_button": False,
                    "use_source_button": False,
                    "launch_buttons": {},
                    "icon_links": [],
                    "analytics": {},
                },
                # Without it pydata-sphinx-theme logs "Got invalid theme mode" on every page.
                # Light: the notebooks' plots are drawn for a white background.
                "html_context": {"default_mode": "light"},
                "html_static_path": [VENDOR_STATIC],
                "html_css_files": [CSS_FILE],
                "mathjax_path": MATHJAX_JS,
                "mermaid_use_local": MERMAID_JS,
                "mermaid_output_format": "raw",
                "mermaid_d3_zoom": False,
                # The default, a fixed 500px, letter-boxes a wide left-to-right chart in white space.
                "mermaid_height": "auto",
                "mermaid_include_elk": False,
                "myst_fence_as_directive": ["mermaid"],
                # `$$…$$` right under a line of text or inside a list item (no blank line before
                # it) is display math in JupyterLab; MyST needs this to agree, else it shows `$$`.
                "myst_dmath_double_inline": True,
                "nb_merge_streams": True,
                "language": "en",
            },
        },
    }


def _toc(pages: Sequence[Page], guide: Sequence[str]) -> dict[str, Any]:
    """jupyter-book's ``_toc.yml``: the landing page, the chapters, and the guide if there is one."""
    parts: list[dict[str, Any]] = [
        {
            "caption": "Chapters · 章节",
            "chapters": [{"file": f"notebooks/{Path(p.notebook).stem}", "title": p.title} for p in pages],
        }
    ]
    if guide:
        index, *rest = guide
        chapter: dict[str, Any] = {"file": f"docs/guide/{index}"}
        if rest:
            chapter["sections"] = [{"file": f"docs/guide/{name}"} for name in rest]
        parts.append({"caption": "For teachers · 教师指南", "chapters": [chapter]})
    return {"format": "jb-book", "root": "index", "parts": parts}


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` unless the file already holds it (keeps Sphinx's incremental rebuild honest)."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_tree(files: Iterable[tuple[Path, Path]]) -> None:
    for source, target in files:
        _write_if_changed(target, source.read_bytes())


def copy_vendor(static: Path) -> None:
    """Copy what the pages load from the vendored npm packages into ``static`` (MathJax, Mermaid).

    MathJax: the combined ``tex-mml-chtml.js`` component, its CHTML web fonts and the TeX
    extensions it can autoload (``\\cancel``, ``\\color``...). Mermaid: the ES module and its
    chunks, without source maps. Each keeps its licence file.
    """
    from tools.vendor import fetch  # fetches once (install time), then reads .vendor/

    mathjax = fetch("mathjax") / "es5"
    mermaid = fetch("mermaid")
    plan: list[tuple[Path, Path]] = [
        (mathjax / "tex-mml-chtml.js", static / MATHJAX_JS),
        (mathjax.parent / "LICENSE", static / "mathjax" / "LICENSE"),
        (mermaid / "dist" / "mermaid.esm.min.mjs", static / MERMAID_JS),
        (mermaid / "LICENSE", static / "mermaid" / "LICENSE"),
    ]
    for folder in ("output/chtml/fonts/woff-v2", "input/tex/extensions"):
        plan += [(f, static / "mathjax" / f.relative_to(mathjax)) for f in sorted((mathjax / folder).rglob("*.js"))]
        plan += [(f, static / "mathjax" / f.relative_to(mathjax)) for f in sorted((mathjax / folder).rglob("*.woff"))]
    chunks = mermaid / "dist" / "chunks" / "mermaid.esm.min"
    plan += [(f, static / "mermaid" / "chunks" / "mermaid.esm.min" / f.name) for f in sorted(chunks.glob("*.mjs"))]
    missing = [str(source) for source, _ in plan if not source.is_file()]
    if missing:
        raise FileNotFoundError(f"The vendored packages lack {missing}; delete .vendor/, run `python -m tools.vendor`.")
    _copy_tree(plan)


def stage(src: Path, *, guide: Path | None = None, readme: Path | None = None) -> list[Page]:
    """Write the book's sources into ``src``; return the chapter pages staged.

    ``src`` mirrors the repository's layout (``notebooks/``, ``docs/guide/``), so the links
    between the README-like landing page, the notebooks and the guide resolve as on GitHub.
    ``guide`` defaults to ``docs/guide``, ``readme`` to the repository's ``README.md``.
    """
    guide = Path(guide) if guide is not None else GUIDE_DIR
    readme = Path(readme) if readme is not None else ROOT / "README.md"
    pages = chapter_pages()
    if not pages:
        raise FileNotFoundError(f"No chapter notebook of helpers.course.CHAPTERS exists under {ROOT / 'notebooks'}.")
    from helpers.course import CHAPTERS  # importable: chapter_pages() just did

    goals = {ch.notebook: ch.goal for ch in CHAPTERS}
    title, intro = _readme_intro(readme)
    guide_names = guide_pages(guide)
    # Only files this function writes are kept: a chapter or guide page removed upstream goes.
    wanted: set[Path] = set()

    def put(relative: str, text: str) -> None:
        wanted.add(src / relative)
        _write_if_changed(src / relative, text.encode("utf-8"))

    # JSON is YAML: no YAML library needed here.
    header = "# Written by tools/book.py; edit that, not this.\n"
    put("_config.yml", header + json.dumps(_config(title), indent=2, ensure_ascii=False))
    put("_toc.yml", header + json.dumps(_toc(pages, guide_names), indent=2, ensure_ascii=False))
    put("index.md", landing_page(title, intro, pages, goals, has_guide=bool(guide_names)))
    put(f"{VENDOR_STATIC}/{CSS_FILE}", _CSS)
    for page in pages:
        notebook = json.loads((ROOT / "notebooks" / page.notebook).read_text(encoding="utf-8"))
        staged = stage_notebook(notebook, page.title)
        put(f"notebooks/{page.notebook}", json.dumps(staged, indent=1, ensure_ascii=False))
    if guide_names:
        for path in sorted(p for p in guide.rglob("*") if p.is_file()):
            target = src / "docs" / "guide" / path.relative_to(guide)
            wanted.add(target)
            _write_if_changed(target, path.read_bytes())
    for stale in [p for p in src.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".md") and p not in wanted]:
        stale.unlink()
    copy_vendor(src / VENDOR_STATIC)
    return pages


def jupyter_book_command() -> Path:
    """The ``jupyter-book`` executable of the book's environment (``$COURSE_BOOK_VENV`` or ``.venv-book``)."""
    venv = Path(os.environ.get(BOOK_VENV_ENV_VAR) or BOOK_VENV)
    executable = venv / "bin" / "jupyter-book"
    if not executable.is_file():
        raise FileNotFoundError(
            f"No jupyter-book in {venv}: run `make book-setup` (it installs tools/requirements-book.lock "
            f"into .venv-book), or point {BOOK_VENV_ENV_VAR} at an environment that has it."
        )
    return executable


def html_dir(out: Path = DEFAULT_OUT) -> Path:
    """Where :func:`build` puts the site (jupyter-book's ``OUT/_build/html``)."""
    return Path(out) / "_build" / "html"


def build(out: Path = DEFAULT_OUT, *, strict: bool = True, quiet: bool = True, guide: Path | None = None) -> Path:
    """Stage the book in ``out/src``, build it with jupyter-book; return the HTML folder.

    ``strict`` turns every Sphinx warning (a broken link, a bad directive, a missing image)
    into a failure, reported after the whole build. ``guide`` is the instructor's guide's folder,
    default ``docs/guide`` (its pages become the part "For teachers"; none if it has no Markdown). Raises
    ``RuntimeError`` with jupyter-book's output when the build fails.
    """
    out = Path(out).resolve()
    src = out / "src"
    stage(src, guide=guide)
    command = [str(jupyter_book_command()), "build", str(src), "--path-output", str(out), "--builder", "html"]
    if strict:
        command += ["-W", "--keep-going"]
    if quiet:
        command += ["-q"]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log = f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
        raise RuntimeError(f"jupyter-book failed (exit {result.returncode}) building {src}:\n{log}")
    site = html_dir(out)
    if not (site / "index.html").is_file():
        raise RuntimeError(f"jupyter-book exited 0 but wrote no {site / 'index.html'}:\n{result.stdout[-3000:]}")
    return site


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.book", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/book)")
    parser.add_argument("--no-strict", dest="strict", action="store_false", help="let Sphinx warnings pass")
    parser.add_argument("-v", "--verbose", action="store_true", help="show jupyter-book's progress")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    site = build(args.out, strict=args.strict, quiet=not args.verbose)
    print(f"book built in {time.perf_counter() - start:.1f} s: {site / 'index.html'}")
    print(f"read it over http: python3 -m http.server -d {site} 8000  (then open http://127.0.0.1:8000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
