"""The code that runs inside the sandbox: `python -I <this directory> SCRATCH` (see sandbox.py).

These modules import each other as top-level modules (the directory is the child's sys.path[0]) and import
nothing of gradlab, so that the child needs read access to the Python installation only.
"""
