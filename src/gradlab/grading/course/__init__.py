"""course: gradlab inside an nbgrader course: the pieces nbgrader's own commands load, and running those commands.

    config.py          grade_with_gradlab(c): the settings a course's nbgrader_config.py needs, each with its reason
    preprocessor.py    GradeOutsideKernel, in place of nbgrader's Execute in the autograde pipeline
    restore.py         RestoreTestCells, nbgrader's OverwriteCells made safe against forged cells
    feedback_html.py   the HTML exporter's filters: feedback and formgrader pages without scripts
    maths.py           TeX in markdown as MathML, drawn by the browser: no MathJax, no network
    feedback_page.py   how a feedback page reads anywhere: wrapped outputs, no MathJax from a CDN (templates/)
    nbgrader_calls.py  nbgrader's commands and API run from Python, in an environment of their own
    files.py           a course's files: copying a course, the material a worker needs, a submission read without
                       following links
    intake.py          what a submission must be before it is graded: its student id, its size, its cells
    exporters.py       nbgrader's exporters, bounded: the submission checked before it is parsed, each step a deadline
    deadline.py        the deadline on a step in the grader's own process, paused while the sandbox grades

May import: judging, declare, sandbox, gradebook.
"""
