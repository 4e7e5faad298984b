"""Everything a refused request must leave as it was: the service's tables (submissions, their states, results
recorded, counting attempts, tokens), nbgrader's gradebook (submissions, grades, comments) and the course's folders
of submissions, autograded notebooks and feedback."""
from pathlib import Path

from sqlalchemy import create_engine, text

TABLES = ("gradlab_service_attempt", "gradlab_service_counted", "gradlab_service_recorded", "gradlab_service_token",
          "student", "submitted_assignment", "submitted_notebook", "grade", "comment")


def service_state(db_url, course=None):
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            state = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in TABLES}
            state["statuses"] = sorted(connection.execute(text(
                "SELECT id, status, score FROM gradlab_service_attempt")).all())
            state["grades"] = sorted(connection.execute(text(
                "SELECT notebook_id, cell_id, auto_score FROM grade")).all())
    finally:
        engine.dispose()
    if course is not None:
        for kind in ("submitted", "autograded", "feedback"):
            folder = Path(course) / kind
            state[kind] = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []
    return state
