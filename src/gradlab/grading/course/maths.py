"""TeX in a notebook's markdown as MathML, written into the page, so that maths reads wherever a rendered notebook
is shown: the feedback a student opens (offline too), the dashboard's sandboxed frame (where no script runs, so
MathJax never could) and the formgrader.

nbconvert leaves `$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]` and `\\begin{env}...\\end{env}` as TeX for MathJax,
which nbgrader's templates load from a CDN. Browsers draw MathML themselves (MathML Core: Chromium 109+, Firefox,
Safari), so the page needs neither a script nor the network. latex2mathml does the conversion; TeX it cannot read
stays as the TeX the student wrote, in a <code>.
"""
from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import IPythonRenderer

# The MathML that latex2mathml writes (MathML Core's elements) and the attributes it sets: what the page's
# cleaner lets through besides markdown's own tags.
TAGS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub",
        "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle",
        "mpadded", "mphantom", "menclose", "merror", "mmultiscripts", "mprescripts", "none"}
ATTRIBUTES = ["display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "form", "lspace", "rspace",
              "minsize", "maxsize", "movablelimits", "accent", "accentunder", "linethickness", "displaystyle",
              "scriptlevel", "columnalign", "columnspacing", "rowspacing", "rowalign", "columnlines", "rowlines",
              "frame", "framespacing", "width", "height", "depth", "notation", "encoding", "symmetric", "largeop",
              "mathsize", "mathcolor", "mathbackground", "class"]
_SAFE_VALUE = re.compile(r"^[\w\s.#%+-]*$")  # attribute values latex2mathml writes: names, numbers, lengths


def mathml_attribute(tag, name, value):
    """bleach's attribute filter for MathML elements: only MathML's own presentation attributes, with plain values."""
    return name in ATTRIBUTES and bool(_SAFE_VALUE.match(value))


def to_mathml(tex, display):
    """TeX as a <math> element (display="block" for display maths); TeX it cannot convert, shown as written."""
    try:
        return convert(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds on what it does not know: the student's TeX stays readable
        delimiter = "$$" if display else "$"
        return f'<code class="gradlab-tex">{html.escape(delimiter + tex + delimiter)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with maths written as MathML instead of left as TeX for MathJax."""

    def block_math(self, body):
        return to_mathml(body, display=True)

    def inline_math(self, body):
        return to_mathml(body, display=False)

    def latex_environment(self, name, body):
        return to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)
