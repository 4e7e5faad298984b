"""judging: one notebook graded: its exercises run in the sandbox, what they return judged against the declaration.

    grader.py        grade_notebook: a sandbox per submission, its exercises' calls run and judged
    runs.py          which calls run in which sandboxed run: visible cases first (what a student reads), hidden after
    notebook.py      what is read from a notebook's text: code cells, test cells, a test cell's HIDDEN_CASES
    returned.py      reading what a call returned (kind, dtype, shape, finite), never trusting it
    judge.py         each output of each case judged: gradlab's gradient check against the declared cost, or values
    differences.py   telling backpropagation from finite differences by their values, case by case
    credit.py        points per output, and the words of the feedback
    apart.py         keeping a checker's cases apart (cases that share an input never share a run; batches mix kinds)
    plain.py         ordinary test cells, run in the sandbox and scored by nbgrader as usual
    cell_outputs.py  what a student's cell shows in the autograded notebook: what it printed, what it raised
    result.py        ExerciseResult: a score and the words that explain it

May import: declare, sandbox, and gradlab's library (gradlab.check).
"""
