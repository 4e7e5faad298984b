"""Saving the notebook before it is sent: the kernel asks its front end, then waits for the file.

A kernel cannot save its notebook: the notebook as the learner sees it lives in the browser, and the file holds it
as last saved (JupyterLab autosaves every two minutes). So the control puts a few lines of JavaScript into an
output of its own; JupyterLab and Notebook 7 run them when they render it (the Output widget's outputs are trusted),
and they run the front end's own Save: the command `docmanager:save` when the application is reachable
(`window.jupyterapp`, which `--LabApp.expose_app_in_browser` / `--JupyterNotebookApp.expose_app_in_browser` give),
else the Save button of the notebook that holds the control (the same command, through its toolbar). The kernel
then watches the notebook's file (its path is $JPY_SESSION_NAME, which the Jupyter server gives each notebook's
kernel) until its modification time moves.

Why not the server's contents API: it reads and writes files, and the file is what is out of date. Why not a
JupyterLab extension of our own: it would need a front-end build for every JupyterLab version, where the save
command is already there to call.
"""
from __future__ import annotations

import json
import os
import time
import uuid

SAVE_WAIT = 20.0  # seconds to wait for the front end's save (a loaded hub takes a second or two)

SAVE_SCRIPT = """
(function () {
  var app = window.jupyterapp;
  if (app && app.commands && app.commands.hasCommand("docmanager:save")) {
    app.commands.execute("docmanager:save");
    return;
  }
  var panel = element && element.closest ? element.closest(".jp-NotebookPanel") : null;
  var button = panel ? panel.querySelector('[data-command="docmanager:save"]') : null;
  if (button) { button.click(); }
})();
"""


def notebook_path(environ=None):
    """The path of the notebook this kernel belongs to, or None when the kernel was not started for one."""
    environ = os.environ if environ is None else environ
    path = environ.get("JPY_SESSION_NAME")
    return path if path and path.endswith(".ipynb") else None


def modified(path):
    """The file's modification time in nanoseconds (0 when it is missing)."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def save_request():
    """An output that makes the front end that renders it save the notebook (a new one each time: an output is run
    when it is rendered, so the same one set twice would not run again)."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/javascript": f"// save request {uuid.uuid4().hex}\n{SAVE_SCRIPT}",
                     "text/plain": ""}}


def read_notebook(path):
    """The notebook file's bytes, or None while it is not whole: the Jupyter server writes a notebook in place (its
    old version kept aside until the write ends), so a read can meet half a file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        json.loads(data)
        return data
    except (OSError, ValueError):
        return None


def wait_for_save(path, before, timeout=SAVE_WAIT, interval=0.1):
    """The notebook's bytes once the file at `path` has been written after its modification time was `before`, or
    None if it was not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = modified(path)
        if now != before:
            data = read_notebook(path)
            if data is not None and modified(path) == now:
                return data
        time.sleep(interval)
    return None
