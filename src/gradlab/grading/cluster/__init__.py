"""cluster: a whole class graded on Dask (a local cluster, or an existing one), merged into one gradebook.

    classroom.py    grade_class: stage, send, merge as results arrive, export, feedback, report
    engine.py       the Dask cluster: local (a process server the workers fork from) or given; its settings
    worker.py       what a worker does with one submission: nbgrader's Autograde in a private course
    nbgrader_shortcuts.py  two of nbgrader's steps made cheap in a worker (opening the gradebook, checking metadata)
    dispatch.py     sending jobs, at most a few per core in flight, and taking results as they come
    material.py     what every worker needs once: the course's config, exercises, source and a template gradebook
    submissions.py  finding a class's submissions, staging them, and the journal that makes a run resumable
    progress.py     how far a run has got, and the terminal's progress bar

May import: course, gradebook, judging, declare, sandbox.
"""
