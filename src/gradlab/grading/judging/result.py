"""ExerciseResult: one test cell's score and the words that explain it.

The text goes into the test cell's output (and so into nbgrader's feedback); `problems` are short labels
("db1 4x too large", "timed out") that the class report counts. Neither ever contains a hidden test's
inputs, source or a traceback.
"""
from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, field

WIDTH = 88  # feedback is shown in <pre> blocks (nbconvert's stream outputs), which do not wrap on their own


@dataclass
class ExerciseResult:
    exercise: str
    grade_id: str
    points: float
    score: float
    summary: str  # one sentence
    details: list = field(default_factory=list)  # further sentences, one per line
    problems: list = field(default_factory=list)  # short labels for the class report

    def __post_init__(self):
        # nbgrader fails the whole submission for a score above the points, and reads -1 or NaN as full marks.
        score = float(self.score)
        self.score = round(min(max(score, 0.0), float(self.points)), 4) if score == score else 0.0

    def text(self):
        """The feedback in words, wrapped to WIDTH columns (a detail's continuation lines indented under it)."""
        head = (f"{self.exercise}: {_number(self.score)} / {_number(self.points)} "
                f"point{'' if self.points == 1 else 's'}. {self.summary}")
        lines = textwrap.wrap(head, WIDTH, break_on_hyphens=False)
        for line in self.details:
            lines += textwrap.wrap(line, WIDTH, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
        return "\n".join(lines)

    def to_json(self):
        return asdict(self)


def _number(value):
    return f"{value:g}"


def not_graded(grade_id, points):
    """A test cell gradlab does not know how to grade: zero, never a silent full mark."""
    return ExerciseResult("unknown exercise", grade_id, points, 0.0,
                          f"The test cell {grade_id!r} is not one the autograder grades; ask your instructor.",
                          problems=["test cell not graded"])
