"""How a student's feedback page reads wherever it is opened: returned to the student, in the dashboard's frame,
or from the formgrader's feedback link.

- Its maths are MathML written into the page (maths.py), so nbgrader's feedback and formgrade templates are
  given a stand-in for nbconvert's MathJax macro (templates/*/mathjax.html.j2) that loads nothing: the pages fetch
  nothing from a CDN. nbgrader looks its templates up in the exporter's extra_template_basedirs; gradlab's folder
  comes after nbgrader's, so nbgrader's templates are used as they stand and only the macro they import is ours.
- Outputs wrap: gradlab's feedback lines (and anything a cell printed) break at the page's edge instead of
  running past it, which in a narrow frame meant scrolling sideways line by line; figures fit the page.
"""
from __future__ import annotations

import importlib.util
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from traitlets import Bool

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# Outputs as printed, but wrapped at the page's edge, long words (paths, numbers) broken rather than overflowing;
# figures no wider than the page (the notebook's are drawn wider than a narrow frame).
WRAPPED_OUTPUTS = ("div.output_area pre, div.output_subarea pre, div.output_text pre "
                   "{white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal}\n"
                   "div.rendered_html img, div.output_area img {max-width: 100%; height: auto}\n"
                   "math[display=block] {margin: 0.5em 0; overflow-x: auto}")


def template_basedirs():
    """nbgrader's templates (feedback/, formgrade/), then gradlab's stand-ins."""
    nbgrader = importlib.util.find_spec("nbgrader").submodule_search_locations[0]
    return [os.path.join(nbgrader, "server_extensions", "formgrader", "templates"), TEMPLATES]


class FeedbackPageCSS(CSSHTMLHeaderPreprocessor):
    """nbconvert's CSSHTMLHeaderPreprocessor (the page's Pygments styles, which nbgrader's feedback template
    inlines), with the outputs' wrapping added to the same inlined styles. On by default: a preprocessor nbgrader
    is given by name runs only if enabled, and nbgrader's own entry for this one never was (its pages had no
    Pygments styles)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        resources.setdefault("inlining", {}).setdefault("css", []).append(WRAPPED_OUTPUTS)
        return nb, resources
