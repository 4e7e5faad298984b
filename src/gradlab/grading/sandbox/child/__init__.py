"""The code that runs inside the sandbox: `python -I <this directory> --zygote ...` (zygote.py), which forks a
supervisor per submission (supervisor.py), which starts each run in namespaces of its own (isolation.py) under a
monitor (monitor.py), whose child confines itself (confine.py, landlock.py, references.py) and runs the cells and
calls (cells.py, calls.py) within budgets of charged time (charged.py); untrusted.py reads what it left.

These modules import each other as top-level modules (the directory is the child's sys.path[0]) and import
nothing of gradlab, so that the child needs read access to the Python installation only.
"""
