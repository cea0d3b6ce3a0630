"""Open built pages in headless Chromium and report what a reader's browser would complain about.

Shared by the book's and the slides' tests. A page is served over http from a local folder
(Mermaid's ES modules do not load from ``file://``), opened in Debian's Chromium through
Playwright (``executable_path``: Playwright never downloads a browser here), and every console
error, failed request and request to another host is recorded::

    with serve(Path("build/book/html")) as base, chromium() as browser:
        report = open_page(browser, base + "/index.html")
        assert report.problems() == []
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Flags that keep Chromium from phoning home (refused connections on a closed network) and let
# it run as root in a container.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """Return the path of a Chromium-family browser: ``$COURSE_CHROMIUM``, else ``chromium`` on PATH."""
    explicit = os.environ.get("COURSE_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration; yield its base URL."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"`directory` {directory} does not exist; build it first.")
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(executable: str | None = None) -> Iterator[Any]:
    """Yield a headless Playwright ``Browser`` running Debian's Chromium."""
    from playwright.sync_api import sync_playwright  # a teacher tool: imported only here

    path = executable or find_chromium()
    if path is None:
        raise FileNotFoundError("No Chromium found: install Debian's `chromium` or set COURSE_CHROMIUM.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageReport:
    """What happened while one page loaded."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every console error, uncaught exception, failed or off-host request, one line each."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"request to another host: {m}" for m in self.external_requests]
        )


def open_page(
    browser: Any, url: str, *, settle_ms: int = 500, viewport: tuple[int, int] = (1280, 900)
) -> tuple[Any, PageReport]:
    """Load ``url`` in a new page; return the (still open) page and its :class:`PageReport`.

    Requests to any host but the page's own are blocked and recorded, so a CDN dependency fails
    here exactly as it would for an offline reader. The caller closes the page.
    """
    report = PageReport(url)
    own_host = urlsplit(url).netloc
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})

    def route(route: Any) -> None:
        request_url = route.request.url
        scheme = urlsplit(request_url).scheme
        if scheme in ("http", "https", "ws", "wss") and urlsplit(request_url).netloc != own_host:
            report.external_requests.append(request_url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.page_errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: (
            None if urlsplit(r.url).netloc != own_host else report.failed_requests.append(f"{r.url} ({r.failure})")
        ),
    )
    page.on(
        "response", lambda r: report.failed_requests.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None
    )
    page.goto(url, wait_until="load")
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=15_000)
    page.wait_for_timeout(settle_ms)
    return page, report
