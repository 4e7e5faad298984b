"""The name course files import grade_with_gradlab by (`from gradlab.grading.course_config import
grade_with_gradlab` in nbgrader_config.py); it lives in gradlab.grading.course.config."""
from .course.config import grade_with_gradlab

__all__ = ["grade_with_gradlab"]
