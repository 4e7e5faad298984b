"""declare: what an instructor writes to say what is graded (the part at the bottom; it imports no other part).

    exercise.py      Exercise, Case, Gradient, Value, Verdict, NoFiniteDifferences: the vocabulary of
                     exercises/ASSIGNMENT.py
    declarations.py  loading a course's exercises/ASSIGNMENT.py, and what is wrong with it when it cannot be used
    mutants.py       wrong versions of a solution (scaled, transposed, a term dropped) that verify grades

    from gradlab.grading.declare import Case, Exercise, Gradient, NoFiniteDifferences, Value, Verdict

May import: gradlab's library (numpy code outside gradlab.grading), nothing else of gradlab.grading.
"""
from .exercise import Case, Exercise, Gradient, NoFiniteDifferences, Value, Verdict, source_of

__all__ = ["Case", "Exercise", "Gradient", "NoFiniteDifferences", "Value", "Verdict", "source_of"]
