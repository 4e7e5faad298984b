"""FindTheBug: a mystery bug from the catalogue is planted in a backprop; read the check's report and name it.

The report is what the student would see checking their own code; the answer is one of gradlab.bugs.CATALOGUE.
A wrong guess is answered with what that bug would have made the check say, so the student can compare it
with the report in front of them.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import bugs
from .check_panel import CheckPanel
from .base import GradlabWidget, guarded, html_area

PICK_ONE = "(pick a bug)"


class FindTheBug(GradlabWidget):
    """A round of "find the bug". Traits: round (0, 1, ...), guess (a catalogue name or None), solved,
    attempts (guesses this round), score (rounds solved at the first guess). The mystery bug's name is
    `answer`; the panel that checks it is `panel` (a CheckPanel in bug mode, its bug menu hidden)."""

    css_class = "gradlab-find-the-bug"
    round = traitlets.Int(0)
    guess = traitlets.Unicode(None, allow_none=True)
    solved = traitlets.Bool(False, read_only=True)
    attempts = traitlets.Int(0, read_only=True)
    score = traitlets.Int(0, read_only=True)

    def __init__(self, seed=0, names=None, **kwargs):
        super().__init__(**kwargs)
        names = list(bugs.CATALOGUE if names is None else names)
        # a seeded order, so that a lesson shows the same mysteries on every run, each once before repeats
        self.order = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
        self.panel = CheckPanel(bugs=self.order, run=False)
        self.panel.bug_picker.layout.display = "none"  # the menu would give the answer away
        self.guess_picker = widgets.Dropdown(
            options=[(PICK_ONE, None)] + [(f"{bugs.get(n).title}", n) for n in sorted(names)],
            value=None, description="It is:", layout={"width": "420px"})
        self.submit_button = widgets.Button(description="Submit answer", button_style="success", icon="check")
        self.submit_button.add_class("gradlab-submit-answer")
        self.next_button = widgets.Button(description="New mystery bug", icon="refresh")
        self.next_button.add_class("gradlab-new-bug")
        self.reveal_button = widgets.Button(description="Show the answer", icon="eye")
        self.feedback = html_area("gradlab-feedback")
        self.heading = html_area("gradlab-title")
        widgets.link((self.guess_picker, "value"), (self, "guess"))
        self.submit_button.on_click(lambda _: self.submit())
        self.next_button.on_click(lambda _: self.next_bug())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.assemble(self.heading, self.panel,
                      widgets.HBox([self.guess_picker, self.submit_button]),
                      widgets.HBox([self.next_button, self.reveal_button]), self.feedback)
        self.start()

    @property
    def answer(self):
        return self.order[self.round % len(self.order)]

    @traitlets.observe("round")
    def _on_round(self, change):
        self.start()

    @guarded
    def start(self):
        """Plant this round's bug, run the check, clear the guess."""
        self.set_trait("solved", False)
        self.set_trait("attempts", 0)
        self.guess = None
        self.panel.bug = self.answer
        self.panel.run()
        self.heading.value = (f"<h4>Mystery bug {self.round + 1}</h4><p>A network "
                              f"{'-'.join(map(str, self.panel.scenario.layer_dims))} with one bug planted in its "
                              "backprop. Read the report below and name the bug.</p>")
        self.feedback.value = ""

    @guarded
    def next_bug(self):
        self.round += 1

    @guarded
    def submit(self):
        """Judge the current guess and explain."""
        if self.guess is None:
            self.feedback.value = "<p>Pick a bug from the list first.</p>"
            return
        self.set_trait("attempts", self.attempts + 1)
        exact, alike = self.guess == self.answer, self._looks_the_same(self.guess)
        if exact or alike:
            if not self.solved and self.attempts == 1:
                self.set_trait("score", self.score + 1)
            self.set_trait("solved", True)
            heading = "Right!" if exact else (
                f"Right in effect: a check cannot tell \"{html.escape(bugs.get(self.guess).title)}\" from the "
                "planted bug (same kind of trace, same parameters). The planted one was:")
            self.feedback.value = _verdict_html(True, heading, bugs.get(self.answer), self.panel.scenario.layer_dims)
            return
        self.feedback.value = self._wrong_guess_html(bugs.get(self.guess))

    def _looks_the_same(self, name):
        """True when bug `name` would leave the very trace the answer leaves: same kind, same parameters."""
        guessed, planted, dims = bugs.get(name), bugs.get(self.answer), self.panel.scenario.layer_dims
        try:
            same_parameters = guessed.affected(dims) == planted.affected(dims)
        except ValueError:
            return False
        m = self.panel.scenario.X.shape[1]
        return guessed.kind == planted.kind and same_parameters and guessed.factor(m) == planted.factor(m)

    @guarded
    def reveal(self):
        self.feedback.value = _verdict_html(None, "The answer:", bugs.get(self.answer), self.panel.scenario.layer_dims)

    def _wrong_guess_html(self, guessed):
        report, dims = self.panel.report, self.panel.scenario.layer_dims
        try:
            would = ", ".join(guessed.affected(dims))
        except ValueError as reason:  # it cannot be planted in this network at all
            would = f"nothing here ({reason})"
        failing = ", ".join(report.failing) or "nothing"
        same_kind = guessed.kind == bugs.get(self.answer).kind
        hint = (f"Close: it leaves the same kind of trace (<i>{guessed.kind}</i>), but look again at which "
                "parameters fail and by what factor." if same_kind else
                f"That bug leaves a <i>{guessed.kind}</i> trace; read the diagnoses again.")
        return (f'<div class="gradlab-wrong"><p><b>Not this one.</b> "{html.escape(guessed.title)}" would make '
                f"the check flag {html.escape(would)}; the report flags {html.escape(failing)}. {hint}</p></div>")


def _verdict_html(right, heading, bug, layer_dims):
    css = {True: "gradlab-right", None: "gradlab-answer"}[right]
    return (f'<div class="{css}"><p><b>{heading}</b> {html.escape(bug.title)} ({bug.name}).</p>'
            f"<p>The line: <code>{html.escape(bug.code(layer_dims))}</code></p><p>{html.escape(bug.explanation)}</p></div>")
