"""Quiz: self-check questions with immediate feedback, for the end of a lesson.

    Quiz([Question("What is theta's shape?", ["(1, n)", "(n, 1)", "(n,)"], answer=1,
                   explanation="theta is a column, as W.reshape(-1, 1) gives it.",
                   why_not=["The course never lays theta out as a row.", "", "dictionary_to_vector keeps two axes."])])

A wrong choice says why it is wrong (its `why_not`) and asks for another try; it never names the right one.
The right choice shows the explanation. The score counts the questions answered right at the first try.
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
    explanation: str = ""  # why the right choice is right, shown once it is chosen
    why_not: tuple = ()  # per choice, why it is wrong ("" at the answer), shown when it is chosen

    def __post_init__(self):
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "why_not", tuple(self.why_not))
        if len(self.choices) < 2:
            raise ValueError(f"a question needs at least two choices; {self.prompt!r} has {len(self.choices)}")
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer must index one of the {len(self.choices)} choices; got {self.answer}")
        if self.why_not and len(self.why_not) != len(self.choices):
            raise ValueError(f"why_not needs one entry per choice ({len(self.choices)}); got {len(self.why_not)}")

    def feedback(self, choice):
        """(right, the HTML to show) for a choice: the explanation if right; why not and a new try if wrong."""
        if choice == self.answer:
            return True, ('<span style="color:#1a7f37"><b>Right.</b></span> ' + html.escape(self.explanation))
        reason = self.why_not[choice] if self.why_not else ""
        return False, ('<span style="color:#cf222e"><b>Not quite.</b></span> '
                       + (html.escape(reason) + " " if reason else "") + "<i>Try another answer.</i>")


class Quiz(GradlabWidget):
    """Questions, each with radio buttons and a feedback line. Traits: answers (the chosen index per
    question, None if unanswered), tries (how many choices were made per question), score (questions answered
    right at the first try)."""

    css_class = "gradlab-quiz"
    answers = traitlets.List(read_only=True)
    tries = traitlets.List(read_only=True)
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
            rows.append(widgets.VBox([html_area(value=f"<p><b>{number}.</b> {html.escape(question.prompt)}</p>"),
                                      buttons, feedback]))
        self.tally = html_area("gradlab-quiz-score")
        self.set_trait("tries", [0] * len(self.questions))
        self._first = [None] * len(self.questions)  # each question's first choice: the score reads it
        self.assemble(html_area(value=f"<h4>{html.escape(title)}</h4>") if title else None, *rows, self.tally)
        self._update()

    def choose(self, question, choice):
        """Answer question number `question` (0-based) with choice index `choice`, as a click would."""
        self.choice_buttons[question].value = choice

    @guarded
    def _on_choice(self, change):
        if change["new"] is not None:
            question = self.choice_buttons.index(change["owner"])
            if self._first[question] is None:
                self._first[question] = change["new"]
            tries = list(self.tries)
            tries[question] += 1
            self.set_trait("tries", tries)
        self._update()

    def _update(self):
        answers = [buttons.value for buttons in self.choice_buttons]
        for question, answer, feedback in zip(self.questions, answers, self.feedback):
            if answer is None:
                feedback.value = ""
                continue
            right, text = question.feedback(answer)
            feedback.value = f'<div class="{"gradlab-right" if right else "gradlab-wrong"}">{text}</div>'
        self.set_trait("answers", answers)
        self.set_trait("score", sum(first == q.answer for first, q in zip(self._first, self.questions)))
        later = sum(a == q.answer != first for a, first, q in zip(answers, self._first, self.questions))
        answered = sum(t > 0 for t in self.tries)
        self.tally.value = (f"<p>{self.score} of {len(self.questions)} right at the first try"
                            + (f"; {later} more found on a later try" if later else "")
                            + (f" ({answered} answered)." if answered < len(self.questions) else ".") + "</p>")
