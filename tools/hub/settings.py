"""What the deployment's and the test's hub configurations share: how a learner's server runs.

Both ``jupyterhub_config.py`` files call :func:`configure_course`, so the hub the tests start
runs learners' servers exactly as a workshop's does; they differ only in who may log in, as
whom the servers run, and where the hub listens.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from tools.hub.workshop import make_pre_spawn_hook

__all__ = ["HUB_DIR", "REPO", "configure_course", "env_int", "proxy_command"]

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parents[1]
PROXY_BIN = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def proxy_command(required: bool = True) -> list[str] | None:
    """Return the command of JupyterHub's proxy: ``tools/hub/node_modules`` first, else ``PATH``.

    Raises ``FileNotFoundError`` with the fix when neither has it and ``required`` is true;
    returns ``None`` in that case otherwise.
    """
    if PROXY_BIN.exists():
        return [str(PROXY_BIN)]
    on_path = shutil.which("configurable-http-proxy")
    if on_path:
        return [on_path]
    if required:
        raise FileNotFoundError(
            f"JupyterHub's proxy (configurable-http-proxy) is not installed: expected {PROXY_BIN}. "
            "Install it, with the versions pinned in tools/hub/package-lock.json, by running "
            "`npm ci --prefix tools/hub` from the repository (needs Node.js >= 20 and npm)."
        )
    return None


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """Read a whole number from the environment variable ``name``, or an error naming it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ValueError(f"The environment variable {name} must be a whole number >= {minimum}, got {raw!r}.")
    return int(raw)


def configure_course(
    c: Any,
    *,
    source: Path,
    system_users: bool,
    idle_minutes: int,
    threads: int,
) -> None:
    """Set how each learner's server runs, on the traitlets config ``c`` of a ``jupyterhub_config.py``.

    Parameters
    ----------
    c:
        The config object a ``jupyterhub_config.py`` is given.
    source:
        The notebooks each learner gets a copy of, in ``~/course`` (see :mod:`tools.hub.workshop`).
    system_users:
        True where each learner is a system user (``LocalProcessSpawner``); False for the test
        hub's ``SimpleLocalProcessSpawner``, whose servers all run as the hub's user.
    idle_minutes:
        A kernel with no cell run for this long is shut down (its variables are lost, the
        notebook is not); a server with no kernel and no activity for this long stops.
    threads:
        Threads TensorFlow and OpenMP may use per kernel: a share of the cores, not a limit
        the operating system enforces (see docs/jupyterhub.md).
    """
    if not source.is_dir():
        raise FileNotFoundError(
            f"The notebooks to hand out, {source}, do not exist. Make the student copies with "
            "`make student`, or set COURSE_HUB_NOTEBOOKS to another folder (e.g. notebooks)."
        )
    c.ConfigurableHTTPProxy.command = proxy_command()
    # The learner's server runs on this same Python (the course's .venv): its kernel is the
    # course's, with helpers, TensorFlow and the datasets.
    c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    c.Spawner.default_url = "/lab"
    c.Spawner.pre_spawn_hook = make_pre_spawn_hook(source, system_users=system_users)
    idle_seconds = str(idle_minutes * 60)
    args = [
        # Idle culling inside each learner's server (jupyter_server's own, no extra package).
        f"--MappingKernelManager.cull_idle_timeout={idle_seconds}",
        "--MappingKernelManager.cull_interval=300",
        "--MappingKernelManager.cull_connected=True",
        f"--ServerApp.shutdown_no_activity_timeout={idle_seconds}",
        # Offline rooms: JupyterLab asks no server on the internet for news, updates or extensions
        # (learners could not install extensions into the shared, root-owned .venv anyway).
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if not system_users and os.geteuid() == 0:
        args.append("--ServerApp.allow_root=True")  # the test hub run as root (containers, CI)
    c.Spawner.args = args
    thread_count = str(threads)
    c.Spawner.environment = {
        "OMP_NUM_THREADS": thread_count,
        "TF_NUM_INTRAOP_THREADS": thread_count,
        "TF_NUM_INTEROP_THREADS": thread_count,
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    # Stopping a server: JupyterHub sends SIGINT, then SIGTERM after interrupt_timeout (30 s by
    # default). Without a terminal (systemd, tests) jupyter_server installs no SIGINT handler, so
    # SIGINT becomes a KeyboardInterrupt, which a server busy starting a kernel sometimes loses
    # (3 test runs in about 10); SIGTERM always stopped it cleanly. So: SIGTERM after 5 s.
    c.Spawner.interrupt_timeout = 5
    c.Spawner.term_timeout = 10
    # Many learners start at once at the beginning of a session: give a busy server time.
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 60
