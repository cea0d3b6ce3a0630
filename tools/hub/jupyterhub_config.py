"""JupyterHub for a workshop: the course served from one Linux server to a room of learners.

Run as root from the repository (see docs/jupyterhub.md, which explains every choice)::

    sudo .venv/bin/jupyterhub -f tools/hub/jupyterhub_config.py

- Who logs in: learners with their own system account and password (PAM, built into JupyterHub),
  who are members of the group ``course``; admins (teachers) are named in COURSE_HUB_ADMINS.
- How servers run: ``LocalProcessSpawner``, each learner's server as that learner's system user,
  so learners cannot read or stop each other's work (with homes that are not world-readable).
- What they get: a copy of the notebooks (``student/`` from ``make student`` by default) in
  ``~/course``, made on their first start and then theirs (tools/hub/workshop.py).
- Limits: kernels idle for COURSE_HUB_IDLE_MINUTES are shut down, and TensorFlow gets
  COURSE_HUB_THREADS threads per kernel. Memory is NOT limited per learner by this spawner:
  cap the hub's systemd service as a whole (docs/jupyterhub.md).

Environment variables (all optional):
COURSE_HUB_URL (default http://:8000), COURSE_HUB_STATE (database and cookie secret, default
/srv/jupyterhub), COURSE_HUB_NOTEBOOKS (default <repo>/student), COURSE_HUB_GROUP (default
course), COURSE_HUB_ADMINS (comma-separated user names), COURSE_HUB_IDLE_MINUTES (default 60),
COURSE_HUB_THREADS (default 2), COURSE_HUB_SSL_CERT and COURSE_HUB_SSL_KEY (serve HTTPS).
"""

import importlib.util
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tools.hub

from tools.hub.settings import REPO, configure_course, env_int  # noqa: E402

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

# --- Where the hub listens and keeps its state ---------------------------------------------
c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://:8000")
state = Path(os.environ.get("COURSE_HUB_STATE", "/srv/jupyterhub"))
state.mkdir(mode=0o700, parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
cert, key = os.environ.get("COURSE_HUB_SSL_CERT"), os.environ.get("COURSE_HUB_SSL_KEY")
if cert or key:
    if not (cert and key):
        raise ValueError("Set both COURSE_HUB_SSL_CERT and COURSE_HUB_SSL_KEY (certificate and key files), or neither.")
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = cert, key

# --- Who may log in: system users in one group, with their own passwords (PAM) --------------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {os.environ.get("COURSE_HUB_GROUP", "course")}
admins = os.environ.get("COURSE_HUB_ADMINS", "")
c.Authenticator.admin_users = {name.strip() for name in admins.split(",") if name.strip()}
# Teachers may log in without being in the learners' group (allowed_groups OR allowed_users).
c.Authenticator.allowed_users = set(c.Authenticator.admin_users)

# --- How each learner's server runs ----------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
configure_course(
    c,
    source=Path(os.environ.get("COURSE_HUB_NOTEBOOKS", REPO / "student")).resolve(),
    system_users=True,
    idle_minutes=env_int("COURSE_HUB_IDLE_MINUTES", 60),
    threads=env_int("COURSE_HUB_THREADS", 2),
)

# --- Optional: stop whole servers nobody has used for a while (proposed extra package) -------
# jupyterhub-idle-culler is not in tools/requirements-teach.lock; where it is installed, the hub
# runs it as a service. Without it, the servers' own culling above still frees kernels.
if importlib.util.find_spec("jupyterhub_idle_culler") is not None:
    idle = env_int("COURSE_HUB_IDLE_MINUTES", 60) * 60
    c.JupyterHub.load_roles = [
        {
            "name": "jupyterhub-idle-culler-role",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["jupyterhub-idle-culler-service"],
        }
    ]
    c.JupyterHub.services = [
        {
            "name": "jupyterhub-idle-culler-service",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle}"],
        }
    ]
