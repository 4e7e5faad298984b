"""What every gradlab widget shares: an error area that callbacks report into, and figures shown as images
(redrawn in part: a slider that moves a marker redraws the marker, not the axes).

A callback that raises inside a kernel is otherwise lost in a log the student never sees; `guarded` catches
it and writes the error into the widget itself, where the student is looking.
"""
from __future__ import annotations

import base64
import functools
import html
import io
import traceback

import ipywidgets as widgets
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg

from .. import plots


def guarded(method):
    """Run a widget method so that an exception appears in the widget's error area instead of escaping.

    When the outermost guarded call of an interaction ends without any error, the error area is cleared, so
    what is shown always belongs to the latest interaction. (Guarded methods call each other; an inner
    success must not clear an error another inner call has just shown.)
    """
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        outermost = not self._guard_depth
        if outermost:
            self._failed = False
        self._guard_depth += 1
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # anything: a student's cost function can raise whatever it likes
            self.show_error(error)
            return None
        finally:
            self._guard_depth -= 1
            if outermost and not self._failed:
                self.clear_error()
    return run


# Labels and options read whole: radio options and long labels wrap instead of being cut off with "...",
# a wrapped option stays right of its radio button (ipywidgets floats the button, which comes after the text,
# so wrapped text ran under and above it), slider read-outs are as wide as their text ("4-128-128-1"), and
# status words in tables stay on one line.
STYLE = ("<style>.gradlab-widget .widget-radio-box label{display:flex;align-items:flex-start;white-space:normal;"
         "height:auto;line-height:1.4;overflow:visible;margin-bottom:4px}"
         ".gradlab-widget .widget-radio-box label input{order:-1;float:none;flex:none;margin-top:2px}"
         ".gradlab-widget .widget-radio-box{width:auto;max-width:100%}"
         ".gradlab-widget .widget-readout{overflow:visible;max-width:none;width:auto;flex:0 0 auto;"
         "padding-left:6px}"
         ".gradlab-widget .widget-inline-hbox .widget-label{overflow:visible;text-overflow:clip}"
         ".gradlab-widget .widget-toggle-button,.gradlab-widget .widget-button{overflow:visible;"
         "text-overflow:clip;padding-left:10px;padding-right:10px}"
         ".gradlab-widget .widget-html-content{white-space:normal;overflow-wrap:break-word}"
         ".gradlab-widget td,.gradlab-widget th{white-space:nowrap}</style>")


class GradlabWidget(widgets.VBox):
    """A VBox with an error area at the bottom. Subclasses call `self.assemble(...)` with their children."""

    error = traitlets.Unicode("", help="the text of the last callback's error; empty when it succeeded")
    css_class = "gradlab-widget"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_depth, self._failed = 0, False
        self.error_area = widgets.HTML(layout=widgets.Layout(display="none"))
        self.error_area.add_class("gradlab-error")
        self.add_class("gradlab-widget")
        self.add_class(self.css_class)

    def assemble(self, *children):
        self.children = ([html_area("gradlab-style", value=STYLE)] + [child for child in children if child is not None]
                         + [self.error_area])

    def show_error(self, error):
        self._failed = True
        message = f"{type(error).__name__}: {error}"
        notes = "".join(f"\n{note}" for note in getattr(error, "__notes__", ()))
        where = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])
        self.error = message + notes
        self.error_area.value = (
            '<div style="border-left:4px solid #cf222e;background:#fff5f5;padding:4px 8px;margin:4px 0">'
            f'<b style="color:#cf222e">Error</b> <span class="gradlab-error-message">{html.escape(self.error)}'
            f'</span><details><summary>where</summary><pre style="font-size:85%">{html.escape(where)}</pre>'
            "</details></div>")
        self.error_area.layout.display = ""

    def clear_error(self):
        if self.error:
            self.error = ""
            self.error_area.value = ""
            self.error_area.layout.display = "none"


class MarkedFigure:
    """A figure whose background is drawn once; afterwards only its changing artists are redrawn.

    Moving a slider moves a marker and nothing else, so redrawing the axes, ticks and labels each time would
    waste most of the time an interaction may take. The figure names its changing artists in
    `fig.gradlab_markers` (read again at each `png()`, so a figure may swap them) and, if some are hidden
    now but may show later, all of them in `fig.gradlab_dynamic`.
    """

    def __init__(self, fig, dpi=plots.DPI):
        self.fig = fig
        fig.set_dpi(dpi)
        self.canvas = FigureCanvasAgg(fig)
        for artist in getattr(fig, "gradlab_dynamic", fig.gradlab_markers):
            artist.set_animated(True)  # left out of canvas.draw(), drawn by png()
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)

    def png(self):
        from PIL import Image

        self.canvas.restore_region(self.background)
        for artist in self.fig.gradlab_markers:
            if artist.get_visible():
                artist.axes.draw_artist(artist) if artist.axes is not None else self.fig.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=plots.COMPRESSION)
        return buffer.getvalue()


def figure_area(*classes):
    """An Output widget that holds one figure image at a time."""
    area = widgets.Output()
    for name in ("gradlab-figure",) + classes:
        area.add_class(name)
    return area


def show_png(area, data, description="figure"):
    """Replace what an Output widget shows with one PNG image.

    Setting `outputs` directly (instead of `with area: display(...)`) works without a running kernel and
    without clearing first, so the image is swapped in one message and never flickers.
    """
    area.outputs = ({"output_type": "display_data",
                     "data": {"image/png": base64.b64encode(data).decode("ascii"), "text/plain": description},
                     "metadata": {}},)


def html_area(*classes, value=""):
    area = widgets.HTML(value=value)
    for name in classes:
        area.add_class(name)
    return area


def labelled(text, control):
    """A control with a label on its left. ToggleButtons' own description wraps the buttons onto a new line
    in JupyterLab and Voila; a Label beside them in an HBox stays on one line."""
    return widgets.HBox([widgets.Label(text), control], layout={"align_items": "center"})


def table(rows, header=None):
    """A small HTML table from rows of already formatted cells."""
    cell = '<td style="padding:1px 10px 1px 0;white-space:nowrap">'
    head = "".join(f'<th style="text-align:left;padding-right:10px;white-space:nowrap">{h}</th>'
                   for h in header or ())
    body = "".join("<tr>" + "".join(f"{cell}{value}</td>" for value in row) + "</tr>" for row in rows)
    return f"<table>{'<tr>' + head + '</tr>' if head else ''}{body}</table>"
