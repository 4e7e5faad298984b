"""Quiz: self-check questions with immediate feedback, for the end of a lesson.

    Quiz([Question("What is theta's shape?", ["(n, 1)", "(1, n)", "(n,)"], answer=0,
                   explanation="theta is a column, as W.reshape(-1, 1) gives it.")])

Choosing an option shows at once whether it is right and why; the student may change their mind.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import traitlets

from .base import GradlabWidget, guarded, html_area


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple
    answer: int  # the index of the right choice
    explanation: str = ""  # why the right choice is right, shown after any choice

    def __post_init__(self):
        object.__setattr__(self, "choices", tuple(self.choices))
        if len(self.choices) < 2:
            raise ValueError(f"a question needs at least two choices; {self.prompt!r} has {len(self.choices)}")
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer must index one of the {len(self.choices)} choices; got {self.answer}")


class Quiz(GradlabWidget):
    """Questions, each with radio buttons and a feedback line. Traits: answers (the chosen index per
    question, None if unanswered), score (how many are right now)."""

    css_class = "gradlab-quiz"
    answers = traitlets.List(read_only=True)
    score = traitlets.Int(0, read_only=True)

    def __init__(self, questions, title="Check yourself", **kwargs):
        super().__init__(**kwargs)
        self.questions = [q if isinstance(q, Question) else Question(**q) for q in questions]
        if not self.questions:
            raise ValueError("a quiz needs at least one question")
        self.choice_buttons, self.feedback, rows = [], [], []
        for number, question in enumerate(self.questions, 1):
            buttons = widgets.RadioButtons(options=[(c, k) for k, c in enumerate(question.choices)], value=None,
                                           layout={"width": "auto", "max_width": "100%"})
            buttons.add_class("gradlab-quiz-choices")
            feedback = html_area("gradlab-quiz-feedback")
            buttons.observe(self._on_choice, names="value")
            self.choice_buttons.append(buttons)
            self.feedback.append(feedback)
            rows.append(widgets.VBox([html_area(value=f"<p><b>{number}.</b> {question.prompt}</p>"),
                                      buttons, feedback]))
        self.tally = html_area("gradlab-quiz-score")
        self.assemble(html_area(value=f"<h4>{html.escape(title)}</h4>") if title else None, *rows, self.tally)
        self._update()

    def choose(self, question, choice):
        """Answer question number `question` (0-based) with choice index `choice`, as a click would."""
        self.choice_buttons[question].value = choice

    @guarded
    def _on_choice(self, change):
        self._update()

    def _update(self):
        answers = [buttons.value for buttons in self.choice_buttons]
        for question, answer, feedback in zip(self.questions, answers, self.feedback):
            if answer is None:
                feedback.value = ""
                continue
            right = answer == question.answer
            mark = ('<span style="color:#1a7f37"><b>Right.</b></span>' if right else
                    '<span style="color:#cf222e"><b>Not quite.</b></span> The answer is '
                    f"<i>{question.choices[question.answer]}</i>.")
            feedback.value = (f'<div class="{"gradlab-right" if right else "gradlab-wrong"}">{mark} '
                              f"{question.explanation}</div>")
        self.set_trait("answers", answers)
        self.set_trait("score", sum(a == q.answer for a, q in zip(answers, self.questions)))
        answered = sum(a is not None for a in answers)
        self.tally.value = (f"<p>{self.score} of {len(self.questions)} right"
                            + (f" ({answered} answered)." if answered < len(self.questions) else ".") + "</p>")
