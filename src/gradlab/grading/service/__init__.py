"""service: grading as a service: learners submit a notebook over HTTP at any hour, and their score and feedback
come back in seconds; every attempt is kept, and the counting one merged into nbgrader's gradebook.

    serve.py    python -m gradlab.grading serve: the server, the grading loop and the cluster, started and stopped
    api.py      the HTTP API (Tornado): POST a notebook, GET a submission, GET one's own submissions
    identity.py who is asking: a token the instructor issued (standalone), or JupyterHub's tokens and OAuth
    tokens.py   learners' tokens from a roster, stored hashed; revoking them (python -m gradlab.grading tokens)
    intake.py   what a body must be before it is stored: a notebook, this assignment's, naming no other learner
    limits.py   the instructor's settings (c.GradingService in nbgrader_config.py): counting, rate, size, due date
    catalog.py  the assignments served: notebook, cells, test points; due dates from nbgrader's gradebook
    tables.py   the service's own tables, beside nbgrader's in the gradebook's database
    queue.py    the durable queue: submissions stored, claimed under a lease, given back when a process is gone
    grader.py   a process's grading loop: claimed submissions graded on Dask by cluster/worker.py
    record.py   a result recorded exactly once, the counting attempt merged into nbgrader's gradebook with it
    folders.py  the counting attempt's files in the course folder (submitted/, autograded/, feedback/)

May import: cluster, course, gradebook, judging, declare, sandbox.
"""
