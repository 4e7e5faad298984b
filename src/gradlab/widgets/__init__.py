"""Widgets for the lessons: thin front ends over gradlab's functions, usable without a browser.

Every widget is an ipywidgets VBox whose state is in traitlets: set a trait or a control's value, or call
`click()` on a button, and it updates as it would in the browser. Errors inside callbacks are shown in the
widget (and kept in its `error` trait) instead of being lost in the kernel's log.
"""
from .base import GradlabWidget
from .check_panel import CheckPanel
from .epsilon_explorer import EpsilonExplorer
from .examples import EXAMPLE_FUNCTIONS, ExampleFunction
from .find_the_bug import FindTheBug
from .parameter_vector import ParameterVectorView
from .quiz import Question, Quiz
from .quiz_bank import lesson_quiz
from .tip_demos import CheckCostDemo, DropoutDemo, RegularizationDemo
from .tip_training import TrainingDemo

__all__ = [
    "GradlabWidget", "CheckPanel", "EpsilonExplorer", "EXAMPLE_FUNCTIONS", "ExampleFunction", "FindTheBug",
    "ParameterVectorView", "Question", "Quiz", "lesson_quiz", "CheckCostDemo", "DropoutDemo", "RegularizationDemo",
    "TrainingDemo",
]
