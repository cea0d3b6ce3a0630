"""Start the course's hub on 127.0.0.1 and use it as a learner's browser would.

Used by ``tests/test_jupyterhub.py`` and :mod:`tools.hub.measure`::

    with running_hub(tmp_path) as hub:
        learner = Learner(hub, "alice")
        learner.log_in()                 # the login form, with its _xsrf field and cookie
        learner.start_server()           # the "Start My Server" button (hub API, xsrf header)
        notebook = learner.open_notebook("11_case_image_cnn.ipynb")   # contents API
        kernel = learner.start_kernel("11_case_image_cnn.ipynb")      # sessions API
        result = learner.execute(kernel, "print(1 + 1)")              # kernel websocket
        learner.stop_server()

Leaving ``running_hub`` stops the hub (which stops the learners' servers and the proxy) and
raises :class:`LeftoverProcesses` if any process it started outlives it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import requests

from tools.hub.settings import HUB_DIR

__all__ = ["ExecuteResult", "Hub", "LeftoverProcesses", "Learner", "free_ports", "running_hub"]

TEST_CONFIG = HUB_DIR / "jupyterhub_config_test.py"
DEPLOYMENT_CONFIG = HUB_DIR / "jupyterhub_config.py"


class LeftoverProcesses(RuntimeError):
    """Processes the hub started were still running after it stopped (they have been killed)."""


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct ports on 127.0.0.1 that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Hub:
    """A hub started by :func:`running_hub`: its URL, its process, and what it took."""

    url: str
    process: subprocess.Popen[bytes]
    password: str
    work: Path
    log_path: Path
    start_seconds: float = 0.0
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    def processes(self) -> list[psutil.Process]:
        """The hub and everything under it now (proxy, learners' servers, kernels); all are remembered."""
        try:
            root = psutil.Process(self.process.pid)
            now = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            now = []
        for proc in now:
            self.seen.setdefault(proc.pid, proc)
        return now

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the hub's log (for error messages)."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_hub(
    work: Path, notebooks: Path | None = None, timeout: float = 60, deployment: bool = False
) -> Iterator[Hub]:
    """Start ``jupyterhub -f tools/hub/jupyterhub_config_test.py`` with its state in ``work``.

    Yields once ``/hub/health`` answers through the proxy; stops the hub on exit and checks
    that nothing it started is still running. With ``deployment``, the hub is the real
    ``jupyterhub_config.py`` (PAM, system users: no one can log in without an account), on
    127.0.0.1 with its state in ``work``, to check that it starts.
    """
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    public, hub_port, api_port = free_ports(3)
    password = secrets.token_urlsafe(12)
    env = dict(os.environ)
    env.update(
        COURSE_HUB_TEST_DIR=str(work),
        COURSE_HUB_TEST_PASSWORD=password,
        COURSE_HUB_TEST_PORTS=f"{public},{hub_port},{api_port}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if notebooks is not None:
        env["COURSE_HUB_NOTEBOOKS"] = str(notebooks)
    command = [sys.executable, "-m", "jupyterhub", "-f", str(TEST_CONFIG)]
    if deployment:
        env["COURSE_HUB_STATE"] = str(work)
        env["COURSE_HUB_URL"] = f"http://127.0.0.1:{public}"
        command = [
            *command[:-1],
            str(DEPLOYMENT_CONFIG),
            f"--JupyterHub.hub_bind_url=http://127.0.0.1:{hub_port}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}",
        ]
    log_path = work / "jupyterhub.log"
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=work,
            env=env,
            # No terminal, as under systemd: the servers' stdin is not a tty (see settings.py).
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{public}", process, password, work, log_path)
    try:
        _wait_for(lambda: _health(hub), timeout, "the hub to answer /hub/health", hub)
        hub.start_seconds = time.perf_counter() - started
        hub.processes()
        yield hub
    finally:
        _stop(hub)


def _health(hub: Hub) -> bool:
    if hub.process.poll() is not None:
        raise RuntimeError(f"The hub exited with code {hub.process.returncode}. Its log:\n{hub.log_tail()}")
    try:
        return requests.get(hub.url + "/hub/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _wait_for(check: Any, timeout: float, what: str, hub: Hub, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Waited {timeout:.0f} s for {what}. The hub's log:\n{hub.log_tail()}")
        time.sleep(interval)


def _stop(hub: Hub, timeout: float = 45) -> None:
    """SIGTERM the hub, wait, then make sure every process it ever had is gone."""
    hub.processes()
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
    deadline = time.monotonic() + 10
    alive = [p for p in hub.seen.values() if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if _running(p)]
    if alive:
        names = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive]
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        raise LeftoverProcesses(
            f"Still running after the hub stopped (now killed): {names}. The hub's log:\n{hub.log_tail()}"
        )


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass
class ExecuteResult:
    """What one ``execute_request`` produced: its reply status, printed text, and any error."""

    status: str
    stdout: str
    stderr: str
    error: str | None
    seconds: float


class Learner:
    """One learner's browser: a cookie jar, the hub's login form, and the JupyterLab APIs it calls."""

    def __init__(self, hub: Hub, name: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]{0,30}", name):
            raise ValueError(f"`name` must be lower-case letters and digits, starting with a letter, got {name!r}.")
        self.hub = hub
        self.name = name
        self.http = requests.Session()
        self.server = f"{hub.url}/user/{name}"

    # --- the hub ---------------------------------------------------------------------------
    def log_in(self, password: str | None = None) -> None:
        """Fill in and send the hub's login form, as a browser does (its ``_xsrf`` field and cookie)."""
        page = self.http.get(self.hub.url + "/hub/login", timeout=10)
        page.raise_for_status()
        match = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
        if match is None:
            raise RuntimeError("The hub's login page has no _xsrf field: has JupyterHub's login template changed?")
        reply = self.http.post(
            self.hub.url + "/hub/login",
            data={"username": self.name, "password": password or self.hub.password, "_xsrf": match.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        if reply.status_code != 302 or "jupyterhub-session-id" not in self.http.cookies:
            raise PermissionError(f"Logging in as {self.name} failed: HTTP {reply.status_code}.")

    def _hub_api(self, method: str, path: str) -> requests.Response:
        # 30 s: starting a server answers after up to JupyterHub's slow_spawn_timeout (10 s) on a busy machine.
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        return self.http.request(
            method, f"{self.hub.url}/hub/api{path}", headers={"X-XSRFToken": xsrf or ""}, timeout=30
        )

    def start_server(self, timeout: float = 60) -> float:
        """Start this learner's server as the hub's "Start My Server" button does; return the seconds it took."""
        started = time.perf_counter()
        reply = self._hub_api("POST", f"/users/{self.name}/server")
        if reply.status_code not in (201, 202):
            raise RuntimeError(f"Starting {self.name}'s server: HTTP {reply.status_code} {reply.text[:300]}")

        def ready() -> bool:
            model = self._hub_api("GET", f"/users/{self.name}").json()
            server = model.get("servers", {}).get("")
            return bool(server and server.get("ready"))

        _wait_for(ready, timeout, f"{self.name}'s server", self.hub)
        # Open JupyterLab: the server sends the browser through the hub's OAuth and sets its cookies.
        lab = self.http.get(self.server + "/lab", timeout=30)
        if lab.status_code != 200 or not lab.url.startswith(self.server):
            raise RuntimeError(f"Opening {self.server}/lab ended at {lab.url} with HTTP {lab.status_code}.")
        self.hub.processes()
        return time.perf_counter() - started

    def stop_server(self, timeout: float = 30) -> None:
        """Stop this learner's server (the hub's "Stop My Server" button) and wait until it is gone."""
        reply = self._hub_api("DELETE", f"/users/{self.name}/server")
        if reply.status_code not in (202, 204):
            raise RuntimeError(f"Stopping {self.name}'s server: HTTP {reply.status_code} {reply.text[:300]}")
        _wait_for(
            lambda: not self._hub_api("GET", f"/users/{self.name}").json().get("servers"),
            timeout,
            f"{self.name}'s server to stop",
            self.hub,
        )

    # --- the learner's own server (JupyterLab's REST and websocket APIs) ------------------
    def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        xsrf = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        reply = self.http.request(
            method, f"{self.server}/api{path}", json=body, headers={"X-XSRFToken": xsrf or ""}, timeout=30
        )
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {self.server}/api{path}: HTTP {reply.status_code} {reply.text[:300]}")
        return reply.json() if reply.content else None

    def open_notebook(self, path: str) -> dict[str, Any]:
        """The notebook at ``path`` (relative to the learner's course copy), as JupyterLab fetches it."""
        model = self._api("GET", f"/contents/{quote(path)}?type=notebook&content=1")
        return model

    def start_kernel(self, path: str) -> str:
        """Create a session for the notebook, as JupyterLab does when it opens one; return the kernel id."""
        session = self._api(
            "POST",
            "/sessions",
            {"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}},
        )
        return session["kernel"]["id"]

    def execute(self, kernel_id: str, code: str, timeout: float = 120) -> ExecuteResult:
        """Run ``code`` in the kernel over its websocket, as JupyterLab does, and gather the outputs."""
        # In a thread of its own: a caller may already run an event loop in this thread (Playwright's
        # sync API does, while the test suite's shared browser is open), and asyncio.run refuses that.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self._execute(kernel_id, code, timeout)).result()

    async def _execute(self, kernel_id: str, code: str, timeout: float) -> ExecuteResult:
        from jupyter_client.jsonutil import json_default
        from jupyter_client.session import Session
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        session = Session(username=self.name)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies if c.path in ("/", f"/user/{self.name}/"))
        url = (
            self.server.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={session.session}"
        )
        request = HTTPRequest(url, headers={"Cookie": cookies, "Origin": self.hub.url}, connect_timeout=30)
        started = time.perf_counter()
        socket_ = await websocket_connect(request)
        try:
            message = session.msg(
                "execute_request",
                {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False},
            )
            message["channel"] = "shell"
            await socket_.write_message(json.dumps(message, default=json_default))
            msg_id = message["header"]["msg_id"]
            stdout, stderr, status, error, idle = [], [], "", None, False
            while not (idle and status):
                raw = await asyncio.wait_for(socket_.read_message(), timeout)
                if raw is None:
                    raise ConnectionError(f"The kernel websocket closed: {socket_.close_code} {socket_.close_reason}")
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = reply["msg_type"], reply["content"]
                if kind == "stream":
                    (stdout if content["name"] == "stdout" else stderr).append(content["text"])
                elif kind == "error":
                    error = f"{content['ename']}: {content['evalue']}"
                elif kind == "execute_reply":
                    status = content["status"]
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
        finally:
            socket_.close()
        return ExecuteResult(status, "".join(stdout), "".join(stderr), error, time.perf_counter() - started)

    def server_processes(self) -> list[psutil.Process]:
        """This learner's server and its kernels (found by the ``JUPYTERHUB_USER`` in their environment)."""
        found = []
        for proc in self.hub.processes():
            with contextlib.suppress(psutil.Error):
                if proc.environ().get("JUPYTERHUB_USER") == self.name:
                    found.append(proc)
        return found

    def memory_bytes(self) -> int:
        """Resident memory (RSS) of this learner's server and kernels together, now."""
        total = 0
        for proc in self.server_processes():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total
