"""What a course directory holds that grading needs, and copying it: the config, the exercise declarations and the
source notebooks. Nothing an earlier run left (gradebook, release, submissions, feedback, exports) is copied."""
from __future__ import annotations

import os
import shutil

CONFIG = "nbgrader_config.py"
DECLARATIONS = "exercises"  # gradlab's exercise declarations, one file per assignment (declarations.py)
SOURCE = "source"


def copy_course(course, destination):
    """Copy the course's config, declarations and source/ into `destination` (created); return it."""
    os.makedirs(destination, exist_ok=True)
    shutil.copy(os.path.join(course, CONFIG), destination)
    for folder in (DECLARATIONS, SOURCE):
        if os.path.isdir(os.path.join(course, folder)):
            shutil.copytree(os.path.join(course, folder), os.path.join(destination, folder),
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return destination
