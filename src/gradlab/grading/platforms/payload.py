"""What every package carries, in its folder gradlab/: the assignment's material as a grader machine receives it
(cluster/material.py: nbgrader_config.py, exercises/, source/ASSIGNMENT/, and a template gradebook holding the
assignment), gradlab's wheel, the script that installs it, and the package's settings (settings.json).

    gradlab/settings.json   platform, assignment, its notebook, Gradescope's visibility, Coursera's part ids, ...
    gradlab/template.db     the gradebook a submission is graded in (a fresh copy for each)
    gradlab/material/...    {relative path: bytes} of the material, as files
    gradlab/wheels/*.whl    gradlab itself
    gradlab/install.sh      a venv with gradlab and bubblewrap, on the platform's image
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..cluster.material import Material
from ..course import files as course_files

FOLDER = "gradlab"
SETTINGS = "settings.json"
TEMPLATE = "template.db"
MATERIAL = "material"

# Installs gradlab in a venv on the platform's image (Debian or Ubuntu, as root): bubblewrap and python3-venv from
# apt where they are missing, then the wheel with its dependencies from the package index pip is configured with.
INSTALL_SH = """#!/usr/bin/env bash
# Usage: install.sh VENV   (run as root on the platform's image when it is built)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$1"
python="${GRADLAB_PYTHON:-python3}"
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v "$python" >/dev/null 2>&1 || missing+=(python3)
"$python" -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --no-input "$here"/wheels/gradlab_course-*.whl
# the grader imports as it will on every submission, so that a broken install fails here, not in front of a learner
"$venv/bin/python" -c "import gradlab.grading.platforms.run, nbgrader.converters"
"""


@dataclass
class Settings:
    platform: str
    assignment: str
    notebook: str  # the assignment's one notebook, e.g. gradient_checking.ipynb
    gradlab: str = ""  # the version that made the package
    hidden_visibility: str = "visible"  # Gradescope: the visibility of test cells that hold hidden tests
    part_ids: list = field(default_factory=list)  # Coursera: the parts this grader grades (empty: any)
    queue_name: str = ""  # XQueue: the queue the watcher pulls from

    def to_json(self):
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"


def write(folder, settings, material, wheel):
    """Write the payload into `folder` (created): settings, the material's files and template, the wheel, install.sh."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, SETTINGS), "w") as handle:
        handle.write(settings.to_json())
    with open(os.path.join(folder, TEMPLATE), "wb") as handle:
        handle.write(material.gradebook)
    course_files.write_folder(os.path.join(folder, MATERIAL), material.files)
    os.makedirs(os.path.join(folder, "wheels"), exist_ok=True)
    with open(wheel, "rb") as source, open(os.path.join(folder, "wheels", os.path.basename(wheel)), "wb") as target:
        target.write(source.read())
    write_script(os.path.join(folder, "install.sh"), INSTALL_SH)


def write_script(path, text):
    with open(path, "w", newline="\n") as handle:
        handle.write(text)
    os.chmod(path, 0o755)


def read_settings(folder):
    with open(os.path.join(folder, SETTINGS)) as handle:
        return Settings(**json.load(handle))


def read_material(folder, settings):
    """The cluster's Material from a payload: the same files and template a grader machine's worker receives."""
    files = course_files.read_folder(os.path.join(folder, MATERIAL))
    with open(os.path.join(folder, TEMPLATE), "rb") as handle:
        gradebook = handle.read()
    digest = course_files.digest(dict(files, **{".gradebook": gradebook}))
    return Material(settings.assignment, files, gradebook, digest)
