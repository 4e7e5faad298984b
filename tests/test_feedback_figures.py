"""A returned feedback page carries its figures: an image the notebook shows by a bare name beside it is written
into the page (Jupyter's file server serves the page sandboxed, so a figure left beside it is a broken image), and
nothing else a submission names is read: not a link, not a path out of the folder, not a file that is no image."""
import base64
import os

from gradlab.grading.course.feedback_html import _FIGURE_BYTES, figures_inline

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def img(src):
    return f'<p><img alt="Figure 1" src="{src}"></p>'


def test_a_figure_beside_the_page_is_written_into_it(tmp_path):
    (tmp_path / "figure1.png").write_bytes(PNG)
    page = figures_inline(img("figure1.png") + img("figure1.png"), str(tmp_path))
    inline = f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"'
    assert page.count(inline) == 2 and "figure1.png" not in page


def test_nothing_else_a_submission_names_is_read(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"SECRET-OF-THE-GRADER")
    folder = tmp_path / "feedback"
    folder.mkdir()
    os.symlink(secret, folder / "linked.png")
    (folder / "notes.txt").write_text("SECRET-OF-THE-GRADER")
    (folder / "huge.png").write_bytes(PNG + bytes(_FIGURE_BYTES))
    os.mkfifo(folder / "pipe.png")
    markup = "".join(img(name) for name in ("linked.png", "../secret.png", "notes.txt", "huge.png", "pipe.png",
                                            "missing.png", f"{secret}"))
    assert figures_inline(markup, str(folder)) == markup


def test_without_a_folder_the_page_is_left_as_it_is():
    assert figures_inline(img("figure1.png"), "") == img("figure1.png")
