"""The grader's results as each autograded notebook keeps them (metadata["gradlab"]["results"][grade_id]: exercise,
grade_id, points, score, summary, details, problems), read back for the whole class."""
from __future__ import annotations

import json
import os
from collections import Counter

FIELDS = ("exercise", "grade_id", "points", "score", "summary", "details", "problems")


def read_results(course, assignment, students):
    """{student: {grade_id: {field: value}}} from the autograded notebooks of `assignment` (a student without an
    autograded notebook, or whose notebook holds no results, has {})."""
    found = {}
    for student in students:
        folder = os.path.join(course, "autograded", student, assignment)
        results = {}
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith(".ipynb"):
                results.update(_results_of(os.path.join(folder, name)))
        found[student] = results
    return found


def _results_of(path):
    try:
        with open(path, encoding="utf-8") as handle:
            nb = json.load(handle)
    except (OSError, ValueError):
        return {}
    stored = nb.get("metadata", {}).get("gradlab", {}).get("results", {})
    return {grade_id: {key: result.get(key) for key in FIELDS}
            for grade_id, result in stored.items() if isinstance(result, dict)}


def problems_per_exercise(results):
    """{exercise: Counter(problem label -> students who have it)}, exercises in the order they first appear."""
    counts = {}
    for by_grade in results.values():
        for result in by_grade.values():
            exercise = result.get("exercise") or result.get("grade_id") or "?"
            labels = {str(label) for label in result.get("problems") or []}
            counts.setdefault(exercise, Counter()).update(labels)
    return counts
