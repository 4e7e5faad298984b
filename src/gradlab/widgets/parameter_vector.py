"""ParameterVectorView: theta as coloured segments, one per parameter; a position and its (name, index).

Move the position slider and the view says which parameter and which entry that is; pick a parameter and an
index and the slider moves to its position. Both directions are `ParameterLayout.locate` and `.position`.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import plots
from ..layout import ParameterLayout, dictionary_to_vector
from .base import GradlabWidget, MarkedFigure, figure_area, guarded, html_area, show_png

AXES = ("row", "column")


class ParameterVectorView(GradlabWidget):
    """theta for a parameters dict (or a bare ParameterLayout) with one position picked.

    Traits: position (flat index into theta), parameter (its name) and index (its index in that parameter);
    setting any of them updates the others and the controls.
    """

    css_class = "gradlab-parameter-vector"
    position = traitlets.Int(0)
    parameter = traitlets.Unicode()
    index = traitlets.Tuple()

    def __init__(self, parameters=None, *, parameter_layout=None, position=0, **kwargs):
        super().__init__(**kwargs)
        if (parameters is None) == (parameter_layout is None):
            raise TypeError("give either parameters (a dict of arrays) or parameter_layout "
                            "(a ParameterLayout)")
        if parameters is not None:
            self.theta, self.parameter_layout = dictionary_to_vector(parameters)
        else:
            if not isinstance(parameter_layout, ParameterLayout):
                raise TypeError("parameter_layout must be a ParameterLayout; "
                                f"got {type(parameter_layout).__name__}")
            self.theta, self.parameter_layout = None, parameter_layout
        self._syncing = True  # until the end of __init__, and while one side updates the other
        self.position_slider = widgets.IntSlider(min=0, max=self.parameter_layout.size - 1,
                                                 description="position")
        self.position_slider.add_class("gradlab-position-slider")
        self.parameter_picker = widgets.Dropdown(options=list(self.parameter_layout.names),
                                                 description="parameter")
        self.index_boxes = [widgets.BoundedIntText(min=0, max=0, description=axis, layout={"width": "150px"})
                            for axis in AXES]
        self.about = html_area("gradlab-position")
        self.figure = figure_area("gradlab-theta-strip")
        fig = plots.parameter_strip(self.parameter_layout, 0)
        self._drawing = MarkedFigure(fig)

        widgets.link((self.position_slider, "value"), (self, "position"))
        self.parameter_picker.observe(self._on_pick, names="value")
        for box in self.index_boxes:
            box.observe(self._on_pick, names="value")
        self.assemble(self.figure, self.position_slider,
                      widgets.HBox([self.parameter_picker, *self.index_boxes]), self.about)
        self._syncing = False
        self.position = int(position)
        self._show()

    @traitlets.validate("position")
    def _valid_position(self, proposal):
        if not 0 <= proposal.value < self.parameter_layout.size:
            raise traitlets.TraitError(f"position must be in 0..{self.parameter_layout.size - 1}; "
                                       f"got {proposal.value}")
        return proposal.value

    @traitlets.observe("position")
    def _on_position(self, change):
        if not self._syncing:
            self._show()

    @traitlets.observe("parameter", "index")
    @guarded
    def _on_name_or_index(self, change):
        if self._syncing:
            return
        if change["name"] == "parameter":  # a new parameter starts at its first entry
            self._go_to(change["new"], tuple(0 for _ in self.parameter_layout.shape(change["new"])))
        else:
            self._go_to(self.parameter, change["new"])

    @guarded
    def _on_pick(self, change):
        if self._syncing:
            return
        name = self.parameter_picker.value
        index = tuple(box.value for box in self.index_boxes[:len(self.parameter_layout.shape(name))])
        if change["owner"] is self.parameter_picker:
            index = tuple(0 for _ in index)  # a new parameter starts at its first entry
        self._go_to(name, index)

    @guarded
    def _go_to(self, name, index):
        self.position = self.parameter_layout.position(name, index)
        self._show()

    @guarded
    def _show(self):
        """Bring every control, trait and the drawing in line with `position`."""
        name, index = self.parameter_layout.locate(self.position)
        shape = self.parameter_layout.shape(name)
        self._syncing = True
        try:
            self.position_slider.value = self.position
            self.parameter, self.index = name, index
            self.parameter_picker.value = name
            for k, box in enumerate(self.index_boxes):
                box.layout.display = "" if k < len(shape) else "none"
                if k < len(shape):
                    box.max = shape[k] - 1
                    box.value = index[k]
        finally:
            self._syncing = False
        plots.mark_position(self._drawing.fig, self.position)
        show_png(self.figure, self._drawing.png(), f"theta with position {self.position} marked")
        self.about.value = self._about_html(name, index, shape)

    def _about_html(self, name, index, shape):
        block = self.parameter_layout.slice(name)
        label = html.escape(self.parameter_layout.label(self.position))
        text = (f"<p><b>theta[{self.position}]</b> is <b>{label}</b>. {html.escape(name)} has shape "
                f"{shape} and fills theta[{block.start}:{block.stop}]")
        if len(shape) == 2:
            text += (f", row by row: position = {block.start} + {index[0]} &times; {shape[1]} + {index[1]} "
                     f"= {self.position}")
        text += ".</p>"
        if self.theta is not None:
            text += f"<p>Its value: {float(self.theta[self.position, 0]):.6g}</p>"
        return text

    @property
    def value(self):
        """The number at the current position (None when the view was built from a bare layout)."""
        return None if self.theta is None else float(np.asarray(self.theta)[self.position, 0])
