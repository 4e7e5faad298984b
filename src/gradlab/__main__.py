"""python -m gradlab: the course's network with its planted bugs, checked, and the report printed."""
from .demo import main

main()
