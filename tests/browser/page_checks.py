"""What a student reads, checked widget by widget in any front end (JupyterLab, Notebook 7, Voila): nothing cut
off or wider than the output area, wrapped radio options that stay beside their button, figures shown at the
size they were drawn, status words on one line, no blank menu; after each slider is moved to its far end."""

from __future__ import annotations

import time

from test_browser_lessons import settle

MIN_FIGURE_PX = 480  # a figure narrower than this has tick labels too small to read
SHRUNK = 0.9  # a figure shown below this share of its drawn width has its text shrunk with it

# gradlab widgets that are not inside another one
OUTERMOST = ".gradlab-widget:not(.gradlab-widget .gradlab-widget)"

# Every problem inside one widget (`root`), as sentences. Run with the widget in view: JupyterLab lays out only
# the cells in view.
PROBLEMS_JS = """root => {
  const found = [];
  const say = (what, e) => found.push(`${what}: ${e.tagName.toLowerCase()}.${(e.className.baseVal ?? e.className)
      .toString().split(' ').filter(Boolean).join('.')} "${(e.textContent || '').trim().slice(0, 60)}"`);
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  // text cut off: content wider than its own box (labels ending in "...", clipped read-outs and cells)
  const boxes = ['.widget-label', '.widget-button', '.widget-toggle-button', '.widget-radio-box label',
                 '.widget-dropdown select', 'td', 'th', '.widget-readout'];
  for (const e of root.querySelectorAll(boxes.join(','))) {
    if (shown(e) && (e.textContent || '').trim() && e.scrollWidth > e.clientWidth + 1)
      say(`cut off (${e.scrollWidth} > ${e.clientWidth} px)`, e);
  }
  // wider than the output area that shows it: the part beyond its right edge is cut off
  const area = root.closest('.jp-OutputArea-output') || root.parentElement;
  const limit = area.getBoundingClientRect().right + 1;
  for (const e of root.querySelectorAll('*')) {
    if (!shown(e) || ['STYLE', 'SCRIPT'].includes(e.tagName)) continue;
    const right = e.getBoundingClientRect().right;
    const parent = e.parentElement;
    if (right > limit && !(parent && parent !== root && parent.getBoundingClientRect().right > limit))
      say(`past the output area's right edge (${Math.round(right)} > ${Math.round(limit)} px)`, e);
  }
  // a radio option's text stays right of its button, and the button sits on the text's first line
  for (const label of root.querySelectorAll('.widget-radio-box label')) {
    const input = label.querySelector('input');
    if (!input || !shown(label)) continue;
    const button = input.getBoundingClientRect();
    const range = document.createRange();
    for (const node of label.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      range.selectNodeContents(node);
      const lines = Array.from(range.getClientRects());
      if (lines.some(line => line.left < button.right - 1) || (lines.length && button.top > lines[0].bottom))
        say('a radio option wraps around its button', label);
    }
  }
  for (const img of root.querySelectorAll('.gradlab-figure img')) {
    if (!shown(img)) continue;
    const width = img.getBoundingClientRect().width;
    if (img.naturalWidth < MIN || width < MIN || width < SHRUNK * img.naturalWidth)
      say(`a figure drawn ${img.naturalWidth} px wide is shown ${Math.round(width)} px wide`, img);
  }
  for (const td of root.querySelectorAll('.gradlab-report td')) {
    if (shown(td) && ['ok', 'FAIL', 'unresolved'].includes((td.textContent || '').trim()) &&
        td.getBoundingClientRect().height > 1.8 * parseFloat(getComputedStyle(td).lineHeight || '16'))
      say('a status word wraps', td);
  }
  for (const s of root.querySelectorAll('select')) {
    if (shown(s) && (s.selectedIndex < 0 || !(s.options[s.selectedIndex].text || '').trim()))
      say('a menu shows nothing', s);
  }
  return found;
}""".replace("MIN", str(MIN_FIGURE_PX)).replace("SHRUNK", str(SHRUNK))


LOADED_JS = "root => Array.from(root.querySelectorAll('.gradlab-figure img')).every(i => i.complete && i.naturalWidth > 0)"


def move_sliders_to_their_ends(page, keys=("End",)) -> None:
    """Move every slider of every gradlab widget to its largest value (the widest read-out: "4-128-128-1"),
    as a student would with the keyboard, and let each widget redraw."""
    handles = page.locator(f"{OUTERMOST} .widget-slider [role=slider]")
    for index in range(handles.count()):
        handle = handles.nth(index)
        widget = handle.locator(f"xpath=ancestor::*[contains(concat(' ', normalize-space(@class), ' '), "
                                "' gradlab-widget ')][last()]")
        handle.scroll_into_view_if_needed()
        top = handle.get_attribute("aria-valuemax")
        for key in keys:
            handle.press(key)
        deadline = time.monotonic() + 10
        while handle.get_attribute("aria-valuenow") != top and time.monotonic() < deadline:
            handle.press("PageUp")  # a front end that keeps End for itself (Notebook 7's shortcuts)
            time.sleep(0.1)
        assert handle.get_attribute("aria-valuenow") == top, "a slider did not reach its end"
        settle(widget)  # the widget has redrawn (its content still for a second)


def widget_problems(page) -> list[str]:
    """Every problem of every gradlab widget on the page, each checked with the widget in view."""
    problems = []
    widgets = page.locator(OUTERMOST)
    for index in range(widgets.count()):
        widget = widgets.nth(index)
        widget.scroll_into_view_if_needed()
        deadline = time.monotonic() + 30
        while not widget.evaluate(LOADED_JS) and time.monotonic() < deadline:
            time.sleep(0.1)
        page.wait_for_timeout(200)
        kind = (widget.get_attribute("class") or "").split()
        name = next((k for k in kind if k.startswith("gradlab-") and k != "gradlab-widget"), "gradlab-widget")
        problems += [f"{name}: {problem}" for problem in widget.evaluate(PROBLEMS_JS)]
    return problems
