"""Serve the course to a room with JupyterHub (see ``docs/jupyterhub.md``).

- ``jupyterhub_config.py``: a real deployment (system users, PAM, one copy of the course each).
- ``jupyterhub_config_test.py``: the same hub on 127.0.0.1 with a test login, for the tests.
- :mod:`tools.hub.workshop`: the per-user copy of the notebooks, collecting and resetting work.
- :mod:`tools.hub.testhub`: start a hub, log in through the real form, open a notebook, run a cell.
- :mod:`tools.hub.measure`: time a hub and measure one learner's memory while a chapter runs.
- ``package.json``/``package-lock.json``: JupyterHub's proxy (``npm ci --prefix tools/hub``).
"""
