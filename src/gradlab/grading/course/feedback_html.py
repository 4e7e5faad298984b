"""Filters for nbconvert's HTMLExporter that make a student's notebook safe to render: in the feedback a student
opens and in the formgrader's view of a submission, where the instructor's browser is logged in to Jupyter.

nbconvert's `sanitize_html` cleans markdown and outputs in nbconvert's own templates, but nbgrader's feedback and
formgrade templates render markdown cells themselves, without cleaning them: a `<script>` or an
`<img onerror>` in a markdown cell runs. So the course's configuration puts these filters in place of
nbconvert's (`c.HTMLExporter.filters`, read by `nbgrader generate_feedback` and by the formgrader alike):

- markdown2html: markdown rendered as nbconvert renders it, its maths as MathML (maths.py: no MathJax, no
  network), then cleaned with bleach (which nbconvert's own clean_html uses) on an allow-list of the tags and
  attributes markdown and MathML produce: no scripts, no event handlers, no styles, no javascript: links; a cell
  too long to render in bounded time is shown as plain text.
- highlight_code: Pygments as nbconvert uses it, for cells it highlights in bounded time; others as plain text.
  Pygments' Python lexers take quadratic time on long runs of blanks (10,000 blank lines: 24 s), so a cell with
  a run of more than _BLANK_RUN blanks or more than _HIGHLIGHT_CHARACTERS characters is not highlighted.
"""
from __future__ import annotations

import base64
import html
import os
import re

import bleach
from jinja2 import pass_context
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import MarkdownWithMath

from . import maths

_HIGHLIGHT_CHARACTERS = 20000
_MARKDOWN_CHARACTERS = 50000
_SHOWN_CHARACTERS = 200000  # of a cell shown as plain text
_BLANK_RUN = 100
_BLANKS = re.compile(r"\s{%d,}" % (_BLANK_RUN + 1))
_HIGHLIGHT = Highlight2HTML(pygments_lexer="ipython3")
def _link_attribute(tag, name, value):
    """A link's href and title; a data: URL only as an image (a data:text/html link is a page of its own)."""
    return name in ("title", "class") or (name == "href" and not value.strip().lower().startswith("data:"))


# What markdown turns into (headings, paragraphs, lists, tables, images, links, code), and nothing that runs.
_CLEANER = bleach.Cleaner(
    tags={*bleach.ALLOWED_TAGS, "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "img", "pre", "code", "span",
          "div", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "del", "s", "dl", "dt", "dd", "kbd",
          *maths.TAGS},
    attributes={"*": ["class", "id", "title"], "a": _link_attribute,
                "img": ["src", "alt", "title", "width", "height"], "th": ["align", "colspan", "rowspan"],
                "td": ["align", "colspan", "rowspan"], **{tag: maths.mathml_attribute for tag in maths.TAGS}},
    protocols={"http", "https", "mailto", "data"}, strip=False)


def clean(markup):
    """`markup` with every tag, attribute and link scheme that is not on the allow-list escaped or removed."""
    return _CLEANER.clean(str(markup))


def _plain(source, why):
    shown = source[:_SHOWN_CHARACTERS]
    cut = f" (the first {_SHOWN_CHARACTERS} of {len(source)} characters)" if len(source) > len(shown) else ""
    return (f'<div class="highlight"><pre>{html.escape(shown)}</pre></div>'
            f'<p class="gradlab-note">{html.escape(why + cut)}</p>')


def highlight_code(source, language="ipython3", metadata=None):
    """Syntax-highlighted HTML for a code cell, in time bounded by the cell's length."""
    source = str(source)
    if len(source) > _HIGHLIGHT_CHARACTERS or _BLANKS.search(source):
        return _plain(source, "Shown without highlighting: this cell is too long or has long runs of blank space.")
    return _HIGHLIGHT(source, language, metadata)


@pass_context
def markdown2html(context, source):
    """A markdown cell as cleaned HTML: its own attachments shown, nothing that runs."""
    source = str(source)
    if len(source) > _MARKDOWN_CHARACTERS:
        return _plain(source, "Shown as plain text: this markdown cell is too long to render.")
    cell = context.get("cell", {}) or {}
    renderer = maths.MathMLRenderer(escape=False, attachments=cell.get("attachments", {}) or {}, embed_images=False,
                               path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    folder = context.get("resources", {}).get("metadata", {}).get("path", "")
    return figures_inline(clean(MarkdownWithMath(renderer=renderer).render(source)), folder)


_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_FIGURE_BYTES = 5 * 2 ** 20
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"/\\]+)(")')


def figures_inline(markup, folder):
    """`markup` with each figure the notebook shows by a bare file name beside it (`![...](figure1.png)`) written
    into the page as a data: URL. A returned page is opened from Jupyter's file server, which serves it as a
    sandboxed document: the figure's own request goes without the login cookie and is refused, so a figure left as
    a file beside the page is a broken image. Only an image file directly in the notebook's folder, read without
    following a link and within _FIGURE_BYTES: a name with a path, a link or anything else stays as it was."""
    if not folder:
        return markup

    def inline(match):
        name = html.unescape(match.group(2))
        kind = _IMAGE_TYPES.get(os.path.splitext(name.lower())[1])
        data = kind and _read_regular(os.path.join(folder, name))
        if not data:
            return match.group(0)
        return f"{match.group(1)}data:{kind};base64,{base64.b64encode(data).decode()}{match.group(3)}"

    return _IMG_SRC.sub(inline, markup)


def _read_regular(path):
    """The bytes of `path` if it is a regular file (not a link) of at most _FIGURE_BYTES; else None."""
    from .files import read_file
    from .intake import SubmissionLimits, SubmissionRefused

    try:
        return read_file(path, SubmissionLimits(max_bytes=_FIGURE_BYTES))
    except (SubmissionRefused, OSError):
        return None
