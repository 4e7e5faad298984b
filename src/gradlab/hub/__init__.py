"""A JupyterHub for the course on one machine: the demo that `make hub` starts, and what the hub's tests start.

JupyterHub 6 with its proxy (configurable-http-proxy, from npm, in hub/node_modules), LocalProcessSpawner (each
learner's server runs as their own system user, so nobody reads another's files or the instructor's course), the
grading service registered as a hub service (`python -m gradlab.grading serve`, run as the instructor, who owns the
course), and nbgrader's exchange shared by everyone. The hub's configuration is hub/jupyterhub_config.py; it reads
where things are from the environment that `launch` gives it.

Modules: `users` (system users: made, and removed afterwards), `classroom` (the folders: the course in the
instructor's home, the exchange, the servers' Jupyter configuration), `launch` (starting the hub and waiting for
it), `__main__` (the demo: `python -m gradlab.hub`).
"""
