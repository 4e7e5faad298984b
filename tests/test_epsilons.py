"""The same check at several epsilons (lesson 3's table): what each column says."""
import re

import pytest

from gradlab import course
from gradlab.epsilons import check_across_epsilons

PREPOSITIONS = {"of", "in", "per", "for", "at", "to", "by", "on", "as"}


@pytest.fixture(scope="module")
def table():
    X, Y, parameters = course.course_test_case()
    return check_across_epsilons(course.forward_propagation_n, course.backward_propagation_n, X, Y, parameters,
                                 epsilons=(1e-3, 1e-7))


def test_each_heading_names_its_own_column(table):
    html = table._repr_html_()
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    first_row = re.search(r"<tr>(<td.*?)</tr>", html).group(1)
    assert len(headings) == first_row.count("<td") and len(set(headings)) == len(headings)
    for heading in headings:  # none reads as the tail of its neighbour ("resolution" | "of the gradient")
        assert heading.split()[0] not in PREPOSITIONS, headings
    text_head = str(table).splitlines()[0]
    assert all(heading in text_head for heading in headings)


def test_a_correct_backprop_passes_at_each_epsilon_and_the_best_is_the_finest(table):
    for row in table.rows:
        assert row.relative_resolution < 1e-3 and row.resolution > 0
        assert row.outcome == "passed"
    assert table.best == min(table.rows, key=lambda row: row.resolution).epsilon
