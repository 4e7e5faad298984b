"""FindTheBug: a mystery bug from the catalogue is planted in a backprop; read the check's report and name it.

The student first sees what the numbers show: the verdict, the per-parameter table, the worst components and
the heatmaps. The diagnoses, which say in words what the pattern means, come as a hint the student asks for,
and the score says which rounds were solved with a hint. The answer is one of gradlab.bugs.CATALOGUE. A wrong
guess is answered with what that bug would have made the check say, so the student can compare it with the
report in front of them.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import bugs
from ..render import diagnoses_html
from .base import GradlabWidget, guarded, html_area
from .check_panel import CheckPanel

PICK_ONE = "(pick a bug)"
NO_GUESS = ""  # the menu's value for PICK_ONE: a Dropdown whose value is None shows blank


class FindTheBug(GradlabWidget):
    """A round of "find the bug". Traits: round (0, 1, ...), guess (a catalogue name or None), solved,
    attempts (guesses this round), hinted (the hint was shown this round), solved_rounds (rounds solved, at
    any guess), hinted_rounds (rounds solved after the hint was shown), score (rounds solved at the first
    guess), hinted_score (those of them solved after a hint). The mystery bug's name is `answer`; the panel
    that checks it is `panel` (a CheckPanel in bug mode, its bug menu and diagnoses hidden)."""

    css_class = "gradlab-find-the-bug"
    round = traitlets.Int(0)
    guess = traitlets.Unicode(None, allow_none=True)
    solved = traitlets.Bool(False, read_only=True)
    attempts = traitlets.Int(0, read_only=True)
    hinted = traitlets.Bool(False, read_only=True)
    solved_rounds = traitlets.Int(0, read_only=True)
    hinted_rounds = traitlets.Int(0, read_only=True)
    score = traitlets.Int(0, read_only=True)
    hinted_score = traitlets.Int(0, read_only=True)

    def __init__(self, seed=0, names=None, **kwargs):
        super().__init__(**kwargs)
        names = list(bugs.CATALOGUE if names is None else names)
        # a seeded order, so that a lesson shows the same mysteries on every run, each once before repeats
        self.order = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
        self.panel = CheckPanel(bugs=self.order, diagnoses=False, run=False)
        self.panel.bug_picker.layout.display = "none"  # the menu would give the answer away
        self.guess_picker = widgets.Dropdown(
            options=[(PICK_ONE, NO_GUESS)] + [(f"{bugs.get(n).title}", n) for n in sorted(names)],
            value=NO_GUESS, description="It is:", layout={"width": "440px"})
        self.submit_button = widgets.Button(description="Submit answer", button_style="success", icon="check",
                                            layout={"width": "auto"})
        self.submit_button.add_class("gradlab-submit-answer")
        self.hint_button = widgets.Button(description="Show a hint (the diagnoses)", icon="lightbulb-o",
                                          layout={"width": "auto"})
        self.hint_button.add_class("gradlab-hint")
        self.next_button = widgets.Button(description="New mystery bug", icon="refresh", layout={"width": "auto"})
        self.next_button.add_class("gradlab-new-bug")
        self.reveal_button = widgets.Button(description="Show the answer", icon="eye", layout={"width": "auto"})
        self.hint = html_area("gradlab-hint-text")
        self.feedback = html_area("gradlab-feedback")
        self.scoreboard = html_area("gradlab-score")
        self.heading = html_area("gradlab-title")
        self.guess_picker.observe(self._on_pick, names="value")
        self.submit_button.on_click(lambda _: self.submit())
        self.hint_button.on_click(lambda _: self.show_hint())
        self.next_button.on_click(lambda _: self.next_bug())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.assemble(self.heading, self.panel, widgets.HBox([self.hint_button]), self.hint,
                      widgets.HBox([self.guess_picker, self.submit_button]),
                      widgets.HBox([self.next_button, self.reveal_button]), self.feedback, self.scoreboard)
        self.start()

    @property
    def answer(self):
        return self.order[self.round % len(self.order)]

    @traitlets.observe("round")
    def _on_round(self, change):
        self.start()

    def _on_pick(self, change):
        self.guess = None if change["new"] == NO_GUESS else change["new"]

    @traitlets.observe("guess")
    def _on_guess(self, change):
        self.guess_picker.value = NO_GUESS if change["new"] is None else change["new"]

    @guarded
    def start(self):
        """Plant this round's bug, run the check, clear the guess and the hint."""
        self.set_trait("solved", False)
        self.set_trait("attempts", 0)
        self.set_trait("hinted", False)
        self.guess = None
        self.panel.bug = self.answer
        self.panel.run()
        self.heading.value = (f"<h4>Mystery bug {self.round + 1}</h4><p>A network "
                              f"{'-'.join(map(str, self.panel.scenario.layer_dims))} with one bug planted in its "
                              "backprop. Read the table, the worst components and the heatmaps, then name the bug. "
                              "Stuck? Ask for a hint: the report's diagnoses.</p>")
        self.hint.value = ""
        self.hint_button.disabled = False
        self.feedback.value = ""
        self._show_score()

    @guarded
    def show_hint(self):
        """Show the report's diagnoses; this round then counts as solved with a hint."""
        self.set_trait("hinted", True)
        self.hint_button.disabled = True
        report = self.panel.report
        self.hint.value = (diagnoses_html(report) if report.diagnoses else
                           "<p>The report has no diagnosis to give: read the table again.</p>")

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
            if not self.solved:
                self.set_trait("solved_rounds", self.solved_rounds + 1)
                self.set_trait("hinted_rounds", self.hinted_rounds + self.hinted)
                if self.attempts == 1:
                    self.set_trait("score", self.score + 1)
                    self.set_trait("hinted_score", self.hinted_score + self.hinted)
            self.set_trait("solved", True)
            heading = "Right!" if exact else (
                f"Right in effect: a check cannot tell \"{html.escape(bugs.get(self.guess).title)}\" from the "
                "planted bug (same kind of trace, same parameters). The planted one was:")
            if self.hinted:
                heading += " (with a hint)"
            self.feedback.value = _verdict_html(True, heading, bugs.get(self.answer), self.panel.scenario.layer_dims)
        else:
            self.feedback.value = self._wrong_guess_html(bugs.get(self.guess))
        self._show_score()

    def _show_score(self):
        rounds = self.round + (1 if self.solved else 0)
        if not rounds:
            self.scoreboard.value = ""
            return
        hinted = self.hinted_rounds or "none"
        self.scoreboard.value = (f"<p><b>Score:</b> {self.solved_rounds} of {rounds} "
                                 f"{'round' if rounds == 1 else 'rounds'} solved: {self.score} at the first guess, "
                                 f"{hinted} with a hint.</p>")

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
                f"That bug leaves a <i>{guessed.kind}</i> trace; look again at which parameters fail, the worst "
                "components and the heatmaps" + ("." if self.hinted else ", or ask for a hint."))
        return (f'<div class="gradlab-wrong"><p><b>Not this one.</b> "{html.escape(guessed.title)}" would make '
                f"the check flag {html.escape(would)}; the report flags {html.escape(failing)}. {hint}</p></div>")


def _verdict_html(right, heading, bug, layer_dims):
    css = {True: "gradlab-right", None: "gradlab-answer"}[right]
    return (f'<div class="{css}"><p><b>{heading}</b> {html.escape(bug.title)} ({bug.name}).</p>'
            f"<p>The line: <code>{html.escape(bug.code(layer_dims))}</code></p><p>{html.escape(bug.explanation)}</p></div>")
