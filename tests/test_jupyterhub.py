"""The JupyterHub recipe (tools/hub, docs/jupyterhub.md) serves the course to a learner.

The end-to-end test starts the hub on 127.0.0.1 with ``tools/hub/jupyterhub_config_test.py``,
logs in through the real login form, starts the learner's server, opens a course notebook and
runs a cell in its kernel over the websocket, as JupyterLab would; then it stops everything and
checks that no process is left. A second one does the same in headless Chromium and fails on
any request that leaves the server; another starts the deployment's own configuration. They
need Node.js and the proxy (``npm ci --prefix tools/hub``): without them they are skipped,
except in CI (``CI`` set), where that is a failure. The copy/collect/reset tests need neither.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from tools.hub import workshop
from tools.hub.settings import HUB_DIR, PROXY_BIN

NOTEBOOK = "11_case_image_cnn.ipynb"


@pytest.fixture(scope="module")
def proxy_installed() -> None:
    """Skip (fail in CI) where Node.js, npm or the pinned proxy is missing, with the fix."""
    missing = [name for name in ("node", "npm") if shutil.which(name) is None]
    if missing:
        message = (
            f"No {' or '.join(missing)} on PATH: install Node.js >= 18 (the tests ran on 20) with npm, "
            "then `npm ci --prefix tools/hub`."
        )
    elif not PROXY_BIN.exists():
        message = f"JupyterHub's proxy is not installed ({PROXY_BIN}): run `npm ci --prefix tools/hub`."
    else:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _notebooks(folder: Path, names: tuple[str, ...] = ("a.ipynb", "b.ipynb")) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    return folder


def test_copy_course_copies_once_and_never_overwrites(tmp_path: Path) -> None:
    source = _notebooks(tmp_path / "source")
    home = tmp_path / "home" / "alice"
    course = workshop.copy_course(source, home)
    assert course == home / "course"
    assert sorted(p.name for p in course.iterdir()) == ["a.ipynb", "b.ipynb"], "checkpoints must not be copied"
    (course / "a.ipynb").write_text("the learner's work")
    (source / "c.ipynb").write_text("{}")
    assert workshop.copy_course(source, home) == course
    assert (course / "a.ipynb").read_text() == "the learner's work", "a second start must not overwrite work"
    assert not (course / "c.ipynb").exists()


def test_copy_course_names_the_fix_for_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make student"):
        workshop.copy_course(tmp_path / "student", tmp_path / "home")


def test_collect_and_reset(tmp_path: Path) -> None:
    source = _notebooks(tmp_path / "source")
    homes = tmp_path / "homes"
    for name in ("alice", "bob"):
        workshop.copy_course(source, homes / name)
    (homes / "carol").mkdir()  # never logged in: no course folder, not collected
    counts = workshop.collect(homes, tmp_path / "collected")
    assert counts == {"alice": 2, "bob": 2}
    assert (tmp_path / "collected" / "alice" / "a.ipynb").exists()
    with pytest.raises(FileExistsError, match="--to"):
        workshop.collect(homes, tmp_path / "collected")

    (homes / "alice" / "course" / "a.ipynb").write_text("alice's answer")
    moved = workshop.reset(homes / "alice")
    assert moved is not None and (moved / "a.ipynb").read_text() == "alice's answer", "reset must keep the old work"
    assert workshop.reset(homes / "carol") is None
    fresh = workshop.copy_course(source, homes / "alice")
    assert (fresh / "a.ipynb").read_text() != "alice's answer", "after a reset the next start copies afresh"


def test_deployment_config_loads(proxy_installed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import PAMAuthenticator
    from jupyterhub.spawner import LocalProcessSpawner
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("COURSE_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("COURSE_HUB_NOTEBOOKS", str(HUB_DIR.parents[1] / "notebooks"))
    monkeypatch.setenv("COURSE_HUB_ADMINS", "teacher")
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()
    app = JupyterHub(config=config)
    assert app.authenticator_class is PAMAuthenticator
    assert app.spawner_class is LocalProcessSpawner
    assert config.PAMAuthenticator.allowed_groups == {"course"}
    assert config.Authenticator.admin_users == {"teacher"}
    assert config.Authenticator.allowed_users == {"teacher"}, "a teacher outside the group must still log in"
    assert config.ConfigurableHTTPProxy.command == [str(PROXY_BIN)]
    assert "--MappingKernelManager.cull_idle_timeout=3600" in config.Spawner.args
    assert not any("allow_root" in arg for arg in config.Spawner.args), "learners' servers never run as root"
    assert config.Spawner.interrupt_timeout == 5
    assert (tmp_path / "state").is_dir()


def test_deployment_hub_starts_and_refuses_a_stranger(proxy_installed: None, tmp_path: Path) -> None:
    """The real configuration starts (PAM, LocalProcessSpawner) and its login form refuses an unknown user."""
    from tools.hub.testhub import Learner, running_hub

    with running_hub(tmp_path, notebooks=HUB_DIR.parents[1] / "notebooks", deployment=True) as hub:
        with pytest.raises(PermissionError):
            Learner(hub, "nosuchlearner").log_in(password="whatever-it-is")
    log = hub.log_path.read_text()
    assert "PAMAuthenticator" in log and "LocalProcessSpawner" in log, hub.log_tail()


def test_deployment_config_names_the_fix_for_missing_student_copies(
    proxy_installed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("COURSE_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("COURSE_HUB_NOTEBOOKS", str(tmp_path / "student"))
    with pytest.raises(FileNotFoundError, match="make student"):
        PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()


def test_a_learner_logs_in_and_runs_a_course_notebook(
    proxy_installed: None, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    from tools.hub.testhub import Learner, running_hub

    started = time.perf_counter()
    with running_hub(tmp_path) as hub:
        with pytest.raises(PermissionError):
            Learner(hub, "mallory").log_in(password="not-the-password")

        alice = Learner(hub, "alice")
        alice.log_in()
        spawn_seconds = alice.start_server()

        notebook = alice.open_notebook(NOTEBOOK)
        assert notebook["type"] == "notebook" and len(notebook["content"]["cells"]) > 10
        course_copy = tmp_path / "home" / "alice" / "course"
        assert (course_copy / NOTEBOOK).is_file(), "the server must start in alice's own copy of the course"

        kernel = alice.start_kernel(NOTEBOOK)
        result = alice.execute(kernel, "import os, helpers\nprint(helpers.course.get_seed())\nprint(os.getcwd())")
        assert result.status == "ok", f"the cell failed: {result.error}\n{result.stderr}"
        seed, cwd = result.stdout.split()
        assert seed == "42", f"expected the course seed 42, got {result.stdout!r}"
        assert Path(cwd) == course_copy, "the kernel must run in alice's copy, next to her notebook"
        memory = alice.memory_bytes()

        bob = Learner(hub, "bob")
        bob.log_in()
        assert bob.http.get(alice.server + "/lab", timeout=30).status_code == 403, "bob must not open alice's server"

        alice.stop_server()
        assert alice.server_processes() == [], "stopping alice's server must stop her kernel too"
    # Leaving running_hub stopped the hub and raised if any of these outlived it.
    assert len(hub.seen) >= 4, f"expected hub, proxy, server and kernel, saw {len(hub.seen)} processes"
    total = time.perf_counter() - started
    for name, value in [
        ("hub_start_s", hub.start_seconds),
        ("spawn_s", spawn_seconds),
        ("cell_s", result.seconds),
        ("server_and_kernel_rss_mib", memory / 2**20),
        ("total_s", total),
    ]:
        record_property(name, round(value, 2))
    print(
        f"\nhub start {hub.start_seconds:.1f} s, spawn {spawn_seconds:.1f} s, cell {result.seconds:.1f} s, "
        f"server+kernel {memory / 2**20:.0f} MiB, whole test {total:.1f} s"
    )


def test_jupyterlab_opens_the_notebook_in_a_browser_offline(proxy_installed: None, browser, tmp_path: Path) -> None:
    """A learner's real browser: the login form, JupyterLab, a notebook, no request leaving the server."""
    from tools.browser import open_page
    from tools.hub.testhub import running_hub

    with running_hub(tmp_path) as hub:
        page, report = open_page(browser, hub.url + "/hub/login")
        try:
            page.fill("#username_input", "carol")
            page.fill("#password_input", hub.password)
            page.click("#login_submit")
            # The hub starts carol's server and sends the browser on to JupyterLab in ~/course.
            page.wait_for_url(f"{hub.url}/user/carol/lab**", timeout=60_000)
            page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
            page.goto(f"{hub.url}/user/carol/lab/tree/{NOTEBOOK}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
            heading = page.locator(".jp-Notebook .jp-RenderedMarkdown h1").first
            heading.wait_for(timeout=60_000)
            shown = heading.inner_text()
        finally:
            page.close()
    title = nbformat.read(HUB_DIR.parents[1] / "notebooks" / NOTEBOOK, as_version=4).cells[0].source.splitlines()[0]
    assert title.lstrip("# ") in shown, f"JupyterLab did not show {NOTEBOOK}'s title {title!r}"
    # The hub's "starting your server" page follows the spawn's progress with an event stream, which
    # the browser aborts when the page moves on to JupyterLab: expected, not a problem.
    problems = [p for p in report.problems() if not ("/server/progress" in p and "ERR_ABORTED" in p)]
    assert problems == [], "\n".join(problems)
