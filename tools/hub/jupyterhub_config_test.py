"""The workshop's hub on 127.0.0.1, for tests: a shared test password, servers as the hub's user.

Started by tools/hub/testhub.py (tests/test_jupyterhub.py, python -m tools.hub.measure), which
sets, in the environment:

COURSE_HUB_TEST_DIR (required): a temporary folder for the database, the cookie secret, the
proxy's pid file and the learners' homes (``home/NAME/course``); COURSE_HUB_TEST_PASSWORD
(required, 8 characters or more); COURSE_HUB_TEST_PORTS (required): "PUBLIC,HUB,PROXY_API",
three free ports on 127.0.0.1; COURSE_HUB_NOTEBOOKS (default <repo>/notebooks).

Only the login and the spawner differ from jupyterhub_config.py: SharedPasswordAuthenticator
(JupyterHub's replacement for DummyAuthenticator's password, deprecated since 5.3) and
SimpleLocalProcessSpawner (no system users: never use it on a shared machine).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tools.hub

from tools.hub.settings import REPO, configure_course  # noqa: E402


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ValueError(f"The environment variable {name} must be set: see the docstring of {__file__}.")
    return value


c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
work = Path(_required("COURSE_HUB_TEST_DIR"))
public, hub, proxy_api = (int(port) for port in _required("COURSE_HUB_TEST_PORTS").split(","))

c.JupyterHub.bind_url = f"http://127.0.0.1:{public}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.pid_file = str(work / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{work / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(work / "jupyterhub_cookie_secret")

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = _required("COURSE_HUB_TEST_PASSWORD")
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(work / "home" / "{username}")
configure_course(
    c,
    source=Path(os.environ.get("COURSE_HUB_NOTEBOOKS", REPO / "notebooks")).resolve(),
    system_users=False,
    idle_minutes=60,
    threads=2,
)
