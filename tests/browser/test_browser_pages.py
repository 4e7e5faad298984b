"""Phase of the browser tests that looks at what a student reads: every lesson at 1280 px in JupyterLab with its
file browser open, in Notebook 7 and in Voila (page_checks.py: nothing cut off or past the output area, radio
options beside their buttons, figures at their drawn size, no blank menu, no widget error; again with every
slider at its far end), the quizzes that never give an answer away (JupyterLab, Notebook 7, Voila), and the
find-the-bug game that holds its diagnoses back as a hint. Screenshots go to test-artifacts/browser/ (pages-*.png).
"""

from __future__ import annotations

import urllib.parse

import pytest

from gradlab.widgets.quiz_bank import QUESTIONS

from page_checks import OUTERMOST, move_sliders_to_their_ends, widget_problems
from test_browser_lessons import (  # noqa: E402  (the lesson tests' helpers, in the same folder)
    RUN_TIMEOUT, assert_no_errors, lab_kernel_idle, notebook7_kernel_idle, run_all_cells,
)

pytestmark = pytest.mark.browser

WIDTH = 1280
LESSONS = (1, 2, 3, 4, 5)
FRONT_ENDS = ("lab", "notebook7", "voila")

# The page's prose: its text without code (where `epsilon**2` is right) and without widgets.
PROSE_JS = """() => { const clone = document.body.cloneNode(true);
  clone.querySelectorAll('code, pre, .jupyter-widgets').forEach(e => e.remove());
  return clone.textContent || ''; }"""

# Voila scrolls an inner element, not the document, so a "full page" shot is only the window: the shot is taken
# with a window as tall as that element's content.
CONTENT_HEIGHT_JS = """() => Math.max(document.documentElement.scrollHeight, ...Array.from(document.querySelectorAll('*'))
  .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).map(e => e.scrollHeight))"""


def whole_page_shot(page, path, width=WIDTH):
    height = min(int(page.evaluate(CONTENT_HEIGHT_JS)) + 40, 16000)
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": 900})


def voila_page(browser, voila_server, lesson_name, number, width=WIDTH):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.route(lambda url: not url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")),
               lambda route: route.abort("blockedbyclient"))
    name = lesson_name(number)
    page.goto(f"{voila_server.url}voila/render/{urllib.parse.quote(name)}?token={voila_server.token}",
              timeout=RUN_TIMEOUT * 1000)
    page.locator(".jupyter-widgets").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_function("() => Array.from(document.querySelectorAll('.gradlab-figure img')).every("
                           "i => i.complete && i.naturalWidth > 0)", timeout=60_000)
    page.wait_for_timeout(1000)
    return context, page


def jupyter_page(page, front_end, server, name):
    """The lesson run top to bottom in JupyterLab (its file browser open, as it opens by default) or Notebook 7,
    in a window 1280 px wide."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    quoted = urllib.parse.quote(name)
    if front_end == "lab":
        url, idle = f"{server.url}lab/tree/{quoted}?reset&token={server.token}", lab_kernel_idle
    else:
        url, idle = f"{server.url}notebooks/{quoted}?token={server.token}", notebook7_kernel_idle
    page.goto(url)
    idle(page).first.wait_for(timeout=120_000)
    if front_end == "lab":
        files = page.locator(".jp-FileBrowser")
        if not files.is_visible():
            page.locator('.jp-SideBar [data-id="filebrowser"]').click()
        files.wait_for(state="visible", timeout=10_000)
    run_all_cells(page, idle, front_end)
    page.locator(OUTERMOST).first.wait_for(state="attached", timeout=60_000)
    return page


@pytest.mark.parametrize("number", LESSONS)
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_lesson_reads_cleanly_at_1280_px(front_end, number, request, browser, lesson_name, artifacts):
    """Every widget of the lesson, before and after each of its sliders is moved to its far end: nothing cut
    off or past the output area, options beside their buttons, figures at their drawn size, no error."""
    where = f"lesson {number} in {front_end} at {WIDTH} px"
    if front_end == "voila":
        context, page = voila_page(browser, request.getfixturevalue("voila_server"), lesson_name, number)
    else:
        context, page = None, jupyter_page(request.getfixturevalue("page"), front_end,
                                           request.getfixturevalue(front_end), lesson_name(number))
    try:
        assert_no_errors(page, where)
        if front_end == "voila":
            whole_page_shot(page, artifacts / f"pages-{number:02d}-{WIDTH}.png")
            text = page.evaluate(PROSE_JS)
            assert "**" not in text, f"{where}: markdown left unrendered"
            assert not any(line.strip().startswith("('") for line in text.splitlines()), "a raw tuple is printed"
        problems = widget_problems(page)
        move_sliders_to_their_ends(page)
        assert_no_errors(page, f"{where}, after moving every slider to its end")
        problems += [f"(sliders at their ends) {problem}" for problem in widget_problems(page)]
        widgets = page.locator(OUTERMOST)
        for index in range(widgets.count()):
            widgets.nth(index).screenshot(path=str(artifacts / f"pages-{front_end}-{number:02d}-{index}.png"))
        assert not problems, f"{where}:\n" + "\n".join(dict.fromkeys(problems))
    finally:
        if context is not None:
            context.close()


def quiz_hides_its_answers(page, number, where):
    """Before any choice no explanation is on the page. A wrong choice says why it is wrong and asks for
    another try, without naming the answer or explaining it; the right choice then shows the explanation."""
    text = page.locator("body").text_content()
    for question in QUESTIONS[number]:
        assert question.explanation not in text, f"{where}: an explanation shows before an answer"
    assert "answer=" not in text and "explanation=" not in text, f"{where}: the quiz's source shows"
    quiz = page.locator(".gradlab-quiz").first
    quiz.scroll_into_view_if_needed()
    question = QUESTIONS[number][0]
    radios = quiz.locator(".widget-radio-box").first.locator("input[type=radio]")
    feedback = quiz.locator(".gradlab-quiz-feedback").first
    wrong = next(k for k in range(len(question.choices)) if k != question.answer)
    radios.nth(wrong).check()
    feedback.get_by_text("Not quite.").wait_for(timeout=30_000)
    told = feedback.text_content()
    assert question.why_not[wrong] in told and "Try another answer" in told, f"{where}: {told!r}"
    assert question.choices[question.answer] not in told, f"{where}: a wrong choice gives the answer: {told!r}"
    assert question.explanation[:40] not in page.locator("body").text_content(), f"{where}: explained too early"
    radios.nth(question.answer).check()
    feedback.get_by_text(question.explanation[:40]).wait_for(timeout=30_000)
    assert "Right." in feedback.text_content()
    assert "0 of" in quiz.locator(".gradlab-quiz-score").text_content()  # found on the second try
    assert_no_errors(quiz, f"{where}, after a wrong and a right choice")  # the choices' callbacks ran without error


def test_quiz_answers_stay_hidden_until_a_choice_in_voila(browser, voila_server, lesson_name, artifacts):
    context, page = voila_page(browser, voila_server, lesson_name, 2)
    try:
        quiz_hides_its_answers(page, 2, "Voila")
        page.locator(".gradlab-quiz").first.screenshot(path=str(artifacts / "pages-quiz-voila.png"))
    finally:
        context.close()


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_quiz_answers_stay_hidden_until_a_choice_in_jupyter(front_end, request, page, lesson_name, artifacts):
    server = request.getfixturevalue("lab" if front_end == "lab" else "notebook7")
    name = urllib.parse.quote(lesson_name(2))
    if front_end == "lab":
        url, idle = f"{server.url}lab/tree/{name}?reset&token={server.token}", lab_kernel_idle
    else:
        url, idle = f"{server.url}notebooks/{name}?token={server.token}", notebook7_kernel_idle
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(url)
    idle(page).first.wait_for(timeout=120_000)
    run_all_cells(page, idle, front_end)
    page.locator(".gradlab-quiz").first.wait_for(state="attached", timeout=60_000)
    quiz_hides_its_answers(page, 2, front_end)
    page.locator(".gradlab-quiz").first.screenshot(path=str(artifacts / f"pages-quiz-{front_end}.png"))


def test_find_the_bug_holds_the_diagnoses_back_as_a_hint(browser, voila_server, lesson_name, artifacts):
    context, page = voila_page(browser, voila_server, lesson_name, 5)
    try:
        game = page.locator(".gradlab-find-the-bug").first
        game.scroll_into_view_if_needed()
        assert "Diagnoses" not in game.text_content() and "Worst components" in game.text_content()
        select = game.locator(".widget-dropdown", has_text="It is:").locator("select")
        assert select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ") == "(pick a bug)"
        game.locator("button", has_text="Show a hint").click()
        game.locator(".gradlab-hint-text").get_by_text("Diagnoses").wait_for(timeout=30_000)
        game.screenshot(path=str(artifacts / "pages-05-hint.png"))
        select.select_option(index=1)
        game.locator("button", has_text="Submit answer").click()
        game.locator(".gradlab-feedback").get_by_text("Not this one", exact=False).or_(
            game.locator(".gradlab-feedback").get_by_text("Right", exact=False)).first.wait_for(timeout=30_000)
        game.locator(".gradlab-score").get_by_text("Score").wait_for(timeout=30_000)
        game.screenshot(path=str(artifacts / "pages-05-answered.png"))
    finally:
        context.close()
