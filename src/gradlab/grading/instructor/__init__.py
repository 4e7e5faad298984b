"""instructor: what an instructor runs: the command line and the dashboard (the top part; nothing imports it).

    cli.py             python -m gradlab.grading {demo, sample, grade, verify, table}
    demo.py            every sample class graded in a copy of the course, next to the expected scores
    sample.py          a sample class put into a course's submitted/, to try grading; what to do with none
    verify.py          an assignment's own tests, tested before release (the solution, and mutants of it)
    verify_visible.py  the notebook's visible test calls each function with the declaration's visible case
    verify_differences.py  cases that tell backpropagation from finite differences, and mutants made of differences
    table.py           the gradebook as a table, compared with a CSV of expected scores
    dashboard.py       GradingDashboard: grade a class from a notebook, with progress and the class report
    dashboard_view.py  the dashboard's tables and text
    service_attempts.py  what learners submitted to the grading service, and which attempt counts

May import: every other part.
"""
