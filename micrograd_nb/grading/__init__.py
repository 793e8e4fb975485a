"""Exercise checks and the autograder.

In a notebook, `check("mul_pow", globals())` runs an exercise's tests on the functions you wrote
and prints specific feedback. From a shell, `python -m micrograd_nb.grade submission.ipynb`
grades a whole submission in a sandboxed process (see `micrograd_nb.grading.cli`).
"""

from .checks import EXERCISES
from .core import Exercise, Test, TestResult, Wrong
from .notebook import check

__all__ = ["EXERCISES", "Exercise", "Test", "TestResult", "Wrong", "check"]
